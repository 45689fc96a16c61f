package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
)

// tailInterval is how often a server looks for commands other servers
// appended to the command log.
const tailInterval = 250 * time.Millisecond

// commandTail keeps an engine's catalog at the head of the command log:
// servers sharing a service id see each other's DDL within a fraction of
// a second, not at their next restart. The engine owns it and stops it
// on Close.
type commandTail struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startCommandTail(e *Engine) *commandTail {
	ctx, cancel := context.WithCancel(context.Background())
	t := &commandTail{cancel: cancel}
	t.done.Add(1)
	go func() {
		defer t.done.Done()
		tick := time.NewTicker(tailInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			end, err := e.cmdLog.End(ctx)
			if err != nil || end <= e.CommandSequence() {
				continue
			}
			e.mu.Lock()
			if err := e.catchUp(ctx, -1); err != nil && ctx.Err() == nil && !serde.IsUnavailable(err) {
				e.opts.Logf("command log: %v", err)
			}
			e.unlock()
		}
	}()
	return t
}

func (t *commandTail) stop() {
	t.cancel()
	t.done.Wait()
}

// catchUp applies the commands of the log from e.cmdOffset up to (not
// including) offset until, or to the end when until is negative. A
// command that fails is logged and skipped, as at start-up: the server
// that appended it validated it against the same log; one that fails
// because the Schema Registry does not answer stops the catch-up there,
// to be applied by the next. Callers hold e.mu.
func (e *Engine) catchUp(ctx context.Context, until int64) error {
	if e.cmdLog == nil {
		return nil
	}
	cmds, end, err := e.cmdLog.ReadFrom(ctx, e.cmdOffset)
	if err != nil {
		return err
	}
	// Applied as at start-up: validated already by the server that
	// appended them.
	prev := e.replaying
	e.replaying = true
	defer func() { e.replaying = prev }()
	for _, c := range cmds {
		if until >= 0 && c.Offset >= until {
			return nil
		}
		if err := e.replayLocked(ctx, c.Statement, c.Props); err != nil {
			if serde.IsUnavailable(err) {
				// Kept, in order, for the next catch-up, as start-up
				// waits for the registry: skipped, the stream (and every
				// query over it) would be missing here until a restart.
				// Applying it advanced the offset past it when its
				// action (a declared schema's registration) failed.
				e.cmdOffset = c.Offset
				if e.registryWait != c.Offset+1 {
					e.registryWait = c.Offset + 1
					e.opts.Logf("command %d (%q) waits for the Schema Registry: %v", c.Offset, c.Statement, err)
				}
				return fmt.Errorf("command %d waits for the Schema Registry: %w", c.Offset, err)
			}
			e.opts.Logf("command %d (%q) from the log not applied: %v", c.Offset, c.Statement, err)
			e.cmdFailures = append(e.cmdFailures, CommandFailure{Offset: c.Offset, Statement: c.Statement, Err: err.Error()})
		}
		e.registryWait = 0
		e.cmdOffset = c.Offset + 1
	}
	if until < 0 {
		e.cmdOffset = max(e.cmdOffset, end)
	} else {
		e.cmdOffset = max(e.cmdOffset, min(end, until))
	}
	return nil
}

// replayLocked applies a recorded statement without recording it again;
// callers hold e.mu.
func (e *Engine) replayLocked(ctx context.Context, text string, props map[string]string) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := e.executeLocked(ctx, st, props, true); err != nil {
			return err
		}
	}
	return nil
}

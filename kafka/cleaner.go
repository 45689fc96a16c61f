package kafka

import (
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// cleaner runs the embedded broker's log cleaning on a timer: records
// past retention (retention.ms, else the broker's log.retention.ms) are
// deleted and compacted topics (cleanup.policy=compact: changelogs,
// _schemas, table topics) keep only each key's latest record, so the
// data directory tracks what is retained, not everything ever written.
// kfake runs the same work on its own ticker only for topics with
// explicit settings, and hourly; the embedded broker wants it for all.
// After each pass, the partitions it emptied get their end marked
// (keepEmptiedEnds), so a restart does not take their offsets back to 0.
type cleaner struct {
	quit chan struct{}
	done sync.WaitGroup
}

func startCleaner(c *kfake.Cluster, dataDir string, every time.Duration, logf func(string, ...any)) *cleaner {
	cl := &cleaner{quit: make(chan struct{})}
	cl.done.Add(1)
	go func() {
		defer cl.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-cl.quit:
				return
			case <-t.C:
				c.Compact() // compaction, then retention, on every topic
				if err := keepEmptiedEnds(c, dataDir); err != nil {
					logf("embedded broker: %v", err)
				}
			}
		}
	}()
	return cl
}

// stop ends the timer and waits for a running pass to finish.
func (cl *cleaner) stop() {
	close(cl.quit)
	cl.done.Wait()
}

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
type cleaner struct {
	quit chan struct{}
	done sync.WaitGroup
}

func startCleaner(c *kfake.Cluster, every time.Duration) *cleaner {
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

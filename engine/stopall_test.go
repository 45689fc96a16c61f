package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// barrierStop's Stop returns only once every query of the set is being
// stopped, as a query that has fallen behind returns only once its batch
// in hand is done: stopped one after another, the first never returns.
type barrierStop struct {
	arrived *sync.WaitGroup
	all     chan struct{}
	err     error
}

func (b barrierStop) Stop() error {
	b.arrived.Done()
	select {
	case <-b.all:
		return b.err
	case <-time.After(10 * time.Second):
		return errors.New("stopped alone: the others were not being stopped")
	}
}

func TestStopAllStopsTheQueriesAtOnce(t *testing.T) {
	var arrived sync.WaitGroup
	all := make(chan struct{})
	queries := map[string]barrierStop{}
	for i := range 8 {
		arrived.Add(1)
		var err error
		if i == 3 {
			err = errors.New("commit refused")
		}
		queries[fmt.Sprintf("Q%d", i)] = barrierStop{&arrived, all, err}
	}
	go func() {
		arrived.Wait()
		close(all)
	}()
	errs := stopAll(queries)
	if len(errs) != 1 || errs[0].Error() != "stop Q3: commit refused" {
		t.Fatalf("errors %v, want only Q3's", errs)
	}
}

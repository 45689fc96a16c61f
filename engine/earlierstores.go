package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/runtime"
)

// keepEarlierJoinStores makes a query an eddy before per-side join
// stores started keep its joins' single store (runtime.EarlierJoinStores):
// its state is there when that store's changelog holds records and none
// of the per-side ones does.
func (e *Engine) keepEarlierJoinStores(ctx context.Context, id string, topo *runtime.Topology) error {
	earlier, current := topo.EarlierJoinStores()
	if len(earlier) == 0 {
		return nil
	}
	held, err := e.anyHoldsRecords(ctx, earlier)
	if err != nil || !held {
		return err
	}
	if held, err = e.anyHoldsRecords(ctx, current); err != nil || held {
		return err
	}
	topo.KeepEarlierJoinStores()
	e.opts.Logf("query %s: keeps its joins' state in %s, as the eddy that started it did", id, strings.Join(earlier, ", "))
	return nil
}

// anyHoldsRecords reports whether any of the topics exists and has had
// a record written to it.
func (e *Engine) anyHoldsRecords(ctx context.Context, topics []string) (bool, error) {
	for _, t := range topics {
		_, ok, err := e.cluster.Topic(ctx, t)
		if err != nil {
			return false, fmt.Errorf("look up changelog %s: %w", t, err)
		}
		if !ok {
			continue
		}
		ends, err := e.cluster.EndOffsets(ctx, t)
		if err != nil {
			return false, fmt.Errorf("read the end of changelog %s: %w", t, err)
		}
		for _, end := range ends {
			if end > 0 {
				return true, nil
			}
		}
	}
	return false, nil
}

package runtime

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// TestPanicFailsTheQueryAlone: a panic while a query processes a record
// (here a window of size zero, which the SQL parser refuses, dividing by
// zero) stops that query with an error and a log line naming it, instead
// of ending the process with every other query in it.
func TestPanicFailsTheQueryAlone(t *testing.T) {
	k, count := keyAndCount(t)
	keySerde, err := serde.New(serde.Format{Name: serde.Kafka}, []types.Column{{Name: "K", Type: types.StringType}}, true)
	if err != nil {
		t.Fatal(err)
	}
	valueSerde, err := serde.New(serde.Format{Name: serde.JSON}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil},
		Window: &WindowSpec{Kind: Tumbling, Size: 0},
		Next:   &EmitSink{Emit: func([]any, bool) bool { return true }}}
	topo := &Topology{ID: "CTAS_BROKEN_0", NoCommit: true, Inputs: []*Input{{
		Source: &Source{Topic: "in", KeySerde: keySerde, ValueSerde: valueSerde, NumKey: 1},
		Next:   agg,
	}}}
	cluster := kafka.NewMemCluster(kafka.MemOptions{})
	defer cluster.Close()
	var mu sync.Mutex
	var logged []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, format)
	}
	q, err := Start(context.Background(), cluster, topo, Options{Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	_ = cluster.Produce(context.Background(), kafka.Record{Topic: "in", Key: []byte("a"), Value: []byte("{}"), Timestamp: 1000})
	<-q.Done()
	if err := q.Err(); err == nil || !strings.Contains(err.Error(), "CTAS_BROKEN_0: internal error") {
		t.Errorf("the query ended with %v, want its internal error", err)
	}
	if q.FailedAt() == 0 {
		t.Error("the query does not say when it failed")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) == 0 || !strings.Contains(strings.Join(logged, "\n"), "internal error, the query stops") {
		t.Errorf("nothing logged of the panic: %q", logged)
	}
}

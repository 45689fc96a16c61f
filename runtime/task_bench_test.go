package runtime

import (
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// BenchmarkTaskPassThrough runs records through a task's per-record path
// (count, decode, a sink that encodes and queues) with nothing else: what
// the task's counters cost shows here.
func BenchmarkTaskPassThrough(b *testing.B) {
	kcols := []types.Column{{Name: "K", Type: types.StringType}}
	vcols := []types.Column{{Name: "V", Type: types.IntType}}
	ks, err := serde.New(serde.Format{Name: "KAFKA"}, kcols, true)
	if err != nil {
		b.Fatal(err)
	}
	vs, err := serde.New(serde.Format{Name: serde.JSON}, vcols, false)
	if err != nil {
		b.Fatal(err)
	}
	topo := &Topology{ID: "BENCH", Inputs: []*Input{{
		Source: &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 1},
		Next:   &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1},
	}}}
	tk := newTask(topo, nil, newTaskStats(), 0)
	q := tk.queue("in", 0)
	rec := kafka.Record{Topic: "in", Key: []byte("k1"), Value: []byte(`{"V":42}`), Timestamp: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec.Offset = int64(i)
		q.buf = append(q.buf, rec)
		tk.processHead(q)
		if len(tk.pending) == 1024 {
			clear(tk.pending)
			tk.pending = tk.pending[:0]
		}
	}
}

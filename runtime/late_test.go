package runtime

import (
	"reflect"
	"testing"
)

// A HOPPING window's late record counts once per closed window it falls
// in, as Kafka Streams' KStreamWindowAggregate records a dropped record
// for each window it skips, also when its newer windows still take it;
// a TUMBLING window's counts once.
func TestLateCountsEachClosedWindow(t *testing.T) {
	for _, tc := range []struct {
		w    WindowSpec
		late int64
		want []string
	}{
		// Stream time 50,000 closes the windows ending by then (grace 0).
		// 25,000 falls in [0,30000), [10000,40000) and [20000,50000):
		// all closed, 3; 35,000 in [10000,40000) and [20000,50000),
		// closed, 2, and in [30000,60000), which takes it; 55,000 in
		// three open ones.
		{WindowSpec{Kind: Hopping, Size: 30_000, Advance: 10_000, Retention: 30_000}, 5,
			[]string{"k[30000,60000]=1", "k[40000,70000]=1", "k[50000,80000]=1", "k[30000,60000]=2",
				"k[30000,60000]=3", "k[40000,70000]=2", "k[50000,80000]=2"}},
		// One window each: 25,000's [20000,30000) has closed, 35,000's
		// [30000,40000) has too; 55,000's [50000,60000) takes it.
		{WindowSpec{Kind: Tumbling, Size: 10_000, Retention: 10_000}, 2,
			[]string{"k[50000,60000]=1", "k[50000,60000]=2"}},
	} {
		var out []string
		agg := sessionCounter(t, &tc.w, &out)
		agg.cache = nil
		tk := newTask(&Topology{}, nil, newTaskStats(), 0)
		for _, ts := range []int64{50_000, 25_000, 35_000, 55_000} {
			agg.Process(tk, &Rec{Row: []any{"k"}, Ts: ts})
		}
		if got := tk.stats.Late.Load(); got != tc.late {
			t.Errorf("%s: %d late, want %d", tc.w.Kind, got, tc.late)
		}
		if !reflect.DeepEqual(out, tc.want) {
			t.Errorf("%s: emitted %q, want %q", tc.w.Kind, out, tc.want)
		}
	}
}

package runtime

import "testing"

// TestHoppingQueriesTakeSmallerBatches: a query whose records each update
// many hopping windows asks its subscription for fewer records a batch,
// so the windows one batch changes stay near windowUpdatesPerBatch; one
// updating few windows a record keeps the consumer's default. An hour
// advancing by the second, over a preloaded backlog, held 7.2 million
// changed windows in one batch of 2,000 records (past 6 GB of RSS).
func TestHoppingQueriesTakeSmallerBatches(t *testing.T) {
	for _, tc := range []struct {
		window *WindowSpec
		behind bool // the aggregation reads a repartition topic
		want   int
	}{
		{nil, false, 0},
		{&WindowSpec{Kind: Tumbling, Size: 3_600_000}, false, 0},
		{&WindowSpec{Kind: Session, Size: 1_000}, false, 0},
		{&WindowSpec{Kind: Hopping, Size: 10_000, Advance: 1_000}, false, 0},
		{&WindowSpec{Kind: Hopping, Size: 3_600_000, Advance: 60_000}, false, 1_666},
		{&WindowSpec{Kind: Hopping, Size: 3_600_000, Advance: 1_000}, true, 27},
		{&WindowSpec{Kind: Hopping, Size: 3_600_000, Advance: 7_000}, false, 194}, // 515 windows, rounded up
		{&WindowSpec{Kind: Hopping, Size: 1 << 40, Advance: 1}, false, 1},
	} {
		agg := &Aggregate{Window: tc.window, Next: &EmitSink{}}
		in := &Input{Source: &Source{Topic: "in"}, Next: &Filter{Next: agg}}
		if tc.behind {
			in = &Input{Internal: &RepartitionInput{Next: agg}, InternalTopic: "rep"}
		}
		topo := &Topology{Inputs: []*Input{{Source: &Source{Topic: "other"}, Next: &EmitSink{}}, in}}
		if got := topo.maxBatch(); got != tc.want {
			t.Errorf("%+v: max batch %d, want %d", tc.window, got, tc.want)
		}
	}
}

package runtime

import (
	"testing"

	"github.com/eddysql/eddy/expr"
)

func TestTopologyDescribe(t *testing.T) {
	j := &JoinSpec{Kind: LeftJoin, Before: 1000, After: 2000}
	sink := &TopicSink{Topic: "OUT"}
	j.Next = &Project{Exprs: make([]*expr.Compiled, 3), NumKey: 1, Next: sink}
	agg := &Aggregate{Keys: make([]*expr.Compiled, 1), Funcs: []*expr.Aggregate{{Name: "COUNT"}},
		Window: &WindowSpec{Kind: Tumbling, Size: 60000, Grace: 0, Retention: 1 << 62}, Next: &TopicSink{Topic: "AGG", Window: Tumbling}}
	topo := &Topology{Inputs: []*Input{
		{Source: &Source{Topic: "left"}, Next: &Filter{Next: &JoinLeft{J: j}}},
		{Source: &Source{Topic: "right", IsTable: true}, Next: &JoinRight{J: j}},
		{Source: &Source{Topic: "t", IsTable: true}, Next: &TableChanges{Next: &Repartition{Topic: "q-repartition", Keys: make([]*expr.Compiled, 1)}}},
		{Internal: &RepartitionInput{Next: agg}, InternalTopic: "q-repartition"},
		{Source: &Source{Topic: "s"}, Next: &Rekey{Keys: make([]*expr.Compiled, 1), KeyOnly: []bool{false}, Carry: []int{1, 2}, Next: &EmitSink{}}},
	}}
	want := `Topologies:
   Sub-topology: 0
    Source: left (stream)
      --> FILTER
      --> JOIN left side: LEFT stream-table join
      --> PROJECT (3 columns, 1 key)
      --> SINK (topic: OUT)
   Sub-topology: 1
    Source: right (table)
      --> JOIN right side: LEFT stream-table join
      (continues as in sub-topology 0)
   Sub-topology: 2
    Source: t (table)
      --> TABLE CHANGES (an update retracts the key's previous row)
      --> REPARTITION (topic: q-repartition, 1 key expression)
   Sub-topology: 3
    Source: q-repartition (repartition topic)
      --> AGGREGATE (GROUP BY 1 key: COUNT; WINDOW TUMBLING SIZE 1m0s GRACE 0 RETENTION 4611686018427387904ms)
      --> SINK (topic: AGG, TUMBLING windowed key)
   Sub-topology: 4
    Source: s (stream)
      --> REKEY (PARTITION BY: 1 key expression, 2 value columns carried)
      --> EMIT (rows to the client)`
	j.RightTable = true
	if got := topo.Describe(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	j.RightTable = false
	if got := j.Describe(); got != "LEFT stream-stream join WITHIN (1s BEFORE, 2s AFTER)" {
		t.Errorf("stream-stream join: %s", got)
	}
}

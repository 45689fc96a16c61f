package runtime

import "fmt"

// Graph is a topology as nodes and edges, for drawing: source topics,
// operators, repartition topics and the sink. EXPLAIN's text says the
// same in lines; a graph lets a viewer lay it out.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GraphNode is one box of the drawing. Kind is "source", "table-source",
// "repartition-topic", "operator", "join" or "sink".
type GraphNode struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	// Topic is the topic a source, repartition or sink node stands for.
	Topic string `json:"topic,omitempty"`
}

// GraphEdge says rows flow from one node to another.
type GraphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Graph builds the topology's graph. A join's two sides meet in one node
// and a repartition operator leads to the topic node its sub-topology
// reads, so the graph is connected the way rows flow.
func (t *Topology) Graph() Graph {
	var g Graph
	ids := map[any]string{}
	node := func(key any, kind, label, topic string) string {
		if id, ok := ids[key]; ok {
			return id
		}
		id := fmt.Sprintf("n%d", len(g.Nodes))
		ids[key] = id
		g.Nodes = append(g.Nodes, GraphNode{ID: id, Kind: kind, Label: label, Topic: topic})
		return id
	}
	edges := map[GraphEdge]bool{}
	edge := func(from, to string) {
		e := GraphEdge{From: from, To: to}
		if !edges[e] {
			edges[e] = true
			g.Edges = append(g.Edges, e)
		}
	}
	for _, in := range t.Inputs {
		var prev string
		op := in.Next
		if in.Internal != nil {
			prev = node("topic:"+in.InternalTopic, "repartition-topic", in.InternalTopic, in.InternalTopic)
			op = in.Internal.Next
		} else {
			kind, label := "source", in.Source.Topic+" (stream)"
			if in.Source.IsTable {
				kind, label = "table-source", in.Source.Topic+" (table)"
			}
			prev = node("topic:"+in.Source.Topic, kind, label, in.Source.Topic)
		}
		for op != nil {
			var id string
			switch o := op.(type) {
			case *JoinLeft:
				id = node(o.J, "join", o.J.Describe(), "")
			case *JoinRight:
				id = node(o.J, "join", o.J.Describe(), "")
			case *TopicSink:
				id = node(o, "sink", o.Describe(), o.Topic)
			case *EmitSink:
				id = node(o, "sink", o.Describe(), "")
			case *Repartition:
				id = node(o, "operator", o.Describe(), "")
				edge(prev, id)
				prev = id
				id = node("topic:"+o.Topic, "repartition-topic", o.Topic, o.Topic)
			default:
				id = node(op, "operator", DescribeOp(op), "")
			}
			edge(prev, id)
			prev = id
			next := NextOps(op)
			if len(next) == 0 {
				break
			}
			op = next[0]
		}
	}
	return g
}

package repl

import (
	"fmt"
	"strconv"

	"github.com/eddysql/eddy/api"
)

// connectorDescription renders DESCRIBE CONNECTOR as the ksqlDB CLI does:
// a header block, the tasks table, related sources and topics, and for
// sinks eddy's consumer lag.
func (r *renderer) connectorDescription(e *api.ConnectorDescription) {
	fmt.Fprintln(r.out)
	kv := func(k, v string) { fmt.Fprintf(r.out, "%-20s : %s\n", k, v) }
	kv("Name", e.Status.Name)
	kv("Class", e.ConnectorClass)
	kv("Type", e.Status.Type)
	kv("State", e.Status.Connector.State)
	kv("WorkerId", e.Status.Connector.WorkerID)
	if e.Status.Connector.Trace != "" {
		kv("Trace", e.Status.Connector.Trace)
	}
	t := &table{header: []string{"Task ID", "State", "Error Trace"}}
	for _, ts := range e.Status.Tasks {
		trace := ts.Trace
		if trace != "" && ts.ErrorTime != "" {
			trace = ts.ErrorTime + " " + trace
		}
		t.add(strconv.Itoa(ts.ID), ts.State, trace)
	}
	r.table(t)
	for _, ts := range e.Status.Tasks {
		if ts.Progress != "" {
			fmt.Fprintf(r.out, "Task %d: %s\n", ts.ID, ts.Progress)
		}
	}
	if len(e.Sources) > 0 {
		st := &table{header: []string{"Related Sources"}}
		for _, s := range e.Sources {
			st.add(s.Name)
		}
		r.table(st)
	}
	if len(e.Topics) > 0 {
		tt := &table{header: []string{"Related Topics"}}
		for _, topic := range e.Topics {
			tt.add(topic)
		}
		r.table(tt)
	}
	if len(e.Lag) > 0 {
		lt := &table{header: []string{"Topic", "Partition", "Committed", "End", "Lag"}}
		var total int64
		for _, l := range e.Lag {
			committed := strconv.FormatInt(l.Committed, 10)
			if l.Committed < 0 {
				committed = "-"
			}
			lt.add(l.Topic, strconv.Itoa(int(l.Partition)), committed, strconv.FormatInt(l.End, 10), strconv.FormatInt(l.Lag, 10))
			total += l.Lag
		}
		r.table(lt)
		fmt.Fprintf(r.out, "Consumer lag         : %d\n", total)
	}
}

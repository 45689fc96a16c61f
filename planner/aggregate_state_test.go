package planner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
)

// An aggregate whose intermediate state is an ARRAY, MAP or STRUCT cannot
// be stored in a format that has no such types (DELIMITED); one with a
// primitive state can, and other formats hold any state.
func TestPlannerIntermediateStateFormat(t *testing.T) {
	ms := catalog(t, `
CREATE STREAM d (id STRING KEY, v INT, x DOUBLE, name STRING) WITH (kafka_topic='d', value_format='DELIMITED', partitions=1);
CREATE STREAM j (id STRING KEY, v INT, x DOUBLE, name STRING) WITH (kafka_topic='j', value_format='JSON', partitions=1);
CREATE STREAM dj (id STRING KEY, w INT) WITH (kafka_topic='dj', value_format='DELIMITED', partitions=1);
`)
	const msg = "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format."
	for _, q := range []string{
		"CREATE TABLE out AS SELECT id, AVG(v) AS a FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, CORRELATION(x, x) AS c FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, COUNT(*) AS n, TOPK(v, 3) AS t FROM d GROUP BY id;",
		// A join's aggregation stores state in its leftmost source's format.
		"CREATE TABLE out AS SELECT d.id, AVG(d.v) AS a FROM d JOIN j WITHIN 1 HOUR ON d.id = j.id GROUP BY d.id;",
	} {
		if _, err := planCSAS(t, ms, q); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", q, err, msg)
		}
	}
	for _, q := range []string{
		"CREATE TABLE out AS SELECT id, SUM(v) AS s, COUNT(*) AS n, MAX(name) AS m FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, AVG(v) AS a FROM j GROUP BY id;",
		"CREATE TABLE out AS SELECT j.id, AVG(j.v) AS a FROM j JOIN dj WITHIN 1 HOUR ON j.id = dj.id GROUP BY j.id;",
	} {
		if _, err := planCSAS(t, ms, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// findAggregate follows the ops from the plan's inputs to its aggregation.
func findAggregate(plan *QueryPlan) *runtime.Aggregate {
	for _, in := range plan.Inputs {
		for op := in.Next; op != nil; {
			if a, ok := op.(*runtime.Aggregate); ok {
				return a
			}
			next := reflect.ValueOf(op).Elem().FieldByName("Next")
			if !next.IsValid() || next.IsNil() {
				break
			}
			op, _ = next.Interface().(runtime.Op)
		}
	}
	return nil
}

// The statement's ksql.functions.collect_set.limit / collect_list.limit
// bound the collections its aggregates build.
func TestPlannerAggregateProperties(t *testing.T) {
	ms := catalog(t, testDDL)
	const q = "CREATE TABLE out AS SELECT user_id, COLLECT_SET(ms) AS s, COLLECT_LIST(ms) AS l FROM clicks GROUP BY user_id;"
	stmts, err := sql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	query := stmts[0].(*sql.CreateAsSelect).Query
	cfg := Config{"ksql.functions.collect_set.limit": "1", "ksql.functions.collect_list.limit": "2"}
	plan, err := New(ms, expr.NewRegistry(), cfg, nil).PlanQuery(query, Persistent, "OUT")
	if err != nil {
		t.Fatal(err)
	}
	agg := findAggregate(plan)
	if agg == nil || len(agg.Funcs) != 2 {
		t.Fatalf("no aggregation with two functions in the plan")
	}
	for i, want := range []int{1, 2} {
		f := agg.Funcs[i]
		acc := f.Init()
		for _, v := range []int32{1, 2, 3} {
			acc = f.Add(acc, []any{v})
		}
		if got := len(f.Result(acc).([]any)); got != want {
			t.Errorf("%s: %d elements, want %d", f.Name, got, want)
		}
	}
	cfg = Config{"ksql.functions.collect_set.limit": "x"}
	if _, err := New(ms, expr.NewRegistry(), cfg, nil).PlanQuery(query, Persistent, "OUT"); err == nil ||
		!strings.Contains(err.Error(), "Invalid value x for configuration ksql.functions.collect_set.limit") {
		t.Errorf("bad limit: %v", err)
	}
}

package planner

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
)

// The projection is typed, its functions resolved, before the key
// columns are looked for in it: a bad call is reported even when the key
// is missing too.
func TestPlannerProjectionTypedBeforeKeyCheck(t *testing.T) {
	ms := catalog(t, testDDL)
	for q, want := range map[string]string{
		"CREATE STREAM out AS SELECT GREATEST(*) AS h FROM clicks;":             "Function 'greatest' does not accept parameters ().",
		"CREATE STREAM out AS SELECT SUBSTRING(ms) AS h FROM clicks;":           "Function 'SUBSTRING' does not accept parameters (INTEGER).",
		"CREATE STREAM out AS SELECT url FROM clicks;":                          "must include the key column USER_ID in its projection",
		"CREATE STREAM out AS SELECT ms + 1 AS h FROM clicks PARTITION BY url;": "must include the partitioning expression CLICKS.URL in its projection",
	} {
		if _, err := planCSAS(t, ms, q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", q, err, want)
		}
	}
}

// A sink TIMESTAMP column the projection lacks is named before a missing
// key column, as ksqlDB's analysis reports it first.
func TestSinkTimestampColumnBeforeMissingKey(t *testing.T) {
	ms := catalog(t, testDDL)
	stmts, err := sql.Parse("CREATE STREAM out WITH (TIMESTAMP='nope') AS SELECT url FROM clicks;")
	if err != nil {
		t.Fatal(err)
	}
	p := New(ms, expr.NewRegistry(), nil, nil)
	p.SinkTimestampColumn = "NOPE"
	_, err = p.PlanQuery(stmts[0].(*sql.CreateAsSelect).Query, Persistent, "OUT")
	if want := "The TIMESTAMP column set in the WITH clause does not exist in the schema: 'NOPE'"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

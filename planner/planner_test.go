package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
)

// catalog is a metastore holding the sources the statements create.
func catalog(t *testing.T, ddl string) *metastore.Metastore {
	t.Helper()
	ms := metastore.New()
	stmts, err := sql.Parse(ddl)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		src, err := New(ms, expr.NewRegistry(), nil, nil).PlanCreateSource(st.(*sql.CreateSource))
		if err != nil {
			t.Fatalf("%s: %v", st.Text(), err)
		}
		ms.PutSource(src)
	}
	return ms
}

// planCSAS plans the query of a CREATE … AS SELECT as the persistent
// query OUT, without an engine.
func planCSAS(t *testing.T, ms *metastore.Metastore, text string) (*QueryPlan, error) {
	t.Helper()
	return planCSASWith(t, ms, text, nil)
}

func mustPlan(t *testing.T, ms *metastore.Metastore, text string) *QueryPlan {
	t.Helper()
	plan, err := planCSAS(t, ms, text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return plan
}

const testDDL = `
CREATE STREAM clicks (user_id STRING KEY, url STRING, ms INT) WITH (kafka_topic='clicks', value_format='JSON', partitions=2);
CREATE STREAM views (user_id STRING KEY, page STRING) WITH (kafka_topic='views', value_format='JSON', partitions=2);
CREATE TABLE users (id STRING PRIMARY KEY, name STRING, country_id INT) WITH (kafka_topic='users', value_format='JSON', partitions=2);
CREATE TABLE countries (id INT PRIMARY KEY, cname STRING) WITH (kafka_topic='countries', value_format='JSON', partitions=2);
CREATE TABLE profiles (id STRING PRIMARY KEY, bio STRING) WITH (kafka_topic='profiles', value_format='JSON', partitions=2);
`

func keyNames(plan *QueryPlan) string {
	var names []string
	for _, c := range plan.Output.Key() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

// TestPlannerKeysAndRepartitions: the result key and whether the query
// goes through a repartition topic, as ksqlDB decides them.
func TestPlannerKeysAndRepartitions(t *testing.T) {
	ms := catalog(t, testDDL)
	cases := []struct {
		query, key    string
		table         bool
		repartitioned string // suffix of the internal topic, "" for none
	}{
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks;", "USER_ID", false, ""},
		{"CREATE STREAM out AS SELECT url, user_id FROM clicks WHERE ms > 1;", "USER_ID", false, ""},
		{"CREATE STREAM out AS SELECT url, user_id FROM clicks PARTITION BY url;", "URL", false, ""},
		{"CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id;", "USER_ID", true, ""},
		{"CREATE TABLE out AS SELECT url, COUNT(*) AS n FROM clicks GROUP BY url;", "URL", true, "-Aggregate-GroupBy-repartition"},
		{"CREATE TABLE out AS SELECT url, ms, COUNT(*) AS n FROM clicks GROUP BY url, ms;", "URL,MS", true, "-Aggregate-GroupBy-repartition"},
		{"CREATE TABLE out AS SELECT country_id, COUNT(*) AS n FROM users GROUP BY country_id;", "COUNTRY_ID", true, "-Aggregate-GroupBy-repartition"},
	}
	for _, c := range cases {
		plan := mustPlan(t, ms, c.query)
		if got := keyNames(plan); got != c.key {
			t.Errorf("%s: key %s, want %s", c.query, got, c.key)
		}
		if plan.ResultIsTable != c.table {
			t.Errorf("%s: table %v, want %v", c.query, plan.ResultIsTable, c.table)
		}
		got := ""
		for _, topic := range plan.InternalTopics {
			got = strings.TrimPrefix(topic, "_confluent-ksql-test_query_OUT")
		}
		if got != c.repartitioned {
			t.Errorf("%s: internal topics %v, want one ending %q", c.query, plan.InternalTopics, c.repartitioned)
		}
	}
}

// TestPlannerJoins: which joins are allowed, what they read and how the
// result is keyed.
func TestPlannerJoins(t *testing.T) {
	ms := catalog(t, testDDL)
	// A joined column takes its source's alias as a prefix only where
	// its name alone would be ambiguous.
	ok := []struct {
		query, key string
		table      bool
		sources    string
	}{
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.user_id = u.id;", "USER_ID", false, "CLICKS,USERS"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c LEFT JOIN users u ON c.user_id = u.id;", "USER_ID", false, "CLICKS,USERS"},
		{"CREATE STREAM out AS SELECT c.user_id, v.page FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id;", "C_USER_ID", false, "CLICKS,VIEWS"},
		{"CREATE TABLE out AS SELECT u.id, u.name, k.cname FROM users u JOIN countries k ON u.country_id = k.id;", "U_ID", true, "USERS,COUNTRIES"},
	}
	for _, c := range ok {
		plan := mustPlan(t, ms, c.query)
		if got := keyNames(plan); got != c.key {
			t.Errorf("%s: key %s, want %s", c.query, got, c.key)
		}
		if plan.ResultIsTable != c.table {
			t.Errorf("%s: table %v, want %v", c.query, plan.ResultIsTable, c.table)
		}
		if got := strings.Join(plan.Sources, ","); got != c.sources {
			t.Errorf("%s: sources %s, want %s", c.query, got, c.sources)
		}
	}
	refused := []struct{ query, want string }{
		{"CREATE STREAM out AS SELECT c.user_id, v.page FROM clicks c JOIN views v ON c.user_id = v.user_id;", "WITHIN"},
		// Foreign-key joins, in ksqlDB's words.
		{"CREATE TABLE out AS SELECT k.id, u.name FROM users u JOIN countries k ON u.country_id = k.id;",
			"Primary key column missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (U). Missing column: `ID`."},
		{"CREATE TABLE out AS SELECT u.id, u.name FROM users u FULL OUTER JOIN countries k ON u.country_id = k.id;",
			"Invalid join type: full-outer join not supported for foreign-key table-table join. Got USERS [FULL] OUTER JOIN COUNTRIES."},
		{"CREATE TABLE out AS SELECT u.id, u.name FROM users u RIGHT JOIN countries k ON u.country_id = k.id;",
			"RIGHT OUTER JOIN on a foreign key is not supported"},
		{"CREATE TABLE out AS SELECT u.id, u.name FROM users u JOIN profiles p ON u.id = p.id JOIN countries k ON u.country_id = k.id;",
			"Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got U.COUNTRY_ID = K.ID."},
		{"CREATE STREAM out AS SELECT c.user_id, u.name FROM clicks c FULL OUTER JOIN users u ON c.user_id = u.id;", "FULL"},
	}
	for _, c := range refused {
		if _, err := planCSAS(t, ms, c.query); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %s", c.query, err, c.want)
		}
	}
}

// TestPlannerWindows: a windowed aggregation keeps its window in the
// result; window bounds are only for its SELECT.
func TestPlannerWindows(t *testing.T) {
	ms := catalog(t, testDDL)
	plan := mustPlan(t, ms, "CREATE TABLE out AS SELECT user_id, WINDOWSTART AS ws, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY user_id;")
	if plan.Window == nil || plan.Window.Type != "TUMBLING" || plan.Window.SizeMs != 30_000 {
		t.Errorf("tumbling window: %+v", plan.Window)
	}
	plan = mustPlan(t, ms, "CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks WINDOW SESSION (5 MINUTES) GROUP BY user_id;")
	if plan.Window == nil || plan.Window.Type != "SESSION" {
		t.Errorf("session window: %+v", plan.Window)
	}
	if plan := mustPlan(t, ms, "CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id;"); plan.Window != nil {
		t.Errorf("unwindowed aggregation has a window: %+v", plan.Window)
	}
	const msg = "Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations and can not be passed to aggregate functions."
	for _, q := range []string{
		"CREATE TABLE out AS SELECT user_id, MAX(WINDOWSTART) AS m FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY user_id;",
		"CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY user_id, WINDOWSTART;",
		"CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY user_id HAVING WINDOWSTART > 0;",
	} {
		if _, err := planCSAS(t, ms, q); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestPlannerStructStar: s->* gives one column per field, over a single
// source and over a join alike, and is refused on a non-struct.
func TestPlannerStructStar(t *testing.T) {
	ms := catalog(t, testDDL+`CREATE STREAM orders (user_id STRING KEY, addr STRUCT<street STRING, zip INT>) WITH (kafka_topic='orders', value_format='JSON', partitions=2);`)
	for _, q := range []string{
		"CREATE STREAM out AS SELECT user_id, addr->* FROM orders;",
		"CREATE STREAM out AS SELECT o.user_id, o.addr->* FROM orders o JOIN users u ON o.user_id = u.id;",
	} {
		plan := mustPlan(t, ms, q)
		var names []string
		for _, c := range plan.Output.Value() {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != "STREET,ZIP" {
			t.Errorf("%s: value columns %s, want STREET,ZIP", q, got)
		}
	}
	if _, err := planCSAS(t, ms, "CREATE STREAM out AS SELECT user_id, url->* FROM clicks;"); err == nil || !strings.Contains(err.Error(), "Expected STRUCT type for URL->*") {
		t.Errorf("url->*: %v", err)
	}
}

// TestPlannerStreamSideFilter: the WHERE terms of a stream–table join
// that read only the stream's columns, with operators that cannot fail,
// also filter the stream before it is repartitioned; anything else is
// left to the WHERE on the joined rows.
func TestPlannerStreamSideFilter(t *testing.T) {
	ms := catalog(t, testDDL)
	const join = "CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.url = u.id WHERE "
	cases := []struct {
		query  string
		pushed bool // whether the stream input feeds a filter first
	}{
		{join + "c.ms > 1 AND u.name = 'x';", true},
		{join + "(c.ms = 1 OR c.ms IN (3, 4)) AND NOT c.user_id IS NULL AND c.ms BETWEEN 0 AND 9;", true},
		{"CREATE STREAM out AS SELECT c.url, u.name FROM clicks c LEFT JOIN users u ON c.url = u.id WHERE c.ms <> 2;", true},
		{join + "c.ms > 1 OR u.name = 'x';", false},
		{join + "c.ms / 0 > 1;", false},        // arithmetic may fail
		{join + "c.url = u.name;", false},      // both sides
		{join + "ROWTIME > 5;", false},         // the joined row's time
		{join + "c.url = '2020-01-01';", true}, // strings compared as strings
		{"CREATE STREAM out AS SELECT c.user_id, v.page FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id WHERE c.ms > 1;", false},
		{"CREATE TABLE out AS SELECT u.id, u.name, k.cname FROM users u JOIN countries k ON u.country_id = k.id WHERE u.name = 'x';", false},
	}
	for _, c := range cases {
		plan := mustPlan(t, ms, c.query)
		f, ok := plan.Inputs[0].Next.(*runtime.Filter)
		if c.pushed != ok {
			t.Errorf("%s: stream input feeds %T, want a filter: %v", c.query, plan.Inputs[0].Next, c.pushed)
			continue
		}
		if !ok {
			continue
		}
		next := f.Next
		if n, ok := next.(*runtime.NullSlots); ok {
			next = n.Next
		}
		if _, ok := next.(*runtime.Repartition); !ok {
			t.Errorf("%s: the filter feeds %T, want the repartition", c.query, f.Next)
		}
	}
}

// TestPlannerUnreadJoinColumns: a join's stream sides enter it with the
// value columns no expression reads nulled; a star, or a table side,
// keeps them.
func TestPlannerUnreadJoinColumns(t *testing.T) {
	ms := catalog(t, testDDL)
	cases := []struct {
		query string
		left  string // CLICKS columns nulled before the join, "-" for no NullSlots
		right string // the right side's
	}{
		{"CREATE STREAM out AS SELECT c.user_id, c.url, v.page FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id;", "MS", "-"},
		{"CREATE STREAM out AS SELECT c.user_id, v.page FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id WHERE ms > 1;", "URL", "-"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id;", "MS", "PAGE"},
		{"CREATE STREAM out AS SELECT c.url, u.name FROM clicks c JOIN users u ON c.url = u.id;", "MS", "-"},
		{"CREATE STREAM out AS SELECT * FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id;", "-", "-"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, c.ms, v.page FROM clicks c JOIN views v WITHIN 1 MINUTE ON c.user_id = v.user_id;", "-", "-"},
	}
	names := func(op runtime.Op, layoutNames []string) string {
		n, ok := op.(*runtime.NullSlots)
		if !ok {
			return "-"
		}
		var out []string
		for _, s := range n.Slots {
			out = append(out, layoutNames[s])
		}
		return strings.Join(out, ",")
	}
	for _, c := range cases {
		plan := mustPlan(t, ms, c.query)
		left := []string{"USER_ID", "URL", "MS"}
		right := []string{"USER_ID", "PAGE"}
		if strings.Contains(c.query, "users u") {
			right = []string{"ID", "NAME", "COUNTRY_ID"}
		}
		if got := names(plan.Inputs[0].Next, left); got != c.left {
			t.Errorf("%s: left side nulls %s, want %s", c.query, got, c.left)
		}
		if got := names(plan.Inputs[1].Next, right); got != c.right {
			t.Errorf("%s: right side nulls %s, want %s", c.query, got, c.right)
		}
	}
}

// TestPlannerTableFunctionArgumentError: a table function called with
// the wrong argument types is an error at the call, as a scalar
// function's is, with ksqlDB's message.
func TestPlannerTableFunctionArgumentError(t *testing.T) {
	ms := catalog(t, testDDL)
	_, err := planCSAS(t, ms, "CREATE STREAM out AS SELECT user_id, EXPLODE(url) AS u FROM clicks;")
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("EXPLODE(url): %v", err)
	}
	if pe.Msg != "Function 'EXPLODE' does not accept parameters (STRING)." || pe.Pos != (sql.Pos{Line: 1, Col: 38}) {
		t.Errorf("EXPLODE(url): %q at %+v", pe.Msg, pe.Pos)
	}
}

// TestPlannerAggregateArgumentError: an aggregate call that no variation
// accepts is an error at the call, with ksqlDB's message.
func TestPlannerAggregateArgumentError(t *testing.T) {
	ms := catalog(t, testDDL)
	expectPlanErrorsAt(t, ms, []planErrorCase{
		{"CREATE TABLE out AS SELECT user_id, TOPK(ms, 0) AS t FROM clicks GROUP BY user_id;", "TOPK(", "Parameter 2 passed to function TOPK must be a positive INTEGER, but was: 0"},
		{"CREATE TABLE out AS SELECT user_id, COUNT(*), SUM(url) AS t FROM clicks GROUP BY user_id;", "SUM(", "Function 'SUM' does not accept parameters (STRING)."},
	})
}

// TestPlannerGroupingErrorPositions: a selected expression neither
// aggregated nor grouped by, and an aggregate a table source cannot
// undo, are errors at the first such expression, with ksqlDB's message.
func TestPlannerGroupingErrorPositions(t *testing.T) {
	ms := catalog(t, testDDL)
	expectPlanErrorsAt(t, ms, []planErrorCase{
		{"CREATE TABLE out AS SELECT user_id, url, COUNT(*) AS n FROM clicks GROUP BY user_id;", "url,",
			"Non-aggregate SELECT expression(s) not part of GROUP BY: URL\nEither add the column(s) to the GROUP BY or remove them from the SELECT."},
		{"CREATE TABLE out AS SELECT ms + 1 AS m, url, COUNT(*) AS n FROM clicks;", "ms + 1",
			"Non-aggregate SELECT expression(s) not part of GROUP BY: (MS + 1), URL\nEither add the column(s) to the GROUP BY or remove them from the SELECT."},
		{"CREATE TABLE out AS SELECT country_id, COUNT(*) AS n, MAX(LEN(name)) AS l FROM users GROUP BY country_id;", "MAX(",
			"The aggregation functions MAX cannot be applied to a table source, only to a stream source."},
	})
}

// planErrorCase is a statement, the text its error must point at (the
// first occurrence on line 1) and the error's message.
type planErrorCase struct{ q, at, want string }

// expectPlanErrorsAt plans each statement and expects its error message
// at its position.
func expectPlanErrorsAt(t *testing.T, ms *metastore.Metastore, cases []planErrorCase) {
	t.Helper()
	for _, c := range cases {
		_, err := planCSAS(t, ms, c.q)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v", c.q, err)
		}
		col := strings.Index(c.q, c.at) + 1
		if pe.Error() != c.want || pe.Pos != (sql.Pos{Line: 1, Col: col}) {
			t.Errorf("%s: %q at %+v, want %q at column %d", c.q, pe.Error(), pe.Pos, c.want, col)
		}
	}
}

package engine

import (
	"testing"

	"github.com/eddysql/eddy/api"
)

// TestTypeStatementMessages: CREATE and DROP TYPE, ALTER and ALTER SYSTEM answer with ksqlDB's
// messages (its DdlCommandExec's), IF [NOT] EXISTS included; eddy said
// "Created type `X`", "Type already exists." and "Dropped type `X`" even
// for a type that was not there.
func TestTypeStatementMessages(t *testing.T) {
	e, _ := newMemEngine(t)
	for _, c := range []struct{ stmt, want string }{
		{"CREATE TYPE addr AS STRUCT<a STRING, n INT>;", "Registered custom type with name 'ADDR' and SQL type STRUCT<`A` STRING, `N` INTEGER>"},
		{"CREATE TYPE IF NOT EXISTS addr AS STRUCT<a STRING>;", "ADDR is already registered with type STRUCT<`A` STRING, `N` INTEGER>"},
		{"DROP TYPE addr;", "Dropped type 'ADDR'"},
		{"DROP TYPE IF EXISTS addr;", "Type 'ADDR' does not exist"},
	} {
		cs, ok := mustExec(t, e, c.stmt)[0].(*api.CurrentStatus)
		if !ok || cs.CommandStatus.Message != c.want {
			t.Errorf("%s answered %#v, want %q", c.stmt, cs, c.want)
		}
	}
	expectExecErrors(t, e, map[string]string{
		"DROP TYPE addr;": "Type ADDR does not exist.",
		"ALTER SYSTEM 'ksql.streams.num.stream.threads'='2';": "Cannot alter system configs when KSQL_SHARED_RUNTIME_ENABLED is turned off. Set server-wide properties in the file eddy server --config-file reads.",
	})

	// ALTER names the source, as ksqlDB's message does.
	mustExec(t, e, "CREATE STREAM s (id INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	if cs, ok := mustExec(t, e, "ALTER STREAM s ADD COLUMN x STRING;")[0].(*api.CurrentStatus); !ok || cs.CommandStatus.Message != "Stream S altered." {
		t.Errorf("ALTER answered %#v", cs)
	}
}

// TestConnectorSummary: SHOW CONNECTORS summarises a connector as ksqlDB
// does, built-in or external: its state unless it runs ("PAUSED" read
// "PAUSED (0/1 tasks RUNNING)" for a built-in one), WARNING when it runs
// and none of its tasks does.
func TestConnectorSummary(t *testing.T) {
	for _, c := range []struct {
		state string
		tasks []string
		want  string
	}{
		{"RUNNING", []string{"RUNNING", "RUNNING"}, "RUNNING (2/2 tasks RUNNING)"},
		{"RUNNING", []string{"RUNNING", "FAILED"}, "RUNNING (1/2 tasks RUNNING)"},
		{"RUNNING", []string{"FAILED"}, "WARNING (0/1 tasks RUNNING)"},
		{"RUNNING", nil, "RUNNING (0/0 tasks RUNNING)"},
		{"PAUSED", []string{"PAUSED"}, "PAUSED"},
		{"FAILED", []string{"FAILED"}, "FAILED"},
	} {
		if got := connectorSummary(c.state, c.tasks); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.state, c.tasks, got, c.want)
		}
	}
}

// TestPlanningErrorQuotesTheStatement: an error found while planning a
// CREATE … AS SELECT or INSERT INTO … SELECT ends, as ksqlDB's does, with
// the statement as its formatter prints the rewritten query; errors found
// before planning (the sink exists) and syntax errors do not.
func TestPlanningErrorQuotesTheStatement(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, `CREATE STREAM s (a INT KEY, b INT, c VARCHAR) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE STREAM other (a INT KEY, b INT) WITH (kafka_topic='o', value_format='JSON', partitions=1);`)
	expectExecErrors(t, e, map[string]string{
		"CREATE TABLE t AS SELECT b, a, a + b, COUNT(*) FROM s GROUP BY a, b;": "Key format does not support schema.\nformat: KAFKA\n" +
			"schema: Persistence{columns=[`A` INTEGER KEY, `B` INTEGER KEY], features=[]}\n" +
			"reason: The 'KAFKA' format only supports a single field. Got: [`A` INTEGER KEY, `B` INTEGER KEY]\n" +
			"Statement: CREATE TABLE T AS SELECT\n  S.B B,\n  S.A A,\n  (S.A + S.B) KSQL_COL_0,\n  COUNT(*) KSQL_COL_1\nFROM S S\nGROUP BY S.A, S.B\nEMIT CHANGES",
		"INSERT INTO other SELECT a, c FROM s;": "Incompatible schema between results and sink.\n" +
			"Result schema is `A` INTEGER KEY, `C` STRING\nSink schema is `A` INTEGER KEY, `B` INTEGER\n" +
			"Statement: INSERT INTO OTHER SELECT\n  S.A A,\n  S.C C\nFROM S S\nEMIT CHANGES",
		"CREATE STREAM other AS SELECT * FROM s;": "Cannot add stream 'OTHER': A stream with the same name already exists",
	})
}

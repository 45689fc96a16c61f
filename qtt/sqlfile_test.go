package qtt

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain writes files into a temporary directory, runs Main on the
// production engine with args (file names resolved in that directory)
// and returns stdout, stderr and the exit code.
func runMain(t *testing.T, files map[string]string, args ...string) (string, string, int) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := []string{"--timeout", "20s"}
	for _, a := range args {
		if _, ok := files[a]; ok || a == "." {
			a = filepath.Join(dir, a)
		}
		full = append(full, a)
	}
	var out, errOut bytes.Buffer
	code := Main(full, &out, &errOut)
	return out.String(), errOut.String(), code
}

const sqlPassing = `-- A pipeline and its asserts.

--@test: filter and project
CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', value_format='JSON');
CREATE STREAM big AS SELECT id, item, qty * 2 AS dbl FROM orders WHERE qty > 1;
ASSERT STREAM big (id INT KEY, item STRING, dbl INT) WITH (kafka_topic='BIG', value_format='JSON');
INSERT INTO orders (rowtime, id, item, qty) VALUES (10, 1, 'pen', 1);
INSERT INTO orders (rowtime, id, item, qty) VALUES (20, 2, 'ink', 3);
INSERT INTO orders (id, item, qty) VALUES (3, 'pad', 5);
ASSERT VALUES big (rowtime, id, item, dbl) VALUES (20, 2, 'ink', 6);
ASSERT VALUES big (id, dbl) VALUES (3, 10);

--@test: table updates and a tombstone
CREATE TABLE t (k STRING PRIMARY KEY, v DECIMAL(4,2)) WITH (kafka_topic='t', format='JSON');
CREATE TABLE c AS SELECT k, v FROM t WHERE v > 1;
ASSERT TABLE c (k STRING PRIMARY KEY, v DECIMAL(4,2)) WITH (kafka_topic='C', format='JSON');
INSERT INTO t (k, v) VALUES ('a', 2.5);
INSERT INTO t (k, v) VALUES ('a', 0.5);
ASSERT VALUES c (k, v) VALUES ('a', 2.50);
ASSERT NULL VALUES c (k) KEY ('a');

--@test: session properties
SET 'ksql.persistence.wrap.single.values' = 'false';
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', format='JSON');
CREATE STREAM one AS SELECT id, v FROM s;
INSERT INTO s (id, v) VALUES (7, 8);
ASSERT VALUES one VALUES (7, 8);

--@test: a query sees what is written after it starts
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON');
INSERT INTO a (id, v) VALUES (1, 1);
CREATE STREAM b AS SELECT * FROM a;
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM c AS SELECT * FROM a;
INSERT INTO a (id, v) VALUES (2, 2);
ASSERT VALUES b (id, v) VALUES (2, 2);
ASSERT VALUES c (id, v) VALUES (1, 1);
ASSERT VALUES c (id, v) VALUES (2, 2);

--@test: unknown source is an expected error
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: NOPE does not exist
CREATE STREAM x AS SELECT * FROM nope;

--@test: a failing assert is an expected error
--@expected.error: java.lang.AssertionError
--@expected.message: Expected record does not match actual
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON');
INSERT INTO a (id, v) VALUES (1, 1);
ASSERT VALUES a (id, v) VALUES (1, 2);
`

func TestSQLFilePasses(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	out, errOut, code := runMain(t, map[string]string{"app.sql": sqlPassing}, "app.sql")
	if code != 0 || !strings.HasSuffix(out, "\n6 passed, 0 failed, 0 skipped\n") {
		t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, name := range []string{"filter and project", "table updates and a tombstone", "session properties"} {
		if !strings.Contains(out, "PASS  app - "+name+"\n") {
			t.Errorf("no pass line for %q:\n%s", name, out)
		}
	}
}

// Each failing test must fail with a message naming the file and line of
// the statement at fault.
func TestSQLFileFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	const create = "CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON');\n"
	cases := []struct{ name, body, want string }{
		{"wrong value", create + "INSERT INTO a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (1, 2);\n",
			"x.sql:4: ASSERT VALUES a (id, v) VALUES (1, 2): Expected record does not match actual: V: expected 2 but was 1"},
		{"wrong key", create + "INSERT INTO a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (3, 1);\n",
			"x.sql:4: ASSERT VALUES a (id, v) VALUES (3, 1): Expected record does not match actual: ID: expected 3 but was 1"},
		{"wrong rowtime", create + "INSERT INTO a (rowtime, id, v) VALUES (5, 1, 1);\nASSERT VALUES a (rowtime, id, v) VALUES (6, 1, 1);\n",
			"x.sql:4: ASSERT VALUES a (rowtime, id, v) VALUES (6, 1, 1): Expected record does not match actual: ROWTIME: expected 6 but was 5"},
		{"records run out", create + "INSERT INTO a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (1, 1);\n",
			"x.sql:5: ASSERT VALUES a (id, v) VALUES (1, 1): Expected another record, but all 1 records of topic a have already been read"},
		{"tombstone expected",
			"CREATE TABLE t (k INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON');\nINSERT INTO t (k, v) VALUES (1, 1);\nASSERT NULL VALUES t (k) KEY (1);\n",
			"x.sql:4: ASSERT NULL VALUES t (k) KEY (1): Expected record does not match actual: expected a tombstone but was {\"V\":1}"},
		{"values expected, tombstone found",
			"CREATE TABLE t (k INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON');\nCREATE TABLE u AS SELECT * FROM t WHERE v > 1;\nINSERT INTO t (k, v) VALUES (1, 2);\nINSERT INTO t (k, v) VALUES (1, 0);\nASSERT VALUES u (k, v) VALUES (1, 2);\nASSERT VALUES u (k, v) VALUES (1, 0);\n",
			"x.sql:7: ASSERT VALUES u (k, v) VALUES (1, 0): Expected record does not match actual: expected values but was a tombstone"},
		{"stream schema", create + "ASSERT STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON');\n",
			"x.sql:3: ASSERT STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON'): Expected schema does not match actual for source A. Expected: `ID` INTEGER KEY, `V` STRING Actual: `ID` INTEGER KEY, `V` INTEGER"},
		{"table kind", create + "ASSERT TABLE a (id INT PRIMARY KEY, v INT) WITH (kafka_topic='a', value_format='JSON');\n",
			"Expected type does not match actual for source A. Expected: TABLE Actual: STREAM"},
		{"topic", create + "ASSERT STREAM a (id INT KEY, v INT) WITH (kafka_topic='b', value_format='JSON');\n",
			"Expected kafka topic does not match actual for source A. Expected: b Actual: a"},
		{"value format", create + "ASSERT STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='AVRO');\n",
			"Expected value format does not match actual for source A. Expected: AVRO Actual: JSON"},
		{"value serde features", create + "ASSERT STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', wrap_single_value=false);\n",
			"Expected value serde features does not match actual for source A. Expected: [UNWRAP_SINGLES] Actual: []"},
		{"statement error", "CREATE STREAM b AS SELECT * FROM nope;\n",
			"x.sql:2: CREATE STREAM b AS SELECT * FROM nope: "},
		{"syntax error", "CREATE STREAM a (id INT KEY, v INT WITH (kafka_topic='a');\n",
			"x.sql:2: CREATE STREAM a (id INT KEY, v INT WITH (kafka_topic='a'): line 2:36: Syntax Error"},
		{"expected error not raised", "--@expected.error: java.lang.AssertionError\n" + create,
			"x.sql:3: expected error AssertionError was not raised"},
		{"expected message differs", "--@expected.error: java.lang.AssertionError\n--@expected.message: something else\n" + create + "INSERT INTO a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (1, 2);\n",
			`x.sql:6: ASSERT VALUES a (id, v) VALUES (1, 2): expected error message containing "something else"`},
		{"expected category differs", "--@expected.error: io.confluent.ksql.util.KsqlException\n" + create + "INSERT INTO a (id, v) VALUES (1, 1);\nASSERT VALUES a (id, v) VALUES (1, 2);\n",
			"x.sql:5: ASSERT VALUES a (id, v) VALUES (1, 2): expected KsqlException but was a failed assertion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runMain(t, map[string]string{"x.sql": "--@test: " + c.name + "\n" + c.body}, "x.sql")
			if code != 1 || !strings.HasSuffix(out, "0 passed, 1 failed, 0 skipped\n") {
				t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
			}
			line := strings.SplitN(out, "\n", 2)[0]
			if !strings.HasPrefix(line, "FAIL  x - "+c.name+": ") || !strings.Contains(line, c.want) {
				t.Errorf("got  %s\nwant %s", line, c.want)
			}
		})
	}
}

// RUN SCRIPT runs a script's statements in the test: a relative path
// from the test file's directory, an absolute one that does not exist
// from a parent directory (ksqlDB's test resources root), and a script
// that runs itself stops with an error.
func TestSQLFileRunScript(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	const tests = `--@test: root script
RUN SCRIPT '/setup.sql';
INSERT INTO a (id, v) VALUES (1, 1);
ASSERT VALUES b (id, v) VALUES (1, 1);

--@test: local script
RUN SCRIPT 'local.sql';
INSERT INTO a (id, v) VALUES (2, 5);
ASSERT VALUES c (id, w) VALUES (2, 6);

--@test: a script running itself
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: scripts nest deeper than 8
RUN SCRIPT 'loop.sql';
`
	out, errOut, code := runMain(t, map[string]string{
		"setup.sql":           "CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON');\nCREATE STREAM b AS SELECT * FROM a;\n",
		"sql-tests/local.sql": "CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON');\nCREATE STREAM c AS SELECT id, v + 1 AS w FROM a;\n",
		"sql-tests/loop.sql":  "RUN SCRIPT 'loop.sql';\n",
		"sql-tests/t.sql":     tests,
	}, "sql-tests/t.sql")
	if code != 0 || !strings.HasSuffix(out, "\n3 passed, 0 failed, 0 skipped\n") {
		t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestSQLFileRunAndJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	out, errOut, code := runMain(t, map[string]string{"app.sql": sqlPassing, "q.json": `{"tests": []}`},
		"--run", "tombstone", "--format", "json", ".")
	if code != 0 || strings.TrimSpace(errOut) != "1 passed, 0 failed, 0 skipped" {
		t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var r jsonResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Name != "app - table updates and a tombstone" || r.Status != StatusPass || !strings.HasSuffix(r.File, "app.sql") {
		t.Errorf("got %+v", r)
	}
}

func TestParseSQLTests(t *testing.T) {
	tests, err := parseSQLTests("-- notes\n--@test: a\nCREATE STREAM s (id INT KEY) WITH (kafka_topic='s', format='JSON');\n--@expected.message:  boom \n--@other: ignored\n--@TEST: b\nASSERT VALUES s (id) VALUES (1);")
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) != 2 || tests[0].Name != "a" || tests[1].Name != "b" || tests[1].Line != 6 {
		t.Fatalf("got %+v", tests)
	}
	a := tests[0].Steps
	if len(a) != 3 || a[0].Line != 3 || a[1].Directive != directiveMessage || a[1].Contents != "boom" || a[2].Directive != "other" {
		t.Fatalf("steps of a: %+v", a)
	}
	for src, want := range map[string]string{
		"CREATE STREAM s (id INT KEY) WITH (kafka_topic='s');\n--@test: late": "line 1: expected the file to start with a --@test: directive",
		"--@test: a\n--@ no type":          "line 2:1: expected a directive",
		"--@test: a\nSELECT 'unterminated": "line 2:8",
	} {
		if _, err := parseSQLTests(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

const tripleSQL = `CREATE STREAM readings (sensor STRING KEY, temp DOUBLE) WITH (kafka_topic='readings', value_format='JSON');
CREATE STREAM hot AS SELECT sensor, temp FROM readings WHERE temp > 30;
`

const tripleInput = `{"inputs": [
  {"topic": "readings", "key": "s1", "value": {"TEMP": 21.5}, "timestamp": 1},
  {"topic": "readings", "key": "s2", "value": {"TEMP": 35.0}, "timestamp": 2}
]}`

func TestTripleForm(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	files := map[string]string{
		"app.sql":  tripleSQL,
		"in.json":  tripleInput,
		"out.json": `{"outputs": [{"topic": "HOT", "key": "s2", "value": {"TEMP": 35.0}, "timestamp": 2}]}`,
		"bad.json": `{"outputs": [{"topic": "HOT", "key": "s2", "value": {"TEMP": 36.0}, "timestamp": 2}]}`,
	}
	out, errOut, code := runMain(t, files, "-s", "app.sql", "-i", "in.json", "-o", "out.json")
	if code != 0 || !strings.HasPrefix(out, "PASS  app - KSQL_Test\n") || !strings.HasSuffix(out, "1 passed, 0 failed, 0 skipped\n") {
		t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out, errOut, code = runMain(t, files, "--sql-file", "app.sql", "--input-file", "in.json", "--output-file", "bad.json")
	if code != 1 || !strings.Contains(out, "FAIL  app - KSQL_Test: topic HOT record 1: value.TEMP: expected 36.0 but was 35") {
		t.Fatalf("exit %d; output:\n%s\nstderr:\n%s", code, out, errOut)
	}
	_, errOut, code = runMain(t, files, "-s", "app.sql", "-i", "in.json")
	if code != 2 || !strings.Contains(errOut, "--sql-file needs --output-file") {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
}

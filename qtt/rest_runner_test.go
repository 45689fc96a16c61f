package qtt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// restSample exercises the REST runner end to end over the real engine
// and server: admin responses with {STATEMENT}, a push query with LIMIT,
// an endless push query read until its expected rows, an expected error,
// INSERT VALUES checked on the topic, and cases that must fail.
const restSample = `{"tests": [
  {"name": "push with limit",
   "statements": [
     "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON')",
     "SELECT K, ID FROM INPUT EMIT CHANGES LIMIT 2;"],
   "inputs": [
     {"topic": "test_topic", "timestamp": 1, "key": "a", "value": {"id": 1}},
     {"topic": "test_topic", "timestamp": 2, "key": "b", "value": {"id": 2}}],
   "responses": [
     {"admin": {"@type": "currentStatus", "statementText": "{STATEMENT}"}},
     {"query": [
       {"header": {"schema": "` + "`K` STRING, `ID` INTEGER" + `"}},
       {"row": {"columns": ["b", 2]}},
       {"row": {"columns": ["a", 1]}},
       {"finalMessage": "Limit Reached"}]}]},
  {"name": "endless push",
   "statements": [
     "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');",
     "SELECT ID FROM INPUT EMIT CHANGES;"],
   "inputs": [{"topic": "test_topic", "key": "a", "value": {"id": 1}}],
   "responses": [
     {"admin": {"@type": "currentStatus"}},
     {"query": [{"header": {"queryId|starts_with": "transient_", "schema": "` + "`ID` INTEGER" + `"}}, {"row": {"columns": [1]}}]}]},
  {"name": "expected error",
   "statements": [
     "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');",
     "SELECT NOPE FROM INPUT EMIT CHANGES;"],
   "expectedError": {"type": "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage", "message": "NOPE", "status": 400}},
  {"name": "insert values",
   "statements": [
     "CREATE STREAM TEST (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');",
     "INSERT INTO TEST (ROWTIME, K, ID) VALUES (1234, 'key', 10);"],
   "outputs": [{"topic": "test_topic", "timestamp": 1234, "key": "key", "value": {"ID": 10}}],
   "responses": [{"admin": {"@type": "currentStatus"}}]},
  {"name": "wrong row must fail",
   "statements": [
     "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');",
     "SELECT ID FROM INPUT EMIT CHANGES LIMIT 1;"],
   "inputs": [{"topic": "test_topic", "key": "a", "value": {"id": 1}}],
   "responses": [
     {"admin": {"@type": "currentStatus"}},
     {"query": [{"header": {"schema": "` + "`ID` INTEGER" + `"}}, {"row": {"columns": [2]}}, {"finalMessage": "Limit Reached"}]}]},
  {"name": "missing error must fail",
   "statements": [
     "CREATE STREAM INPUT (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON');",
     "SELECT ID FROM INPUT EMIT CHANGES LIMIT 0;"],
   "expectedError": {"message": "never"}}
]}`

func TestRESTRunnerEndToEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sample.json")
	if err := os.WriteFile(path, []byte(restSample), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := mainWith([]string{"-v", "--timeout", "20s", path}, &out, &errOut, newEngineBackend)
	text := out.String()
	for _, want := range []string{
		"PASS  sample - push with limit\n",
		"PASS  sample - endless push\n",
		"PASS  sample - expected error\n",
		"PASS  sample - insert values\n",
		"FAIL  sample - wrong row must fail: response 2 (query): expected row columns [2] not found",
		"FAIL  sample - missing error must fail: expected error \"never\" was not raised",
		"sample.json: 4/6\n",
		"4 passed, 2 failed, 0 skipped\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s%s", want, text, errOut.String())
		}
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	// --run and --format json apply as for QTT files.
	out.Reset()
	errOut.Reset()
	mainWith([]string{"--format", "json", "--run", "endless", path}, &out, &errOut, newEngineBackend)
	if got := strings.TrimSpace(out.String()); !strings.Contains(got, `"name":"sample - endless push","status":"pass"`) || strings.Count(got, "\n") != 0 {
		t.Errorf("json output: %s", got)
	}
	if got := strings.TrimSpace(errOut.String()); got != "1 passed, 0 failed, 0 skipped" {
		t.Errorf("json summary: %q", got)
	}
}

package qtt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func TestRESTMatchSubsetAndOperators(t *testing.T) {
	m := restMatcher{stmt: "CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='JSON');"}
	act := `{"@type":"currentStatus","statementText":"CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='JSON');",
		"commandId":"stream/S/create","commandStatus":{"status":"SUCCESS","queryId":"CSAS_S_1"},"warnings":[]}`
	for _, c := range []struct {
		exp string
		ok  bool
	}{
		{`{"@type":"currentStatus"}`, true},
		{`{"@type":"currentStatus","statementText":"{STATEMENT}"}`, true},
		{`{"statementText":"{STATEMENT} extra"}`, false},
		{`{"commandStatus":{"status":"SUCCESS"}}`, true},
		{`{"commandStatus":{"queryId|starts_with":"CSAS_S"}}`, true},
		{`{"commandStatus":{"queryId|starts_with":"CTAS_"}}`, false},
		{`{"commandId|starts_with":"stream/"}`, true},
		{`{"warnings":[]}`, true},
		{`{"warnings":[{"message":"x"}]}`, false},
		{`{"missing":null}`, false},
		{`{"@type":"queries"}`, false},
	} {
		err := m.match("", mustDecode(t, c.exp), mustDecode(t, act))
		if (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok=%v", c.exp, err, c.ok)
		}
	}
}

func TestRESTMatchNumbers(t *testing.T) {
	m := restMatcher{}
	for _, c := range []struct {
		exp, act string
		ok       bool
	}{
		{`1`, `1`, true},
		{`1`, `1.0`, false}, // an Integer never equals a Double
		{`11.0`, `11`, false},
		{`11.0`, `11.00`, true},
		{`1.5E1`, `15.0`, true},
		{`12345678901234567890`, `12345678901234567890`, true},
		{`0.1`, `0.10000001`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
		{`null`, `0`, false},
		{`true`, `true`, true},
		{`[1,2]`, `[1,2,3]`, false},
	} {
		err := m.match("", mustDecode(t, c.exp), mustDecode(t, c.act))
		if (err == nil) != c.ok {
			t.Errorf("%s vs %s: got %v, want ok=%v", c.exp, c.act, err, c.ok)
		}
	}
}

func decodeList(t *testing.T, s string) []any {
	t.Helper()
	l, ok := mustDecode(t, s).([]any)
	if !ok {
		t.Fatalf("not a list: %s", s)
	}
	return l
}

func TestRESTQueryResponseMultiset(t *testing.T) {
	exp := decodeList(t, `[{"header":{"schema":"`+"`K` STRING, `V` INTEGER"+`"}},
		{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},
		{"finalMessage":"Limit Reached"}]`)
	header := `{"header":{"queryId":"transient_X_1","schema":"` + "`K` STRING, `V` INTEGER" + `"}}`
	for _, c := range []struct {
		name, act string
		ordered   bool
		ok        bool
	}{
		{"same order", `[` + header + `,{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"finalMessage":"Limit Reached"}]`, false, true},
		{"other order", `[` + header + `,{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"row":{"columns":["a",1]}},{"finalMessage":"Limit Reached"}]`, false, true},
		{"other order, verifyOrder", `[` + header + `,{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"row":{"columns":["a",1]}},{"finalMessage":"Limit Reached"}]`, true, false},
		{"wrong multiplicity", `[` + header + `,{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["b",2]}},{"finalMessage":"Limit Reached"}]`, false, false},
		{"missing final message", `[` + header + `,{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}}]`, false, false},
		{"wrong final message", `[` + header + `,{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"finalMessage":"Query Completed"}]`, false, false},
		{"wrong schema", `[{"header":{"queryId":"q","schema":"` + "`K` STRING" + `"}},{"row":{"columns":["a",1]}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"finalMessage":"Limit Reached"}]`, false, false},
		{"unexpected tombstone flag is not checked", `[` + header + `,{"row":{"columns":["a",1],"tombstone":true}},{"row":{"columns":["b",2]}},{"row":{"columns":["a",1]}},{"finalMessage":"Limit Reached"}]`, false, true},
	} {
		err := restMatcher{}.matchQueryResponse(exp, decodeList(t, c.act), c.ordered)
		if (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok=%v", c.name, err, c.ok)
		}
	}
	// An expected tombstone flag keeps its position.
	exp = decodeList(t, `[{"row":{"columns":[1,null],"tombstone":true}},{"row":{"columns":[2,3]}}]`)
	if err := (restMatcher{}).matchQueryResponse(exp, decodeList(t, `[{"row":{"columns":[2,3],"tombstone":true}},{"row":{"columns":[1,null]}}]`), false); err != nil {
		t.Errorf("tombstone at its position, columns in any order: %v", err)
	}
	if err := (restMatcher{}).matchQueryResponse(exp, decodeList(t, `[{"row":{"columns":[1,null]}},{"row":{"columns":[2,3],"tombstone":true}}]`), false); err == nil {
		t.Error("tombstone flag at the wrong position matched")
	}
}

func TestRESTQueryResponseStatementMacro(t *testing.T) {
	m := restMatcher{stmt: "SELECT * FROM S EMIT CHANGES;"}
	exp := decodeList(t, `[{"errorMessage":{"message":"bad: {STATEMENT}"}}]`)
	if err := m.matchQueryResponse(exp, decodeList(t, `[{"errorMessage":{"@type":"generic_error","message":"bad: SELECT * FROM S EMIT CHANGES;"}}]`), false); err != nil {
		t.Error(err)
	}
	if err := m.matchQueryResponse(exp, decodeList(t, `[{"errorMessage":{"message":"bad: {STATEMENT}"}}]`), false); err == nil {
		t.Error("{STATEMENT} was not substituted")
	}
}

func TestMatchRESTError(t *testing.T) {
	stmtErr := &restError{Status: 400, Body: mustDecode(t, `{"@type":"statement_error","error_code":40001,"message":"Failed to prepare statement: boom"}`)}
	genErr := &restError{Status: 400, Body: mustDecode(t, `{"@type":"generic_error","error_code":40000,"message":"boom"}`)}
	const stmtType = "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage"
	const errType = "io.confluent.ksql.rest.entity.KsqlErrorMessage"
	for _, c := range []struct {
		want restErrorSpec
		got  *restError
		ok   bool
	}{
		{restErrorSpec{Type: stmtType, Message: "boom", Status: 400}, stmtErr, true},
		{restErrorSpec{Type: errType, Message: "boom", Status: 400}, stmtErr, true}, // a subclass
		{restErrorSpec{Type: stmtType, Message: "boom"}, genErr, false},
		{restErrorSpec{Type: errType, Message: "boom"}, genErr, true},
		{restErrorSpec{Message: "boom", Status: 500}, genErr, false},
		{restErrorSpec{Message: "bang"}, genErr, false},
		{restErrorSpec{Message: "Not Found"}, &restError{Status: 404, Body: "Not Found"}, true},
	} {
		err := matchRESTError(&c.want, c.got)
		if (err == nil) != c.ok {
			t.Errorf("%+v vs %s: got %v, want ok=%v", c.want, c.got, err, c.ok)
		}
	}
}

func TestParseStreamLine(t *testing.T) {
	for _, c := range []struct {
		line     string
		elem     string // "" for none
		last, ok bool
	}{
		{`[{"header":{"queryId":"q","schema":"x"}},` + "\n", `{"header":{"queryId":"q","schema":"x"}}`, false, true},
		{`{"row":{"columns":[1]}},` + "\n", `{"row":{"columns":[1]}}`, false, true},
		{`{"finalMessage":"Limit Reached"}]` + "\n", `{"finalMessage":"Limit Reached"}`, true, true},
		{"\n", "", false, true},
		{"]\n", "", true, true},
		{`{"row":` + "\n", "", false, false},
	} {
		elem, last, err := parseStreamLine([]byte(c.line))
		if (err == nil) != c.ok || last != c.last {
			t.Errorf("%q: last=%v err=%v", c.line, last, err)
			continue
		}
		got := ""
		if elem != nil {
			got = renderJSON(elem)
		}
		if got != c.elem {
			t.Errorf("%q: got %s, want %s", c.line, got, c.elem)
		}
	}
}

func TestSplitRESTStatements(t *testing.T) {
	admin, queries, err := splitRESTStatements([]string{"CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='JSON');", "select * from A;", "SELECT\n* FROM A EMIT CHANGES;"})
	if err != nil || len(admin) != 1 || len(queries) != 2 {
		t.Fatalf("got %q %q %v", admin, queries, err)
	}
	if _, _, err := splitRESTStatements([]string{"SELECT * FROM A;", "DROP STREAM A;"}); err == nil {
		t.Error("a statement after a query was accepted")
	}
}

func TestStripTrailingComments(t *testing.T) {
	in := "{\"a\": \"http://x//y\", // trailing\n \"b\": \"q\\\"//\" // more\n}"
	got := stripTrailingComments([]byte(in))
	v, err := decodeJSON(got)
	if err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if s := renderJSON(v); s != `{"a":"http://x//y","b":"q\"//"}` {
		t.Errorf("got %s", s)
	}
	if !bytes.Equal(stripTrailingComments([]byte(`{"a":1}`)), []byte(`{"a":1}`)) {
		t.Error("changed a file without comments")
	}
}

func TestLoadRESTFile(t *testing.T) {
	dir := t.TempDir()
	restDir := filepath.Join(dir, restDirName)
	if err := os.Mkdir(restDir, 0o755); err != nil {
		t.Fatal(err)
	}
	qttFile := `{"tests":[{"name":"q","statements":["CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='JSON');"]}]}`
	restFile := `{"tests":[{"name":"r","format":["JSON","AVRO"],"statements":["CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='{FORMAT}');"],
		"responses":[{"admin":{"@type":"currentStatus"}}]}, // a comment
		{"name":"e","statements":["SELECT 1;"],"expectedError":{"message":"x","status":400}}]}`
	write := func(p, s string) string {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	suite := restSuite{}
	// A QTT file outside the REST directory is left to the QTT loader.
	if _, ok, err := loadRESTFile(write(filepath.Join(dir, "plain.json"), qttFile), suite); ok || err != nil {
		t.Errorf("QTT file taken as REST: %v %v", ok, err)
	}
	// Cases with responses make a REST file anywhere.
	vs, ok, err := loadRESTFile(write(filepath.Join(dir, "rest.json"), restFile), suite)
	if !ok || err != nil || len(vs) != 3 {
		t.Fatalf("REST file: %d variants, %v %v", len(vs), ok, err)
	}
	if vs[0].ID != "rest - r - JSON" || !strings.Contains(vs[1].Statements[0], "'AVRO'") {
		t.Errorf("variants: %q %q", vs[0].ID, vs[1].Statements)
	}
	for i := range vs {
		if suite.lookup(&vs[i]) == nil {
			t.Errorf("%s: no REST case", vs[i].ID)
		}
	}
	if rc := suite.lookup(&vs[2]); rc == nil || rc.ExpectedError == nil || rc.ExpectedError.Status != 400 {
		t.Errorf("expectedError not loaded: %+v", rc)
	}
	// Any file under rest-query-validation-tests is a REST file.
	if vs, ok, err := loadRESTFile(write(filepath.Join(restDir, "plain.json"), qttFile), suite); !ok || err != nil || len(vs) != 1 {
		t.Errorf("file in the REST directory: %d %v %v", len(vs), ok, err)
	}
}

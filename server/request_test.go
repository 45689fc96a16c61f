package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestUnknownRequestFieldsIgnored: clients written for ksqlDB send fields
// eddy has no use for (the npm ksqldb-client sends streamsProperties to
// /query-stream); like ksqlDB, every endpoint ignores them, while a field
// of the wrong type or a missing required one is still an error.
func TestUnknownRequestFieldsIgnored(t *testing.T) {
	ts := startMem(t, nil)
	seedClicks(t, ts)
	const push = "SELECT uid FROM clicks EMIT CHANGES LIMIT 1;"
	extra := map[string]any{"streamsProperties": map[string]any{"commit.interval.ms": 1}, "someFutureField": []any{1, "a"}}
	body := func(fields map[string]any) string {
		m := map[string]any{}
		for k, v := range extra {
			m[k] = v
		}
		for k, v := range fields {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	earliest := map[string]any{"auto.offset.reset": "earliest"}
	cases := []struct {
		path, body, want string
	}{
		{"/ksql", body(map[string]any{"ksql": "SHOW STREAMS;", "nope": 1}), `"name":"CLICKS"`},
		{"/query", body(map[string]any{"ksql": push, "streamsProperties": map[string]any{"ksql.streams.auto.offset.reset": "earliest"}}), `"u1"`},
		{"/query-stream", body(map[string]any{"sql": push, "properties": earliest}), `"u1"`},
	}
	for _, c := range cases {
		code, _, got := ts.do(t, ts.http, "POST", c.path, "", c.body)
		if code != http.StatusOK || !strings.Contains(got, c.want) {
			t.Errorf("%s with unknown fields: %d %s", c.path, code, got)
		}
	}
	// /close-query reads the id and ignores the rest.
	code, _, got := ts.do(t, ts.http, "POST", "/close-query", "", body(map[string]any{"queryId": "transient_X_1"}))
	if code != http.StatusBadRequest || !strings.Contains(got, "No query with id transient_X_1") {
		t.Errorf("/close-query with unknown fields: %d %s", code, got)
	}

	// Wrong types and missing required fields stay errors.
	for _, c := range []struct{ path, body, want string }{
		{"/ksql", `{"ksql": 5, "nope": 1}`, "Invalid JSON in request"},
		{"/ksql", `{"nope": 1}`, `"ksql\" field must be populated`},
		{"/query-stream", `{"sql": ["x"], "nope": 1}`, "Invalid JSON in request"},
		{"/query-stream", `{"nope": 1}`, `"sql\" field must be populated`},
		{"/close-query", `{"queryId": {}, "nope": 1}`, "Invalid JSON in request"},
		{"/close-query", `{"nope": 1}`, `"queryId\" field must be populated`},
	} {
		code, _, got := ts.do(t, ts.http, "POST", c.path, "", c.body)
		if code != http.StatusBadRequest || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: %d %s, want 400 with %q", c.path, c.body, code, got, c.want)
		}
	}

	// /inserts-stream: the arguments line may carry unknown fields.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", ts.url+"/inserts-stream", pr)
	done := make(chan *http.Response, 1)
	go func() {
		res, err := ts.h2c.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	io.WriteString(pw, `{"target":"clicks","requestProperties":{},"nope":true}`+"\n")
	io.WriteString(pw, `{"UID":"u9","URL":"/z"}`+"\n")
	pw.Close()
	var res *http.Response
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no response headers from /inserts-stream")
	}
	if res == nil {
		t.FailNow()
	}
	acks, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.TrimSpace(string(acks)) != `{"status":"ok","seq":0}` {
		t.Errorf("/inserts-stream with unknown fields: %d %s", res.StatusCode, acks)
	}

	// /ws/query: the request parameter may carry unknown fields.
	ctx := testCtx(t)
	raw, _ := json.Marshal(map[string]any{"ksql": push, "streamsProperties": map[string]any{"ksql.streams.auto.offset.reset": "earliest"}, "nope": 1})
	c := wsDial(t, ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/ws/query?version=1&request="+url.QueryEscape(string(raw)), nil)
	codeWS, reason, msgs := wsClosed(t, ctx, c)
	if codeWS != websocket.StatusNormalClosure || !strings.Contains(strings.Join(msgs, "\n"), `"u1"`) {
		t.Errorf("/ws/query with unknown fields: close %d %q after %q", codeWS, reason, msgs)
	}
}

// TestDeeplyNestedStatement: a statement nested 200,000 deep (400 KB) is
// refused with a syntax error, and the server goes on answering.
func TestDeeplyNestedStatement(t *testing.T) {
	ts := startMem(t, func(c *Config) { c.MaxBodyBytes = 1 << 20 })
	seedClicks(t, ts)
	const n = 200_000
	text := "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + " FROM clicks EMIT CHANGES;"
	for _, path := range []string{"/ksql", "/query"} {
		code, _, body := ts.do(t, ts.http, "POST", path, "", ksqlBody(text))
		if code != http.StatusBadRequest || !strings.Contains(body, "nested too deeply") {
			t.Errorf("%s: %d %.300s", path, code, body)
		}
	}
	code, _, body := ts.do(t, ts.http, "POST", "/query-stream", "", streamBody(text))
	if code != http.StatusBadRequest || !strings.Contains(body, "nested too deeply") {
		t.Errorf("/query-stream: %d %.300s", code, body)
	}
	if body := ts.ksql(t, "SHOW STREAMS;"); !strings.Contains(body, "CLICKS") {
		t.Fatalf("after the nested statement: %s", body)
	}
}

// TestSubstitutionOff: with ksql.variable.substitution.enable false in
// the request's properties, ${x} stays as written in /ksql and /query
// statements (it was substituted, or refused as undefined).
func TestSubstitutionOff(t *testing.T) {
	ts := startMem(t, nil)
	off := map[string]any{"ksql.variable.substitution.enable": "false"}
	body := func(field, stmt string) string {
		b, _ := json.Marshal(map[string]any{field: stmt, "streamsProperties": off, "sessionVariables": map[string]any{"t": "other"}})
		return string(b)
	}
	code, _, out := ts.do(t, ts.http, "POST", "/ksql", "", body("ksql", "CREATE STREAM s (v STRING) WITH (kafka_topic='${t}', value_format='JSON', partitions=1);"))
	if code != 200 {
		t.Fatalf("CREATE: %d %s", code, out)
	}
	ts.ksql(t, "INSERT INTO s (v) VALUES ('x');")
	if out := ts.ksql(t, "SHOW TOPICS;"); !strings.Contains(out, `"name":"${t}"`) {
		t.Errorf("the topic is not named ${t}: %s", out)
	}
	code, _, out = ts.do(t, ts.http, "POST", "/query", "", body("ksql", "SELECT '${t}' AS lit FROM s;"))
	if code != 200 || !strings.Contains(out, `"${t}"`) {
		t.Errorf("pull query: %d %s", code, out)
	}
}

// TestShowPropertiesListsASetOnce: SET 'ksql.streams.x' is one row of
// SHOW PROPERTIES (the short name the server also passes on showed as a
// second, server-wide one).
func TestShowPropertiesListsASetOnce(t *testing.T) {
	ts := startMem(t, nil)
	body := ts.ksql(t, "SET 'ksql.streams.commit.interval.ms' = '500'; SHOW PROPERTIES;")
	if !strings.Contains(body, `{"name":"ksql.streams.commit.interval.ms","scope":"KSQL","value":"500"}`) || strings.Contains(body, `"name":"commit.interval.ms"`) {
		t.Errorf("SHOW PROPERTIES: %s", body)
	}
}

// TestBadPropertyValueNamesJSONKind: a property or variable whose value
// is an object or an array is refused in JSON's terms; the message said
// "got map[string]interface {}" and "got []interface {}", Go's names.
func TestBadPropertyValueNamesJSONKind(t *testing.T) {
	ts := startMem(t, nil)
	for _, c := range []struct{ path, body, want string }{
		{"/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"auto.offset.reset": {"b": 1}}}`, "Invalid value for property 'auto.offset.reset': want a string, number or boolean, got an object"},
		{"/query", `{"ksql": "SELECT * FROM x EMIT CHANGES;", "streamsProperties": {"commit.interval.ms": [1]}}`, "Invalid value for property 'commit.interval.ms': want a string, number or boolean, got an array"},
		{"/ksql", `{"ksql": "SHOW STREAMS;", "sessionVariables": {"v": [1]}}`, "Invalid value for variable 'v': want a string, number or boolean, got an array"},
		{"/query", `{"ksql": "SELECT * FROM x EMIT CHANGES;", "sessionVariables": {"v": {}}}`, "Invalid value for variable 'v': want a string, number or boolean, got an object"},
		{"/query-stream", `{"sql": "SELECT * FROM x EMIT CHANGES;", "properties": {"ksql.streams.auto.offset.reset": []}}`, "Invalid value for property 'ksql.streams.auto.offset.reset': want a string, number or boolean, got an array"},
	} {
		code, _, body := ts.do(t, ts.http, "POST", c.path, "", c.body)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want %q", c.path, c.body, code, body, c.want)
		}
	}
}

// TestPropertyValueOfWrongTypeRefused: a request property whose value
// does not parse as its configuration's type is refused with ksqlDB's
// message, Kafka's as its cause, on every endpoint that takes
// properties, as are a server-wide property and
// auto.offset.reset='none'; a SET in /ksql is refused with Kafka's
// message alone, as ksqlDB's server does.
func TestPropertyValueOfWrongTypeRefused(t *testing.T) {
	ts := startMem(t, nil)
	const coerce = "Failed to coerce type of value 'abc' for key 'ksql.streams.commit.interval.ms'\n" +
		"Caused by: Invalid value abc for configuration commit.interval.ms: Not a number\n\tof type LONG"
	for _, c := range []struct{ path, body, want string }{
		{"/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"ksql.streams.commit.interval.ms": "abc"}}`, coerce},
		{"/query", `{"ksql": "SELECT * FROM x EMIT CHANGES;", "streamsProperties": {"ksql.streams.commit.interval.ms": "abc"}}`, coerce},
		{"/query-stream", `{"sql": "SELECT * FROM x EMIT CHANGES;", "properties": {"ksql.streams.commit.interval.ms": "abc"}}`, coerce},
		{"/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"num.stream.threads": 1.5}}`,
			"Failed to coerce type of value '1.5' for key 'num.stream.threads'\nCaused by: Invalid value 1.5 for configuration num.stream.threads: Not a number\n\tof type INT"},
		{"/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"auto.offset.reset": "none"}}`,
			"Failed to coerce type of value 'none' for key 'auto.offset.reset'\nCaused by: 'none' is not valid for this property within KSQL"},
		{"/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"bootstrap.servers": "elsewhere:9092"}}`,
			"Failed to coerce type of value 'elsewhere:9092' for key 'bootstrap.servers'\nCaused by: Cannot override property 'bootstrap.servers'"},
		{"/ksql", `{"ksql": "SET 'ksql.streams.commit.interval.ms'='abc'; SHOW STREAMS;", "streamsProperties": {}}`,
			"Invalid value abc for configuration commit.interval.ms: Not a number of type LONG"},
	} {
		code, _, body := ts.do(t, ts.http, "POST", c.path, "", c.body)
		var e struct{ Message string }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s %s: %v in %s", c.path, c.body, err, body)
		}
		if code != http.StatusBadRequest || e.Message != c.want {
			t.Errorf("%s %s: %d %q, want 400 and %q", c.path, c.body, code, e.Message, c.want)
		}
	}
	// Values of the right type, numbers as JSON numbers, pass.
	code, _, body := ts.do(t, ts.http, "POST", "/ksql", "", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"ksql.streams.commit.interval.ms": 500, "auto.offset.reset": "earliest", "ksql.query.pull.table.scan.enabled": true}}`)
	if code != http.StatusOK {
		t.Errorf("valid properties: %d %s", code, body)
	}
}

// TestWrapWords wraps as ksqlDB's error chain does: at the last space
// within 80 columns, a longer word broken, further lines after a tab.
func TestWrapWords(t *testing.T) {
	for in, want := range map[string]string{
		"short":                  "short",
		strings.Repeat("a", 85):  strings.Repeat("a", 80) + "\n\taaaaa",
		strings.Repeat("b ", 41): strings.Repeat("b ", 39) + "b\n\tb ",
	} {
		if got := wrapWords(in, 80); got != want {
			t.Errorf("wrapWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnknownPropertyNameRefused: a request property or a SET checked
// through /is_valid_property whose name ksqlDB would not resolve is
// refused with ksqlDB's message, on every endpoint that takes
// properties; it was accepted and ignored.
func TestUnknownPropertyNameRefused(t *testing.T) {
	ts := startMem(t, nil)
	const want = "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'"
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/ksql", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"auto.offset.rest": "earliest"}}`},
		{"POST", "/query", `{"ksql": "SELECT * FROM x EMIT CHANGES;", "streamsProperties": {"auto.offset.rest": "earliest"}}`},
		{"POST", "/query-stream", `{"sql": "SELECT * FROM x EMIT CHANGES;", "properties": {"auto.offset.rest": "earliest"}}`},
		{"GET", "/is_valid_property/auto.offset.rest", ""},
	} {
		code, _, body := ts.do(t, ts.http, c.method, c.path, "", c.body)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s %s: %d %s, want 400 and %q", c.path, c.body, code, body, want)
		}
	}
	// A SET in the request's text is refused as ksqlDB refuses it: a 400
	// statement error naming the SET.
	code, _, body := ts.do(t, ts.http, "POST", "/ksql", "", `{"ksql": "SET 'auto.offset.rest'='earliest'; SHOW STREAMS;"}`)
	if code != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `"statementText":"SET 'auto.offset.rest'='earliest';"`) {
		t.Errorf("/ksql with SET: %d %s", code, body)
	}
	for _, p := range []string{"auto.offset.reset", "ksql.streams.producer.linger.ms", "ksql.query.pull.table.scan.enabled"} {
		if code, _, body := ts.do(t, ts.http, "GET", "/is_valid_property/"+p, "", ""); code != http.StatusOK {
			t.Errorf("is_valid_property/%s: %d %s", p, code, body)
		}
	}
}

package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
)

const (
	createClicks = "CREATE STREAM clicks (uid STRING KEY, url STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);"
	createUsers  = "CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);"
)

// TestGoldenEntities pins the JSON of every entity type /ksql returns.
func TestGoldenEntities(t *testing.T) {
	ts := startMem(t, nil)
	post := func(name, stmts string) string {
		t.Helper()
		code, hdr, body := ts.do(t, ts.http, "POST", "/ksql", "application/vnd.ksql.v1+json", ksqlBody(stmts))
		if ct := hdr.Get("Content-Type"); ct != "application/vnd.ksql.v1+json" {
			t.Errorf("%s: content type %q", name, ct)
		}
		golden(t, "ksql_"+name, code, body)
		return body
	}
	post("create_stream", createClicks)
	post("create_table", createUsers)
	post("csas", "CREATE STREAM long_clicks AS SELECT uid, url FROM clicks WHERE LEN(url) > 3;")
	post("insert_values", "INSERT INTO clicks (uid, url) VALUES ('u1', '/home');")
	post("show_streams", "SHOW STREAMS;")
	post("show_tables", "SHOW TABLES;")
	post("list_topics", "LIST TOPICS;")
	post("show_queries", "SHOW QUERIES;")
	post("describe", "DESCRIBE clicks;")
	post("describe_streams", "DESCRIBE STREAMS;")
	post("explain", "EXPLAIN CSAS_LONG_CLICKS_0;")
	post("variables", "DEFINE who = 'u1'; SET 'auto.offset.reset' = 'earliest'; SHOW VARIABLES;")
	post("undefine_unknown", "UNDEFINE nope;")
	post("create_type", "CREATE TYPE addr AS STRUCT<street STRING, zip INT>;")
	post("drop_type", "DROP TYPE addr;")
	post("terminate", "TERMINATE CSAS_LONG_CLICKS_0;")
	post("drop", "DROP STREAM long_clicks;")
	post("two_statements", "SHOW TABLES; SHOW STREAMS;")

	// SHOW FUNCTIONS is long and grows; check its shape only.
	body := ts.ksql(t, "SHOW FUNCTIONS;")
	var fl []struct {
		Type      string `json:"@type"`
		Functions []struct {
			Name, Type, Category string
		} `json:"functions"`
	}
	if err := json.Unmarshal([]byte(body), &fl); err != nil || len(fl) != 1 || fl[0].Type != "function_names" || len(fl[0].Functions) == 0 {
		t.Errorf("SHOW FUNCTIONS: %v %.200s", err, body)
	}
	// SHOW PROPERTIES depends on the server's settings; check its shape.
	body = ts.ksql(t, "SHOW PROPERTIES;")
	if !strings.HasPrefix(body, `[{"@type":"properties","statementText":"SHOW PROPERTIES`) || !strings.Contains(body, `"properties":[{"name":`) {
		t.Errorf("SHOW PROPERTIES: %.200s", body)
	}
}

// TestGoldenErrors pins the error replies.
func TestGoldenErrors(t *testing.T) {
	ts := startMem(t, func(c *Config) {
		c.MaxBodyBytes = 1 << 10
		c.CommandWait = 100 * time.Millisecond
	})
	ts.ksql(t, createClicks)
	cases := []struct {
		name, method, path, accept, body string
	}{
		{"parse_error", "POST", "/ksql", "", ksqlBody("CREATE STREM x;")},
		{"parse_error_second", "POST", "/ksql", "", ksqlBody("CREATE STREAM b (id INT KEY) WITH (kafka_topic='b', value_format='JSON', partitions=1); SHOW STREM;")},
		{"statement_error_after_success", "POST", "/ksql", "", ksqlBody("CREATE STREAM c (id INT KEY, v INT) WITH (kafka_topic='c', value_format='JSON', partitions=1); CREATE STREAM c2 AS SELECT nope FROM c;")},
		{"unknown_source", "POST", "/ksql", "", ksqlBody("DROP STREAM nope;")},
		{"select_on_ksql", "POST", "/ksql", "", ksqlBody("SHOW STREAMS; SELECT * FROM clicks EMIT CHANGES;")},
		{"malformed_json", "POST", "/ksql", "", `{"ksql": "SHOW STREAMS;"`},
		{"wrong_type", "POST", "/ksql", "", `{"ksql": ["SHOW STREAMS;"]}`},
		{"missing_ksql", "POST", "/ksql", "", `{"streamsProperties": {}}`},
		{"not_utf8", "POST", "/ksql", "", "{\"ksql\": \"SHOW STREAMS; \xff\xfe\"}"},
		{"too_large", "POST", "/ksql", "", ksqlBody("SHOW STREAMS; -- " + strings.Repeat("x", 2<<10))},
		{"bad_property_value", "POST", "/ksql", "", `{"ksql": "SHOW STREAMS;", "streamsProperties": {"auto.offset.reset": {"b": 1}}}`},
		{"bad_variable_value", "POST", "/ksql", "", `{"ksql": "SHOW STREAMS;", "sessionVariables": {"v": [1]}}`},
		{"command_timeout", "POST", "/ksql", "", `{"ksql": "SHOW STREAMS;", "commandSequenceNumber": 99999}`},
		{"query_not_a_query", "POST", "/query", "", ksqlBody("SHOW STREAMS;")},
		{"query_parse_error", "POST", "/query", "", ksqlBody("SELECT FROM;")},
		{"query_unknown_source", "POST", "/query", "", ksqlBody("SELECT * FROM nope EMIT CHANGES;")},
		{"query_stream_missing_sql", "POST", "/query-stream", "", `{"properties": {}}`},
		{"query_stream_print_json", "POST", "/query-stream", "application/json", `{"sql": "PRINT clicks;"}`},
		{"close_unknown_query", "POST", "/close-query", "", `{"queryId": "transient_X_1"}`},
		{"inserts_http1", "POST", "/inserts-stream", "", `{"target": "clicks"}`},
		{"status_unknown", "GET", "/status/stream/NOPE/create", "", ""},
		{"invalid_property", "GET", "/is_valid_property/bootstrap.servers", "", ""},
		{"unknown_route", "GET", "/nope", "", ""},
		{"unknown_accept", "POST", "/ksql", "text/html", ksqlBody("SHOW STREAMS;")},
	}
	// Messages written by the engine and parser change with their
	// wording; the goldens pin the shape, the server's own messages and
	// the status.
	engineMsg := map[string]bool{"parse_error": true, "parse_error_second": true, "statement_error_after_success": true,
		"unknown_source": true, "query_parse_error": true, "query_unknown_source": true}
	for _, c := range cases {
		code, _, body := ts.do(t, ts.http, c.method, c.path, c.accept, c.body)
		if engineMsg[c.name] {
			body = engineMessage.ReplaceAllString(body, `"message":"<from the engine>"`)
		}
		golden(t, "error_"+c.name, code, body)
	}
	// Neither statement of a request with a parse error ran.
	if body := ts.ksql(t, "SHOW STREAMS;"); strings.Contains(body, `"name":"B"`) {
		t.Errorf("the first statement of a request with a parse error ran: %s", body)
	}
}

var engineMessage = regexp.MustCompile(`"message":"(?:[^"\\]|\\.)*"`)

// TestErrorMapping covers the engine error kinds a test cannot easily
// provoke.
func TestErrorMapping(t *testing.T) {
	cases := []struct {
		err        error
		status     int
		typ        string
		code       int
		hasStmtTxt bool
	}{
		{&engine.Error{Kind: engine.ParseError, Msg: "bad", Statement: "X;"}, 400, "statement_error", 40001, true},
		{&engine.Error{Kind: engine.StatementError, Msg: "bad", Statement: "X;"}, 400, "statement_error", 40001, true},
		{&engine.Error{Kind: engine.RuntimeError, Msg: "broke", Statement: "X;"}, 500, "statement_error", 50000, true},
		{errors.New("disk on fire"), 500, "generic_error", 50000, false},
	}
	for _, c := range cases {
		ae := fromEngine(c.err, "X;", nil)
		if ae.status() != c.status || ae.Type != c.typ || ae.ErrorCode != c.code || (ae.StatementText != nil) != c.hasStmtTxt {
			t.Errorf("%v: got %d %s %d", c.err, ae.status(), ae.Type, ae.ErrorCode)
		}
	}
}

// TestGoldenSmallEndpoints pins /info, /healthcheck, /status and friends.
func TestGoldenSmallEndpoints(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, createClicks)
	for _, c := range []struct{ name, path string }{
		{"info", "/info"},
		{"healthcheck", "/healthcheck"},
		{"status_all", "/status"},
		{"status_one", "/status/stream/CLICKS/create"},
		{"valid_property", "/is_valid_property/ksql.streams.num.stream.threads"},
		{"chc_live", "/chc/live"},
		{"chc_ready", "/chc/ready"},
	} {
		code, _, body := ts.do(t, ts.http, "GET", c.path, "", "")
		golden(t, "get_"+c.name, code, body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != "/info" {
		t.Errorf("GET /: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

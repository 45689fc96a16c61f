package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// startConnect serves an engine with the datagen and file connectors on
// the in-memory cluster, with the Connect API on its own listener too;
// mods change the server's configuration further.
func startConnect(t *testing.T, mods ...func(*Config)) *testServer {
	t.Helper()
	return startConnectOn(t, kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1}), mods...)
}

// startConnectOn is startConnect over cl.
func startConnectOn(t *testing.T, cl kafka.Cluster, mods ...func(*Config)) *testServer {
	t.Helper()
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	datagen.Register(plugins)
	file.Register(plugins)
	eng, err := engine.New(context.Background(), engine.Options{Cluster: cl, Connectors: plugins, WorkerID: "w1:8083",
		Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := serveEngine(t, eng, func(c *Config) {
		c.ConnectListen = "127.0.0.1:0"
		for _, m := range mods {
			m(c)
		}
	})
	if err := ts.StartConnect(); err != nil {
		t.Fatal(err)
	}
	ts.cluster = cl
	return ts
}

// kc sends a Connect API request to base and decodes a JSON answer
// into out (when not nil).
func kc(t *testing.T, ts *testServer, base, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := ts.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d, decode: %v", method, path, res.StatusCode, err)
		}
	}
	return res.StatusCode
}

// kcErrorIs checks a Kafka Connect error reply.
func kcErrorIs(t *testing.T, what string, code int, got kcErrorMessage, want int, msg string) {
	t.Helper()
	if code != want || got.ErrorCode != want || !strings.HasPrefix(got.Message, msg) {
		t.Errorf("%s: %d %+v, want %d {error_code:%d message:%q…}", what, code, got, want, want, msg)
	}
}

// exactKeys checks a JSON object's keys, so that a field added or
// renamed against Kafka's entity fails.
func exactKeys(t *testing.T, what string, raw json.RawMessage, want ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v: %s", what, err, raw)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: keys %v, want %v (%s)", what, got, want, raw)
	}
}

const datagenBody = `{"name":"gen-1","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",
	"kafka.topic":"views","quickstart":"pageviews","max.interval":10,"random.seed":"7",
	"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":false}}`

// TestConnectAPILifecycle drives a datagen connector through the
// Connect API of both listeners: create, read it back in Kafka's
// shapes, see it in SHOW CONNECTORS and its records in the topic, pause
// and resume it, update its configuration, restart it and delete it.
func TestConnectAPILifecycle(t *testing.T) {
	ts := startConnect(t)
	base, main := ts.ConnectURL(), ts.url

	var names []string
	if code := kc(t, ts, base, "GET", "/connectors", "", &names); code != 200 || len(names) != 0 {
		t.Fatalf("GET /connectors before: %d %v", code, names)
	}

	var created json.RawMessage
	if code := kc(t, ts, base, "POST", "/connectors", datagenBody, &created); code != http.StatusCreated {
		t.Fatalf("POST /connectors: %d %s", code, created)
	}
	exactKeys(t, "created", created, "name", "config", "tasks", "type")
	var info struct {
		Name   string
		Config map[string]string
		Tasks  []map[string]any
		Type   string
	}
	json.Unmarshal(created, &info)
	if info.Name != "gen-1" || info.Type != "source" || info.Config["kafka.topic"] != "views" || info.Config["max.interval"] != "10" ||
		info.Config["name"] != "gen-1" || len(info.Tasks) != 1 || info.Tasks[0]["connector"] != "gen-1" || info.Tasks[0]["task"] != 0.0 {
		t.Errorf("created: %s", created)
	}

	// It is the engine's connector: SHOW CONNECTORS lists it, and its
	// records reach the topic.
	if body := ts.ksql(t, "SHOW CONNECTORS;"); !strings.Contains(body, `"name":"gen-1"`) || !strings.Contains(body, "DatagenConnector") {
		t.Errorf("SHOW CONNECTORS: %s", body)
	}
	ends := func() int64 {
		e, err := ts.cluster.EndOffsets(context.Background(), "views")
		if err != nil {
			return 0
		}
		var n int64
		for _, o := range e {
			n += o
		}
		return n
	}
	waitFor(t, "datagen to write to views", func() bool { return ends() >= 5 })

	var again kcErrorMessage
	kcErrorIs(t, "POST again", kc(t, ts, base, "POST", "/connectors", datagenBody, &again), again, http.StatusConflict, "Connector gen-1 already exists")

	for _, b := range []string{base, main} { // the main listener serves the same API
		if code := kc(t, ts, b, "GET", "/connectors", "", &names); code != 200 || !slices.Equal(names, []string{"gen-1"}) {
			t.Errorf("GET %s/connectors: %d %v", b, code, names)
		}
	}
	var got json.RawMessage
	if code := kc(t, ts, base, "GET", "/connectors/gen-1", "", &got); code != 200 {
		t.Fatalf("GET /connectors/gen-1: %d %s", code, got)
	}
	exactKeys(t, "info", got, "name", "config", "tasks", "type")

	var cfg map[string]string
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/config", "", &cfg); code != 200 || cfg["quickstart"] != "pageviews" || cfg["connector.class"] != "io.confluent.kafka.connect.datagen.DatagenConnector" {
		t.Errorf("GET config: %d %v", code, cfg)
	}

	status := func() (json.RawMessage, kcStateInfo) {
		t.Helper()
		var raw json.RawMessage
		if code := kc(t, ts, base, "GET", "/connectors/gen-1/status", "", &raw); code != 200 {
			t.Fatalf("GET status: %d %s", code, raw)
		}
		var st kcStateInfo
		json.Unmarshal(raw, &st)
		return raw, st
	}
	raw, st := status()
	exactKeys(t, "status", raw, "name", "connector", "tasks", "type")
	var parts struct {
		Connector json.RawMessage
		Tasks     []json.RawMessage
	}
	json.Unmarshal(raw, &parts)
	exactKeys(t, "status.connector", parts.Connector, "state", "worker_id")
	if len(parts.Tasks) != 1 {
		t.Fatalf("status tasks: %s", raw)
	}
	exactKeys(t, "status.tasks[0]", parts.Tasks[0], "id", "state", "worker_id")
	if st.Name != "gen-1" || st.Type != "source" || st.Connector.State != "RUNNING" || st.Connector.WorkerID != "w1:8083" || st.Tasks[0].State != "RUNNING" {
		t.Errorf("status: %s", raw)
	}

	var expanded map[string]map[string]json.RawMessage
	if code := kc(t, ts, base, "GET", "/connectors?expand=status&expand=info", "", &expanded); code != 200 || len(expanded["gen-1"]) != 2 {
		t.Fatalf("expand: %d %v", code, expanded)
	}
	exactKeys(t, "expand info", expanded["gen-1"]["info"], "name", "config", "tasks", "type")
	exactKeys(t, "expand status", expanded["gen-1"]["status"], "name", "connector", "tasks", "type")
	kc(t, ts, base, "GET", "/connectors?expand=status", "", &expanded)
	if _, ok := expanded["gen-1"]["info"]; ok || expanded["gen-1"]["status"] == nil {
		t.Errorf("expand=status: %v", expanded)
	}

	var tasks []struct {
		ID     map[string]any
		Config map[string]string
	}
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/tasks", "", &tasks); code != 200 || len(tasks) != 1 || tasks[0].ID["connector"] != "gen-1" || tasks[0].Config["kafka.topic"] != "views" {
		t.Errorf("tasks: %d %+v", code, tasks)
	}
	var topics map[string]map[string][]string
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/topics", "", &topics); code != 200 || !slices.Equal(topics["gen-1"]["topics"], []string{"views"}) {
		t.Errorf("topics: %d %v", code, topics)
	}

	// Pause: the status says PAUSED and no more records come.
	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/pause", "", nil); code != http.StatusAccepted {
		t.Fatalf("pause: %d", code)
	}
	if _, st := status(); st.Connector.State != "PAUSED" || st.Tasks[0].State != "PAUSED" {
		t.Errorf("after pause: %+v", st)
	}
	before := ends()
	time.Sleep(100 * time.Millisecond)
	if after := ends(); after != before {
		t.Errorf("a paused connector wrote %d records", after-before)
	}
	if body := ts.ksql(t, "SHOW CONNECTORS;"); !strings.Contains(body, "PAUSED") {
		t.Errorf("SHOW CONNECTORS after pause: %s", body)
	}
	// topics/reset empties the topics written to, which fill again once
	// the source writes.
	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/topics/reset", "", nil); code != http.StatusAccepted {
		t.Errorf("topics/reset: %d", code)
	}
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/topics", "", &topics); code != 200 || len(topics["gen-1"]["topics"]) != 0 {
		t.Errorf("topics after reset: %d %v", code, topics)
	}
	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/resume", "", nil); code != http.StatusAccepted {
		t.Fatalf("resume: %d", code)
	}
	if _, st := status(); st.Connector.State != "RUNNING" {
		t.Errorf("after resume: %+v", st)
	}
	waitFor(t, "records after resume", func() bool { return ends() > before })
	waitFor(t, "the topic written to after the reset", func() bool {
		kc(t, ts, base, "GET", "/connectors/gen-1/topics", "", &topics)
		return slices.Equal(topics["gen-1"]["topics"], []string{"views"})
	})

	// Update: 200, the new configuration runs (its new topic fills).
	upd := `{"connector.class":"DatagenConnector","kafka.topic":"views2","quickstart":"pageviews","max.interval":"10",
		"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"}`
	var updated connectorInfo
	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/config", upd, &updated); code != 200 || updated.Config["kafka.topic"] != "views2" || updated.Type != "source" {
		t.Fatalf("PUT config (update): %d %+v", code, updated)
	}
	waitFor(t, "the updated connector to write to views2", func() bool {
		e, _ := ts.cluster.EndOffsets(context.Background(), "views2")
		return e[0] > 0
	})
	// A bad update is refused and leaves the connector as it was.
	var bad kcErrorMessage
	kcErrorIs(t, "bad update", kc(t, ts, base, "PUT", "/connectors/gen-1/config", `{"connector.class":"DatagenConnector","quickstart":"nope"}`, &bad),
		bad, http.StatusBadRequest, "Connector configuration is invalid and contains the following 2 error(s):")
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/config", "", &cfg); code != 200 || cfg["kafka.topic"] != "views2" {
		t.Errorf("after a refused update: %d %v", code, cfg)
	}

	// PATCH (KIP-477): the keys given replace the connector's, a null
	// removes one, the rest stays; the patched connector runs.
	const headers = `"header.converter":"org.apache.kafka.connect.storage.SimpleHeaderConverter"`
	var patched connectorInfo
	if code := kc(t, ts, base, "PATCH", "/connectors/gen-1/config", `{"kafka.topic":"views3",`+headers+`}`, &patched); code != 200 ||
		patched.Config["kafka.topic"] != "views3" || patched.Config["quickstart"] != "pageviews" || patched.Config["max.interval"] != "10" ||
		patched.Config["header.converter"] == "" {
		t.Fatalf("PATCH config: %d %+v", code, patched)
	}
	if code := kc(t, ts, base, "PATCH", "/connectors/gen-1/config", `{"header.converter":null}`, &patched); code != 200 {
		t.Fatalf("PATCH config with a null: %d %+v", code, patched)
	}
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/config", "", &cfg); code != 200 || cfg["kafka.topic"] != "views3" || cfg["value.converter"] == "" {
		t.Errorf("after PATCH: %d %v", code, cfg)
	} else if _, ok := cfg["header.converter"]; ok {
		t.Errorf("after PATCH with a null: %v still has header.converter", cfg)
	}
	waitFor(t, "the patched connector to write to views3", func() bool {
		e, _ := ts.cluster.EndOffsets(context.Background(), "views3")
		return e[0] > 0
	})
	kcErrorIs(t, "bad patch", kc(t, ts, base, "PATCH", "/connectors/gen-1/config", `{"quickstart":"nope"}`, &bad),
		bad, http.StatusBadRequest, "Connector configuration is invalid")
	kcErrorIs(t, "patch of the name", kc(t, ts, base, "PATCH", "/connectors/gen-1/config", `{"name":"other"}`, &bad),
		bad, http.StatusBadRequest, "Connector name configuration (other) doesn't match connector name in the URL (gen-1)")
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/config", "", &cfg); code != 200 || cfg["kafka.topic"] != "views3" || cfg["quickstart"] != "pageviews" {
		t.Errorf("after refused patches: %d %v", code, cfg)
	}

	var plan kcStateInfo
	if code := kc(t, ts, base, "POST", "/connectors/gen-1/restart?includeTasks=true", "", &plan); code != http.StatusAccepted || plan.Tasks[0].State != "RESTARTING" {
		t.Errorf("restart includeTasks: %d %+v", code, plan)
	}
	if code := kc(t, ts, base, "POST", "/connectors/gen-1/restart", "", nil); code != http.StatusNoContent {
		t.Errorf("restart: %d", code)
	}
	var ts0 json.RawMessage
	if code := kc(t, ts, base, "GET", "/connectors/gen-1/tasks/0/status", "", &ts0); code != 200 {
		t.Errorf("task status: %d %s", code, ts0)
	}
	exactKeys(t, "task status", ts0, "id", "state", "worker_id")

	// Delete: 204, gone from the engine, and it writes no more.
	if code := kc(t, ts, base, "DELETE", "/connectors/gen-1", "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if body := ts.ksql(t, "SHOW CONNECTORS;"); strings.Contains(body, "gen-1") {
		t.Errorf("SHOW CONNECTORS after delete: %s", body)
	}
	e2 := func() int64 { e, _ := ts.cluster.EndOffsets(context.Background(), "views3"); return e[0] }
	n := e2()
	time.Sleep(100 * time.Millisecond)
	if m := e2(); m != n {
		t.Errorf("a deleted connector wrote %d records", m-n)
	}
	var gone kcErrorMessage
	kcErrorIs(t, "GET deleted", kc(t, ts, base, "GET", "/connectors/gen-1", "", &gone), gone, 404, "Connector gen-1 not found")

	// PUT config of a new name creates it: 201.
	var made connectorInfo
	if code := kc(t, ts, base, "PUT", "/connectors/gen-2/config", upd, &made); code != http.StatusCreated || made.Name != "gen-2" {
		t.Errorf("PUT config (create): %d %+v", code, made)
	}
}

// connectorInfo decodes a ConnectorInfo reply.
type connectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Type   string            `json:"type"`
}

// TestConnectAPIErrors: Kafka Connect's error shape and statuses for
// unknown connectors and bad requests.
func TestConnectAPIErrors(t *testing.T) {
	ts := startConnect(t)
	base := ts.ConnectURL()
	cases := []struct {
		method, path, body string
		code               int
		msg                string
	}{
		{"GET", "/connectors/nope", "", 404, "Connector nope not found"},
		{"GET", "/connectors/nope/config", "", 404, "Connector nope not found"},
		{"GET", "/connectors/nope/status", "", 404, "No status found for connector nope"},
		{"GET", "/connectors/nope/tasks", "", 404, "Connector nope not found"},
		{"GET", "/connectors/nope/tasks/0/status", "", 404, "No status found for task nope-0"},
		{"PUT", "/connectors/nope/pause", "", 404, "Unknown connector nope"},
		{"PUT", "/connectors/nope/resume", "", 404, "Unknown connector nope"},
		{"POST", "/connectors/nope/restart", "", 404, "Unknown connector: nope"},
		{"DELETE", "/connectors/nope", "", 404, "Connector nope not found"},
		{"PATCH", "/connectors/nope/config", `{"tasks.max":"1"}`, 404, "Connector nope not found"},
		{"PUT", "/connectors/nope/topics/reset", "", 404, "Connector nope not found"},
		{"POST", "/connectors", `{"name":"x","config":{"kafka.topic":"t"}}`, 400, "Connector config {kafka.topic=t} contains no connector type"},
		{"POST", "/connectors", `{"name":"x","config":{"connector.class":"NoSuchConnector"}}`, 400, "Failed to find any class that implements Connector and which name matches NoSuchConnector"},
		{"POST", "/connectors", `{"name":"x","config":{"connector.class":"datagen","quickstart":"users"}}`, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nMissing required configuration \"kafka.topic\" which has no default value.\nYou can also find"},
		{"POST", "/connectors", `{"name":"x","config":{"connector.class":"datagen","name":"y"}}`, 400, "Connector name configuration (y) doesn't match connector name in the URL (x)"},
		{"POST", "/connectors", `{"name":"","config":{"connector.class":"datagen"}}`, 400, "Connector configuration is invalid"},
		{"POST", "/connectors", `not json`, 400, "Cannot read the request"},
		{"PUT", "/connector-plugins/FileStreamSinkConnector/config/validate", `{"connector.class":"DatagenConnector"}`, 400,
			"Included connector type DatagenConnector does not match request type FileStreamSinkConnector"},
		{"GET", "/connector-plugins/NoSuch/config", "", 404, "Unknown plugin NoSuch."},
		{"GET", "/no/such/path", "", 404, "HTTP 404 Not Found"},
		// A sink's tasks all run here: a count that would exhaust the
		// server's memory (2,000,000 took 24 GB) is refused.
		{"POST", "/connectors", `{"name":"many","config":{"connector.class":"FileStreamSink","topics":"t","file":"/dev/null","tasks.max":"1001"}}`, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nInvalid value 1001 for configuration tasks.max: Value must be no more than 1000"},
		{"PUT", "/connectors/many/config", `{"connector.class":"FileStreamSink","topics":"t","file":"/dev/null","tasks.max":"2000000"}`, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nInvalid value 2000000 for configuration tasks.max"},
		// No task at all is refused as Kafka Connect refuses it, for
		// sources too.
		{"POST", "/connectors", `{"name":"none","config":{"connector.class":"FileStreamSink","topics":"t","file":"/dev/null","tasks.max":"0"}}`, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nInvalid value 0 for configuration tasks.max: Value must be at least 1"},
		{"POST", "/connectors", `{"name":"none","config":{"connector.class":"datagen","kafka.topic":"t","quickstart":"users","tasks.max":"-1"}}`, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nInvalid value -1 for configuration tasks.max: Value must be at least 1"},
		// A resource asked with a method it does not take: Jersey's 405.
		{"PATCH", "/connectors", "", 405, "HTTP 405 Method Not Allowed"},
		{"POST", "/connectors/nope/config", "{}", 405, "HTTP 405 Method Not Allowed"},
		{"DELETE", "/connector-plugins", "", 405, "HTTP 405 Method Not Allowed"},
		{"GET", "/connectors/nope/restart", "", 405, "HTTP 405 Method Not Allowed"},
	}
	for _, c := range cases {
		var e kcErrorMessage
		kcErrorIs(t, c.method+" "+c.path+" "+c.body, kc(t, ts, base, c.method, c.path, c.body, &e), e, c.code, c.msg)
	}
}

// TestConnectAPIBodyTooLarge: a body over the server's limit is refused
// with 413, as the ksqlDB endpoints refuse it, not as a malformed body
// (400), and the connector is not created.
func TestConnectAPIBodyTooLarge(t *testing.T) {
	ts := startConnect(t, func(c *Config) { c.MaxBodyBytes = 1 << 10 })
	base := ts.ConnectURL()
	big := `{"name":"big","config":{"connector.class":"FileStreamSink","topics":"t","file":"/dev/null","pad":"` +
		strings.Repeat("x", 2<<10) + `"}}`
	var e kcErrorMessage
	kcErrorIs(t, "POST /connectors of 2 KB", kc(t, ts, base, "POST", "/connectors", big, &e), e,
		http.StatusRequestEntityTooLarge, "Request body is larger than the limit of 1024 bytes.")
	e = kcErrorMessage{}
	kcErrorIs(t, "GET /connectors/big", kc(t, ts, base, "GET", "/connectors/big", "", &e), e, 404, "Connector big not found")
}

// TestConnectAPIPlugins: the plugin list and the validate endpoint's
// ConfigInfos, errors filed under their options.
func TestConnectAPIPlugins(t *testing.T) {
	ts := startConnect(t)
	base := ts.ConnectURL()
	var plugins []map[string]string
	if code := kc(t, ts, base, "GET", "/connector-plugins", "", &plugins); code != 200 {
		t.Fatalf("plugins: %d", code)
	}
	want := map[string]string{"io.confluent.kafka.connect.datagen.DatagenConnector": "source",
		"org.apache.kafka.connect.file.FileStreamSinkConnector": "sink", "org.apache.kafka.connect.file.FileStreamSourceConnector": "source"}
	for _, p := range plugins {
		if want[p["class"]] != p["type"] || p["version"] == "" || len(p) != 3 {
			t.Errorf("plugin %v", p)
		}
		delete(want, p["class"])
	}
	if len(want) != 0 {
		t.Errorf("missing plugins %v in %v", want, plugins)
	}
	kc(t, ts, base, "GET", "/connector-plugins?connectorsOnly=false", "", &plugins)
	if !slices.ContainsFunc(plugins, func(p map[string]string) bool { return p["type"] == "converter" }) {
		t.Errorf("connectorsOnly=false lists no converter: %v", plugins)
	}

	var keys []json.RawMessage
	if code := kc(t, ts, base, "GET", "/connector-plugins/DatagenConnector/config", "", &keys); code != 200 || len(keys) == 0 {
		t.Fatalf("plugin config: %d %d", code, len(keys))
	}
	exactKeys(t, "config key", keys[0], "name", "type", "required", "default_value", "importance", "documentation", "group", "order", "width", "display_name", "dependents")

	validate := func(body string) (json.RawMessage, map[string][]string, int) {
		t.Helper()
		var raw json.RawMessage
		if code := kc(t, ts, base, "PUT", "/connector-plugins/DatagenConnector/config/validate", body, &raw); code != 200 {
			t.Fatalf("validate: %d %s", code, raw)
		}
		var out struct {
			ErrorCount int `json:"error_count"`
			Configs    []struct {
				Value struct {
					Name   string
					Errors []string
				}
			}
		}
		json.Unmarshal(raw, &out)
		errs := map[string][]string{}
		for _, c := range out.Configs {
			if len(c.Value.Errors) > 0 {
				errs[c.Value.Name] = c.Value.Errors
			}
		}
		return raw, errs, out.ErrorCount
	}
	raw, errs, n := validate(`{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","name":"g","kafka.topic":"t","quickstart":"users"}`)
	exactKeys(t, "validate", raw, "name", "error_count", "groups", "configs")
	if n != 0 || len(errs) != 0 {
		t.Errorf("a good config: %d errors %v", n, errs)
	}
	var parts struct{ Configs []json.RawMessage }
	json.Unmarshal(raw, &parts)
	exactKeys(t, "validate configs[0]", parts.Configs[0], "definition", "value")
	var ci struct{ Value json.RawMessage }
	json.Unmarshal(parts.Configs[0], &ci)
	exactKeys(t, "validate configs[0].value", ci.Value, "name", "value", "recommended_values", "errors", "visible")

	_, errs, n = validate(`{"connector.class":"DatagenConnector","name":"g","quickstart":"nope","max.interval":"soon","bogus":"1"}`)
	wantErrs := map[string]string{"quickstart": "Invalid value nope for configuration quickstart", "max.interval": "Invalid value soon for configuration max.interval",
		"kafka.topic": `Missing required configuration "kafka.topic"`, "bogus": "unknown configuration 'bogus'"}
	if n != len(wantErrs) || len(errs) != len(wantErrs) {
		t.Errorf("errors %d %v, want %v", n, errs, wantErrs)
	}
	for k, w := range wantErrs {
		if len(errs[k]) != 1 || !strings.HasPrefix(errs[k][0], w) {
			t.Errorf("errors of %s: %v, want %q", k, errs[k], w)
		}
	}
}

// TestConnectAPIHeadlessRefusesChanges: a headless server answers the
// Connect API's reads and refuses its changes, as it refuses statements.
func TestConnectAPIHeadlessRefusesChanges(t *testing.T) {
	ts := startConnect(t)
	hs, err := New(Config{Engine: ts.eng, Headless: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Handler{hs.Handler(), hs.connectHandler()} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/connectors", strings.NewReader(datagenBody)))
		if rec.Code != http.StatusForbidden {
			t.Errorf("headless POST /connectors: %d %s", rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/connectors", nil))
		if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
			t.Errorf("headless GET /connectors: %d %s", rec.Code, rec.Body)
		}
	}
}

// TestConnectAPIConcurrentChanges: many clients creating, deleting,
// pausing, resuming, stopping and restarting the same connector at once
// get Kafka Connect's answers: a connector another request dropped
// between the handler's check and its statement is not found (404), one
// created meanwhile already exists (409), never the engine's refusal as
// a 400 ("Unknown queryId: RACE", "Connector race does not exist.").
func TestConnectAPIConcurrentChanges(t *testing.T) {
	ts := startConnect(t)
	base := ts.ConnectURL()
	body := `{"name":"race","config":{"connector.class":"datagen","kafka.topic":"race","quickstart":"users","max.interval":1000}}`
	type op struct {
		method, path, body string
		ok                 []int
	}
	ops := []op{
		{"POST", "/connectors", body, []int{201, 409}},
		{"DELETE", "/connectors/race", "", []int{204, 404}},
		{"PUT", "/connectors/race/pause", "", []int{202, 404}},
		{"PUT", "/connectors/race/resume", "", []int{202, 404}},
		{"PUT", "/connectors/race/stop", "", []int{204, 404}},
		{"POST", "/connectors/race/restart?includeTasks=true", "", []int{202, 404}},
		{"POST", "/connectors/race/tasks/0/restart", "", []int{204, 404}},
	}
	for round := 0; round < 8; round++ {
		var wg sync.WaitGroup
		for i := 0; i < 28; i++ {
			o := ops[i%len(ops)]
			if round%2 == 0 {
				o = ops[i%2] // create and delete only
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(o.method, base+o.path, strings.NewReader(o.body))
				req.Header.Set("Content-Type", "application/json")
				res, err := ts.http.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", o.method, o.path, err)
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if !slices.Contains(o.ok, res.StatusCode) {
					t.Errorf("%s %s: %d %s, want one of %v", o.method, o.path, res.StatusCode, b, o.ok)
				}
			}()
		}
		wg.Wait()
	}
}

// TestConnectAPIDatagenSchemaFile: a datagen schema.filename that is too
// large or not a regular file is a configuration error, not a read that
// grows the server without bound (/dev/zero) or never ends (a FIFO).
func TestConnectAPIDatagenSchemaFile(t *testing.T) {
	ts := startConnect(t)
	big := filepath.Join(t.TempDir(), "big.avsc")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct{ file, want string }{
		{big, big + " is larger than 16777216 bytes"},
		// Checked after the case above, which fails without the check,
		// since reading /dev/zero unchecked exhausts the memory.
		{"/dev/zero", "/dev/zero is not a regular file"},
	} {
		body, _ := json.Marshal(map[string]string{"connector.class": "datagen", "name": "g", "kafka.topic": "t", "schema.filename": c.file})
		var out struct {
			ErrorCount int `json:"error_count"`
			Configs    []struct {
				Value struct {
					Name   string   `json:"name"`
					Errors []string `json:"errors"`
				} `json:"value"`
			} `json:"configs"`
		}
		if code := kc(t, ts, ts.ConnectURL(), "PUT", "/connector-plugins/datagen/config/validate", string(body), &out); code != 200 {
			t.Fatalf("validate %s: %d", c.file, code)
		}
		var errs []string
		for _, cf := range out.Configs {
			errs = append(errs, cf.Value.Errors...)
		}
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
			t.Fatalf("validate %s: errors %q, want one saying %q", c.file, errs, c.want)
		}
	}
}

// TestConnectAPIFileSourceBadFiles: a FileStreamSource over a file with
// no newline in 64 MiB, or over /dev/zero, fails its task with the
// reason instead of growing the server's memory without bound, and the
// connector can still be deleted.
func TestConnectAPIFileSourceBadFiles(t *testing.T) {
	ts := startConnect(t)
	base := ts.ConnectURL()
	big := filepath.Join(t.TempDir(), "one-line.txt")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: zeros, no newline
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct{ name, file, want string }{
		{"long-line", big, "is longer than 16777216 bytes"},
		// After the case above, which fails without the checks: read
		// unchecked, /dev/zero exhausts the memory.
		{"dev-zero", "/dev/zero", "/dev/zero is not a regular file"},
	} {
		body, _ := json.Marshal(map[string]any{"name": c.name, "config": map[string]string{
			"connector.class": "FileStreamSource", "file": c.file, "topic": "lines"}})
		if code := kc(t, ts, base, "POST", "/connectors", string(body), nil); code != http.StatusCreated {
			t.Fatalf("create %s: %d", c.name, code)
		}
		var st kcStateInfo
		failed := func() bool {
			st = kcStateInfo{}
			kc(t, ts, base, "GET", "/connectors/"+c.name+"/status", "", &st)
			return len(st.Tasks) == 1 && st.Tasks[0].State == connect.StateFailed
		}
		waitFor(t, c.name+"'s task to fail", failed)
		if !strings.Contains(st.Tasks[0].Trace, c.want) {
			t.Fatalf("%s: status %+v, want its task FAILED saying %q", c.name, st, c.want)
		}
		if code := kc(t, ts, base, "DELETE", "/connectors/"+c.name, "", nil); code != http.StatusNoContent {
			t.Fatalf("delete %s: %d", c.name, code)
		}
	}
}

// TestConnectAPIServerInfo: GET / of the Connect API's own listener is
// Kafka Connect's ServerInfo, its commit the build's (KIP-238 shows
// {"version","commit","kafka_cluster_id"}, the commit a 16-digit id);
// it answered "commit":"" whatever the binary knew of its commit.
func TestConnectAPIServerInfo(t *testing.T) {
	for _, tc := range []struct{ commit, want string }{
		{"a55625389a0a1a9e2e3bd7f96301fae6c53bde76", "a55625389a0a1a9e"},
		{"", ""},
	} {
		ts := startConnect(t, func(c *Config) { c.Commit = tc.commit })
		var raw json.RawMessage
		if code := kc(t, ts, ts.ConnectURL(), "GET", "/", "", &raw); code != 200 {
			t.Fatalf("GET /: %d %s", code, raw)
		}
		exactKeys(t, "GET /", raw, "version", "commit", "kafka_cluster_id")
		var got kcServerInfo
		json.Unmarshal(raw, &got)
		if want := (kcServerInfo{Version: "test", Commit: tc.want, KafkaClusterID: "eddy"}); got != want {
			t.Errorf("GET / with commit %q: %+v, want %+v", tc.commit, got, want)
		}
	}
}

package server

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"golang.org/x/crypto/bcrypt"
)

// consoleGet GETs a console endpoint and decodes its JSON reply.
func consoleGet(t *testing.T, ts *testServer, path string, v any) int {
	t.Helper()
	code, _, body := ts.do(t, ts.http, "GET", path, "", "")
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
	}
	return code
}

// TestConsoleQueryInsight: a persistent query's graph runs from its
// source topic through the repartition topic to its sink, and its lag
// covers every input partition.
func TestConsoleQueryInsight(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM clicks (id INT KEY, page STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=2);")
	id := queryID(t, ts.ksql(t, "CREATE TABLE per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page;"))
	for _, p := range []string{"'a'", "'b'", "'a'"} {
		ts.ksql(t, "INSERT INTO clicks (id, page) VALUES (1, "+p+");")
	}
	var q engine.QueryInsight
	waitFor(t, "the query to read its input", func() bool {
		return consoleGet(t, ts, "/console/api/queries/"+strings.ToLower(id), &q) == 200 && q.RecordsIn >= 3 && lagOf(q, "clicks") == 0
	})
	if q.ID != id || q.State != "RUNNING" || q.Tasks == 0 || q.RecordsOut == 0 {
		t.Errorf("insight: %+v", q)
	}
	kinds := map[string]string{}
	for _, n := range q.Topology.Nodes {
		kinds[n.ID] = n.Kind
	}
	// Follow the edges from the source: they must reach the sink through
	// the repartition topic.
	next := map[string][]string{}
	for _, e := range q.Topology.Edges {
		next[e.From] = append(next[e.From], e.To)
	}
	var src string
	for _, n := range q.Topology.Nodes {
		if n.Kind == "source" && n.Topic == "clicks" {
			src = n.ID
		}
	}
	seen := map[string]bool{}
	for todo := []string{src}; len(todo) > 0; todo = todo[1:] {
		seen[kinds[todo[0]]] = true
		todo = append(todo, next[todo[0]]...)
	}
	if src == "" || !seen["repartition-topic"] || !seen["sink"] {
		t.Errorf("topology does not lead from clicks to the sink: %+v", q.Topology)
	}
	var ends int64
	parts := 0
	for _, l := range q.Lag {
		if l.Topic == "clicks" {
			ends += l.End
			parts++
		}
	}
	if parts != 2 || ends != 3 {
		t.Errorf("lag of clicks: %d partitions ending at %d in all, want 2 and 3: %+v", parts, ends, q.Lag)
	}
	if len(q.Stores) == 0 || !strings.Contains(q.Stores[0], "changelog") {
		t.Errorf("stores: %v", q.Stores)
	}
	if code := consoleGet(t, ts, "/console/api/queries/NO_SUCH_QUERY", &q); code != http.StatusNotFound {
		t.Errorf("unknown query: %d", code)
	}
}

// queryID is the query a /ksql reply says it started.
func queryID(t *testing.T, reply string) string {
	t.Helper()
	m := regexp.MustCompile(`"queryId":"(\w+)"`).FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("no query started: %s", reply)
	}
	return m[1]
}

func lagOf(q engine.QueryInsight, topic string) int64 {
	var lag int64
	for _, l := range q.Lag {
		if l.Topic == topic {
			lag += l.Lag
		}
	}
	return lag
}

// TestConsoleSamplesAndErrors: the sampler keeps counters and lag of
// each persistent query; a record that does not deserialize shows among
// the query's latest processing errors while the query goes on.
func TestConsoleSamplesAndErrors(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	ts := startOn(t, cl, func(c *Config) { c.SampleInterval = 20 * time.Millisecond; c.SampleCount = 5 })
	ts.ksql(t, "CREATE STREAM raw (id INT KEY, v INT) WITH (kafka_topic='raw', value_format='JSON', partitions=1);")
	id := queryID(t, ts.ksql(t, "CREATE STREAM big AS SELECT id, v FROM raw WHERE v > 1;"))
	ctx := context.Background()
	if err := cl.Produce(ctx, kafka.Record{Topic: "raw", Partition: -1, Value: []byte("not json")}); err != nil {
		t.Fatal(err)
	}
	ts.ksql(t, "INSERT INTO raw (id, v) VALUES (1, 5);")
	var q engine.QueryInsight
	waitFor(t, "the bad record in the query's errors", func() bool {
		return consoleGet(t, ts, "/console/api/queries/"+id, &q) == 200 && len(q.RecentErrors) > 0 && q.RecordsOut == 1
	})
	if e := q.RecentErrors[0]; e.Kind != "DESERIALIZATION_ERROR" || e.Topic != "raw" || e.Offset != 0 || e.Message == "" {
		t.Errorf("recent error: %+v", e)
	}
	var series struct {
		IntervalMs int64 `json:"intervalMs"`
		Queries    map[string][]struct {
			RecordsIn int64  `json:"recordsIn"`
			Errors    int64  `json:"errors"`
			Lag       *int64 `json:"lag"`
		} `json:"queries"`
	}
	waitFor(t, "a full ring of samples after the records", func() bool {
		if consoleGet(t, ts, "/console/api/metrics?query="+strings.ToLower(id), &series) != 200 {
			return false
		}
		pts := series.Queries[id]
		return len(pts) == 5 && pts[0].RecordsIn == 2 && pts[0].Errors == 1
	})
	if len(series.Queries) != 1 || series.IntervalMs != 20 {
		t.Errorf("series: %+v", series)
	}
	if p := series.Queries[id][4]; p.Lag == nil || *p.Lag != 0 {
		t.Errorf("lag sample: %+v", p.Lag)
	}
	ts.ksql(t, "TERMINATE "+id+";")
	waitFor(t, "the terminated query's samples to go", func() bool {
		series.Queries = nil // Unmarshal would add to the old map
		return consoleGet(t, ts, "/console/api/metrics", &series) == 200 && len(series.Queries) == 0
	})
}

// TestConsolePageAndCredentials: the page and its assets load without
// credentials (the page asks for them); every API call needs them, and
// the console's own calls get no WWW-Authenticate, so the browser does
// not pop up its own dialog. API clients asking for / still go to /info.
func TestConsolePageAndCredentials(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ts := startMem(t, func(c *Config) { c.Users = Users{"ann": hash} })
	get := func(path string, hdr map[string]string) (int, http.Header, string) {
		req, _ := http.NewRequest("GET", ts.url+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := ts.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res.StatusCode, res.Header, b.String()
	}
	code, hdr, page := get("/", map[string]string{"Accept": "text/html,application/xhtml+xml"})
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / as a browser: %d %s", code, hdr.Get("Content-Type"))
	}
	assets := regexp.MustCompile(`/assets/[\w.-]+\.(js|css)`).FindAllString(page, -1)
	if len(assets) < 2 {
		t.Fatalf("page names no script and stylesheet:\n%s", page)
	}
	for _, a := range assets {
		if code, _, body := get(a, nil); code != 200 || len(body) == 0 {
			t.Errorf("%s: %d", a, code)
		}
		if code, hdr, _ := get(a, map[string]string{"Accept-Encoding": "gzip"}); code != 200 || hdr.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s gzipped: %d %v", a, code, hdr)
		}
	}
	// The icon, like the page, needs no credentials.
	for _, p := range []string{"/favicon.ico", "/favicon.svg"} {
		if code, hdr, body := get(p, nil); code != 200 || hdr.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
			t.Errorf("%s: %d %s", p, code, hdr.Get("Content-Type"))
		}
	}
	if code, hdr, _ := get("/", nil); code != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("GET / as an API client without credentials: %d", code)
	}
	if code, hdr, _ := get("/console/api/metrics", nil); code != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("metrics without credentials: %d %v", code, hdr)
	}
	if code, hdr, _ := get("/console/api/metrics", map[string]string{consoleHeader: "1"}); code != 401 || hdr.Get("WWW-Authenticate") != "" {
		t.Errorf("the console's call without credentials: %d %v", code, hdr)
	}
	req, _ := http.NewRequest("GET", ts.url+"/console/api/metrics", nil)
	req.SetBasicAuth("ann", "pw")
	res, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("metrics with credentials: %d", res.StatusCode)
	}
}

// TestConsoleJoinGraph: both sides of a stream-table join meet in one
// join node of the graph.
func TestConsoleJoinGraph(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM orders (id INT KEY, uid STRING) WITH (kafka_topic='orders', value_format='JSON', partitions=1);")
	ts.ksql(t, "CREATE TABLE users (uid STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);")
	id := queryID(t, ts.ksql(t, "CREATE STREAM enriched AS SELECT o.uid, o.id, u.name FROM orders o JOIN users u ON o.uid = u.uid;"))
	var q engine.QueryInsight
	if code := consoleGet(t, ts, "/console/api/queries/"+id, &q); code != 200 {
		t.Fatalf("insight: %d", code)
	}
	byID := map[string]string{}
	for _, n := range q.Topology.Nodes {
		byID[n.ID] = n.Kind + ":" + n.Topic
	}
	joins := 0
	for id, k := range byID {
		if !strings.HasPrefix(k, "join:") {
			continue
		}
		joins++
		// Everything upstream of the join, through repartitions if any.
		up := map[string]bool{}
		for todo := []string{id}; len(todo) > 0; todo = todo[1:] {
			for _, e := range q.Topology.Edges {
				if e.To == todo[0] && !up[e.From] {
					up[e.From] = true
					todo = append(todo, e.From)
				}
			}
		}
		var srcs []string
		for n := range up {
			if k := byID[n]; strings.Contains(k, "source:") {
				srcs = append(srcs, k)
			}
		}
		if len(srcs) != 2 {
			t.Errorf("join fed by %v, want both sources: %+v", srcs, q.Topology)
		}
	}
	if joins != 1 {
		t.Errorf("%d join nodes, want 1: %+v", joins, q.Topology)
	}
}

// TestConsoleCheck: /console/api/check finds the first statement of a
// script that does not parse, before any runs, following the script's
// DEFINE as the shell's check does; it runs nothing.
func TestConsoleCheck(t *testing.T) {
	ts := startMem(t, nil)
	check := func(stmts []string, vars map[string]string) map[string]any {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"statements": stmts, "sessionVariables": vars})
		code, _, body := ts.do(t, ts.http, "POST", "/console/api/check", "", string(b))
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); code != 200 || err != nil {
			t.Fatalf("check: %d %s", code, body)
		}
		return out
	}
	create := "CREATE STREAM s1 (id INT KEY) WITH (kafka_topic='s1', value_format='JSON', partitions=1);"
	got := check([]string{create, "DEFINE w = 'x';", "SELECT * FROM s1\nWHERE id = = 1 EMIT CHANGES;"}, nil)
	if got["statement"] != 2.0 || !strings.HasPrefix(got["message"].(string), "line 2:") {
		t.Errorf("syntax error in the third statement: %v", got)
	}
	// ${w} is defined by the script's DEFINE, ${v} by the session.
	if got := check([]string{"DEFINE w = 'S1';", "SELECT * FROM ${w} WHERE id = ${v} EMIT CHANGES;"}, map[string]string{"v": "1"}); got["statement"] != -1.0 {
		t.Errorf("a well-formed script: %v", got)
	}
	if strings.Contains(ts.ksql(t, "SHOW STREAMS;"), "S1") {
		t.Error("the check ran a statement")
	}
}

// TestConsoleAssetBadNames: an asset name no file can have (invalid
// UTF-8) or a missing asset is a 404, never the file server's 500, and
// a 404 is not cached for a year as the assets are.
func TestConsoleAssetBadNames(t *testing.T) {
	ts := startMem(t, nil)
	for _, p := range []string{"/assets/%FF", "/assets/a%FEb.js", "/assets/nope.js", "/assets/%00"} {
		res, err := ts.http.Get(ts.url + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
			t.Errorf("GET %s: a 404 cached for good (%s)", p, cc)
		}
	}
}

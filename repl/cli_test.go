package repl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/repl"
)

// TestSpoolCopiesWhatIsShown: between `spool FILE` and `spool OFF` the
// file receives exactly what the session showed (results, messages and
// errors, in order); before and after, nothing. A second spool appends.
func TestSpoolCopiesWhatIsShown(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "session.txt")
	var screen strings.Builder
	script := strings.Join([]string{
		"CREATE STREAM before_spool (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"spool " + file,
		"INSERT INTO before_spool (id, v) VALUES (1, 'one');",
		"SET 'auto.offset.reset'='earliest';",
		"SELECT * FROM before_spool EMIT CHANGES LIMIT 1;",
		"DROP STREAM nope;",
		"SHOW STREAMS;",
		"spool",
		"spool OFF",
		"CREATE STREAM after_spool (id INT KEY) WITH (kafka_topic='a', value_format='JSON', partitions=1);",
	}, "\n")
	err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &screen, Err: &screen, ContinueOnError: true}, script)
	if err == nil {
		t.Fatal("the DROP of a missing stream did not fail the script")
	}
	b, rerr := os.ReadFile(file)
	if rerr != nil {
		t.Fatal(rerr)
	}
	shown := screen.String()
	start := strings.Index(shown, "until 'spool OFF')\n")
	end := strings.LastIndex(shown, "Spool: OFF\n")
	if start < 0 || end < 0 {
		t.Fatalf("no spool messages:\n%s", shown)
	}
	want := shown[start+len("until 'spool OFF')\n") : end]
	if string(b) != want {
		t.Errorf("spool file differs from the screen\n--- file\n%s\n--- screen between spool and spool OFF\n%s", b, want)
	}
	for _, w := range []string{"|1 ", "one", "Limit Reached", "nope", "BEFORE_SPOOL", "Spool: " + file} {
		if !strings.Contains(string(b), w) {
			t.Errorf("spool file lacks %q:\n%s", w, b)
		}
	}
	if strings.Contains(string(b), "Stream created") {
		t.Errorf("spool file holds output from before or after the spool:\n%s", b)
	}

	// A second spool to the same file appends.
	screen.Reset()
	if err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &screen, Err: &screen}, "spool "+file+"\nSHOW TOPICS;\n"); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(b2), string(b)) || !strings.Contains(string(b2[len(b):]), "Kafka Topic") {
		t.Errorf("second spool did not append:\n%s", b2)
	}
}

// recordingProxy passes requests on to the real server at target and
// records the commandSequenceNumber of each /ksql and /query request
// (-2 when it has none).
func recordingProxy(t *testing.T, target string) (string, func() []int64) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	var seqs []int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ksql" || r.URL.Path == "/query" {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			var req struct {
				Seq *int64 `json:"commandSequenceNumber"`
			}
			json.Unmarshal(b, &req)
			seq := int64(-2)
			if req.Seq != nil {
				seq = *req.Seq
			}
			mu.Lock()
			seqs = append(seqs, seq)
			mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []int64 {
		mu.Lock()
		defer mu.Unlock()
		return append([]int64(nil), seqs...)
	}
}

// TestRequestPipelining: OFF (the default) every request after a command
// carries its sequence number, so the server waits until it has applied
// it; ON none does; OFF again they carry it again. The in-process engine
// accepts the command and says that it never waits.
func TestRequestPipelining(t *testing.T) {
	proxy, seqs := recordingProxy(t, serve(t, newEngine(t), nil))
	script := strings.Join([]string{
		"request-pipelining",
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"SHOW STREAMS;",
		"request-pipelining ON",
		"SHOW STREAMS;",
		"SELECT * FROM s;",
		"request-pipelining off",
		"SHOW STREAMS;",
		"SELECT * FROM s;",
	}, "\n")
	var out, errw strings.Builder
	c := newHTTPClient(t, proxy, repl.HTTPOptions{})
	if err := repl.RunScript(context.Background(), repl.Options{Client: c, Out: &out, Err: &errw}, script); err != nil {
		t.Fatalf("%v\n%s%s", err, out.String(), errw.String())
	}
	got := seqs()
	if len(got) != 6 || got[0] != -2 || got[1] < 0 || got[2] != -2 || got[3] != -2 || got[4] != got[1] || got[5] != got[1] {
		t.Errorf("commandSequenceNumber sent: %v (want none, N, none, none, N, N)", got)
	}
	if strings.Count(out.String(), "Request pipelining: OFF") != 2 || strings.Count(out.String(), "Request pipelining: ON") != 1 {
		t.Errorf("output:\n%s", out.String())
	}

	out.Reset()
	if err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &out, Err: &errw}, "request-pipelining ON\n"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Request pipelining: ON") || !strings.Contains(out.String(), "never wait") {
		t.Errorf("in process:\n%s", out.String())
	}
	if err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &out, Err: &errw}, "request-pipelining maybe\n"); err == nil {
		t.Errorf("request-pipelining maybe accepted")
	}
}

// connectHTTP is a Connector for the `server` command, as eddy's.
func connectHTTP(t *testing.T) repl.Connector {
	return func(ctx context.Context, url string) (repl.Client, string, func(), error) {
		c, err := repl.NewHTTPClient(url, repl.HTTPOptions{})
		if err != nil {
			return nil, "", nil, err
		}
		if _, err := c.Info(ctx); err != nil {
			c.Close()
			return nil, "", nil, err
		}
		return c, "", c.Close, nil
	}
}

// TestServerSwitchKeepsCommandSequence: after `server URL` the first
// request carries the new server's last command (so it waits for what
// that server has applied), not none; on a server of another service
// with no commands at all it carries none.
func TestServerSwitchKeepsCommandSequence(t *testing.T) {
	first, seqs1 := recordingProxy(t, serve(t, newEngine(t), nil))
	second, seqs2 := recordingProxy(t, serve(t, newEngine(t), nil))
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	other, err := engine.New(context.Background(), engine.Options{Cluster: cl, ServiceID: "other_"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	third, seqs3 := recordingProxy(t, serve(t, other, nil))

	// Three commands on the second server: its last is 2.
	for _, name := range []string{"a", "b", "c"} {
		if _, err := newHTTPClient(t, second, repl.HTTPOptions{}).Execute(context.Background(),
			"CREATE STREAM "+name+" (id INT KEY) WITH (kafka_topic='"+name+"', value_format='JSON', partitions=1);", nil); err != nil {
			t.Fatal(err)
		}
	}
	before := len(seqs2())
	script := strings.Join([]string{
		"CREATE STREAM s (id INT KEY) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"server " + second,
		"SHOW STREAMS;",
		"server " + third,
		"SHOW STREAMS;",
	}, "\n")
	var out, errw strings.Builder
	c := newHTTPClient(t, first, repl.HTTPOptions{})
	if err := repl.RunScript(context.Background(), repl.Options{Client: c, Connect: connectHTTP(t), Out: &out, Err: &errw}, script); err != nil {
		t.Fatalf("%v\n%s%s", err, out.String(), errw.String())
	}
	if got := seqs1(); len(got) != 1 || got[0] != -2 {
		t.Errorf("first server: %v", got)
	}
	if got := seqs2()[before:]; len(got) != 1 || got[0] != 2 {
		t.Errorf("commandSequenceNumber of the first request after the switch: %v (want [2], the second server's last command)", got)
	}
	if got := seqs3(); len(got) != 1 || got[0] != -2 {
		t.Errorf("on a server with no commands: %v (want none)", got)
	}
}

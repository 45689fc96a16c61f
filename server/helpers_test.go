package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testServer is a server on a free port over an engine.
type testServer struct {
	*Server
	eng *engine.Engine
	// cluster is the engine's, when the test started it (startOn).
	cluster kafka.Cluster
	url     string
	http    *http.Client // HTTP/1.1
	h2c     *http.Client // cleartext HTTP/2 with prior knowledge
}

// startMem serves an engine over the synchronous in-memory cluster.
func startMem(t testing.TB, mod func(*Config)) *testServer {
	t.Helper()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	return startOn(t, cl, mod)
}

// startEmbedded serves an engine over the real embedded broker.
func startEmbedded(t testing.TB, mod func(*Config)) *testServer {
	t.Helper()
	return startOn(t, embeddedCluster(t), mod)
}

// embeddedCluster is a client of a new embedded broker, closed with
// the test.
func embeddedCluster(t testing.TB) *kafka.Client {
	t.Helper()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: "eddy-server-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func startOn(t testing.TB, cl kafka.Cluster, mod func(*Config)) *testServer {
	t.Helper()
	eng, err := engine.New(context.Background(), engine.Options{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	ts := serveEngine(t, eng, mod)
	ts.cluster = cl
	return ts
}

// serveEngine serves eng until the test ends, then closes both.
func serveEngine(t testing.TB, eng *engine.Engine, mod func(*Config)) *testServer {
	t.Helper()
	t.Cleanup(func() { eng.Close() })
	cfg := Config{Engine: eng, Listen: "127.0.0.1:0", Version: "test", KafkaClusterID: "eddy", Logf: t.Logf}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	h1 := &http.Client{Transport: &http.Transport{}}
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	h2 := &http.Client{Transport: &http.Transport{Protocols: p}}
	t.Cleanup(h1.CloseIdleConnections)
	t.Cleanup(h2.CloseIdleConnections)
	return &testServer{Server: s, eng: eng, url: s.URL(), http: h1, h2c: h2}
}

// do sends a request and returns the status and body.
func (ts *testServer) do(t testing.TB, c *http.Client, method, path, accept, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return res.StatusCode, res.Header, string(b)
}

// ksql posts statements to /ksql and fails the test unless it gets 200.
func (ts *testServer) ksql(t testing.TB, stmts string) string {
	t.Helper()
	code, _, body := ts.do(t, ts.http, "POST", "/ksql", "", ksqlBody(stmts))
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", stmts, code, body)
	}
	return body
}

func ksqlBody(stmts string) string {
	b, _ := json.Marshal(map[string]any{"ksql": stmts, "streamsProperties": map[string]any{}})
	return string(b)
}

// scrub replaces what changes from run to run.
var scrubbers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`transient_([A-Z0-9_]+?)_-?\d+`), "transient_${1}_N"},
	{regexp.MustCompile(`"commandSequenceNumber":\s*\d+`), `"commandSequenceNumber": N`},
	// Times in DESCRIBE EXTENDED's statistics.
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`), "TIME"},
}

func scrub(s string) string {
	for _, sc := range scrubbers {
		s = sc.re.ReplaceAllString(s, sc.with)
	}
	return s
}

// golden compares a reply (status and JSON body, indented, key order
// kept) with testdata/golden/name.json.
func golden(t *testing.T, name string, status int, body string) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(body), "", "  "); err != nil {
		buf.Reset()
		buf.WriteString(body)
	}
	got := scrub("status " + http.StatusText(status) + "\n" + buf.String() + "\n")
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// annUsers are the users of an auth file that lets in ann with the
// password s3cret.
func annUsers(t testing.TB) Users {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(path, []byte("ann:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := LoadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return users
}

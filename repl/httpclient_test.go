package repl_test

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/server"
	"golang.org/x/crypto/bcrypt"
)

// newEngine is an engine over the in-memory cluster.
func newEngine(t *testing.T) *engine.Engine {
	t.Helper()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	eng, err := engine.New(context.Background(), engine.Options{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// serve starts a REST server over eng and returns its URL.
func serve(t *testing.T, eng *engine.Engine, users server.Users) string {
	t.Helper()
	s, err := server.New(server.Config{Engine: eng, Listen: "127.0.0.1:0", Users: users, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s.URL()
}

func newHTTPClient(t *testing.T, url string, o repl.HTTPOptions) *repl.HTTPClient {
	t.Helper()
	c, err := repl.NewHTTPClient(url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

const parityScript = `
CREATE STREAM clicks (uid STRING KEY, url STRING, n BIGINT, score DOUBLE) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
INSERT INTO clicks (uid, url, n, score) VALUES ('u1', '/a', 9007199254740993, 1.0);
INSERT INTO clicks (uid, url, n, score) VALUES ('u2', '/b', 2, 0.5);
INSERT INTO clicks (uid, url, n, score) VALUES ('u3', '/$${who}', 3, 0.25);
SET 'auto.offset.reset' = 'earliest';
SELECT uid, url, n, score FROM clicks EMIT CHANGES LIMIT 2;
SELECT * FROM clicks;
SHOW STREAMS;
DESCRIBE clicks;
CREATE STREAM slow AS SELECT * FROM clicks WHERE n > 1;
CREATE SOURCE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);
SELECT * FROM users;
SHOW QUERIES;
DROP STREAM nope;
SELECT nope FROM clicks EMIT CHANGES;
CREATE STREM x;
DEFINE who = 'u1';
SHOW VARIABLES;
`

// TestShellParity runs one script through the shell twice, in process
// and over HTTP, and expects the same screen.
func TestShellParity(t *testing.T) {
	run := func(c repl.Client) (string, string) {
		var out, errw strings.Builder
		err := repl.RunScript(context.Background(), repl.Options{Client: c, Out: &out, Err: &errw, ContinueOnError: true, Source: "parity.sql"}, parityScript)
		if !errors.Is(err, repl.ErrStatementFailed) {
			t.Fatalf("script with three failing statements: %v", err)
		}
		return out.String(), errw.String()
	}
	local, localErr := run(newEngine(t))
	remote, remoteErr := run(newHTTPClient(t, serve(t, newEngine(t), nil), repl.HTTPOptions{}))
	if local != remote {
		t.Errorf("stdout differs\n--- in process\n%s\n--- over HTTP\n%s", local, remote)
	}
	t.Logf("stderr:\n%s", localErr)
	if localErr != remoteErr {
		t.Errorf("stderr differs\n--- in process\n%s\n--- over HTTP\n%s", localErr, remoteErr)
	}
	// $${who} is the literal ${who}, in process as over HTTP.
	if strings.Contains(local, "/$${who}") || !strings.Contains(local, "/${who}") {
		t.Errorf("$${who} did not arrive as ${who}:\n%s", local)
	}
	for _, want := range []string{"9007199254740993", "1.0", "Stream created", "CLICKS"} {
		if !strings.Contains(remote, want) {
			t.Errorf("output lacks %q:\n%s", want, remote)
		}
	}
}

// TestHTTPClientErrors covers an unreachable server, a statement error
// and PRINT ended by the caller.
func TestHTTPClientErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	c := newHTTPClient(t, dead, repl.HTTPOptions{Retries: 2, RetryWait: 10 * time.Millisecond})
	start := time.Now()
	_, err = c.Execute(context.Background(), "SHOW STREAMS;", nil)
	var ue *repl.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Could not reach the eddy server at "+dead) {
		t.Fatalf("unreachable: %v", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("gave up after %v without retrying", d)
	}

	eng := newEngine(t)
	c = newHTTPClient(t, serve(t, eng, nil), repl.HTTPOptions{})
	_, err = c.Execute(context.Background(), "DROP STREAM nope;", nil)
	var se *repl.ServerError
	if !errors.As(err, &se) || se.Code != 40001 || se.Status != 400 {
		t.Fatalf("statement error: %#v", err)
	}
	// A request whose second statement fails runs nothing: the server
	// validates all statements before running any.
	create := "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);"
	ents, err := c.Execute(context.Background(), create+" DROP STREAM nope;", nil)
	if err == nil || len(ents) != 0 {
		t.Fatalf("request with a failing statement: %v %v", ents, err)
	}
	if len(eng.Sources()) != 0 {
		t.Fatal("a statement ran although a later one was invalid")
	}
	if _, err := c.Execute(context.Background(), create, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Execute(context.Background(), "INSERT INTO s (id, v) VALUES (1, 'a'); INSERT INTO s (id, v) VALUES (2, 'b');", nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var lines []string
	err = c.Print(ctx, "PRINT s FROM BEGINNING;", nil, func(line string) error {
		lines = append(lines, line)
		if len(lines) == 4 {
			cancel()
		}
		return nil
	})
	if err != nil || len(lines) != 4 || !regexp.MustCompile(`^rowtime: .*, key: 2, value: \{"V":"b"\}, partition: 0$`).MatchString(lines[3]) {
		t.Fatalf("PRINT: %v %q", err, lines)
	}
}

// TestHTTPClientRetriesUntilUp starts the server after the first attempt.
func TestHTTPClientRetriesUntilUp(t *testing.T) {
	eng := newEngine(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := server.New(server.Config{Engine: eng, Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		if err := s.Start(); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	c := newHTTPClient(t, "http://"+addr, repl.HTTPOptions{Retries: 6, RetryWait: 50 * time.Millisecond})
	info, err := c.Info(context.Background())
	if err != nil || info.ServiceID != "default_" {
		t.Fatalf("info after retries: %+v %v", info, err)
	}
}

// TestHTTPClientGivesUpOnASilentPort: a port that accepts connections but
// never answers in HTTP (a Kafka broker's, say) fails the first request
// with a clear error instead of holding the shell forever.
func TestHTTPClientGivesUpOnASilentPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	c := newHTTPClient(t, "http://"+ln.Addr().String(), repl.HTTPOptions{InfoTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.Info(ctx)
	var unreachable *repl.UnreachableError
	if !errors.As(err, &unreachable) || !strings.Contains(err.Error(), "no HTTP reply within 300ms") {
		t.Fatalf("info from a silent port: %v", err)
	}
}

// TestHTTPClientAuth: without credentials the server answers 401 and the
// shell says what to do; with them it works.
func TestHTTPClientAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, newEngine(t), server.Users{"ann": hash})
	_, err = newHTTPClient(t, url, repl.HTTPOptions{}).Execute(context.Background(), "SHOW STREAMS;", nil)
	var se *repl.ServerError
	if !errors.As(err, &se) || se.Status != 401 || !strings.Contains(se.Message, "--user") {
		t.Fatalf("no credentials: %v", err)
	}
	_, err = newHTTPClient(t, url, repl.HTTPOptions{User: "ann", Password: "nope"}).Execute(context.Background(), "SHOW STREAMS;", nil)
	if !errors.As(err, &se) || se.Status != 401 {
		t.Fatalf("wrong password: %v", err)
	}
	ents, err := newHTTPClient(t, url, repl.HTTPOptions{User: "ann", Password: "s3cret"}).Execute(context.Background(), "SHOW STREAMS;", nil)
	if err != nil || len(ents) != 1 {
		t.Fatalf("with credentials: %v %v", ents, err)
	}
}

// TestShellStructFieldOrder: the shell prints a STRUCT's fields in the
// order of its schema, in process and over HTTP (where the rows arrive as
// JSON objects a Go map would sort).
func TestShellStructFieldOrder(t *testing.T) {
	const script = `
CREATE STREAM s (id INT KEY, v STRUCT<zeta INT, alpha STRING, mid STRUCT<y INT, b INT>>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
INSERT INTO s (id, v) VALUES (1, STRUCT(zeta := 1, alpha := 'a', mid := STRUCT(y := 2, b := 3)));
SET 'auto.offset.reset' = 'earliest';
SELECT v, ARRAY[STRUCT(z := 1, a := 2)] AS w FROM s EMIT CHANGES LIMIT 1;
`
	for name, c := range map[string]repl.Client{
		"in process": newEngine(t),
		"over HTTP":  newHTTPClient(t, serve(t, newEngine(t), nil), repl.HTTPOptions{}),
	} {
		var out, errw strings.Builder
		if err := repl.RunScript(context.Background(), repl.Options{Client: c, Out: &out, Err: &errw, Source: "struct.sql"}, script); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, errw.String())
		}
		for _, want := range []string{`{ZETA=1, ALPHA=a, MID={Y=2, B=3}}`, `[{Z=1, A=2}]`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: output lacks %s:\n%s", name, want, out.String())
			}
		}
	}
}

// TestTerminatePushQuery: a push query running in one shell is listed by
// SHOW QUERIES in another and ended there by TERMINATE with its id; the
// first shell says so and goes on.
func TestTerminatePushQuery(t *testing.T) {
	url := serve(t, newEngine(t), nil)
	other := newHTTPClient(t, url, repl.HTTPOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := other.Execute(ctx, "CREATE STREAM s (v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);", nil); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- repl.RunScript(ctx, repl.Options{Client: newHTTPClient(t, url, repl.HTTPOptions{}), Out: &out, Err: io.Discard},
			"SELECT v FROM s EMIT CHANGES;\nSHOW STREAMS;\n")
	}()
	var push *api.RunningQuery
	for push == nil && ctx.Err() == nil {
		ents, err := other.Execute(ctx, "SHOW QUERIES;", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range ents[0].(*api.QueriesList).Queries {
			if q.QueryType == "PUSH" {
				push = &q
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if push == nil || !strings.HasPrefix(push.QueryString, "SELECT v FROM s EMIT CHANGES") || push.State != "RUNNING" {
		t.Fatalf("SHOW QUERIES: push query %+v", push)
	}
	if _, err := other.Execute(ctx, "TERMINATE "+push.ID+";", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the shell after TERMINATE: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the push query went on after TERMINATE")
	}
	if !strings.Contains(out.String(), "Query terminated\n") || !strings.Contains(out.String(), "Stream Name") {
		t.Errorf("shell output:\n%s", out.String())
	}
	ents, err := other.Execute(ctx, "SHOW QUERIES;", nil)
	if err != nil || len(ents[0].(*api.QueriesList).Queries) != 0 {
		t.Errorf("SHOW QUERIES after TERMINATE: %+v %v", ents, err)
	}
}

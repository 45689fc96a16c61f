package repl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/server"
)

// serveWith starts a REST server over a new engine that has run stmts,
// and returns its URL.
func serveWith(t *testing.T, stmts ...string) string {
	t.Helper()
	eng, err := engine.New(context.Background(), engine.Options{Cluster: kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	for _, st := range stmts {
		if _, err := eng.Execute(context.Background(), st, nil); err != nil {
			t.Fatal(err)
		}
	}
	s, err := server.New(server.Config{Engine: eng, Listen: "127.0.0.1:0", Logf: t.Logf})
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

// slowProxy passes requests on to target, each after delay.
func slowProxy(t *testing.T, target string, delay time.Duration) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ksql" {
			time.Sleep(delay)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestServerSwitchForgetsCompletionNames: after `server URL`, Tab no
// longer offers the old server's streams while the new server's names
// are on their way (here it answers slowly); once they come, Tab offers
// those.
func TestServerSwitchForgetsCompletionNames(t *testing.T) {
	create := func(name string) string {
		return "CREATE STREAM " + name + " (id INT KEY) WITH (kafka_topic='" + name + "', value_format='JSON', partitions=1);"
	}
	first := serveWith(t, create("old_one"))
	second := slowProxy(t, serveWith(t, create("new_one")), time.Second)
	connect := func(ctx context.Context, url string) (Client, string, func(), error) {
		c, err := NewHTTPClient(url, HTTPOptions{})
		if err != nil {
			return nil, "", nil, err
		}
		return c, "", c.Close, nil
	}
	c, err := NewHTTPClient(first, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out strings.Builder
	s, err := newShell(Options{Client: c, Connect: connect, Out: &out, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.client.release()
	comp := newCompleter(s.client)
	wantCompletions(t, comp, "SELECT * FROM O", "SELECT * FROM OLD_ONE ")

	if handled, err := s.command(context.Background(), "server "+second); !handled || err != nil {
		t.Fatalf("server: %v %v", handled, err)
	}
	comp.statementDone() // as the prompt after the command does
	if got := complete(t, comp, "SELECT * FROM O"); len(got) != 0 {
		t.Errorf("after the switch Tab offers %q, the old server's", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := complete(t, comp, "SELECT * FROM N")
		if len(got) == 1 && got[0] == "SELECT * FROM NEW_ONE " {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new server's names never came: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package server

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
)

// TestHealthcheckReportsUnappliedCommands: a command in the log that the
// server cannot apply (here one that another writer put there) turns the
// command runner and the server unhealthy in /healthcheck, so a diverged
// catalog shows instead of passing silently.
func TestHealthcheckReportsUnappliedCommands(t *testing.T) {
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	cl, err := kafka.Dial(context.Background(), kafka.Config{Brokers: []string{emb.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ts := startOn(t, cl, func(c *Config) { c.HealthCheckInterval = time.Millisecond })
	check := func() (bool, bool) {
		code, _, body := ts.do(t, ts.http, "GET", "/healthcheck", "", "")
		if code != 200 {
			t.Fatalf("/healthcheck: %d %s", code, body)
		}
		var h health
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatal(err)
		}
		return h.IsHealthy, h.Details["commandRunner"].IsHealthy
	}
	if all, runner := check(); !all || !runner {
		t.Fatalf("a fresh server is unhealthy: %v %v", all, runner)
	}
	bad := kafka.Record{Topic: metastore.CommandTopic("default_"), Partition: 0,
		Value: []byte(`{"statement":"DROP STREAM NO_SUCH_STREAM;","version":1}`)}
	if err := cl.Produce(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		all, runner := check()
		if !all && !runner {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/healthcheck still healthy after a command that cannot be applied")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

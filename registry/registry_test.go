package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

func TestConcurrentRegistrations(t *testing.T) {
	cluster := newMem(t)
	r, base := startRegistry(t, cluster)
	const n = 16
	ids := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half through HTTP, half through Go; pairs share a schema.
			s := fmt.Sprintf(`{"type":"record","name":"R%d","fields":[]}`, i/2)
			if i%2 == 0 {
				ids[i] = register(t, base, fmt.Sprintf("s%d", i), schemaRequest{Schema: s})
				return
			}
			id, _, err := r.Register(context.Background(), fmt.Sprintf("s%d", i), Schema{Schema: s})
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i := 0; i < n; i += 2 {
		if ids[i] != ids[i+1] {
			t.Errorf("same schema under s%d and s%d: ids %d and %d", i, i+1, ids[i], ids[i+1])
		}
		if seen[ids[i]] {
			t.Errorf("id %d handed out twice", ids[i])
		}
		seen[ids[i]] = true
	}
	recs, err := cluster.ReadAll(context.Background(), DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	schemas := 0
	for _, rec := range recs {
		if rec.Value != nil {
			schemas++
		}
	}
	if schemas != n {
		t.Errorf("%d schema records in the topic, want %d", schemas, n)
	}
}

func TestSkipsMalformedRecords(t *testing.T) {
	cluster := newMem(t)
	ctx := context.Background()
	if err := cluster.CreateTopic(ctx, kafka.TopicInfo{Name: "_s", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	err := cluster.Produce(ctx,
		kafka.Record{Topic: "_s", Key: []byte("garbage"), Value: []byte("x")},
		kafka.Record{Topic: "_s", Key: schemaKey("a", 1), Value: []byte(`{"subject":"a"}`)},
		kafka.Record{Topic: "_s", Key: schemaKey("a", 1), Value: []byte(`{"subject":"b","version":1,"id":1,"schema":"\"int\""}`)},
		kafka.Record{Topic: "_s", Key: configKey(nil), Value: []byte(`{"compatibilityLevel":"SIDEWAYS"}`)},
		kafka.Record{Topic: "_s", Key: []byte(`{"keytype":"MODE","magic":0}`), Value: []byte(`{"mode":"READONLY"}`)},
		kafka.Record{Topic: "_s", Key: schemaKey("a", 3), Value: []byte(`{"subject":"a","version":3,"id":7,"schema":"\"int\""}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	var mu sync.Mutex
	r, err := New(ctx, Config{Cluster: cluster, Topic: "_s", Logf: func(f string, a ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(f, a...))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mu.Lock()
	if len(logs) != 4 {
		t.Errorf("logged %d lines, want 4: %q", len(logs), logs)
	}
	mu.Unlock()
	if r.GlobalCompatibility() != Backward {
		t.Errorf("global level = %s", r.GlobalCompatibility())
	}
	id, v, err := r.Register(ctx, "a", Schema{Schema: `"long"`})
	if err != nil || id != 8 || v != 4 {
		t.Fatalf("Register after replay = %d, %d, %v; want id 8, version 4", id, v, err)
	}
	if _, err := r.SchemaByID(ctx, 99); !IsNotFound(err) {
		t.Fatalf("SchemaByID(99) = %v", err)
	}
	if _, err := r.Latest("zz"); ErrorCode(err) != CodeSubjectNotFound {
		t.Fatalf("Latest(zz) = %v", err)
	}
}

func TestServeShutdown(t *testing.T) {
	r, err := New(context.Background(), Config{Cluster: newMem(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := r.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr2, err := r.Serve(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/subjects"); err != nil {
		t.Fatal(err)
	}
	cancel() // stops the first server only
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/subjects")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still up after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr2 + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := http.Get("http://" + addr2 + "/subjects"); err == nil {
		t.Fatal("server still up after Close")
	}
	if _, _, err := r.Register(context.Background(), "s", Schema{Schema: `"int"`}); ErrorCode(err) != CodeStore {
		t.Fatalf("Register after Close = %v, want a store error", err)
	}
	if _, err := r.Serve(context.Background(), "127.0.0.1:0"); err == nil {
		t.Fatal("Serve after Close succeeded")
	}
}

// TestEquivalentAvroSchemasAreOne: an Avro schema written with its
// members in another order, or a primitive as {"type": …}, is the schema
// registered already, as Confluent's registry compares Avro's rendering
// of them (a lookup answered 40403 and a registration made a version).
func TestEquivalentAvroSchemasAreOne(t *testing.T) {
	r, _ := startRegistry(t, newMem(t))
	ctx := context.Background()
	first := `{"type":"record","name":"Reading","namespace":"io.x","fields":[{"name":"id","type":"long"},{"name":"note","type":["null",{"type":"string"}],"default":null}]}`
	same := `{ "fields": [ {"type": {"type": "long"}, "name": "id"}, {"default": null, "name": "note", "type": ["null", "string"]} ], "namespace": "io.x", "name": "Reading", "type": "record" }`
	id, version, err := r.Register(ctx, "readings-value", Schema{Schema: first})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := r.Lookup("readings-value", Schema{Schema: same}, false)
	if err != nil || sv.ID != id || sv.Version != version {
		t.Errorf("lookup of the same schema reordered: %+v %v, want id %d version %d", sv, err, id, version)
	}
	id2, version2, err := r.Register(ctx, "readings-value", Schema{Schema: same})
	if err != nil || id2 != id || version2 != version {
		t.Errorf("registering it again: id %d version %d %v, want %d %d", id2, version2, err, id, version)
	}
	p1, _, err := r.Register(ctx, "plain-value", Schema{Schema: `{"type":"string"}`})
	if err != nil {
		t.Fatal(err)
	}
	if p2, v2, err := r.Register(ctx, "plain-value", Schema{Schema: `"string"`}); err != nil || p2 != p1 || v2 != 1 {
		t.Errorf(`"string" after {"type":"string"}: id %d version %d %v, want id %d version 1`, p2, v2, err, p1)
	}
	// Field order is the schema's: not the same one.
	swapped := `{"type":"record","name":"Reading","namespace":"io.x","fields":[{"name":"note","type":["null","string"],"default":null},{"name":"id","type":"long"}]}`
	if sv, err := r.Lookup("readings-value", Schema{Schema: swapped}, false); err == nil {
		t.Errorf("fields in another order found as version %d", sv.Version)
	}
}

// TestStalledBodyIsCut: a client that sends a request's headers and part
// of its body, then nothing, has its connection closed after
// Config.BodyTimeout, and nothing is registered. Before, the registry
// waited for the rest for good, a goroutine and a connection each.
func TestStalledBodyIsCut(t *testing.T) {
	r, err := New(context.Background(), Config{Cluster: newMem(t), BodyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr, err := r.Serve(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const part = `{"schema": "\"str`
	fmt.Fprintf(conn, "POST /subjects/stalled-value/versions HTTP/1.1\r\nHost: registry\r\n"+
		"Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: 100\r\n\r\n%s", part)
	// Far beyond the bound: reaching it means the server never let go.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	answer, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection with a stalled body was still open after 30 s (read %q)", answer)
	}
	if !strings.HasPrefix(string(answer), "HTTP/1.1 408 ") || !strings.Contains(string(answer), "did not arrive in time") {
		t.Errorf("answer to the stalled body: %q (%v), want a 408 that says why", answer, err)
	}
	resp, err := http.Get("http://" + addr + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("GET /subjects after the stalled request: %d %s", resp.StatusCode, body)
	}
}

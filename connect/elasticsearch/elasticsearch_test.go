package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// These tests write to a real Elasticsearch-compatible server
// (ZincSearch, ES_URL) and read back what it holds.

type testContext struct {
	mu      sync.Mutex
	logs    []string
	retries []error
}

// Retrying makes testContext a connect.RetryReporter, as the runtime's
// task context is.
func (c *testContext) Retrying(_ time.Duration, err error) {
	c.mu.Lock()
	c.retries = append(c.retries, err)
	c.mu.Unlock()
}

// Written completes connect.RetryReporter.
func (c *testContext) Written() {}

func (c *testContext) Logf(format string, args ...any) {
	c.mu.Lock()
	c.logs = append(c.logs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}
func (c *testContext) SetProgress(string) {}

// uniqueTopic gives each test its own index, upper case included to see
// the index name lower-cased.
func uniqueTopic(t *testing.T) string {
	return fmt.Sprintf("Eddy_%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano())
}

func startTask(t *testing.T, cfg connect.Config) (*task, *testContext) {
	t.Helper()
	reg := connect.NewRegistry()
	Register(reg)
	p, ok := reg.Lookup("elasticsearch")
	if !ok {
		t.Fatal("alias elasticsearch not registered")
	}
	st, err := p.NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc := &testContext{}
	if err := st.Start(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Stop() })
	return st.(*task), tc
}

var ratingSchema = &connect.Schema{Type: connect.StructT, Name: "ratings", Fields: []connect.Field{
	{Name: "rating_id", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "user_id", Schema: &connect.Schema{Type: connect.Int32}},
	{Name: "stars", Schema: &connect.Schema{Type: connect.Int32}},
	{Name: "channel", Schema: &connect.Schema{Type: connect.String}},
	{Name: "message", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	{Name: "price", Schema: &connect.Schema{Type: connect.Bytes, Name: connect.LogicalDecimal, Parameters: map[string]string{"scale": "2"}}},
	{Name: "ts", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
	{Name: "tags", Schema: &connect.Schema{Type: connect.Array, ValueSchema: &connect.Schema{Type: connect.String}}},
	{Name: "address", Schema: &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "city", Schema: &connect.Schema{Type: connect.String}},
		{Name: "zip", Schema: &connect.Schema{Type: connect.Int32}},
	}}},
}}

var baseTime = time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)

func rating(topic string, offset int64, id int64, stars int32) connect.Record {
	v := &connect.Struct{Schema: ratingSchema}
	v.Put("rating_id", id).Put("user_id", int32(id%7)).Put("stars", stars).Put("channel", "ios").
		Put("message", fmt.Sprintf("rating %d", id)).Put("price", big.NewRat(1999+id, 100)).
		Put("ts", baseTime.Add(time.Duration(id)*time.Second)).Put("tags", []any{"a", "b"}).
		Put("address", (&connect.Struct{Schema: ratingSchema.Field("address")}).Put("city", "Paris").Put("zip", int32(75001)))
	return connect.Record{Topic: topic, Partition: 0, Offset: offset, KeySchema: &connect.Schema{Type: connect.Int64}, Key: id, ValueSchema: ratingSchema, Value: v}
}

// es is a small client for checking what the server holds.
type es struct {
	t    *testing.T
	base string
}

func (e es) do(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// docs returns the index's documents by id.
func (e es) docs(index string) map[string]map[string]any {
	e.t.Helper()
	code, b := e.do("POST", "/"+index+"/_search", map[string]any{"query": map[string]any{"match_all": map[string]any{}}, "size": 10000})
	if code == 404 || code == 400 {
		return map[string]map[string]any{}
	}
	var r struct {
		Hits struct {
			Hits []struct {
				ID     string         `json:"_id"`
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("search %s: HTTP %d %s", index, code, b)
	}
	out := map[string]map[string]any{}
	for _, h := range r.Hits.Hits {
		out[h.ID] = h.Source
	}
	return out
}

// waitDocs polls until the index holds want documents (the server makes
// writes searchable asynchronously) and returns them; it fails the test
// when that does not happen within 20 s.
func (e es) waitDocs(index string, want int) map[string]map[string]any {
	e.t.Helper()
	var got map[string]map[string]any
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = e.docs(index); len(got) == want {
			// stable: a second look finds the same count
			time.Sleep(300 * time.Millisecond)
			if got = e.docs(index); len(got) == want {
				return got
			}
		}
	}
	e.t.Fatalf("index %s holds %d documents, want %d", index, len(got), want)
	return nil
}

func putFlush(t *testing.T, tk *task, recs []connect.Record) {
	t.Helper()
	ctx := context.Background()
	if err := tk.Put(ctx, recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := tk.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

func TestWritesDocumentsWithMappingFromSchema(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	index := strings.ToLower(topic)
	tk, _ := startTask(t, connect.Config{"connection.url": url, "batch.size": "7"})
	var recs []connect.Record
	for i := int64(0); i < 50; i++ {
		recs = append(recs, rating(topic, i, 1000+i, int32(i%5)+1))
	}
	putFlush(t, tk, recs)

	c := es{t, url}
	docs := c.waitDocs(index, 50)
	d, ok := docs["1007"]
	if !ok {
		t.Fatalf("no document with id 1007 (ids from keys); have e.g. %v", firstKeys(docs))
	}
	want := map[string]any{"rating_id": 1007.0, "user_id": 6.0, "stars": 3.0, "channel": "ios", "message": "rating 1007",
		"price": 30.06, "ts": float64(baseTime.Add(1007 * time.Second).UnixMilli()), "tags": []any{"a", "b"},
		"address": map[string]any{"city": "Paris", "zip": 75001.0}}
	for k, v := range want {
		if fmt.Sprint(d[k]) != fmt.Sprint(v) {
			t.Errorf("field %s = %v, want %v", k, d[k], v)
		}
	}
	_, mb := c.do("GET", "/"+index+"/_mapping", nil)
	var m map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatalf("mapping: %s", mb)
	}
	props := m[index].Mappings.Properties
	// ZincSearch reports its own type names: date stays date, numbers are numeric.
	if props["ts"].Type != "date" {
		t.Errorf("ts is mapped as %q, want date (mapping %s)", props["ts"].Type, mb)
	}
	if props["channel"].Type != "text" {
		t.Errorf("channel is mapped as %q, want text", props["channel"].Type)
	}
}

func firstKeys(m map[string]map[string]any) []string {
	var ks []string
	for k := range m {
		if len(ks) == 5 {
			break
		}
		ks = append(ks, k)
	}
	return ks
}

func TestRePutSameKeysReplacesDocuments(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url})
	var first, second []connect.Record
	for i := int64(0); i < 20; i++ {
		first = append(first, rating(topic, i, i, 1))
		second = append(second, rating(topic, 20+i, i, 5))
	}
	putFlush(t, tk, first)
	putFlush(t, tk, second)
	// and the same batch again, as after a failed commit
	putFlush(t, tk, second)
	docs := es{t, url}.waitDocs(strings.ToLower(topic), 20)
	for id, d := range docs {
		if d["stars"] != 5.0 {
			t.Errorf("document %s has stars %v, want the later 5", id, d["stars"])
		}
	}
}

func TestKeyIgnoreUsesTopicPartitionOffset(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url, "key.ignore": "true", "schema.ignore": "true"})
	recs := []connect.Record{
		{Topic: topic, Partition: 2, Offset: 41, Value: map[string]any{"n": int64(1)}},
		{Topic: topic, Partition: 2, Offset: 42, Value: map[string]any{"n": int64(2)}},
	}
	putFlush(t, tk, recs)
	putFlush(t, tk, recs) // re-delivered: same ids, still two documents
	docs := es{t, url}.waitDocs(strings.ToLower(topic), 2)
	if d := docs[topic+"+2+42"]; d == nil || d["n"] != 2.0 {
		t.Fatalf("document %s+2+42 = %v; have %v", topic, d, firstKeys(docs))
	}
}

func TestNullValueDeletesDocument(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url, "behavior.on.null.values": "delete"})
	var recs []connect.Record
	for i := int64(0); i < 5; i++ {
		recs = append(recs, rating(topic, i, i, 3))
	}
	putFlush(t, tk, recs)
	c := es{t, url}
	c.waitDocs(strings.ToLower(topic), 5)
	putFlush(t, tk, []connect.Record{{Topic: topic, Offset: 5, Key: int64(2)}, {Topic: topic, Offset: 6, Key: int64(4)}})
	docs := c.waitDocs(strings.ToLower(topic), 3)
	if docs["2"] != nil || docs["4"] != nil || docs["3"] == nil {
		t.Fatalf("after tombstones for 2 and 4: ids %v", firstKeys(docs))
	}
}

func TestNullValueFailsByDefault(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url})
	tomb := connect.Record{Topic: topic, Offset: 1, Key: "k"}
	err := tk.Put(context.Background(), []connect.Record{rating(topic, 0, 1, 1), tomb})
	var re *connect.RecordError
	if !errors.As(err, &re) || len(re.Failed) != 1 || re.Failed[0].Record.Offset != 1 {
		t.Fatalf("put = %v, want a RecordError naming offset 1", err)
	}
	if !strings.Contains(re.Failed[0].Reason, "behavior.on.null.values") {
		t.Errorf("reason %q does not name the option", re.Failed[0].Reason)
	}
	es{t, url}.waitDocs(strings.ToLower(topic), 1)
}

func TestMalformedDocumentIsRejectedOthersLand(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	index := strings.ToLower(topic)
	c := es{t, url}
	if code, b := c.do("PUT", "/"+index, map[string]any{"mappings": map[string]any{"properties": map[string]any{
		"n": map[string]any{"type": "long"}, "s": map[string]any{"type": "keyword"}}}}); code != 200 {
		t.Fatalf("create index: HTTP %d %s", code, b)
	}
	tk, _ := startTask(t, connect.Config{"connection.url": url, "schema.ignore": "true"})
	var recs []connect.Record
	for i := int64(0); i < 10; i++ {
		v := map[string]any{"n": i, "s": fmt.Sprint("v", i)}
		if i == 4 || i == 7 {
			v["n"] = "not a number"
		}
		recs = append(recs, connect.Record{Topic: topic, Offset: i, Key: fmt.Sprint("k", i), Value: v})
	}
	err := tk.Put(context.Background(), recs)
	var re *connect.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("put = %v, want a RecordError", err)
	}
	var offs []int64
	for _, f := range re.Failed {
		offs = append(offs, f.Record.Offset)
		if !strings.Contains(f.Reason, "n") {
			t.Errorf("reason %q does not name the field", f.Reason)
		}
	}
	if fmt.Sprint(offs) != "[4 7]" {
		t.Fatalf("rejected offsets %v, want [4 7]", offs)
	}
	// The runtime puts the rest again: nothing is written twice or lost.
	var rest []connect.Record
	for _, r := range recs {
		if r.Offset != 4 && r.Offset != 7 {
			rest = append(rest, r)
		}
	}
	putFlush(t, tk, rest)
	docs := c.waitDocs(index, 8)
	if docs["k4"] != nil || docs["k9"] == nil {
		t.Fatalf("documents %v", firstKeys(docs))
	}
}

func TestMalformedDocumentsIgnoredWhenAsked(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	index := strings.ToLower(topic)
	c := es{t, url}
	c.do("PUT", "/"+index, map[string]any{"mappings": map[string]any{"properties": map[string]any{"n": map[string]any{"type": "long"}}}})
	tk, tc := startTask(t, connect.Config{"connection.url": url, "schema.ignore": "true", "behavior.on.malformed.documents": "warn"})
	recs := []connect.Record{
		{Topic: topic, Offset: 0, Key: "a", Value: map[string]any{"n": int64(1)}},
		{Topic: topic, Offset: 1, Key: "b", Value: map[string]any{"n": "x"}},
		{Topic: topic, Offset: 2, Key: "c", Value: map[string]any{"n": int64(3)}},
	}
	putFlush(t, tk, recs)
	c.waitDocs(index, 2)
	if len(tc.logs) == 0 || !strings.Contains(strings.Join(tc.logs, "\n"), "malformed") {
		t.Fatalf("warn logged nothing: %v", tc.logs)
	}
}

func TestStructKeyIsRejectedAsConfluentDoes(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url})
	ks := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{{Name: "id", Schema: &connect.Schema{Type: connect.Int32}}}}
	rec := connect.Record{Topic: topic, Offset: 3, KeySchema: ks, Key: (&connect.Struct{Schema: ks}).Put("id", int32(1)), Value: map[string]any{"a": "b"}}
	err := tk.Put(context.Background(), []connect.Record{rec})
	var re *connect.RecordError
	if !errors.As(err, &re) || !strings.Contains(re.Failed[0].Reason, "STRUCT is not supported as the document id") {
		t.Fatalf("put = %v", err)
	}
}

func TestTargetDownThenBack(t *testing.T) {
	srv, url := testenv.ZincServer(t)
	topic := uniqueTopic(t)
	index := strings.ToLower(topic)
	tk, tc := startTask(t, connect.Config{"connection.url": url, "max.retries": "1", "retry.backoff.ms": "10", "read.timeout.ms": "2000"})
	var recs []connect.Record
	for i := int64(0); i < 30; i++ {
		recs = append(recs, rating(topic, i, i, 2))
	}
	putFlush(t, tk, recs[:10])
	c := es{t, url}
	c.waitDocs(index, 10)

	srv.Stop()
	err := tk.Put(context.Background(), recs[10:])
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("put with the server down = %v, want a retriable error", err)
	}
	// Each failed attempt before the last was reported as it happened,
	// so the task's status said why before the retries ran out.
	tc.mu.Lock()
	reported := tc.retries
	tc.mu.Unlock()
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), "127.0.0.1") || strings.Contains(reported[0].Error(), "admin:admin") {
		t.Errorf("retries reported %v, want the one before max.retries ran out, naming the server without its password", reported)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "admin:admin") {
		t.Errorf("error %q should name the URL without its password", err)
	}
	srv.Start()
	// The runtime retries the same records.
	putFlush(t, tk, recs[10:])
	docs := c.waitDocs(index, 30)
	for i := 0; i < 30; i++ {
		if docs[fmt.Sprint(i)] == nil {
			t.Errorf("document %d missing", i)
		}
	}
}

func TestHungServerFailsTheWriteInsteadOfWaiting(t *testing.T) {
	srv, url := testenv.ZincServer(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url, "read.timeout.ms": "1000", "max.retries": "1", "retry.backoff.ms": "10"})
	recs := []connect.Record{rating(topic, 0, 1, 1), rating(topic, 1, 2, 1)}
	putFlush(t, tk, recs[:1])
	srv.Pause()
	err := tk.Put(context.Background(), recs[1:])
	srv.Resume()
	var re *connect.RecordError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("put to a hung server = %v, want a retriable error", err)
	}
	putFlush(t, tk, recs[1:])
	es{t, url}.waitDocs(strings.ToLower(topic), 2)
}

func TestUsernameAndPasswordOptions(t *testing.T) {
	url := strings.Replace(testenv.ES(t), "admin:admin@", "", 1)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": url, "connection.username": "admin", "connection.password": "admin"})
	putFlush(t, tk, []connect.Record{rating(topic, 0, 1, 1)})
	es{t, testenv.ES(t)}.waitDocs(strings.ToLower(topic), 1)
}

func TestDeadURLAmongSeveralIsSkipped(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, _ := startTask(t, connect.Config{"connection.url": "http://127.0.0.1:1/es," + url, "max.retries": "2", "retry.backoff.ms": "10"})
	var recs []connect.Record
	for i := int64(0); i < 6; i++ {
		putFlush(t, tk, append(recs[:0:0], rating(topic, i, i, 1))) // one request each, round-robin
	}
	es{t, url}.waitDocs(strings.ToLower(topic), 6)
}

// ZincSearch refuses a binary mapping: the index is created by the
// server's inference instead, the documents land and the log says why.
func TestRefusedMappingFallsBackToInference(t *testing.T) {
	url := testenv.ES(t)
	topic := uniqueTopic(t)
	tk, tc := startTask(t, connect.Config{"connection.url": url})
	s := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "name", Schema: &connect.Schema{Type: connect.String}},
		{Name: "blob", Schema: &connect.Schema{Type: connect.Bytes}},
	}}
	putFlush(t, tk, []connect.Record{{Topic: topic, Key: "a", ValueSchema: s, Value: (&connect.Struct{Schema: s}).Put("name", "n").Put("blob", []byte("xyz"))}})
	docs := es{t, url}.waitDocs(strings.ToLower(topic), 1)
	if docs["a"]["blob"] != "eHl6" {
		t.Errorf("blob = %v, want base64 eHl6", docs["a"]["blob"])
	}
	if !strings.Contains(strings.Join(tc.logs, "\n"), "mapping from the record schema refused") {
		t.Errorf("log %v", tc.logs)
	}
}

func TestValidateNamesURLThatDoesNotAnswer(t *testing.T) {
	url := testenv.ES(t)
	ctx := context.Background()
	if err := validate(ctx, connect.Config{"connection.url": url}); err != nil {
		t.Fatalf("validate %s: %v", url, err)
	}
	bad := "http://u:secret@127.0.0.1:1/es"
	err := validate(ctx, connect.Config{"connection.url": url + "," + bad})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("validate with a dead URL = %v, want an error naming it without the password", err)
	}
	plain := strings.Replace(url, "admin:admin@", "", 1)
	if err := validate(ctx, connect.Config{"connection.url": plain, "connection.username": "admin", "connection.password": "admin"}); err != nil {
		t.Fatalf("validate with connection.username/password: %v", err)
	}
	err = validate(ctx, connect.Config{"connection.url": plain, "connection.username": "admin", "connection.password": "wrong"})
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("validate with a wrong password = %v", err)
	}
	if err := validate(ctx, connect.Config{"connection.url": "localhost:9200"}); err == nil {
		t.Fatal("a URL without scheme passed validation")
	}
}

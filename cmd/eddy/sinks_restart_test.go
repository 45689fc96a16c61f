package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/eddysql/eddy/internal/testenv"
)

// TestKill9MidSinkToElasticsearchAndMongo kills `eddy server` with SIGKILL
// while a datagen source feeds the Elasticsearch and MongoDB sinks,
// restarts it, and checks that each target ends up with every generated
// rating exactly once, keyed by rating_id (the record key) in both. The
// generator itself may produce a rating again after the kill (its offset
// is stored after the records it covers), so only key-derived ids, not
// ids from record coordinates, make the targets free of duplicates.
//
// The MongoDB sink writes bulks of 100 here: FerretDB 1.24 finishes a
// bulk whose client died, and deadlocks the collection when a second
// client's bulk arrives meanwhile (two concurrent bulk upserts into one
// collection hang it, live clients or not), so the restarted server must
// not find a long orphaned bulk still running. MongoDB has no such limit.
func TestKill9MidSinkToElasticsearchAndMongo(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	esURL, mongoURL := testenv.ES(t), testenv.Mongo(t)
	bin := buildEddy(t)
	dir := t.TempDir()
	kafkaAddr, apiAddr := freeAddr(t), freeAddr(t)
	stamp := time.Now().UnixNano()
	topic := fmt.Sprintf("ratings_kill_%d", stamp)
	const total = 1500
	server := func() *exec.Cmd {
		return exec.Command(bin, "server", "--data-dir", dir, "--kafka-listen", kafkaAddr, "--listen", apiAddr, "--registry-listen", "")
	}
	first := server()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitHTTP(t, apiAddr)
	post := func(stmt string) {
		t.Helper()
		cmd := exec.Command(bin, "--data-dir", filepath.Join(dir, "shell"), "--server", "http://"+apiAddr, "-e", stmt)
		if b, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(b), "rror") {
			t.Fatalf("%s: %v\n%s", stmt, err, b)
		}
	}
	post(`CREATE SOURCE CONNECTOR gen WITH ('connector.class'='datagen', 'kafka.topic'='` + topic + `', 'quickstart'='ratings',
		'max.interval'='2', 'iterations'='` + itoa(total) + `', 'random.seed'='5',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`)
	post(`CREATE SINK CONNECTOR es_sink WITH ('connector.class'='elasticsearch', 'topics'='` + topic + `', 'connection.url'='` + esURL + `',
		'schema.ignore'='true', 'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`)
	post(`CREATE SINK CONNECTOR mongo_sink WITH ('connector.class'='mongodb', 'topics'='` + topic + `', 'connection.uri'='` + mongoURL + `',
		'database'='eddy_e2e', 'max.batch.size'='100', 'document.id.strategy'='FullKeyStrategy', 'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`)

	esCount := func() int { return len(esRatingIDs(esURL, topic)) }
	waitUntil(t, "200 documents in Elasticsearch", 60*time.Second, func() bool { return esCount() >= 200 })
	if err := first.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	if n := esCount(); n >= total {
		t.Skipf("all %d records arrived before the kill", n)
	}

	second := server()
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		second.Process.Signal(os.Interrupt)
		second.Wait()
	}()
	waitUntil(t, "every rating in Elasticsearch", 120*time.Second, func() bool { return esCount() >= total })
	ids := esRatingIDs(esURL, topic)
	for i := 1; i <= total; i++ {
		if ids[fmt.Sprint(i)] != float64(i) {
			t.Fatalf("Elasticsearch document %d holds rating_id %v", i, ids[fmt.Sprint(i)])
		}
	}
	if len(ids) != total {
		t.Fatalf("%d Elasticsearch documents, want %d", len(ids), total)
	}
	var docs []bson.M
	waitUntil(t, "every rating in MongoDB", 180*time.Second, func() bool {
		docs = mongoAll(mongoURL, "eddy_e2e", topic)
		return len(docs) >= total
	})
	seen := map[int64]bool{}
	for _, d := range docs {
		id, _ := d["rating_id"].(int64)
		if seen[id] {
			t.Fatalf("rating %d is in MongoDB twice", id)
		}
		seen[id] = true
	}
	if len(seen) != total || len(docs) != total {
		t.Fatalf("%d MongoDB documents with %d distinct ratings, want %d", len(docs), len(seen), total)
	}
}

func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// esRatingIDs maps an index's document ids to their rating_id fields.
func esRatingIDs(base, index string) map[string]any {
	body, _ := json.Marshal(map[string]any{"query": map[string]any{"match_all": map[string]any{}}, "size": 10000})
	res, err := http.Post(base+"/"+index+"/_search", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r struct {
		Hits struct {
			Hits []struct {
				ID     string         `json:"_id"`
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	out := map[string]any{}
	for _, h := range r.Hits.Hits {
		out[h.ID] = h.Source["rating_id"]
	}
	return out
}

func mongoAll(uri, db, coll string) []bson.M {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		return nil
	}
	defer c.Disconnect(context.Background())
	cur, err := c.Database(db).Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		return nil
	}
	var out []bson.M
	if cur.All(ctx, &out) != nil {
		return nil
	}
	return out
}

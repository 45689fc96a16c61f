package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/elasticsearch"
	"github.com/eddysql/eddy/connect/mongodb"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/internal/testenv"
)

// sinkEngine opens an engine on an embedded broker and Schema Registry
// with the data generator and the Elasticsearch and MongoDB sinks.
func sinkEngine(t *testing.T) *Engine {
	t.Helper()
	ctx := context.Background()
	cl, reg := testenv.Broker(t, "")
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	datagen.Register(plugins)
	elasticsearch.Register(plugins)
	mongodb.Register(plugins)
	e, err := New(ctx, Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// esDocs returns an index's documents by id ("" when the index is absent).
func esDocs(t *testing.T, base, index string) map[string]map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": map[string]any{"match_all": map[string]any{}}, "size": 10000})
	res, err := http.Post(base+"/"+index+"/_search", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil // the server is down
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
	out := map[string]map[string]any{}
	for _, h := range r.Hits.Hits {
		out[h.ID] = h.Source
	}
	return out
}

func mongoDocs(t *testing.T, uri, db, coll string) []bson.M {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).SetServerSelectionTimeout(2*time.Second))
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

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// TestSinkConnectorsEndToEnd: datagen ratings (Avro through the Schema
// Registry) to Elasticsearch and MongoDB through CREATE SINK CONNECTOR,
// every record arriving once with its fields, the index mapped from the
// Avro schema; an unreachable target refused at CREATE time.
func TestSinkConnectorsEndToEnd(t *testing.T) {
	esURL, mongoURL := testenv.ES(t), testenv.Mongo(t)
	e := sinkEngine(t)
	stamp := time.Now().UnixNano()
	topic := fmt.Sprintf("Ratings_%d", stamp)
	coll := fmt.Sprintf("ratings_%d", stamp)
	const total = 300
	mustExec(t, e, fmt.Sprintf(`CREATE SOURCE CONNECTOR gen WITH ('connector.class'='datagen', 'kafka.topic'='%s',
		'quickstart'='ratings', 'max.interval'='0', 'iterations'='%d', 'random.seed'='7');`, topic, total))
	mustExec(t, e, fmt.Sprintf(`CREATE SINK CONNECTOR es_sink WITH ('connector.class'='elasticsearch', 'topics'='%s',
		'connection.url'='%s', 'key.ignore'='false', 'schema.ignore'='false');`, topic, esURL))
	mustExec(t, e, fmt.Sprintf(`CREATE SINK CONNECTOR mongo_sink WITH ('connector.class'='com.mongodb.kafka.connect.MongoSinkConnector',
		'topics'='%s', 'connection.uri'='%s', 'database'='eddy_e2e', 'collection'='%s');`, topic, mongoURL, coll))

	index := strings.ToLower(topic)
	var docs map[string]map[string]any
	waitFor(t, "300 documents in Elasticsearch", 60*time.Second, func() bool { docs = esDocs(t, esURL, index); return len(docs) == total })
	for id := 1; id <= total; id++ {
		d := docs[fmt.Sprint(id)]
		if d == nil {
			t.Fatalf("no document with id %d (the key, rating_id)", id)
		}
		if d["rating_id"] != float64(id) {
			t.Fatalf("document %d has rating_id %v", id, d["rating_id"])
		}
		if s, _ := d["stars"].(float64); s < 1 || s > 5 {
			t.Fatalf("document %d has stars %v", id, d["stars"])
		}
		if _, ok := d["channel"].(string); !ok {
			t.Fatalf("document %d has channel %v", id, d["channel"])
		}
	}
	var mdocs []bson.M
	waitFor(t, "300 documents in MongoDB", 60*time.Second, func() bool { mdocs = mongoDocs(t, mongoURL, "eddy_e2e", coll); return len(mdocs) == total })
	seen := map[int64]bool{}
	for _, d := range mdocs {
		id, ok := d["rating_id"].(int64)
		if !ok || seen[id] || id < 1 || id > total {
			t.Fatalf("document %v: rating_id should be a distinct int64 in 1..%d", d, total)
		}
		seen[id] = true
		if s, ok := d["stars"].(int32); !ok || s < 1 || s > 5 {
			t.Fatalf("document %v: stars should be an int32 in 1..5", d)
		}
	}

	_, err := e.Execute(context.Background(), fmt.Sprintf(`CREATE SINK CONNECTOR dead WITH ('connector.class'='elasticsearch',
		'topics'='%s', 'connection.url'='http://127.0.0.1:1');`, topic), nil)
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") {
		t.Fatalf("CREATE with an unreachable Elasticsearch = %v, want an error naming the URL", err)
	}
	_, err = e.Execute(context.Background(), fmt.Sprintf(`CREATE SINK CONNECTOR dead WITH ('connector.class'='mongodb',
		'topics'='%s', 'connection.uri'='mongodb://eddy:pw@127.0.0.1:1/?serverSelectionTimeoutMS=300', 'database'='d');`, topic), nil)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("CREATE with an unreachable MongoDB = %v, want an error naming the URI without its password", err)
	}
}

// TestSinksRideOutTargetDowntime stops the Elasticsearch and MongoDB
// servers for 30 seconds while a generator keeps producing, checks that
// DESCRIBE CONNECTOR shows the task's error meanwhile, restarts them, and
// expects every record to arrive exactly once.
func TestSinksRideOutTargetDowntime(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: this test keeps the servers down for 30 s")
	}
	zinc, esURL := testenv.ZincServer(t)
	ferret, mongoURL := testenv.FerretServer(t)
	mongoURL += "?serverSelectionTimeoutMS=2000&connectTimeoutMS=1000"
	e := sinkEngine(t)
	topic := fmt.Sprintf("ratings_down_%d", time.Now().UnixNano())
	const total = 900
	// about 20 records a second: the flow outlasts the downtime
	mustExec(t, e, fmt.Sprintf(`CREATE SOURCE CONNECTOR gen WITH ('connector.class'='datagen', 'kafka.topic'='%s',
		'quickstart'='ratings', 'max.interval'='100', 'iterations'='%d', 'random.seed'='11');`, topic, total))
	mustExec(t, e, fmt.Sprintf(`CREATE SINK CONNECTOR es_sink WITH ('connector.class'='elasticsearch', 'topics'='%s',
		'connection.url'='%s', 'max.retries'='1', 'read.timeout.ms'='2000', 'errors.retry.delay.max.ms'='2000');`, topic, esURL))
	mustExec(t, e, fmt.Sprintf(`CREATE SINK CONNECTOR mongo_sink WITH ('connector.class'='mongodb', 'topics'='%s',
		'connection.uri'='%s', 'database'='eddy_e2e', 'collection'='%s', 'retries.defer.timeout'='200',
		'errors.retry.delay.max.ms'='2000');`, topic, mongoURL, topic))

	waitFor(t, "the first documents", 60*time.Second, func() bool {
		return len(esDocs(t, esURL, topic)) >= 50 && len(mongoDocs(t, mongoURL, "eddy_e2e", topic)) >= 50
	})
	before := len(esDocs(t, esURL, topic))
	zinc.Stop()
	ferret.Stop()
	down := time.Now()
	if before >= total {
		t.Fatalf("all %d records arrived before the servers stopped; the flow must outlast them", before)
	}
	for name, addr := range map[string]string{"es_sink": fmt.Sprint("127.0.0.1:", zinc.Port()), "mongo_sink": fmt.Sprint("127.0.0.1:", ferret.Port())} {
		waitFor(t, name+"'s task error naming "+addr+" in DESCRIBE CONNECTOR", 25*time.Second, func() bool {
			d := mustExec(t, e, "DESCRIBE CONNECTOR "+name+";")[0].(*api.ConnectorDescription)
			return len(d.Status.Tasks) == 1 && strings.Contains(d.Status.Tasks[0].Trace, addr) && d.Status.Tasks[0].ErrorTime != ""
		})
	}
	time.Sleep(30*time.Second - time.Since(down))
	zinc.Start()
	ferret.Start()

	var docs map[string]map[string]any
	waitFor(t, fmt.Sprintf("%d documents in Elasticsearch", total), 120*time.Second, func() bool {
		docs = esDocs(t, esURL, topic)
		return len(docs) == total
	})
	for id := 1; id <= total; id++ {
		if docs[fmt.Sprint(id)] == nil {
			t.Fatalf("rating %d never reached Elasticsearch", id)
		}
	}
	var mdocs []bson.M
	waitFor(t, fmt.Sprintf("%d documents in MongoDB", total), 120*time.Second, func() bool {
		mdocs = mongoDocs(t, mongoURL, "eddy_e2e", topic)
		return len(mdocs) >= total
	})
	seen := map[int64]bool{}
	for _, d := range mdocs {
		id, _ := d["rating_id"].(int64)
		if seen[id] {
			t.Fatalf("rating %d written twice to MongoDB", id)
		}
		seen[id] = true
	}
	if len(seen) != total {
		t.Fatalf("%d distinct ratings in MongoDB, want %d", len(seen), total)
	}
}

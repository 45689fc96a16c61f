package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jsClientsDir holds npm packages used unchanged against eddy and the
// scripts that drive them: two ksqlDB clients (compat.js), and kafkajs
// with its Schema Registry client (kafkajs.js).
const jsClientsDir = "testdata/jsclients"

// TestForeignRESTClients runs two ksqlDB client libraries published on
// npm, unchanged, against `eddy server`: ksqldb-js (HTTP/1.1 and HTTP/2
// cleartext) and ksqldb-client (HTTP/2): statements, inserts, push
// queries (with and without LIMIT, and a write made as soon as the push
// query answers), a table built under the default auto.offset.reset and
// written right after its CREATE, pull queries by key and by scan,
// DESCRIBE and errors. compat.js checks each answer. node and npm are
// needed: missing, the test fails under CI=true and skips otherwise.
func TestForeignRESTClients(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	node := nodeModules(t, "the client compatibility test", jsClientsDir, "ksqldb-client")
	url := startConsoleServer(t, buildEddy(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compat.js")
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "EDDY_URL="+url)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("a client check failed (FAIL lines above): %v", err)
	}
	passed := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok ") {
			passed++
		}
	}
	if passed != 17 {
		t.Fatalf("%d checks passed, want 17", passed)
	}
}

// TestKafkaJSAvroBothWays has a Node.js service built on kafkajs and
// @kafkajs/confluent-schema-registry, from npm and unchanged, write Avro
// orders (gzip; a decimal, a nullable nested record, an array, a map)
// through eddy's embedded broker and registry before any query exists,
// and read back, decoding through the registry, the Avro table eddy
// aggregates from them. kafkajs reads only uncompressed and gzip batches
// on its own, so this fails if eddy's producers compress by default
// (franz-go's snappy) where ksqlDB's do not.
func TestKafkaJSAvroBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	node := nodeModules(t, "the kafkajs test", jsClientsDir, "kafkajs")
	kafkaAddr, registryAddr := freeAddr(t), freeAddr(t)
	url := startConsoleServer(t, buildEddy(t), "--kafka-listen", kafkaAddr, "--registry-listen", registryAddr)
	apiAddr := strings.TrimPrefix(url, "http://")
	const orders = 20000
	type total struct {
		N       int    `json:"n"`
		Cents   string `json:"cents"`
		Shipped int    `json:"shipped"`
	}
	run := func(args ...string) map[string]total {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, append([]string{"kafkajs.js"}, args...)...)
		cmd.Dir = jsClientsDir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node kafkajs.js %s: %v\n%s", args[0], err, stderr.String())
		}
		var m map[string]total
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("node kafkajs.js %s printed %q: %v", args[0], out, err)
		}
		return m
	}
	want := run("produce", kafkaAddr, "http://"+registryAddr, "orders", strconv.Itoa(orders))
	ksql(t, apiAddr, `CREATE STREAM ORDERS WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='AVRO');`)
	body, _ := json.Marshal(map[string]any{
		"ksql": `CREATE TABLE TOTALS WITH (KAFKA_TOPIC='totals', VALUE_FORMAT='AVRO') AS
  SELECT CUSTOMER, COUNT(*) AS N, SUM(AMOUNT) AS TOTAL, COUNT(SHIP->CITY) AS SHIPPED FROM ORDERS GROUP BY CUSTOMER;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
	})
	post(t, apiAddr, "/ksql", body)
	got := run("consume", kafkaAddr, "http://"+registryAddr, "totals", strconv.Itoa(orders))
	if len(got) != len(want) {
		t.Fatalf("kafkajs read %d customers from eddy's table, want %d", len(got), len(want))
	}
	for c, w := range want {
		if got[c] != w {
			t.Errorf("customer %s: kafkajs read %+v from eddy's table, want %+v", c, got[c], w)
		}
	}
}

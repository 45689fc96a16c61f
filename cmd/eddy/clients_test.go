package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
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
// aggregates from them. The same orders written in PROTOBUF (which that
// registry client frames without message indexes) and JSON Schema must
// give the same totals. kafkajs reads only uncompressed and gzip batches
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
	// Every input is written before any query exists.
	want := run("produce", kafkaAddr, "http://"+registryAddr, "orders", strconv.Itoa(orders), "AVRO")
	for _, format := range []string{"PROTOBUF", "JSON"} {
		if other := run("produce", kafkaAddr, "http://"+registryAddr, "orders_"+strings.ToLower(format), strconv.Itoa(orders), format); !maps.Equal(other, want) {
			t.Fatalf("the %s orders differ from the Avro ones: %v, want %v", format, other, want)
		}
	}
	totals := func(table, source, format string) {
		t.Helper()
		ksql(t, apiAddr, fmt.Sprintf(`CREATE STREAM %s WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='%s');`, source, strings.ToLower(source), format))
		body, _ := json.Marshal(map[string]any{
			"ksql": fmt.Sprintf(`CREATE TABLE %s WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='AVRO') AS
  SELECT CUSTOMER, COUNT(*) AS N, SUM(AMOUNT) AS TOTAL, COUNT(SHIP->CITY) AS SHIPPED FROM %s GROUP BY CUSTOMER;`, table, strings.ToLower(table), source),
			"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
		})
		post(t, apiAddr, "/ksql", body)
	}
	totals("TOTALS", "ORDERS", "AVRO")
	totals("TOTALS_PB", "ORDERS_PROTOBUF", "PROTOBUF")
	totals("TOTALS_JS", "ORDERS_JSON", "JSON_SR")
	got := run("consume", kafkaAddr, "http://"+registryAddr, "totals", strconv.Itoa(orders))
	if len(got) != len(want) {
		t.Fatalf("kafkajs read %d customers from eddy's table, want %d", len(got), len(want))
	}
	for c, w := range want {
		if got[c] != w {
			t.Errorf("customer %s: kafkajs read %+v from eddy's table, want %+v", c, got[c], w)
		}
	}
	// The PROTOBUF (framed without message indexes) and JSON_SR orders,
	// by pull queries once every order is counted.
	for _, table := range []string{"TOTALS_PB", "TOTALS_JS"} {
		var rows [][]any
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			rows = pull(t, apiAddr, "SELECT CUSTOMER, N, TOTAL, SHIPPED FROM "+table+";")
			n := 0
			for _, r := range rows {
				n += int(r[1].(float64))
			}
			if n == orders {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s counts %d of %d orders", table, n, orders)
			}
		}
		if len(rows) != len(want) {
			t.Fatalf("%s has %d customers, want %d", table, len(rows), len(want))
		}
		for _, r := range rows {
			g := total{N: int(r[1].(float64)), Cents: strconv.FormatInt(int64(r[2].(float64)), 10), Shipped: int(r[3].(float64))}
			if w := want[r[0].(string)]; g != w {
				t.Errorf("%s, customer %v: %+v, want %+v", table, r[0], g, w)
			}
		}
	}
}

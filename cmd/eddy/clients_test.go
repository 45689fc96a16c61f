package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
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
		rows := pullCounted(t, apiAddr, "SELECT CUSTOMER, N, TOTAL, SHIPPED FROM "+table+";", orders)
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

// pyClientsDir holds the scripts that drive Confluent's Python client.
const pyClientsDir = "testdata/pyclients"

// pyOrderProto is the schema TestConfluentPythonProtobuf writes with: its
// second message, an import (registered as a reference), a nested
// message, a map.
const pyOrderProto = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
message Header { string source = 1; }
message Order {
  int64 id = 1;
  string customer = 2;
  int64 cents = 3;
  google.protobuf.Timestamp at = 4;
  repeated Line lines = 5;
  message Line { string sku = 1; int32 qty = 2; }
  map<string, string> attrs = 6;
}`

// TestConfluentPythonProtobuf has Confluent's Python client (Debian's
// python3-confluent-kafka, unchanged) write PROTOBUF orders through the
// embedded broker and registry before any query exists: its serializer
// registers the schema and its import as base64 FileDescriptorProtos,
// and this version writes message indexes as unsigned varints. eddy's
// totals must equal the producer's. python3 with confluent_kafka and
// protobuf is needed: missing, the test fails under CI=true and skips
// otherwise.
func TestConfluentPythonProtobuf(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	python := pythonWith(t, "confluent_kafka, google.protobuf", "the Confluent Python client test needs python3 with confluent_kafka and protobuf (apt-get install -y python3-confluent-kafka python3-protobuf)")
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(map[string]string{"shop/v1/order.proto": pyOrderProto})})}
	files, err := c.Compile(context.Background(), "shop/v1/order.proto")
	if err != nil {
		t.Fatal(err)
	}
	descriptor, err := proto.Marshal(protodesc.ToFileDescriptorProto(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	kafkaAddr, registryAddr := freeAddr(t), freeAddr(t)
	url := startConsoleServer(t, buildEddy(t), "--kafka-listen", kafkaAddr, "--registry-listen", registryAddr)
	apiAddr := strings.TrimPrefix(url, "http://")
	const orders = 5000
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "protobuf_orders.py", kafkaAddr, "http://"+registryAddr, "orders_py",
		strconv.Itoa(orders), base64.StdEncoding.EncodeToString(descriptor), "shop.v1.Order")
	cmd.Dir = pyClientsDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("protobuf_orders.py: %v\n%s", err, stderr.String())
	}
	type total struct{ N, Cents, Qty int64 }
	var want map[string]total
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("protobuf_orders.py printed %q: %v", out, err)
	}
	ksql(t, apiAddr, `CREATE STREAM ORDERS_PY WITH (KAFKA_TOPIC='orders_py', VALUE_FORMAT='PROTOBUF', VALUE_SCHEMA_FULL_NAME='shop.v1.Order');`)
	body, _ := json.Marshal(map[string]any{
		"ksql": `CREATE TABLE TOTALS_PY AS SELECT CUSTOMER, COUNT(*) AS N, SUM(CENTS) AS CENTS, SUM(LINES[1]->QTY) AS QTY,
  MIN(UNIX_TIMESTAMP(` + "`AT`" + `)) AS FIRST_AT FROM ORDERS_PY GROUP BY CUSTOMER;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
	})
	post(t, apiAddr, "/ksql", body)
	rows := pullCounted(t, apiAddr, "SELECT CUSTOMER, N, CENTS, QTY, FIRST_AT FROM TOTALS_PY;", orders)
	if len(rows) != len(want) {
		t.Fatalf("TOTALS_PY has %d customers, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		customer := r[0].(string)
		got := total{N: int64(r[1].(float64)), Cents: int64(r[2].(float64)), Qty: int64(r[3].(float64))}
		if got != want[customer] {
			t.Errorf("customer %s: %+v, want %+v", customer, got, want[customer])
		}
		// Customer cK's first order is order K, stamped 1700000000000+K ms.
		k, _ := strconv.Atoi(strings.TrimPrefix(customer, "c"))
		if first := int64(r[4].(float64)); first != 1700000000000+int64(k) {
			t.Errorf("customer %s: first order at %d, want %d", customer, first, 1700000000000+k)
		}
	}
}

// pythonWith returns a python3 that imports modules (Debian's first, for
// its packages), or skips the test with why (failing it under CI).
func pythonWith(t *testing.T, modules, why string) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import "+modules).Run() == nil {
			return p
		}
	}
	requireOrSkip(t, why)
	return ""
}

// pullCounted runs a pull query whose second column counts orders until
// its rows count all of them, for up to a minute, and returns the rows.
func pullCounted(t *testing.T, addr, query string, orders int) [][]any {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		rows := pull(t, addr, query)
		n := 0
		for _, r := range rows {
			n += int(r[1].(float64))
		}
		if n == orders {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s counts %d of %d orders; rows %v", query, n, orders, rows)
		}
	}
}

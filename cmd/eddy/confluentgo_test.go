package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	confluenttypes "github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/confluent/types"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/jsonschema"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/protobuf"
	"github.com/hamba/avro/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// ckAvroOrder is the order TestConfluentGoSerdes writes in Avro: a
// decimal, a nullable nested record, an array, a map, an enum and a
// timestamp-millis. Its Schema
// method gives avrov2's serializer the schema to register (StructToSchema
// cannot express a decimal's precision).
type ckAvroOrder struct {
	ID       int64             `avro:"id"`
	Customer string            `avro:"customer"`
	Cents    int64             `avro:"cents"`
	Amount   *big.Rat          `avro:"amount"`
	Tags     []string          `avro:"tags"`
	Attrs    map[string]string `avro:"attrs"`
	Ship     *ckAvroAddress    `avro:"ship"`
	Channel  string            `avro:"channel"`
	At       time.Time         `avro:"at"`
}

type ckAvroAddress struct {
	City string  `avro:"city"`
	Zip  *string `avro:"zip"`
}

var ckAvroOrderSchema = avro.MustParse(`{
  "type": "record", "name": "Order", "namespace": "shop.go",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "customer", "type": "string"},
    {"name": "cents", "type": "long"},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "string"}},
    {"name": "ship", "default": null, "type": ["null", {"type": "record", "name": "Address", "fields": [
      {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "string"], "default": null}]}]},
    {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "STORE", "PHONE"]}},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
  ]}`)

func (*ckAvroOrder) Schema() avro.Schema { return ckAvroOrderSchema }

// ckJSONOrder is the same order for the JSON Schema serializer, which
// derives its schema from the struct (invopop/jsonschema: a $ref to $defs).
type ckJSONOrder struct {
	ID       int64             `json:"id"`
	Customer string            `json:"customer"`
	Cents    int64             `json:"cents"`
	Tags     []string          `json:"tags"`
	Attrs    map[string]string `json:"attrs"`
	Ship     *ckJSONAddress    `json:"ship,omitempty"`
}

type ckJSONAddress struct {
	City string `json:"city"`
	Zip  string `json:"zip,omitempty"`
}

// ckOrderProto is the PROTOBUF order: the file's second message (so its
// message indexes are [1], not the [0] shortcut), with a nested message,
// and an import the serializer registers as a reference under its own
// subject (google/protobuf and confluent imports it leaves to the
// reader), a Confluent decimal with ksqlDB's precision and scale, and a
// field tagged as a data contract tags it. The orders' keys are the
// file's third message, OrderKey.
const ckOrderProto = `syntax = "proto3";
package shop.go;
import "shop/go/common.proto";
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message Header { string source = 1; }
message Order {
  int64 id = 1;
  string customer = 2;
  int64 cents = 3;
  repeated string tags = 4;
  map<string, string> attrs = 5;
  Address ship = 6;
  message Address { string city = 1; string zip = 2; }
  Channel channel = 7;
  google.protobuf.Timestamp at = 8;
  confluent.type.Decimal amount = 9 [(confluent.field_meta) = { params: [{ key: "precision", value: "12" }, { key: "scale", value: "2" }] }];
  string email = 10 [(confluent.field_meta) = { tags: ["PII"] }];
}
message OrderKey { string shopper = 1; }`

// ckConfluentProtos are Confluent's confluent/meta.proto and
// confluent/type/decimal.proto, as its registry and serdes define them
// (confluent-kafka-go compiles the same messages in).
var ckConfluentProtos = map[string]string{
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule { string name = 1; string doc = 2; string expr = 3; string sql = 4; }
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }`,
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }`,
}

// ckProtoResolver finds .proto files among sources, then Confluent's,
// then the standard ones.
func ckProtoResolver(sources map[string]string) protocompile.Resolver {
	return protocompile.WithStandardImports(protocompile.CompositeResolver{
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(sources)},
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(ckConfluentProtos)},
	})
}

const ckCommonProto = `syntax = "proto3";
package shop.go;
enum Channel { WEB = 0; STORE = 1; PHONE = 2; }`

// ckTotal is a customer's orders as written, or as eddy's table counts
// them: how many, their cents, how many had an address; the sum of their
// decimal amounts (Avro); how many came by phone and the latest order's
// time in ms (Avro: an enum, a timestamp-millis; Protobuf: an imported
// enum, a Timestamp).
type ckTotal struct {
	N, Cents, Shipped int64
	Amount            string
	Phone, LastAt     int64
}

// only keeps the totals format's table has.
func (c ckTotal) only(format string) ckTotal {
	if format != "AVRO" {
		c.Amount = ""
	}
	if format == "JSON_SR" {
		c.Phone, c.LastAt = 0, 0
	}
	return c
}

// TestConfluentGoSerdes has confluent-kafka-go (librdkafka) with its
// Schema Registry client and serdes, as a Go service would use them,
// write orders through eddy's embedded broker and registry before any
// query exists: Avro (avrov2: a decimal, a nullable nested record, an
// array, a map), Protobuf (dynamic messages of a compiled .proto, the
// file's second message) and JSON Schema (a schema reflected from a Go
// struct), each serializer registering its schema under its defaults;
// the orders' keys (the customer: an Avro and a JSON string, a Protobuf
// message) are serialized by the same serdes. eddy aggregates each into
// a table whose keys and values are written in AVRO, PROTOBUF or
// JSON_SR; a confluent-kafka-go consumer decodes those tables' keys and
// values with the matching deserializers, and their totals, and the
// pull queries', must equal the producer's.
func TestConfluentGoSerdes(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	apiAddr, kafkaAddr, sr := startWithRegistryClient(t)
	const orders = 3000

	// Every input is written before any query exists.
	want := ckProduce(t, kafkaAddr, sr, orders)

	// The orders' keys are serialized too, and so are the keys of the
	// tables made from them.
	tables := []struct{ table, source, format, keyFormat string }{
		{"TOTALS_GO_AVRO", "ORDERS_GO_AVRO", "AVRO", "AVRO"},
		{"TOTALS_GO_PB", "ORDERS_GO_PB", "PROTOBUF", "PROTOBUF"},
		{"TOTALS_GO_JS", "ORDERS_GO_JS", "JSON_SR", "JSON_SR"},
	}
	for _, tb := range tables {
		with, extra := ", KEY_FORMAT='"+tb.keyFormat+"'", ""
		switch tb.format {
		case "PROTOBUF":
			with += ", KEY_SCHEMA_FULL_NAME='shop.go.OrderKey', VALUE_SCHEMA_FULL_NAME='shop.go.Order'"
			extra = ", COUNT(CASE WHEN CHANNEL = 'PHONE' THEN 1 END) AS PHONE, MAX(UNIX_TIMESTAMP(`AT`)) AS LAST_AT"
		case "AVRO":
			extra = ", COUNT(CASE WHEN CHANNEL = 'PHONE' THEN 1 END) AS PHONE, MAX(UNIX_TIMESTAMP(`AT`)) AS LAST_AT, SUM(AMOUNT) AS AMOUNT"
		}
		ksql(t, apiAddr, fmt.Sprintf(`CREATE STREAM %s WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='%s'%s);`,
			tb.source, strings.ToLower(tb.source), tb.format, with))
		body, _ := json.Marshal(map[string]any{
			"ksql": fmt.Sprintf(`CREATE TABLE %s WITH (KAFKA_TOPIC='%s', KEY_FORMAT='%s', VALUE_FORMAT='%s') AS
  SELECT CUSTOMER, COUNT(*) AS N, SUM(CENTS) AS CENTS, COUNT(SHIP->CITY) AS SHIPPED%s FROM %s GROUP BY CUSTOMER;`,
				tb.table, strings.ToLower(tb.table), tb.keyFormat, tb.format, extra, tb.source),
			"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
		})
		post(t, apiAddr, "/ksql", body)
	}

	got := ckConsume(t, kafkaAddr, sr, orders)
	for _, tb := range tables {
		topic := strings.ToLower(tb.table)
		if len(got[topic]) != len(want) {
			t.Errorf("%s: confluent-kafka-go read %d customers, want %d", topic, len(got[topic]), len(want))
		}
		for c, w := range want {
			if w, g := w.only(tb.format), got[topic][c]; g != w {
				t.Errorf("%s, customer %s: confluent-kafka-go read %+v, want %+v", topic, c, g, w)
			}
		}
	}

	// The Protobuf orders' decimals (confluent.type.Decimal), summed in a
	// table written in JSON: confluent-kafka-go v2.11.1's protobuf
	// deserializer cannot read a PROTOBUF row holding a decimal, eddy's or
	// ksqlDB's, as neither registers confluent/type/decimal.proto as a
	// reference (Confluent's Java serializer skips known types by
	// default) and the library's built-in copy is filed under the
	// generated file's path, confluent/types/decimal.proto.
	body, _ := json.Marshal(map[string]any{
		"ksql":              `CREATE TABLE AMOUNTS_GO_PB WITH (VALUE_FORMAT='JSON') AS SELECT CUSTOMER, COUNT(*) AS N, SUM(AMOUNT) AS AMOUNT FROM ORDERS_GO_PB GROUP BY CUSTOMER;`,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
	})
	post(t, apiAddr, "/ksql", body)
	rows := pullCounted(t, apiAddr, "SELECT CUSTOMER, N, AMOUNT FROM AMOUNTS_GO_PB;", orders)
	if len(rows) != len(want) {
		t.Fatalf("AMOUNTS_GO_PB has %d customers, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if got, w := strconv.FormatFloat(r[2].(float64), 'f', 2, 64), want[r[0].(string)].Amount; got != w {
			t.Errorf("AMOUNTS_GO_PB, customer %v: amount %s, want %s", r[0], got, w)
		}
	}

	// The same totals by pull queries.
	for _, tb := range tables {
		cols := "CUSTOMER, N, CENTS, SHIPPED"
		switch tb.format {
		case "AVRO":
			cols += ", PHONE, LAST_AT, AMOUNT"
		case "PROTOBUF":
			cols += ", PHONE, LAST_AT"
		}
		rows := pullCounted(t, apiAddr, "SELECT "+cols+" FROM "+tb.table+";", orders)
		if len(rows) != len(want) {
			t.Fatalf("%s has %d customers, want %d", tb.table, len(rows), len(want))
		}
		for _, r := range rows {
			c := r[0].(string)
			g := ckTotal{N: int64(r[1].(float64)), Cents: int64(r[2].(float64)), Shipped: int64(r[3].(float64))}
			if tb.format != "JSON_SR" {
				g.Phone, g.LastAt = int64(r[4].(float64)), int64(r[5].(float64))
			}
			if tb.format == "AVRO" {
				g.Amount = strconv.FormatFloat(r[6].(float64), 'f', 2, 64)
			}
			if w := want[c].only(tb.format); g != w {
				t.Errorf("%s, customer %s: pull query gives %+v, want %+v", tb.table, c, g, w)
			}
		}
	}
}

// ckProduce writes orders orders to each of orders_go_avro,
// orders_go_pb and orders_go_js (3 partitions each, created through the
// admin client), key (the customer) and value serialized by the matching
// serializers, and returns the totals per customer.
// startWithRegistryClient starts an eddy server with its embedded broker
// and registry on free ports, and returns its API and Kafka addresses and
// a confluent-kafka-go registry client of it (closed at the end).
func startWithRegistryClient(t *testing.T) (apiAddr, kafkaAddr string, sr schemaregistry.Client) {
	t.Helper()
	kafkaAddr, registryAddr := freeAddr(t), freeAddr(t)
	url := startConsoleServer(t, buildEddy(t), "--kafka-listen", kafkaAddr, "--registry-listen", registryAddr)
	sr, err := schemaregistry.NewClient(schemaregistry.NewConfig("http://" + registryAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sr.Close() })
	return strings.TrimPrefix(url, "http://"), kafkaAddr, sr
}

func ckProduce(t *testing.T, kafkaAddr string, sr schemaregistry.Client, orders int) map[string]ckTotal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": kafkaAddr})
	if err != nil {
		t.Fatal(err)
	}
	topics := []string{"orders_go_avro", "orders_go_pb", "orders_go_js"}
	var specs []kafka.TopicSpecification
	for _, topic := range topics {
		specs = append(specs, kafka.TopicSpecification{Topic: topic, NumPartitions: 3, ReplicationFactor: 1})
	}
	results, err := admin.CreateTopics(ctx, specs)
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Error.Code() != kafka.ErrNoError {
			t.Fatalf("creating %s: %v", r.Topic, r.Error)
		}
	}

	avroSer, err := avrov2.NewSerializer(sr, serde.ValueSerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	pbSer, err := protobuf.NewSerializer(sr, serde.ValueSerde, protobuf.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	jsSer, err := jsonschema.NewSerializer(sr, serde.ValueSerde, jsonschema.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	avroKeySer, err := avrov2.NewSerializer(sr, serde.KeySerde, avrov2.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	jsKeySer, err := jsonschema.NewSerializer(sr, serde.KeySerde, jsonschema.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	pbKeySer, err := protobuf.NewSerializer(sr, serde.KeySerde, protobuf.NewSerializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := protocompile.Compiler{Resolver: ckProtoResolver(map[string]string{"shop/go/order.proto": ckOrderProto, "shop/go/common.proto": ckCommonProto})}
	files, err := c.Compile(ctx, "shop/go/order.proto")
	if err != nil {
		t.Fatal(err)
	}
	orderDesc := files[0].Messages().ByName("Order")
	fields := orderDesc.Fields()
	addrDesc := orderDesc.Messages().ByName("Address")
	keyDesc := files[0].Messages().ByName("OrderKey")

	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": kafkaAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	delivered := make(chan kafka.Event, 3*orders)
	want := map[string]ckTotal{}
	sums := map[string]int64{}
	for i := range orders {
		customer, cents := fmt.Sprintf("c%d", i%37), int64((i*7919)%200000)-50000
		tags, attrs := []string{fmt.Sprintf("t%d", i%3), `ünïcode "quoted"`}, map[string]string{"k": strconv.Itoa(i % 5)}
		city, zip := fmt.Sprintf("City %d", i%11), ""
		if i%2 == 0 {
			zip = strconv.Itoa(10000 + i)
		}
		shipped := i%4 != 0
		w := want[customer]
		w.N++
		w.Cents += cents
		if shipped {
			w.Shipped++
		}
		if i%3 == 2 {
			w.Phone++
		}
		w.LastAt = max(w.LastAt, (1700000000+int64(i))*1000)
		want[customer] = w
		sums[customer] += cents

		ao := &ckAvroOrder{ID: int64(i), Customer: customer, Cents: cents, Amount: big.NewRat(cents, 100), Tags: tags, Attrs: attrs,
			Channel: []string{"WEB", "STORE", "PHONE"}[i%3], At: time.UnixMilli((1700000000 + int64(i)) * 1000)}
		jo := &ckJSONOrder{ID: int64(i), Customer: customer, Cents: cents, Tags: tags, Attrs: attrs}
		po := dynamicpb.NewMessage(orderDesc)
		po.Set(fields.ByName("id"), protoreflect.ValueOfInt64(int64(i)))
		po.Set(fields.ByName("customer"), protoreflect.ValueOfString(customer))
		po.Set(fields.ByName("cents"), protoreflect.ValueOfInt64(cents))
		list := po.Mutable(fields.ByName("tags")).List()
		for _, tag := range tags {
			list.Append(protoreflect.ValueOfString(tag))
		}
		po.Mutable(fields.ByName("attrs")).Map().Set(protoreflect.ValueOfString("k").MapKey(), protoreflect.ValueOfString(attrs["k"]))
		po.Set(fields.ByName("channel"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(i%3)))
		at := fields.ByName("at").Message()
		ts := dynamicpb.NewMessage(at)
		ts.Set(at.Fields().ByName("seconds"), protoreflect.ValueOfInt64(1700000000+int64(i)))
		po.Set(fields.ByName("at"), protoreflect.ValueOfMessage(ts))
		amount, err := protobuf.BigRatToDecimal(big.NewRat(cents, 100), 2)
		if err != nil {
			t.Fatal(err)
		}
		dec := fields.ByName("amount").Message()
		d := dynamicpb.NewMessage(dec)
		d.Set(dec.Fields().ByName("value"), protoreflect.ValueOfBytes(amount.Value))
		d.Set(dec.Fields().ByName("precision"), protoreflect.ValueOfUint32(amount.Precision))
		d.Set(dec.Fields().ByName("scale"), protoreflect.ValueOfInt32(amount.Scale))
		po.Set(fields.ByName("amount"), protoreflect.ValueOfMessage(d))
		po.Set(fields.ByName("email"), protoreflect.ValueOfString(customer+"@example.com"))
		if shipped {
			ao.Ship = &ckAvroAddress{City: city}
			jo.Ship = &ckJSONAddress{City: city, Zip: zip}
			a := dynamicpb.NewMessage(addrDesc)
			a.Set(addrDesc.Fields().ByName("city"), protoreflect.ValueOfString(city))
			if zip != "" {
				ao.Ship.Zip = &zip
				a.Set(addrDesc.Fields().ByName("zip"), protoreflect.ValueOfString(zip))
			}
			po.Set(fields.ByName("ship"), protoreflect.ValueOfMessage(a))
		}
		pk := dynamicpb.NewMessage(keyDesc)
		pk.Set(keyDesc.Fields().ByName("shopper"), protoreflect.ValueOfString(customer))
		for _, v := range []struct {
			topic       string
			keySer, ser serde.Serializer
			key, msg    any
		}{{topics[0], avroKeySer, avroSer, &customer, ao}, {topics[1], pbKeySer, pbSer, pk, po}, {topics[2], jsKeySer, jsSer, &customer, jo}} {
			value, err := v.ser.Serialize(v.topic, v.msg)
			if err != nil {
				t.Fatalf("serializing order %d for %s: %v", i, v.topic, err)
			}
			key, err := v.keySer.Serialize(v.topic, v.key)
			if err != nil {
				t.Fatalf("serializing order %d's key for %s: %v", i, v.topic, err)
			}
			topic := v.topic
			if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
				Key: key, Value: value}, delivered); err != nil {
				t.Fatalf("producing order %d to %s: %v", i, topic, err)
			}
		}
	}
	for c, s := range sums {
		w := want[c]
		w.Amount = new(big.Rat).SetFrac64(s, 100).FloatString(2)
		want[c] = w
	}
	for range 3 * orders {
		select {
		case e := <-delivered:
			if m, ok := e.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
				t.Fatalf("delivery: %v", e)
			}
		case <-ctx.Done():
			t.Fatalf("orders not all delivered: %v", ctx.Err())
		}
	}
	return want
}

// ckConsume reads eddy's three tables, totals_go_avro (AVRO),
// totals_go_pb (PROTOBUF) and totals_go_js (JSON_SR), from the start with
// a confluent-kafka-go consumer, decoding each value with the matching
// deserializer, until each table's latest rows count orders orders or a
// minute passes. It returns each topic's latest totals per customer.
func ckConsume(t *testing.T, kafkaAddr string, sr schemaregistry.Client, orders int) map[string]map[string]ckTotal {
	t.Helper()
	avroDe, err := avrov2.NewDeserializer(sr, serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	jsDe, err := jsonschema.NewDeserializer(sr, serde.ValueSerde, jsonschema.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	avroKeyDe, err := avrov2.NewDeserializer(sr, serde.KeySerde, avrov2.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	jsKeyDe, err := jsonschema.NewDeserializer(sr, serde.KeySerde, jsonschema.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	pbDe, pbKeyDe := ckProtoDeserializer(t, sr, serde.ValueSerde), ckProtoDeserializer(t, sr, serde.KeySerde)

	cons, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers": kafkaAddr, "group.id": "confluent-go-check", "auto.offset.reset": "earliest"})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	topics := []string{"totals_go_avro", "totals_go_pb", "totals_go_js"}
	if err := cons.SubscribeTopics(topics, nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]ckTotal{}
	for _, topic := range topics {
		got[topic] = map[string]ckTotal{}
	}
	counted := func(topic string) int64 {
		var n int64
		for _, v := range got[topic] {
			n += v.N
		}
		return n
	}
	done := func() bool {
		for _, topic := range topics {
			if counted(topic) != int64(orders) {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(time.Minute); !done(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: read %d (avro), %d (protobuf), %d (json) of %d orders", counted(topics[0]), counted(topics[1]), counted(topics[2]), orders)
		}
		m, err := cons.ReadMessage(time.Second)
		if err != nil {
			if e, ok := err.(kafka.Error); ok && e.IsTimeout() {
				continue
			}
			t.Fatalf("consuming: %v", err)
		}
		topic := *m.TopicPartition.Topic
		var v ckTotal
		key := string(m.Key)
		switch topic {
		case topics[0]:
			if err := avroKeyDe.DeserializeInto(topic, m.Key, &key); err != nil {
				t.Fatalf("avrov2 deserializing a key of %s at %v: %v", topic, m.TopicPartition, err)
			}
			var rec map[string]any
			if err := avroDe.DeserializeInto(topic, m.Value, &rec); err != nil {
				t.Fatalf("avrov2 deserializing %s at %v: %v", topic, m.TopicPartition, err)
			}
			v = ckTotalOf(t, topic, rec)
		case topics[1]:
			k, err := pbKeyDe.Deserialize(topic, m.Key)
			if err != nil {
				t.Fatalf("protobuf deserializing a key of %s at %v: %v", topic, m.TopicPartition, err)
			}
			km := k.(proto.Message).ProtoReflect()
			f := km.Descriptor().Fields().ByName("CUSTOMER")
			if f == nil {
				t.Fatalf("%s: key %v has no CUSTOMER", topic, km)
			}
			key = km.Get(f).String()
			msg, err := pbDe.Deserialize(topic, m.Value)
			if err != nil {
				t.Fatalf("protobuf deserializing %s at %v: %v", topic, m.TopicPartition, err)
			}
			rec := map[string]any{}
			pm := msg.(proto.Message).ProtoReflect()
			pm.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
				rec[string(fd.Name())] = v.Interface()
				if md := fd.Message(); md != nil && md.FullName() == "confluent.type.Decimal" {
					d := v.Message()
					r, err := protobuf.DecimalToBigRat(&confluenttypes.Decimal{
						Value: d.Get(md.Fields().ByName("value")).Bytes(), Scale: int32(d.Get(md.Fields().ByName("scale")).Int())})
					if err != nil {
						t.Fatalf("%s: column %s: %v", topic, fd.Name(), err)
					}
					rec[string(fd.Name())] = r
				}
				return true
			})
			v = ckTotalOf(t, topic, rec)
		case topics[2]:
			if err := jsKeyDe.DeserializeInto(topic, m.Key, &key); err != nil {
				t.Fatalf("jsonschema deserializing a key of %s at %v: %v", topic, m.TopicPartition, err)
			}
			var rec map[string]any
			if err := jsDe.DeserializeInto(topic, m.Value, &rec); err != nil {
				t.Fatalf("jsonschema deserializing %s at %v: %v", topic, m.TopicPartition, err)
			}
			v = ckTotalOf(t, topic, rec)
		}
		got[topic][key] = v
	}
	return got
}

// ckProtoDeserializer is a protobuf deserializer of keys or values. It
// makes messages of the types registered with it: a service that has no
// generated types for eddy's schema registers dynamic ones, compiled from
// the subject's latest schema (eddy names both its key and value
// messages ConnectDefault1: one deserializer each).
func ckProtoDeserializer(t *testing.T, sr schemaregistry.Client, serdeType serde.Type) *protobuf.Deserializer {
	t.Helper()
	de, err := protobuf.NewDeserializer(sr, serdeType, protobuf.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	de.MessageFactory = func(subject, name string) (any, error) {
		if mt, err := de.ProtoRegistry.FindMessageByName(protoreflect.FullName(name)); err == nil {
			return mt.New().Interface(), nil
		}
		latest, err := sr.GetLatestSchemaMetadata(subject)
		if err != nil {
			return nil, err
		}
		c := protocompile.Compiler{Resolver: ckProtoResolver(map[string]string{"eddy.proto": latest.Schema})}
		files, err := c.Compile(context.Background(), "eddy.proto")
		if err != nil {
			return nil, fmt.Errorf("compiling %s's schema: %w", subject, err)
		}
		md, ok := files[0].FindDescriptorByName(protoreflect.FullName(name)).(protoreflect.MessageDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s's latest schema has no message %s", subject, name)
		}
		mt := dynamicpb.NewMessageType(md)
		if err := de.ProtoRegistry.RegisterMessage(mt); err != nil {
			return nil, err
		}
		return mt.New().Interface(), nil
	}
	return de
}

// ckTotalOf reads a decoded table row's columns, named as eddy writes
// them (upper case).
func ckTotalOf(t *testing.T, topic string, rec map[string]any) ckTotal {
	t.Helper()
	num := func(name string) int64 {
		switch v := rec[name].(type) {
		case int64:
			return v
		case int32:
			return int64(v)
		case int:
			return int64(v)
		case float64:
			return int64(v)
		}
		t.Fatalf("%s: column %s is %T %v in %v", topic, name, rec[name], rec[name], rec)
		return 0
	}
	v := ckTotal{N: num("N"), Cents: num("CENTS"), Shipped: num("SHIPPED")}
	if _, ok := rec["PHONE"]; ok {
		v.Phone, v.LastAt = num("PHONE"), num("LAST_AT")
	}
	if a, ok := rec["AMOUNT"]; ok {
		r, ok := a.(*big.Rat)
		if !ok {
			t.Fatalf("%s: column AMOUNT is %T %v, want a decimal", topic, a, a)
		}
		v.Amount = r.FloatString(2)
	}
	return v
}

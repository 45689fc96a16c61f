package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/jsonschema"
)

// ckCustomer is what TestConfluentGoJSONReferences writes: its address
// is the schema of another subject.
type ckCustomer struct {
	Name    string     `json:"name"`
	Visits  int64      `json:"visits"`
	Ship    *ckAddress `json:"ship,omitempty"`
	BillZip int64      `json:"bill_zip"`
}

type ckAddress struct {
	City string `json:"city"`
	Zip  int64  `json:"zip"`
}

// TestConfluentGoJSONReferences has confluent-kafka-go's registry client
// register a JSON schema under subject "address" and, under
// customers_js-value, one whose "$ref"s name it (a schema reference, the
// "$ref" being the reference's name, once with a fragment), and sees one
// to a missing version refused as Confluent refuses it; "address" then
// gets a second, different version. The client's JSON Schema
// serializer, validating every record against the schema with its
// reference resolved, writes customers through eddy's embedded broker.
// eddy infers the stream's columns from the schema, the address as a
// STRUCT read at the version the reference pins, and a pull query and
// PRINT give back what was written.
func TestConfluentGoJSONReferences(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	apiAddr, kafkaAddr, sr := startWithRegistryClient(t)

	const address = `{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"integer"}},"required":["city","zip"]}`
	if _, err := sr.Register("address", schemaregistry.SchemaInfo{Schema: address, SchemaType: "JSON"}, false); err != nil {
		t.Fatalf("registering address: %v", err)
	}
	const customer = `{"type":"object","properties":{"name":{"type":"string"},"visits":{"type":"integer"},
"ship":{"$ref":"address.json"},"bill_zip":{"$ref":"address.json#/properties/zip"}},"required":["name","visits","bill_zip"]}`
	refs := []schemaregistry.Reference{{Name: "address.json", Subject: "address", Version: 1}}
	if _, err := sr.Register("customers_js-value", schemaregistry.SchemaInfo{Schema: customer, SchemaType: "JSON", References: refs}, false); err != nil {
		t.Fatalf("registering customers_js-value with a reference: %v", err)
	}
	// A reference to a version that does not exist is refused as
	// Confluent's registry refuses it.
	_, err := sr.Register("other-value", schemaregistry.SchemaInfo{Schema: customer, SchemaType: "JSON",
		References: []schemaregistry.Reference{{Name: "address.json", Subject: "address", Version: 5}}}, false)
	var re *rest.Error
	if !errors.As(err, &re) || re.Code != 42201 || !strings.Contains(re.Message, `No schema reference found for subject "address" and version 5`) {
		t.Fatalf("registering with a reference to a missing version: %v", err)
	}
	// The referenced subject moves on; the reference still pins version 1.
	if _, err := sr.UpdateCompatibility("address", schemaregistry.None); err != nil {
		t.Fatal(err)
	}
	if _, err := sr.Register("address", schemaregistry.SchemaInfo{Schema: `{"type":"object","properties":{"street":{"type":"string"}}}`, SchemaType: "JSON"}, false); err != nil {
		t.Fatalf("registering address v2: %v", err)
	}

	conf := jsonschema.NewSerializerConfig()
	conf.AutoRegisterSchemas, conf.UseLatestVersion, conf.EnableValidation = false, true, true
	ser, err := jsonschema.NewSerializer(sr, serde.ValueSerde, conf)
	if err != nil {
		t.Fatal(err)
	}
	// The serializer does resolve the reference: a record that breaks the
	// referenced schema is refused.
	if _, err := ser.Serialize("customers_js", map[string]any{"name": "x", "visits": 1, "bill_zip": 1, "ship": map[string]any{"city": 7}}); err == nil {
		t.Fatal("the serializer accepted an address whose city is a number")
	}
	const n = 20
	topic := "customers_js"
	admin, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": kafkaAddr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results, err := admin.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}})
	admin.Close()
	if err != nil || results[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("creating %s: %v %v", topic, err, results)
	}
	want := map[string]string{}
	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": kafkaAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	delivered := make(chan kafka.Event, n)
	for i := range n {
		c := ckCustomer{Name: fmt.Sprintf("c%d", i), Visits: int64(i * 3), BillZip: int64(75000 + i)}
		if i%4 != 0 {
			c.Ship = &ckAddress{City: fmt.Sprintf("City %d", i), Zip: int64(69000 + i)}
			want[c.Name] = fmt.Sprintf("%d|%s|%d|%d", c.Visits, c.Ship.City, c.Ship.Zip, c.BillZip)
		} else {
			want[c.Name] = fmt.Sprintf("%d|<nil>|<nil>|%d", c.Visits, c.BillZip)
		}
		value, err := ser.Serialize(topic, &c)
		if err != nil {
			t.Fatalf("serializing customer %d: %v", i, err)
		}
		if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: value}, delivered); err != nil {
			t.Fatalf("producing customer %d: %v", i, err)
		}
	}
	for range n {
		select {
		case e := <-delivered:
			if m, ok := e.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
				t.Fatalf("delivery: %v", e)
			}
		case <-ctx.Done():
			t.Fatalf("customers not all delivered: %v", ctx.Err())
		}
	}

	ksql(t, apiAddr, `CREATE STREAM CUSTOMERS_JS WITH (KAFKA_TOPIC='customers_js', VALUE_FORMAT='JSON_SR');`)
	rows := pull(t, apiAddr, "SELECT NAME, VISITS, SHIP->CITY, SHIP->ZIP, BILL_ZIP FROM CUSTOMERS_JS;")
	if len(rows) != n {
		t.Fatalf("the pull query gave %d customers, want %d: %v", len(rows), n, rows)
	}
	for _, r := range rows {
		num := func(v any) string {
			if f, ok := v.(float64); ok {
				return fmt.Sprint(int64(f))
			}
			return fmt.Sprint(v)
		}
		name, _ := r[0].(string)
		if got := strings.Join([]string{num(r[1]), num(r[2]), num(r[3]), num(r[4])}, "|"); got != want[name] {
			t.Errorf("customer %q: eddy read %s, want %s", name, got, want[name])
		}
	}
	body, _ := json.Marshal(map[string]any{"ksql": "PRINT 'customers_js' FROM BEGINNING LIMIT 2;"})
	printed := post(t, apiAddr, "/query", body)
	if !strings.Contains(printed, "Value format: JSON_SR") || !strings.Contains(printed, `"ship":{"city":"City 1","zip":69001}`) {
		t.Errorf("PRINT gave %q", printed)
	}
}

package registry

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rules/cel"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
)

// TestConfluentGoDataContract drives the registry with confluent-kafka-go's
// Schema Registry client and Avro serializer as a Go service using data
// contracts does: versions carry metadata properties and a rule set, the
// registry keeps and returns them (also after a restart), a schema
// registered or looked up without them takes the latest version's, other
// metadata makes another version, and a serializer configured with
// use.latest.with.metadata finds its version through
// GET /subjects/{subject}/metadata.
func TestConfluentGoDataContract(t *testing.T) {
	cluster := newMem(t)
	_, base := startRegistry(t, cluster)
	c, err := schemaregistry.NewClient(schemaregistry.NewConfig(base))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ctxs, err := c.GetAllContexts(); err != nil || !reflect.DeepEqual(ctxs, []string{"."}) {
		t.Fatalf("contexts: %v, %v; want the default one", ctxs, err)
	}
	const subject = "payments-value"
	rules := &schemaregistry.RuleSet{DomainRules: []schemaregistry.Rule{{
		Name: "checkId", Kind: "CONDITION", Mode: "WRITE", Type: "CEL", Expr: "message.ID > 0", OnFailure: "ERROR"}}}
	v1 := schemaregistry.SchemaInfo{Schema: userV1, RuleSet: rules,
		Metadata: &schemaregistry.Metadata{Properties: map[string]string{"owner": "payments", "major": "1"}}}
	reg, err := c.RegisterFullResponse(subject, v1, false)
	if err != nil {
		t.Fatal(err)
	}
	id1 := reg.ID
	// The answer describes the version, as Confluent's does.
	if reg.Version != 1 || reg.Schema != userV1 || !reflect.DeepEqual(reg.Metadata, v1.Metadata) || !reflect.DeepEqual(reg.RuleSet, rules) {
		t.Fatalf("registration answered %+v (metadata %+v, rules %+v)", reg, reg.Metadata, reg.RuleSet)
	}
	got, err := c.GetLatestSchemaMetadata(subject)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id1 || got.Version != 1 || !reflect.DeepEqual(got.Metadata, v1.Metadata) || !reflect.DeepEqual(got.RuleSet, rules) {
		t.Fatalf("latest = %+v (metadata %+v, rules %+v), want id %d with the registered contract", got, got.Metadata, got.RuleSet, id1)
	}
	if info, err := c.GetBySubjectAndID(subject, id1); err != nil || !reflect.DeepEqual(info.Metadata, v1.Metadata) {
		t.Fatalf("by id: %+v, %v", info, err)
	}

	// Without a contract, the same text is the same version, whether
	// registered or looked up.
	bare := schemaregistry.SchemaInfo{Schema: userV1}
	c2, _ := schemaregistry.NewClient(schemaregistry.NewConfig(base)) // no cached answers
	defer c2.Close()
	if id, err := c2.Register(subject, bare, false); err != nil || id != id1 {
		t.Fatalf("register without the contract: id %d, %v; want %d", id, err, id1)
	}
	if v, err := c2.GetVersion(subject, bare, false); err != nil || v != 1 {
		t.Fatalf("look up without the contract: version %d, %v; want 1", v, err)
	}
	// Other metadata is another schema: a new id and version.
	v2 := schemaregistry.SchemaInfo{Schema: userV1, Metadata: &schemaregistry.Metadata{Properties: map[string]string{"owner": "payments", "major": "2"}}}
	id2, err := c2.Register(subject, v2, false)
	if err != nil || id2 == id1 {
		t.Fatalf("register with other metadata: id %d, %v; want a new id", id2, err)
	}
	// v2 kept its own metadata and took v1's rules.
	if latest, err := c2.GetLatestSchemaMetadata(subject); err != nil || latest.Version != 2 ||
		!reflect.DeepEqual(latest.Metadata, v2.Metadata) || !reflect.DeepEqual(latest.RuleSet, rules) {
		t.Fatalf("latest = %+v, %v", latest, err)
	}

	for _, tc := range []struct {
		subject string
		props   map[string]string
		version int
		code    int
	}{
		{subject, map[string]string{"major": "1"}, 1, 0},
		{subject, map[string]string{"major": "2", "owner": "payments"}, 2, 0},
		{subject, map[string]string{}, 2, 0},
		{subject, map[string]string{"major": "3"}, 0, CodeSchemaNotFound},
		{"nope", map[string]string{"major": "1"}, 0, CodeSubjectNotFound},
	} {
		md, err := c2.GetLatestWithMetadata(tc.subject, tc.props, false)
		var re *rest.Error
		switch {
		case tc.code != 0 && !(errors.As(err, &re) && re.Code == tc.code):
			t.Errorf("%s with %v: %+v, %v; want error code %d", tc.subject, tc.props, md, err, tc.code)
		case tc.code == 0 && (err != nil || md.Version != tc.version):
			t.Errorf("%s with %v: version %d, %v; want %d", tc.subject, tc.props, md.Version, err, tc.version)
		}
	}

	// A serializer pinned to major version 1 writes that version's id,
	// after running that version's rule (CEL), which refuses a zero id.
	cel.Register()
	conf := avrov2.NewSerializerConfig()
	conf.AutoRegisterSchemas = false
	conf.UseLatestWithMetadata = map[string]string{"major": "1"}
	ser, err := avrov2.NewSerializer(c2, serde.ValueSerde, conf)
	if err != nil {
		t.Fatal(err)
	}
	type User struct {
		ID int64 `avro:"id"`
	}
	payload, err := ser.Serialize("payments", &User{ID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(payload) < 5 || payload[0] != 0 || int(binary.BigEndian.Uint32(payload[1:5])) != id1 {
		t.Fatalf("payload % x, want schema id %d", payload, id1)
	}
	var ruleErr serde.RuleConditionErr
	if _, err := ser.Serialize("payments", &User{ID: 0}); !errors.As(err, &ruleErr) {
		t.Fatalf("a zero id: %v, want the rule's condition error", err)
	}

	// The contract survives a restart (it is in the schemas topic).
	_, base2 := startRegistry(t, cluster)
	c3, _ := schemaregistry.NewClient(schemaregistry.NewConfig(base2))
	defer c3.Close()
	if md, err := c3.GetSchemaMetadata(subject, 1); err != nil || !reflect.DeepEqual(md.Metadata, v1.Metadata) || !reflect.DeepEqual(md.RuleSet, rules) {
		t.Fatalf("after a restart: %+v, %v", md, err)
	}
}

// Metadata matches the properties asked for only when it has properties
// (as Confluent's getLatestWithMetadata), even when none are asked for.
func TestMetadataHas(t *testing.T) {
	for _, tc := range []struct {
		metadata string
		props    map[string]string
		want     bool
	}{
		{`{"properties":{"a":"1","b":"2"}}`, map[string]string{"a": "1"}, true},
		{`{"properties":{"a":"1"}}`, map[string]string{"a": "2"}, false},
		{`{"properties":{"a":"1"}}`, map[string]string{"c": ""}, false},
		{`{"properties":{}}`, nil, true},
		{`{"tags":{"f":["PII"]}}`, nil, false},
		{``, nil, false},
	} {
		if got := metadataHas(json.RawMessage(tc.metadata), tc.props); got != tc.want {
			t.Errorf("%s has %v: %v, want %v", tc.metadata, tc.props, got, tc.want)
		}
	}
}

// A schema record another registry wrote may hold a null metadata and a
// rule set with its keys in any order: read, they are absent and
// canonical, so the schema keeps the id of the same registration here.
func TestDecodeVersionContract(t *testing.T) {
	sv, err := decodeVersion([]byte(`{"subject":"s","version":1,"id":3,"schema":"\"string\"","metadata":null,
"ruleSet":{"domainRules":[{"type":"CEL","name":"r","kind":"CONDITION","mode":"WRITE","expr":"true"}]},"deleted":false}`))
	if err != nil {
		t.Fatal(err)
	}
	norm, err := normalize(Schema{Schema: `"string"`, RuleSet: []byte(`{"domainRules":[{"expr":"true","kind":"CONDITION","mode":"WRITE","name":"r","type":"CEL"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if sv.Schema.Metadata != nil || contentKey(sv.Schema) != contentKey(norm) {
		t.Fatalf("decoded %+v (metadata %s, rules %s), want rules %s", sv.Schema, sv.Schema.Metadata, sv.Schema.RuleSet, norm.RuleSet)
	}
	if norm, err := normalize(Schema{Schema: `"string"`, RuleSet: []byte(`{"domainRules":[{"expr":"message.a > 0 && b < 1"}]}`)}); err != nil ||
		string(norm.RuleSet) != `{"domainRules":[{"expr":"message.a > 0 && b < 1"}]}` {
		t.Fatalf("rules kept as %s, %v", norm.RuleSet, err)
	}
	if _, err := normalize(Schema{Schema: `"string"`, Metadata: []byte(`[1]`)}); err == nil {
		t.Fatal("an array as metadata: no error")
	}
}

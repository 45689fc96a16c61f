package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// descriptorSchemas are .proto files whose descriptors, base64-encoded as
// Confluent's Python serializer registers them, must print back as text
// that compiles to the same descriptor.
var descriptorSchemas = []string{
	`syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
message Order {
  int64 id = 1;
  string customer = 2;
  double amount = 3;
  repeated Line lines = 4;
  message Line { string sku = 1; int32 qty = 2; bytes tag = 3; }
  map<string, string> attrs = 5;
  map<int32, Line> by_pos = 6;
  google.protobuf.Timestamp at = 7;
  Status status = 8;
  enum Status { NEW = 0; PAID = 1; }
  oneof pay { string card = 9; string iban = 10; }
  optional string note = 11;
  reserved 20 to 25, 30;
  reserved "old";
  sint64 s = 12; fixed32 f = 13; sfixed64 sf = 14; float fl = 15; bool b = 16; uint64 u = 17;
}
enum Kind { option allow_alias = true; A = 0; B = 1; ALSO_B = 1; }
message Empty {}`,
	`syntax = "proto2";
message Legacy {
  required int32 id = 1;
  optional string name = 2 [default = "a \"b\"\n"];
  repeated int32 nums = 3 [packed = true];
  optional Mode mode = 4 [default = SLOW];
  enum Mode { FAST = 1; SLOW = 2; }
  optional bytes raw = 5 [default = "\001x"];
  optional double d = 6 [default = -1.5];
}`,
}

func compileText(t *testing.T, text string) *descriptorpb.FileDescriptorProto {
	return compileTextWith(t, text, nil)
}

// compileTextWith compiles text as schema.proto, with imports beside
// the standard ones.
func compileTextWith(t *testing.T, text string, imports map[string]string) *descriptorpb.FileDescriptorProto {
	t.Helper()
	srcs := map[string]string{"schema.proto": text}
	maps.Copy(srcs, imports)
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(srcs)})}
	files, err := c.Compile(context.Background(), "schema.proto")
	if err != nil {
		t.Fatalf("compile:\n%s\n%v", text, err)
	}
	return protodesc.ToFileDescriptorProto(files[0])
}

// printed is the text descriptorText prints for fd sent as a client
// sends it (base64).
func printed(t *testing.T, fd *descriptorpb.FileDescriptorProto) string {
	t.Helper()
	raw, err := proto.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	text, ok, err := descriptorText(base64.StdEncoding.EncodeToString(raw))
	if err != nil || !ok {
		t.Fatalf("descriptorText: ok %v, %v", ok, err)
	}
	return text
}

func TestDescriptorPrintsAsEquivalentText(t *testing.T) {
	for _, src := range descriptorSchemas {
		want := compileText(t, src)
		text := printed(t, want)
		got := compileText(t, text)
		if !proto.Equal(got, want) {
			t.Errorf("the printed text compiles to another descriptor:\n%s\ngot  %v\nwant %v", text, got, want)
		}
	}
	for _, notDescriptor := range []string{`syntax = "proto3"; message A { int32 x = 1; }`, "bm90IGEgZGVzY3JpcHRvcg==", "!!"} {
		if _, ok, err := descriptorText(notDescriptor); ok || err != nil {
			t.Errorf("%q taken for a descriptor: %v", notDescriptor, err)
		}
	}
}

// A base64 descriptor registers (as Confluent's Python serializer does)
// under the id of its .proto text, and the registry serves the text.
func TestRegisterProtobufDescriptor(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	src := descriptorSchemas[0]
	raw, err := proto.Marshal(compileText(t, src))
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	id := register(t, base, "orders-value", schemaRequest{Schema: b64, SchemaType: "PROTOBUF"})
	if again := register(t, base, "orders-value", schemaRequest{Schema: b64, SchemaType: "PROTOBUF"}); again != id {
		t.Fatalf("the same descriptor again: id %d, want %d", again, id)
	}
	var got schemaJSON
	call(t, "GET", base+"/schemas/ids/"+strconv.Itoa(id), nil, &got)
	if got.SchemaType != "PROTOBUF" || !strings.HasPrefix(got.Schema, `syntax = "proto3";`) {
		t.Fatalf("GET /schemas/ids/%d = %+v, want the .proto text", id, got)
	}
	if byText := register(t, base, "orders-value", schemaRequest{Schema: got.Schema, SchemaType: "PROTOBUF"}); byText != id {
		t.Fatalf("the served text registers as id %d, want %d", byText, id)
	}
}

// confluentMetaProto is the part of Confluent's confluent/meta.proto a
// field option uses.
const confluentMetaProto = `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }`

// TestDescriptorKeepsFieldMeta: a descriptor whose fields carry
// Confluent's field_meta option (a decimal's precision and scale, tags, a
// doc) prints as text that keeps it: compiled again, it gives the same
// descriptor, so a decimal column keeps its precision and scale.
func TestDescriptorKeepsFieldMeta(t *testing.T) {
	src := `syntax = "proto3";
package shop.v1;
import "confluent/meta.proto";
message Order {
  bytes amount = 1 [(confluent.field_meta) = { params: [{ key: "precision", value: "10" }, { key: "scale", value: "2" }] }];
  string email = 2 [(confluent.field_meta) = { doc: "who \"ordered\"", tags: ["PII", "EMAIL"] }];
  int64 id = 3;
}`
	compile := func(text string) *descriptorpb.FileDescriptorProto {
		t.Helper()
		// As a client sends it: the option as bytes the descriptor's
		// own types do not know.
		raw, err := proto.Marshal(compileTextWith(t, text, map[string]string{"confluent/meta.proto": confluentMetaProto}))
		if err != nil {
			t.Fatal(err)
		}
		var fd descriptorpb.FileDescriptorProto
		if err := proto.Unmarshal(raw, &fd); err != nil {
			t.Fatal(err)
		}
		return &fd
	}
	want := compile(src)
	text := printed(t, want)
	if !strings.Contains(text, `(confluent.field_meta) = { params: [{ key: "precision", value: "10" }, { key: "scale", value: "2" }] }`) {
		t.Errorf("the printed text lacks the decimal's field_meta:\n%s", text)
	}
	// The compiler writes an option's fields and map entries in no fixed
	// order: the options are compared as the printer reads them, the
	// rest of the descriptors as they are.
	got := compile(text)
	if again := printed(t, got); again != text {
		t.Errorf("the printed text compiles to a descriptor printing otherwise:\n%s\nthen\n%s", text, again)
	}
	for _, fd := range []*descriptorpb.FileDescriptorProto{got, want} {
		for _, f := range fd.GetMessageType()[0].GetField() {
			f.Options = nil
		}
	}
	if !proto.Equal(got, want) {
		t.Errorf("the printed text compiles to another descriptor:\n%s\ngot  %v\nwant %v", text, got, want)
	}
}

// TestProtobufImportMustResolve: a Protobuf schema that imports a file
// it has no reference for is an invalid schema (42201), as in
// Confluent's registry; the same import with the reference registers, as
// does a well-known import.
func TestProtobufImportMustResolve(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	const uses = `syntax = "proto3";
import "common.proto";
import "google/protobuf/timestamp.proto";
message Order { Money total = 1; google.protobuf.Timestamp at = 2; }`
	msg := wantError(t, "POST", base+"/subjects/orders-value/versions", schemaRequest{Schema: uses, SchemaType: "PROTOBUF"}, 422, 42201)
	if !strings.Contains(msg, `"common.proto"`) {
		t.Errorf("the error %q does not name the import", msg)
	}
	register(t, base, "common", schemaRequest{Schema: `syntax = "proto3"; message Money { int64 cents = 1; }`, SchemaType: "PROTOBUF"})
	register(t, base, "orders-value", schemaRequest{Schema: uses, SchemaType: "PROTOBUF",
		References: []Reference{{Name: "common.proto", Subject: "common", Version: 1}}})
}

// TestProtobufServedSerialized: asked for format=serialized, as
// Confluent's Python deserializer (2.x) asks for a writer's schema and
// each of its references, the registry answers with the base64 of the
// compiled FileDescriptorProto, not the .proto text. Built into a
// descriptor pool the way that client builds one (each reference under
// its name, the well-known files given), it holds the message with its
// fields; without the parameter the text is served as before.
func TestProtobufServedSerialized(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	register(t, base, "common", schemaRequest{Schema: `syntax = "proto3"; package shop; message Money { int64 cents = 1; string currency = 2; }`, SchemaType: "PROTOBUF"})
	id := register(t, base, "orders-value", schemaRequest{Schema: `syntax = "proto3";
package shop;
import "common.proto";
import "google/protobuf/timestamp.proto";
message Order { Money total = 1; google.protobuf.Timestamp at = 2; map<string, int64> counts = 3; }`, SchemaType: "PROTOBUF",
		References: []Reference{{Name: "common.proto", Subject: "common", Version: 1}}})

	decode := func(schema string) *descriptorpb.FileDescriptorProto {
		t.Helper()
		raw, err := base64.StdEncoding.DecodeString(schema)
		if err != nil {
			t.Fatalf("the schema served is not base64: %v: %.80q", err, schema)
		}
		var fd descriptorpb.FileDescriptorProto
		if err := proto.Unmarshal(raw, &fd); err != nil {
			t.Fatalf("the schema served is not a FileDescriptorProto: %v", err)
		}
		return &fd
	}
	var byID schemaJSON
	if code, body := call(t, "GET", fmt.Sprintf("%s/schemas/ids/%d?format=serialized", base, id), nil, &byID); code != 200 {
		t.Fatalf("GET schema by id: %d %s", code, body)
	}
	order := decode(byID.Schema)
	var ref versionJSON
	if code, body := call(t, "GET", base+"/subjects/common/versions/1?format=serialized", nil, &ref); code != 200 {
		t.Fatalf("GET the reference: %d %s", code, body)
	}
	common := decode(ref.Schema)
	common.Name = proto.String("common.proto") // as the client adds a reference: under its name

	files := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(timestamppb.File_google_protobuf_timestamp_proto), common, order}}
	reg, err := protodesc.NewFiles(files)
	if err != nil {
		t.Fatalf("the served descriptors do not build a pool: %v (imports %v)", err, order.GetDependency())
	}
	d, err := reg.FindDescriptorByName("shop.Order")
	if err != nil {
		t.Fatal(err)
	}
	m := d.(protoreflect.MessageDescriptor)
	if m.Fields().ByName("total").Message().FullName() != "shop.Money" || m.Fields().ByName("at").Message().FullName() != "google.protobuf.Timestamp" || !m.Fields().ByName("counts").IsMap() {
		t.Errorf("shop.Order's fields: %v", m.Fields())
	}

	var latest versionJSON
	call(t, "GET", base+"/subjects/orders-value/versions/latest?format=serialized", nil, &latest)
	if decode(latest.Schema).GetMessageType()[0].GetName() != "Order" {
		t.Errorf("latest version, serialized: %v", decode(latest.Schema))
	}
	var text schemaJSON
	call(t, "GET", fmt.Sprintf("%s/schemas/ids/%d", base, id), nil, &text)
	if !strings.Contains(text.Schema, "message Order") {
		t.Errorf("without format the schema is %q, want its text", text.Schema)
	}
}

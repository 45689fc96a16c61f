package registry

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProto(t *testing.T) {
	f, err := parseProto(`
// A comment.
syntax = "proto3";
package ex.v1;
import "google/protobuf/timestamp.proto";
option java_package = "ex";
/* block
   comment */
message Order {
  option (my.opt) = { a: 1 };
  reserved 4, 6 to 8;
  int64 id = 1 [deprecated = true];
  repeated string tags = 2;
  map<string, int32> counts = 3;
  google.protobuf.Timestamp at = 5;
  oneof payment {
    string card = 9;
    Cash cash = 10;
  }
  message Cash { double amount = 1; }
  enum Status { NEW = 0; DONE = 1; }
  Status status = 11;
}
enum Top { A = 0; }
service S { rpc Get(Order) returns (Order); }
message Other {}
`)
	if err != nil {
		t.Fatal(err)
	}
	if f.syntax != "proto3" || f.pkg != "ex.v1" || !reflect.DeepEqual(f.order, []string{"Order", "Other"}) || !reflect.DeepEqual(f.enums, []string{"Top"}) {
		t.Fatalf("file = %+v", f)
	}
	o := f.messages["Order"]
	want := map[int]protoField{
		1:  {name: "id", typ: "int64"},
		2:  {name: "tags", typ: "string", label: "repeated"},
		3:  {name: "counts", typ: "map<string,int32>", label: "map"},
		5:  {name: "at", typ: "google.protobuf.Timestamp"},
		9:  {name: "card", typ: "string", label: "oneof"},
		10: {name: "cash", typ: "Cash", label: "oneof"},
		11: {name: "status", typ: "Status"},
	}
	if !reflect.DeepEqual(o.fields, want) {
		t.Fatalf("fields = %+v", o.fields)
	}
	if f.messages["Order.Cash"] == nil {
		t.Fatal("nested message missing")
	}

	// An option whose aggregate value holds a list of messages (ksqlDB's
	// decimal metadata) does not end the field at its '}'.
	f, err = parseProto(`syntax = "proto3"; import "confluent/meta.proto";
message D { bytes c6 = 6 [(confluent.field_meta) = { params: [{ value: "4", key: "precision" }, { value: "2", key: "scale" }]}]; int32 c7 = 7; }`)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.messages["D"].fields; len(got) != 2 || got[7].name != "c7" {
		t.Fatalf("fields = %+v", got)
	}

	// A file of enums alone (one that others import) is a schema, as in
	// Confluent's registry.
	if f, err = parseProto(`syntax = "proto3"; package ex; enum Channel { WEB = 0; PHONE = 1; }`); err != nil || !reflect.DeepEqual(f.enums, []string{"Channel"}) {
		t.Fatalf("enum-only file = %+v, %v", f, err)
	}

	for _, bad := range []string{
		``,
		`syntax = "proto3"; package ex; import "a.proto";`,
		`syntax = "proto4"; message A {}`,
		`message A { int32 a = 1; int32 b = 1; }`,
		`message A { int32 a = 0; }`,
		`message A { int32 a = 1 }`,
		`message A { int32 a = 1;`,
		`message A { int32 a = 1; } }`,
		`message A { string s = "x; }`,
		`message A { int32 a = 1 [x = 1]]; }`,
	} {
		if _, err := parseProto(bad); err == nil {
			t.Errorf("parseProto(%q): no error", bad)
		}
	}
}

func TestCheckProto(t *testing.T) {
	tests := []struct {
		name, reader, writer, want string
	}{
		{"same", `message M { int32 a = 1; }`, `message M { int32 a = 1; }`, ""},
		{"field added", `message M { int32 a = 1; string b = 2; }`, `message M { int32 a = 1; }`, ""},
		{"field removed", `message M { int32 a = 1; }`, `message M { int32 a = 1; string b = 2; }`, ""},
		{"varint widened", `message M { int64 a = 1; }`, `message M { int32 a = 1; }`, ""},
		{"string to bytes", `message M { bytes a = 1; }`, `message M { string a = 1; }`, ""},
		{"int to string", `message M { string a = 1; }`, `message M { int32 a = 1; }`, "type changed from int32 to string"},
		{"zigzag vs varint", `message M { sint32 a = 1; }`, `message M { int32 a = 1; }`, "type changed"},
		{"made repeated", `message M { repeated int32 a = 1; }`, `message M { int32 a = 1; }`, "repeated and singular"},
		{"message type renamed", `message M { X a = 1; } message X {} message Y {}`, `message M { Y a = 1; } message X {} message Y {}`, "type changed from Y to X"},
		{"qualified name", `message M { pkg.X a = 1; }`, `message M { X a = 1; }`, ""},
		{"first message removed", `message N { int32 a = 1; }`, `message M { int32 a = 1; }`, "message M was removed"},
		{"first enum removed", `enum F { A = 0; }`, `enum E { A = 0; } enum F { A = 0; }`, "enum E was removed"},
		{"enum kept", `enum E { A = 0; B = 1; }`, `enum E { A = 0; }`, ""},
		{"nested field changed", `message M { message I { string x = 1; } }`, `message M { message I { double x = 1; } }`, "message M.I field 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseProto(tt.reader)
			if err != nil {
				t.Fatal(err)
			}
			w, err := parseProto(tt.writer)
			if err != nil {
				t.Fatal(err)
			}
			msgs := checkProto(r, w)
			switch {
			case tt.want == "" && len(msgs) > 0:
				t.Fatalf("want compatible, got %q", msgs)
			case tt.want != "" && len(msgs) == 0:
				t.Fatalf("want incompatible (%s), got compatible", tt.want)
			case tt.want != "" && !strings.Contains(strings.Join(msgs, "\n"), tt.want):
				t.Fatalf("messages %q do not contain %q", msgs, tt.want)
			}
		})
	}
}

package registry

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestHTTPRegisterAndRead(t *testing.T) {
	_, base := startRegistry(t, newMem(t))

	// Pretty-printed input is stored compacted.
	pretty := "{\n  \"type\": \"record\", \"name\": \"User\", \"namespace\": \"ex\",\n  \"fields\": [{\"name\": \"id\", \"type\": \"long\"}]\n}"
	id := register(t, base, "users-value", schemaRequest{Schema: pretty})
	if id != 1 {
		t.Fatalf("first id = %d, want 1", id)
	}
	// Same schema again (other whitespace): same id, no new version.
	if again := register(t, base, "users-value", schemaRequest{Schema: userV1}); again != id {
		t.Fatalf("re-register: id %d, want %d", again, id)
	}
	var versions []int
	call(t, "GET", base+"/subjects/users-value/versions", nil, &versions)
	if !reflect.DeepEqual(versions, []int{1}) {
		t.Fatalf("versions = %v, want [1]", versions)
	}
	// Same schema under another subject: same id, version 1 there.
	if other := register(t, base, "other-value", schemaRequest{Schema: userV1}); other != id {
		t.Fatalf("other subject: id %d, want %d", other, id)
	}

	var byID schemaJSON
	call(t, "GET", base+"/schemas/ids/1", nil, &byID)
	if byID.Schema != userV1 || byID.SchemaType != "" {
		t.Fatalf("GET /schemas/ids/1 = %+v", byID)
	}
	if _, raw := call(t, "GET", base+"/schemas/ids/1/schema", nil, nil); raw != userV1 {
		t.Fatalf("raw schema = %s", raw)
	}
	var pairs []subjectVersionJSON
	call(t, "GET", base+"/schemas/ids/1/versions", nil, &pairs)
	want := []subjectVersionJSON{{"other-value", 1}, {"users-value", 1}}
	if !reflect.DeepEqual(pairs, want) {
		t.Fatalf("versions of id 1 = %v, want %v", pairs, want)
	}
	var subjectsOfID []string
	call(t, "GET", base+"/schemas/ids/1/subjects", nil, &subjectsOfID)
	if !reflect.DeepEqual(subjectsOfID, []string{"other-value", "users-value"}) {
		t.Fatalf("subjects of id 1 = %v", subjectsOfID)
	}

	id2 := register(t, base, "users-value", schemaRequest{Schema: userV2})
	if id2 != 2 {
		t.Fatalf("v2 id = %d, want 2", id2)
	}
	var latest versionJSON
	call(t, "GET", base+"/subjects/users-value/versions/latest", nil, &latest)
	if latest.Version != 2 || latest.ID != 2 || latest.Subject != "users-value" || latest.Schema != userV2 {
		t.Fatalf("latest = %+v", latest)
	}
	var v1 versionJSON
	call(t, "GET", base+"/subjects/users-value/versions/1", nil, &v1)
	if v1.Version != 1 || v1.ID != 1 {
		t.Fatalf("version 1 = %+v", v1)
	}
	if _, raw := call(t, "GET", base+"/subjects/users-value/versions/2/schema", nil, nil); raw != userV2 {
		t.Fatalf("raw version schema = %s", raw)
	}

	var found versionJSON
	call(t, "POST", base+"/subjects/users-value", schemaRequest{Schema: userV1}, &found)
	if found.Version != 1 || found.ID != 1 || found.Subject != "users-value" {
		t.Fatalf("lookup = %+v", found)
	}
	var subjects []string
	call(t, "GET", base+"/subjects", nil, &subjects)
	if !reflect.DeepEqual(subjects, []string{"other-value", "users-value"}) {
		t.Fatalf("subjects = %v", subjects)
	}
	var types []string
	call(t, "GET", base+"/schemas/types", nil, &types)
	if !reflect.DeepEqual(types, []string{"JSON", "PROTOBUF", "AVRO"}) {
		t.Fatalf("types = %v", types)
	}
	var mode modeJSON
	call(t, "GET", base+"/mode", nil, &mode)
	if mode.Mode != "READWRITE" {
		t.Fatalf("mode = %v", mode)
	}
	// A subject name with a slash, escaped in the path.
	slashed := url.PathEscape("a/b")
	register(t, base, slashed, schemaRequest{Schema: `"string"`})
	var sv versionJSON
	call(t, "GET", base+"/subjects/"+slashed+"/versions/1", nil, &sv)
	if sv.Subject != "a/b" {
		t.Fatalf("slashed subject = %+v", sv)
	}
}

func TestHTTPErrors(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	register(t, base, "s", schemaRequest{Schema: userV1})

	wantError(t, "GET", base+"/subjects/nope/versions", nil, 404, CodeSubjectNotFound)
	wantError(t, "GET", base+"/subjects/nope/versions/1", nil, 404, CodeSubjectNotFound)
	wantError(t, "GET", base+"/subjects/s/versions/7", nil, 404, CodeVersionNotFound)
	wantError(t, "GET", base+"/subjects/s/versions/zero", nil, 422, CodeInvalidVersion)
	wantError(t, "GET", base+"/subjects/s/versions/0", nil, 422, CodeInvalidVersion)
	wantError(t, "GET", base+"/schemas/ids/99", nil, 404, CodeSchemaNotFound)
	wantError(t, "POST", base+"/subjects/s", schemaRequest{Schema: userV2}, 404, CodeSchemaNotFound)
	wantError(t, "POST", base+"/subjects/nope", schemaRequest{Schema: userV2}, 404, CodeSubjectNotFound)
	wantError(t, "POST", base+"/subjects/s/versions", schemaRequest{Schema: `{"type":"record"}`}, 422, CodeInvalidSchema)
	wantError(t, "POST", base+"/subjects/s/versions", schemaRequest{Schema: `not json`}, 422, CodeInvalidSchema)
	wantError(t, "POST", base+"/subjects/s/versions", schemaRequest{Schema: `"string"`, SchemaType: "XML"}, 422, CodeInvalidSchema)
	wantError(t, "POST", base+"/subjects/s/versions", `{"schema":`, 422, 422)
	wantError(t, "PUT", base+"/config", map[string]string{"compatibility": "SIDEWAYS"}, 422, CodeInvalidCompatibility)
	wantError(t, "GET", base+"/config/s", nil, 404, CodeSubjectLevelConfigMissing)
	wantError(t, "GET", base+"/no/such/path", nil, 404, 404)
	wantError(t, "PATCH", base+"/subjects", nil, 405, 405)
	wantError(t, "PUT", base+"/mode", modeJSON{"READONLY"}, 422, CodeInvalidMode)

	msg := wantError(t, "POST", base+"/subjects/s/versions", schemaRequest{Schema: userBad}, 409, CodeIncompatible)
	if !strings.Contains(msg, "age") {
		t.Errorf("409 message does not name the field: %s", msg)
	}
}

func TestHTTPCompatibilityConfig(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	var cfg configJSON
	call(t, "GET", base+"/config", nil, &cfg)
	if cfg.CompatibilityLevel != Backward {
		t.Fatalf("default level = %s", cfg.CompatibilityLevel)
	}
	register(t, base, "s", schemaRequest{Schema: userV1})

	var compat struct {
		IsCompatible bool      `json:"is_compatible"`
		Messages     *[]string `json:"messages"`
	}
	call(t, "POST", base+"/compatibility/subjects/s/versions/latest?verbose=true", schemaRequest{Schema: userBad}, &compat)
	if compat.IsCompatible || compat.Messages == nil || len(*compat.Messages) == 0 || !strings.Contains((*compat.Messages)[0], "age") {
		t.Fatalf("compatibility of userBad = %+v", compat)
	}
	compat.Messages = nil
	call(t, "POST", base+"/compatibility/subjects/s/versions/1?verbose=true", schemaRequest{Schema: userV2}, &compat)
	if !compat.IsCompatible || compat.Messages == nil || len(*compat.Messages) != 0 {
		t.Fatalf("compatibility of userV2 = %+v", compat)
	}
	compat.Messages = nil
	call(t, "POST", base+"/compatibility/subjects/s/versions", schemaRequest{Schema: userBad}, &compat)
	if compat.IsCompatible || compat.Messages != nil {
		t.Fatalf("non-verbose compatibility = %+v", compat)
	}
	call(t, "POST", base+"/compatibility/subjects/new/versions/latest", schemaRequest{Schema: userBad}, &compat)
	if !compat.IsCompatible {
		t.Fatalf("compatibility with a new subject = %+v", compat)
	}
	wantError(t, "POST", base+"/compatibility/subjects/s/versions/9", schemaRequest{Schema: userV2}, 404, CodeVersionNotFound)

	// Subject level NONE lets userBad in.
	var upd configUpdateJSON
	call(t, "PUT", base+"/config/s", map[string]string{"compatibility": "none"}, &upd)
	if upd.Compatibility != None {
		t.Fatalf("PUT /config/s = %+v", upd)
	}
	call(t, "GET", base+"/config/s", nil, &cfg)
	if cfg.CompatibilityLevel != None {
		t.Fatalf("GET /config/s = %+v", cfg)
	}
	if id := register(t, base, "s", schemaRequest{Schema: userBad}); id != 2 {
		t.Fatalf("userBad under NONE: id %d", id)
	}
	call(t, "DELETE", base+"/config/s", nil, &cfg)
	if cfg.CompatibilityLevel != None {
		t.Fatalf("DELETE /config/s returned %+v", cfg)
	}
	call(t, "GET", base+"/config/s?defaultToGlobal=true", nil, &cfg)
	if cfg.CompatibilityLevel != Backward {
		t.Fatalf("GET /config/s?defaultToGlobal = %+v", cfg)
	}

	// FORWARD globally: removing a field without default is rejected
	// (the old reader needs it), adding one without default is fine.
	call(t, "PUT", base+"/config", map[string]string{"compatibility": "FORWARD"}, &upd)
	call(t, "GET", base+"/config", nil, &cfg)
	if cfg.CompatibilityLevel != Forward {
		t.Fatalf("global = %+v", cfg)
	}
	register(t, base, "f", schemaRequest{Schema: userBad})
	wantError(t, "POST", base+"/subjects/f/versions", schemaRequest{Schema: userV1}, 409, CodeIncompatible)
	register(t, base, "f", schemaRequest{Schema: `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"},{"name":"age","type":"int"},{"name":"x","type":"int"}]}`})

	// BACKWARD_TRANSITIVE checks every version, BACKWARD only the latest.
	call(t, "PUT", base+"/config", map[string]string{"compatibility": "NONE"}, nil)
	register(t, base, "t", schemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`})
	register(t, base, "t", schemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`})
	third := schemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":1}]}`}
	call(t, "PUT", base+"/config/t", map[string]string{"compatibility": "BACKWARD_TRANSITIVE"}, nil)
	wantError(t, "POST", base+"/subjects/t/versions", third, 409, CodeIncompatible)
	call(t, "PUT", base+"/config/t", map[string]string{"compatibility": "BACKWARD"}, nil)
	register(t, base, "t", third)

	var prev configJSON
	call(t, "DELETE", base+"/config", nil, &prev)
	call(t, "GET", base+"/config", nil, &cfg)
	if prev.CompatibilityLevel != None || cfg.CompatibilityLevel != Backward {
		t.Fatalf("DELETE /config: previous %s, now %s", prev.CompatibilityLevel, cfg.CompatibilityLevel)
	}
}

func TestHTTPDelete(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	register(t, base, "s", schemaRequest{Schema: userV1})
	register(t, base, "s", schemaRequest{Schema: userV2})

	wantError(t, "DELETE", base+"/subjects/s/versions/1?permanent=true", nil, 404, CodeVersionNotSoftDeleted)
	var n int
	call(t, "DELETE", base+"/subjects/s/versions/1", nil, &n)
	if n != 1 {
		t.Fatalf("deleted version %d", n)
	}
	wantError(t, "DELETE", base+"/subjects/s/versions/1", nil, 404, CodeVersionSoftDeleted)
	wantError(t, "GET", base+"/subjects/s/versions/1", nil, 404, CodeVersionNotFound)
	var v1 versionJSON
	call(t, "GET", base+"/subjects/s/versions/1?deleted=true", nil, &v1)
	if v1.ID != 1 {
		t.Fatalf("deleted version 1 = %+v", v1)
	}
	// Ids of soft-deleted versions still resolve (old data needs them).
	call(t, "GET", base+"/schemas/ids/1", nil, nil)
	var versions []int
	call(t, "GET", base+"/subjects/s/versions", nil, &versions)
	if !reflect.DeepEqual(versions, []int{2}) {
		t.Fatalf("versions after delete = %v", versions)
	}
	call(t, "GET", base+"/subjects/s/versions?deleted=true", nil, &versions)
	if !reflect.DeepEqual(versions, []int{1, 2}) {
		t.Fatalf("versions with deleted = %v", versions)
	}
	call(t, "DELETE", base+"/subjects/s/versions/1?permanent=true", nil, &n)
	wantError(t, "GET", base+"/subjects/s/versions/1?deleted=true", nil, 404, CodeVersionNotFound)
	wantError(t, "GET", base+"/schemas/ids/1", nil, 404, CodeSchemaNotFound)

	// Subject delete: soft, then permanent.
	register(t, base, "s", schemaRequest{Schema: `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"},{"name":"name","type":"string","default":""},{"name":"z","type":"int","default":0}]}`})
	wantError(t, "DELETE", base+"/subjects/s?permanent=true", nil, 404, CodeSubjectNotSoftDeleted)
	call(t, "PUT", base+"/config/s", map[string]string{"compatibility": "FULL"}, nil)
	var deleted []int
	call(t, "DELETE", base+"/subjects/s", nil, &deleted)
	if !reflect.DeepEqual(deleted, []int{2, 3}) {
		t.Fatalf("soft-deleted versions = %v", deleted)
	}
	wantError(t, "DELETE", base+"/subjects/s", nil, 404, CodeSubjectSoftDeleted)
	wantError(t, "GET", base+"/subjects/s/versions", nil, 404, CodeSubjectNotFound)
	var subjects []string
	call(t, "GET", base+"/subjects", nil, &subjects)
	if len(subjects) != 0 {
		t.Fatalf("subjects after soft delete = %v", subjects)
	}
	call(t, "GET", base+"/subjects?deleted=true", nil, &subjects)
	if !reflect.DeepEqual(subjects, []string{"s"}) {
		t.Fatalf("subjects with deleted = %v", subjects)
	}
	// Re-registering a soft-deleted schema: same id, next version.
	var re struct {
		ID int `json:"id"`
	}
	call(t, "POST", base+"/subjects/s/versions", schemaRequest{Schema: userV2}, &re)
	var latest versionJSON
	call(t, "GET", base+"/subjects/s/versions/latest", nil, &latest)
	if re.ID != 2 || latest.Version != 4 {
		t.Fatalf("re-register soft-deleted: id %d version %d, want 2 and 4", re.ID, latest.Version)
	}
	call(t, "DELETE", base+"/subjects/s", nil, &deleted)
	call(t, "DELETE", base+"/subjects/s?permanent=true", nil, &deleted)
	if !reflect.DeepEqual(deleted, []int{2, 3, 4}) {
		t.Fatalf("hard-deleted versions = %v", deleted)
	}
	wantError(t, "DELETE", base+"/subjects/s", nil, 404, CodeSubjectNotFound)
	wantError(t, "GET", base+"/config/s", nil, 404, CodeSubjectLevelConfigMissing)
	// Ids are never reused.
	if id := register(t, base, "s", schemaRequest{Schema: `"int"`}); id != 4 {
		t.Fatalf("id after hard delete = %d, want 4", id)
	}
	var vs []int
	call(t, "GET", base+"/subjects/s/versions", nil, &vs)
	if !reflect.DeepEqual(vs, []int{1}) {
		t.Fatalf("versions after hard delete and re-register = %v", vs)
	}
}

func TestHTTPReferences(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	addr := `{"type":"record","name":"Address","namespace":"ex","fields":[{"name":"city","type":"string"}]}`
	register(t, base, "address", schemaRequest{Schema: addr})
	refs := []Reference{{Name: "ex.Address", Subject: "address", Version: 1}}
	person := `{"type":"record","name":"Person","namespace":"ex","fields":[{"name":"home","type":"ex.Address"}]}`
	id := register(t, base, "person-value", schemaRequest{Schema: person, References: refs})

	var got schemaJSON
	call(t, "GET", base+"/schemas/ids/"+strconv.Itoa(id), nil, &got)
	if !reflect.DeepEqual(got.References, refs) {
		t.Fatalf("references = %+v", got.References)
	}
	var latest versionJSON
	call(t, "GET", base+"/subjects/person-value/versions/latest", nil, &latest)
	if !reflect.DeepEqual(latest.References, refs) {
		t.Fatalf("version references = %+v", latest.References)
	}
	var by []int
	call(t, "GET", base+"/subjects/address/versions/1/referencedby", nil, &by)
	if !reflect.DeepEqual(by, []int{id}) {
		t.Fatalf("referencedby = %v", by)
	}
	// The same text with other references is another schema.
	wantError(t, "POST", base+"/subjects/person-value/versions", schemaRequest{Schema: person}, 422, CodeInvalidSchema)
	wantError(t, "POST", base+"/subjects/x/versions",
		schemaRequest{Schema: person, References: []Reference{{Name: "ex.Address", Subject: "address", Version: 5}}}, 422, CodeInvalidSchema)
	// Compatibility follows references: a new Person whose Address
	// type comes from another version.
	addr2 := `{"type":"record","name":"Address","namespace":"ex","fields":[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}`
	call(t, "PUT", base+"/config/address", map[string]string{"compatibility": "NONE"}, nil)
	register(t, base, "address", schemaRequest{Schema: addr2})
	wantError(t, "POST", base+"/subjects/person-value/versions",
		schemaRequest{Schema: person, References: []Reference{{Name: "ex.Address", Subject: "address", Version: 2}}}, 409, CodeIncompatible)

	wantError(t, "DELETE", base+"/subjects/address/versions/1", nil, 422, CodeReferenceExists)
	wantError(t, "DELETE", base+"/subjects/address", nil, 422, CodeReferenceExists)
	call(t, "DELETE", base+"/subjects/person-value", nil, nil)
	call(t, "DELETE", base+"/subjects/address/versions/1", nil, nil)
}

func TestHTTPJSONAndProtobuf(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	js1 := `{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}`
	id := register(t, base, "j", schemaRequest{Schema: js1, SchemaType: "JSON"})
	var got schemaJSON
	call(t, "GET", base+"/schemas/ids/"+strconv.Itoa(id), nil, &got)
	if got.SchemaType != "JSON" || got.Schema != js1 {
		t.Fatalf("json schema = %+v", got)
	}
	// Requiring a new property is not BACKWARD compatible.
	wantError(t, "POST", base+"/subjects/j/versions", schemaRequest{SchemaType: "JSON",
		Schema: `{"type":"object","properties":{"id":{"type":"integer"},"n":{"type":"string"}},"required":["id","n"]}`}, 409, CodeIncompatible)
	register(t, base, "j", schemaRequest{SchemaType: "JSON",
		Schema: `{"type":"object","properties":{"id":{"type":"number"},"n":{"type":"string"}},"required":["id"]}`})
	// Another schema type than the latest version is incompatible.
	wantError(t, "POST", base+"/subjects/j/versions", schemaRequest{Schema: userV1}, 409, CodeIncompatible)
	wantError(t, "POST", base+"/subjects/j/versions", schemaRequest{SchemaType: "JSON", Schema: `{"type":"objekt"}`}, 422, CodeInvalidSchema)

	p1 := "syntax = \"proto3\";\npackage ex;\n\nmessage User {\n  int64 id = 1;\n  string name = 2;\n}\n"
	pid := register(t, base, "p", schemaRequest{Schema: p1, SchemaType: "PROTOBUF"})
	var pv versionJSON
	call(t, "GET", base+"/subjects/p/versions/latest", nil, &pv)
	if pv.SchemaType != "PROTOBUF" || pv.ID != pid || pv.Schema != strings.TrimSpace(p1) {
		t.Fatalf("protobuf version = %+v", pv)
	}
	wantError(t, "POST", base+"/subjects/p/versions", schemaRequest{SchemaType: "PROTOBUF",
		Schema: "syntax = \"proto3\";\nmessage User {\n  int64 id = 1;\n  double name = 2;\n}"}, 409, CodeIncompatible)
	register(t, base, "p", schemaRequest{SchemaType: "PROTOBUF",
		Schema: "syntax = \"proto3\";\nmessage User {\n  int32 id = 1;\n  bytes name = 2;\n  repeated string tags = 3;\n}"})
	wantError(t, "POST", base+"/subjects/p/versions", schemaRequest{SchemaType: "PROTOBUF", Schema: "message {"}, 422, CodeInvalidSchema)

	// A file of enums alone, as confluent-kafka-go's serializer registers
	// an imported one, and a message that uses it by reference.
	enums := "syntax = \"proto3\";\npackage ex;\n\nenum Channel {\n  WEB = 0;\n  PHONE = 1;\n}"
	register(t, base, url.PathEscape("ex/channel.proto"), schemaRequest{Schema: enums, SchemaType: "PROTOBUF"})
	register(t, base, "q", schemaRequest{SchemaType: "PROTOBUF",
		Schema:     "syntax = \"proto3\";\npackage ex;\nimport \"ex/channel.proto\";\nmessage Q {\n  Channel channel = 1;\n}",
		References: []Reference{{Name: "ex/channel.proto", Subject: "ex/channel.proto", Version: 1}}})
	wantError(t, "POST", base+"/subjects/e/versions", schemaRequest{SchemaType: "PROTOBUF", Schema: `syntax = "proto3"; package ex;`}, 422, CodeInvalidSchema)
}

// TestHTTPJSONReferences: a JSON schema whose "$ref"s name documents of
// other subjects (schema references, as Confluent's JSON Schema serdes
// use them). A reference to a version that does not exist is an invalid
// schema, worded as Confluent's; compatibility follows a "$ref" into the
// referenced version, a fragment of it included, as it follows local
// ones.
func TestHTTPJSONReferences(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	addr1 := `{"type":"object","properties":{"city":{"type":"string"},"zip":{"$ref":"#/definitions/Zip"}},"definitions":{"Zip":{"type":"string"}}}`
	register(t, base, "address", schemaRequest{SchemaType: "JSON", Schema: addr1})
	customer := `{"type":"object","properties":{"name":{"type":"string"},"ship":{"$ref":"address.json"},"zip":{"$ref":"address.json#/definitions/Zip"}}}`
	refTo := func(version int) []Reference {
		return []Reference{{Name: "address.json", Subject: "address", Version: version}}
	}
	id := register(t, base, "customer-value", schemaRequest{SchemaType: "JSON", Schema: customer, References: refTo(1)})
	var got schemaJSON
	call(t, "GET", base+"/schemas/ids/"+strconv.Itoa(id), nil, &got)
	if !reflect.DeepEqual(got.References, refTo(1)) {
		t.Fatalf("references = %+v", got.References)
	}

	msg := wantError(t, "POST", base+"/subjects/other-value/versions",
		schemaRequest{SchemaType: "JSON", Schema: customer, References: refTo(9)}, 422, CodeInvalidSchema)
	if want := `No schema reference found for subject "address" and version 9`; !strings.Contains(msg, want) {
		t.Errorf("missing version: %q, want it to say %q", msg, want)
	}
	msg = wantError(t, "POST", base+"/subjects/other-value/versions", schemaRequest{SchemaType: "JSON", Schema: customer,
		References: []Reference{{Name: "address.json", Subject: "nope", Version: 1}}}, 422, CodeInvalidSchema)
	if want := `No schema reference found for subject "nope" and version 1`; !strings.Contains(msg, want) {
		t.Errorf("missing subject: %q, want it to say %q", msg, want)
	}
	// A JSON schema's reference must be a JSON schema.
	register(t, base, "avro-address", schemaRequest{Schema: `{"type":"record","name":"A","fields":[]}`})
	wantError(t, "POST", base+"/subjects/other-value/versions", schemaRequest{SchemaType: "JSON", Schema: customer,
		References: []Reference{{Name: "address.json", Subject: "avro-address", Version: 1}}}, 422, CodeInvalidSchema)

	// address v2 makes city a number, v3 zip (behind the fragment) a
	// number, v4 adds an optional property.
	call(t, "PUT", base+"/config/address", map[string]string{"compatibility": "NONE"}, nil)
	for _, s := range []string{
		strings.Replace(addr1, `"city":{"type":"string"}`, `"city":{"type":"number"}`, 1),
		strings.Replace(addr1, `"Zip":{"type":"string"}`, `"Zip":{"type":"number"}`, 1),
		strings.Replace(addr1, `"city":{"type":"string"}`, `"city":{"type":"string"},"street":{"type":"string"}`, 1),
	} {
		register(t, base, "address", schemaRequest{SchemaType: "JSON", Schema: s})
	}
	for _, tc := range []struct {
		version int
		want    string // a message's path; "" when compatible
	}{{2, "/properties/ship/properties/city"}, {3, "/properties/zip"}, {4, ""}} {
		req := schemaRequest{SchemaType: "JSON", Schema: customer, References: refTo(tc.version)}
		var res compatibilityJSON
		call(t, "POST", base+"/compatibility/subjects/customer-value/versions/latest?verbose=true", req, &res)
		msgs := fmt.Sprint(res.Messages)
		if res.IsCompatible != (tc.want == "") || !strings.Contains(msgs, tc.want) {
			t.Errorf("against address v%d: compatible %v, %s; want a message at %q", tc.version, res.IsCompatible, msgs, tc.want)
		}
		if tc.want != "" {
			wantError(t, "POST", base+"/subjects/customer-value/versions", req, 409, CodeIncompatible)
		}
	}
	// Pinning v4 is compatible: a new version with a new id.
	if v := register(t, base, "customer-value", schemaRequest{SchemaType: "JSON", Schema: customer, References: refTo(4)}); v == id {
		t.Fatalf("the reference to v4 kept id %d", id)
	}
}

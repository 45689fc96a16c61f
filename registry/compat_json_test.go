package registry

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckJSONSchema(t *testing.T) {
	obj := func(props, extra string) string {
		return `{"type":"object","properties":{` + props + `}` + extra + `}`
	}
	tests := []struct {
		name, reader, writer, want string
	}{
		{"same", obj(`"a":{"type":"string"}`, ``), obj(`"a":{"type":"string"}`, ``), ""},
		{"integer to number", `{"type":"number"}`, `{"type":"integer"}`, ""},
		{"number to integer", `{"type":"integer"}`, `{"type":"number"}`, "writer type \"number\""},
		{"type widened", `{"type":["string","null"]}`, `{"type":"string"}`, ""},
		{"type narrowed", `{"type":"string"}`, `{"type":["string","null"]}`, "\"null\""},
		{"optional property added", obj(`"a":{"type":"string"},"b":{"type":"integer"}`, ``), obj(`"a":{"type":"string"}`, ``), ""},
		{"required property added", obj(`"a":{"type":"string"},"b":{"type":"string"}`, `,"required":["b"]`), obj(`"a":{"type":"string"}`, ``), "required by the reader"},
		{"property removed, open reader", obj(``, ``), obj(`"a":{"type":"string"}`, ``), ""},
		{"property removed, closed reader", obj(``, `,"additionalProperties":false`), obj(`"a":{"type":"string"}`, `,"additionalProperties":false`), "not allowed by the reader"},
		{"reader closes content model", obj(`"a":{"type":"string"}`, `,"additionalProperties":false`), obj(`"a":{"type":"string"}`, ``), "forbids additional properties"},
		{"nested property type change", obj(`"a":{"type":"object","properties":{"x":{"type":"string"}}}`, ``), obj(`"a":{"type":"object","properties":{"x":{"type":"boolean"}}}`, ``), "/properties/a/properties/x"},
		{"enum widened", `{"enum":["a","b","c"]}`, `{"enum":["a","b"]}`, ""},
		{"enum narrowed", `{"enum":["a"]}`, `{"enum":["a","b"]}`, "writer enum value b"},
		{"maxLength grown", `{"type":"string","maxLength":10}`, `{"type":"string","maxLength":5}`, ""},
		{"maxLength shrunk", `{"type":"string","maxLength":5}`, `{"type":"string","maxLength":10}`, "maxLength"},
		{"minimum added", `{"type":"number","minimum":0}`, `{"type":"number"}`, "minimum"},
		{"items", `{"type":"array","items":{"type":"number"}}`, `{"type":"array","items":{"type":"integer"}}`, ""},
		{"items narrowed", `{"type":"array","items":{"type":"integer"}}`, `{"type":"array","items":{"type":"number"}}`, "/items"},
		{"reader true", `true`, `{"type":"string"}`, ""},
		{"reader false", `false`, `{"type":"string"}`, "reader schema is false"},
		{"writer untyped", `{"type":"string"}`, `{}`, "writer allows any type"},
		{"oneOf changed", `{"oneOf":[{"type":"string"}]}`, `{"oneOf":[{"type":"number"}]}`, "oneOf"},
		// Go structs as invopop/jsonschema reflects them (confluent-kafka-go's
		// jsonschema serializer): everything behind local references.
		{"ref: optional field added", goOrder(`"id":{"type":"integer"},"name":{"type":"string"},"ship":{"$ref":"#/$defs/Addr"}`, `"id","name"`),
			goOrder(`"id":{"type":"integer"},"name":{"type":"string"}`, `"id","name"`), ""},
		{"ref: field removed, closed", goOrder(`"id":{"type":"integer"}`, `"id"`), goOrder(`"id":{"type":"integer"},"name":{"type":"string"}`, `"id","name"`), "property \"name\" is not allowed"},
		{"ref: required field added", goOrder(`"id":{"type":"integer"},"name":{"type":"string"}`, `"id","name"`), goOrder(`"id":{"type":"integer"}`, `"id"`), "required by the reader"},
		{"ref: nested type changed", goOrder(`"id":{"type":"integer"},"ship":{"$ref":"#/$defs/Addr"}`, `"id"`),
			strings.Replace(goOrder(`"id":{"type":"integer"},"ship":{"$ref":"#/$defs/Addr"}`, `"id"`), `"city":{"type":"string"}`, `"city":{"type":"integer"}`, 1), "/properties/ship/properties/city"},
		{"ref: recursive type", `{"$ref":"#/$defs/N","$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"},"v":{"type":"number"}}}}}`,
			`{"$ref":"#/$defs/N","$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"},"v":{"type":"integer"}}}}}`, ""},
		{"ref: recursive type narrowed", `{"$ref":"#/$defs/N","$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"},"v":{"type":"integer"}}}}}`,
			`{"$ref":"#/$defs/N","$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"},"v":{"type":"number"}}}}}`, "/properties/v"},
		{"ref: other document", `{"$ref":"other.json"}`, `{"$ref":"another.json"}`, "$ref differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseJSONSchema(tt.reader)
			if err != nil {
				t.Fatal(err)
			}
			w, err := parseJSONSchema(tt.writer)
			if err != nil {
				t.Fatal(err)
			}
			msgs := checkJSONSchema(r, w)
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
	for _, bad := range []string{`[]`, `1`, `{"type":"objekt"}`, `{"type":7}`, `{"properties":[]}`, `{"required":[1]}`, `{"items":3}`} {
		if _, err := parseJSONSchema(bad); err == nil {
			t.Errorf("parseJSONSchema(%s): no error", bad)
		}
	}
}

// goOrder is the schema invopop/jsonschema reflects from a Go struct
// Order with the given properties and required names (and an Addr).
func goOrder(props, required string) string {
	return `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/Order","$defs":{` +
		`"Addr":{"properties":{"city":{"type":"string"}},"additionalProperties":false,"type":"object","required":["city"]},` +
		`"Order":{"properties":{` + props + `},"additionalProperties":false,"type":"object","required":[` + required + `]}}}`
}

// versionsOf is a resolver over fixed versions, by subject and version.
type versionsOf map[string]map[int]Schema

func (v versionsOf) lookupVersion(subject string, version int) (*SubjectVersion, bool) {
	s, ok := v[subject][version]
	if !ok {
		return nil, false
	}
	s.Type = JSON
	return &SubjectVersion{Subject: subject, Version: version, Schema: s}, true
}

// The documents of references are found where a "$ref" resolves, a
// reference's own references included, relative to an "$id" too; a
// type recursive through another document is compared once.
func TestCheckJSONSchemaReferences(t *testing.T) {
	ref := func(name, subject string, version int) Reference {
		return Reference{Name: name, Subject: subject, Version: version}
	}
	const address = `{"type":"object","properties":{"country":{"$ref":"country.json"}}}`
	const node = `{"type":"object","properties":{"next":{"$ref":"node.json"},"v":{"type":"%s"}}}`
	res := versionsOf{
		"country": {1: {Schema: `{"type":"string"}`}, 2: {Schema: `{"type":"integer"}`}},
		"address": {1: {Schema: address, References: []Reference{ref("country.json", "country", 1)}},
			2: {Schema: address, References: []Reference{ref("country.json", "country", 2)}}},
		"node": {1: {Schema: fmt.Sprintf(node, "number")}, 2: {Schema: fmt.Sprintf(node, "integer")}},
	}
	doc := func(text string, refs ...Reference) *jsonDoc {
		t.Helper()
		d, err := parseJSON(Schema{Type: JSON, Schema: text, References: refs}, res)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const withID = `{"$id":"https://example.com/s/customer.json","type":"object","properties":{"ship":{"$ref":"address.json"}}}`
	for _, tc := range []struct {
		name           string
		reader, writer *jsonDoc
		want           string
	}{
		{"reference's reference changed", doc(`{"$ref":"address.json"}`, ref("address.json", "address", 2)),
			doc(`{"$ref":"address.json"}`, ref("address.json", "address", 1)), "/properties/country"},
		{"the same, named relative to $id and absolute", doc(withID, ref("https://example.com/s/address.json", "address", 1)),
			doc(withID, ref("address.json", "address", 1)), ""},
		{"relative to $id, changed", doc(withID, ref("https://example.com/s/address.json", "address", 2)),
			doc(withID, ref("address.json", "address", 1)), "/properties/ship/properties/country"},
		{"recursive through a reference", doc(`{"$ref":"node.json"}`, ref("node.json", "node", 1)), doc(`{"$ref":"node.json"}`, ref("node.json", "node", 2)), ""},
		{"recursive narrowed", doc(`{"$ref":"node.json"}`, ref("node.json", "node", 2)), doc(`{"$ref":"node.json"}`, ref("node.json", "node", 1)), "/properties/v"},
	} {
		msgs := checkJSONSchema(tc.reader, tc.writer)
		if (tc.want == "") != (len(msgs) == 0) || !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
			t.Errorf("%s: %q, want a message at %q", tc.name, msgs, tc.want)
		}
	}
	if _, err := parseJSON(Schema{Type: JSON, Schema: `{"$ref":"a.json"}`, References: []Reference{ref("a.json", "address", 3)}}, res); err == nil ||
		!strings.Contains(err.Error(), `No schema reference found for subject "address" and version 3`) {
		t.Errorf("a missing version: %v", err)
	}
}

package registry

import (
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

package registry

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func mustAvro(t *testing.T, s string) avroSchema {
	t.Helper()
	a, err := parseAvro(Schema{Type: Avro, Schema: s}, newState())
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return a
}

func rec(fields string) string {
	return `{"type":"record","name":"R","namespace":"ns","fields":[` + fields + `]}`
}

func TestCheckAvro(t *testing.T) {
	tests := []struct {
		name           string
		reader, writer string
		// want is a substring of the first message, "" for compatible.
		want string
	}{
		{"same primitive", `"int"`, `"int"`, ""},
		{"int to long", `"long"`, `"int"`, ""},
		{"int to float", `"float"`, `"int"`, ""},
		{"int to double", `"double"`, `"int"`, ""},
		{"long to float", `"float"`, `"long"`, ""},
		{"long to double", `"double"`, `"long"`, ""},
		{"float to double", `"double"`, `"float"`, ""},
		{"string to bytes", `"bytes"`, `"string"`, ""},
		{"bytes to string", `"string"`, `"bytes"`, ""},
		{"long to int", `"int"`, `"long"`, "cannot read writer type long"},
		{"double to float", `"float"`, `"double"`, "cannot read"},
		{"string to int", `"int"`, `"string"`, "cannot read"},
		{"null to int", `"int"`, `"null"`, "cannot read"},

		{"added field with default", rec(`{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}`), rec(`{"name":"a","type":"int"}`), ""},
		{"added field without default", rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`), rec(`{"name":"a","type":"int"}`), "reader field 'b' has no default"},
		{"removed field", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`), ""},
		{"field promoted", rec(`{"name":"a","type":"long"}`), rec(`{"name":"a","type":"int"}`), ""},
		{"field narrowed", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"long"}`), "/fields/a/type"},
		{"field alias", rec(`{"name":"b","type":"int","aliases":["a"]}`), rec(`{"name":"a","type":"int"}`), ""},
		{"record renamed", `{"type":"record","name":"Other","fields":[]}`, rec(``), "record name"},
		{"record alias", `{"type":"record","name":"Other","namespace":"ns","aliases":["R"],"fields":[]}`, rec(``), ""},
		{"nested record field added without default",
			rec(`{"name":"in","type":{"type":"record","name":"In","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"}]}}`),
			rec(`{"name":"in","type":{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]}}`),
			"/fields/in/type/fields/y"},

		{"enum same", `{"type":"enum","name":"E","symbols":["A","B"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, ""},
		{"enum symbol added", `{"type":"enum","name":"E","symbols":["A","B","C"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, ""},
		{"enum symbol removed", `{"type":"enum","name":"E","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, "lacks writer symbols [B]"},
		{"enum symbol removed with default", `{"type":"enum","name":"E","symbols":["A","U"],"default":"U"}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, ""},
		{"enum renamed", `{"type":"enum","name":"F","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["A"]}`, "enum name"},

		{"fixed same", `{"type":"fixed","name":"F","size":4}`, `{"type":"fixed","name":"F","size":4}`, ""},
		{"fixed resized", `{"type":"fixed","name":"F","size":8}`, `{"type":"fixed","name":"F","size":4}`, "size"},

		{"array items promoted", `{"type":"array","items":"long"}`, `{"type":"array","items":"int"}`, ""},
		{"array items narrowed", `{"type":"array","items":"int"}`, `{"type":"array","items":"long"}`, "/items"},
		{"map values promoted", `{"type":"map","values":"double"}`, `{"type":"map","values":"float"}`, ""},
		{"map values changed", `{"type":"map","values":"int"}`, `{"type":"map","values":"string"}`, "/values"},
		{"array to map", `{"type":"map","values":"int"}`, `{"type":"array","items":"int"}`, "cannot read writer type array"},

		{"writer in reader union", `["null","string"]`, `"string"`, ""},
		{"writer promoted into union", `["null","long"]`, `"int"`, ""},
		{"writer not in reader union", `["null","string"]`, `"int"`, "no branch of reader union"},
		{"writer union subset", `["null","string","int"]`, `["null","string"]`, ""},
		{"writer union superset", `["null","string"]`, `["null","string","int"]`, "/2"},
		{"writer union into non-union", `"string"`, `["null","string"]`, "/0"},
		{"union to nullable field", rec(`{"name":"a","type":["null","int"],"default":null}`), rec(`{"name":"a","type":"int"}`), ""},
		{"optional field made required", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":["null","int"],"default":null}`), "/fields/a/type/0"},

		{"recursive same",
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`,
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`, ""},
		{"recursive promoted",
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","Node"],"default":null}]}`,
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`, ""},
		{"recursive narrowed",
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`,
			`{"type":"record","name":"Node","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","Node"],"default":null}]}`, "/fields/v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := checkAvro(mustAvro(t, tt.reader), mustAvro(t, tt.writer))
			switch {
			case tt.want == "" && len(msgs) > 0:
				t.Fatalf("want compatible, got %q", msgs)
			case tt.want != "" && len(msgs) == 0:
				t.Fatalf("want incompatible (%s), got compatible", tt.want)
			case tt.want != "" && !strings.Contains(msgs[0], tt.want):
				t.Fatalf("message %q does not contain %q", msgs[0], tt.want)
			}
		})
	}
}

func TestLevels(t *testing.T) {
	old := &parsedSchema{typ: Avro, avro: mustAvro(t, rec(`{"name":"a","type":"int"},{"name":"b","type":"int"}`))}
	// new drops b (no default) and adds c (no default).
	newer := &parsedSchema{typ: Avro, avro: mustAvro(t, rec(`{"name":"a","type":"int"},{"name":"c","type":"int"}`))}
	prev := []previous{{version: 1, schema: old}}
	for level, want := range map[Level]int{None: 0, Backward: 1, Forward: 1, Full: 2, FullTransitive: 2} {
		if got := incompatibilities(level, newer, prev); len(got) != want {
			t.Errorf("%s: %d messages %q, want %d", level, len(got), got, want)
		}
	}
	if _, err := ParseLevel("full_transitive"); err != nil {
		t.Error(err)
	}
	if _, err := ParseLevel("sideways"); ErrorCode(err) != CodeInvalidCompatibility {
		t.Errorf("ParseLevel(sideways) = %v", err)
	}
}

func TestInvalidAvro(t *testing.T) {
	for _, s := range []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`,
		`{"type":"enum","name":"E","symbols":["A","A"]}`,
		`{"type":"fixed","name":"F"}`,
		`{"type":"fixed","name":"F","size":-1}`,
		`{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":-4}}]}`,
		`"nope"`,
	} {
		if _, err := parseAvro(Schema{Type: Avro, Schema: s}, newState()); err == nil {
			t.Errorf("parse %s: no error", s)
		}
	}
}

// TestRegisterRecursiveAvro: a recursive record (a linked list) registers
// and evolves; one the Avro parser panics on (a recursive field with a
// default) is an invalid schema, and the registry keeps serving.
func TestRegisterRecursiveAvro(t *testing.T) {
	r, _ := startRegistry(t, newMem(t))
	ctx := context.Background()
	list := `{"type":"record","name":"Node","fields":[{"name":"id","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`
	list2 := `{"type":"record","name":"Node","fields":[{"name":"id","type":"int"},{"name":"next","type":["null","Node"],"default":null},{"name":"tag","type":"string","default":""}]}`
	panics := `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":0},{"name":"next","type":"R","default":{}}]}`
	if _, _, err := r.Register(ctx, "bad", Schema{Schema: panics}); err == nil || !strings.Contains(err.Error(), "Avro parser failed") {
		t.Fatalf("register %s: %v", panics, err)
	}
	mustRegister(t, r, "list", Schema{Schema: list}, 1, 1)
	mustRegister(t, r, "list", Schema{Schema: list2}, 2, 2)
}

// avroDAG is a record of n nested levels, each with two fields of the
// next level's named type, whose last level has the fields given.
func avroDAG(n int, last string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"type":"record","name":"L%d","fields":[{"name":"a","type":`, i)
	}
	fmt.Fprintf(&b, `{"type":"record","name":"L%d","fields":[%s]}`, n, last)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `},{"name":"b","type":"L%d"}]}`, i+1)
	}
	return b.String()
}

// TestCheckAvroReusedTypes: a named type reused at every level is
// compared once per pair of records, not once per path (2^40 here).
func TestCheckAvroReusedTypes(t *testing.T) {
	r, _ := startRegistry(t, newMem(t))
	mustRegister(t, r, "dag", Schema{Schema: avroDAG(40, `{"name":"x","type":"int"}`)}, 1, 1)
	mustRegister(t, r, "dag", Schema{Schema: avroDAG(40, `{"name":"x","type":"int"},{"name":"y","type":"int","default":0}`)}, 2, 2)
	_, _, err := r.Register(context.Background(), "dag", Schema{Schema: avroDAG(40, `{"name":"x","type":"string"}`)})
	if err == nil || !strings.Contains(err.Error(), "reader type string cannot read writer type int") {
		t.Errorf("an incompatible change: %v", err)
	}
}

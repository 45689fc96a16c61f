package serde

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/testchild"
	"github.com/eddysql/eddy/types"
)

// avroEmptyWriter has arrays whose items take no bytes (null, a record
// of a null) beside an array of ints and an int.
const avroEmptyWriter = `{"type":"record","name":"r","fields":[
	{"name":"a","type":{"type":"array","items":"null"}},
	{"name":"e","type":{"type":"array","items":{"type":"record","name":"E","fields":[{"name":"z","type":"null"}]}}},
	{"name":"n","type":{"type":"array","items":"int"}},
	{"name":"b","type":"int"}]}`

var avroEmptyCols = []types.Column{
	col("A", types.ArrayOf(types.IntType)),
	col("E", types.ArrayOf(types.StructOf(types.Field{Name: "Z", Type: types.IntType}))),
	col("N", types.ArrayOf(types.IntType)),
	col("B", types.IntType),
}

// counts appends array blocks of the counts given, with no item bytes
// (items of no bytes), and the closing empty block.
func counts(dst []byte, ns ...int64) []byte {
	for _, n := range ns {
		dst = appendLong(dst, n)
	}
	return append(dst, 0)
}

// TestAvroEmptyItemBlocks: a block count is admitted before its items
// are read. Items of no bytes are capped at maxEmptyItems per record, so
// a few bytes cannot make the decoder allocate (or a skip loop over)
// 2^62 of them; items of a byte or more cannot outnumber the bytes left;
// a count or size out of range is an error. Reading only some columns,
// or none of these, fails the same records.
func TestAvroEmptyItemBlocks(t *testing.T) {
	wide := newAvroReadingSerde(t, avroEmptyCols, Format{Name: Avro}, avroEmptyWriter)
	_, env := srEnv()
	env.Registry = wide.reg
	narrow := mustNewFor(t, Format{Name: Avro}, []types.Column{col("B", types.IntType)}, false, env) // a, e, n skipped
	half := int64(maxEmptyItems / 2)
	tooMany := "Avro arrays of items that take no bytes (null or empty records) hold more than 1048576 items"
	for _, tc := range []struct {
		name      string
		a, e, n   []byte
		want      string // of the wide serde
		skipWants string // of the serde that skips a, e and n
	}{
		{"one block", counts(nil, maxEmptyItems+1), counts(nil), counts(nil), "`A`: " + tooMany, tooMany},
		{"two blocks", counts(nil, half+1, half+1), counts(nil), counts(nil), "`A`: " + tooMany, tooMany},
		{"per record", counts(nil, half), counts(nil, half+1), counts(nil), "`E`: " + tooMany, tooMany},
		{"sized block", counts(nil, -(maxEmptyItems + 1), 0), counts(nil), counts(nil), "`A`: " + tooMany, ""}, // a skip jumps the size
		{"count overflow", counts(nil, math.MinInt64, 0), counts(nil), counts(nil), "`A`: Avro block count out of range", ""},
		{"negative size", counts(nil, -3, -1), counts(nil), counts(nil), "`A`: negative Avro block size -1", "negative Avro length -1"},
		{"ints", counts(nil), counts(nil), counts(nil, 1<<40), "`N`: truncated Avro body: a block of 1099511627776 items with 2 bytes left", "truncated Avro body"},
		{"fits", counts(nil, 1000), counts(nil, 2, 3), counts(nil), "", ""},
	} {
		body := append(append(append(append([]byte(nil), tc.a...), tc.e...), tc.n...), appendLong(nil, 7)...)
		data := append([]byte{0, 0, 0, 0, avroReadingID}, body...)
		dst := make([]any, len(avroEmptyCols))
		err := wide.s.Decode(data, dst)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
		for _, m := range readingMasks(len(avroEmptyCols)) {
			wide.check(t, body, m)
		}
		err = narrow.Decode(data, dst[:1])
		if tc.skipWants == "" && err != nil || tc.skipWants != "" && (err == nil || !strings.Contains(err.Error(), tc.skipWants)) {
			t.Errorf("%s, skipped: got %v, want %q", tc.name, err, tc.skipWants)
		}
	}
	// The record that fits reads its items.
	dst := make([]any, len(avroEmptyCols))
	data := append([]byte{0, 0, 0, 0, avroReadingID}, append(append(counts(nil, 1000), counts(nil, 2, 3)...), 0, 14)...)
	if err := wide.s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if a, e := dst[0].([]any), dst[1].([]any); len(a) != 1000 || len(e) != 5 || !reflect.DeepEqual(e[4], types.StructVal{nil}) || dst[3] != int32(7) {
		t.Errorf("read %d nulls, %v, B %v", len(a), e, dst[3])
	}
}

// avroListSchema is a linked list: a record that holds itself.
const avroListSchema = `{"type":"record","name":"Node","fields":[{"name":"id","type":"int"},{"name":"next","type":["null","Node"]}]}`

// avroList is a body of avroListSchema: n nodes with ids 1 to n.
func avroList(n int) []byte {
	var b []byte
	for i := 1; i <= n; i++ {
		b = appendLong(b, int64(i))
		b = appendLong(b, int64(min(1, n-i))) // the Node branch, but null for the last
	}
	return b
}

// TestAvroRecursiveSchemas: a writer schema whose record holds itself is
// legal Avro. Its columns cannot be inferred (a clear error, at CREATE
// and for PRINT, which falls back); declared columns read it, to any
// depth the SQL types give, and the rest is skipped, nested at most
// maxDepth times. A schema the Avro parser panics on is an invalid
// schema. Each runs in a child process: before the fix each recursed
// until the stack overflowed (or panicked), which kills the process.
func TestAvroRecursiveSchemas(t *testing.T) {
	for name, fn := range map[string]func(*testing.T){
		"inference":    testAvroRecursiveInference,
		"columns":      testAvroRecursiveColumns,
		"shapes":       testAvroRecursiveShapes,
		"parser_panic": testAvroParserPanic,
	} {
		t.Run(name, func(t *testing.T) { testchild.Run(t, fn) })
	}
}

func testAvroRecursiveInference(t *testing.T) {
	reg, env := srEnv()
	reg.put("t-value", 61, RegSchema{Type: SchemaAvro, Schema: avroListSchema})
	const want = "the Avro record Node holds itself: a recursive type has no SQL type"
	if _, _, err := Infer(Format{Name: Avro}, false, env); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("infer: %v", err)
	}
	if _, err := NewFor(fmtOf(Avro, "VALUE_SCHEMA_ID", "61"), []types.Column{col("ID", types.IntType)}, false, env); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("VALUE_SCHEMA_ID: %v", err)
	}
	if _, _, ok := RenderWithRegistry(append([]byte{0, 0, 0, 0, 61}, avroList(3)...), reg); ok {
		t.Errorf("PRINT rendered a record of a recursive schema")
	}
}

func testAvroRecursiveColumns(t *testing.T) {
	inner := types.StructOf(types.Field{Name: "ID", Type: types.IntType})
	cols := []types.Column{
		col("ID", types.IntType),
		col("NEXT", types.StructOf(types.Field{Name: "ID", Type: types.IntType}, types.Field{Name: "NEXT", Type: inner})),
	}
	wide := newAvroReadingSerde(t, cols, Format{Name: Avro}, avroListSchema)
	_, env := srEnv()
	env.Registry = wide.reg
	idOnly := mustNewFor(t, Format{Name: Avro}, cols[:1], false, env)
	frame := func(b []byte) []byte { return append([]byte{0, 0, 0, 0, avroReadingID}, b...) }

	dst := make([]any, 2)
	if err := wide.s.Decode(frame(avroList(5)), dst); err != nil {
		t.Fatal(err)
	}
	want := []any{int32(1), types.StructVal{int32(2), types.StructVal{int32(3)}}}
	if !reflect.DeepEqual(dst, want) {
		t.Errorf("read %#v, want %#v", dst, want)
	}
	for _, n := range []int{1, 2, 5, maxDepth / 2, 4 * maxDepth} {
		for _, m := range readingMasks(len(cols)) {
			wide.check(t, avroList(n), m)
		}
	}
	tooDeep := "Avro value nests a recursive record more than 512 levels deep"
	if err := idOnly.Decode(frame(avroList(maxDepth/2)), dst[:1]); err != nil || dst[0] != int32(1) {
		t.Errorf("list of %d: %v, %v", maxDepth/2, dst[0], err)
	}
	if err := idOnly.Decode(frame(avroList(4*maxDepth)), dst[:1]); err == nil || err.Error() != tooDeep {
		t.Errorf("list of %d, skipped: %v, want %q", 4*maxDepth, err, tooDeep)
	}
	if err := wide.s.Decode(frame(avroList(4*maxDepth)), dst); err == nil || err.Error() != "column `NEXT`: "+tooDeep {
		t.Errorf("list of %d: %v", 4*maxDepth, err)
	}
}

// testAvroRecursiveShapes: recursion through an array (a tree), through
// another record, and in an unwrapped value.
func testAvroRecursiveShapes(t *testing.T) {
	reg, env := srEnv()
	reg.put("", 71, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"Tree","fields":[
		{"name":"v","type":"long"},{"name":"kids","type":{"type":"array","items":"Tree"}}]}`})
	reg.put("", 72, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"A","fields":[
		{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}]},
		{"name":"v","type":"long"}]}`})
	reg.put("", 73, RegSchema{Type: SchemaAvro, Schema: avroListSchema})
	s := mustNewFor(t, Format{Name: Avro}, []types.Column{col("V", types.BigintType)}, false, env)
	leaf := func(v int64) []byte { return appendLong(appendLong(nil, v), 0) }
	tree := appendLong(appendLong(nil, 1), 2)                                // v 1, a block of two kids
	tree = append(tree, leaf(2)...)                                          // a leaf
	tree = append(append(appendLong(appendLong(tree, 3), 1), leaf(4)...), 0) // a kid with one leaf
	tree = append(tree, 0)                                                   // end of the kids of 1
	mutual := appendLong(appendLong(appendLong(nil, 1), 1), 0)               // a → b → a → (b null)
	mutual = appendLong(appendLong(mutual, 5), 6)                            // inner a's v, outer a's v
	for _, tc := range []struct {
		id   byte
		body []byte
		want int64
	}{{71, tree, 1}, {72, mutual, 6}} {
		dst := make([]any, 1)
		if err := s.Decode(append([]byte{0, 0, 0, 0, tc.id}, tc.body...), dst); err != nil || dst[0] != tc.want {
			t.Errorf("schema %d: %v, %v", tc.id, dst[0], err)
		}
	}
	unwrapped := mustNewFor(t, fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"),
		[]types.Column{col("V", types.StructOf(types.Field{Name: "ID", Type: types.IntType}))}, false, env)
	dst := make([]any, 1)
	if err := unwrapped.Decode(append([]byte{0, 0, 0, 0, 73}, avroList(4)...), dst); err != nil || !reflect.DeepEqual(dst[0], types.StructVal{int32(1)}) {
		t.Errorf("unwrapped: %#v, %v", dst[0], err)
	}
	// A default of a recursive record is bounded too.
	sch, err := parseAvro(`{"type":"record","name":"R","fields":[{"name":"next","type":"R"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := encodeDefault(nil, sch, map[string]any{}, 0); err == nil || !strings.Contains(err.Error(), "default nests more than 512 levels") {
		t.Errorf("default: %v", err)
	}
}

// testAvroParserPanic: hamba/avro's parser panics on a recursive field
// with a default; the schema is refused, the record fails.
func testAvroParserPanic(t *testing.T) {
	reg, env := srEnv()
	reg.put("t-value", 81, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"R","fields":[
		{"name":"a","type":"int","default":0},{"name":"next","type":"R","default":{}}]}`})
	const want = "invalid Avro schema: the Avro parser failed on it"
	if _, err := NewFor(fmtOf(Avro, "VALUE_SCHEMA_ID", "81"), []types.Column{col("A", types.IntType)}, false, env); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("VALUE_SCHEMA_ID: %v", err)
	}
	s := mustNewFor(t, Format{Name: Avro}, []types.Column{col("A", types.IntType)}, false, env)
	if err := s.Decode([]byte{0, 0, 0, 0, 81, 2, 0}, make([]any, 1)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("decode: %v", err)
	}
}

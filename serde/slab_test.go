package serde

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

// slabRecord is record i of the slab tests: every value differs from the
// other records', a string is escaped, and every 50th record carries a
// string longer than slabLongText.
func slabRecord(i int) []byte {
	extra := fmt.Sprintf("extra-%d", i)
	if i%50 == 0 {
		extra = strings.Repeat("x", slabLongText+i)
	}
	return fmt.Appendf(nil, `{"ORDERID":%d,"ITEMID":"it\"em-%d","ORDERUNITS":%d.5,"ORDERTIME":%d,"ADDRESS":%q,"PRIORITY":%d}`,
		i, i, i, 1_700_000_000_000+i, extra, i%7)
}

// TestSlabValuesStay: values decoded into one Slab across many records
// (far more than a block holds) keep the values Decode gives, once the
// later records are decoded too: a Slab never writes where an earlier
// value lives, for the full and the partial decoder alike.
func TestSlabValuesStay(t *testing.T) {
	full := newJSON(benchCols, false, false)
	for _, s := range []Serde{full, Reading(full, []bool{true, true, false, true, true})} {
		var slab Slab
		const n = 2000
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = make([]any, len(benchCols))
			if err := s.(SlabDecoder).DecodeSlab(slabRecord(i), rows[i], &slab); err != nil {
				t.Fatal(err)
			}
		}
		for i, row := range rows {
			want := make([]any, len(benchCols))
			if err := s.Decode(slabRecord(i), want); err != nil {
				t.Fatal(err)
			}
			for c := range want {
				if !sameValue(row[c], want[c]) {
					t.Fatalf("%T record %d column %d: %#v, Decode gives %#v", s, i, c, row[c], want[c])
				}
			}
		}
	}
}

// TestSlabDecodeFailsAsDecode: DecodeSlab rejects the records Decode
// rejects, with the same error.
func TestSlabDecodeFailsAsDecode(t *testing.T) {
	s := newJSON(benchCols, false, false)
	var slab Slab
	for _, rec := range []string{`{"ORDERID":"x"}`, `{"ORDERID":1,`, `[1]`, `{"PRIORITY":1.5e400}`, `{"ITEMID":"a\x01"}`, `null`, ``} {
		want := s.Decode([]byte(rec), make([]any, len(benchCols)))
		got := s.DecodeSlab([]byte(rec), make([]any, len(benchCols)), &slab)
		if (want == nil) != (got == nil) || want != nil && want.Error() != got.Error() {
			t.Errorf("%q: DecodeSlab error %v, Decode error %v", rec, got, want)
		}
	}
}

// TestSlabDecodeAllocs: decoding into a Slab allocates its blocks only,
// not per record, for JSON values (full and partial) and KAFKA keys.
func TestSlabDecodeAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	full := newJSON(benchCols, false, false)
	bigint := newKafka([]types.Column{col("K", types.BigintType)})
	str := newKafka([]types.Column{col("K", types.StringType)})
	key := binary.BigEndian.AppendUint64(nil, 1_700_000_000_000)
	for _, tc := range []struct {
		name string
		s    Serde
		rec  []byte
	}{
		{"JSON", full, benchRecord},
		{"JSON reading", Reading(full, []bool{true, true}), benchRecord},
		{"KAFKA BIGINT", bigint, key},
		{"KAFKA STRING", str, []byte("a key")},
	} {
		var slab Slab
		dst := make([]any, len(benchCols))
		var kept [][]any // the values stay reachable, as rows' would
		got := testing.AllocsPerRun(200, func() {
			if err := tc.s.(SlabDecoder).DecodeSlab(tc.rec, dst, &slab); err != nil {
				t.Fatal(err)
			}
			kept = append(kept[:0], dst)
		})
		if got > 0 {
			t.Errorf("%s: %v allocations per record, want only a block now and then", tc.name, got)
		}
	}
}

// TestJSONDecodeTextSized: a record's own arena copies its strings into
// a block sized by the strings, not by the whole record: a record with a
// short string after a long unknown field allocates far fewer bytes than
// it has.
func TestJSONDecodeTextSized(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	cols := []types.Column{col("S", types.StringType), col("N", types.DoubleType)}
	s := newJSON(cols, false, false)
	rec := []byte(`{"N":1.5,"PAD":[` + strings.Repeat("1,", 1000) + `1],"S":"short"}`)
	dst := make([]any, len(cols))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 100
	for range runs {
		if err := s.Decode(rec, dst); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 256 {
		t.Errorf("%d bytes allocated per %d-byte record, want the short string's block only", per, len(rec))
	}
	if dst[0] != "short" {
		t.Errorf("S = %#v", dst[0])
	}
}

// decodeBatch decodes records from..from+n into fresh rows through slab,
// and checks each against Decode once the whole batch is decoded: a
// block still holding a value of the batch was not handed out again.
func decodeBatch(t *testing.T, s Serde, slab *Slab, from, n int) [][]any {
	t.Helper()
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = make([]any, len(benchCols))
		if err := s.(SlabDecoder).DecodeSlab(slabRecord(from+i), rows[i], slab); err != nil {
			t.Fatal(err)
		}
	}
	checkRows(t, s, rows, from)
	return rows
}

func checkRows(t *testing.T, s Serde, rows [][]any, from int) {
	t.Helper()
	want := make([]any, len(benchCols))
	for i, row := range rows {
		if err := s.Decode(slabRecord(from+i), want); err != nil {
			t.Fatal(err)
		}
		for c := range want {
			if !sameValue(row[c], want[c]) {
				t.Fatalf("record %d column %d: %#v, Decode gives %#v", from+i, c, row[c], want[c])
			}
		}
	}
}

// TestSlabRecycle: after Recycle a Slab decodes into the blocks it
// filled before rather than new ones (no allocation per batch once
// warm), and never into a block holding a value decoded since.
func TestSlabRecycle(t *testing.T) {
	var s Serde = newJSON(benchCols, false, false)
	var slab Slab
	const batch = 300 // several blocks of each kind
	for b := range 5 {
		decodeBatch(t, s, &slab, b*batch, batch)
		slab.Recycle()
	}
	if slab.HeldBlocks() == 0 {
		t.Fatal("a recycled Slab keeps no block")
	}
	if raceOn {
		return // the race detector allocates
	}
	dst := make([]any, len(benchCols))
	rec := benchRecord // no string that allocates on its own
	allocs := testing.AllocsPerRun(20, func() {
		for range batch {
			if err := s.(SlabDecoder).DecodeSlab(rec, dst, &slab); err != nil {
				t.Fatal(err)
			}
		}
		slab.Recycle()
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per recycled batch of %d records, want none", allocs, batch)
	}
}

// TestSlabForget: values decoded before a Forget keep their values
// however many batches are decoded and recycled after it.
func TestSlabForget(t *testing.T) {
	var s Serde = newJSON(benchCols, false, false)
	var slab Slab
	const batch = 300
	decodeBatch(t, s, &slab, 0, batch)
	slab.Recycle()
	kept := decodeBatch(t, s, &slab, batch, batch)
	slab.Forget()
	for b := 2; b < 6; b++ {
		decodeBatch(t, s, &slab, b*batch, batch)
		slab.Recycle()
	}
	checkRows(t, s, kept, batch)
}

// BoxString puts strings in interfaces that read back as the same
// strings after many more were boxed, without an allocation per string
// once the Slab has blocks to reuse.
func TestSlabBoxString(t *testing.T) {
	var s Slab
	var boxed []any
	for i := range 2000 {
		boxed = append(boxed, s.BoxString(fmt.Sprintf("value-%d", i)))
	}
	for i, v := range boxed {
		if got, ok := v.(string); !ok || got != fmt.Sprintf("value-%d", i) {
			t.Fatalf("boxed string %d reads %#v", i, v)
		}
	}
	s.Recycle()
	text := "some text"
	if n := testing.AllocsPerRun(1000, func() { boxed[0] = s.BoxString(text) }); n != 0 {
		t.Errorf("%v allocations per BoxString after a recycle, want none", n)
	}
}

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

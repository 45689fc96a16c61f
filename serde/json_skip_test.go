package serde

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/eddysql/eddy/types"
)

// TestSkippedKeysMatchInPlace: a Slab's arena remembers keys that match
// no column where a column was next expected, and matches them in place
// in later records. Decoding a run of records through one Slab gives
// every record the row and the error a fresh Slab gives it, whatever
// the remembered keys meet there: the same key in another case, a
// longer key starting with it, a column's own name, escapes, blanks,
// more unknown keys than it remembers, nested objects.
func TestSkippedKeysMatchInPlace(t *testing.T) {
	inner := types.StructOf(types.Field{Name: "A", Type: types.BigintType})
	cols := []types.Column{col("BIDDER", types.BigintType), col("PRICE", types.BigintType), col("S", inner)}
	s, err := New(Format{Name: JSON}, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	d := s.(SlabDecoder)
	recs := []string{
		`{"auction":1,"bidder":2,"price":3,"s":{"x":1,"a":4}}`,
		`{"auction":5,"bidder":6,"price":7,"s":{"x":2,"a":8}}`,
		`{"auction" :1,"bidder":44,"price":45}`,
		`{"auction":1,"bidder":46,"longunknownkey":1,"price":47}`,
		`{"auction":1,"bidder":48,"longunknownXXX":1,"price":49}`,
		`{"auction":1,"bidder":50,"longunknownkey":{"price":0},"price":51}`,
		`{"AUCTION":9,"bidder":10,"price":11}`,
		`{"auctions":12,"bidder":13,"price":14}`,
		`{"bidder":15,"auction":16,"price":17}`,
		`{"auction":18,"bid\u0064er":19,"price":20}`,
		`{ "auction":21, "bidder":22,"price":23}`,
		`{"auction":"text","bidder":24,"price":25}`,
		`{"auction":[1,{"bidder":0}],"bidder":26,"price":27}`,
		`{"auction":1,"bidder":28,"price":"bad"}`,
		`{"auction":{,"bidder":29}`,
		`{"bidder":30,"k1":0,"price":31,"k2":0,"s":{"k3":0,"a":32},"k4":0,"k5":0}`,
		`{"bidder":33,"k1":0,"price":34,"k2":0,"s":{"k3":0,"a":35},"k4":0,"k5":0}`,
		`{"bidder":36,"price":37,"k2":0,"s":{"k3":0,"a":38,"k3":1}}`,
		`{"auction":1,"bidder":39,"price":40}`,
		`{"auction\":1,"bidder":41}`,
		`{"price":42,"auction":1,"bidder":43}`,
	}
	checkSameRows(t, d, len(cols), recs, true)
}

// TestSkippedKeysWhenNamesDifferInCase: where two columns' names differ
// only in case, every key is scanned and looked up (none is matched in
// place), so remembered keys are met at every key: still only the keys
// that match no column are skipped.
func TestSkippedKeysWhenNamesDifferInCase(t *testing.T) {
	cols := []types.Column{col("Name", types.StringType), col("NAME", types.StringType), col("V", types.BigintType)}
	s, err := New(Format{Name: JSON}, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	recs := []string{
		`{"Name":"a","NAME":"b","V":1}`,
		`{"other":0,"Name":"c","name":"d","V":2}`,
		`{"n\u0061me":"e","Name":"f","V":3}`,
		`{"Name":"g","NAME":"h","v":4,"OTHER":0}`,
		`{"other":0,"NAME":"i","Name":"j","V":5}`,
	}
	checkSameRows(t, s.(SlabDecoder), len(cols), recs, false)
}

// checkSameRows decodes recs three times over through one Slab and
// compares each row and error with a fresh Slab's; full says the Slab
// must end up remembering as many keys as it can.
func checkSameRows(t *testing.T, d SlabDecoder, width int, recs []string, full bool) {
	t.Helper()
	var slab Slab
	for round := range 3 {
		for i, rec := range recs {
			got := make([]any, width)
			gotErr := d.DecodeSlab([]byte(rec), got, &slab)
			var fresh Slab
			want := make([]any, width)
			wantErr := d.DecodeSlab([]byte(rec), want, &fresh)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, record %d %s: got %v, %v; a fresh slab gives %v, %v", round, i, rec, got, gotErr, want, wantErr)
			}
		}
	}
	remembered := 0
	for _, k := range slab.a.skipped {
		if k.of != nil {
			remembered++
		}
	}
	if full && remembered != len(slab.a.skipped) {
		t.Errorf("%d keys remembered, want %d: the test no longer exercises the memo", remembered, len(slab.a.skipped))
	}
}

// TestSkippedNumbersFollowJSONGrammar: a number under a key that matches
// no column is checked, not read, digits eight at a time; whatever its
// length and wherever a digit run crosses an eight-byte boundary, the
// record is refused exactly when the JSON is not valid (leading zeros,
// a bare '.', 'e' without digits, letters after the digits).
func TestSkippedNumbersFollowJSONGrammar(t *testing.T) {
	s, err := New(Format{Name: JSON}, []types.Column{col("A", types.BigintType)}, false)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(7, 11))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rnd.IntN(10))
		}
		return string(b)
	}
	parts := []func() string{
		func() string { return "" },
		func() string { return "-" },
		func() string { return "." },
		func() string { return "e" },
		func() string { return "E+" },
		func() string { return "e-" },
		func() string { return "x" },
		func() string { return "0" },
		func() string { return digits(1 + rnd.IntN(20)) },
	}
	row := make([]any, 1)
	for range 20_000 {
		var num string
		for range 1 + rnd.IntN(4) {
			num += parts[rnd.IntN(len(parts))]()
		}
		// The number ends the record or runs up to the next key, so the
		// eight-byte reads meet both the end of the bytes and more text.
		for _, rec := range []string{`{"a":1,"n":` + num + `}`, `{"n":` + num + `,"a":2}`} {
			err := s.Decode([]byte(rec), row)
			if valid := json.Valid([]byte(rec)); valid != (err == nil) {
				t.Fatalf("%s: valid JSON %v, decode error %v", rec, valid, err)
			}
		}
	}
}

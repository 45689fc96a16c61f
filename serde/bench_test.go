package serde

import (
	"encoding/json"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// A ~200-byte order record with six mixed columns, field names in lower
// case as producers often write them (so matching ignores case).
var (
	benchCols = []types.Column{
		col("ORDERID", types.BigintType),
		col("ITEMID", types.StringType),
		col("ORDERUNITS", types.DoubleType),
		col("ORDERTIME", types.TimestampType),
		col("ADDRESS", types.StringType),
		col("PRIORITY", types.IntType),
	}
	benchRecord = []byte(`{"orderid":1528224275715001,"itemid":"Item_184_premium_widget","orderunits":12.578,` +
		`"ordertime":1528224275715,"address":"1234 Some Street, Springfield, Anystate 98765, USA",` +
		`"priority":3,"note":"ignored field"}`)
)

func BenchmarkJSONDecode(b *testing.B) {
	s, err := New(Format{Name: JSON}, benchCols, false)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]any, len(benchCols))
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Decode(benchRecord, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	s, err := New(Format{Name: JSON}, benchCols, false)
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(benchCols))
	if err := s.Decode(benchRecord, row); err != nil {
		b.Fatal(err)
	}
	out, _ := s.Encode(row)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Encode(row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONDecodeStdlibMap is the baseline the design warns about:
// encoding/json into map[string]any.
func BenchmarkJSONDecodeStdlibMap(b *testing.B) {
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchRecord, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDelimitedDecode(b *testing.B) {
	s, err := New(Format{Name: Delimited}, benchCols, false)
	if err != nil {
		b.Fatal(err)
	}
	rec := []byte(`1528224275715001,Item_184_premium_widget,12.578,1528224275715,"1234 Some Street, Springfield, Anystate 98765, USA",3`)
	dst := make([]any, len(benchCols))
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Decode(rec, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONEncodeDecimal writes a row like Nexmark q1's output, whose
// PRICE is a DECIMAL(23,3).
func BenchmarkJSONEncodeDecimal(b *testing.B) {
	cols := []types.Column{col("BIDDER", types.BigintType), col("PRICE", types.DecimalOf(23, 3)), col("EXTRA", types.StringType)}
	s, err := New(Format{Name: JSON}, cols, false)
	if err != nil {
		b.Fatal(err)
	}
	row := []any{int64(1017), decimal.New(1120988, -3), "kjflvbqhnm"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Encode(row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONDecodeBid decodes Nexmark bids into a Slab as a stateless
// query's task does, once reading every column and once with q0's mask
// (CHANNEL and URL only checked). The value holds the key's "auction"
// too, which matches no column.
func BenchmarkJSONDecodeBid(b *testing.B) {
	cols := []types.Column{
		col("BIDDER", types.BigintType), col("PRICE", types.BigintType),
		col("CHANNEL", types.StringType), col("URL", types.StringType),
		col("DATETIME", types.TimestampType), col("EXTRA", types.StringType),
	}
	recs := [][]byte{
		[]byte(`{"auction":1000,"bidder":1001,"price":9490,"channel":"channel-9768","url":"https://www.nexmark.com/yrv/yajj/slxd/item.htm?query=1&channel_id=9768","dateTime":1700000000000,"extra":"brxyszqoaigvsgwqlwmodznyvnvcudlznmomjduaxhppyevwqlmtvcwhtbglegelibxgifacbpajz"}`),
		[]byte(`{"auction":1000,"bidder":1001,"price":1036913,"channel":"Google","url":"https://www.nexmark.com/xhe/vs_h/__n/item.htm?query=1","dateTime":1700000000000,"extra":"pcwtjtmnmiocmdlhrdtnsrsytfpnpaszalbueukzqieqlzicohhbynocaxst"}`),
	}
	s, err := New(Format{Name: JSON}, cols, false)
	if err != nil {
		b.Fatal(err)
	}
	masks := []struct {
		name string
		read []bool
	}{
		{"all", []bool{true, true, true, true, true, true}},
		{"q0", []bool{true, true, false, false, true, true}},
		{"none", nil},
	}
	for _, m := range masks {
		p := Reading(s, m.read).(SlabDecoder)
		b.Run("read="+m.name, func(b *testing.B) {
			dst := make([]any, len(cols))
			var slab Slab
			b.SetBytes(int64(len(recs[0])))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := p.DecodeSlab(recs[i&1], dst, &slab); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

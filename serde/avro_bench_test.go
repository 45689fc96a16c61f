package serde

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/linkedin/goavro/v2"

	"github.com/eddysql/eddy/types"
)

// A ~200-byte Avro body of the six-column order record (benchCols), in the
// schema eddy registers for it (nullable unions, timestamp-millis).
var avroBenchRow = []any{
	int64(1528224275715001), "Item_184_premium_widget_deluxe_edition_blue_2024", 12.578,
	types.TimestampVal(1528224275715),
	"1234 Some Street, Springfield, Anystate 98765, United States of America, Planet Earth, Sol System, Milky Way",
	int32(3),
}

type avroBench struct {
	s      Serde
	framed []byte
	body   []byte
	schema string
}

func newAvroBench(b *testing.B) avroBench {
	reg, env := srEnv()
	s := mustNewFor(b, Format{Name: Avro}, benchCols, false, env)
	out, err := s.Encode(avroBenchRow)
	if err != nil {
		b.Fatal(err)
	}
	_, rs, _ := reg.Latest("t-value")
	return avroBench{s: s, framed: out, body: out[wireHeader:], schema: rs.Schema}
}

// toRow maps a library's decoded record onto the columns, as eddy must
// (case-insensitive names, SQL value types).
func toRow(m map[string]any, dst []any, unwrapUnion bool) {
	for i, c := range benchCols {
		v := m[c.Name]
		if v == nil {
			v = m[strings.ToLower(c.Name)]
		}
		if unwrapUnion {
			if u, ok := v.(map[string]any); ok {
				for _, x := range u {
					v = x
				}
			}
		}
		switch x := v.(type) {
		case time.Time:
			v = types.TimestampVal(x.UnixMilli())
		case int:
			v = int32(x)
		}
		dst[i] = v
	}
}

func BenchmarkAvroDecode(b *testing.B) {
	ab := newAvroBench(b)
	dst := make([]any, len(benchCols))
	b.Run("eddy", func(b *testing.B) {
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			if err := ab.s.Decode(ab.framed, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goavro", func(b *testing.B) {
		codec, err := goavro.NewCodec(ab.schema)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			native, _, err := codec.NativeFromBinary(ab.body)
			if err != nil {
				b.Fatal(err)
			}
			toRow(native.(map[string]any), dst, true)
		}
	})
	b.Run("hamba", func(b *testing.B) {
		sch := avro.MustParse(ab.schema)
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := avro.Unmarshal(sch, ab.body, &m); err != nil {
				b.Fatal(err)
			}
			toRow(m, dst, false)
		}
	})
	b.Run("hamba-struct", func(b *testing.B) {
		// hamba's fastest path: a Go struct known at compile time, which a
		// SQL engine does not have; the lower bound for the library.
		type order struct {
			OrderID    *int64     `avro:"ORDERID"`
			ItemID     *string    `avro:"ITEMID"`
			OrderUnits *float64   `avro:"ORDERUNITS"`
			OrderTime  *time.Time `avro:"ORDERTIME"`
			Address    *string    `avro:"ADDRESS"`
			Priority   *int32     `avro:"PRIORITY"`
		}
		sch := avro.MustParse(ab.schema)
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			var o order
			if err := avro.Unmarshal(sch, ab.body, &o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAvroEncode(b *testing.B) {
	ab := newAvroBench(b)
	b.Run("eddy", func(b *testing.B) {
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ab.s.Encode(avroBenchRow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goavro", func(b *testing.B) {
		codec, err := goavro.NewCodec(ab.schema)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			// goavro needs a map with unions spelled out per field.
			m := make(map[string]any, len(benchCols))
			for i, c := range benchCols {
				v := avroBenchRow[i]
				branch := map[types.Kind]string{types.Bigint: "long", types.String: "string", types.Double: "double", types.Timestamp: "long.timestamp-millis", types.Int: "int"}[c.Type.Kind]
				if ts, ok := v.(types.TimestampVal); ok {
					v = time.UnixMilli(int64(ts))
				}
				m[c.Name] = goavro.Union(branch, v)
			}
			out, err := codec.BinaryFromNative(appendHeader(buf[:0], 1), m)
			if err != nil {
				b.Fatal(err)
			}
			_ = append([]byte(nil), out...)
		}
	})
	b.Run("hamba", func(b *testing.B) {
		sch := avro.MustParse(ab.schema)
		b.SetBytes(int64(len(ab.framed)))
		b.ReportAllocs()
		for b.Loop() {
			m := make(map[string]any, len(benchCols))
			for i, c := range benchCols {
				v := avroBenchRow[i]
				if ts, ok := v.(types.TimestampVal); ok {
					v = time.UnixMilli(int64(ts))
				}
				m[c.Name] = v
			}
			body, err := avro.Marshal(sch, m)
			if err != nil {
				b.Fatal(err)
			}
			_ = append(appendHeader(make([]byte, 0, wireHeader+len(body)), 1), body...)
		}
	})
}

// BenchmarkAvroDecodeReading decodes a Nexmark bid reading every column,
// one BIGINT (PRICE) and none: unread columns are walked and checked,
// not materialized.
func BenchmarkAvroDecodeReading(b *testing.B) {
	reg, env := srEnv()
	reg.put("", 5, RegSchema{Type: SchemaAvro, Schema: nexmarkBidSchema})
	bid, err := avro.Marshal(avro.MustParse(nexmarkBidSchema), nexmarkBid)
	if err != nil {
		b.Fatal(err)
	}
	rec := append([]byte{0, 0, 0, 0, 5}, bid...)
	s := mustNewFor(b, Format{Name: Avro}, nexmarkBidCols, false, env)
	for _, read := range [][]bool{{true, true, true, true, true, true, true}, {false, false, true}, nil} {
		p := Reading(s, read)
		b.Run(fmt.Sprintf("read=%v", read), func(b *testing.B) {
			dst := make([]any, len(nexmarkBidCols))
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := p.Decode(rec, dst); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time, not wall time: the figure holds on a busy machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// A Nexmark bid as its generators write it in Avro: nullable fields.
const nexmarkBidSchema = `{"type":"record","name":"Bid","fields":[
	{"name":"auction","type":["null","long"]},
	{"name":"bidder","type":["null","long"]},
	{"name":"price","type":["null","long"]},
	{"name":"channel","type":["null","string"]},
	{"name":"url","type":["null","string"]},
	{"name":"dateTime","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
	{"name":"extra","type":["null","string"]}]}`

var (
	nexmarkBidCols = []types.Column{
		col("AUCTION", types.BigintType),
		col("BIDDER", types.BigintType),
		col("PRICE", types.BigintType),
		col("CHANNEL", types.StringType),
		col("URL", types.StringType),
		col("DATETIME", types.TimestampType),
		col("EXTRA", types.StringType),
	}
	nexmarkBid = map[string]any{
		"auction": int64(1000), "bidder": int64(2001), "price": int64(8915671),
		"channel": "channel-5901", "url": "https://www.nexmark.com/rsra/vfkf/kvfv/item.htm?query=1&channel_id=1279262720",
		"dateTime": time.UnixMilli(1700000000123).UTC(),
		"extra":    "[MN[XTZ]VSZTMMEJWMZSXZSPXVQRJNZZXJJHVMWHJLEQJXNOPIHKJXZ",
	}
)

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

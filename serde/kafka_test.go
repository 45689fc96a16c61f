package serde

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestKafkaBytes(t *testing.T) {
	cases := []struct {
		name string
		typ  *types.Type
		val  any
		enc  []byte
	}{
		{"int", types.IntType, int32(2), []byte{0, 0, 0, 2}},
		{"negative int", types.IntType, int32(-1), []byte{0xff, 0xff, 0xff, 0xff}},
		{"bigint", types.BigintType, int64(10000000000), []byte{0, 0, 0, 2, 0x54, 0x0b, 0xe4, 0}},
		{"double", types.DoubleType, 1.1, []byte{0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}},
		{"string", types.StringType, "bar é", []byte("bar é")},
		{"empty string", types.StringType, "", []byte{}},
		{"bytes", types.BytesType, []byte("variations"), []byte("variations")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, isKey := range []bool{true, false} {
				s := mustNew(t, fmtOf("KAFKA"), []types.Column{col("V", c.typ)}, isKey)
				out, err := s.Encode([]any{c.val})
				if err != nil || !bytes.Equal(out, c.enc) || out == nil {
					t.Fatalf("encode: got %x, %v; want %x", out, err, c.enc)
				}
				dst := []any{"garbage"}
				if err := s.Decode(c.enc, dst); err != nil || !sameValue(dst[0], c.val) {
					t.Fatalf("decode: got %#v, %v", dst[0], err)
				}
			}
		})
	}
}

func TestKafkaNullsAndErrors(t *testing.T) {
	s := mustNew(t, fmtOf("KAFKA"), []types.Column{col("V", types.IntType)}, false)
	if out, err := s.Encode([]any{nil}); out != nil || err != nil {
		t.Fatalf("null: got %x, %v", out, err)
	}
	dst := []any{1}
	if err := s.Decode(nil, dst); err != nil || dst[0] != nil {
		t.Fatalf("nil: got %v, %v", dst, err)
	}
	if err := s.Decode([]byte{1, 2, 3}, dst); err == nil || !strings.Contains(err.Error(), "needs 4 bytes, got 3") {
		t.Fatalf("short: got %v", err)
	}
	sd := mustNew(t, fmtOf("KAFKA"), []types.Column{col("V", types.DoubleType)}, false)
	if err := sd.Decode([]byte{1}, dst); err == nil || !strings.Contains(err.Error(), "`V`") {
		t.Fatalf("short double: got %v", err)
	}
	if _, err := s.Encode([]any{"x"}); err == nil {
		t.Fatal("wrong Go type accepted")
	}
	// A keyless stream: the key bytes are ignored and nothing is written.
	k := mustNew(t, fmtOf("KAFKA"), nil, true)
	if err := k.Decode([]byte("should be ignored"), nil); err != nil {
		t.Fatal(err)
	}
	if out, err := k.Encode(nil); out != nil || err != nil {
		t.Fatalf("got %x, %v", out, err)
	}
	// NaN survives the trip bit for bit.
	out, _ := sd.Encode([]any{math.NaN()})
	if err := sd.Decode(out, dst); err != nil || !math.IsNaN(dst[0].(float64)) {
		t.Fatalf("NaN: %v %v", dst, err)
	}
}

func TestKafkaBytesAreCopied(t *testing.T) {
	s := mustNew(t, fmtOf("KAFKA"), []types.Column{col("B", types.BytesType)}, false)
	rec := []byte("abc")
	dst := make([]any, 1)
	if err := s.Decode(rec, dst); err != nil {
		t.Fatal(err)
	}
	rec[0] = 'X'
	if string(dst[0].([]byte)) != "abc" {
		t.Fatal("decoded BYTES alias the record buffer")
	}
}

// TestKafkaCheckingFailsAsDecoding: a KAFKA column read by nobody is only
// checked, failing on exactly the bytes decoding fails on, with the same
// error, and leaving the column null; the bytes of a value it accepts
// encode back to themselves (SameBytes).
func TestKafkaCheckingFailsAsDecoding(t *testing.T) {
	for _, typ := range []*types.Type{types.IntType, types.BigintType, types.DoubleType, types.StringType, types.BytesType} {
		full := mustNew(t, fmtOf("KAFKA"), []types.Column{col("K", typ)}, true)
		checking := Reading(full, nil)
		if _, ok := checking.(kafkaChecking); !ok {
			t.Fatalf("%s: Reading gives %T", typ, checking)
		}
		if !SameBytes(full, full) {
			t.Errorf("%s: not SameBytes as itself", typ)
		}
		inputs := [][]byte{nil, {}}
		for n := 1; n <= 9; n++ {
			inputs = append(inputs, bytes.Repeat([]byte{0x7f - byte(n)}, n))
		}
		inputs = append(inputs, []byte{0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8}, []byte{0x7f, 0xf8, 0, 0, 0, 0, 0, 1})
		for _, in := range inputs {
			want := []any{"sentinel"}
			wantErr := full.Decode(in, want)
			got := []any{"sentinel"}
			gotErr := checking.Decode(in, got)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || got[0] != nil {
				t.Errorf("%s %x: checking gives %v, %v; decoding %v", typ, in, got[0], gotErr, wantErr)
			}
			slabbed := []any{"sentinel"}
			if err := checking.(SlabDecoder).DecodeSlab(in, slabbed, &Slab{}); fmt.Sprint(err) != fmt.Sprint(wantErr) || slabbed[0] != nil {
				t.Errorf("%s %x: DecodeSlab gives %v, %v", typ, in, slabbed[0], err)
			}
			if wantErr == nil && in != nil {
				out, err := full.Encode(want)
				if err != nil || !bytes.Equal(out, in) {
					t.Errorf("%s %x decodes to %v, which encodes to %x, %v", typ, in, want[0], out, err)
				}
			}
		}
	}
	a := mustNew(t, fmtOf("KAFKA"), []types.Column{col("K", types.BigintType)}, true)
	for _, other := range []Serde{
		mustNew(t, fmtOf("KAFKA"), []types.Column{col("K", types.IntType)}, true),
		mustNew(t, fmtOf("JSON"), []types.Column{col("K", types.BigintType)}, true),
	} {
		if SameBytes(a, other) {
			t.Errorf("KAFKA BIGINT SameBytes as %T %v", other, other)
		}
	}
}

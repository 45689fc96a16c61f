package expr

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// The int64 fast path of DECIMAL + - * and comparisons must give exactly
// what the math/big path gives: the same value at the same exponent.
func TestSmallDecimalArithMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := []any{int64(0), int64(1), int64(-1), int32(7), int64(math.MaxInt64), int64(math.MinInt64), int32(math.MinInt32),
		decimal.New(908, -3), decimal.New(-5, -1), decimal.New(15, -1), decimal.New(-25, -2), decimal.New(math.MaxInt64, -4),
		decimal.RequireFromString("12345678901234567890.123"), decimal.Decimal{}}
	for range 300 {
		vals = append(vals, decimal.New(r.Int64N(2e9)-1e9, -int32(r.IntN(6))), r.Int64N(1e12)-5e11)
	}
	bigOp := map[byte]func(a, b decimal.Decimal) decimal.Decimal{'+': decimal.Decimal.Add, '-': decimal.Decimal.Sub, '*': decimal.Decimal.Mul}
	fast := 0
	for _, a := range vals {
		for _, b := range vals {
			for _, op := range []byte{'+', '-', '*'} {
				for _, scale := range []int32{0, 1, 3, 6} {
					want := bigOp[op](dec(a), dec(b)).Round(scale)
					got, ok := smallArith(nil, op, a, b, scale)
					if !ok {
						continue
					}
					fast++
					g := got.(decimal.Decimal)
					if !g.Equal(want) || g.Exponent() != want.Exponent() {
						t.Fatalf("%v %c %v at scale %d = %s (exp %d), want %s (exp %d)", a, op, b, scale, g, g.Exponent(), want, want.Exponent())
					}
				}
			}
			wantCmp := dec(a).Cmp(dec(b))
			if c, ok := smallCmp(a, b); ok && c != wantCmp {
				t.Fatalf("compare %v with %v = %d, want %d", a, b, c, wantCmp)
			}
		}
	}
	if fast < len(vals)*len(vals) {
		t.Errorf("the fast path took only %d of %d cases", fast, len(vals)*len(vals)*12)
	}
}

// q1 of Nexmark: 0.908 * a BIGINT is DECIMAL(23,3), at scale 3.
func TestDecimalTimesBigint(t *testing.T) {
	r := testResolver{cols: []types.Column{col("PRICE", types.BigintType)}}
	c, err := Compile(mustParse(t, "0.908 * PRICE"), r, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int64{0, 1, 1234567, -3, math.MaxInt64} {
		got, ok := c.Eval(nil, []any{p}).(decimal.Decimal)
		want := decimal.New(908, -3).Mul(decimal.NewFromInt(p))
		if !ok || !got.Equal(want) || got.Exponent() != -3 {
			t.Errorf("0.908 * %d = %v, want %s at scale 3", p, got, want)
		}
	}
	if cmp, err := Compile(mustParse(t, "0.908 * PRICE > 1000000"), r, NewRegistry()); err != nil {
		t.Fatal(err)
	} else if v := cmp.Eval(nil, []any{int64(1101322)}); v != true {
		t.Errorf("0.908 * 1101322 > 1000000 = %v", v)
	} else if v := cmp.Eval(nil, []any{int64(1101321)}); v != false {
		t.Errorf("0.908 * 1101321 > 1000000 = %v", v)
	}
}

// BenchmarkDecimalTimesBigint is q1's 0.908 * PRICE.
func BenchmarkDecimalTimesBigint(b *testing.B) {
	r := testResolver{cols: []types.Column{col("PRICE", types.BigintType)}}
	c, err := Compile(mustParse(b, "0.908 * PRICE"), r, NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	row := []any{int64(1234567)}
	ctx := &Context{}
	b.ReportAllocs()
	for b.Loop() {
		c.Eval(ctx, row)
	}
}

// A DECIMAL converts to the same DOUBLE with or without the fast path:
// the nearest one, as Java's BigDecimal.doubleValue and strconv give.
func TestDecimalToDoubleIsNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vals := []decimal.Decimal{decimal.New(0, -3), decimal.New(1, -1), decimal.New(-3, -1), decimal.New(1<<53, -22),
		decimal.New(-(1 << 53), 22), decimal.New(1<<53+1, 0), decimal.New(7, -23), decimal.New(123456789, -3)}
	for range 20000 {
		vals = append(vals, decimal.New(r.Int64N(1<<54)-1<<53, int32(r.IntN(51))-25))
	}
	fast := 0
	for _, d := range vals {
		want, err := strconv.ParseFloat(d.String(), 64)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := exactFloat(d); ok {
			fast++
		}
		if got, _ := toFloat(d); got != want {
			t.Fatalf("%s as a DOUBLE = %v, want %v", d, got, want)
		}
	}
	if fast < len(vals)/2 {
		t.Errorf("the fast path took only %d of %d values", fast, len(vals))
	}
}

// ROUND and division of DECIMALs on int64 coefficients give exactly what
// the math/big path gives: the same value at the same exponent.
func TestSmallRoundAndDivideMatchBig(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	vals := []decimal.Decimal{decimal.New(0, 0), decimal.New(5, -1), decimal.New(-5, -1), decimal.New(15, -1), decimal.New(-25, -1),
		decimal.New(-15, -2), decimal.New(math.MaxInt64, -3), decimal.New(math.MinInt64, -3), decimal.New(12345, 0), decimal.New(-99995, -4)}
	for range 3000 {
		vals = append(vals, decimal.New(r.Int64N(2e12)-1e12, -int32(r.IntN(8))))
	}
	fast := 0
	for _, d := range vals {
		for _, places := range []int{-3, -1, 0, 1, 2, 5, 9} {
			want := rescale(roundCeilHalf(d, places), int(-d.Exponent()))
			if got, ok := smallRound(d, places, true); ok {
				fast++
				if g := got.(decimal.Decimal); !g.Equal(want) || g.Exponent() != want.Exponent() {
					t.Fatalf("ROUND(%s, %d) = %s (exp %d), want %s (exp %d)", d, places, g, g.Exponent(), want, want.Exponent())
				}
			}
		}
		want := roundCeilHalf(d, 0)
		if got, ok := smallRound(d, 0, false); ok {
			if g := got.(decimal.Decimal); !g.Equal(want) || g.Exponent() != want.Exponent() {
				t.Fatalf("ROUND(%s) = %s (exp %d), want %s (exp %d)", d, g, g.Exponent(), want, want.Exponent())
			}
		}
	}
	for i, a := range vals {
		for _, scale := range []int32{0, 2, 6, 10} {
			b := vals[(i*7+3)%len(vals)]
			if b.IsZero() {
				continue
			}
			want := a.DivRound(b, scale)
			if got, ok := smallDiv(nil, a, b, scale); ok {
				fast++
				if g := got.(decimal.Decimal); !g.Equal(want) || g.Exponent() != want.Exponent() {
					t.Fatalf("%s / %s at scale %d = %s (exp %d), want %s (exp %d)", a, b, scale, g, g.Exponent(), want, want.Exponent())
				}
			}
			for _, n := range []any{int64(3), int32(-7), int64(1000)} {
				want := a.DivRound(dec(n), scale)
				if got, ok := smallDiv(nil, a, n, scale); ok {
					if g := got.(decimal.Decimal); !g.Equal(want) || g.Exponent() != want.Exponent() {
						t.Fatalf("%s / %v at scale %d = %s, want %s", a, n, scale, g, want)
					}
				}
			}
		}
	}
	if fast < len(vals)*4 {
		t.Errorf("the fast paths took only %d cases", fast)
	}
}

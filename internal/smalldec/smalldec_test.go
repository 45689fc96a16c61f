package smalldec

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/shopspring/decimal"
)

func TestLayoutCheckPasses(t *testing.T) {
	if !enabled {
		t.Fatal("the shopspring layout self-check failed: every fast path is off")
	}
}

var coefs = []int64{0, 1, -1, 5, -5, 9, 10, 15, -15, 25, -25, 49, 50, -50, 999, 1000, -1000, 12345, -12345,
	908, 4_999_999, 5_000_000, math.MaxInt64, math.MinInt64, math.MaxInt64 / 10, -math.MaxInt64 / 7, 1 << 40, -(1 << 53)}

func TestInt64AndNewMatchShopspring(t *testing.T) {
	for _, c := range coefs {
		for _, exp := range []int32{-20, -3, 0, 2} {
			want := decimal.New(c, exp)
			got := New(c, exp)
			if !got.Equal(want) || got.Exponent() != exp || got.String() != want.String() {
				t.Errorf("New(%d, %d) = %s (exp %d), want %s", c, exp, got, got.Exponent(), want)
			}
			coef, e, ok := Int64(want)
			if !ok || coef != c || e != exp {
				t.Errorf("Int64(%s) = %d, %d, %v", want, coef, e, ok)
			}
			boxed, isDec := Box(c, exp).(decimal.Decimal)
			if !isDec || !boxed.Equal(want) || boxed.Exponent() != exp {
				t.Errorf("Box(%d, %d) = %v", c, exp, boxed)
			}
		}
	}
	if _, _, ok := Int64(decimal.RequireFromString("123456789012345678901234567890")); ok {
		t.Error("Int64 accepted a 30-digit coefficient")
	}
	if c, _, ok := Int64(decimal.Decimal{}); !ok || c != 0 {
		t.Errorf("Int64 of the zero Decimal = %d, %v", c, ok)
	}
}

// Rescale must round exactly as decimal.Round does (half away from zero).
func TestRescaleMatchesRound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(c int64, exp, scale int32) {
		t.Helper()
		d := decimal.New(c, exp)
		want := d.Round(scale)
		got, ok := Rescale(c, exp, scale)
		wc, wexp, wok := Int64(want)
		if wok && wexp != -scale {
			t.Fatalf("Round(%s, %d) has exponent %d", d, scale, wexp)
		}
		// ok false only sends the caller to math/big; a result must be
		// Round's, and small cases must not need the fallback.
		small := c > -1<<40 && c < 1<<40 && exp > -10 && exp < 10
		if (ok && (!wok || got != wc)) || (!ok && small && wok) {
			t.Errorf("Rescale(%d, %d, %d) = %d, %v; Round gives %s", c, exp, scale, got, ok, want)
		}
	}
	for _, c := range coefs {
		for _, exp := range []int32{-20, -6, -3, -1, 0, 1, 3} {
			for _, scale := range []int32{0, 1, 2, 3, 5, 19} {
				check(c, exp, scale)
			}
		}
	}
	for range 20000 {
		c := r.Int64N(2_000_000) - 1_000_000
		check(c, -int32(r.IntN(8)), int32(r.IntN(6)))
	}
}

func TestMulAdd(t *testing.T) {
	for _, a := range coefs {
		for _, b := range coefs {
			want := decimal.NewFromInt(a).Mul(decimal.NewFromInt(b))
			got, ok := Mul(a, b)
			wc, _, wok := Int64(want)
			if wok && want.Cmp(decimal.NewFromInt(math.MinInt64)) == 0 {
				wok = false // MinInt64 products are left to big
			}
			if ok != wok || (ok && got != wc) {
				t.Errorf("Mul(%d, %d) = %d, %v; want %s", a, b, got, ok, want)
			}
			wantSum := decimal.NewFromInt(a).Add(decimal.NewFromInt(b))
			sum, ok := Add(a, b)
			sc, _, sok := Int64(wantSum)
			if ok != sok || (ok && sum != sc) {
				t.Errorf("Add(%d, %d) = %d, %v; want %s", a, b, sum, ok, wantSum)
			}
		}
	}
}

func TestAppendFixedMatchesStringFixed(t *testing.T) {
	for _, c := range coefs {
		for _, scale := range []int32{0, 1, 2, 3, 6, 19, 20, 25, 39, 40, 41, 60} {
			want := decimal.New(c, -scale).StringFixed(scale)
			if got := string(AppendFixed(nil, c, scale)); got != want {
				t.Errorf("AppendFixed(%d, %d) = %s, want %s", c, scale, got, want)
			}
		}
	}
}

func TestDigits(t *testing.T) {
	cs := append([]int64(nil), coefs...)
	for p := int64(1); p <= math.MaxInt64/10; p *= 10 { // every power of ten and its neighbours
		cs = append(cs, p-1, p, p+1, 1-p, -p, -p-1)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		cs = append(cs, int64(r.Uint64()>>r.IntN(64)))
	}
	for _, c := range cs {
		want := len(decimal.NewFromInt(c).Abs().String())
		if got := Digits(c); got != want {
			t.Errorf("Digits(%d) = %d, want %d", c, got, want)
		}
	}
}

// sink keeps benchmark results alive, as a row would.
var sink any

// BenchmarkMulShopspring is q1's 0.908 * PRICE as the evaluator did it
// before this package: a BIGINT to a decimal, Mul, Round, boxed.
func BenchmarkMulShopspring(b *testing.B) {
	k := decimal.RequireFromString("0.908")
	b.ReportAllocs()
	for i := range b.N {
		sink = decimal.NewFromInt(int64(i)).Mul(k).Round(3)
	}
}

func BenchmarkMulSmall(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		c, _ := Mul(int64(i), 908)
		sink = Box(c, -3)
	}
}

func BenchmarkStringFixed(b *testing.B) {
	d := decimal.New(123456789, -3)
	b.ReportAllocs()
	for range b.N {
		sink = d.StringFixed(3)
	}
}

func BenchmarkAppendFixed(b *testing.B) {
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	for range b.N {
		buf = AppendFixed(buf[:0], 123456789, 3)
	}
}

// BenchmarkAppendFixedVaried writes prices of 1 to 12 digits in a
// random order, as q1's output column holds: the digit count changes
// from one value to the next.
func BenchmarkAppendFixedVaried(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]int64, 4096)
	for i := range vals {
		vals[i] = r.Int64N(pow10[1+r.IntN(12)])
	}
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = AppendFixed(buf[:0], vals[i&4095], 3)
		i++
	}
}

func TestSlabBoxesLikeBox(t *testing.T) {
	var s Slab
	type want struct {
		coef int64
		exp  int32
	}
	var vals []any
	var wants []want
	for round := 0; round < 3; round++ { // past a block's end
		for _, c := range coefs {
			for _, exp := range []int32{-20, -3, 0, 2} {
				vals = append(vals, s.Box(c, exp))
				wants = append(wants, want{c, exp})
			}
		}
	}
	runtime.GC()
	for i, v := range vals {
		w := wants[i]
		d, ok := v.(decimal.Decimal)
		if !ok || !d.Equal(decimal.New(w.coef, w.exp)) || d.Exponent() != w.exp || d.String() != Box(w.coef, w.exp).(decimal.Decimal).String() {
			t.Fatalf("value %d = %v, want %d×10^%d", i, v, w.coef, w.exp)
		}
	}
	if a := testing.AllocsPerRun(slabBoxes*4, func() { s.Box(908, -3) }); a > 2.0/slabBoxes {
		t.Errorf("%v allocations per value", a)
	}
	var none *Slab
	if d, ok := none.Box(-5, -1).(decimal.Decimal); !ok || d.String() != "-0.5" {
		t.Errorf("a nil Slab boxed %v", d)
	}
}

// TestSlabRecycle: after Recycle, Box writes into the blocks already
// filled (no allocation once warm); decimals boxed before a Forget keep
// their values through later recycled rounds.
func TestSlabRecycle(t *testing.T) {
	var s Slab
	round := func(base int64) []any {
		vals := make([]any, 3*slabBoxes)
		for i := range vals {
			vals[i] = s.Box(base+int64(i), -2)
		}
		return vals
	}
	round(0)
	s.Recycle()
	kept := round(1_000_000)
	s.Forget()
	for r := range 4 {
		round(-int64(r) * 7_777)
		s.Recycle()
	}
	for i, v := range kept {
		if d, ok := v.(decimal.Decimal); !ok || !d.Equal(decimal.New(1_000_000+int64(i), -2)) {
			t.Fatalf("value %d boxed before Forget is now %v", i, v)
		}
	}
	if s.HeldBlocks() == 0 {
		t.Fatal("a recycled Slab keeps no block")
	}
	if raceOn {
		return // the race detector allocates
	}
	if a := testing.AllocsPerRun(10, func() {
		for i := range 3 * slabBoxes {
			s.Box(int64(i), -3)
		}
		s.Recycle()
	}); a > 0 {
		t.Errorf("%v allocations per recycled round, want none", a)
	}
}

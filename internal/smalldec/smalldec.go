// Package smalldec does DECIMAL arithmetic on values whose coefficient
// fits an int64 without math/big's allocations. eddy's DECIMAL values are
// shopspring decimals (a *big.Int coefficient and an exponent); making one
// costs three allocations (the Int, its words, the interface box) and
// every operation allocates again. Most DECIMALs in practice (prices,
// amounts) fit 18 digits, so the expression evaluator and the encoders
// read the coefficient directly and build results in one allocation,
// falling back to shopspring whenever a value does not fit.
//
// Reading the coefficient relies on shopspring's layout (a *big.Int, then
// an int32 exponent). An init-time self-check turns every fast path off
// if that layout ever changes, so the worst case is the old speed.
package smalldec

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/eddysql/eddy/internal/blocks"
	"github.com/shopspring/decimal"
)

// layout mirrors decimal.Decimal.
type layout struct {
	value *big.Int
	exp   int32
}

// boxed holds a decimal and its one-word coefficient in one allocation.
type boxed struct {
	d layout
	i big.Int
	w [1]big.Word
}

// eface is the runtime layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var (
	decimalType = func() unsafe.Pointer { var v any = decimal.Decimal{}; return (*eface)(unsafe.Pointer(&v)).typ }()
	// enabled is set when the layout self-check passes.
	enabled = selfCheck()
)

func selfCheck() bool {
	if unsafe.Sizeof(decimal.Decimal{}) != unsafe.Sizeof(layout{}) || big.MaxBase < 10 || strconv.IntSize != 64 {
		return false
	}
	for _, c := range []struct {
		coef int64
		exp  int32
	}{{-12345, -3}, {0, 0}, {math.MaxInt64, 7}, {math.MinInt64 + 1, -2}, {1, -1}} {
		d := decimal.New(c.coef, c.exp)
		l := (*layout)(unsafe.Pointer(&d))
		if l.exp != c.exp || l.value == nil || !l.value.IsInt64() || l.value.Int64() != c.coef {
			return false
		}
		m := *(*decimal.Decimal)(unsafe.Pointer(newBoxed(c.coef, c.exp)))
		if !m.Equal(d) || m.Exponent() != c.exp || m.String() != d.String() {
			return false
		}
	}
	return true
}

// Int64 returns d's coefficient and exponent when the coefficient fits an
// int64 (d = coef × 10^exp).
func Int64(d decimal.Decimal) (coef int64, exp int32, ok bool) {
	if !enabled {
		return 0, 0, false
	}
	l := (*layout)(unsafe.Pointer(&d))
	if l.value == nil {
		return 0, l.exp, true // the zero Decimal
	}
	if !l.value.IsInt64() {
		return 0, 0, false
	}
	return l.value.Int64(), l.exp, true
}

// New returns coef × 10^exp, built in one allocation (decimal.New takes
// two).
func New(coef int64, exp int32) decimal.Decimal {
	if !enabled {
		return decimal.New(coef, exp)
	}
	return *(*decimal.Decimal)(unsafe.Pointer(newBoxed(coef, exp)))
}

func newBoxed(coef int64, exp int32) *boxed {
	b := new(boxed)
	b.set(coef, exp)
	return b
}

// set makes b hold coef × 10^exp.
func (b *boxed) set(coef int64, exp int32) {
	b.w[0] = big.Word(abs(coef))
	b.i.SetBits(b.w[:]) // normalizes zero to an empty coefficient
	if coef < 0 {
		b.i.Neg(&b.i)
	}
	b.d = layout{value: &b.i, exp: exp}
}

// Box returns coef × 10^exp as a decimal.Decimal in an interface, in one
// allocation instead of three.
func Box(coef int64, exp int32) any {
	if !enabled {
		return decimal.New(coef, exp)
	}
	return boxAt(newBoxed(coef, exp))
}

func boxAt(b *boxed) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = decimalType, unsafe.Pointer(b)
	return v
}

// slabBoxes is how many decimals share one of a Slab's blocks (3.5 KiB).
const slabBoxes = 64

// Slab boxes decimals as Box does, many to a shared block rather than an
// allocation each. A value is not written again once boxed until its
// owner recycles the Slab, and pins its whole block while it lives, so a
// Slab suits values that die with their record (a stateless query), not
// values kept in state. The zero Slab is ready to use; it is not safe
// for concurrent use.
type Slab struct {
	block []boxed
	pool  blocks.Pool[boxed]
}

// slabKeep bounds the blocks a recycling Slab keeps for reuse (448 KiB,
// some thousands of records' decimals).
const slabKeep = 128

// Recycle declares dead every value boxed so far: nothing holds or
// reads them again, so later Box calls write over them (see
// blocks.Pool). An owner that cannot vouch for them calls Forget.
func (s *Slab) Recycle() { s.block = s.pool.Recycle(s.block, slabKeep) }

// Forget lets the values boxed so far live as long as they are used:
// they are never written again.
func (s *Slab) Forget() {
	s.pool.Forget()
	s.block = nil
}

// HeldBlocks is how many blocks s keeps for reuse (tests).
func (s *Slab) HeldBlocks() int { return s.pool.Held() }

// Box returns coef × 10^exp as Box does; a nil Slab boxes on its own.
func (s *Slab) Box(coef int64, exp int32) any {
	if s == nil || !enabled {
		return Box(coef, exp)
	}
	if len(s.block) == cap(s.block) {
		s.block = s.pool.Next(s.block, slabBoxes, slabKeep)
	}
	s.block = s.block[:len(s.block)+1]
	b := &s.block[len(s.block)-1]
	b.set(coef, exp)
	return boxAt(b)
}

// pow10 holds 10^0 … 10^18, the powers that fit an int64.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// Rescale returns coef × 10^exp as a coefficient of exponent -scale,
// rounding half away from zero as decimal.Round does; ok is false when
// the result does not fit an int64.
func Rescale(coef int64, exp, scale int32) (int64, bool) {
	shift := int64(exp) + int64(scale)
	switch {
	case shift == 0:
		return coef, true
	case shift > 0:
		if shift >= int64(len(pow10)) {
			return 0, coef == 0
		}
		return Mul(coef, pow10[shift])
	}
	if -shift >= int64(len(pow10)) {
		return 0, false // rounding a coefficient that many digits down: leave it to big
	}
	p := pow10[-shift]
	q, r := coef/p, coef%p
	if r < 0 {
		r = -r
	}
	if r >= p-r { // |r| ≥ p/2: away from zero
		if coef < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// Mul returns a × b; ok is false on overflow.
func Mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(abs(a), abs(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

func abs(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}

// Add returns a + b; ok is false on overflow.
func Add(a, b int64) (int64, bool) {
	c := a + b
	if (a >= 0) == (b >= 0) && (c >= 0) != (a >= 0) {
		return 0, false
	}
	return c, true
}

// RoundHalfCeil returns coef / 10^drop rounded to an integer with ties
// towards positive infinity (ROUND's rule); ok is false when drop is not
// between 1 and 18.
func RoundHalfCeil(coef int64, drop int) (int64, bool) {
	if drop < 1 || drop >= len(pow10) {
		return 0, false
	}
	p := pow10[drop]
	q, r := coef/p, coef%p
	if r < 0 { // floor division: 0 <= r < p
		q--
		r += p
	}
	if r >= p-r { // r ≥ p/2: up
		q++
	}
	return q, true
}

// DivRound returns a × 10^shift / b rounded half away from zero to an
// integer, as decimal.DivRound rounds, with the product in 128 bits; ok
// is false for a zero divisor, a shift past 19 and a quotient that does
// not fit an int64.
func DivRound(a int64, shift int, b int64) (int64, bool) {
	if b == 0 || shift < 0 || shift > 19 {
		return 0, false
	}
	p := uint64(1e19)
	if shift < len(pow10) {
		p = uint64(pow10[shift])
	}
	ub := abs(b)
	hi, lo := bits.Mul64(abs(a), p)
	if hi >= ub {
		return 0, false // the quotient needs more than 64 bits
	}
	q, r := bits.Div64(hi, lo, ub)
	if r >= ub-r { // r ≥ |b|/2: away from zero
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(q), true
	}
	return int64(q), true
}

// Digits counts the decimal digits of coef (0 has one).
func Digits(coef int64) int {
	// From the bit length b of u (at least 1: 0 has a digit), u has
	// e = floor(b·log10(2)) digits or one more; 1233/4096 is log10(2)
	// close enough for b up to 64.
	u := abs(coef) | 1 // a power of ten above 1 is even: no count changes
	e := bits.Len64(u) * 1233 >> 12
	if e == len(pow10) || u < uint64(pow10[e]) { // 2^63 <= u < 10^19: e is 19
		return e
	}
	return e + 1
}

// AppendFixed writes coef × 10^-scale with exactly scale fractional
// digits, as decimal.StringFixed(scale) writes that value: "-0.050" for
// (-50, 3). scale must not be negative. Encoders call it once per
// DECIMAL, so it writes right to left into a stack buffer, the
// fraction's digits in a loop whose length is the column's scale (the
// same for every value: branches a CPU predicts) and the integer part
// two digits at a time.
func AppendFixed(dst []byte, coef int64, scale int32) []byte {
	var buf [64]byte // sign, 19 digits, point and a fraction of up to 40
	s := int(scale)
	if s > 40 {
		return appendFixedWide(dst, coef, s)
	}
	u := abs(coef)
	i := len(buf)
	if s > 0 {
		for k := s; k >= 2; k -= 2 {
			q := u / 100
			r := u - q*100
			i -= 2
			buf[i], buf[i+1] = pairs[2*r], pairs[2*r+1]
			u = q
		}
		if s&1 == 1 {
			q := u / 10
			i--
			buf[i] = byte('0' + u - q*10)
			u = q
		}
		i--
		buf[i] = '.'
	}
	for u >= 100 {
		q := u / 100
		r := u - q*100
		i -= 2
		buf[i], buf[i+1] = pairs[2*r], pairs[2*r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		buf[i], buf[i+1] = pairs[2*u], pairs[2*u+1]
	} else {
		i--
		buf[i] = byte('0' + u)
	}
	if coef < 0 {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}

// appendFixedWide is AppendFixed for scales past its buffer: the
// coefficient's digits after scale-19 or more zeros.
func appendFixedWide(dst []byte, coef int64, s int) []byte {
	if coef < 0 {
		dst = append(dst, '-')
	}
	digits := strconv.AppendUint(nil, abs(coef), 10)
	dst = append(dst, '0', '.')
	for range s - len(digits) {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// pairs holds "00" through "99".
const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859606162636465666768697071727374757677787980818283848586878889" +
	"90919293949596979899"

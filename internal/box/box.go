// Package box puts values in interfaces without an allocation each.
// Storing a string in an `any` copies its header to a fresh heap object;
// for a slice of strings made anyway (strings.Split's result), pointing
// each interface at its element instead costs nothing. The strings are
// never written again, so sharing the backing array is safe; it lives as
// long as any interface pointing into it.
package box

import (
	"math"
	"unsafe"

	"github.com/eddysql/eddy/internal/blocks"
)

// eface is the runtime layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var stringType = func() unsafe.Pointer { var v any = ""; return (*eface)(unsafe.Pointer(&v)).typ }()

// Strings sets dst[i] to src[i] for every i < len(src), each interface
// pointing into src's backing array. src must not be modified afterwards.
func Strings(dst []any, src []string) {
	dst = dst[:len(src)]
	for i := range src {
		e := (*eface)(unsafe.Pointer(&dst[i]))
		e.typ, e.data = stringType, unsafe.Pointer(&src[i])
	}
}

var (
	int64Type   = func() unsafe.Pointer { var v any = int64(0); return (*eface)(unsafe.Pointer(&v)).typ }()
	float64Type = func() unsafe.Pointer { var v any = float64(0); return (*eface)(unsafe.Pointer(&v)).typ }()
)

// Int64s boxes int64 values into shared blocks of words, one allocation
// per block instead of one per value. A word is not written again until
// the owner recycles the blocks, so the values stay immutable while in
// use. The zero Int64s is ready to use;
// it is not safe for concurrent use.
type Int64s struct {
	words []int64
	pool  blocks.Pool[int64]
}

const (
	// int64Block is how many values share one allocation (2 KiB).
	int64Block = 256
	// int64Keep bounds the blocks kept for reuse once the owner recycles.
	int64Keep = 64
)

// Box returns v in an interface, as `any(v)` would.
func (s *Int64s) Box(v int64) any {
	if len(s.words) == cap(s.words) {
		s.words = s.pool.Next(s.words, int64Block, int64Keep)
	}
	s.words = append(s.words, v)
	var out any
	e := (*eface)(unsafe.Pointer(&out))
	e.typ, e.data = int64Type, unsafe.Pointer(&s.words[len(s.words)-1])
	return out
}

// BoxFloat64 returns v in an interface, as `any(v)` would, in the same
// blocks of words.
func (s *Int64s) BoxFloat64(v float64) any {
	if len(s.words) == cap(s.words) {
		s.words = s.pool.Next(s.words, int64Block, int64Keep)
	}
	s.words = append(s.words, int64(math.Float64bits(v)))
	var out any
	e := (*eface)(unsafe.Pointer(&out))
	e.typ, e.data = float64Type, unsafe.Pointer(&s.words[len(s.words)-1])
	return out
}

// Recycle declares dead every value boxed so far: nothing holds or
// reads them again, so their words are written again by later Box calls
// (see blocks.Pool). An owner that cannot vouch for them calls Forget.
func (s *Int64s) Recycle() { s.words = s.pool.Recycle(s.words, int64Keep) }

// Forget lets the values boxed so far live as long as they are used:
// their words are never written again.
func (s *Int64s) Forget() {
	s.pool.Forget()
	s.words = nil
}

// HeldBlocks is how many blocks s keeps for reuse (tests).
func (s *Int64s) HeldBlocks() int { return s.pool.Held() }

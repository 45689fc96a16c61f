// Package box puts values in interfaces without an allocation each.
// Storing a string in an `any` copies its header to a fresh heap object;
// for a slice of strings made anyway (strings.Split's result), pointing
// each interface at its element instead costs nothing. The strings are
// never written again, so sharing the backing array is safe; it lives as
// long as any interface pointing into it.
package box

import "unsafe"

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

var int64Type = func() unsafe.Pointer { var v any = int64(0); return (*eface)(unsafe.Pointer(&v)).typ }()

// Int64s boxes int64 values into shared blocks of words, one allocation
// per block instead of one per value. A word is written once and never
// again, so the values stay immutable. The zero Int64s is ready to use;
// it is not safe for concurrent use.
type Int64s struct{ words []int64 }

// int64Block is how many values share one allocation (2 KiB).
const int64Block = 256

// Box returns v in an interface, as `any(v)` would.
func (s *Int64s) Box(v int64) any {
	if len(s.words) == cap(s.words) {
		s.words = make([]int64, 0, int64Block)
	}
	s.words = append(s.words, v)
	var out any
	e := (*eface)(unsafe.Pointer(&out))
	e.typ, e.data = int64Type, unsafe.Pointer(&s.words[len(s.words)-1])
	return out
}

package serde

import (
	"unsafe"

	"github.com/eddysql/eddy/types"
)

// arena boxes the top-level values of one decoded record into a few shared
// blocks instead of one heap object each: numbers live in a word slab,
// string headers in a string slab and string bytes in one text buffer.
// Storing an int64 or a string in an interface otherwise costs an
// allocation per value, which dominated decoding. Values stay immutable;
// a block lives as long as any value pointing into it.
type arena struct {
	words []uint64
	strs  []string
	text  []byte
	nWord int // slab sizes to allocate on first use
	nStr  int
	nText int
}

// eface is the runtime layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// Type words of the boxed kinds (read-only after init).
var (
	tInt32     = typeWord(int32(0))
	tInt64     = typeWord(int64(0))
	tFloat64   = typeWord(float64(0))
	tString    = typeWord("")
	tDate      = typeWord(types.DateVal(0))
	tTime      = typeWord(types.TimeVal(0))
	tTimestamp = typeWord(types.TimestampVal(0))
)

// word returns a fresh 8-byte slot, or nil when the slab is used up (a
// record that repeats a field decodes it more than once).
func (a *arena) word() unsafe.Pointer {
	if a == nil {
		return nil
	}
	if a.words == nil {
		if a.nWord == 0 {
			return nil
		}
		a.words = make([]uint64, 0, a.nWord)
	}
	if len(a.words) == cap(a.words) {
		return nil
	}
	a.words = a.words[:len(a.words)+1]
	return unsafe.Pointer(&a.words[len(a.words)-1])
}

func box(typ, p unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, p
	return v
}

func (a *arena) int32v(typ unsafe.Pointer, v int32) any {
	p := a.word()
	if p == nil {
		switch typ {
		case tDate:
			return types.DateVal(v)
		case tTime:
			return types.TimeVal(v)
		}
		return v
	}
	*(*int32)(p) = v
	return box(typ, p)
}

func (a *arena) int64v(typ unsafe.Pointer, v int64) any {
	p := a.word()
	if p == nil {
		if typ == tTimestamp {
			return types.TimestampVal(v)
		}
		return v
	}
	*(*int64)(p) = v
	return box(typ, p)
}

func (a *arena) float64v(v float64) any {
	p := a.word()
	if p == nil {
		return v
	}
	*(*float64)(p) = v
	return box(tFloat64, p)
}

// str copies b into the text buffer and boxes it as a string.
func (a *arena) str(b []byte) any {
	if a == nil || a.nStr == 0 {
		return string(b)
	}
	if a.strs == nil {
		a.strs = make([]string, 0, a.nStr)
		a.text = make([]byte, 0, a.nText)
	}
	if len(a.strs) == cap(a.strs) || len(b) > cap(a.text)-len(a.text) {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	start := len(a.text)
	a.text = append(a.text, b...)
	a.strs = append(a.strs, unsafe.String(&a.text[start], len(b)))
	return box(tString, unsafe.Pointer(&a.strs[len(a.strs)-1]))
}

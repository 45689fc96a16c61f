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
	// slots holds string headers and, in the length word of otherwise
	// empty headers, 8-byte numbers: one allocation serves both.
	slots []string
	text  []byte
	nSlot int // slab size to allocate on first use
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

// slot returns the next free header, or nil when the slab is used up (a
// record that repeats a field decodes it more than once).
func (a *arena) slot() *string {
	if a == nil || a.nSlot == 0 {
		return nil
	}
	if a.slots == nil {
		a.slots = make([]string, 0, a.nSlot)
		a.text = make([]byte, 0, a.nText)
	}
	if len(a.slots) == cap(a.slots) {
		return nil
	}
	a.slots = a.slots[:len(a.slots)+1]
	return &a.slots[len(a.slots)-1]
}

// word returns an 8-byte home for a number: the length word of a fresh,
// nil-pointer string header, which the collector treats as a scalar.
func (a *arena) word() unsafe.Pointer {
	p := a.slot()
	if p == nil {
		return nil
	}
	return unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(uintptr(0)))
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
	if len(b) == 0 {
		return ""
	}
	if a == nil || a.nSlot == 0 || (a.text != nil && len(b) > cap(a.text)-len(a.text)) {
		return string(b)
	}
	p := a.slot()
	if p == nil || len(b) > cap(a.text)-len(a.text) {
		return string(b)
	}
	start := len(a.text)
	a.text = append(a.text, b...)
	*p = unsafe.String(&a.text[start], len(b))
	return box(tString, unsafe.Pointer(p))
}

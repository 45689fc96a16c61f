package serde

import (
	"unsafe"

	"github.com/eddysql/eddy/internal/blocks"
	"github.com/eddysql/eddy/types"
)

// arena boxes the top-level values of decoded records into a few shared
// blocks instead of one heap object each: numbers live in a word slab,
// string headers in a string slab and string bytes in a text buffer.
// Storing an int64 or a string in an interface otherwise costs an
// allocation per value, which dominated decoding. Values stay immutable:
// a block is not written again where a value points (until the owner of
// a Slab declares every value dead, see Slab.Recycle), and lives as long
// as any value pointing into it.
//
// A record's own arena has one block of each kind, sized for that record;
// a Slab's arena serves many records, starting a new block when one is
// used up.
type arena struct {
	// slots holds string headers and, in the length word of otherwise
	// empty headers, 8-byte numbers: one allocation serves both.
	slots []string
	text  []byte
	// words holds a Slab's numbers: a block without pointers, which the
	// collector does not scan, and half the size of string headers.
	words  []uint64
	nSlot  int  // slots per block; 0 boxes every value on its own
	shared bool // a Slab's arena
	// pools, set in a Slab's arena, hand out the blocks its owner
	// recycled (see Slab.Recycle).
	pools *slabPools
	// skipped are the keys a Slab's arena matches in place as no
	// field's, a few at most.
	skipped [4]skippedKey
}

// slabPools recycles the blocks of a Slab's arena.
type slabPools struct {
	slots blocks.Pool[string]
	words blocks.Pool[uint64]
	text  blocks.Pool[byte]
}

// Block sizes of a Slab. A string longer than slabLongText gets an
// allocation of its own, so that it does not waste most of a block.
const (
	slabSlots    = 256 // 4 KiB
	slabWords    = 512 // 4 KiB
	slabText     = 8 << 10
	slabLongText = 1 << 10
	// slabKeep bounds the blocks of each kind a recycling Slab keeps for
	// reuse (at most 512 KiB of text): a few thousand records' worth.
	slabKeep = 64
)

// Slab boxes the values that a SlabDecoder decodes, across many records,
// into shared blocks: a few allocations per block rather than some per
// record. A value pins the block it lives in, so a Slab suits rows that
// die with their record (a stateless query), not rows kept in state. An
// owner that knows when all of them are dead recycles the blocks. The
// zero Slab is ready to use; it is not safe for concurrent use, nor to
// copy.
type Slab struct {
	a arena
	p slabPools
}

func (s *Slab) arena() *arena {
	if !s.a.shared {
		s.a = arena{nSlot: slabSlots, shared: true, pools: &s.p}
	}
	return &s.a
}

// Recycle declares dead every value decoded into the Slab so far:
// nothing holds them (nor a string or slice taken from them) or reads
// them again. The Slab then decodes into the same blocks again rather
// than into new ones. An owner that cannot vouch for every value calls
// Forget instead.
func (s *Slab) Recycle() {
	a := s.arena()
	a.slots = a.pools.slots.Recycle(a.slots, slabKeep)
	a.words = a.pools.words.Recycle(a.words, slabKeep)
	a.text = a.pools.text.Recycle(a.text, slabKeep)
}

// Forget lets the values decoded so far live as long as they are used:
// their blocks are never reused. Later values go to other blocks.
func (s *Slab) Forget() {
	a := s.arena()
	a.pools.slots.Forget()
	a.pools.words.Forget()
	a.pools.text.Forget()
	a.slots, a.words, a.text = nil, nil, nil
}

// HeldBlocks is how many blocks the Slab keeps for reuse (tests).
func (s *Slab) HeldBlocks() int { return s.p.slots.Held() + s.p.words.Held() + s.p.text.Held() }

// BoxString returns v in an interface, as `any(v)` would, its header in
// one of the Slab's blocks instead of an allocation of its own: for
// values made while processing a record (a function's result) that die
// with it, as decoded values do.
func (s *Slab) BoxString(v string) any {
	if p := s.arena().slot(); p != nil {
		*p = v
		return box(tString, unsafe.Pointer(p))
	}
	return v
}

// SlabDecoder is implemented by serdes that can box decoded values into
// a caller's Slab.
type SlabDecoder interface {
	// DecodeSlab decodes as Decode does, failing on the same records with
	// the same errors, with values boxed into slab.
	DecodeSlab(data []byte, dst []any, slab *Slab) error
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

// slot returns the next free header, or nil when a record's own slab is
// used up (a record that repeats a field decodes it more than once).
func (a *arena) slot() *string {
	if a == nil || a.nSlot == 0 {
		return nil
	}
	if len(a.slots) == cap(a.slots) {
		if a.slots != nil && !a.shared {
			return nil
		}
		a.slots = a.newSlots()
	}
	a.slots = a.slots[:len(a.slots)+1]
	return &a.slots[len(a.slots)-1]
}

// newSlots returns an empty block of string headers: a Slab's recycled
// one if it has one.
func (a *arena) newSlots() []string {
	if a.pools != nil {
		return a.pools.slots.Next(a.slots, a.nSlot, slabKeep)
	}
	return make([]string, 0, a.nSlot)
}

// word returns an 8-byte home for a number: in a Slab, the next word of
// its block; in a record's own arena, the length word of a fresh,
// nil-pointer string header, which the collector treats as a scalar.
func (a *arena) word() unsafe.Pointer {
	if a != nil && a.shared {
		if len(a.words) == cap(a.words) {
			a.words = a.pools.words.Next(a.words, slabWords, slabKeep)
		}
		a.words = a.words[:len(a.words)+1]
		return unsafe.Pointer(&a.words[len(a.words)-1])
	}
	p := a.slot()
	if p == nil {
		return nil
	}
	return unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(uintptr(0)))
}

// freeWord returns the next word of a Slab's block if the block has
// room, else nil. Only a Slab's arena has words. It is cheap enough to
// inline, saving the call to word for most numbers.
func (a *arena) freeWord() unsafe.Pointer {
	if a != nil && len(a.words) < cap(a.words) {
		a.words = a.words[:len(a.words)+1]
		return unsafe.Pointer(&a.words[len(a.words)-1])
	}
	return nil
}

func box(typ, p unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, p
	return v
}

func (a *arena) int32v(typ unsafe.Pointer, v int32) any {
	p := a.freeWord()
	if p == nil {
		p = a.word()
	}
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
	p := a.freeWord()
	if p == nil {
		p = a.word()
	}
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
	p := a.freeWord()
	if p == nil {
		p = a.word()
	}
	if p == nil {
		return v
	}
	*(*float64)(p) = v
	return box(tFloat64, p)
}

// str copies b into the text buffer and boxes it as a string. bound is
// at least the length of b and of every later string of the record: a
// record's own arena sizes its text block by it.
func (a *arena) str(b []byte, bound int) any {
	if len(b) == 0 {
		return ""
	}
	if !a.textRoom(len(b), bound) {
		return string(b)
	}
	p := a.slot()
	if p == nil {
		return string(b)
	}
	start := len(a.text)
	a.text = append(a.text, b...)
	*p = unsafe.String(&a.text[start], len(b))
	return box(tString, unsafe.Pointer(p))
}

// textRoom makes room for n more bytes of text if it can: a record's own
// arena allocates its one block on its first string, a Slab's a fresh
// block when the current one is full.
func (a *arena) textRoom(n, bound int) bool {
	if a == nil || a.nSlot == 0 {
		return false
	}
	if n <= cap(a.text)-len(a.text) {
		return true
	}
	switch {
	case a.shared && n <= slabLongText:
		a.text = a.pools.text.Next(a.text, slabText, slabKeep)
	case !a.shared && a.text == nil:
		a.text = make([]byte, 0, max(bound, n))
	default:
		return false
	}
	return true
}

package box

import (
	"runtime"
	"strings"
	"testing"
)

func TestStrings(t *testing.T) {
	src := strings.Split("a/bc//d", "/")
	dst := make([]any, len(src))
	Strings(dst, src)
	src = nil
	runtime.GC()
	want := []string{"a", "bc", "", "d"}
	for i, w := range want {
		if s, ok := dst[i].(string); !ok || s != w {
			t.Errorf("dst[%d] = %#v, want %q", i, dst[i], w)
		}
	}
	if dst[1] != any("bc") {
		t.Error("a boxed string does not equal the same string boxed by Go")
	}
	if a := testing.AllocsPerRun(100, func() { Strings(dst, want) }); a != 0 {
		t.Errorf("%v allocations, want 0", a)
	}
}

func TestInt64s(t *testing.T) {
	var s Int64s
	vals := make([]any, 3*int64Block)
	for i := range vals {
		vals[i] = s.Box(int64(i) * 1_000_003)
	}
	runtime.GC()
	for i, v := range vals {
		if x, ok := v.(int64); !ok || x != int64(i)*1_000_003 || v != any(int64(i)*1_000_003) {
			t.Fatalf("vals[%d] = %#v", i, v)
		}
	}
	if a := testing.AllocsPerRun(int64Block*4, func() { s.Box(1 << 40) }); a > 1.0/int64Block*2 {
		t.Errorf("%v allocations per value", a)
	}
}

// TestInt64sRecycle: after Recycle, Box writes into the blocks already
// filled (no allocation once warm); values boxed before a Forget keep
// their values through later recycled rounds.
func TestInt64sRecycle(t *testing.T) {
	var s Int64s
	round := func(base int64) []any {
		vals := make([]any, 3*int64Block)
		for i := range vals {
			vals[i] = s.Box(base + int64(i))
		}
		return vals
	}
	round(0)
	s.Recycle()
	kept := round(1_000_000)
	s.Forget()
	for r := range 4 {
		round(int64(r) << 32)
		s.Recycle()
	}
	for i, v := range kept {
		if v != any(1_000_000+int64(i)) {
			t.Fatalf("value %d boxed before Forget is now %v", i, v)
		}
	}
	if s.HeldBlocks() == 0 {
		t.Fatal("a recycled Int64s keeps no block")
	}
	if raceOn {
		return // the race detector allocates
	}
	if a := testing.AllocsPerRun(10, func() {
		for i := range 3 * int64Block {
			s.Box(int64(i))
		}
		s.Recycle()
	}); a > 0 {
		t.Errorf("%v allocations per recycled round, want none", a)
	}
}

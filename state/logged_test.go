package state

import (
	"fmt"
	"testing"
)

// Logged coalesces writes per key, last write wins, and drains in key
// order; the wrapped store is written at once.
func TestLoggedCoalesces(t *testing.T) {
	inner := NewMemory()
	l := NewLogged(inner)
	var _ Store = l
	mustPut(t, l, "b", "1")
	mustPut(t, l, "a", "1")
	mustPut(t, l, "b", "2")
	mustPut(t, l, "c", "1")
	if err := l.Delete([]byte("c")); err != nil {
		t.Fatal(err)
	}
	mustPut(t, l, "e", "")
	mustGet(t, inner, "b", "2") // written through
	got := l.Drain()
	want := `[{a 1 false} {b 2 false} {c  true} {e  false}]`
	if s := render(got); s != want {
		t.Fatalf("Drain = %s, want %s", s, want)
	}
	if again := l.Drain(); len(again) != 0 {
		t.Fatalf("second Drain = %s, want nothing", render(again))
	}
	mustPut(t, l, "a", "3")
	if s := render(l.Drain()); s != `[{a 3 false}]` {
		t.Fatalf("Drain after one more write = %s", s)
	}

	// Applying the drained changes to an empty store restores it.
	restored := NewMemory()
	if err := Apply(restored, got); err != nil {
		t.Fatal(err)
	}
	if err := Apply(restored, []Change{{Key: []byte("a"), Value: []byte("3")}}); err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprint(scanAll(t, restored, nil, nil)), fmt.Sprint(scanAll(t, inner, nil, nil)); a != b {
		t.Fatalf("restored %s, want %s", a, b)
	}
}

// render shows changes with deletes (nil values) told apart from empty
// values.
func render(cs []Change) string {
	type shown struct {
		k, v    string
		deleted bool
	}
	var out []shown
	for _, c := range cs {
		out = append(out, shown{string(c.Key), string(c.Value), c.Value == nil})
	}
	return fmt.Sprint(out)
}

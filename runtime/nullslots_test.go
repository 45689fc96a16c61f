package runtime

import (
	"slices"
	"testing"
)

// recorder keeps copies of the rows it is handed.
type recorder struct{ rows [][]any }

func (r *recorder) Process(_ *Task, rec *Rec) { r.rows = append(r.rows, slices.Clone(rec.Row)) }

// TestNullSlots: the named slots reach the next operator as nulls, the
// others unchanged, and the caller's row is left as it was.
func TestNullSlots(t *testing.T) {
	out := &recorder{}
	op := &NullSlots{Slots: []int{1, 3, 9}, Next: out}
	row := []any{int64(1), "long description", int64(7), "extra", int64(5)}
	op.Process(&Task{}, &Rec{Row: row, Ts: 3})
	op.Process(&Task{}, &Rec{Row: []any{int64(2), "b", int64(8), "c", int64(6)}})
	want := [][]any{{int64(1), nil, int64(7), nil, int64(5)}, {int64(2), nil, int64(8), nil, int64(6)}}
	if len(out.rows) != 2 || !slices.Equal(out.rows[0], want[0]) || !slices.Equal(out.rows[1], want[1]) {
		t.Fatalf("got %v, want %v", out.rows, want)
	}
	if row[1] != "long description" || row[3] != "extra" {
		t.Fatalf("the input row changed: %v", row)
	}
}

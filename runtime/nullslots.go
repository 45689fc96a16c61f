package runtime

import "fmt"

// NullSlots passes rows on with the given slots set to null: the columns
// of a join side that nothing after the join reads, so that the
// repartition topic, window stores and changelogs do not carry them.
// The row is copied into a buffer of its own (the input's row is not
// ours to change); the operators after it copy what they keep.
type NullSlots struct {
	Slots []int
	Next  Op

	buf []any
}

func (o *NullSlots) Process(t *Task, r *Rec) {
	if r.Row == nil || r.Old != nil {
		o.Next.Process(t, r)
		return
	}
	o.buf = append(o.buf[:0], r.Row...)
	for _, s := range o.Slots {
		if s < len(o.buf) {
			o.buf[s] = nil
		}
	}
	rec := *r
	rec.Row = o.buf
	o.Next.Process(t, &rec)
}

func (o *NullSlots) Describe() string {
	return fmt.Sprintf("DROP UNREAD COLUMNS (slots %v)", o.Slots)
}

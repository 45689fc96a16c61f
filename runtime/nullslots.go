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
	rec Rec // the record passed on; a field, as a local would escape
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
	o.rec = *r
	o.rec.Row = o.buf
	o.Next.Process(t, &o.rec)
}

func (o *NullSlots) Describe() string {
	return fmt.Sprintf("DROP UNREAD COLUMNS (slots %v)", o.Slots)
}

// KeepSlots passes rows on with every slot but Keep set to null: an
// aggregation's rows before its repartition topic, which then carries
// only what the grouping keys and aggregate arguments read (ksqlDB's
// Aggregate-Prepare step does the same). Like NullSlots it copies the
// row; a table change's old row is pruned too.
type KeepSlots struct {
	Keep []int
	Next Op

	buf, old []any
	rec      Rec // the record passed on; a field, as a local would escape
}

func (o *KeepSlots) Process(t *Task, r *Rec) {
	if r.Row == nil {
		o.Next.Process(t, r)
		return
	}
	o.rec = *r
	o.buf = keepOnly(o.buf, r.Row, o.Keep)
	o.rec.Row = o.buf
	if r.Old != nil {
		o.old = keepOnly(o.old, r.Old, o.Keep)
		o.rec.Old = o.old
	}
	o.Next.Process(t, &o.rec)
}

// keepOnly makes buf a row as long as row holding row's values at keep
// and nulls elsewhere.
func keepOnly(buf, row []any, keep []int) []any {
	buf = append(buf[:0], make([]any, len(row))...)
	for _, s := range keep {
		if s < len(row) {
			buf[s] = row[s]
		}
	}
	return buf
}

func (o *KeepSlots) Describe() string {
	return fmt.Sprintf("KEEP READ COLUMNS (slots %v)", o.Keep)
}

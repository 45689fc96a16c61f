package runtime

import (
	"maps"
	"slices"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
)

// fkState is a foreign-key join's state: the left table's rows by primary
// key with the foreign key each points to, the right table's rows by
// primary key, and which left rows point at each right key.
//
// With a backing store (fkstore.go) left and right are caches of the
// store's rows, a nil value standing for a key without a row, and the
// index of left rows by right key is the store's too (refs stays empty).
type fkState struct {
	left  map[string]*fkLeft
	right map[string]*joinRow
	refs  map[string]map[string]bool // right key -> left keys (in memory)

	backing state.Store
	limit   int // rows of each side kept decoded after a commit
	// pending holds the registrations changed since the store last got
	// them (right key -> left key -> registered), written at each flush
	// and dropped once the batch is in the store (evict).
	pending map[string]map[string]bool
	peakL   int // the most entries left and right held since made anew
	peakR   int
	getKey  []byte
	loadErr error // the first failed read of the store: fails the next flush
}

type fkLeft struct {
	row []any
	ts  int64
	pk  any
	pks string // the state key of pk
	fk  string // "" when the foreign key is null
	// subscribed: the row is registered with the right key fk, so right
	// changes reach it (see foreignKey for when it is not).
	subscribed bool
}

// ForeignKey configures a table-table join whose left expression is not
// the left table's key: each left row joins the right row its expression
// points to, and the result is keyed by the left key.
type ForeignKey struct {
	// LeftPK evaluates the left table's primary key.
	LeftPK *expr.Compiled
}

func (j *JoinSpec) fkState() *fkState {
	if j.fk == nil {
		j.fk = &fkState{left: map[string]*fkLeft{}, right: map[string]*joinRow{}, refs: map[string]map[string]bool{}}
	}
	return j.fk
}

// foreignKey applies a change to either table of a foreign-key join,
// with Kafka Streams' foreign-key join semantics (which ksqlDB runs):
// a left change is sent to the right key it names as one of a few
// instructions, and the answer becomes the left key's new result.
//
//   - LEFT: a left row always gets a result (null-padded without a right
//     row). When its foreign key moves away from a non-null one, the old
//     right key first answers with no right row: a null-padded result,
//     then the new one. A delete answers with a tombstone from the old
//     key, and a second one from the null key.
//   - INNER: a new left row gets a result only if its right row exists.
//     An update whose old or new foreign key is null is skipped (no
//     output; the result it had stays). Other updates always answer: the
//     join, or a tombstone when the right row is missing, even if the row
//     had no result before; so does a delete.
//
// A right change answers every left row registered with its key: the
// join, or (no right row any more) a tombstone for INNER and a
// null-padded row for LEFT, stamped with the right change's time.
func (j *JoinSpec) foreignKey(t *Task, r *Rec, fromLeft bool) {
	st := j.fkState()
	if !fromLeft {
		j.fkRight(t, r, st)
		return
	}
	pk := j.FK.LeftPK.Value(&t.ectx, r.Row)
	if pk == nil {
		return
	}
	pks := j.keyString(pk, r)
	old := st.leftRow(pks)
	if old == nil && r.Tombstone {
		return
	}
	j.dirty[stateKey{'l', pks}] = struct{}{}
	var cur *fkLeft
	if !r.Tombstone {
		cur = &fkLeft{row: append([]any(nil), r.Row...), ts: r.Ts, pk: pk, pks: pks}
		if fk := j.LeftKey.Value(&t.ectx, r.Row); fk != nil {
			cur.fk = j.keyString(fk, r)
		}
	}
	setRow(st.left, pks, cur, st.backing != nil)
	if old != nil && old.subscribed {
		st.unsubscribe(old)
	}
	newFK := ""
	if cur != nil {
		newFK = cur.fk
	}
	if j.Kind == LeftJoin {
		if old != nil && old.fk != "" && old.fk != newFK {
			j.fkAnswer(t, r, pk, cur, nil, fkTime(r, st.rightRow(old.fk)))
		}
		if cur != nil {
			st.subscribe(cur)
		}
		right := st.rightRow(newFK)
		j.fkAnswer(t, r, pk, cur, right, fkTime(r, right))
		return
	}
	switch {
	case old == nil: // a new row
		if newFK == "" {
			return
		}
		st.subscribe(cur)
		if right := st.rightRow(newFK); right != nil {
			j.fkAnswer(t, r, pk, cur, right, fkTime(r, right))
		}
	case old.fk == "" || (cur != nil && newFK == ""):
		// Skipped, as Kafka Streams skips it: no output, and the row
		// stays unregistered until an update with two foreign keys.
	case cur == nil: // a delete
		j.fkAnswer(t, r, pk, nil, nil, fkTime(r, st.rightRow(old.fk)))
	default:
		st.subscribe(cur)
		right := st.rightRow(newFK)
		j.fkAnswer(t, r, pk, cur, right, fkTime(r, right))
	}
}

// fkTime is the time of a result a left change r caused: the later of
// r's and the right row's it was answered from.
func fkTime(r *Rec, right *joinRow) int64 {
	if right != nil {
		return max(r.Ts, right.ts)
	}
	return r.Ts
}

func (st *fkState) subscribe(l *fkLeft) {
	if l.fk == "" {
		return
	}
	l.subscribed = true
	if st.backing != nil {
		st.register(l.fk, l.pks, true)
		return
	}
	if st.refs[l.fk] == nil {
		st.refs[l.fk] = map[string]bool{}
	}
	st.refs[l.fk][l.pks] = true
}

func (st *fkState) unsubscribe(l *fkLeft) {
	l.subscribed = false
	if st.backing != nil {
		st.register(l.fk, l.pks, false)
		return
	}
	delete(st.refs[l.fk], l.pks)
	if len(st.refs[l.fk]) == 0 {
		delete(st.refs, l.fk)
	}
}

// leftRow is the left row of state key pks, or nil.
func (st *fkState) leftRow(pks string) *fkLeft {
	if l, ok := st.left[pks]; ok || st.backing == nil {
		return l
	}
	return st.loadLeft(pks)
}

// setRow sets m's row of state key k (nil: deletes it). A store-backed
// join keeps a deleted key, without a row, until the store has its
// deletion.
func setRow[T any](m map[string]*T, k string, r *T, backed bool) {
	if r == nil && !backed {
		delete(m, k)
		return
	}
	m[k] = r
}

// rightRow is the right row of state key ks, or nil.
func (st *fkState) rightRow(ks string) *joinRow {
	if r, ok := st.right[ks]; ok || st.backing == nil {
		return r
	}
	return st.loadRight(ks)
}

// referrers lists the left keys registered with right key ks, in key
// order, so the fan-out is deterministic.
func (st *fkState) referrers(ks string) []string {
	if st.backing == nil {
		return slices.Sorted(maps.Keys(st.refs[ks]))
	}
	return st.storedReferrers(ks)
}

// fkRight applies a right-table change to every left row registered
// with its key.
func (j *JoinSpec) fkRight(t *Task, r *Rec, st *fkState) {
	key := j.RightKey.Value(&t.ectx, r.Row)
	if key == nil {
		return
	}
	ks := j.keyString(key, r)
	j.dirty[stateKey{'r', ks}] = struct{}{}
	var right *joinRow
	if !r.Tombstone {
		right = &joinRow{row: append([]any(nil), r.Row...), ts: r.Ts, key: key}
	}
	setRow(st.right, ks, right, st.backing != nil)
	// A registration is the left row's: one whose row no longer names ks
	// (never so in memory) is not answered.
	for _, pks := range st.referrers(ks) {
		if l := st.leftRow(pks); l != nil && l.subscribed && l.fk == ks {
			j.fkAnswer(t, r, l.pk, l, right, r.Ts)
		}
	}
}

// fkAnswer emits the left key's result: the join, a null-padded row
// (LEFT), or a tombstone (no left row, or INNER without a right row).
func (j *JoinSpec) fkAnswer(t *Task, r *Rec, pk any, l *fkLeft, right *joinRow, ts int64) {
	switch {
	case l == nil || (right == nil && j.Kind != LeftJoin):
		j.emit(t, r, true, nil, nil, pk, ts, true)
	case right == nil:
		j.emit(t, r, true, l.row, nil, pk, ts, false)
	default:
		j.emit(t, r, true, l.row, right.row, pk, ts, false)
	}
}

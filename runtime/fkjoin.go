package runtime

import (
	"maps"
	"slices"

	"github.com/eddysql/eddy/expr"
)

// fkState is a foreign-key join's state: the left table's rows by primary
// key with the foreign key each points to, the right table's rows by
// primary key, and which left rows point at each right key.
type fkState struct {
	left  map[string]*fkLeft
	right map[string]*joinRow
	refs  map[string]map[string]bool // right key -> left keys
}

type fkLeft struct {
	row    []any
	ts     int64
	pk     any
	pks    string // the state key of pk
	fk     string // "" when the foreign key is null
	joined bool   // the last row emitted for it had a right side
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

// foreignKey applies a change to either table of a foreign-key join.
func (j *JoinSpec) foreignKey(t *Task, r *Rec, fromLeft bool) {
	st := j.fkState()
	if !fromLeft {
		j.fkRight(t, r, st)
		return
	}
	pk := j.FK.LeftPK.Eval(&t.ectx, r.Row)
	if pk == nil {
		return
	}
	pks := j.keyString(pk, r)
	old := st.left[pks]
	if old != nil && old.fk != "" {
		delete(st.refs[old.fk], pks)
	}
	j.dirty["l"+pks] = true
	if r.Tombstone {
		delete(st.left, pks)
		if old != nil && (old.joined || j.Kind == LeftJoin) {
			j.emit(t, r, true, nil, nil, pk, r.Ts, true)
		}
		return
	}
	l := &fkLeft{row: append([]any(nil), r.Row...), ts: r.Ts, pk: pk, pks: pks}
	if fk := j.LeftKey.Eval(&t.ectx, r.Row); fk != nil {
		l.fk = j.keyString(fk, r)
		if st.refs[l.fk] == nil {
			st.refs[l.fk] = map[string]bool{}
		}
		st.refs[l.fk][pks] = true
	}
	st.left[pks] = l
	j.fkEmit(t, r, l, st.right[l.fk], old != nil && old.joined)
}

// fkRight applies a right-table change to every left row pointing at it.
func (j *JoinSpec) fkRight(t *Task, r *Rec, st *fkState) {
	key := j.RightKey.Eval(&t.ectx, r.Row)
	if key == nil {
		return
	}
	ks := j.keyString(key, r)
	j.dirty["r"+ks] = true
	var right *joinRow
	if r.Tombstone {
		delete(st.right, ks)
	} else {
		right = &joinRow{row: append([]any(nil), r.Row...), ts: r.Ts, key: key}
		st.right[ks] = right
	}
	// In key order, so the fan-out is deterministic.
	for _, pks := range slices.Sorted(maps.Keys(st.refs[ks])) {
		if l := st.left[pks]; l != nil {
			j.fkEmit(t, r, l, right, l.joined)
		}
	}
}

// fkEmit emits a left row's current join result: joined, null-padded
// (LEFT), or a tombstone when an inner join stops matching.
func (j *JoinSpec) fkEmit(t *Task, r *Rec, l *fkLeft, right *joinRow, wasJoined bool) {
	ts := l.ts
	switch {
	case right != nil:
		ts = max(ts, right.ts)
		if !l.joined {
			j.markLeft(l)
		}
		l.joined = true
		j.emit(t, r, true, l.row, right.row, l.pk, max(ts, r.Ts), false)
	case j.Kind == LeftJoin:
		if l.joined {
			j.markLeft(l)
		}
		l.joined = false
		j.emit(t, r, true, l.row, nil, l.pk, max(ts, r.Ts), false)
	case wasJoined:
		if l.joined {
			j.markLeft(l)
		}
		l.joined = false
		j.emit(t, r, true, nil, nil, l.pk, max(ts, r.Ts), true)
	}
}

package expr

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
)

// COLLECT_LIST, COLLECT_SET and HISTOGRAM.

// underLimit reports whether a collection of size n may grow; a negative
// limit means unlimited.
func underLimit(n, limit int) bool { return limit < 0 || n < limit }

// ---- COLLECT_LIST ----

type listAcc struct{ vals []any }

// resolveCollectList collects every input, nulls included, in arrival
// order up to ksql.functions.collect_list.limit; later ones are dropped.
func resolveCollectList(r *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || args[0].Type == nil {
		return nil, errAggParams(name, args)
	}
	limit := r.aggCfg().collectListLimit
	t := args[0].Type
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.ArrayOf(args[0].Type),
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &listAcc{} },
		Add: func(acc any, v []any) any {
			l := acc.(*listAcc)
			if underLimit(len(l.vals), limit) {
				l.vals = append(l.vals, v[0])
			}
			return l
		},
		// Undo drops the last occurrence of the value.
		Undo: func(acc any, v []any) any {
			l := acc.(*listAcc)
			for i := len(l.vals) - 1; i >= 0; i-- {
				if valuesEqual(l.vals[i], v[0]) {
					l.vals = slices.Delete(l.vals, i, i+1)
					break
				}
			}
			return l
		},
		Merge: func(x, y any) any {
			l := x.(*listAcc)
			for _, e := range y.(*listAcc).vals {
				if !underLimit(len(l.vals), limit) {
					break
				}
				l.vals = append(l.vals, e)
			}
			return l
		},
		Result: func(acc any) any { return slices.Clone(acc.(*listAcc).vals) },
	}
	withState(a, func(l *listAcc, b []byte) ([]byte, error) { return appendValues(b, l.vals) },
		func(r *stateReader) *listAcc { return &listAcc{vals: r.values(t)} })
	return a, nil
}

// ---- COLLECT_SET ----

type setAcc struct {
	vals []any
	keys map[string]struct{}
}

func (s *setAcc) add(v any, limit int) {
	var buf [64]byte
	k := appendKey(buf[:0], v)
	if _, dup := s.keys[string(k)]; dup || !underLimit(len(s.vals), limit) { // a lookup that does not allocate
		return
	}
	s.keys[string(k)] = struct{}{}
	s.vals = append(s.vals, v)
}

// readSet reads a set's values (of type t) and rebuilds its keys; a
// repeated value means the bytes are not a set's.
func readSet(r *stateReader, t *types.Type) *setAcc {
	vals := r.values(t)
	s := &setAcc{vals: vals, keys: make(map[string]struct{}, len(vals))}
	for _, v := range vals {
		k := valueKey(v)
		if _, dup := s.keys[k]; dup {
			r.fail(fmt.Errorf("value %s repeated in a set", k))
			break
		}
		s.keys[k] = struct{}{}
	}
	return s
}

// resolveCollectSet collects distinct inputs (null is one value) in
// first-seen order up to ksql.functions.collect_set.limit. No undo.
func resolveCollectSet(r *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || args[0].Type == nil {
		return nil, errAggParams(name, args)
	}
	limit := r.aggCfg().collectSetLimit
	t := args[0].Type
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.ArrayOf(args[0].Type),
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &setAcc{keys: map[string]struct{}{}} },
		Add: func(acc any, v []any) any {
			acc.(*setAcc).add(v[0], limit)
			return acc
		},
		Merge: func(x, y any) any {
			s := x.(*setAcc)
			for _, e := range y.(*setAcc).vals {
				s.add(e, limit)
			}
			return s
		},
		Result: func(acc any) any { return slices.Clone(acc.(*setAcc).vals) },
	}
	withState(a, func(s *setAcc, b []byte) ([]byte, error) { return appendValues(b, s.vals) },
		func(r *stateReader) *setAcc { return readSet(r, t) })
	return a, nil
}

// ---- HISTOGRAM ----

type histAcc struct {
	keys   []string // first-seen order
	counts map[string]int64
}

func (h *histAcc) add(k string, by int64) {
	c, ok := h.counts[k]
	if !ok {
		if by <= 0 || len(h.keys) >= histogramLimit {
			return
		}
		h.keys = append(h.keys, k)
	}
	c += by
	if c > 0 {
		h.counts[k] = c
		return
	}
	delete(h.counts, k)
	h.keys = slices.DeleteFunc(h.keys, func(s string) bool { return s == k })
}

// appendState writes each key, in first-seen order, with its count.
func (h *histAcc) appendState(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(h.keys)))
	for _, k := range h.keys {
		b = binary.AppendVarint(codec.AppendString(b, k), h.counts[k])
	}
	return b, nil
}

func readHist(r *stateReader) *histAcc {
	n := r.count()
	h := &histAcc{keys: make([]string, 0, n), counts: make(map[string]int64, n)}
	for ; n > 0 && r.err == nil; n-- {
		k, c := r.str(), r.varint()
		if _, dup := h.counts[k]; dup || c <= 0 {
			r.fail(fmt.Errorf("bad histogram entry %q: %d", k, c))
			break
		}
		h.keys = append(h.keys, k)
		h.counts[k] = c
	}
	return h
}

// resolveHistogram counts each non-null STRING: MAP<STRING, BIGINT> in
// first-seen order, at most 1000 distinct keys; a count undone to zero
// removes its key.
func resolveHistogram(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, types.String) {
		return nil, errAggParams(name, args)
	}
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.MapOf(types.StringType, types.BigintType),
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &histAcc{counts: map[string]int64{}} },
		Add: func(acc any, v []any) any {
			if s, ok := v[0].(string); ok {
				acc.(*histAcc).add(s, 1)
			}
			return acc
		},
		Undo: func(acc any, v []any) any {
			if s, ok := v[0].(string); ok {
				acc.(*histAcc).add(s, -1)
			}
			return acc
		},
		Merge: func(x, y any) any {
			h, o := x.(*histAcc), y.(*histAcc)
			for _, k := range o.keys {
				h.add(k, o.counts[k])
			}
			return h
		},
		Result: func(acc any) any {
			h := acc.(*histAcc)
			m := types.NewMap(len(h.keys))
			for _, k := range h.keys {
				m.Keys = append(m.Keys, k)
				m.Vals = append(m.Vals, h.counts[k])
			}
			return m
		},
	}
	withState(a, (*histAcc).appendState, readHist)
	return a, nil
}

package expr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
)

// TOPK and TOPKDISTINCT.
//
// TOPK(x, k) → ARRAY<T>: the k largest non-null x, largest first.
// TOPK(x, c0, …, cm, k) → ARRAY<STRUCT<sort_col T, col0 …, colm …>>: the
// rows with the k largest x, carrying the other columns along.
// TOPKDISTINCT(x, k) → ARRAY<T>: the k largest distinct non-null x.
// Equal values keep arrival order. k is an INTEGER literal. No undo.

type topkEntry struct {
	key any // sort value
	out any // what the result holds: key, or the STRUCT row
}

type topkAcc struct{ ents []topkEntry }

// insert places e after every entry whose key is >= e.key, keeping at
// most k entries; distinct drops a key already present.
func (a *topkAcc) insert(e topkEntry, k int, distinct bool) {
	i := 0
	for ; i < len(a.ents); i++ {
		c := compareValues(a.ents[i].key, e.key)
		if distinct && c == 0 {
			return
		}
		if c < 0 {
			break
		}
	}
	if i >= k {
		return
	}
	a.ents = slices.Insert(a.ents, i, e)
	if len(a.ents) > k {
		a.ents = a.ents[:k]
	}
}

// appendState writes what the result holds; keys are derived on read.
func (a *topkAcc) appendState(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(a.ents)))
	for _, e := range a.ents {
		var err error
		if b, err = codec.AppendValue(b, e.out); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readTopk reads at most k entries of type elem (a STRUCT row whose
// first field is the sort key, or the key itself), checking their order.
func readTopk(r *stateReader, elem *types.Type, k int, distinct bool) *topkAcc {
	n := r.count()
	if n > k {
		r.fail(fmt.Errorf("%d entries, more than k=%d", n, k))
		return nil
	}
	a := &topkAcc{ents: make([]topkEntry, 0, n)}
	for ; n > 0 && r.err == nil; n-- {
		e := topkEntry{out: r.value(elem)}
		e.key = e.out
		if row, ok := e.out.(types.StructVal); ok && elem.Kind == types.Struct && len(row) > 0 {
			e.key = row[0]
		}
		if e.key == nil {
			r.fail(errors.New("null TOPK entry"))
			break
		}
		if i := len(a.ents) - 1; i >= 0 {
			if c := compareValues(a.ents[i].key, e.key); c < 0 || distinct && c == 0 {
				r.fail(errors.New("TOPK entries out of order"))
				break
			}
		}
		a.ents = append(a.ents, e)
	}
	return a
}

// topkParam reads the trailing k.
func topkParam(name string, args []AggArg) (int, error) {
	i := len(args) - 1
	ka := args[i]
	if !isKind(ka.Type, types.Int, types.Bigint) {
		return 0, errAggParams(name, args)
	}
	if !ka.Const {
		return 0, errNotLiteral(name, i, ka)
	}
	k, ok := constInt(ka)
	if !ok || k <= 0 {
		return 0, fmt.Errorf("Parameter %d passed to function %s must be a positive INTEGER, but was: %v", i+1, name, ka.Value)
	}
	return k, nil
}

func resolveTopk(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) < 2 || !isKind(args[0].Type, orderableKinds...) {
		return nil, errAggParams(name, args)
	}
	k, err := topkParam(name, args)
	if err != nil {
		return nil, err
	}
	extra := args[1 : len(args)-1]
	if len(extra) == 0 {
		return topkAggregate(name, args[0].Type, k, false), nil
	}
	fields := []types.Field{{Name: "sort_col", Type: args[0].Type}}
	idx := []int{0}
	for i, a := range extra {
		if a.Type == nil {
			return nil, errAggParams(name, args)
		}
		fields = append(fields, types.Field{Name: "col" + strconv.Itoa(i), Type: a.Type})
		idx = append(idx, i+1)
	}
	agg := topkAggregate(name, types.StructOf(fields...), k, false)
	agg.Args = idx
	agg.Add = func(acc any, v []any) any {
		if v[0] != nil {
			acc.(*topkAcc).insert(topkEntry{key: v[0], out: types.StructVal(slices.Clone(v))}, k, false)
		}
		return acc
	}
	return agg, nil
}

func resolveTopkDistinct(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 2 || !isKind(args[0].Type, orderableKinds...) {
		return nil, errAggParams(name, args)
	}
	k, err := topkParam(name, args)
	if err != nil {
		return nil, err
	}
	return topkAggregate(name, args[0].Type, k, true), nil
}

// topkAggregate builds the single-column form over elem.
func topkAggregate(name string, elem *types.Type, k int, distinct bool) *Aggregate {
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.ArrayOf(elem),
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &topkAcc{} },
		Add: func(acc any, v []any) any {
			if v[0] != nil {
				acc.(*topkAcc).insert(topkEntry{key: v[0], out: v[0]}, k, distinct)
			}
			return acc
		},
		Merge: func(x, y any) any {
			a := x.(*topkAcc)
			for _, e := range y.(*topkAcc).ents {
				a.insert(e, k, distinct)
			}
			return a
		},
		Result: func(acc any) any {
			ents := acc.(*topkAcc).ents
			out := make([]any, len(ents))
			for i, e := range ents {
				out[i] = e.out
			}
			return out
		},
	}
	withState(a, (*topkAcc).appendState, func(r *stateReader) *topkAcc { return readTopk(r, elem, k, distinct) })
	return a
}

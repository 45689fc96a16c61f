package expr

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
)

// EARLIEST_BY_OFFSET and LATEST_BY_OFFSET.
//
// Forms: F(x), F(x, ignoreNulls), F(x, n), F(x, n, ignoreNulls); n and
// ignoreNulls (default true) must be literals. With n the result is an
// ARRAY<T> of up to n values in offset order, else T. Rows must arrive in
// offset order: each Add is stamped from a counter owned by the resolved
// Aggregate, which Merge uses to order session-window merges.
//
// Stamps outlive the process in serialized state, so the counter starts
// at the wall clock in nanoseconds (a restarted query's stamps follow the
// old ones, even for state not yet loaded, as long as Adds average more
// than a nanosecond) and Unmarshal moves it past every restored stamp (in
// case this server's clock is behind the one that wrote the state).

type offEntry struct {
	seq int64
	v   any
}

type offsetAcc struct{ ents []offEntry }

// appendState writes the entries with their stamps as increasing deltas.
func (a *offsetAcc) appendState(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(a.ents)))
	prev := int64(0)
	for _, e := range a.ents {
		b = binary.AppendVarint(b, e.seq-prev)
		prev = e.seq
		var err error
		if b, err = codec.AppendValue(b, e.v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readOffsets reads at most n entries of type t, and moves seq past the
// restored stamps so that rows added after a restore order after them.
func readOffsets(r *stateReader, t *types.Type, n int, seq *atomic.Int64) *offsetAcc {
	c := r.count()
	if c > n {
		r.fail(fmt.Errorf("%d entries, more than the %d kept", c, n))
		return nil
	}
	a := &offsetAcc{ents: make([]offEntry, 0, c)}
	prev := int64(0)
	for ; c > 0 && r.err == nil; c-- {
		d := r.varint()
		if d < 0 && r.err == nil {
			r.fail(fmt.Errorf("offset stamps out of order"))
		}
		prev += d
		a.ents = append(a.ents, offEntry{seq: prev, v: r.value(t)})
	}
	for cur := seq.Load(); cur < prev && !seq.CompareAndSwap(cur, prev); cur = seq.Load() {
	}
	return a
}

func resolveEarliest(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveByOffset(name, args, true)
}

func resolveLatest(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveByOffset(name, args, false)
}

func resolveByOffset(name string, args []AggArg, earliest bool) (*Aggregate, error) {
	if len(args) < 1 || len(args) > 3 || args[0].Type == nil {
		return nil, errAggParams(name, args)
	}
	n, multi, ignoreNulls := 1, false, true
	rest := args[1:]
	if len(rest) > 0 && isKind(rest[0].Type, types.Int, types.Bigint) {
		if !rest[0].Const {
			return nil, errNotLiteral(name, 1, rest[0])
		}
		k, ok := constInt(rest[0])
		if !ok || k <= 0 {
			return nil, fmt.Errorf("Parameter 2 passed to function %s must be a positive INTEGER, but was: %v", name, rest[0].Value)
		}
		n, multi, rest = k, true, rest[1:]
	}
	if len(rest) > 0 && isKind(rest[0].Type, types.Boolean) {
		i := len(args) - len(rest)
		if !rest[0].Const {
			return nil, errNotLiteral(name, i, rest[0])
		}
		b, ok := rest[0].Value.(bool)
		if !ok {
			return nil, errAggParams(name, args)
		}
		ignoreNulls, rest = b, rest[1:]
	}
	if len(rest) > 0 {
		return nil, errAggParams(name, args)
	}

	var seq atomic.Int64 // per resolved aggregate, not global
	seq.Store(time.Now().UnixNano())
	ret := args[0].Type
	if multi {
		ret = types.ArrayOf(ret)
	}
	// keep trims merged entries (sorted by seq) to the n wanted.
	keep := func(ents []offEntry) []offEntry {
		if len(ents) <= n {
			return ents
		}
		if earliest {
			return ents[:n]
		}
		return slices.Delete(ents, 0, len(ents)-n)
	}
	a := &Aggregate{
		Name:         name,
		ReturnType:   ret,
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &offsetAcc{} },
		Add: func(acc any, v []any) any {
			a := acc.(*offsetAcc)
			if v[0] == nil && ignoreNulls {
				return a
			}
			if earliest && len(a.ents) >= n {
				return a
			}
			a.ents = keep(append(a.ents, offEntry{seq: seq.Add(1), v: v[0]}))
			return a
		},
		Merge: func(x, y any) any {
			a := x.(*offsetAcc)
			a.ents = append(a.ents, y.(*offsetAcc).ents...)
			slices.SortStableFunc(a.ents, func(p, q offEntry) int {
				switch {
				case p.seq < q.seq:
					return -1
				case p.seq > q.seq:
					return 1
				}
				return 0
			})
			a.ents = keep(a.ents)
			return a
		},
		Result: func(acc any) any {
			a := acc.(*offsetAcc)
			if !multi {
				if len(a.ents) == 0 {
					return nil
				}
				return a.ents[0].v
			}
			out := make([]any, len(a.ents))
			for i, e := range a.ents {
				out[i] = e.v
			}
			return out
		},
	}
	t := args[0].Type
	withState(a, (*offsetAcc).appendState, func(r *stateReader) *offsetAcc { return readOffsets(r, t, n, &seq) })
	return a, nil
}

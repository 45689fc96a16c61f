package expr

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eddysql/eddy/types"
)

// registerMore adds the functions of the functions_more*.go files.
func registerMore(r *Registry) {
	registerMoreCollection(r)
	registerMoreString(r)
	registerMoreTime(r)
	registerMoreJSON(r)
	registerMoreBytes(r)
	registerURL(r)
	registerTestUDFs(r)
	registerTestUDAFs(r)
}

// maxSeries bounds GENERATE_SERIES so one row cannot exhaust memory.
const maxSeries = 10_000_000

// maxPadded bounds the length LPAD and RPAD pad to, for the same reason:
// LPAD(s, 2000000000, 'x') would build a 2 GB string for every record.
const maxPadded = 10_000_000

func errPadded(left bool, n int) error {
	name := "RPAD"
	if left {
		name = "LPAD"
	}
	return fmt.Errorf("%s would produce a value of %d characters, over the limit of %d", name, n, maxPadded)
}

func registerMoreCollection(r *Registry) {
	arrT, mapKV := types.ArrayOf(typeT), types.MapOf(typeK, typeV)

	// The set functions return distinct elements, in first-seen order,
	// and NULL when either array is NULL.
	r.add("ARRAY_UNION", ovT(sameType, func(a []any) (any, error) {
		return distinctWhere(append(slices.Clone(a[0].([]any)), a[1].([]any)...), nil), nil
	}, arrT, arrT))
	r.add("ARRAY_INTERSECT", ovT(sameType, func(a []any) (any, error) {
		other := a[1].([]any)
		return distinctWhere(a[0].([]any), func(x any) bool { return containsValue(other, x) }), nil
	}, arrT, arrT))
	r.add("ARRAY_EXCEPT", ovT(sameType, func(a []any) (any, error) {
		other := a[1].([]any)
		return distinctWhere(a[0].([]any), func(x any) bool { return !containsValue(other, x) }), nil
	}, arrT, arrT))

	// MAP_UNION: entries of the second map win; a NULL map counts as empty.
	r.add("MAP_UNION", ovT(sameType, func(a []any) (any, error) {
		if a[0] == nil && a[1] == nil {
			return nil, nil
		}
		x, _ := a[0].(*types.MapVal)
		y, _ := a[1].(*types.MapVal)
		out := types.NewMapBuilder(x.Len() + y.Len())
		for _, m := range []*types.MapVal{x, y} {
			for i := range m.Len() {
				out.Put(m.Keys[i], m.Vals[i])
			}
		}
		return out.Map(), nil
	}, mapKV, mapKV).nullable())

	// ENTRIES(map, sorted): ARRAY<STRUCT<K, V>>, optionally sorted by key.
	r.add("ENTRIES", ovT(func(t []*types.Type) *types.Type {
		return types.ArrayOf(types.StructOf(types.Field{Name: "K", Type: tStr}, types.Field{Name: "V", Type: t[0].Elem}))
	}, func(a []any) (any, error) {
		m := a[0].(*types.MapVal)
		out := make([]any, m.Len())
		for i := range m.Len() {
			out[i] = types.StructVal{m.Keys[i], m.Vals[i]}
		}
		if a[1].(bool) {
			sort.SliceStable(out, func(i, j int) bool {
				return out[i].(types.StructVal)[0].(string) < out[j].(types.StructVal)[0].(string)
			})
		}
		return out, nil
	}, types.MapOf(tStr, typeT), tBool))

	// AS_MAP(keys, values): values pair up with keys by position; missing
	// values are NULL and NULL keys are skipped.
	r.add("AS_MAP", ovT(func(t []*types.Type) *types.Type { return types.MapOf(tStr, t[1].Elem) },
		func(a []any) (any, error) {
			ks, vs := a[0].([]any), a[1].([]any)
			out := types.NewMapBuilder(len(ks))
			for i, k := range ks {
				if k == nil {
					continue
				}
				var v any
				if i < len(vs) {
					v = vs[i]
				}
				out.Put(k, v)
			}
			return out.Map(), nil
		}, types.ArrayOf(tStr), arrT))

	series := func(wrap func(int64) any) func([]any) (any, error) {
		return func(a []any) (any, error) {
			start, end := i64(a[0]), i64(a[1])
			step := int64(1)
			if start > end {
				step = -1
			}
			if len(a) > 2 {
				step = i64(a[2])
			}
			switch {
			case step == 0:
				return nil, errors.New("GENERATE_SERIES step cannot be zero")
			case (end-start > 0 && step < 0) || (end-start < 0 && step > 0):
				return nil, errors.New("GENERATE_SERIES step has wrong sign")
			}
			n := (end-start)/step + 1
			if n > maxSeries || n < 0 {
				return nil, errors.New("GENERATE_SERIES would produce too many elements")
			}
			out := make([]any, 0, n)
			for i := range n {
				out = append(out, wrap(start+i*step))
			}
			return out, nil
		}
	}
	asInt := func(v int64) any { return int32(v) }
	asBig := func(v int64) any { return v }
	r.add("GENERATE_SERIES",
		ov(types.ArrayOf(tInt), series(asInt), tInt, tInt),
		ov(types.ArrayOf(tInt), series(asInt), tInt, tInt, tInt),
		ov(types.ArrayOf(tBig), series(asBig), tBig, tBig),
		ov(types.ArrayOf(tBig), series(asBig), tBig, tBig, tInt),
		ov(types.ArrayOf(tBig), series(asBig), tBig, tBig, tBig))

	// SPLIT_TO_MAP(input, entryDelim, kvDelim): empty entries and entries
	// without the key-value delimiter are skipped; empty delimiters give NULL.
	r.add("SPLIT_TO_MAP", ov(types.MapOf(tStr, tStr), func(a []any) (any, error) {
		s, ed, kd := a[0].(string), a[1].(string), a[2].(string)
		if ed == "" || kd == "" {
			return nil, nil
		}
		out := types.NewMapBuilder(0)
		for _, entry := range strings.Split(s, ed) {
			if entry == "" {
				continue
			}
			kv := strings.Split(entry, kd)
			if len(kv) < 2 {
				continue
			}
			out.Put(kv[0], kv[1])
		}
		return out.Map(), nil
	}, tStr, tStr, tStr))
}

// distinctWhere returns the distinct elements of xs that pass keep (all
// of them when keep is nil), in first-seen order.
func distinctWhere(xs []any, keep func(any) bool) []any {
	out := []any{}
	for _, x := range xs {
		if !containsValue(out, x) && (keep == nil || keep(x)) {
			out = append(out, x)
		}
	}
	return out
}

func containsValue(xs []any, x any) bool {
	return slices.ContainsFunc(xs, func(o any) bool { return valuesEqual(o, x) })
}

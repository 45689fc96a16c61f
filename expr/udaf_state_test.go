package expr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
)

// stateCase is one aggregate call whose accumulator must survive a
// marshal/unmarshal round trip at any point.
type stateCase struct {
	fn    string
	args  []AggArg
	props map[string]string
	// mod, when set, draws rows from only mod distinct inputs, so that
	// counts in multisets and histograms climb and undo can empty them.
	mod int
}

func (c stateCase) String() string {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		if a.Const {
			parts[i] = fmt.Sprint(a.Value)
		} else {
			parts[i] = typeName(a.Type)
		}
	}
	s := c.fn + "(" + strings.Join(parts, ",") + ")"
	if len(c.props) > 0 {
		s += fmt.Sprint(c.props)
	}
	if c.mod > 0 {
		s += fmt.Sprintf("/mod%d", c.mod)
	}
	return s
}

var (
	tDec     = types.DecimalOf(10, 2)
	tDecTiny = types.DecimalOf(2, 0) // a SUM overflows after a few rows
	tArrInt  = types.ArrayOf(types.IntType)
	tMap     = types.MapOf(types.StringType, types.DoubleType)
	tStruct  = types.StructOf(types.Field{Name: "A", Type: types.StringType},
		types.Field{Name: "B", Type: types.ArrayOf(tDec)})
	// everyType is every SQL type an accumulator can hold, nested ones
	// included.
	everyType = []*types.Type{types.BooleanType, types.IntType, types.BigintType, types.DoubleType,
		tDec, types.StringType, types.BytesType, types.DateType, types.TimeType, types.TimestampType,
		tArrInt, tMap, tStruct, types.MapOf(types.StringType, tStruct)}
	orderable = []*types.Type{types.IntType, types.BigintType, types.DoubleType, tDec,
		types.StringType, types.BytesType, types.DateType, types.TimeType, types.TimestampType}
	numeric = []*types.Type{types.IntType, types.BigintType, types.DoubleType}
)

// stateCases lists representative calls of every registered aggregate.
func stateCases() []stateCase {
	var cs []stateCase
	one := func(fn string, ts ...*types.Type) {
		for _, t := range ts {
			cs = append(cs, stateCase{fn: fn, args: []AggArg{acol(t)}})
		}
	}
	cs = append(cs, stateCase{fn: "COUNT"})
	one("COUNT", types.IntType, tStruct)
	one("COUNT_DISTINCT", everyType...)
	one("SUM", types.IntType, types.BigintType, types.DoubleType, tDec, tDecTiny)
	one("SUM_LIST", types.ArrayOf(types.IntType), types.ArrayOf(types.BigintType), types.ArrayOf(types.DoubleType))
	one("AVG", numeric...)
	one("MIN", orderable...)
	one("MAX", orderable...)
	one("ATTR", everyType...)
	one("COLLECT_LIST", everyType...)
	one("COLLECT_SET", everyType...)
	one("HISTOGRAM", types.StringType)
	one("STDDEV_SAMP", numeric...)
	one("STDDEV_SAMPLE", numeric...)
	for _, x := range numeric {
		for _, y := range numeric {
			cs = append(cs, stateCase{fn: "CORRELATION", args: []AggArg{acol(x), acol(y)}})
		}
	}
	limits := map[string]string{"ksql.functions.collect_list.limit": "3", "ksql.functions.collect_set.limit": "2"}
	for _, mod := range []int{1, 2} {
		for _, fn := range []string{"ATTR", "HISTOGRAM", "COLLECT_SET", "COLLECT_LIST", "COUNT_DISTINCT"} {
			cs = append(cs, stateCase{fn: fn, args: []AggArg{acol(types.StringType)}, mod: mod})
		}
	}
	cs = append(cs,
		stateCase{fn: "COLLECT_LIST", args: []AggArg{acol(types.StringType)}, props: limits},
		stateCase{fn: "COLLECT_SET", args: []AggArg{acol(tStruct)}, props: limits})
	for _, fn := range []string{"EARLIEST_BY_OFFSET", "LATEST_BY_OFFSET"} {
		for _, t := range []*types.Type{types.IntType, tDec, types.StringType, tStruct, tMap} {
			n, b := lit(types.IntType, int32(3)), lit(types.BooleanType, false)
			for _, extra := range [][]AggArg{nil, {b}, {n}, {n, b}, {lit(types.BooleanType, true)}} {
				cs = append(cs, stateCase{fn: fn, args: append([]AggArg{acol(t)}, extra...)})
			}
		}
	}
	k := lit(types.IntType, int32(3))
	for _, t := range orderable {
		cs = append(cs,
			stateCase{fn: "TOPK", args: []AggArg{acol(t), k}},
			stateCase{fn: "TOPKDISTINCT", args: []AggArg{acol(t), k}})
	}
	cs = append(cs,
		stateCase{fn: "TOPK", args: []AggArg{acol(types.DoubleType), acol(types.StringType), acol(tStruct), k}},
		stateCase{fn: "TOPK", args: []AggArg{acol(types.TimestampType), acol(tMap), lit(types.BigintType, int64(1))}})
	// ksqlDB's test UDAFs (udaf_testudaf.go).
	big, str, ival := acol(types.BigintType), acol(types.StringType), acol(types.IntType)
	inits := []AggArg{lit(types.IntType, int32(5)), lit(types.StringType, "ab")}
	cs = append(cs,
		stateCase{fn: "VAR_ARG", args: []AggArg{big}},
		stateCase{fn: "VAR_ARG", args: []AggArg{big, str, str}},
		stateCase{fn: "MULTI_ARG", args: append([]AggArg{big, str}, inits...)},
		stateCase{fn: "FOUR_ARG", args: append([]AggArg{big, str, str, str}, inits...)},
		stateCase{fn: "FIVE_ARG", args: append([]AggArg{big, str, str, str, ival}, inits...)},
		stateCase{fn: "MID_VAR_ARG", args: []AggArg{big, str, str, lit(types.IntType, int32(5)), lit(types.IntType, int32(6))}},
		stateCase{fn: "GENERIC_VAR_ARG", args: []AggArg{acol(tDec), ival, acol(tMap), acol(tMap)}},
		stateCase{fn: "GENERIC_VAR_ARG", args: []AggArg{acol(tStruct), ival}},
		stateCase{fn: "OBJ_COL_ARG", args: []AggArg{ival, big, acol(tStruct)}},
		stateCase{fn: "TEST_UDAF", args: []AggArg{big}},
		stateCase{fn: "TEST_UDAF", args: []AggArg{ival}},
		stateCase{fn: "TEST_UDAF", args: []AggArg{acol(types.DoubleType)}},
		stateCase{fn: "TEST_UDAF", args: []AggArg{str, lit(types.StringType, "xyz")}},
		stateCase{fn: "TEST_UDAF", args: []AggArg{acol(testPairType)}})
	return cs
}

func (c stateCase) resolve(t testing.TB) *Aggregate {
	t.Helper()
	r := NewRegistry()
	if c.props != nil {
		var err error
		if r, err = r.WithAggregateConfig(c.props); err != nil {
			t.Fatal(err)
		}
	}
	a, err := r.ResolveAggregate(c.fn, c.args)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return a
}

// row builds the i-th input row for a's arguments: varied values with
// repeats and nulls, so sets, multisets, undo and top-k all have work.
func (c stateCase) row(a *Aggregate, i int) []any {
	if c.mod > 0 {
		i %= c.mod
	}
	row := make([]any, len(a.Args))
	for j, idx := range a.Args {
		row[j] = sample(c.args[idx].Type, i*(j+1)+j)
	}
	return row
}

// sample is a deterministic value of type t; every seventh is null.
func sample(t *types.Type, i int) any {
	if i%7 == 6 {
		return nil
	}
	v := (i*37)%11 - 5 // -5..5, repeating
	switch t.Kind {
	case types.Boolean:
		return i%2 == 0
	case types.Int:
		return int32(v)
	case types.Bigint:
		return int64(v) * 1e12
	case types.Double:
		return float64(v)*1.25 + 0.1
	case types.Decimal:
		return decimal.New(int64((i*13)%97-40), -int32(t.Scale))
	case types.String:
		return fmt.Sprintf("s%d", (i*7)%5)
	case types.Bytes:
		return []byte{byte(i % 4), 'x'}
	case types.Date:
		return types.DateVal(19000 + v)
	case types.Time:
		return types.TimeVal(3600000 + v*1000)
	case types.Timestamp:
		return types.TimestampVal(1700000000000 + int64(v)*60000)
	case types.Array:
		out := make([]any, i%3)
		for j := range out {
			out[j] = sample(t.Elem, i+j)
		}
		return out
	case types.Map:
		m := types.NewMap(2)
		for j := 0; j < i%3; j++ {
			m.Put(fmt.Sprintf("k%d", (i+j)%4), sample(t.Elem, i+j))
		}
		return m
	case types.Struct:
		s := make(types.StructVal, len(t.Fields))
		for j, f := range t.Fields {
			s[j] = sample(f.Type, i+2*j)
		}
		return s
	}
	panic("sample: no values for " + typeName(t))
}

// resultBytes encodes a Result so that comparing bytes compares exactly:
// Go types, decimal exponents, float bits (NaN included), map order.
func resultBytes(t testing.TB, v any) []byte {
	t.Helper()
	b, err := codec.AppendValue(nil, v)
	if err != nil {
		t.Fatalf("result %#v: %v", v, err)
	}
	return b
}

func roundTrip(t testing.TB, a *Aggregate, acc any) any {
	t.Helper()
	b, err := a.Marshal(acc)
	if err != nil {
		t.Fatalf("%s: marshal: %v", a.Name, err)
	}
	got, err := a.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: unmarshal %x: %v", a.Name, b, err)
	}
	return got
}

func TestEveryAggregateHasState(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range stateCases() {
		a := c.resolve(t)
		if a.Marshal == nil || a.Unmarshal == nil {
			t.Errorf("%s: no Marshal/Unmarshal", c)
		}
		covered[c.fn] = true
	}
	for _, name := range NewRegistry().AggregateNames() {
		if !covered[name] {
			t.Errorf("aggregate %s has no case in stateCases: add one so its state is tested", name)
		}
	}
}

// TestStateRoundTrip feeds each aggregate rows, undoes and merges, and at
// every step restores a copy from the reference accumulator's bytes; all
// copies take every later step too, and their Result (and error) must
// match the reference's after each one.
func TestStateRoundTrip(t *testing.T) {
	const steps = 30
	for _, c := range stateCases() {
		t.Run(c.String(), func(t *testing.T) {
			a := c.resolve(t)
			// An accumulator older than every other, kept as bytes, for
			// merges where the restored side holds the newer rows.
			old := a.Init()
			for k := 0; k < 3; k++ {
				old = a.Add(old, c.row(a, 200+k))
			}
			oldState, err := a.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			ref := a.Init()
			copies := []any{roundTrip(t, a, ref)} // restored before any Add
			check := func(step string) {
				t.Helper()
				want, wantErr := resultBytes(t, a.Result(ref)), fmt.Sprint(AggregateErr(ref))
				for i, cp := range copies {
					got, gotErr := resultBytes(t, a.Result(cp)), fmt.Sprint(AggregateErr(cp))
					if !bytes.Equal(got, want) || gotErr != wantErr {
						t.Fatalf("after %s, copy %d: Result %v (err %s), reference %v (err %s)",
							step, i, a.Result(cp), gotErr, a.Result(ref), wantErr)
					}
				}
			}
			apply := func(op func(acc any, i int) any, i int) {
				ref = op(ref, i)
				for j := range copies {
					copies[j] = op(copies[j], j)
				}
			}
			for i := 0; i < steps; i++ {
				row := c.row(a, i)
				apply(func(acc any, _ int) any { return a.Add(acc, row) }, i)
				check(fmt.Sprintf("Add of row %d %v", i, row))
				if a.Undo != nil && i%4 == 3 { // take back three of the four rows
					for k := i - 2; k <= i; k++ {
						old := c.row(a, k)
						apply(func(acc any, _ int) any { return a.Undo(acc, old) }, i)
						check(fmt.Sprintf("Undo of row %d %v", k, old))
					}
				}
				if a.Merge != nil && i%6 == 5 {
					// Each accumulator merges its own b: the old one, or one
					// built now; every other copy gets b restored from bytes.
					apply(func(acc any, j int) any {
						if i%12 == 11 {
							b, err := a.Unmarshal(oldState)
							if err != nil {
								t.Fatal(err)
							}
							return a.Merge(b, acc)
						}
						b := a.Init()
						for k := 0; k < 3; k++ {
							b = a.Add(b, c.row(a, 100+i+k))
						}
						if j%2 == 1 {
							b = roundTrip(t, a, b)
						}
						return a.Merge(acc, b)
					}, i)
					check(fmt.Sprintf("Merge at row %d", i))
				}
				copies = append(copies, roundTrip(t, a, ref))
				check(fmt.Sprintf("restore at row %d", i))
			}
		})
	}
}

// A restart resolves the aggregate afresh; rows added to a restored
// *_BY_OFFSET accumulator must still order after the restored ones when
// session windows merge.
func TestOffsetStampsSurviveRestart(t *testing.T) {
	// State written by a server whose clock was an hour ahead of ours.
	latest, _ := NewRegistry().ResolveAggregate("LATEST_BY_OFFSET", []AggArg{acol(types.StringType)})
	ahead := binary.AppendVarint([]byte{stateVersion, 1}, time.Now().Add(time.Hour).UnixNano())
	ahead, _ = codec.AppendValue(ahead, "from the fast server")
	restored, err := latest.Unmarshal(ahead)
	if err != nil {
		t.Fatal(err)
	}
	if got := latest.Result(restored); got != "from the fast server" {
		t.Fatalf("crafted state: %v", got)
	}
	newer := latest.Add(latest.Init(), []any{"new"})
	if got := latest.Result(latest.Merge(newer, restored)); got != "new" {
		t.Fatalf("merge of a state stamped by a clock ahead with a newer row: got %v, want new", got)
	}

	args := []AggArg{acol(types.StringType)}
	before, _ := NewRegistry().ResolveAggregate("LATEST_BY_OFFSET", args)
	older := before.Add(before.Init(), []any{"old"})
	older = before.Add(older, []any{"older-still-latest"})
	state, err := before.Marshal(older)
	if err != nil {
		t.Fatal(err)
	}

	// The restarted query adds a row before it loads the old state (a
	// disk store loads state when a key is touched).
	after, _ := NewRegistry().ResolveAggregate("LATEST_BY_OFFSET", args)
	newer = after.Add(after.Init(), []any{"new"})
	if restored, err = after.Unmarshal(state); err != nil {
		t.Fatal(err)
	}
	if got := after.Result(after.Merge(restored, newer)); got != "new" {
		t.Fatalf("merge of a restored session with a newer one: got %v, want new", got)
	}

	earliest, _ := NewRegistry().ResolveAggregate("EARLIEST_BY_OFFSET", []AggArg{acol(types.IntType), lit(types.IntType, int32(2))})
	e1 := earliest.Add(earliest.Init(), []any{int32(1)})
	state, _ = earliest.Marshal(e1)
	earliest2, _ := NewRegistry().ResolveAggregate("EARLIEST_BY_OFFSET", []AggArg{acol(types.IntType), lit(types.IntType, int32(2))})
	r1, _ := earliest2.Unmarshal(state)
	e2 := earliest2.Add(earliest2.Init(), []any{int32(2)})
	got := earliest2.Result(earliest2.Merge(e2, r1))
	if !slices.Equal(got.([]any), []any{int32(1), int32(2)}) {
		t.Fatalf("EARLIEST_BY_OFFSET(x, 2) after restart and merge: got %v, want [1 2]", got)
	}
}

func TestSumDecimalOverflowSurvives(t *testing.T) {
	a, _ := NewRegistry().ResolveAggregate("SUM", []AggArg{acol(tDecTiny)})
	acc := a.Init()
	for _, v := range []int64{60, 30, 20} { // 110 does not fit DECIMAL(2,0)
		acc = a.Add(acc, []any{decimal.New(v, 0)})
	}
	if AggregateErr(acc) == nil {
		t.Fatal("setup: expected an overflow")
	}
	r := roundTrip(t, a, acc)
	if AggregateErr(r) == nil || !a.Result(r).(decimal.Decimal).Equal(decimal.New(90, 0)) {
		t.Fatalf("restored: err %v, result %v; want the overflow and the last good sum 90", AggregateErr(r), a.Result(r))
	}
	// The bound comes from the type: a restored sum still overflows at 100.
	b, _ := NewRegistry().ResolveAggregate("SUM", []AggArg{acol(tDecTiny)})
	fresh := b.Add(b.Init(), []any{decimal.New(95, 0)})
	fresh = roundTrip(t, b, fresh)
	if fresh = b.Add(fresh, []any{decimal.New(5, 0)}); AggregateErr(fresh) == nil {
		t.Fatal("a restored DECIMAL(2,0) sum reached 100 without an overflow")
	}
}

func TestStateSmall(t *testing.T) {
	for _, c := range []stateCase{
		{fn: "COUNT"},
		{fn: "SUM", args: []AggArg{acol(types.BigintType)}},
		{fn: "SUM", args: []AggArg{acol(types.IntType)}},
	} {
		a := c.resolve(t)
		acc := a.Init()
		for i := 0; i < 50; i++ {
			acc = a.Add(acc, []any{int64(1), int32(1)}[:len(a.Args)])
		}
		if c.fn == "SUM" && c.args[0].Type.Kind == types.Int {
			acc = a.Add(a.Init(), []any{int32(50)})
		}
		b, _ := a.Marshal(acc)
		if len(b) > 3 {
			t.Errorf("%s of 50 takes %d bytes (%x), want at most 3", c, len(b), b)
		}
	}
}

func TestMarshalAccs(t *testing.T) {
	r := NewRegistry()
	count, _ := r.ResolveAggregate("COUNT", nil)
	list, _ := r.ResolveAggregate("COLLECT_LIST", []AggArg{acol(types.StringType)})
	topk, _ := r.ResolveAggregate("TOPK", []AggArg{acol(types.BigintType), lit(types.IntType, int32(2))})
	aggs := []*Aggregate{count, list, topk}
	accs := []any{count.Init(), list.Init(), topk.Init()}
	for i := 0; i < 40; i++ { // the list's state passes 128 bytes: a two-byte length
		accs[0] = count.Add(accs[0], nil)
		accs[1] = list.Add(accs[1], []any{fmt.Sprintf("value-%d", i)})
		accs[2] = topk.Add(accs[2], []any{int64(i % 7)})
	}
	rec, err := MarshalAccs([]byte("key"), aggs, accs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalAccs(aggs, rec[len("key"):])
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range aggs {
		if !bytes.Equal(resultBytes(t, a.Result(got[i])), resultBytes(t, a.Result(accs[i]))) {
			t.Errorf("%s: restored %v, want %v", a.Name, a.Result(got[i]), a.Result(accs[i]))
		}
	}
	if n := testing.AllocsPerRun(100, func() { rec, _ = MarshalAccs(rec[:0], aggs[:1], accs[:1]) }); n != 0 {
		t.Errorf("MarshalAccs of a COUNT into a buffer: %v allocations, want 0", n)
	}

	if _, err := MarshalAccs(nil, []*Aggregate{{Name: "HANDMADE"}}, []any{nil}); err == nil || !strings.Contains(err.Error(), "HANDMADE") {
		t.Errorf("an aggregate without a serialized form: err %v", err)
	}
	if _, err := MarshalAccs(nil, aggs, accs[:1]); err == nil {
		t.Error("mismatched aggregates and accumulators: no error")
	}
	for n := 0; n < len(rec)-len("key"); n++ {
		if _, err := UnmarshalAccs(aggs, rec[len("key"):len("key")+n]); err == nil {
			t.Fatalf("record truncated to %d bytes: no error", n)
		}
	}
	if _, err := UnmarshalAccs(aggs, append(rec[len("key"):], 0)); err == nil {
		t.Error("trailing byte after the record: no error")
	}
}

func TestStateErrors(t *testing.T) {
	count, _ := NewRegistry().ResolveAggregate("COUNT", nil)
	sum, _ := NewRegistry().ResolveAggregate("SUM", []AggArg{acol(types.IntType)})
	if _, err := count.Marshal(sum.Init()); err == nil || !strings.Contains(err.Error(), "COUNT") {
		t.Errorf("COUNT marshalling a SUM accumulator: err %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"future version": {stateVersion + 1, 2},
		"trailing bytes": {stateVersion, 2, 0},
		"truncated":      {stateVersion, 0x80},
	} {
		if _, err := count.Unmarshal(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := sum.Unmarshal([]byte{stateVersion, 0xfe, 0xff, 0xff, 0xff, 0x1f}); err == nil {
		t.Error("an INT sum out of range: no error")
	}
	// A state of another type (a foreign store, a changed query) is an
	// error, not a value MIN would later fail to compare.
	minStr, _ := NewRegistry().ResolveAggregate("MIN", []AggArg{acol(types.StringType)})
	minInt, _ := NewRegistry().ResolveAggregate("MIN", []AggArg{acol(types.IntType)})
	b, _ := minStr.Marshal(minStr.Add(minStr.Init(), []any{"x"}))
	if _, err := minInt.Unmarshal(b); err == nil {
		t.Error("MIN(INT) restored a STRING")
	}
}

// mustNotPanic runs f and reports a panic as a test failure.
func mustNotPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
	}()
	f()
}

// TestStateCorrupt: every truncation of a real state is an error; flipped
// bytes are an error or a state that Add, Merge and Result handle.
func TestStateCorrupt(t *testing.T) {
	for _, c := range stateCases() {
		a := c.resolve(t)
		acc := a.Init()
		for i := 0; i < 12; i++ {
			acc = a.Add(acc, c.row(a, i))
		}
		good, err := a.Marshal(acc)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(good); n++ {
			mustNotPanic(t, fmt.Sprintf("%s: unmarshal of %d of %d bytes", c, n, len(good)), func() {
				if _, err := a.Unmarshal(good[:n]); err == nil {
					t.Errorf("%s: state truncated to %d of %d bytes: no error", c, n, len(good))
				}
			})
		}
		for i := 1; i < len(good); i++ {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				bad := slices.Clone(good)
				bad[i] ^= x
				exerciseState(t, a, c.row(a, i), bad)
			}
		}
	}
}

// exerciseState unmarshals b and, if that succeeds, uses the state.
func exerciseState(t testing.TB, a *Aggregate, row []any, b []byte) {
	t.Helper()
	mustNotPanic(t, fmt.Sprintf("%s: state %x", a.Name, b), func() {
		acc, err := a.Unmarshal(b)
		if err != nil {
			return
		}
		a.Result(acc)
		acc = a.Add(acc, row)
		if a.Undo != nil {
			acc = a.Undo(acc, row)
		}
		if a.Merge != nil {
			acc = a.Merge(a.Add(a.Init(), row), acc)
		}
		a.Result(acc)
		if _, err := a.Marshal(acc); err != nil {
			t.Errorf("%s: re-marshal of an accepted state: %v", a.Name, err)
		}
	})
}

func FuzzUnmarshalState(f *testing.F) {
	cases := stateCases()
	aggs := make([]*Aggregate, len(cases))
	for i, c := range cases {
		aggs[i] = c.resolve(f)
		acc := aggs[i].Init()
		for j := 0; j < 5; j++ {
			acc = aggs[i].Add(acc, c.row(aggs[i], j))
		}
		b, err := aggs[i].Marshal(acc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint16(i), b)
	}
	f.Fuzz(func(t *testing.T, which uint16, b []byte) {
		i := int(which) % len(cases)
		exerciseState(t, aggs[i], cases[i].row(aggs[i], 3), b)
	})
}

// ---- benchmarks ----

func benchState(b *testing.B, fn string, args []AggArg, n int, row func(i int) []any) {
	a, err := NewRegistry().ResolveAggregate(fn, args)
	if err != nil {
		b.Fatal(err)
	}
	acc := a.Init()
	for i := 0; i < n; i++ {
		acc = a.Add(acc, row(i))
	}
	data, err := a.Marshal(acc)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, _ = a.Marshal(acc)
		}
		b.ReportMetric(float64(len(data)), "state-bytes")
	})
	b.Run("Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Unmarshal(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStateCount(b *testing.B) {
	benchState(b, "COUNT", nil, 1000, func(int) []any { return nil })
}

func BenchmarkStateSumBigint(b *testing.B) {
	benchState(b, "SUM", []AggArg{acol(types.BigintType)}, 1000, func(i int) []any { return []any{int64(i)} })
}

func BenchmarkStateSumDecimal(b *testing.B) {
	benchState(b, "SUM", []AggArg{acol(tDec)}, 1000, func(i int) []any { return []any{decimal.New(int64(i), -2)} })
}

func BenchmarkStateAvgDouble(b *testing.B) {
	benchState(b, "AVG", []AggArg{acol(types.DoubleType)}, 1000, func(i int) []any { return []any{float64(i) / 3} })
}

func BenchmarkStateCollectList100(b *testing.B) {
	benchState(b, "COLLECT_LIST", []AggArg{acol(types.StringType)}, 100,
		func(i int) []any { return []any{fmt.Sprintf("user_%d", i)} })
}

func BenchmarkStateTopk10(b *testing.B) {
	benchState(b, "TOPK", []AggArg{acol(types.BigintType), lit(types.IntType, int32(10))}, 1000,
		func(i int) []any { return []any{int64(i*7919) % 1000} })
}

func BenchmarkStateMarshalAccsCountSum(b *testing.B) {
	r := NewRegistry()
	count, _ := r.ResolveAggregate("COUNT", nil)
	sum, _ := r.ResolveAggregate("SUM", []AggArg{acol(types.BigintType)})
	aggs := []*Aggregate{count, sum}
	accs := []any{count.Add(count.Init(), nil), sum.Add(sum.Init(), []any{int64(123456)})}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = MarshalAccs(buf[:0], aggs, accs)
	}
	b.ReportMetric(float64(len(buf)), "record-bytes")
}

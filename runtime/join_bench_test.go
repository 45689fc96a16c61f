package runtime

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/state"
)

// BenchmarkStreamStreamJoin is Nexmark q8's join without a broker: a
// person row and then three auction rows of that person within the
// window, an inner stream–stream join on the person's id without GRACE
// (so, as in q8's run, no row expires), rows narrowed to what q8 reads
// plus one unread column nulled, and the join's changelog entries
// flushed every 500 people as a commit would. A join starts afresh every
// 10,000 people, the size of q8's input. Per op: one person and its
// three auctions.
func BenchmarkStreamStreamJoin(b *testing.B) {
	k, _ := keyAndCount(b)
	var outputs int
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	var j *JoinSpec
	var left *JoinLeft
	var right *JoinRight
	name := strings.Repeat("n", 12)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%10_000 == 0 {
			j = &JoinSpec{Kind: InnerJoin, LeftWidth: 3, RightWidth: 3, LeftKey: k, RightKey: k, KeyFill: -1,
				Before: 10_000, After: 10_000, Grace: 86_400_000,
				Next: &EmitSink{Emit: func([]any, bool) bool { outputs++; return true }}}
			left, right = &JoinLeft{J: j}, &JoinRight{J: j}
		}
		id := strconv.Itoa(i)
		ts := int64(i) * 100
		left.Process(tk, &Rec{Row: []any{id, name, nil}, Ts: ts})
		for a := range 3 {
			right.Process(tk, &Rec{Row: []any{id, int64(i*3 + a), nil}, Ts: ts + int64(a)*1000})
		}
		if i++; i%500 == 0 {
			if err := j.flushChanges(func(k, v []byte) {}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if outputs != 3*i {
		b.Fatalf("%d outputs for %d people", outputs, i)
	}
}

// BenchmarkStreamTableJoin is a stream–table join over a table of
// 100,000 keys in memory (the default store): per op, one stream row
// joined with its key's table row, and one table update every tenth op;
// the join's changelog entries are flushed every 1,000 ops as a commit
// would.
func BenchmarkStreamTableJoin(b *testing.B) {
	k, _ := keyAndCount(b)
	var outputs int
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	j := &JoinSpec{Kind: LeftJoin, RightTable: true, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
		Next: &EmitSink{Emit: func([]any, bool) bool { outputs++; return true }}}
	left, right := &JoinLeft{J: j}, &JoinRight{J: j}
	const keys = 100_000
	ids := make([]string, keys)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
		right.Process(tk, &Rec{Row: []any{ids[i], "name"}, Ts: 1})
	}
	if err := j.flushChanges(func(k, v []byte) {}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := ids[(i*7919)%keys]
		left.Process(tk, &Rec{Row: []any{id, int64(i)}, Ts: int64(i)})
		if i%10 == 0 {
			right.Process(tk, &Rec{Row: []any{id, "renamed"}, Ts: int64(i)})
		}
		if i++; i%1000 == 0 {
			if err := j.flushChanges(func(k, v []byte) {}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if outputs != i {
		b.Fatalf("%d outputs for %d stream rows", outputs, i)
	}
}

// BenchmarkJoinTableHeap measures the Go heap a stream–table join's
// table side keeps per table row, in memory and store-backed (Pebble,
// default cache of 100,000 rows): 1,000,000 rows (K, NAME) are loaded,
// committed every 10,000 as a task does, then the live heap is measured.
// Pebble's memtables and block cache are off the Go heap (its manual
// allocator) and not counted; the store's size on disk is reported.
func BenchmarkJoinTableHeap(b *testing.B) {
	const rows = 1_000_000
	for _, kind := range []string{"memory", "pebble"} {
		b.Run(kind, func(b *testing.B) {
			k, _ := keyAndCount(b)
			for b.Loop() {
				j := &JoinSpec{Kind: LeftJoin, RightTable: true, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
					Next: &EmitSink{Emit: func([]any, bool) bool { return true }}}
				right := &JoinRight{J: j}
				tk, store, commit := heapBenchTask(b, kind, j)
				before := liveHeap()
				feedCommitting(rows, 0, commit, func(i int) {
					right.Process(tk, &Rec{Row: []any{"k" + strconv.Itoa(i), "name-" + strconv.Itoa(i)}, Ts: int64(i)})
				})
				reportHeap(b, before, rows, "row", store)
				runtime.KeepAlive(j)
			}
		})
	}
}

// heapBenchTask is a task running join j with its state in memory, or
// (kind "pebble") attached to a Pebble store, which it returns; commit
// ends a batch at input offset i as a task's commit does.
func heapBenchTask(b *testing.B, kind string, j *JoinSpec) (*Task, state.Store, func(i int)) {
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	if kind != "pebble" {
		return tk, nil, func(int) {
			if err := j.flushChanges(func(k, v []byte) {}); err != nil {
				b.Fatal(err)
			}
		}
	}
	store, err := state.OpenPebble(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := j.attach(store, 0); err != nil {
		b.Fatal(err)
	}
	return tk, store, storeCommit(b, tk, j, store)
}

// feedCommitting calls process for inputs first to first+n-1, ending a
// batch (commit) after every 10,000 inputs, as a task does.
func feedCommitting(n, first int, commit func(i int), process func(i int)) {
	for i := first; i < first+n; i++ {
		process(i)
		if (i-first+1)%10_000 == 0 {
			commit(i)
		}
	}
}

// reportHeap reports the heap grown since before and the store's bytes,
// per one of rows, and closes the store.
func reportHeap(b *testing.B, before int64, rows int, unit string, store state.Store) {
	b.ReportMetric(float64(liveHeap()-before)/float64(rows), "heapB/"+unit)
	if store != nil {
		b.ReportMetric(float64(store.ApproxBytes())/float64(rows), "storeB/"+unit)
		store.Close()
	}
}

func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// BenchmarkFKJoinHeap measures the Go heap a foreign-key join keeps per
// left row, in memory and store-backed (Pebble, default caches of
// 100,000 rows a side): 100,000 right rows (K, V), then 1,000,000 left
// rows (PK, FK), ten a right key, committed every 10,000 as a task does.
// As BenchmarkJoinTableHeap, Pebble's own memory is off the Go heap.
func BenchmarkFKJoinHeap(b *testing.B) {
	const rows, rights = 1_000_000, 100_000
	for _, kind := range []string{"memory", "pebble"} {
		b.Run(kind, func(b *testing.B) {
			newOp := newFKJoin(b, LeftJoin)
			for b.Loop() {
				ops, op := newOp(&EmitSink{Emit: func([]any, bool) bool { return true }})
				j := op.(*JoinSpec)
				tk, store, commit := heapBenchTask(b, kind, j)
				before := liveHeap()
				feedCommitting(rights, 0, commit, func(i int) {
					ops[1].Process(tk, &Rec{Row: []any{"k" + strconv.Itoa(i), "v-" + strconv.Itoa(i)}, Ts: int64(i)})
				})
				feedCommitting(rows, rights, commit, func(i int) {
					ops[0].Process(tk, &Rec{Row: []any{"p" + strconv.Itoa(i-rights), "k" + strconv.Itoa((i-rights)%rights)}, Ts: int64(i)})
				})
				reportHeap(b, before, rows, "leftrow", store)
				runtime.KeepAlive(j)
			}
		})
	}
}

// BenchmarkStreamJoinHeap measures the Go heap a stream–stream join
// keeps per row of its windows, in memory and store-backed (Pebble,
// default cache of 100,000 keys and rows a side): 1,000,000 rows (K, V),
// left and right in turn, five a key on each side, all within the window
// (LEFT JOIN WITHIN 1 HOUR GRACE PERIOD 1 HOUR, a row a millisecond),
// committed every 10,000 as a task does. As BenchmarkJoinTableHeap,
// Pebble's own memory is off the Go heap.
func BenchmarkStreamJoinHeap(b *testing.B) {
	const rows, keys = 1_000_000, 100_000
	for _, kind := range []string{"memory", "pebble"} {
		b.Run(kind, func(b *testing.B) {
			k, _ := keyAndCount(b)
			for b.Loop() {
				j := &JoinSpec{Kind: LeftJoin, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
					Before: 3_600_000, After: 3_600_000, Grace: 3_600_000, HasGrace: true,
					Next: &EmitSink{Emit: func([]any, bool) bool { return true }}}
				sides := []Op{&JoinLeft{J: j}, &JoinRight{J: j}}
				tk, store, commit := heapBenchTask(b, kind, j)
				before := liveHeap()
				feedCommitting(rows, 0, commit, func(i int) {
					row := []any{"k" + strconv.Itoa(i/2%keys), "v-" + strconv.Itoa(i)}
					sides[i%2].Process(tk, &Rec{Row: row, Ts: int64(i)})
				})
				reportHeap(b, before, rows, "row", store)
				runtime.KeepAlive(j)
			}
		})
	}
}

// BenchmarkStreamJoinStoreLookup measures a store-backed (Pebble) stream–
// stream join's cost per row when the other side's key is not in its
// cache, so that the lookup reads the store: 200,000 left rows, a key
// each, are committed first; then per op one right row looks up a left
// key long evicted (a cache of 1,000 keys and rows a side), matching its
// row ("hit") or a key the left side never had ("miss"). A commit ends
// every 10,000 rows, as a task's does.
func BenchmarkStreamJoinStoreLookup(b *testing.B) {
	const keys = 200_000
	for _, name := range []string{"hit", "miss"} {
		b.Run(name, func(b *testing.B) {
			k, _ := keyAndCount(b)
			var outputs int
			j := &JoinSpec{Kind: InnerJoin, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
				Before: 3_600_000, After: 3_600_000,
				Next: &EmitSink{Emit: func([]any, bool) bool { outputs++; return true }}}
			left, right := &JoinLeft{J: j}, &JoinRight{J: j}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			store, err := state.OpenPebble(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			if err := j.attach(store, 1_000); err != nil {
				b.Fatal(err)
			}
			commit := storeCommit(b, tk, j, store)
			feedCommitting(keys, 0, commit, func(i int) {
				left.Process(tk, &Rec{Row: []any{"k" + strconv.Itoa(i), "v"}, Ts: int64(i)})
			})
			prefix := "k"
			if name == "miss" {
				prefix = "m"
			}
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				// A stride coprime with keys visits every key once per
				// keys rows, each long after it left the cache.
				key := prefix + strconv.Itoa((i*7919)%keys)
				right.Process(tk, &Rec{Row: []any{key, "w"}, Ts: int64(keys + i%1_000_000)})
				if i++; i%10_000 == 0 {
					commit(keys + i)
				}
			}
			// CPU time besides wall time: the wall time also waits on
			// the commits' syncs and, on a busy machine, for a core.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
			if name == "hit" && outputs != i {
				b.Fatalf("%d outputs for %d rows", outputs, i)
			}
		})
	}
}

// storeCommit makes tk's one task store, the store-backed join j over
// store, and returns what commits it at an offset: the join's changes
// written to the store, then its cache trimmed, as a task's commit does.
func storeCommit(b *testing.B, tk *Task, j *JoinSpec, store state.Store) func(int) {
	st := &taskStore{name: "j", op: j, local: store, backed: true}
	tk.stores = []*taskStore{st}
	return func(i int) {
		changes, _, err := tk.collectChanges()
		if err != nil {
			b.Fatal(err)
		}
		if err := st.writeLocal(changes[0], int64(i)); err != nil {
			b.Fatal(err)
		}
		tk.trimCaches()
	}
}

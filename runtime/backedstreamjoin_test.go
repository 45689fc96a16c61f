package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/state"
)

// streamJoinRecs is a random history of stream rows (K, V) over keys
// keys, on the left side where left says so: times rise by up to 20 a
// row, but a tenth come out of order by up to 400, some of them later
// than a side's retention (200 in newStoreStreamJoin).
func streamJoinRecs(n, keys int) (recs []Rec, left []bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	ts := int64(1000)
	for i := range n {
		ts += rng.Int64N(20)
		t := ts
		if rng.IntN(10) == 0 {
			t -= rng.Int64N(400)
		}
		recs = append(recs, Rec{Row: []any{fmt.Sprintf("k%d", rng.IntN(keys)), int64(i)}, Ts: t})
		left = append(left, rng.IntN(2) == 0)
	}
	return recs, left
}

// newStoreStreamJoin makes a stream–stream join of kind of rows (K, V) on
// K, WITHIN 50 (before and after), GRACE PERIOD 100 if grace, in one store
// or, sideStores, in a store per side (committed as one here).
func newStoreStreamJoin(t testing.TB, kind string, grace, sideStores bool) func(emit Op) ([]Op, backedOp) {
	k, _ := keyAndCount(t)
	return func(emit Op) ([]Op, backedOp) {
		j := &JoinSpec{Kind: kind, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
			Before: 50, After: 50, Next: emit}
		if grace {
			j.Grace, j.HasGrace = 100, true
		}
		ops := []Op{&JoinLeft{J: j}, &JoinRight{J: j}}
		if sideStores {
			return ops, &bothSides{&joinSideStore{j: j, tag: 'L'}, &joinSideStore{j: j, tag: 'R'}}
		}
		return ops, j
	}
}

// playStreamJoin plays recs through r, committing every 7 rows and
// restarting now and then: over the same store, or over one rebuilt
// from the changelog alone.
func playStreamJoin(r *backedRun, recs []Rec, left []bool) {
	for i, rec := range recs {
		entry := 1
		if left[i] {
			entry = 0
		}
		r.process(entry, rec)
		if i%7 == 0 {
			r.commit()
			switch {
			case i%1400 == 700:
				r.restart()
			case i%1400 == 0 && i > 0:
				r.restartFromLog()
			}
		}
	}
	r.commit()
}

// A stream–stream join's windows, kept in a Pebble store with a cache
// of 3 keys a side, emit what they emit in memory, out-of-order and late
// rows included, through commits that evict and restarts that attach to
// the store or to one rebuilt from the changelog.
func TestStoreBackedStreamJoinMatchesMemory(t *testing.T) {
	for _, c := range []struct {
		name              string
		kind              string
		grace, sideStores bool
	}{
		{"inner", InnerJoin, false, false},
		{"inner grace", InnerJoin, true, false},
		{"left", LeftJoin, false, false},
		{"left grace", LeftJoin, true, false},
		{"right grace side stores", RightJoin, true, true},
		{"full grace", FullJoin, true, false},
		{"full grace side stores", FullJoin, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newBackedRun(t, newStoreStreamJoin(t, c.kind, c.grace, c.sideStores))
			recs, left := streamJoinRecs(4000, 10)
			playStreamJoin(r, recs, left)
			r.check(800)
		})
	}
}

// With many keys, a store-backed stream–stream join keeps no more keys
// decoded from one commit to the next than its caches hold, and the rows
// that left the window leave the store: once both sides' times are far
// ahead, it holds only the newest rows.
func TestStoreBackedStreamJoinBoundedAndExpired(t *testing.T) {
	r := newBackedRun(t, newStoreStreamJoin(t, FullJoin, true, false))
	recs, left := streamJoinRecs(6000, 3000)
	playStreamJoin(r, recs, left)
	r.check(1000)
	if n := r.tk.stats.StateHeldPeak.Load(); n > 6 {
		t.Errorf("%d keys held after a commit, want at most 6", n)
	}
	if n := r.tk.stats.StateTouchedPeak.Load(); n > 200 {
		t.Errorf("%d keys held at a commit, want far fewer than the 3000 keys", n)
	}
	last := recs[len(recs)-1].Ts + 10_000
	r.process(0, Rec{Row: []any{"end", int64(-1)}, Ts: last})
	r.process(1, Rec{Row: []any{"end", int64(-2)}, Ts: last})
	r.commit()
	r.check(1000)
	count := map[byte]int{}
	if err := r.store.Scan(nil, nil, func(k, _ []byte) bool {
		count[k[0]]++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if count['S'] != 2 || count['T'] != 2 || count['L']+count['R'] != 0 {
		t.Errorf("store holds %d rows, %d time index entries, %d per-key entries; want 2, 2, 0", count['S'], count['T'], count['L']+count['R'])
	}
}

// storeBytes is how many bytes a commit's changes hold.
func storeBytes(changes []change) int {
	n := 0
	for _, c := range changes {
		n += len(c.key) + len(c.value)
	}
	return n
}

// A row added to a key that holds many rows in the window writes that
// row, not every row of the key: what a commit of ten rows writes stays
// the same as the key's rows grow to 2,000.
func TestStoreBackedStreamJoinHotKeyWritesItsRows(t *testing.T) {
	newOp := newStoreStreamJoin(t, LeftJoin, true, false)
	store, err := state.OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ops, op := newOp(&EmitSink{Emit: func([]any, bool) bool { return true }})
	j := op.(*JoinSpec)
	j.Before, j.After = 1_000_000, 1_000_000 // every row stays in the window
	if err := op.attach(store, 3); err != nil {
		t.Fatal(err)
	}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	st := &taskStore{name: "s", op: op, local: store, backed: true}
	tk.stores = []*taskStore{st}
	var first, last int
	for i := range 2000 {
		ops[0].Process(tk, &Rec{Row: []any{"hot", int64(i)}, Ts: int64(i)})
		if i%10 == 9 {
			n := storeBytes(commitLocal(t, tk, st, int64(i)))
			if first == 0 {
				first = n
			}
			last = n
		}
	}
	if last > 2*first {
		t.Errorf("a commit of ten rows of a key wrote %d bytes at first, %d once the key held 2,000 rows", first, last)
	}
}

// memoryFlush writes a join's changes in memory into store, committed.
func memoryFlush(t *testing.T, j *JoinSpec, store state.Store, offset int64) {
	t.Helper()
	if err := j.flushChanges(func(k, v []byte) {
		if err := localApply(store, k, v); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := store.Commit(offset); err != nil {
		t.Fatal(err)
	}
}

// A store-backed join started over the state a join in memory wrote
// (the store restored from its changelog) goes on as that join would,
// and so does a join in memory restored from a store-backed one's: each
// reads the other's entries, and deletes them once it wrote its own.
func TestStreamJoinSwitchesStateStore(t *testing.T) {
	recs, left := streamJoinRecs(3000, 40)
	for _, startInMemory := range []bool{true, false} {
		t.Run(fmt.Sprintf("from memory %v", startInMemory), func(t *testing.T) {
			newOp := newStoreStreamJoin(t, FullJoin, true, false)
			var want, got []string
			sink := func(out *[]string) Op {
				return &EmitSink{Emit: func(row []any, tomb bool) bool {
					*out = append(*out, fmt.Sprint(row, tomb))
					return true
				}}
			}
			whole, _ := newOp(sink(&want))
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			for i, rec := range recs {
				cp := rec
				cp.Row = append([]any(nil), rec.Row...)
				whole[map[bool]int{true: 0, false: 1}[left[i]]].Process(tk, &cp)
			}
			store, err := state.OpenPebble(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			first, firstOp := newOp(sink(&got))
			var firstTk *Task
			var firstSt *taskStore
			if startInMemory {
				firstTk = newTask(&Topology{}, nil, newTaskStats(), 0)
			} else {
				if err := firstOp.attach(store, 3); err != nil {
					t.Fatal(err)
				}
				firstTk = newTask(&Topology{}, nil, newTaskStats(), 0)
				firstSt = &taskStore{name: "s", op: firstOp, local: store, backed: true}
				firstTk.stores = []*taskStore{firstSt}
			}
			half := len(recs) / 2
			for i, rec := range recs[:half] {
				cp := rec
				cp.Row = append([]any(nil), rec.Row...)
				first[map[bool]int{true: 0, false: 1}[left[i]]].Process(firstTk, &cp)
				if i%7 == 0 || i == half-1 {
					if startInMemory {
						memoryFlush(t, firstOp.(*JoinSpec), store, int64(i))
					} else {
						commitLocal(t, firstTk, firstSt, int64(i))
					}
				}
			}
			second, secondOp := newOp(sink(&got))
			secondTk := newTask(&Topology{}, nil, newTaskStats(), 0)
			var secondSt *taskStore
			if startInMemory {
				if err := secondOp.attach(store, 3); err != nil {
					t.Fatal(err)
				}
				secondSt = &taskStore{name: "s", op: secondOp, local: store, backed: true}
				secondTk.stores = []*taskStore{secondSt}
			} else if err := store.Scan(nil, nil, func(k, v []byte) bool {
				if err := secondOp.restoreEntry(append([]byte(nil), k...), append([]byte(nil), v...)); err != nil {
					t.Fatal(err)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			for i, rec := range recs[half:] {
				cp := rec
				cp.Row = append([]any(nil), rec.Row...)
				second[map[bool]int{true: 0, false: 1}[left[half+i]]].Process(secondTk, &cp)
				if i%7 == 0 {
					if startInMemory {
						commitLocal(t, secondTk, secondSt, int64(half+i))
					} else {
						memoryFlush(t, secondOp.(*JoinSpec), store, int64(half+i))
					}
				}
			}
			if len(want) < 500 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("switching stores emitted %d rows, %d without a switch (or they differ)", len(got), len(want))
			}
			// The entries of the first's format are gone.
			old := map[byte]bool{'S': true, 'T': true}
			if startInMemory {
				old = map[byte]bool{'L': true, 'R': true}
			}
			if err := store.Scan(nil, nil, func(k, _ []byte) bool {
				if old[k[0]] {
					t.Errorf("entry %q of the first join's format is still in the store", k)
					return false
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// storeEntries lists a store's entries as "key=value".
func storeEntries(t *testing.T, s state.Store) []string {
	t.Helper()
	var out []string
	if err := s.Scan(nil, nil, func(k, v []byte) bool {
		out = append(out, fmt.Sprintf("%q=%q", k, v))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// A batch whose entries reached the changelog but never committed is
// undone after a restart: the store-backed join, attached to the store as
// of the last commit and told which entries the batch wrote (markDirty),
// writes them again as the store has them, so the changelog read back
// whole ends where the store is.
func TestStoreBackedStreamJoinRewritesUncommittedBatch(t *testing.T) {
	r := newBackedRun(t, newStoreStreamJoin(t, FullJoin, true, false))
	recs, left := streamJoinRecs(2100, 10)
	playStreamJoin(r, recs[:2000], left[:2000])
	for i, rec := range recs[2000:] {
		r.process(map[bool]int{true: 0, false: 1}[left[2000+i]], rec)
	}
	changes, _, err := r.tk.collectChanges()
	if err != nil {
		t.Fatal(err)
	}
	if len(changes[0]) < 50 {
		t.Fatalf("the uncommitted batch wrote %d entries: too few to test", len(changes[0]))
	}
	for _, c := range changes[0] {
		r.log = append(r.log, cloneChange(c.key, c.value))
	}
	r.restart()
	for _, c := range changes[0] {
		r.op.markDirty(c.key)
	}
	r.commit()
	want := storeEntries(t, r.store)
	r.restartFromLog()
	got := storeEntries(t, r.store)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the changelog read back holds %d entries, the store %d, or they differ", len(got), len(want))
	}
}

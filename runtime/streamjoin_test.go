package runtime

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// streamJoin is a stream-stream join of rows [K, V] on K, WITHIN 1 minute
// GRACE PERIOD 1 minute, recording what it emits as "lv,rv@ts".
type streamJoin struct {
	j   *JoinSpec
	tk  *Task
	out []string
}

func newStreamJoin(t *testing.T, kind string) *streamJoin {
	k, _ := keyAndCount(t)
	sj := &streamJoin{tk: newTask(&Topology{}, nil, newTaskStats(), 0)}
	sj.j = &JoinSpec{Kind: kind, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1,
		Before: 60_000, After: 60_000, Grace: 60_000, HasGrace: true,
		Next: &EmitSink{Emit: func(row []any, _ bool) bool {
			sj.out = append(sj.out, fmt.Sprintf("%v,%v@%v", row[1], row[3], row[5]))
			return true
		}}}
	return sj
}

func (sj *streamJoin) left(k, v string, ts int64) {
	(&JoinLeft{J: sj.j}).Process(sj.tk, &Rec{Row: []any{k, v}, Ts: ts})
}

func (sj *streamJoin) right(k, v string, ts int64) {
	(&JoinRight{J: sj.j}).Process(sj.tk, &Rec{Row: []any{k, v}, Ts: ts})
}

// No row is dropped as late: each side keeps its rows until its own
// stream time passes them by window plus grace (Kafka Streams' window
// store retention), so an out-of-order right row still waits for the
// left row it joins, though the left side has moved far ahead. Unmatched,
// its window already closed, it is emitted at once.
func TestStreamJoinOutOfOrderRowsStillJoin(t *testing.T) {
	sj := newStreamJoin(t, RightJoin)
	sj.left("0", "A", 0)
	sj.right("0", "a", 60_000) // joins A
	sj.left("1", "B", 330_000) // left and join stream time: 330,000
	sj.left("2", "C", 90_000)  // gone from the left store at once
	sj.right("2", "c", 90_000) // so c finds nothing: null-padded now
	sj.right("3", "d", 60_000) // nothing to join: null-padded now
	sj.left("3", "D", 90_000)  // the right store (at 90,000) still has d
	want := []string{"A,a@60000", "<nil>,c@90000", "<nil>,d@60000", "D,d@90000"}
	if !reflect.DeepEqual(sj.out, want) {
		t.Errorf("emitted %q, want %q", sj.out, want)
	}
}

// A side's stream time survives a restart with the join's state: a row
// already out of its side's retention is not stored after a restore
// either, so it joins nothing.
func TestStreamJoinSideTimeRestored(t *testing.T) {
	sj := newStreamJoin(t, InnerJoin)
	sj.right("2", "x", 200_000)
	restored := newStreamJoin(t, InnerJoin)
	restored.j.init()
	sj.j.init()
	if err := sj.j.flushChanges(func(k, v []byte) {
		if err := restored.j.restoreEntry(k, v); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	restored.right("1", "old", 0) // 0 + 3 minutes <= 200,000: out of the right store
	restored.left("1", "L", 10)
	if len(restored.out) != 0 {
		t.Errorf("emitted %q after a restore, want nothing", restored.out)
	}
}

// flushedKeys flushes the join's changed store entries and returns
// their keys.
func (sj *streamJoin) flushedKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	if err := sj.j.flushChanges(func(k, _ []byte) {
		if k[0] == 'L' || k[0] == 'R' {
			keys = append(keys, string(k[:1]))
		}
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// A match rewrites the stored row of the other side only where its
// matched flag matters, on a side an outer join null-pads: an inner
// join stores each row once, a LEFT join rewrites a left row on its
// first match, never a right one.
func TestStreamJoinMatchRewritesOnlyOuterSide(t *testing.T) {
	for _, c := range []struct {
		kind          string
		afterLeftRow  []string // entries flushed after a right row matched the stored left row
		afterRightRow []string // after a left row matched the stored right row
	}{
		{InnerJoin, []string{"R"}, []string{"L"}},
		{LeftJoin, []string{"L", "R"}, []string{"L"}},
		{RightJoin, []string{"R"}, []string{"L", "R"}},
	} {
		sj := newStreamJoin(t, c.kind)
		sj.left("1", "A", 0)
		sj.flushedKeys(t)
		sj.right("1", "a", 10)
		got := sj.flushedKeys(t)
		slices.Sort(got)
		if !slices.Equal(got, c.afterLeftRow) {
			t.Errorf("%s: a right row matching a stored left row flushed %v, want %v", c.kind, got, c.afterLeftRow)
		}
		sj = newStreamJoin(t, c.kind)
		sj.right("2", "b", 0)
		sj.flushedKeys(t)
		sj.left("2", "B", 10)
		got = sj.flushedKeys(t)
		slices.Sort(got)
		if !slices.Equal(got, c.afterRightRow) {
			t.Errorf("%s: a left row matching a stored right row flushed %v, want %v", c.kind, got, c.afterRightRow)
		}
		if len(sj.out) != 1 || sj.out[0] != "B,b@10" {
			t.Errorf("%s: emitted %q", c.kind, sj.out)
		}
	}
}

// The deadline heap hands deadlines back earliest first, whatever order
// they were pushed in, ties included.
func TestDeadlineHeapPopsEarliestFirst(t *testing.T) {
	var h deadlineHeap
	var want []int64
	for i := range 100 {
		at := int64(i*37%101) / 2 // a scrambled order, with ties
		h.push(deadline{at: at})
		want = append(want, at)
	}
	slices.Sort(want)
	var got []int64
	for len(h) > 0 {
		got = append(got, h.pop().at)
	}
	if !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

// Rows that arrive out of order leave the window store by their own
// time, not by when they came: each expiry writes the key's tombstone
// once its side's stream time passes the row by window plus grace
// (3 minutes here).
func TestStreamJoinExpiresRowsOutOfArrivalOrder(t *testing.T) {
	sj := newStreamJoin(t, InnerJoin)
	sj.left("late", "A", 100_000)
	sj.left("early", "B", 10_000)
	sj.left("middle", "C", 50_000)
	sj.flushedKeys(t)
	for _, step := range []struct {
		ts      int64
		expired []string
	}{
		{200_000, []string{"early"}},  // 10,000 + 180,000 <= 200,000
		{240_000, []string{"middle"}}, // 50,000 + 180,000 <= 240,000
		{279_999, nil},
		{280_000, []string{"late"}},
	} {
		sj.left("now", "N", step.ts)
		var expired []string
		if err := sj.j.flushChanges(func(k, v []byte) {
			if k[0] == 'L' && v == nil {
				expired = append(expired, string(k[1:]))
			}
		}); err != nil {
			t.Fatal(err)
		}
		for i, k := range step.expired {
			step.expired[i] = string(appendKey(nil, []any{k}))
		}
		if !slices.Equal(expired, step.expired) {
			t.Errorf("at %d: tombstones for %q, want %q", step.ts, expired, step.expired)
		}
	}
}

// A stream row that joins one stored row costs two allocations: its
// state key and the boxed result time. Its stored copy, its expiry
// deadline and the emitted record come from chunks and reused space.
func TestStreamJoinAllocations(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	sj := newStreamJoin(t, InnerJoin)
	sj.j.Next = &EmitSink{Emit: func([]any, bool) bool { return true }}
	sj.left("k", "A", 1_000)
	right := &JoinRight{J: sj.j}
	rec := Rec{Row: []any{"k", "a"}}
	allocs := testing.AllocsPerRun(1000, func() {
		rec.Ts += 10 // within the window and the retention
		right.Process(sj.tk, &rec)
	})
	if allocs > 2 {
		t.Errorf("%.1f allocations per joined row, want at most 2", allocs)
	}
}

// A key whose rows all expired and that gets a row again before the next
// flush ends with that row in the store: the flush writes the key's
// tombstone, if at all, before its new entry.
func TestStreamJoinKeyRefilledAfterExpiry(t *testing.T) {
	sj := newStreamJoin(t, InnerJoin)
	sj.left("k", "old", 0)
	sj.flushedKeys(t)
	sj.left("x", "X", 200_000) // "old" leaves the store (0 + 180,000 <= 200,000)
	sj.left("k", "new", 200_000)
	var last []byte
	found := false
	if err := sj.j.flushChanges(func(k, v []byte) {
		if string(k) == "L"+string(appendKey(nil, []any{"k"})) {
			last, found = v, true
		}
	}); err != nil {
		t.Fatal(err)
	}
	if !found || last == nil {
		t.Fatalf("key k flushed last as %q (found %v), want its new row", last, found)
	}
	restored := newStreamJoin(t, InnerJoin)
	restored.j.init()
	if err := restored.j.restoreEntry([]byte("L"+string(appendKey(nil, []any{"k"}))), last); err != nil {
		t.Fatal(err)
	}
	restored.right("k", "r", 200_000)
	if want := []string{"new,r@200000"}; !slices.Equal(restored.out, want) {
		t.Errorf("after a restore emitted %q, want %q", restored.out, want)
	}
}

// A join whose changes are never flushed (a transient query has no
// changelog) lists each changed key once, however often its rows expire
// and come back, and counts as state only the keys that hold rows.
func TestStreamJoinUnflushedKeysListedOnce(t *testing.T) {
	sj := newStreamJoin(t, InnerJoin)
	for i := range int64(100) {
		// Each row expires the other key's row (window plus grace is
		// 180,000) before that key gets a row again.
		sj.left("k", "K", i*400_000)
		sj.left("x", "X", i*400_000+200_000)
	}
	if n := len(sj.j.left.dirty); n > 2 {
		t.Errorf("%d changed keys listed, want at most 2", n)
	}
	if n := sj.j.stateEntries(); n != 1 {
		t.Errorf("%d state entries, want 1 (x holds a row, k none)", n)
	}
}

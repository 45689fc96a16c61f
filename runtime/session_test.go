package runtime

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/eddysql/eddy/expr"
)

// sessionCount runs a COUNT per key over session windows and returns
// what it emitted, "key[start,end]=count" (a tombstone: "=null").
func sessionCount(t *testing.T, w WindowSpec, recs ...struct {
	key string
	ts  int64
}) []string {
	t.Helper()
	var out []string
	agg := sessionCounter(t, &w, &out)
	agg.cache = nil
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	for _, r := range recs {
		agg.Process(tk, &Rec{Row: []any{r.key}, Ts: r.ts})
	}
	return out
}

// sessionCounter is a cached COUNT per key over session windows w that
// appends what it emits to out, "key[start,end]=count" (a tombstone:
// "=null").
func sessionCounter(t *testing.T, w *WindowSpec, out *[]string) *Aggregate {
	t.Helper()
	k, count := keyAndCount(t)
	return &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: w,
		Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
			v := any(nil)
			if !tomb {
				v = row[1]
			}
			*out = append(*out, fmt.Sprintf("%v[%v,%v]=%v", row[0], row[2], row[3], v))
			return true
		}}, cache: &outputCache{}}
}

type keyTs = struct {
	key string
	ts  int64
}

// A row opens a session unless the session it would make had already
// closed: stream time past its end plus the gap plus the grace period.
// Exactly at that time it still counts (Kafka Streams drops a session
// only when its end is before stream time minus grace minus gap).
func TestSessionLateByGapAndGrace(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 30_000, Grace: 60_000, Retention: 90_000}
	got := sessionCount(t, w,
		keyTs{"a", 0},
		keyTs{"a", 100_010}, // stream time 100,010: sessions ending before 10,010 have closed
		keyTs{"a", 10_009},  // late
		keyTs{"a", 10_010},  // just in time: a new session
	)
	want := []string{"a[0,0]=1", "a[100010,100010]=1", "a[10010,10010]=1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emitted %q, want %q", got, want)
	}
}

// EMIT FINAL emits a session once it has closed (stream time past its
// end plus gap plus grace), with its final count, and never a session
// that a late row would have extended.
func TestSessionEmitFinal(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 5, Grace: 6, Retention: 11, Final: true}
	var recs []keyTs
	for _, ts := range []int64{0, 4, 8, 12, 14, 25, 30, 29, 17, 42} {
		recs = append(recs, keyTs{"k", ts})
	}
	// 25 does not close [0,14] (14+5+6 is not before 25); 30 does.
	got := sessionCount(t, w, recs...)
	want := []string{"k[0,14]=5", "k[25,30]=3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emitted %q, want %q", got, want)
	}
}

// A closed session whose store segment expired before stream time showed
// it closed is dropped, as Kafka Streams' session store drops whole
// segments; within its segment it is still emitted, though past its
// retention.
func TestSessionEmitFinalAfterAJump(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 5, Grace: 6, Retention: 11, Final: true}
	got := sessionCount(t, w, keyTs{"k", 0}, keyTs{"k", 50_000}, keyTs{"k", 200_000})
	want := []string{"k[0,0]=1"} // [50000] sits in the segment 200,000-11 has left
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emitted %q, want %q", got, want)
	}
}

// A row within the gap of two sessions merges them: both are tombstoned,
// oldest first, and the merged session counts every row. A later row
// bridging the merged session and a third merges those, so three
// sessions end up as one. (One row never merges three: a key's sessions
// lie more than the gap apart, so no point is within the gap of a
// session on each side and of one between.)
func TestSessionBridgingRowsMergeSessions(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 10, Grace: 1000, Retention: 1010}
	got := sessionCount(t, w,
		keyTs{"a", 0}, keyTs{"a", 15}, keyTs{"a", 30},
		keyTs{"a", 8},  // within 10 of [0,0] and [15,15]
		keyTs{"a", 22}, // within 10 of [0,15] and [30,30]
	)
	want := []string{
		"a[0,0]=1", "a[15,15]=1", "a[30,30]=1",
		"a[0,0]=<nil>", "a[15,15]=<nil>", "a[0,15]=3",
		"a[0,15]=<nil>", "a[30,30]=<nil>", "a[0,30]=5",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emitted %q, want %q", got, want)
	}
}

// Records out of order within the grace period open earlier sessions,
// extend a session at its start (its key changes, its place among the
// key's sessions does not), bridge sessions in the past, and fall inside
// a session (tombstone and update of the same window); one later than
// the grace period is dropped, while one as old that reaches a session
// still open extends it. Another key's sessions stay apart.
func TestSessionOutOfOrderWithinGrace(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 10, Grace: 100, Retention: 110}
	got := sessionCount(t, w,
		keyTs{"a", 100},
		keyTs{"a", 50},  // an earlier session
		keyTs{"a", 45},  // extends it at its start
		keyTs{"b", 55},  // another key, within a's gap
		keyTs{"a", 150}, // stream time 150
		keyTs{"a", 62},  // 12 after [45,50]: a session of its own
		keyTs{"a", 58},  // bridges [45,50] and [62,62]
		keyTs{"a", 60},  // inside [45,62]
		keyTs{"a", 95},  // extends [100,100] at its start
		keyTs{"a", 30},  // would make [30,30], closed since 30+10+100 < 150: late
		keyTs{"a", 36},  // reaches [45,62], open until 172
	)
	want := []string{
		"a[100,100]=1",
		"a[50,50]=1",
		"a[50,50]=<nil>", "a[45,50]=2",
		"b[55,55]=1",
		"a[150,150]=1",
		"a[62,62]=1",
		"a[45,50]=<nil>", "a[62,62]=<nil>", "a[45,62]=4",
		"a[45,62]=<nil>", "a[45,62]=5",
		"a[100,100]=<nil>", "a[95,100]=2",
		"a[45,62]=<nil>", "a[36,62]=6",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emitted %q\nwant    %q", got, want)
	}
}

// An aggregate restored from the changelog of a committed one, mid-session,
// carries on where it stopped: a row extending a restored session
// tombstones it and counts on, a row bridging two restored sessions
// merges them (the key's sessions are rebuilt from the changelog), and
// the restored stream time still drops a late row.
func TestSessionRestartOverChangelog(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 10, Grace: 50, Retention: 60}
	var out []string
	newAgg := func() *Aggregate { return sessionCounter(t, &w, &out) }
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	a := newAgg()
	for _, r := range []keyTs{{"a", 100}, {"a", 105}, {"b", 100}, {"b", 118}} {
		a.Process(tk, &Rec{Row: []any{r.key}, Ts: r.ts})
	}
	a.flushCache(tk)
	changelog := map[string][]byte{}
	if err := a.flushChanges(func(k, v []byte) {
		if v == nil {
			delete(changelog, string(k))
		} else {
			changelog[string(k)] = bytes.Clone(v)
		}
	}); err != nil {
		t.Fatal(err)
	}

	b := newAgg() // the restart
	for k, v := range changelog {
		if err := b.restoreEntry([]byte(k), v); err != nil {
			t.Fatal(err)
		}
	}
	out = nil
	for _, r := range []keyTs{
		{"a", 112}, // extends [100,105]
		{"b", 109}, // bridges [100,100] and [118,118]
		{"a", 55},  // [55,55] would close at 115 < 118: late
	} {
		b.Process(tk, &Rec{Row: []any{r.key}, Ts: r.ts})
	}
	b.flushCache(tk)
	want := []string{"a[100,105]=<nil>", "a[100,112]=3", "b[100,100]=<nil>", "b[118,118]=<nil>", "b[100,118]=3"}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("after the restart emitted %q\nwant %q", out, want)
	}
}

// The session COUNT emits, for random keys and times out of order (some
// late, some after a jump of stream time), exactly what a naive model of
// Kafka Streams' session aggregation emits: every session within the gap
// of a row merged, tombstones oldest first, late rows dropped once the
// merged session has closed, sessions forgotten after their retention
// (also one shorter than gap plus grace, where forgetting shows).
func TestSessionMatchesModel(t *testing.T) {
	for _, w := range []WindowSpec{
		{Kind: Session, Size: 10, Grace: 30, Retention: 40},
		{Kind: Session, Size: 10, Grace: 30, Retention: 15},
		{Kind: Session, Size: 25, Grace: 0, Retention: 25},
	} {
		t.Run(fmt.Sprintf("gap=%d,grace=%d,retention=%d", w.Size, w.Grace, w.Retention), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(w.Size), uint64(w.Retention)))
			var recs []keyTs
			ts := int64(0)
			for range 3000 {
				ts += rng.Int64N(8)
				if rng.IntN(300) == 0 {
					ts += 500
				}
				rts := ts
				if rng.IntN(4) == 0 {
					rts = max(0, ts-rng.Int64N(60))
				}
				recs = append(recs, keyTs{[]string{"a", "b", "c", "d"}[rng.IntN(4)], rts})
			}
			got := sessionCount(t, w, recs...)
			want := sessionModel(w, recs)
			if len(want) < 1000 {
				t.Fatalf("the model emitted only %d rows: the test exercises too little", len(want))
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("output %d: %s, model %s", i, got[i], want[i])
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d outputs, model %d", len(got), len(want))
			}
		})
	}
}

// sessionModel is a session COUNT written as plainly as possible, each
// key's sessions in a list scanned whole, in sessionCount's output form.
func sessionModel(w WindowSpec, recs []keyTs) []string {
	type session struct{ start, end, count int64 }
	sessions := map[string][]session{}
	streamTime := int64(math.MinInt64)
	var out []string
	for _, r := range recs {
		streamTime = max(streamTime, r.ts)
		merged := session{r.ts, r.ts, 1}
		var rest, gone []session
		for _, s := range sessions[r.key] {
			if s.end+w.Size >= r.ts && s.start-w.Size <= r.ts {
				gone = append(gone, s)
				merged = session{min(merged.start, s.start), max(merged.end, s.end), merged.count + s.count}
			} else {
				rest = append(rest, s)
			}
		}
		if merged.end+w.Size+w.Grace >= streamTime { // not late
			sort.Slice(gone, func(i, j int) bool { return gone[i].start < gone[j].start })
			for _, s := range gone {
				out = append(out, fmt.Sprintf("%s[%d,%d]=<nil>", r.key, s.start, s.end))
			}
			out = append(out, fmt.Sprintf("%s[%d,%d]=%d", r.key, merged.start, merged.end, merged.count))
			sessions[r.key] = append(rest, merged)
		}
		for key, list := range sessions {
			sessions[key] = slices.DeleteFunc(list, func(s session) bool { return s.end+w.Retention < streamTime })
		}
	}
	return out
}

// With a retention shorter than gap plus grace, a session that grew
// and expired can come back under the key it grew out of; the output
// cache then emits that key once, where its tombstone was, as for any
// key a group leaves and another takes within a commit.
func TestSessionCachedKeyReturnsAfterExpiry(t *testing.T) {
	w := WindowSpec{Kind: Session, Size: 10, Grace: 30, Retention: 15}
	var out []string
	agg := sessionCounter(t, &w, &out)
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	for _, r := range []keyTs{
		{"a", 74},
		{"a", 80}, // [74,74] grows into [74,80]
		{"b", 96}, // [74,80] expires: 80+15 < 96
		{"a", 74}, // [74,74] again, open until 114
	} {
		agg.Process(tk, &Rec{Row: []any{r.key}, Ts: r.ts})
	}
	agg.flushCache(tk)
	want := []string{"a[74,74]=1", "a[74,80]=2", "b[96,96]=1"}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("emitted %q, want %q", out, want)
	}
}

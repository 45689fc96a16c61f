package runtime

import (
	"fmt"
	"reflect"
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
	k, count := keyAndCount(t)
	var out []string
	agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: &w,
		Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
			v := any(nil)
			if !tomb {
				v = row[1]
			}
			out = append(out, fmt.Sprintf("%v[%v,%v]=%v", row[0], row[2], row[3], v))
			return true
		}}}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	for _, r := range recs {
		agg.Process(tk, &Rec{Row: []any{r.key}, Ts: r.ts})
	}
	return out
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

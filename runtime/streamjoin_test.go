package runtime

import (
	"fmt"
	"reflect"
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

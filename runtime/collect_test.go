package runtime

import (
	"fmt"
	"reflect"
	"testing"
)

// scriptedOp is a stateOp whose flushes hand out the entries queued for
// them.
type scriptedOp struct{ next [][2]string }

func (o *scriptedOp) storeName() string { return "scripted" }
func (o *scriptedOp) flushChanges(put func(key, value []byte)) error {
	for _, kv := range o.next {
		var v []byte
		if kv[1] != "" {
			v = []byte(kv[1])
		}
		put([]byte(kv[0]), v)
	}
	o.next = nil
	return nil
}
func (o *scriptedOp) restoreEntry(key, value []byte) error { return nil }
func (o *scriptedOp) markDirty(key []byte)                 {}
func (o *scriptedOp) stateEntries() int64                  { return 0 }

// TestCollectChangesPerCommit: each commit's collected changes are
// exactly the store's changes since the last one (deletions nil), though
// the array holding them is reused; the entries of a commit keep their
// own bytes.
func TestCollectChangesPerCommit(t *testing.T) {
	op := &scriptedOp{}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	tk.stores = []*taskStore{{name: "s", op: op}}
	describe := func(cs []change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s=%v", c.key, c.value))
		}
		return out
	}
	for round, batch := range [][][2]string{
		{{"a", "1"}, {"b", "2"}, {"c", "3"}},
		{{"a", ""}},
		{},
		{{"d", "4"}, {"b", "5"}},
	} {
		op.next = batch
		got, n, err := tk.collectChanges()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, kv := range batch {
			var v []byte
			if kv[1] != "" {
				v = []byte(kv[1])
			}
			want = append(want, fmt.Sprintf("%s=%v", kv[0], v))
		}
		if n != len(batch) || !reflect.DeepEqual(describe(got[0]), want) {
			t.Fatalf("commit %d collected %d changes %v, want %v", round, n, describe(got[0]), want)
		}
	}
}

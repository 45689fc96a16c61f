package jdbc

import (
	"testing"

	"github.com/eddysql/eddy/connect"
)

// TestReorderBatchesAroundTombstones: a batch of upserts with one
// tombstone in twenty (the walk's topic) goes in two statements, not one
// per run between tombstones, and ends with the rows that writing it in
// record order leaves.
func TestReorderBatchesAroundTombstones(t *testing.T) {
	for _, mode := range []string{"upsert", "insert"} {
		s, err := parseSink(connect.Config{"connection.url": "jdbc:postgresql://127.0.0.1/x", "insert.mode": mode,
			"pk.mode": "record_key", "delete.enabled": "true"})
		if err != nil {
			t.Fatal(err)
		}
		var recs []connect.Record
		for i := int64(0); i < 2000; i++ {
			id := (i * 7919) % 300 // each row written several times
			if mode == "insert" {
				id = i // insert mode: each row written once, then perhaps deleted
			}
			if i%20 == 5 {
				recs = append(recs, tombstone("orders", i, id))
			} else {
				recs = append(recs, order("orders", i, id, int32(i)))
			}
		}
		if mode == "insert" {
			for i := int64(0); i < 100; i++ { // deletes of rows inserted earlier in the batch
				recs = append(recs, tombstone("orders", 2000+i, i*3))
			}
		}
		var ops []*op
		for i := range recs {
			o, err := s.toOp(&recs[i])
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, o)
		}
		got := s.reorder(ops)
		runs := 0
		for i := range got {
			if i == 0 || !got[i].sameShape(got[i-1]) {
				runs++
			}
		}
		if max := 4; runs > max {
			t.Errorf("%s: %d runs of one shape (statements) for %d records with tombstones, want at most %d", mode, runs, len(ops), max)
		}
		if a, b := apply(ops), apply(got); !equalRows(a, b) {
			t.Errorf("%s: reordered batch leaves %d rows, in record order %d (or different values)", mode, len(b), len(a))
		}
	}
}

// apply plays ops on a model table: key to the value's qty.
func apply(ops []*op) map[string]any {
	rows := map[string]any{}
	for _, o := range ops {
		k := o.keyString()
		if o.del {
			delete(rows, k)
			continue
		}
		rows[k] = o.column("qty").value
	}
	return rows
}

func equalRows(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

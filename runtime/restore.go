package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// taskStore is one state store of one task: the operator holding the
// state, its changelog topic, and its optional local copy.
type taskStore struct {
	name   string
	op     stateOp
	topic  string
	local  state.Store
	backed bool // the operator reads its state from local on demand
	// changes holds the store's changes of the last commit
	// (collectChanges), its array reused by the next.
	changes []change
	// logEnd is where the task's partition of the changelog ended when
	// the task last read or wrote it: the end its restore read to, then
	// the offset after its last marker. Past it lie only others' writes
	// (and transaction markers).
	logEnd int64
}

type change struct{ key, value []byte }

// ChangelogTopic names a store's changelog topic as ksqlDB does.
func ChangelogTopic(group, store string) string { return group + "-" + store + "-changelog" }

// Changelog is a changelog topic a persistent topology writes.
type Changelog struct {
	Topic string
	// Expiring: the store deletes entries as stream time passes
	// (windowed aggregates, stream-stream joins), so each expired window
	// leaves a tombstone, which compaction keeps for delete.retention.ms.
	Expiring bool
}

// Changelogs lists the changelog topics a persistent topology writes
// (none for transient queries).
func (t *Topology) Changelogs() []Changelog {
	if t.NoCommit || t.Group == "" {
		return nil
	}
	var out []Changelog
	for _, s := range instantiate(t).states {
		c := Changelog{Topic: ChangelogTopic(t.Group, s.storeName())}
		switch v := s.(type) {
		case *Aggregate:
			c.Expiring = v.Window != nil
		case *JoinSpec:
			c.Expiring = !v.LeftTable && !v.RightTable
		case *joinSideStore:
			c.Expiring = !v.j.LeftTable && !v.j.RightTable
		}
		out = append(out, c)
	}
	return out
}

// collectChanges gathers each store's changes since the last batch. What
// it returns is valid until the next call, which reuses its arrays: a
// commit of a cached aggregate carries tens of thousands of changes,
// whose array growing anew each commit allocated as much again.
func (t *Task) collectChanges() ([][]change, int, error) {
	out := make([][]change, len(t.stores))
	n := 0
	for i, st := range t.stores {
		clear(st.changes) // the last commit's entries: their bytes may go
		if cap(st.changes) > maxKeptChanges {
			st.changes = nil
		}
		st.changes = st.changes[:0]
		err := st.op.flushChanges(func(k, v []byte) {
			st.changes = append(st.changes, cloneChange(k, v))
		})
		if err != nil {
			return nil, 0, fmt.Errorf("store %s: %w", st.name, err)
		}
		out[i] = st.changes
		n += len(out[i])
	}
	return out, n, nil
}

// releaseIdle lets go of what the task keeps between batches (see
// Query.releaseIdle): its outputs array when empty, each store's
// entries of the last commit, written by now, with their bytes, and the
// arrays of its drained output caches and input queues.
func (t *Task) releaseIdle() {
	if len(t.pending) == 0 {
		t.pending = nil
	}
	for _, st := range t.stores {
		clear(st.changes)
		st.changes = nil
	}
	for _, a := range t.inst.cached {
		if len(a.cache.entries) == 0 {
			a.cache.entries, a.cache.detached = nil, nil
		}
	}
	for _, q := range t.queues {
		if len(q.buf) == 0 {
			// Drained slots are nil already; only the array goes.
			q.buf, q.store = nil, nil
		}
	}
}

// maxKeptChanges bounds the array of changes a store keeps between
// commits (a restore or a long interval can make one huge).
const maxKeptChanges = 1 << 17

// cloneChange copies a changed entry's key and value into one allocation
// (a nil value, a deletion, stays nil).
func cloneChange(k, v []byte) change {
	if v == nil {
		return change{key: bytes.Clone(k)}
	}
	buf := make([]byte, len(k)+len(v))
	copy(buf, k)
	copy(buf[len(k):], v)
	return change{key: buf[:len(k):len(k)], value: buf[len(k):]}
}

// writeLocal applies a committed batch to the local store, checkpointed
// at the batch's marker offset.
func (st *taskStore) writeLocal(entries []change, markerOffset int64) error {
	if st.local == nil {
		return nil
	}
	if bc, ok := st.local.(state.BatchCommitter); ok {
		return bc.CommitBatch(markerOffset, func(b state.Batch) error { return applyChanges(b, entries) })
	}
	if err := applyChanges(st.local, entries); err != nil {
		return err
	}
	return st.local.Commit(markerOffset)
}

// applyChanges writes entries to w, a nil value deleting its key.
func applyChanges(w state.Batch, entries []change) error {
	for _, c := range entries {
		var err error
		if c.value == nil {
			err = w.Delete(c.key)
		} else {
			err = w.Put(c.key, c.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// trimCaches trims the caches of the task's store-backed operators once
// a commit has written their changes to their stores, every commit,
// whether the task changed state or only read it (a stream–table join's
// lookups fill its cache too), noting how much state it held before and
// after.
func (t *Task) trimCaches() {
	notePeak(&t.stats.StateTouchedPeak, t.heldEntries())
	for _, st := range t.stores {
		if st.backed {
			st.op.(backedOp).evict()
		}
	}
	notePeak(&t.stats.StateHeldPeak, t.heldEntries())
}

func (t *Task) close() {
	for _, st := range t.stores {
		if st.local != nil {
			st.local.Close()
		}
	}
}

// restore rebuilds a new task's state: from each store's local copy,
// then from its changelog after the copy's checkpoint. Only the entries
// of batches whose marker was written count; an entry of a batch that
// never committed is dropped, and its key rewritten at the next flush so
// later restores read past it. The last marker says which input records
// the state already includes: those are dropped when delivered again.
func (q *Query) restore(ctx context.Context, t *Task) error {
	began := time.Now()
	type pendingEntry struct {
		seq        uint64
		key, value []byte
	}
	type storeRestore struct {
		st       *taskStore
		lastSeq  uint64
		hasMark  bool
		trailing []pendingEntry
	}
	var rs []*storeRestore
	var committed uint64
	var haveCommitted bool
	var maxSeq uint64
	var offsets map[string]int64
	read := int64(0)
	for _, op := range t.inst.states {
		st := &taskStore{name: op.storeName(), op: op, topic: ChangelogTopic(q.Topology.Group, op.storeName()), logEnd: -1}
		from := int64(0)
		checkpoint := int64(-1) // the local store's marker, read again but not restored
		if q.opts.Stores != nil {
			local, err := q.opts.Stores(q.Topology.ID, st.name, t.partition)
			if err != nil {
				return fmt.Errorf("open local store %s: %w", st.name, err)
			}
			st.local = local
			// A local store is checkpointed at a batch's marker, and the
			// read starts at that marker, not after it: the marker says
			// which input records the state includes, which a restart
			// must drop when delivered again (input whose commit a kill
			// lost, rows a first stage wrote to a repartition topic again).
			if _, ok := op.(backedOp); ok {
				st.backed = true
				checkpoint = local.CommittedOffset()
				from = max(checkpoint, 0)
			} else if off := local.CommittedOffset(); off >= 0 {
				var rerr error
				if err := local.Scan(nil, nil, func(k, v []byte) bool {
					rerr = op.restoreEntry(bytes.Clone(k), bytes.Clone(v))
					return rerr == nil
				}); err != nil || rerr != nil {
					return fmt.Errorf("load local store %s: %w", st.name, cmpErr(err, rerr))
				}
				from, checkpoint = off, off
			}
		}
		t.stores = append(t.stores, st)
		r := &storeRestore{st: st}
		rs = append(rs, r)
		var buf []pendingEntry
		// Progress: what lies between the start and the changelog's end
		// is still to restore, counted down by offset (compaction leaves
		// gaps), and whatever is left when the read ends is dropped.
		pos, end := from, from
		if ends, err := q.cluster.EndOffsets(ctx, st.topic); err == nil {
			end = max(ends[t.partition], from)
		}
		t.stats.RestoreRemaining.Add(end - from)
		readTo, err := q.cluster.ReadPartitions(ctx, st.topic, map[int32]int64{t.partition: from}, func(rec kafka.Record) error {
			if rec.Offset != checkpoint {
				read++
				t.stats.Restored.Add(1)
			}
			if next := min(rec.Offset+1, end); next > pos {
				t.stats.RestoreRemaining.Add(pos - next)
				pos = next
			}
			if isMarker(rec) {
				m, err := decodeMarker(rec.Value)
				if err != nil {
					return fmt.Errorf("%s/%d@%d: %w", st.topic, t.partition, rec.Offset, err)
				}
				for _, e := range buf {
					if !st.backed {
						if err := op.restoreEntry(e.key, e.value); err != nil {
							return err
						}
					}
					if st.local != nil {
						if err := localApply(st.local, e.key, e.value); err != nil {
							return err
						}
					}
				}
				buf = buf[:0]
				if st.local != nil {
					if err := st.local.Commit(rec.Offset); err != nil {
						return err
					}
				}
				r.lastSeq, r.hasMark = m.seq, true
				maxSeq = max(maxSeq, m.seq)
				if !haveCommitted || m.seq >= committed {
					committed, haveCommitted, offsets = m.seq, true, m.offsets
				}
				return nil
			}
			seq := uint64(0)
			for _, h := range rec.Headers {
				if h.Key == headerSeq {
					s, err := readSeq(h.Value)
					if err != nil {
						return err
					}
					seq = s
				}
			}
			maxSeq = max(maxSeq, seq)
			buf = append(buf, pendingEntry{seq: seq, key: rec.Key, value: rec.Value})
			return nil
		})
		t.stats.RestoreRemaining.Add(pos - end)
		if err != nil {
			if isUnknownTopic(err) {
				st.logEnd = 0
				continue // no changelog yet: a first start
			}
			return fmt.Errorf("read changelog %s: %w", st.topic, err)
		}
		if e, ok := readTo[t.partition]; ok {
			st.logEnd = e
		}
		r.trailing = buf
	}
	// Entries after a store's last marker belong to a batch that
	// committed if another store has its marker (the markers follow all
	// entries of a batch); otherwise they never happened.
	for _, r := range rs {
		// A store-backed operator marks keys dirty once attached: it
		// reads their values from the store.
		var redo [][]byte
		for _, e := range r.trailing {
			if haveCommitted && e.seq <= committed && (!r.hasMark || e.seq > r.lastSeq) {
				var err error
				if r.st.backed {
					err = localApply(r.st.local, e.key, e.value)
				} else {
					err = r.st.op.restoreEntry(e.key, e.value)
				}
				if err != nil {
					return err
				}
				continue
			}
			if r.st.backed {
				redo = append(redo, e.key)
			} else {
				r.st.op.markDirty(e.key)
			}
		}
		if r.st.backed {
			if err := r.st.op.(backedOp).attach(r.st.local, q.opts.StateCacheLimit); err != nil {
				return fmt.Errorf("attach local store %s: %w", r.st.name, err)
			}
			for _, k := range redo {
				r.st.op.markDirty(k)
			}
		}
	}
	t.seq = maxSeq + 1
	if haveCommitted {
		t.skipBelow = offsets
		maps.Copy(t.done, offsets)
	}
	if read > 0 {
		q.opts.Logf("query %s: task %d restored %d changelog records in %s", q.Topology.ID, t.partition, read, time.Since(began).Round(time.Millisecond))
	}
	return nil
}

func isMarker(rec kafka.Record) bool {
	for _, h := range rec.Headers {
		if h.Key == headerMarker {
			return true
		}
	}
	return false
}

func localApply(s state.Store, k, v []byte) error {
	if v == nil {
		return s.Delete(k)
	}
	return s.Put(k, v)
}

func isUnknownTopic(err error) bool {
	return err != nil && errors.Is(err, kafka.ErrUnknownTopic)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

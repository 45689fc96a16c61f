package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/state"
)

// stateOp is an operator instance that keeps state in its task. Its live
// state is plain Go values; what changed since the last flush goes to the
// store's changelog topic at the end of each batch, and a restart rebuilds
// the state from a local checkpoint plus the changelog tail, never by
// re-reading the input.
type stateOp interface {
	storeName() string
	// flushChanges calls put for every entry changed since the last call;
	// a nil value deletes the entry.
	flushChanges(put func(key, value []byte)) error
	// restoreEntry applies one entry read back (nil value: delete).
	restoreEntry(key, value []byte) error
	// markDirty makes the next flush write key's current value (or its
	// deletion) again, overwriting an entry the changelog holds from a
	// batch that never committed.
	markDirty(key []byte)
	// stateEntries is how many entries the operator holds (metrics), -1
	// when only its local store knows (a store-backed operator).
	stateEntries() int64
}

// backedOp is a stateOp that can keep its state in the local store itself,
// holding only a bounded cache in memory (state larger than memory).
type backedOp interface {
	stateOp
	// attach makes s (restored up to the last committed batch) the
	// operator's state, holding at most cacheLimit entries decoded
	// between batches (0: defaultCacheLimit). State the operator keeps in
	// memory all the same (a stream side of a join) is loaded from s.
	attach(s state.Store, cacheLimit int) error
	// evict trims the cache once a batch is written to the store.
	evict()
	// held is how many entries the operator holds decoded in memory.
	held() int64
}

// StoreOpener opens the local store of one state store of one task; nil
// keeps no local copy (the changelog alone restores the state).
type StoreOpener func(queryID, store string, partition int32) (state.Store, error)

// Changelog records carry the batch they belong to in a header. A batch's
// entries are written (and acknowledged) before its marker, which names
// the input offsets the state includes; a restore applies only entries of
// batches that have a marker, so a crash between the two never leaves
// state that counts records the input will deliver again.
const (
	headerSeq    = "eddy.seq"
	headerMarker = "eddy.marker"
)

// markerKey is the key of every marker record (compaction keeps the last).
var markerKey = []byte("\x00eddy.marker")

// marker is the content of a marker record.
type marker struct {
	seq     uint64
	offsets map[string]int64 // input topic -> next offset, for this task's partition
}

func (m marker) encode() []byte {
	b := binary.AppendUvarint(nil, m.seq)
	topics := make([]string, 0, len(m.offsets))
	for t := range m.offsets {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	b = binary.AppendUvarint(b, uint64(len(topics)))
	for _, t := range topics {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
		b = binary.AppendVarint(b, m.offsets[t])
	}
	return b
}

var errBadMarker = errors.New("malformed changelog marker")

func decodeMarker(b []byte) (marker, error) {
	m := marker{offsets: map[string]int64{}}
	seq, n := binary.Uvarint(b)
	if n <= 0 {
		return m, errBadMarker
	}
	m.seq, b = seq, b[n:]
	cnt, n := binary.Uvarint(b)
	if n <= 0 {
		return m, errBadMarker
	}
	b = b[n:]
	for range cnt {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return m, errBadMarker
		}
		t := string(b[n : n+int(l)])
		b = b[n+int(l):]
		off, n := binary.Varint(b)
		if n <= 0 {
			return m, errBadMarker
		}
		m.offsets[t], b = off, b[n:]
	}
	return m, nil
}

func seqHeader(seq uint64) []byte { return binary.AppendUvarint(nil, seq) }

func readSeq(v []byte) (uint64, error) {
	s, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, fmt.Errorf("malformed changelog batch header")
	}
	return s, nil
}

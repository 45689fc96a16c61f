package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/internal/filelock"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Pull queries read tables from state stores, not from their topics. On
// a table's first pull query the engine starts a materializer: a NoCommit
// subscription from the start of the table's topic that keeps the latest
// record of each key in a state.Store. A pull query then lists the
// topic's end offsets (so it sees every write made before it started),
// waits until the materializer has read up to them, and looks up the
// keys its WHERE clause pins, or scans the store. The store's order is
// tableScan's: state partition, then key bytes.
//
// Store layout:
//
//	'd' part(4, big-endian) key            -> record (see encodeStored)
//	'i' part(4) escaped(canonical key) key -> ""
//	't' part(4) time(8) key                -> ""
//
// The 'i' entries index records whose key bytes differ from the
// re-encoding of their decoded key (a producer that writes JSON with
// spaces, say), so that a lookup by the encoded literal still finds them.
//
// The 't' entries of a windowed table with a retention order its windows
// by the time their retention counts from (a time window's start, a
// session's end), so that the windows past it leave the store as the
// partition's stream time moves on, and the store does not grow with
// the topic's history.

// StateStoreProperty picks the kind of store tables materialize into:
// "memory" (the default) or "pebble" (under Options.StateDir).
const StateStoreProperty = "ksql.state.store"

// stallTimeout is how long a pull query waits for a materializer that
// makes no progress while behind the end offsets before it reads the
// topic instead (a safeguard: transaction markers, which take offsets
// but are never delivered, advance the materializer through marker).
const stallTimeout = 10 * time.Second

// applyChunk bounds the records applied under one write lock, so pull
// queries are not held back by a large fetch.
const applyChunk = 256

// tableIdentity is what a materialized store depends on: a table
// recreated with a different topic, window or partition count gets a
// new store.
type tableIdentity struct {
	topic      string
	windowKind string // runtime.Tumbling or runtime.Session; "" for an unwindowed table
	windowSize int64
	// byKey: the state partition comes from the unwindowed key (a
	// windowed table written by a persistent query), not from the topic
	// partition.
	byKey      bool
	parts      int32
	keyFormat  string
	keyColumns string
	retention  int64 // a windowed table's; 0: windows are kept
	// final: the query writing the windowed table emits each window once
	// it closes (EMIT FINAL), so its topic holds no window of the open
	// ones its store's time comes from (see tableState.streamTime).
	final bool
}

// tableState is one materialized table.
type tableState struct {
	name  string
	id    tableIdentity
	store state.Store
	dir   string    // the Pebble store's directory, removed on close
	kept  keptStore // or the kept store's, left for the next run
	sub   kafka.Subscription
	// canon re-encodes a record's (unwindowed) key bytes as the key
	// serde would write its decoded values; nil when the table's keys
	// cannot be looked up.
	canon func(key []byte) ([]byte, bool)

	mu      sync.RWMutex // guards store (a memory store has no locking), next, changed, err, markers
	next    map[int32]int64
	changed chan struct{} // closed and replaced whenever next advances
	err     error
	indexed bool // some key was not canonical: lookups consult the 'i' entries
	// markers holds, per partition, the offset after the last transaction
	// marker of the fetch being applied (see marker).
	markers map[int32]int64
	// streamTime is, per state partition of a windowed table, the time
	// of Kafka Streams' window store of the task that writes the
	// partition's windows, by which their retention runs out: not the
	// latest record time but the latest time a window's retention counts
	// from (retainedFrom: a time window's start, a session's end), as the
	// store keeps it (before 2026-12-07 the record time, which hid a
	// tumbling window from pull queries the moment it closed). An EMIT
	// FINAL table's keeps the record time (see storeTime).
	streamTime map[int32]int64
	// applied counts the records read since t started: what a kept
	// store had to catch up on.
	applied int64
}

// materializers owns the engine's tableStates.
type materializers struct {
	mu sync.Mutex
	// finalBySQL remembers emitsFinal by the creating statement's text,
	// so a pull query does not parse it again (15 µs a statement, a
	// tenth of a key lookup).
	finalBySQL map[string]bool
	byName     map[string]*tableState
	closed     bool
	// dir holds the Pebble stores of this engine's tables, and owner
	// is its ownerFile, locked while the engine runs (see pullDir).
	dir   string
	owner *os.File
}

// ownerFile, in an engine's directory of pull stores, is locked (filelock)
// by the engine while it runs.
const ownerFile = "owner.lock"

// pullDir returns the directory of the pull stores this engine keeps for
// its run only (where another engine holds a table's kept store),
// StateDir/pull/engine-*, creating it and locking its ownerFile on first
// use. A server killed before it could remove them left them there: the
// first use removes the directories under StateDir/pull of engines that
// have gone (an ownerFile it can lock), and those of the layout before
// (a directory per table, straight under pull), but not the kept stores
// under StateDir/pull/tables. Callers hold m.mu.
func (e *Engine) pullDir() (string, error) {
	m := &e.mats
	if m.dir != "" {
		return m.dir, nil
	}
	base := filepath.Join(e.opts.StateDir, "pull")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	ents, err := os.ReadDir(base)
	if err != nil {
		return "", err
	}
	for _, ent := range ents {
		dir := filepath.Join(base, ent.Name())
		if ent.Name() == keptDirs {
			continue
		}
		if !strings.HasPrefix(ent.Name(), "engine-") {
			if err := os.RemoveAll(dir); err != nil {
				e.opts.Logf("remove the pull store %s left by an earlier run: %v", dir, err)
			}
			continue
		}
		f, err := filelock.OpenFile(filepath.Join(dir, ownerFile), os.O_RDONLY, 0)
		if err != nil {
			continue // just made, or not ours to judge
		}
		if filelock.TryLock(f) == nil {
			if err := os.RemoveAll(dir); err != nil {
				e.opts.Logf("remove the pull stores %s left by an earlier run: %v", dir, err)
			}
		}
		f.Close()
	}
	dir, err := os.MkdirTemp(base, "engine-")
	if err != nil {
		return "", err
	}
	// Locked before it takes its name, so that no other engine's sweep
	// finds it unlocked (renamed while open: filelock.OpenFile lets
	// Windows do that).
	f, err := filelock.OpenFile(filepath.Join(dir, ownerFile+".new"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
	if err == nil {
		err = filelock.TryLock(f)
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, ownerFile))
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(dir)
		return "", err
	}
	m.dir, m.owner = dir, f
	return dir, nil
}

// tableIdentityOf is the identity src's store must have; final is
// emitsFinal(src).
func tableIdentityOf(src *metastore.Source, parts int32, final bool) tableIdentity {
	id := tableIdentity{topic: src.Topic, parts: parts, keyFormat: fmt.Sprint(src.KeyFormat)}
	for _, c := range src.Schema.Key() {
		id.keyColumns += c.Name + " " + c.Type.String() + ","
	}
	if src.Window != nil {
		id.windowKind, id.windowSize = runtime.Tumbling, src.Window.SizeMs
		if strings.EqualFold(src.Window.Type, "SESSION") {
			id.windowKind = runtime.Session
		}
		id.byKey = src.CreatedBy != ""
		id.retention = src.Window.RetentionMs
		id.final = final
	}
	return id
}

// emitsFinal tells whether src is written by an EMIT FINAL query.
func emitsFinal(src *metastore.Source) bool {
	if src.CreatedBy == "" {
		return false
	}
	stmts, err := sql.Parse(src.SQL)
	if err != nil || len(stmts) != 1 {
		return false
	}
	c, ok := stmts[0].(*sql.CreateAsSelect)
	return ok && c.Query != nil && c.Query.Emit == sql.EmitFinal
}

// emitsFinal is emitsFinal(src), remembered by src's statement; m.mu
// must be held.
func (m *materializers) emitsFinal(src *metastore.Source) bool {
	if src.Window == nil || src.CreatedBy == "" {
		return false
	}
	final, ok := m.finalBySQL[src.SQL]
	if !ok {
		final = emitsFinal(src)
		if m.finalBySQL == nil {
			m.finalBySQL = map[string]bool{}
		}
		m.finalBySQL[src.SQL] = final
	}
	return final
}

// storeTime is the time a windowed table's record r moves its
// partition's store time to (see tableState.streamTime): the time its
// window's retention counts from, as Kafka Streams' window store keeps
// it; for an EMIT FINAL table, whose topic holds only closed windows,
// the record's time, nearer the store's than its closed window's start.
func storeTime(r *kafka.Record, kind string, size int64, final bool) (int64, bool) {
	if final {
		return r.Timestamp, true
	}
	return retainedFrom(r.Key, kind, size)
}

// table returns src's running materializer, starting one when there is
// none or when the one there no longer matches src.
func (e *Engine) table(ctx context.Context, src *metastore.Source, parts int32) (*tableState, error) {
	m := &e.mats
	m.mu.Lock()
	defer m.mu.Unlock()
	id := tableIdentityOf(src, parts, m.emitsFinal(src))
	if m.closed {
		return nil, fmt.Errorf("materialize %s: engine closed", src.Name)
	}
	if t := m.byName[src.Name]; t != nil {
		if t.id == id && t.failed() == nil {
			return t, nil
		}
		delete(m.byName, src.Name)
		if err := t.close(); err != nil {
			e.opts.Logf("materialized table %s: %v", src.Name, err)
		}
	}
	t, err := e.startTable(ctx, src, id)
	if err != nil {
		return nil, err
	}
	if m.byName == nil {
		m.byName = map[string]*tableState{}
	}
	m.byName[src.Name] = t
	return t, nil
}

// dropTable stops and forgets the materializer of a dropped table.
func (e *Engine) dropTable(name string) {
	m := &e.mats
	m.mu.Lock()
	t := m.byName[name]
	delete(m.byName, name)
	m.mu.Unlock()
	if t != nil {
		if err := t.close(); err != nil {
			e.opts.Logf("materialized table %s: %v", name, err)
		}
	}
	e.removeKept(name)
}

// closeTables stops every materializer; later pull queries fail.
func (e *Engine) closeTables() error {
	m := &e.mats
	m.mu.Lock()
	ts := m.byName
	m.byName, m.closed = nil, true
	dir, owner := m.dir, m.owner
	m.mu.Unlock()
	var errs []error
	for _, t := range ts {
		errs = append(errs, t.close())
	}
	if owner != nil {
		errs = append(errs, os.RemoveAll(dir), owner.Close())
	}
	return errors.Join(errs...)
}

// startTable opens a store for src and subscribes it to src's topic,
// from where a kept store stopped reading, else from the topic's start.
func (e *Engine) startTable(ctx context.Context, src *metastore.Source, id tableIdentity) (*tableState, error) {
	t := &tableState{
		name:    src.Name,
		id:      id,
		canon:   e.keyCanonicalizer(src),
		changed: make(chan struct{}),
	}
	if err := e.openTableStore(ctx, t, src); err != nil {
		return nil, fmt.Errorf("materialize %s: %w", src.Name, err)
	}
	sub, err := e.cluster.Subscribe(ctx, kafka.SubscribeOptions{
		Topics:   []string{src.Topic},
		Reset:    kafka.Earliest,
		From:     maps.Clone(t.next),
		NoCommit: true,
		OnMarker: t.marker,
		// A pull query waits for this reader to reach the topic's
		// stable end: a commit marker written while a fetch waits must
		// not leave it there for kgo's default 5 s.
		FetchMaxWait: 200 * time.Millisecond,
	}, t.apply)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("materialize %s: %w", src.Name, err)
	}
	t.sub = sub
	return t, nil
}

// openTableStore gives t its store, by ksql.state.store: in memory; or
// Pebble, kept under Options.StateDir across restarts (see keptstore.go),
// or of this run only when another engine holds the kept one. Callers
// hold e.mats.mu.
func (e *Engine) openTableStore(ctx context.Context, t *tableState, src *metastore.Source) error {
	t.next, t.streamTime = map[int32]int64{}, map[int32]int64{}
	kind := strings.TrimSpace(e.config(nil).Get(StateStoreProperty, state.KindMemory))
	if !strings.EqualFold(kind, state.KindPebble) || e.opts.StateDir == "" {
		if strings.EqualFold(kind, state.KindPebble) {
			kind = state.KindMemory // no data directory: memory it is
		}
		store, err := state.Open(kind, "")
		if err != nil {
			return fmt.Errorf("%s=%s: %w", StateStoreProperty, kind, err)
		}
		t.store = store
		if e.opts.StateDir != "" {
			// The kept directory, empty, marks the table for
			// warmKeptTables at the next start.
			if err := os.MkdirAll(e.keptDir(src.Name), 0o755); err != nil {
				e.opts.Logf("materialize %s: %v", src.Name, err)
			}
		}
		return nil
	}
	k, ok, err := e.lockKept(src.Name)
	if err != nil {
		return err
	}
	if ok {
		store, next, streamTime, err := e.openKept(ctx, k, src, t.id)
		if err != nil {
			k.release()
			return err
		}
		t.store, t.kept, t.next, t.streamTime = store, k, next, streamTime
		t.indexed, err = hasIndex(store)
		return err
	}
	base, err := e.pullDir()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(base, safeName(src.Name)+"-")
	if err != nil {
		return err
	}
	store, err := e.openPebblePull(dir)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	t.store, t.dir = store, dir
	return nil
}

// hasIndex tells whether store holds an 'i' entry.
func hasIndex(store state.Store) (bool, error) {
	found := false
	err := store.Scan([]byte{'i'}, []byte{'j'}, func(_, _ []byte) bool {
		found = true
		return false
	})
	return found, err
}

// safeName keeps the letters and digits of a source name for a
// directory name.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// failed returns the error that stopped t, if any.
func (t *tableState) failed() error {
	t.mu.RLock()
	err := t.err
	t.mu.RUnlock()
	if err != nil {
		return err
	}
	if t.sub != nil {
		select {
		case <-t.sub.Done():
			if err := t.sub.Err(); err != nil {
				return err
			}
			return errors.New("subscription stopped")
		default:
		}
	}
	return nil
}

func (t *tableState) close() error {
	var errs []error
	if t.sub != nil {
		errs = append(errs, t.sub.Close())
	}
	t.mu.Lock()
	errs = append(errs, t.store.Close())
	if t.err == nil {
		t.err = errors.New("closed")
	}
	t.mu.Unlock()
	if t.dir != "" {
		errs = append(errs, os.RemoveAll(t.dir))
	}
	if t.kept.lock != nil {
		errs = append(errs, t.kept.release())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close materialized table %s: %w", t.name, err)
	}
	return nil
}

// apply is the subscription's handler: it writes each record's latest
// value (or its deletion) and advances the consumed offsets.
func (t *tableState) apply(_ context.Context, batch []kafka.Record) error {
	for len(batch) > 0 {
		n := min(len(batch), applyChunk)
		if err := t.applyLocked(batch[:n]); err != nil {
			return err
		}
		batch = batch[n:]
	}
	t.passMarkers()
	return nil
}

func (t *tableState) applyLocked(recs []kafka.Record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	write := func(w state.Batch) error { return t.write(w, recs) }
	var err error
	if b, ok := t.store.(state.BatchApplier); ok {
		// One write for the chunk, offsets included: Pebble's commit
		// pipeline once rather than per entry.
		err = b.ApplyBatch(write)
	} else {
		err = write(t.store)
	}
	if err == nil {
		t.applied += int64(len(recs))
		if err = t.evict(); err != nil {
			err = fmt.Errorf("materialize %s: %w", t.name, err)
		}
	}
	if err != nil {
		t.err = err
		return err
	}
	close(t.changed)
	t.changed = make(chan struct{})
	return nil
}

// write writes each record's latest value (or its deletion) with its
// index entries, advances t.next and, in a kept store, writes where t
// has read to. Callers hold t.mu.
func (t *tableState) write(w state.Batch, recs []kafka.Record) error {
	var key, val []byte
	var read []int32 // the partitions of recs, for a kept store
	for i := range recs {
		r := &recs[i]
		part, inner := t.statePartition(r)
		if t.id.windowKind != "" && r.Key != nil {
			if at, ok := storeTime(r, t.id.windowKind, t.id.windowSize, t.id.final); ok {
				t.streamTime[part] = max(t.streamTime[part], at)
			}
		}
		key = dataKey(key[:0], part, r.Key)
		var err error
		if r.Value == nil {
			err = w.Delete(key)
		} else {
			val = encodeStored(val[:0], r)
			err = w.Put(key, val)
		}
		if err == nil && t.canon != nil && inner != nil {
			err = t.index(w, part, inner, r)
		}
		if err == nil && t.id.retention > 0 && inner != nil {
			err = t.timeIndex(w, part, r)
		}
		if err != nil {
			return fmt.Errorf("materialize %s at %s/%d@%d: %w", t.name, r.Topic, r.Partition, r.Offset, err)
		}
		if r.Offset+1 > t.next[r.Partition] {
			t.next[r.Partition] = r.Offset + 1
		}
		if !slices.Contains(read, r.Partition) {
			read = append(read, r.Partition)
		}
	}
	if err := t.keep(w, read); err != nil {
		return fmt.Errorf("materialize %s: %w", t.name, err)
	}
	return nil
}

// marker notes a transaction marker: a topic written under exactly-once
// ends in a commit marker that is never delivered, and without it t
// would stay one offset short of the stable end and every pull query
// would wait out stallTimeout. The marker is told before the records of
// its fetch are applied, so apply moves past it afterwards.
func (t *tableState) marker(_ string, partition int32, next int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.markers == nil {
		t.markers = map[int32]int64{}
	}
	t.markers[partition] = max(t.markers[partition], next)
}

// passMarkers moves each partition's next offset past the markers of
// the fetch just applied.
func (t *tableState) passMarkers() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.markers) == 0 {
		return
	}
	for p, next := range t.markers {
		t.next[p] = max(t.next[p], next)
	}
	clear(t.markers)
	close(t.changed)
	t.changed = make(chan struct{})
}

// statePartition returns the partition whose state holds r, as
// tableScan decides it, and r's key without its window (nil for a null
// key or one that does not split).
func (t *tableState) statePartition(r *kafka.Record) (int32, []byte) {
	if r.Key == nil {
		return r.Partition, nil
	}
	if t.id.windowKind == "" {
		return r.Partition, r.Key
	}
	inner, _, _, err := runtime.SplitWindow(r.Key, t.id.windowKind, t.id.windowSize)
	if err != nil {
		return r.Partition, nil
	}
	if t.id.byKey {
		return kafka.KeyPartition(inner, t.id.parts), inner
	}
	return r.Partition, inner
}

// index keeps the 'i' entry of a record whose key is not in its
// canonical encoding.
func (t *tableState) index(w state.Batch, part int32, inner []byte, r *kafka.Record) error {
	canon, ok := t.canon(inner)
	if !ok || bytes.Equal(canon, inner) {
		return nil
	}
	k := indexKey(nil, part, canon)
	k = append(k, r.Key...)
	if r.Value == nil {
		return w.Delete(k)
	}
	t.indexed = true
	return w.Put(k, nil)
}

// timeIndex keeps the 't' entry of a windowed record: put with it,
// deleted with it.
func (t *tableState) timeIndex(w state.Batch, part int32, r *kafka.Record) error {
	at, ok := retainedFrom(r.Key, t.id.windowKind, t.id.windowSize)
	if !ok {
		return nil
	}
	k := timeKey(nil, part, at, r.Key)
	if r.Value == nil {
		return w.Delete(k)
	}
	return w.Put(k, nil)
}

// retainedFrom is the time the retention of the window of a windowed
// key counts from: a time window's start, a session's end.
func retainedFrom(key []byte, kind string, size int64) (int64, bool) {
	_, start, end, err := runtime.SplitWindow(key, kind, size)
	if err != nil {
		return 0, false
	}
	if kind == runtime.Session {
		return end, true
	}
	return start, true
}

// evict deletes the windows past the retention of each partition's
// stream time (windowLive's rule), oldest first. Callers hold t.mu.
func (t *tableState) evict() error {
	if t.id.retention <= 0 {
		return nil
	}
	for part, st := range t.streamTime {
		lo := timeKey(nil, part, math.MinInt64, nil)
		hi := timeKey(nil, part, st-t.id.retention+1, nil) // up to st-retention, inclusive
		var gone [][]byte
		if err := t.store.Scan(lo, hi, func(k, _ []byte) bool {
			gone = append(gone, bytes.Clone(k))
			return true
		}); err != nil {
			return err
		}
		for _, k := range gone {
			key := k[13:]
			errs := []error{t.store.Delete(k), t.store.Delete(dataKey(nil, part, key))}
			if t.canon != nil {
				r := kafka.Record{Key: key, Partition: part}
				if _, inner := t.statePartition(&r); inner != nil {
					errs = append(errs, t.index(t.store, part, inner, &kafka.Record{Key: key}))
				}
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
		}
	}
	return nil
}

func timeKey(b []byte, part int32, at int64, key []byte) []byte {
	b = append(b, 't')
	b = binary.BigEndian.AppendUint32(b, uint32(part))
	b = binary.BigEndian.AppendUint64(b, uint64(at)^(1<<63)) // negative times sort first
	return append(b, key...)
}

func dataKey(b []byte, part int32, key []byte) []byte {
	b = append(b, 'd')
	b = binary.BigEndian.AppendUint32(b, uint32(part))
	return append(b, key...)
}

func indexKey(b []byte, part int32, canon []byte) []byte {
	b = append(b, 'i')
	b = binary.BigEndian.AppendUint32(b, uint32(part))
	return state.AppendBytes(b, canon)
}

// dataRange bounds every 'd' entry.
var dataLo, dataHi = []byte{'d'}, []byte{'e'}

// waitFor returns once t has read every partition up to ends, ctx ends,
// t fails or it makes no progress for stallTimeout (errStalled). starts
// lists the log start offsets, for partitions t has read nothing of
// (which may hold nothing to read any more).
func (t *tableState) waitFor(ctx context.Context, ends map[int32]int64, starts func() (map[int32]int64, error)) error {
	stall := time.NewTimer(stallTimeout)
	defer stall.Stop()
	var first map[int32]int64
	for {
		t.mu.RLock()
		var unread []int32 // behind, and nothing read yet
		behind := false
		for p, end := range ends {
			if n := t.next[p]; n < end && (first == nil || first[p] < end) {
				behind = true
				if n == 0 {
					unread = append(unread, p)
				}
			}
		}
		changed, err := t.changed, t.err
		t.mu.RUnlock()
		if err != nil {
			return err
		}
		if !behind {
			return nil
		}
		if len(unread) > 0 && first == nil {
			s, err := starts()
			if err != nil {
				return err
			}
			first = s
			continue
		}
		select {
		case <-changed:
			stall.Reset(stallTimeout)
		case <-ctx.Done():
			return ctx.Err()
		case <-t.sub.Done():
			return fmt.Errorf("materialized table %s stopped: %v", t.name, t.sub.Err())
		case <-stall.C:
			return errStalled
		}
	}
}

var errStalled = errors.New("materialized table makes no progress")

// scanChunk bounds the entries a scan reads under one hold of t.mu, so
// that a scan streaming a large table to a client holds up neither the
// materializer nor other pull queries for long. The first chunk is
// firstScanChunk entries, and each next one twice the last up to
// scanChunk: a query with a small LIMIT reads little more than it
// returns.
const (
	scanChunk      = 1024
	firstScanChunk = 32
)

// scan feeds the stored records in state-store order, a chunk at a time,
// until feed returns false. lo and hi, when not nil, bound the
// (unwindowed) key bytes of the records wanted: [lo, hi) in each
// partition. The records of windows past retention (when positive) are
// left out. Each chunk is read under t.mu and fed without it: a key
// updated while the scan runs shows its value at the time its chunk is
// read.
func (t *tableState) scan(topic string, lo, hi []byte, retention int64, feed func([]kafka.Record) bool) error {
	t.mu.RLock()
	indexed := t.indexed
	t.mu.RUnlock()
	type span struct{ from, to []byte }
	spans := []span{{dataLo, dataHi}}
	if (lo != nil || hi != nil) && !indexed {
		// Keys with an 'i' entry are not in the canonical encoding:
		// bounds on key bytes hold only when there are none.
		spans = spans[:0]
		for p := int32(0); p < t.id.parts; p++ {
			s := span{dataKey(nil, p, lo), dataKey(nil, p+1, nil)}
			if hi != nil {
				s.to = dataKey(nil, p, hi)
			}
			if bytes.Compare(s.from, s.to) < 0 {
				spans = append(spans, s)
			}
		}
	}
	chunk := firstScanChunk
	for _, s := range spans {
		for from := s.from; from != nil; {
			recs, next, err := t.scanChunk(topic, from, s.to, chunk, retention)
			if err != nil {
				return err
			}
			if len(recs) > 0 && !feed(recs) {
				return nil
			}
			from, chunk = next, min(2*chunk, scanChunk)
		}
	}
	return nil
}

// scanChunk reads up to chunk entries of [from, to) and returns the
// records kept and the key to go on from, nil at the end.
func (t *tableState) scanChunk(topic string, from, to []byte, chunk int, retention int64) (recs []kafka.Record, next []byte, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.err != nil {
		return nil, nil, t.err
	}
	n := 0
	recs = make([]kafka.Record, 0, chunk)
	var derr error
	err = t.store.Scan(from, to, func(k, v []byte) bool {
		if n == chunk {
			next = bytes.Clone(k)
			return false
		}
		n++
		r, err := decodeStored(topic, k[5:], v)
		if err != nil {
			derr = err
			return false
		}
		if retention > 0 && r.Key != nil {
			part := int32(binary.BigEndian.Uint32(k[1:5]))
			if st, ok := t.streamTime[part]; ok && !windowLive(r.Key, t.id.windowKind, t.id.windowSize, retention, st) {
				return true
			}
		}
		recs = append(recs, r)
		return true
	})
	if err = errors.Join(err, derr); err != nil {
		return nil, nil, err
	}
	return recs, next, nil
}

// retained leaves out of recs, records of t, the windows whose retention
// has run out by their state partition's stream time.
func (t *tableState) retained(recs []kafka.Record, retention int64) []kafka.Record {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := recs[:0]
	for _, r := range recs {
		part, _ := t.statePartition(&r)
		if st, ok := t.streamTime[part]; !ok || windowLive(r.Key, t.id.windowKind, t.id.windowSize, retention, st) {
			out = append(out, r)
		}
	}
	return out
}

// windowLive tells whether a Kafka Streams window store still holds the
// window of key at store time st (the latest retainedFrom the store has
// seen, see tableState.streamTime): a time window until st passes its
// start plus the retention, a session until st passes its end plus the
// retention.
func windowLive(key []byte, kind string, size, retention, st int64) bool {
	at, ok := retainedFrom(key, kind, size)
	return !ok || at > st-retention
}

// lookup returns the stored records whose unwindowed key is one of keys
// (each encoded by the table's key serde), in state-store order.
func (t *tableState) lookup(topic string, keys [][]byte) ([]kafka.Record, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	windowed := t.id.windowKind != ""
	found := map[string]bool{} // data keys already taken
	var dkeys [][]byte
	take := func(dk []byte) {
		if !found[string(dk)] {
			found[string(dk)] = true
			dkeys = append(dkeys, bytes.Clone(dk))
		}
	}
	var errs []error
	for p := int32(0); p < t.id.parts; p++ {
		for _, key := range keys {
			dk := dataKey(nil, p, key)
			if !windowed {
				if _, ok, err := t.store.Get(dk); err != nil {
					errs = append(errs, err)
				} else if ok {
					take(dk)
				}
			} else {
				// Windowed keys are the key then the window: scan
				// the key's prefix and keep those that split back to
				// exactly the key.
				errs = append(errs, t.store.Scan(dk, state.PrefixEnd(dk), func(k, _ []byte) bool {
					r := kafka.Record{Key: k[5:], Partition: p}
					if _, inner := t.statePartition(&r); bytes.Equal(inner, key) {
						take(k)
					}
					return true
				}))
			}
			if !t.indexed {
				continue
			}
			ik := indexKey(nil, p, key)
			errs = append(errs, t.store.Scan(ik, state.PrefixEnd(ik), func(k, _ []byte) bool {
				take(dataKey(nil, p, k[len(ik):]))
				return true
			}))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(dkeys, bytes.Compare)
	out := make([]kafka.Record, 0, len(dkeys))
	for _, dk := range dkeys {
		v, ok, err := t.store.Get(dk)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		r, err := decodeStored(topic, dk[5:], v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// keyCanonicalizer returns a function that decodes a key and encodes it
// again with src's key serde, or nil when src's keys cannot be looked up
// exactly: a format needing the Schema Registry, or a key column of a
// type whose equal values can have different encodings.
func (e *Engine) keyCanonicalizer(src *metastore.Source) func([]byte) ([]byte, bool) {
	ks := e.lookupKeySerde(src)
	if ks == nil {
		return nil
	}
	n := len(src.Schema.Key())
	return func(key []byte) ([]byte, bool) {
		vals := make([]any, n)
		if err := ks.Decode(key, vals); err != nil {
			return nil, false
		}
		out, err := ks.Encode(vals)
		return out, err == nil
	}
}

// lookupKeySerde returns src's key serde when pull queries may look its
// keys up, else nil.
func (e *Engine) lookupKeySerde(src *metastore.Source) serde.Serde {
	switch strings.ToUpper(src.KeyFormat.Name) {
	case "KAFKA", "JSON", "DELIMITED":
	default:
		return nil
	}
	key := src.Schema.Key()
	if len(key) == 0 {
		return nil
	}
	for _, c := range key {
		switch c.Type.Kind {
		case types.String, types.Int, types.Bigint:
		default:
			return nil
		}
	}
	ks, err := serde.NewFor(src.KeyFormat, key, true, serde.Env{Topic: src.Topic, ReadOnly: true})
	if err != nil {
		return nil
	}
	return ks
}

// encodeStored encodes what a pull query needs of a record besides its
// key: timestamp, topic partition, offset, headers and value.
func encodeStored(b []byte, r *kafka.Record) []byte {
	b = binary.AppendVarint(b, r.Timestamp)
	b = binary.AppendUvarint(b, uint64(r.Partition))
	b = binary.AppendVarint(b, r.Offset)
	var flags byte
	if r.Key == nil {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(r.Headers)))
	for _, h := range r.Headers {
		b = binary.AppendUvarint(b, uint64(len(h.Key)))
		b = append(b, h.Key...)
		if h.Value == nil {
			b = binary.AppendVarint(b, -1)
			continue
		}
		b = binary.AppendVarint(b, int64(len(h.Value)))
		b = append(b, h.Value...)
	}
	return append(b, r.Value...)
}

var errBadStored = errors.New("corrupt materialized record")

// decodeStored rebuilds a record from its key and encodeStored's bytes,
// copying both.
func decodeStored(topic string, key, b []byte) (kafka.Record, error) {
	r := kafka.Record{Topic: topic}
	var n int
	next := func(signed bool) int64 {
		if n < 0 {
			return 0
		}
		var v int64
		var m int
		if signed {
			v, m = binary.Varint(b)
		} else {
			var u uint64
			u, m = binary.Uvarint(b)
			v = int64(u)
		}
		if m <= 0 {
			n = -1
			return 0
		}
		b = b[m:]
		return v
	}
	r.Timestamp = next(true)
	r.Partition = int32(next(false))
	r.Offset = next(true)
	if n < 0 || len(b) == 0 {
		return r, errBadStored
	}
	var buf []byte // the key, then the value: one allocation for both
	if b[0]&1 == 0 {
		buf = make([]byte, len(key), len(key)+len(b))
		copy(buf, key)
		r.Key = buf[:len(key):len(key)]
	}
	b = b[1:]
	nh := next(false)
	for i := int64(0); i < nh && n >= 0; i++ {
		kl := next(false)
		if n < 0 || kl > int64(len(b)) {
			return r, errBadStored
		}
		h := kafka.Header{Key: string(b[:kl])}
		b = b[kl:]
		vl := next(true)
		if n < 0 || vl > int64(len(b)) {
			return r, errBadStored
		}
		if vl >= 0 {
			h.Value = bytes.Clone(b[:vl])
			if h.Value == nil {
				h.Value = []byte{}
			}
			b = b[vl:]
		}
		r.Headers = append(r.Headers, h)
	}
	if n < 0 {
		return r, errBadStored
	}
	if buf == nil {
		buf = []byte{}
	}
	r.Value = append(buf[len(buf):], b...)
	return r, nil
}

// pebbleTaskStores opens each persistent query task's local state store
// as a Pebble database under base/<query>/<store>/<partition>, kept across
// restarts so a task replays only the changelog written since its last
// checkpoint. The stores share one block cache. A store written in
// another layout (taskStoreFormat) is emptied first, so that its task
// rebuilds it from the changelog.
func pebbleTaskStores(base string, blocks *state.BlockCache, logf func(string, ...any)) runtime.StoreOpener {
	return func(queryID, store string, partition int32) (state.Store, error) {
		dir := filepath.Join(base, safeName(queryID), safeName(store), fmt.Sprint(partition))
		if err := checkTaskStoreFormat(dir, logf); err != nil {
			return nil, err
		}
		return state.OpenPebbleCached(dir, blocks)
	}
}

// taskStoreFormat names the layout of a task's local store: the keys and
// values its operators write there, which need not be the changelog's.
// Change it with that layout. A store kept by an eddy of an earlier
// layout was trusted as it stood: its operators did not find the groups
// it held, and windows open across an upgrade lost what they had counted
// (from a 2026-12-02 build: 3,732 of 300,000 records of a tumbling count;
// the same store rebuilt from its changelog was exact).
const taskStoreFormat = "eddy-task-store-v2"

// taskStoreFormatFile holds taskStoreFormat in a store's directory.
const taskStoreFormatFile = "EDDY_FORMAT"

// checkTaskStoreFormat makes dir a task store directory of this layout:
// one without the format file, or with another format, is emptied (its
// changelog holds the state) and marked.
func checkTaskStoreFormat(dir string, logf func(string, ...any)) error {
	marker := filepath.Join(dir, taskStoreFormatFile)
	got, err := os.ReadFile(marker)
	if err == nil && string(got) == taskStoreFormat {
		return nil
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		was := "no format named"
		if err == nil {
			was = fmt.Sprintf("format %q", got)
		}
		logf("state store %s was written in another layout (%s, this eddy's is %q): rebuilding it from its changelog", dir, was, taskStoreFormat)
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("empty state store %s of another layout: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Marked before the store is written: a crash in between leaves an
	// empty store of this layout, which its changelog fills.
	return os.WriteFile(marker, []byte(taskStoreFormat), 0o644)
}

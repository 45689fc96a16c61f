package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"

	"github.com/eddysql/eddy/internal/filelock"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/state"
)

// A table's Pebble pull store is kept across restarts, with the offsets
// it has read to, so that the first pull query after a restart reads
// only what was written to the table's topic since, not the whole topic
// again. Besides the entries of materialize.go's layout it holds:
//
//	'm'         -> keptFormat, the table's identity and its topic's ID
//	'o' part(4) -> the next offset of the topic partition to read
//	's' part(4) -> the state partition's stream time (windowed tables)
//
// The offsets are written in one batch with the records they cover,
// without a sync: a store a kill -9 cut short (Pebble replays its log up
// to where the process stopped) holds offsets and records as of one
// batch, and reading on from there writes the same latest values.
//
// A store whose identity, topic ID or offsets do not match the topic as
// it is now (the table made again differently, its topic deleted and
// made again, records deleted from the topic's start past the store's
// offsets) is emptied and read again from the start.

// keptFormat names the layout of a kept store; a store written under
// another is read again.
const keptFormat = "eddy-pull-v1"

// keptDirs is where the kept stores live, under Options.StateDir.
const keptDirs = "tables"

// keptStore is a table's kept store directory, locked by this engine.
type keptStore struct {
	dir  string   // holds ownerFile and the store's directory, storeDir
	lock *os.File // ownerFile, flock'ed
}

const storeDir = "store"

// keptDir returns the directory keeping name's pull store,
// StateDir/pull/tables/<service id>/<name>-<hash of name>: the hash
// tells apart names safeName maps alike.
func (e *Engine) keptDir(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	return filepath.Join(e.opts.StateDir, "pull", keptDirs, safeName(e.sid), fmt.Sprintf("%s-%016x", safeName(name), h.Sum64()))
}

// lockKept locks name's kept store directory, making it if needed. ok is
// false when another engine holds it (two engines of one service on one
// state directory: the second keeps a store of its own for its run).
func (e *Engine) lockKept(name string) (k keptStore, ok bool, err error) {
	dir := e.keptDir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return keptStore{}, false, err
	}
	f, err := filelock.OpenFile(filepath.Join(dir, ownerFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return keptStore{}, false, err
	}
	if err := filelock.TryLock(f); err != nil {
		f.Close()
		if errors.Is(err, filelock.ErrLocked) {
			return keptStore{}, false, nil
		}
		return keptStore{}, false, err
	}
	return keptStore{dir: dir, lock: f}, true, nil
}

func (k keptStore) storePath() string { return filepath.Join(k.dir, storeDir) }

// release unlocks the directory, leaving the store for the next run.
func (k keptStore) release() error { return k.lock.Close() }

// removeKept removes the kept store of a dropped table, unless another
// engine holds it. It runs when a DROP is applied, also while the command
// log is replayed at start, so that a table dropped and made again while
// this server was down starts from nothing.
func (e *Engine) removeKept(name string) {
	if e.opts.StateDir == "" {
		return
	}
	if _, err := os.Stat(e.keptDir(name)); err != nil {
		return
	}
	k, ok, err := e.lockKept(name)
	if err == nil && ok {
		err = errors.Join(os.RemoveAll(k.dir), k.release())
	}
	if err != nil {
		e.opts.Logf("remove the pull store of dropped table %s: %v", name, err)
	}
}

// openKept opens the kept store in k for a table of identity id over
// src's topic, and returns where it has read each partition to and, for
// a windowed table, each state partition's stream time. A store that no
// longer matches the topic is emptied first.
func (e *Engine) openKept(ctx context.Context, k keptStore, src *metastore.Source, id tableIdentity) (store state.Store, next, streamTime map[int32]int64, err error) {
	meta := e.keptMeta(ctx, src.Topic, id)
	store, err = e.openPebblePull(k.storePath())
	if err != nil {
		return nil, nil, nil, err
	}
	next, streamTime, why, err := readKept(store, meta)
	if err == nil && why == "" {
		why, err = e.offsetsInRange(ctx, src.Topic, next)
	}
	if err != nil || why != "" {
		if cerr := store.Close(); cerr != nil {
			return nil, nil, nil, cerr
		}
		switch {
		case err != nil:
			e.opts.Logf("pull store of %s is read again from the topic: %v", src.Name, err)
		case why != whyNew:
			e.opts.Logf("pull store of %s is read again from the topic: %s", src.Name, why)
		}
		if err := os.RemoveAll(k.storePath()); err != nil {
			return nil, nil, nil, err
		}
		if store, err = e.openPebblePull(k.storePath()); err != nil {
			return nil, nil, nil, err
		}
		next, streamTime = map[int32]int64{}, map[int32]int64{}
		if err := store.Put(metaKey, meta); err != nil {
			store.Close()
			return nil, nil, nil, err
		}
	}
	return store, next, streamTime, nil
}

// openPebblePull opens a pull store over the engine's shared block
// cache when its queries keep Pebble stores too.
func (e *Engine) openPebblePull(dir string) (state.Store, error) {
	if e.blocks != nil {
		return state.OpenPebbleCached(dir, e.blocks)
	}
	return state.OpenPebble(dir)
}

var metaKey = []byte{'m'}

// keptMeta is what a kept store of a table of identity id over topic
// must have recorded to be read on from where it stopped.
func (e *Engine) keptMeta(ctx context.Context, topic string, id tableIdentity) []byte {
	var tid [16]byte
	if l, ok := e.cluster.(kafka.TopicIDer); ok {
		// Without the ID the store is read again from the start
		// (an ID of zeros never matches the next run's).
		tid, _ = l.TopicID(ctx, topic)
	}
	return fmt.Appendf(nil, "%s %x %+v", keptFormat, tid, id)
}

// whyNew is readKept's reason for not going on with a store that holds
// nothing yet.
const whyNew = "new"

// readKept reads a kept store's offsets and stream times; why says, when
// not empty, why they cannot be gone on from (its meta is not meta).
func readKept(store state.Store, meta []byte) (next, streamTime map[int32]int64, why string, err error) {
	got, found, err := store.Get(metaKey)
	switch {
	case err != nil:
		return nil, nil, "", err
	case !found:
		return nil, nil, whyNew, nil
	case string(got) != string(meta):
		return nil, nil, "the table was made again differently, its topic deleted and made again, or the store was written by another version", nil
	}
	next, streamTime = map[int32]int64{}, map[int32]int64{}
	for prefix, into := range map[byte]map[int32]int64{'o': next, 's': streamTime} {
		err := store.Scan([]byte{prefix}, []byte{prefix + 1}, func(k, v []byte) bool {
			if len(k) == 5 && len(v) == 8 {
				into[int32(binary.BigEndian.Uint32(k[1:]))] = int64(binary.BigEndian.Uint64(v))
			}
			return true
		})
		if err != nil {
			return nil, nil, "", err
		}
	}
	return next, streamTime, "", nil
}

// offsetsInRange says why, if so, the topic no longer holds in some
// partition the offset a kept store goes on from: past its end (a topic
// made again), before its start (records deleted that the store holds).
func (e *Engine) offsetsInRange(ctx context.Context, topic string, next map[int32]int64) (why string, err error) {
	ends, err := e.cluster.EndOffsets(ctx, topic)
	if err != nil {
		return "", err
	}
	starts := map[int32]int64{}
	if l, ok := e.cluster.(kafka.StartOffsetLister); ok {
		if starts, err = l.StartOffsets(ctx, topic); err != nil {
			return "", err
		}
	}
	for p, n := range next {
		if end, ok := ends[p]; !ok || n > end || n < starts[p] {
			return fmt.Sprintf("partition %d of %s holds offsets %d to %d, the store went on from %d", p, topic, starts[p], end, n), nil
		}
	}
	return "", nil
}

// keptKey is the key of partition part's entry of kind 'o' or 's'.
func keptKey(b []byte, kind byte, part int32) []byte {
	return binary.BigEndian.AppendUint32(append(b, kind), uint32(part))
}

// keep writes, in a kept store, where t has read the partitions of
// parts to, and the stream times. Callers hold t.mu.
func (t *tableState) keep(w state.Batch, parts []int32) error {
	if t.kept.lock == nil || len(parts) == 0 {
		return nil
	}
	var k, v []byte
	for _, p := range parts {
		k = keptKey(k[:0], 'o', p)
		v = binary.BigEndian.AppendUint64(v[:0], uint64(t.next[p]))
		if err := w.Put(k, v); err != nil {
			return err
		}
	}
	for p, st := range t.streamTime {
		k = keptKey(k[:0], 's', p)
		v = binary.BigEndian.AppendUint64(v[:0], uint64(st))
		if err := w.Put(k, v); err != nil {
			return err
		}
	}
	return nil
}

// warmKeptTables starts, in the background, the pull stores this server
// had for tables that still exist: a kept Pebble store reads what was
// written while the server was down, and follows its topic from then on
// (a store left behind while the broker compacts away the records after
// it must read its table again); a memory store, marked by its empty
// kept directory, reads its table again. Either way a pull query finds
// the store it had before the restart ready, or on its way. The work
// ends with Close.
func (e *Engine) warmKeptTables() {
	if e.opts.StateDir == "" {
		return
	}
	var kept []*metastore.Source
	for _, src := range e.ms.Sources() {
		if _, err := os.Stat(e.keptDir(src.Name)); err == nil && src.IsTable {
			kept = append(kept, src)
		}
	}
	if len(kept) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.warming.Add(1)
	go func() {
		defer e.warming.Done()
		defer cancel()
		go func() { // ends with ctx
			select {
			case <-e.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		for _, src := range kept {
			if e.ms.Source(src.Name) != src {
				continue // dropped or made again meanwhile
			}
			ends, err := kafka.StableEndOffsets(ctx, e.cluster, src.Topic)
			if err == nil && len(ends) > 0 {
				_, err = e.table(ctx, src, int32(len(ends)))
			}
			if err != nil && ctx.Err() == nil {
				e.opts.Logf("pull store of %s: %v (its first pull query starts it)", src.Name, err)
			}
		}
	}()
}

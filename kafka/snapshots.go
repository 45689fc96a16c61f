package kafka

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eddysql/eddy/internal/atomicfile"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kfake writes each partition's snapshot (its offsets, aborted
// transactions and segment sizes) only at a clean stop. After a kill -9
// the partitions written since then no longer match their snapshots,
// and kfake rebuilds each of them by holding all its segments' record
// batches in memory at once: a restart over 1 GB written since the last
// clean stop peaked at 1.2 GB of RSS, and over 3.8 GB at 3.9 GB. Before
// kfake loads, the embedded broker rebuilds those snapshots itself from
// the batch headers, reading a segment a chunk at a time, so kfake's
// fast path loads them a segment at a time as after a clean stop.
//
// kfake's replay also aborts a transaction its log shows open and
// fences the producer's epoch: the rebuilt snapshot records such a
// transaction aborted, and the producer log gets the entry a
// transaction's timeout writes.

// snapshotFile is kfake's per-partition snapshot; snapshotVersion the
// layout (kfake's persist version 1) rebuildSnapshots writes, of which
// partSnapshot mirrors the fields.
const (
	snapshotFile    = "snapshot.json"
	snapshotVersion = 1
)

type partSnapshot struct {
	Version          int               `json:"version"`
	HighWatermark    int64             `json:"high_watermark"`
	LastStableOffset int64             `json:"last_stable_offset"`
	LogStartOffset   int64             `json:"log_start_offset"`
	Epoch            int32             `json:"epoch"`
	LeaderNode       int32             `json:"leader_node,omitempty"`
	MaxTimestamp     int64             `json:"max_timestamp"`
	CreatedAt        time.Time         `json:"created_at"`
	AbortedTxns      []snapshotAborted `json:"aborted_txns,omitempty"`
	Segments         []snapshotSegment `json:"segments"`
}

type snapshotAborted struct {
	ProducerID  int64 `json:"producer_id"`
	FirstOffset int64 `json:"first_offset"`
	LastOffset  int64 `json:"last_offset"`
}

type snapshotSegment struct {
	BaseOffset int64 `json:"base_offset"`
	Size       int64 `json:"size"`
	MinEpoch   int32 `json:"min_epoch,omitempty"`
	MaxEpoch   int32 `json:"max_epoch,omitempty"`
}

// rebuildSnapshots rewrites the snapshot of every partition of dataDir
// whose segments no longer match it, when the last run was killed (its
// running marker is still there) and the data directory is in the
// layout it knows. A transaction its log shows open is recorded aborted
// and its producer fenced (its epoch bumped in kfake's producer log), as
// kfake's replay does. It returns the partitions it rebuilt and the
// number of producers it fenced.
func rebuildSnapshots(dataDir string) (rebuilt []string, fenced int, err error) {
	if _, err := os.Stat(filepath.Join(dataDir, runningMarker)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, nil // a clean stop wrote every snapshot
		}
		return nil, 0, err
	}
	var meta struct {
		Version int `json:"version"`
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "meta.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil // nothing for kfake to load
	}
	if err != nil {
		return nil, 0, err
	}
	if json.Unmarshal(raw, &meta) != nil || meta.Version != snapshotVersion {
		return nil, 0, nil // a layout this code does not know: kfake replays
	}
	dirs, err := partitionDirs(dataDir)
	if err != nil {
		return nil, 0, err
	}
	type stale struct {
		name, dir string
		snap      partSnapshot
	}
	var todo []stale
	fence := map[int64]int16{} // producer -> the epoch that fences it
	for _, d := range dirs {
		name := fmt.Sprintf("%s-%d", d.topic, d.partition)
		snap, open, ok, err := rebuildSnapshot(d.path)
		if err != nil {
			return nil, 0, fmt.Errorf("rebuild the snapshot of %s: %w", name, err)
		}
		if ok {
			todo = append(todo, stale{name, d.path, snap})
		}
		for pid, epoch := range open {
			fence[pid] = max(fence[pid], epoch+1)
		}
	}
	// The producers are fenced before any snapshot is written: a crash
	// in between finds the snapshots stale again, and fences again.
	if err := fenceProducers(dataDir, fence); err != nil {
		return nil, 0, err
	}
	for _, s := range todo {
		raw, err := json.Marshal(s.snap)
		if err != nil {
			return rebuilt, 0, err
		}
		if err := atomicfile.Write(filepath.Join(s.dir, snapshotFile), raw); err != nil {
			return rebuilt, 0, fmt.Errorf("rebuild the snapshot of %s: %w", s.name, err)
		}
		rebuilt = append(rebuilt, s.name)
	}
	return rebuilt, len(fence), nil
}

// rebuildSnapshot returns the snapshot dir's segments call for, with
// ok false if the one there still matches them (or there is nothing for
// kfake to replay), and the producers whose transactions it records as
// aborted because they were open, with their epochs.
func rebuildSnapshot(dir string) (snap partSnapshot, open map[int64]int16, ok bool, err error) {
	segs, err := segments(dir)
	if err != nil || len(segs) == 0 {
		return snap, nil, false, err
	}
	var old partSnapshot
	haveOld := false
	if raw, err := os.ReadFile(filepath.Join(dir, snapshotFile)); err == nil {
		haveOld = json.Unmarshal(raw, &old) == nil && old.Version <= snapshotVersion
	} else if !errors.Is(err, fs.ErrNotExist) {
		return snap, nil, false, err
	}
	if haveOld && snapshotMatches(old, segs) {
		return snap, nil, false, nil
	}
	snap, batches, open, err := scanPartition(segs)
	if err != nil || batches == 0 { // kfake's replay of no batch costs nothing
		return snap, nil, false, err
	}
	if haveOld {
		// Keep what only the snapshot knew: the log start a
		// DeleteRecords moved (kfake's replay takes the first batch's
		// offset, bringing deleted records back), the partition's
		// creation and its epoch.
		if old.LogStartOffset > snap.LogStartOffset && old.LogStartOffset <= snap.HighWatermark {
			snap.LogStartOffset = old.LogStartOffset
		}
		if !old.CreatedAt.IsZero() {
			snap.CreatedAt = old.CreatedAt
		}
		snap.Epoch = max(snap.Epoch, old.Epoch)
		snap.LeaderNode = old.LeaderNode
	}
	return snap, open, true, nil
}

// snapshotMatches is kfake's test of a snapshot against the segment
// files: the same bases and sizes.
func snapshotMatches(s partSnapshot, segs []segment) bool {
	if len(s.Segments) != len(segs) {
		return false
	}
	for i, ss := range s.Segments {
		if ss.BaseOffset != segs[i].base || ss.Size != segs[i].size {
			return false
		}
	}
	return true
}

// openAtCrash is a transaction no marker ended: from its first batch to
// its producer's last transactional one, and the producer's epoch.
type openAtCrash struct {
	first, last int64
	epoch       int16
}

// scanPartition reads a partition's segments' batches into the snapshot
// kfake would have written, counting the batches. As kfake's replay
// does, it records a transaction left open as aborted, returning its
// producer and epoch.
func scanPartition(segs []segment) (snap partSnapshot, batches int, open map[int64]int16, err error) {
	snap = partSnapshot{Version: snapshotVersion}
	active := map[int64]*openAtCrash{}
	for _, s := range segs {
		epochs, err := indexEpochs(strings.TrimSuffix(s.path, segmentSuffix) + ".idx")
		if err != nil {
			return snap, 0, nil, err
		}
		seg := snapshotSegment{BaseOffset: s.base, Size: s.size}
		n := 0
		end, err := eachBatch(s.path, true, func(_ int64, h batchHeader, batch []byte) error {
			var epoch int32
			if n < len(epochs) {
				epoch = epochs[n]
			}
			if n == 0 {
				seg.MinEpoch, seg.MaxEpoch = epoch, epoch
			}
			seg.MinEpoch, seg.MaxEpoch = min(seg.MinEpoch, epoch), max(seg.MaxEpoch, epoch)
			n++
			if batches == 0 {
				snap.LogStartOffset = h.firstOffset
				snap.CreatedAt = time.UnixMilli(h.firstTimestamp)
			}
			batches++
			snap.HighWatermark = h.firstOffset + int64(h.lastOffsetDelta) + 1
			snap.Epoch = epoch
			snap.MaxTimestamp = max(snap.MaxTimestamp, h.maxTimestamp)
			if !h.control() {
				if h.transactional() {
					t := active[h.producerID]
					if t == nil {
						t = &openAtCrash{first: h.firstOffset}
						active[h.producerID] = t
					}
					t.last = h.firstOffset + int64(h.lastOffsetDelta)
					t.epoch = max(t.epoch, h.producerEpoch)
				}
				return nil
			}
			if t, ok := active[h.producerID]; ok && controlAborts(batch) {
				snap.AbortedTxns = append(snap.AbortedTxns, snapshotAborted{ProducerID: h.producerID, FirstOffset: t.first, LastOffset: h.firstOffset})
			}
			delete(active, h.producerID)
			return nil
		})
		if err != nil {
			return snap, 0, nil, fmt.Errorf("%s: %w", s.path, err)
		}
		if end < s.size {
			// kfake would truncate the torn tail as it loads, but
			// then append at the size the snapshot gave: cut it
			// here, so the two agree.
			if err := os.Truncate(s.path, end); err != nil {
				return snap, 0, nil, err
			}
			seg.Size = end
		}
		snap.Segments = append(snap.Segments, seg)
	}
	open = map[int64]int16{}
	for pid, t := range active {
		snap.AbortedTxns = append(snap.AbortedTxns, snapshotAborted{ProducerID: pid, FirstOffset: t.first, LastOffset: t.last})
		open[pid] = t.epoch
	}
	// kfake looks aborted transactions up by their last offsets.
	slices.SortFunc(snap.AbortedTxns, func(a, b snapshotAborted) int { return cmp.Compare(a.LastOffset, b.LastOffset) })
	snap.LastStableOffset = snap.HighWatermark
	return snap, batches, open, nil
}

// pidsLog is kfake's producer log: entries of a little-endian length
// (of what follows the checksum), a CRC-32C of the version and data,
// the version (2 bytes) and a JSON entry.
const pidsLog = "pids.log"

// fenceProducers appends to kfake's producer log the entry its
// transaction timeout writes, ending each producer's transaction and
// setting its epoch, so a producer that outlived the broker is fenced
// rather than committing the rest of a transaction whose start was
// aborted.
func fenceProducers(dataDir string, fence map[int64]int16) error {
	if len(fence) == 0 {
		return nil
	}
	var buf []byte
	for _, pid := range slices.Sorted(maps.Keys(fence)) {
		data, err := json.Marshal(struct {
			Type  string `json:"type"`
			PID   int64  `json:"pid"`
			Epoch int16  `json:"epoch"`
		}{"timeout", pid, fence[pid]})
		if err != nil {
			return err
		}
		entry := make([]byte, 10, 10+len(data))
		binary.LittleEndian.PutUint32(entry[0:4], uint32(2+len(data)))
		binary.LittleEndian.PutUint16(entry[8:10], snapshotVersion)
		entry = append(entry, data...)
		binary.LittleEndian.PutUint32(entry[4:8], crc32.Checksum(entry[8:], castagnoli))
		buf = append(buf, entry...)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, pidsLog), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("fence the producers of transactions open at the kill: %w", err)
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fence the producers of transactions open at the kill: %w", err)
	}
	return nil
}

// batchHeader is what a snapshot needs of a v2 record batch's header.
type batchHeader struct {
	firstOffset     int64
	length          int32
	attributes      uint16
	lastOffsetDelta int32
	firstTimestamp  int64
	maxTimestamp    int64
	producerID      int64
	producerEpoch   int16
}

func (h batchHeader) control() bool       { return h.attributes&0x20 != 0 }
func (h batchHeader) transactional() bool { return h.attributes&0x10 != 0 }

func parseBatchHeader(b []byte) batchHeader {
	return batchHeader{
		firstOffset:     int64(binary.BigEndian.Uint64(b[0:8])),
		length:          int32(binary.BigEndian.Uint32(b[8:12])),
		attributes:      binary.BigEndian.Uint16(b[21:23]),
		lastOffsetDelta: int32(binary.BigEndian.Uint32(b[23:27])),
		firstTimestamp:  int64(binary.BigEndian.Uint64(b[27:35])),
		maxTimestamp:    int64(binary.BigEndian.Uint64(b[35:43])),
		producerID:      int64(binary.BigEndian.Uint64(b[43:51])),
		producerEpoch:   int16(binary.BigEndian.Uint16(b[51:53])),
	}
}

// Chunks eachBatch reads a segment in: when it reads headers only, the
// headers of many small batches in one read while a large batch's body
// is skipped (a 1 MB chunk read every byte of 100 KB batches, and took
// as long as kfake's whole load); when it checks batches, whole ones.
const (
	headerChunk = 16 << 10
	batchChunk  = 1 << 20
)

// eachBatch calls fn with the position and header of each v2 batch of
// the segment at path, in order, and with the batch's bytes when verify
// asks for its CRC to be checked (valid until fn returns). It stops, as
// kfake's load does, at a batch cut short, not v2 or, when verifying,
// failing its CRC: the torn tail of a crash, which kfake truncates. It
// returns the position where the batches it passed to fn end.
func eachBatch(path string, verify bool, fn func(pos int64, h batchHeader, batch []byte) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := info.Size()
	chunk := int64(headerChunk)
	if verify {
		chunk = batchChunk
	}
	var buf []byte
	var bufAt int64 // the file position of buf[0]
	// read makes buf hold the n bytes at pos.
	read := func(pos, n int64) error {
		if pos >= bufAt && pos+n <= bufAt+int64(len(buf)) {
			return nil
		}
		want := min(max(n, chunk), size-pos)
		if int64(cap(buf)) < want {
			buf = make([]byte, want)
		}
		got, err := f.ReadAt(buf[:want], pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		buf, bufAt = buf[:got], pos
		return nil
	}
	pos := int64(0)
	for pos+batchHeaderSize <= size {
		if err := read(pos, batchHeaderSize); err != nil {
			return pos, err
		}
		h := parseBatchHeader(buf[pos-bufAt:])
		n := 12 + int64(h.length)
		if buf[pos-bufAt+16] != 2 || h.length < batchHeaderSize-12 || h.length > 1<<30 || pos+n > size {
			break
		}
		var batch []byte
		if verify {
			if err := read(pos, n); err != nil {
				return pos, err
			}
			batch = buf[pos-bufAt : pos-bufAt+n]
			if crc32.Checksum(batch[21:], castagnoli) != binary.BigEndian.Uint32(batch[17:21]) {
				break
			}
		}
		if err := fn(pos, h, batch); err != nil {
			return pos, err
		}
		pos += n
	}
	return pos, nil
}

// controlAborts reads a control batch's record, as kfake does when it
// replays: an ABORT marker (key type 0), or an unreadable one, aborts.
func controlAborts(batch []byte) bool {
	var rec kmsg.Record
	if err := rec.ReadFrom(batch[batchHeaderSize:]); err != nil || len(rec.Key) < 4 {
		return true
	}
	return binary.BigEndian.Uint16(rec.Key[2:4]) == 0
}

// indexEpochs reads the leader epoch of each batch from a segment's
// index (kfake's .idx: 15-byte entries of version, checksum byte,
// little-endian epoch, max earlier timestamp and flags). An entry that
// fails its checksum, or is missing, reads as epoch 0, as kfake reads it.
func indexEpochs(path string) ([]int32, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	const entry = 15
	out := make([]int32, 0, len(raw)/entry)
	for i := 0; i+entry <= len(raw); i += entry {
		e := raw[i : i+entry]
		var epoch int32
		if byte(crc32.Checksum(e[2:], castagnoli)) == e[1] {
			epoch = int32(binary.LittleEndian.Uint32(e[2:6]))
		}
		out = append(out, epoch)
	}
	return out, nil
}

// abortedNote says, for the start-up line, how many producers'
// transactions a kill left open, when any did.
func abortedNote(producers int) string {
	switch producers {
	case 0:
		return ""
	case 1:
		return "; 1 producer's transaction left open is aborted"
	}
	return fmt.Sprintf("; %d producers' transactions left open are aborted", producers)
}

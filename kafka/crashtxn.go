package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A transaction open when the embedded broker died (kill -9, power loss)
// is aborted by kfake as it reloads, but only in memory: no ABORT marker
// is written to the log. Readers in read_committed mode are told the
// transaction aborted and skip its producer's batches until they meet
// that producer's ABORT marker, which never comes, so they skipped
// everything the producer committed afterwards: a restarted
// exactly-once query's outputs and changelogs, for every reader, for
// good. Kafka's coordinator writes the markers when it aborts; the
// embedded broker writes them at start-up, for each transaction its logs
// show open.

// openTxn is a producer's transaction left without a COMMIT or ABORT
// marker in one partition's log.
type openTxn struct {
	topic      string
	partition  int32
	producerID int64
	epoch      int16
}

// batchHeaderSize is a v2 record batch's fixed header: base offset (8),
// length (4), leader epoch (4), magic (1), CRC (4), attributes (2), last
// offset delta (4), first and max timestamps (16), producer ID (8) and
// epoch (2), base sequence (4), record count (4).
const batchHeaderSize = 61

// maxTxnTimeout is the longest a transaction stays open
// (transaction.max.timeout.ms): the broker aborts, with markers, any
// transaction older, so one still open when it died wrote all its
// batches within this time of its last write to any log.
const maxTxnTimeout = 15 * time.Minute

// segment is one of a partition's segment files.
type segment struct {
	path     string
	base     int64
	size     int64
	modified time.Time
}

// openTransactions lists the transactions left open in the data
// directory's partition logs. It reads only the batch headers of the
// segments written within maxTxnTimeout of the latest write, so a data
// directory idle since its last start costs a directory listing.
func openTransactions(dataDir string) ([]openTxn, error) {
	dirs, err := partitionDirs(dataDir)
	if err != nil {
		return nil, err
	}
	type partitionLog struct {
		partitionDir
		segments []segment
	}
	var logs []partitionLog
	var newest time.Time
	for _, d := range dirs {
		segs, err := segments(d.path)
		if err != nil {
			return nil, err
		}
		for _, s := range segs {
			if s.modified.After(newest) {
				newest = s.modified
			}
		}
		logs = append(logs, partitionLog{d, segs})
	}
	since := newest.Add(-maxTxnTimeout)
	var out []openTxn
	for _, l := range logs {
		first := slices.IndexFunc(l.segments, func(s segment) bool { return !s.modified.Before(since) })
		if first < 0 {
			continue
		}
		open, err := openInSegments(l.segments[first:])
		if err != nil {
			return nil, fmt.Errorf("scan %s-%d for open transactions: %w", l.topic, l.partition, err)
		}
		for _, pid := range slices.Sorted(maps.Keys(open)) {
			out = append(out, openTxn{topic: l.topic, partition: l.partition, producerID: pid, epoch: open[pid]})
		}
	}
	return out, nil
}

// segments lists a partition directory's segment files in offset order.
func segments(dir string) ([]segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []segment
	for _, e := range entries {
		b, ok := strings.CutSuffix(e.Name(), segmentSuffix)
		if !ok {
			continue
		}
		base, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, segment{path: filepath.Join(dir, e.Name()), base: base, size: info.Size(), modified: info.ModTime()})
	}
	slices.SortFunc(out, func(a, b segment) int { return cmp.Compare(a.base, b.base) })
	return out, nil
}

// openInSegments reads consecutive segments of a partition and returns
// the producers whose last transactional batch no control batch (a
// COMMIT or ABORT marker) follows, with their epochs.
func openInSegments(segs []segment) (map[int64]int16, error) {
	open := map[int64]int16{}
	for _, s := range segs {
		_, err := eachBatch(s.path, false, func(_ int64, h batchHeader, _ []byte) error {
			switch {
			case h.control(): // this producer's transaction ended
				delete(open, h.producerID)
			case h.transactional() && h.producerID >= 0:
				open[h.producerID] = h.producerEpoch
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return open, nil
}

// abortOpenTransactions writes an ABORT marker for each transaction
// left open, through the broker's own WriteTxnMarkers handling, which
// appends the marker and updates the partition's aborted-transaction
// index and stable offset.
func abortOpenTransactions(ctx context.Context, addr string, sec Security, open []openTxn) error {
	cl, err := sec.brokerClient(addr)
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	for _, o := range open {
		m := kmsg.NewWriteTxnMarkersRequestMarker()
		m.ProducerID, m.ProducerEpoch, m.Committed = o.producerID, o.epoch, false
		t := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
		t.Topic, t.Partitions = o.topic, []int32{o.partition}
		m.Topics = append(m.Topics, t)
		req.Markers = append(req.Markers, m)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range resp.Markers {
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					errs = append(errs, fmt.Errorf("abort producer %d's transaction in %s-%d: %w", m.ProducerID, t.Topic, p.Partition, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

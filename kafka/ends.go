package kafka

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/internal/atomicfile"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The embedded broker (kfake) learns a partition's end offset from the
// records its data directory holds when it starts. A partition that
// retention or a DeleteRecords emptied therefore came back at
// offset 0, below what consumers had committed and what restored query
// state had read: Kafka's offsets never go back, and every reader is
// right to assume so. Kafka keeps the end in the name of an empty
// active segment; eddy keeps it the same way, in a segment holding one
// transaction marker just below the end. Every Kafka client skips
// markers, so readers see no record, and kfake, reloading the segment,
// takes the partition's end from it.

// segmentSuffix is kfake's segment file extension: <base offset>.dat,
// a sequence of Kafka record batches.
const segmentSuffix = ".dat"

// keepEmptiedEnds writes an end marker into each partition of the data
// directory that holds no records but has an end above 0, and removes
// the older markers there. It runs after each cleaning pass and at
// Close, while the broker runs: kfake keeps no segment of an emptied
// partition, so files in its directory below the end are eddy's own
// (a produce meanwhile starts a segment at the end or above, which is
// left alone).
func keepEmptiedEnds(c *kfake.Cluster, dataDir string) error {
	dirs, err := partitionDirs(dataDir)
	if err != nil {
		return err
	}
	var errs []error
	infos := partitionInfos(c)
	for _, d := range dirs {
		info := infos(d.topic, d.partition)
		if info == nil || info.HighWatermark == 0 || info.LogStartOffset < info.HighWatermark {
			continue // gone, never written, or holding records
		}
		if err := markEnd(d.path, info.HighWatermark); err != nil {
			errs = append(errs, fmt.Errorf("keep the end of %s-%d: %w", d.topic, d.partition, err))
		}
	}
	return errors.Join(errs...)
}

// partitionInfos looks partitions' state up in c one topic at a time:
// each of kfake's lookups is a round trip through its request loop, so
// a data directory of thousands of partitions cost as many per lookup
// of them all (13 ms over 2,400 partitions, between client requests).
// What it returns serves lookups of topics in turn, as partitionDirs
// lists them; a topic looked up again is asked again.
func partitionInfos(c *kfake.Cluster) func(topic string, partition int32) *kfake.PartitionInfo {
	var topic string
	var infos []*kfake.PartitionInfo
	asked := false
	return func(t string, p int32) *kfake.PartitionInfo {
		if !asked || t != topic {
			topic, infos, asked = t, c.PartitionInfos(t), true
		}
		// kfake lists them in partition order, partition i at index i.
		if p >= 0 && int(p) < len(infos) && infos[p].Partition == p {
			return infos[p]
		}
		for _, info := range infos {
			if info.Partition == p {
				return info
			}
		}
		return nil
	}
}

// partitionDir is one partition's directory in kfake's data directory.
type partitionDir struct {
	topic     string
	partition int32
	path      string
}

// partitionDirs lists the partition directories of a data directory
// (none without one).
func partitionDirs(dataDir string) ([]partitionDir, error) {
	if dataDir == "" {
		return nil, nil
	}
	root := filepath.Join(dataDir, "partitions")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []partitionDir
	for _, e := range entries {
		if topic, partition, ok := parsePartitionDir(e.Name()); ok && e.IsDir() {
			out = append(out, partitionDir{topic, partition, filepath.Join(root, e.Name())})
		}
	}
	return out, nil
}

// parsePartitionDir reads kfake's partition directory name,
// <path-escaped topic>-<partition>.
func parsePartitionDir(name string) (string, int32, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 {
		return "", 0, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 {
		return "", 0, false
	}
	topic, err := url.PathUnescape(name[:i])
	if err != nil {
		return "", 0, false
	}
	return topic, int32(p), true
}

// markEnd makes dir hold exactly one segment below end: a commit marker
// at end-1.
func markEnd(dir string, end int64) error {
	segs, err := segments(dir)
	if err != nil {
		return err
	}
	have := false
	for _, seg := range segs {
		switch {
		case seg.base >= end: // a produce meanwhile
		case seg.base == end-1:
			have = true
		default:
			idx := strings.TrimSuffix(seg.path, segmentSuffix) + ".idx"
			for _, path := range []string{seg.path, idx} {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		}
	}
	if have {
		return nil
	}
	want := filepath.Join(dir, strconv.FormatInt(end-1, 10)+segmentSuffix)
	return atomicfile.Write(want, endMarkerBatch(end-1, time.Now()))
}

// endMarkerBatch is a control batch at offset holding one transaction
// COMMIT marker of no producer: consumers skip it in both isolation
// levels, and it commits nothing.
func endMarkerBatch(offset int64, now time.Time) []byte {
	ms := now.UnixMilli()
	rec := kmsg.Record{
		Key:   []byte{0, 0, 0, 1},       // control record version 0, type COMMIT
		Value: []byte{0, 0, 0, 0, 0, 0}, // version 0, coordinator epoch 0
	}
	rec.Length = int32(len(rec.AppendTo(nil)) - 1) // the body after a one-byte length of 0
	recs := rec.AppendTo(nil)
	b := kmsg.RecordBatch{
		FirstOffset:    offset,
		Magic:          2,
		Attributes:     0x0030, // control | transactional
		FirstTimestamp: ms,
		MaxTimestamp:   ms,
		ProducerID:     -1,
		ProducerEpoch:  -1,
		FirstSequence:  -1,
		NumRecords:     1,
		Records:        recs,
	}
	raw := b.AppendTo(nil)
	b.Length = int32(len(raw) - 12) // after FirstOffset and Length
	raw = b.AppendTo(raw[:0])
	b.CRC = int32(crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli))) // from Attributes on
	return b.AppendTo(raw[:0])
}

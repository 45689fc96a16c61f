package kafka

import (
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// cleaner runs the embedded broker's log cleaning on a timer: records
// past retention (retention.ms, else the broker's log.retention.ms) are
// deleted and compacted topics (cleanup.policy=compact: changelogs,
// _schemas, table topics) keep only each key's latest record, so the
// data directory tracks what is retained, not everything ever written.
// kfake runs the same work on its own ticker only for topics with
// explicit settings, and hourly; the embedded broker wants it for all.
// After each pass, the partitions it emptied get their end marked
// (keepEmptiedEnds), so a restart does not take their offsets back to 0.
//
// Retention runs at every tick; compaction only when compactionGate
// says it is due, because kfake compacts inside its request loop.
type cleaner struct {
	c       *kfake.Cluster
	dataDir string
	gate    compactionGate
	logf    func(string, ...any)
	quit    chan struct{}
	done    sync.WaitGroup
}

func startCleaner(c *kfake.Cluster, dataDir string, every time.Duration, logf func(string, ...any)) *cleaner {
	cl := &cleaner{c: c, dataDir: dataDir, logf: logf, quit: make(chan struct{})}
	gate, err := loadGate(dataDir)
	if err != nil {
		logf("embedded broker: %v (the next pass compacts every compacted topic)", err)
	}
	cl.gate = gate
	cl.done.Add(1)
	go func() {
		defer cl.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-cl.quit:
				return
			case <-t.C:
				cl.pass()
			}
		}
	}()
	return cl
}

// pass is one cleaning pass: retention, and compaction when due.
func (cl *cleaner) pass() {
	c, dataDir := cl.c, cl.dataDir
	parts, err := compactedPartitions(c, dataDir)
	switch {
	case err != nil:
		cl.logf("embedded broker: %v", err)
		c.Compact()
	case dataDir == "" || cl.gate.due(parts):
		c.Compact() // compaction, then retention, on every topic
		if after, err := compactedPartitions(c, dataDir); err == nil {
			cl.gate.compacted(parts, after)
			if dataDir != "" {
				if err := cl.gate.save(dataDir); err != nil {
					cl.logf("embedded broker: %v", err)
				}
			}
		}
	default:
		c.ApplyRetention()
	}
	if err := keepEmptiedEnds(c, dataDir); err != nil {
		cl.logf("embedded broker: %v", err)
	}
}

// stop ends the timer and waits for a running pass to finish.
func (cl *cleaner) stop() {
	close(cl.quit)
	cl.done.Wait()
}

// compactionGate decides when a cleaning pass compacts. kfake compacts
// every compacted partition in one go inside its request loop, reading
// each twice, so a pass stalls every client for as long as that takes
// (about 1.2 µs a record: BenchmarkCleaningPass). Kafka cleans a log
// once its dirty part, written since the last cleaning, is at least
// min.cleanable.dirty.ratio (0.5) of it; the gate applies that ratio to
// the compacted partitions together, since a pass reads them all. A
// pass then reads at most about twice what was written since the last
// one, however large the tables' compacted changelogs have grown, where
// a fixed timer reread them all at every tick.
type compactionGate struct {
	clean map[topicPartition]cleanPart
}

// cleanPart is what the last compaction left of a partition: its bytes,
// and the end offset below which they lie (records from there on are
// dirty).
type cleanPart struct {
	bytes int64
	end   int64
}

// partitionSize is a compacted partition's retained bytes and end offset.
type partitionSize struct {
	topicPartition
	bytes int64
	end   int64
}

// due reports whether the bytes written since the last compaction are
// at least the bytes it left.
func (g *compactionGate) due(parts []partitionSize) bool {
	var clean, dirty int64
	for _, p := range parts {
		c := min(g.clean[p.topicPartition].bytes, p.bytes) // retention may have shrunk it
		clean += c
		dirty += p.bytes - c
	}
	return dirty > 0 && dirty >= clean
}

// compacted records what a compaction left, given the partitions as
// they were just before it and just after. Records produced between the
// compaction and the second reading are not clean: counted as clean,
// they could put the next compaction off for good (a table written in a
// burst that then went quiet would keep its duplicates). Their bytes
// are estimated from the average size of the dirty records before the
// compaction.
func (g *compactionGate) compacted(before, after []partitionSize) {
	prev := g.clean
	g.clean = make(map[topicPartition]cleanPart, len(after))
	was := make(map[topicPartition]partitionSize, len(before))
	for _, p := range before {
		was[p.topicPartition] = p
	}
	for _, p := range after {
		clean := cleanPart{bytes: p.bytes, end: p.end}
		if b, ok := was[p.topicPartition]; ok && p.end > b.end {
			last := prev[p.topicPartition]
			dirtyBytes, dirtyRecords := b.bytes-min(last.bytes, b.bytes), b.end-last.end
			if dirtyRecords <= 0 || dirtyBytes <= 0 {
				dirtyBytes, dirtyRecords = b.bytes, max(b.end, 1)
			}
			late := (p.end - b.end) * dirtyBytes / dirtyRecords
			clean = cleanPart{bytes: max(p.bytes-late, 0), end: b.end}
		}
		g.clean[p.topicPartition] = clean
	}
}

// compactedPartitions lists the partitions of compacted topics in the
// data directory with their retained bytes.
func compactedPartitions(c *kfake.Cluster, dataDir string) ([]partitionSize, error) {
	dirs, err := partitionDirs(dataDir)
	if err != nil {
		return nil, err
	}
	compacted := map[string]bool{}
	infos := partitionInfos(c)
	var out []partitionSize
	for _, d := range dirs {
		isCompacted, seen := compacted[d.topic]
		if !seen {
			if ti := c.TopicInfo(d.topic); ti != nil {
				if p := ti.Configs["cleanup.policy"]; p != nil {
					isCompacted = strings.Contains(*p, "compact")
				}
			}
			compacted[d.topic] = isCompacted
		}
		if !isCompacted {
			continue
		}
		if info := infos(d.topic, d.partition); info != nil {
			out = append(out, partitionSize{topicPartition{d.topic, d.partition}, info.NumBytes, info.HighWatermark})
		}
	}
	return out, nil
}

package kafka

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/eddysql/eddy/internal/atomicfile"
)

// gateFile, in the data directory, keeps what the last compaction left
// of each compacted partition, so that a restart does not take every
// compacted topic for dirty: with an empty gate the first pass after each
// start compacted them all, stalling every client for as long as that
// takes (tens of seconds over a few large changelogs) however little was
// written since.
const gateFile = "compaction-gate.json"

// gateEntry is a partition's cleanPart as gateFile holds it.
type gateEntry struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Bytes     int64  `json:"bytes"`
	End       int64  `json:"end"`
}

// loadGate reads dataDir's gateFile. No file gives an empty gate (the
// first pass compacts, as before there was one).
func loadGate(dataDir string) (compactionGate, error) {
	if dataDir == "" {
		return compactionGate{}, nil
	}
	path := filepath.Join(dataDir, gateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return compactionGate{}, nil
	}
	if err != nil {
		return compactionGate{}, err
	}
	var entries []gateEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return compactionGate{}, fmt.Errorf("read %s: %w", path, err)
	}
	g := compactionGate{clean: make(map[topicPartition]cleanPart, len(entries))}
	for _, e := range entries {
		g.clean[topicPartition{e.Topic, e.Partition}] = cleanPart{bytes: e.Bytes, end: e.End}
	}
	return g, nil
}

// save writes g to dataDir's gateFile.
func (g *compactionGate) save(dataDir string) error {
	entries := make([]gateEntry, 0, len(g.clean))
	for tp, c := range g.clean {
		entries = append(entries, gateEntry{tp.topic, tp.partition, c.bytes, c.end})
	}
	b, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dataDir, gateFile), b)
}

package kafka

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/eddysql/eddy/internal/atomicfile"
)

// kfake writes its topic list (topics.json) when a topic is created by a
// CreateTopics request, and at a clean stop, but not when a producer's
// metadata request creates one (auto.create.topics.enable). A kill -9
// then lost such a topic: its partition directories held every record
// acknowledged to the producer, but the reloaded broker did not know the
// topic and ignored them. At start the embedded broker puts each topic
// whose partition directories hold segments, and which the list lacks,
// back in the list, as an auto-created topic: broker-default configs and
// a new topic ID.

// topicList is kfake's topics.json; fields eddy does not read are kept
// as they are.
type topicList struct {
	Version int               `json:"version"`
	Topics  []json.RawMessage `json:"topics"`
}

// listedTopic is the part of a topics.json entry eddy reads and writes.
type listedTopic struct {
	Name       string `json:"name"`
	ID         []byte `json:"id"` // kfake's 16-byte topic ID, base64 in JSON
	Partitions int    `json:"partitions"`
	Replicas   int    `json:"replicas"`
}

// adoptUnlistedTopics adds to dataDir's topics.json the topics that have
// partition segments but no entry, with at least defaultPartitions
// partitions, and returns their names.
func adoptUnlistedTopics(dataDir string, defaultPartitions int) ([]string, error) {
	dirs, err := partitionDirs(dataDir)
	if err != nil || len(dirs) == 0 {
		return nil, err
	}
	path := filepath.Join(dataDir, "topics.json")
	list := topicList{Version: 1}
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	listed := map[string]bool{}
	for _, raw := range list.Topics {
		var t listedTopic
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		listed[t.Name] = true
	}
	partitions := map[string]int{} // unlisted topic -> partitions seen
	for _, d := range dirs {
		if listed[d.topic] {
			continue
		}
		segs, err := segments(d.path)
		if err != nil {
			return nil, err
		}
		if len(segs) > 0 {
			partitions[d.topic] = max(partitions[d.topic], int(d.partition)+1, defaultPartitions)
		}
	}
	if len(partitions) == 0 {
		return nil, nil
	}
	var adopted []string
	for topic, n := range partitions {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(listedTopic{Name: topic, ID: id, Partitions: n, Replicas: 1})
		if err != nil {
			return nil, err
		}
		list.Topics = append(list.Topics, raw)
		adopted = append(adopted, topic)
	}
	slices.Sort(adopted)
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return adopted, atomicfile.Write(path, b)
}

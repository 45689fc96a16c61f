package metastore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// ConfigsTopic is where a headless service (a queries file instead of
// the command log) keeps what a start must know of the previous ones;
// ksqlDB's name for its headless servers' configs topic.
func ConfigsTopic(serviceID string) string {
	return "_confluent-ksql-" + serviceID + "_configs"
}

// headlessRunKey keys the record of the latest start in ConfigsTopic.
const headlessRunKey = "eddy-headless-run"

// HeadlessRun is what a headless server records when it has started:
// the queries its file gave, so that the next start can tell the user
// which queries no longer run under the ids (and so the consumer groups
// and changelogs) they had.
type HeadlessRun struct {
	File    string          `json:"file"`
	Queries []HeadlessQuery `json:"queries"`
}

// HeadlessQuery is a persistent query of a headless start.
type HeadlessQuery struct {
	ID        string `json:"id"`
	Sink      string `json:"sink"`
	Statement string `json:"statement"`
}

// LastHeadlessRun creates the configs topic if needed and returns the
// latest start recorded there, nil when there is none.
func LastHeadlessRun(ctx context.Context, cluster kafka.Cluster, serviceID string) (*HeadlessRun, error) {
	topic := ConfigsTopic(serviceID)
	err := cluster.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 1, Replicas: 1,
		Configs: map[string]string{"cleanup.policy": "compact"}})
	if err != nil {
		return nil, fmt.Errorf("create configs topic: %w", err)
	}
	recs, err := cluster.ReadAll(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("read configs topic: %w", err)
	}
	var last *HeadlessRun
	for _, r := range recs {
		if string(r.Key) != headlessRunKey {
			continue // not ours (a ksqlDB server's properties, say)
		}
		var run HeadlessRun
		if err := json.Unmarshal(r.Value, &run); err != nil {
			return nil, fmt.Errorf("configs topic %s offset %d: %w", topic, r.Offset, err)
		}
		last = &run
	}
	return last, nil
}

// RecordHeadlessRun records run as the latest start.
func RecordHeadlessRun(ctx context.Context, cluster kafka.Cluster, serviceID string, run HeadlessRun) error {
	b, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("encode headless start: %w", err)
	}
	rec := kafka.Record{Topic: ConfigsTopic(serviceID), Partition: 0, Key: []byte(headlessRunKey), Value: b, Timestamp: time.Now().UnixMilli()}
	if err := cluster.Produce(ctx, rec); err != nil {
		return fmt.Errorf("write configs topic: %w", err)
	}
	return nil
}

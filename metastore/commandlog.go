package metastore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// Command is one catalog change as stored in the command topic.
type Command struct {
	// Statement is the SQL text, with variables already substituted.
	Statement string `json:"statement"`
	// Props are the session properties the statement ran with.
	Props map[string]string `json:"streamsProperties,omitempty"`
	// Version lets a newer eddy refuse a log it does not understand.
	Version int `json:"version"`
}

// CommandVersion is the command format this build writes and reads.
const CommandVersion = 1

// CommandLog is the durable, ordered log of catalog changes: a
// single-partition topic that every server of a service id replays.
type CommandLog struct {
	cluster kafka.Cluster
	topic   string
}

// CommandTopic returns the command topic name for a service id.
func CommandTopic(serviceID string) string {
	return "_confluent-ksql-" + serviceID + "_command_topic"
}

// OpenCommandLog creates the command topic if needed and returns the log
// with every command recorded so far, in order.
func OpenCommandLog(ctx context.Context, cluster kafka.Cluster, serviceID string) (*CommandLog, []Command, error) {
	l := &CommandLog{cluster: cluster, topic: CommandTopic(serviceID)}
	err := cluster.CreateTopic(ctx, kafka.TopicInfo{
		Name: l.topic, Partitions: 1, Replicas: 1,
		Configs: map[string]string{"retention.ms": "-1", "cleanup.policy": "delete"},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create command topic: %w", err)
	}
	recs, err := cluster.ReadAll(ctx, l.topic)
	if err != nil {
		return nil, nil, fmt.Errorf("read command topic: %w", err)
	}
	cmds := make([]Command, 0, len(recs))
	for _, r := range recs {
		var c Command
		if err := json.Unmarshal(r.Value, &c); err != nil {
			return nil, nil, fmt.Errorf("command topic offset %d: %w", r.Offset, err)
		}
		if c.Version > CommandVersion {
			return nil, nil, fmt.Errorf("command topic offset %d has version %d; this eddy reads up to %d", r.Offset, c.Version, CommandVersion)
		}
		cmds = append(cmds, c)
	}
	return l, cmds, nil
}

// Append durably records a command and returns its offset.
func (l *CommandLog) Append(ctx context.Context, id string, c Command) (int64, error) {
	c.Version = CommandVersion
	b, err := json.Marshal(c)
	if err != nil {
		return 0, fmt.Errorf("encode command: %w", err)
	}
	recs := []kafka.Record{{Topic: l.topic, Partition: 0, Key: []byte(id), Value: b, Timestamp: time.Now().UnixMilli()}}
	if err := l.cluster.Produce(ctx, recs...); err != nil {
		return 0, fmt.Errorf("append to command topic: %w", err)
	}
	return recs[0].Offset, nil
}

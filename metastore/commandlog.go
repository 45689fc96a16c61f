package metastore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
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
	// Offset is where the command sits in the command topic.
	Offset int64 `json:"-"`
}

// CommandVersion is the command format this build writes and reads.
const CommandVersion = 1

// CommandLog is the durable, ordered log of catalog changes: a
// single-partition topic that every server of a service id replays.
type CommandLog struct {
	cluster kafka.Cluster
	topic   string
	logf    func(string, ...any)
}

// CommandTopic returns the command topic name for a service id.
func CommandTopic(serviceID string) string {
	return "_confluent-ksql-" + serviceID + "_command_topic"
}

// OpenCommandLog creates the command topic if needed and returns the log
// with every command recorded so far, in order. A record that is not a
// command (anything a foreign client wrote there) is skipped and told to
// logf; a command of a newer format stops the start, since applying the
// rest without it would diverge from the servers that understand it.
func OpenCommandLog(ctx context.Context, cluster kafka.Cluster, serviceID string, logf func(string, ...any)) (*CommandLog, []Command, int64, error) {
	l := &CommandLog{cluster: cluster, topic: CommandTopic(serviceID), logf: logf}
	if l.logf == nil {
		l.logf = func(string, ...any) {}
	}
	err := cluster.CreateTopic(ctx, kafka.TopicInfo{
		Name: l.topic, Partitions: 1, Replicas: 1,
		Configs: map[string]string{"retention.ms": "-1", "cleanup.policy": "delete"},
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("create command topic: %w", err)
	}
	cmds, end, err := l.ReadFrom(ctx, 0)
	if err != nil {
		return nil, nil, 0, err
	}
	return l, cmds, end, nil
}

// ReadFrom returns the commands at offset from and after, up to the end
// of the log when called, and that end.
func (l *CommandLog) ReadFrom(ctx context.Context, from int64) ([]Command, int64, error) {
	var cmds []Command
	// Every append another server may still commit counts: a check
	// that read below its open transaction could pass a command that
	// conflicts with it.
	read := l.cluster.ReadPartitions
	if d, ok := l.cluster.(kafka.DecidedReader); ok {
		read = d.ReadPartitionsDecided
	}
	ends, err := read(ctx, l.topic, map[int32]int64{0: from}, func(r kafka.Record) error {
		if r.Offset < from {
			return nil
		}
		var c Command
		if err := json.Unmarshal(r.Value, &c); err != nil || c.Statement == "" {
			l.logf("command topic %s offset %d is not a command, skipped: %v", l.topic, r.Offset, cmp.Or(err, errNoStatement))
			return nil
		}
		if c.Version > CommandVersion {
			return fmt.Errorf("command topic offset %d has version %d; this eddy reads up to %d", r.Offset, c.Version, CommandVersion)
		}
		c.Offset = r.Offset
		cmds = append(cmds, c)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read command topic: %w", err)
	}
	return cmds, max(from, ends[0]), nil
}

var errNoStatement = errors.New("no statement")

// End is the offset the next command will get.
func (l *CommandLog) End(ctx context.Context) (int64, error) {
	ends, err := l.cluster.EndOffsets(ctx, l.topic)
	if err != nil {
		return 0, fmt.Errorf("command topic end: %w", err)
	}
	return ends[0], nil
}

// AppendChecked records a command only if check, run once the log has
// no other writer, accepts it: check catches up with the log and
// validates the command against it. On a cluster that supports
// exclusive writes (Kafka's transactions), servers racing to append
// take turns, and a command check refuses is never written, so no
// server's catalog forks; elsewhere check runs before a plain Append.
// check may complete c before it is written.
func (l *CommandLog) AppendChecked(ctx context.Context, id string, c *Command, check func(context.Context) error) (int64, error) {
	w, ok := l.cluster.(kafka.ExclusiveWriter)
	if !ok {
		if err := check(ctx); err != nil {
			return 0, err
		}
		return l.Append(ctx, id, *c)
	}
	const attempts = 10
	for i := 1; ; i++ {
		var recs []kafka.Record
		err := w.WriteExclusive(ctx, l.topic+"-writer", func(ctx context.Context) ([]kafka.Record, error) {
			if err := check(ctx); err != nil {
				return nil, err
			}
			// Built after the check, which may complete c.
			rec, err := l.record(id, *c)
			if err != nil {
				return nil, err
			}
			recs = []kafka.Record{rec}
			return recs, nil
		})
		if err == nil {
			return recs[0].Offset, nil
		}
		if !errors.Is(err, kafka.ErrFenced) || i == attempts {
			return 0, err
		}
		if l.logf != nil {
			l.logf("command log: another server appended meanwhile; trying again (%v)", err)
		}
		// A random pause, so two servers do not fence each other in step.
		select {
		case <-time.After(time.Duration(rand.IntN(20*i)+1) * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Append durably records a command and returns its offset.
func (l *CommandLog) Append(ctx context.Context, id string, c Command) (int64, error) {
	rec, err := l.record(id, c)
	if err != nil {
		return 0, err
	}
	recs := []kafka.Record{rec}
	if err := l.cluster.Produce(ctx, recs...); err != nil {
		return 0, fmt.Errorf("append to command topic: %w", err)
	}
	return recs[0].Offset, nil
}

// record encodes a command as its command-topic record.
func (l *CommandLog) record(id string, c Command) (kafka.Record, error) {
	c.Version = CommandVersion
	b, err := json.Marshal(c)
	if err != nil {
		return kafka.Record{}, fmt.Errorf("encode command: %w", err)
	}
	return kafka.Record{Topic: l.topic, Partition: 0, Key: []byte(id), Value: b, Timestamp: time.Now().UnixMilli()}, nil
}

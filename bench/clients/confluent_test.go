//go:build confluent

package clients

import (
	"context"
	"fmt"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func init() {
	produceCases = append(produceCases,
		benchCase{"async/confluent", confluentProduceRun(confluentProduceAsync)},
		benchCase{"sync-batches/confluent", confluentProduceRun(confluentProduceSync)},
		benchCase{"async-batch-producer/confluent", confluentProduceRun(confluentProduceBatchProducer)},
	)
	consumeCases = append(consumeCases,
		benchCase{"poll-commit/confluent", confluentConsume},
	)
}

// confluentBase is what every librdkafka client here gets. kfake answers
// ApiVersions, so librdkafka needs no api.version.request or
// broker.version.fallback workaround.
func confluentBase(e *benchEnv) ckafka.ConfigMap {
	return ckafka.ConfigMap{
		"bootstrap.servers": e.addr,
		"client.id":         "eddy-bench",
		// Only warnings and errors on stderr.
		"log_level": 4,
	}
}

// confluentProducer is a librdkafka producer set up like the kgo one:
// idempotent with acks=all (kgo's defaults; librdkafka's default is not
// idempotent), 1 MB batches bound by bytes rather than by count, the same
// codec and linger, a buffer no run fills, and delivery reports on the
// Events channel without copies of the key and value.
func confluentProducer(ctx context.Context, e *benchEnv, topic string, linger time.Duration, batchProducer bool) (*ckafka.Producer, error) {
	cfg := confluentBase(e)
	for k, v := range map[string]ckafka.ConfigValue{
		"acks":                         "all",
		"enable.idempotence":           true,
		"linger.ms":                    int(linger / time.Millisecond),
		"batch.size":                   batchBytes,
		"batch.num.messages":           1_000_000, // the most allowed
		"queue.buffering.max.messages": maxBuffered,
		"queue.buffering.max.kbytes":   1 << 21, // 2 GiB
		"compression.codec":            e.codec,
		"go.delivery.reports":          true,
		"go.delivery.report.fields":    "none",
		"go.batch.producer":            batchProducer,
	} {
		cfg[k] = v
	}
	p, err := ckafka.NewProducer(&cfg)
	if err != nil {
		return nil, err
	}
	// Connect, fetch the topic's metadata and the producer id outside
	// the timing.
	dr := make(chan ckafka.Event, 1)
	if err := p.Produce(&ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
		Value:          []byte("warm-up"),
	}, dr); err != nil {
		p.Close()
		return nil, fmt.Errorf("warm-up produce to %s: %w", topic, err)
	}
	select {
	case ev := <-dr:
		if err := deliveryErr(ev); err != nil {
			p.Close()
			return nil, fmt.Errorf("warm-up produce to %s: %w", topic, err)
		}
	case <-ctx.Done():
		p.Close()
		return nil, fmt.Errorf("warm-up produce to %s: %w", topic, ctx.Err())
	}
	return p, nil
}

func deliveryErr(ev ckafka.Event) error {
	switch ev := ev.(type) {
	case *ckafka.Message:
		return ev.TopicPartition.Error
	case ckafka.Error:
		return ev
	default:
		return fmt.Errorf("unexpected event %v", ev)
	}
}

// confluentProduceRun wraps a confluent-kafka-go produce mode into a
// case: a fresh topic, the run, and a check of the topic's end offset.
func confluentProduceRun(produce func(context.Context, *benchEnv, string, *meter) error) func(context.Context, *benchEnv, *meter) error {
	return func(ctx context.Context, e *benchEnv, m *meter) error {
		topic, err := e.newTopic(ctx, "confluent")
		if err != nil {
			return err
		}
		if err := produce(ctx, e, topic, m); err != nil {
			return err
		}
		if err := checkProduced(ctx, e, topic, e.n+1); err != nil {
			return err
		}
		return e.deleteTopic(ctx, topic)
	}
}

// awaitReports counts n delivery reports from the producer's Events
// channel; it returns the first delivery error, if any.
func awaitReports(ctx context.Context, events <-chan ckafka.Event, n int) error {
	var first error
	for got := 0; got < n; {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case *ckafka.Message:
				got++
				if ev.TopicPartition.Error != nil && first == nil {
					first = ev.TopicPartition.Error
				}
			case ckafka.Error:
				if ev.IsFatal() {
					return ev
				}
			}
		case <-ctx.Done():
			return fmt.Errorf("%d of %d delivery reports: %w", got, n, ctx.Err())
		}
	}
	return first
}

// confluentProduceAsync calls Produce for every record, with delivery
// reports on the Events channel, and waits for all of them (which is
// what Flush waits for, without Flush's 100 ms polling steps).
func confluentProduceAsync(ctx context.Context, e *benchEnv, topic string, m *meter) error {
	p, err := confluentProducer(ctx, e, topic, asyncLinger, false)
	if err != nil {
		return err
	}
	defer p.Close()
	done := make(chan error, 1)
	m.start()
	go func() { done <- awaitReports(ctx, p.Events(), e.n) }()
	for i := range e.n {
		err := p.Produce(&ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
			Key:            e.keys[i],
			Value:          e.values[i],
		}, nil)
		if err != nil {
			return fmt.Errorf("produce record %d: %w", i, err)
		}
	}
	if err := <-done; err != nil {
		return err
	}
	m.stop()
	if left := p.Flush(10_000); left != 0 {
		return fmt.Errorf("%d records not flushed", left)
	}
	return nil
}

// confluentProduceBatchProducer sends every record down ProduceChannel
// with go.batch.producer, which hands them to librdkafka in batches
// (rd_kafka_produce_batch) instead of one cgo call per record. Both are
// deprecated or experimental, but they are the client's fastest path.
func confluentProduceBatchProducer(ctx context.Context, e *benchEnv, topic string, m *meter) error {
	p, err := confluentProducer(ctx, e, topic, asyncLinger, true)
	if err != nil {
		return err
	}
	defer p.Close()
	done := make(chan error, 1)
	m.start()
	go func() { done <- awaitReports(ctx, p.Events(), e.n) }()
	ch := p.ProduceChannel()
	for i := range e.n {
		ch <- &ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
			Key:            e.keys[i],
			Value:          e.values[i],
		}
	}
	if err := <-done; err != nil {
		return err
	}
	m.stop()
	return nil
}

// confluentProduceSync produces batches of pollBatch records with no
// linger and waits for each batch's delivery reports on a channel of its
// own: the counterpart of kgo's ProduceSync per batch.
func confluentProduceSync(ctx context.Context, e *benchEnv, topic string, m *meter) error {
	p, err := confluentProducer(ctx, e, topic, 0, false)
	if err != nil {
		return err
	}
	defer p.Close()
	dr := make(chan ckafka.Event, pollBatch)
	m.start()
	for i := 0; i < e.n; i += pollBatch {
		end := min(i+pollBatch, e.n)
		for j := i; j < end; j++ {
			err := p.Produce(&ckafka.Message{
				TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
				Key:            e.keys[j],
				Value:          e.values[j],
			}, dr)
			if err != nil {
				return fmt.Errorf("produce record %d: %w", j, err)
			}
		}
		if err := awaitReports(ctx, dr, end-i); err != nil {
			return err
		}
	}
	m.stop()
	return nil
}

// confluentConsume mirrors franzConsume with librdkafka: a group member
// with enable.auto.commit=false, Poll until pollBatch records are in hand
// or none is ready, then a synchronous CommitOffsets of the batch's next
// offset. Fetch sizes are librdkafka's defaults, which match kgo's
// (fetch.max.bytes 50 MB, max.partition.fetch.bytes 1 MB,
// fetch.min.bytes 1).
//
// One default is changed: fetch.queue.backoff.ms, 1000 ms, for which
// librdkafka stops fetching a partition once queued.min.messages
// (100 000) records wait in its local queue. Here that stalled every
// run for about 0.9 s of its 1.2 s (6 µs/record); 10 ms removes the
// stall.
func confluentConsume(ctx context.Context, e *benchEnv, m *meter) error {
	topic := e.inputTopic
	cfg := confluentBase(e)
	for k, v := range map[string]ckafka.ConfigValue{
		"group.id":                  fmt.Sprintf("confluent-%d", topicN.Add(1)),
		"auto.offset.reset":         "earliest",
		"enable.auto.commit":        false,
		"enable.auto.offset.store":  false,
		"enable.partition.eof":      false,
		"fetch.max.bytes":           50 << 20,
		"max.partition.fetch.bytes": 1 << 20,
		"fetch.min.bytes":           1,
		"fetch.queue.backoff.ms":    10,
	} {
		cfg[k] = v
	}
	c, err := ckafka.NewConsumer(&cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	chk := checker{e: e}
	started := false
	for !chk.done() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("consumed %d of %d: %w", chk.next, e.n, err)
		}
		var last *ckafka.Message
		in := 0
		for ev := c.Poll(100); ev != nil; ev = c.Poll(0) {
			switch ev := ev.(type) {
			case *ckafka.Message:
				if ev.TopicPartition.Error != nil {
					return ev.TopicPartition.Error
				}
				if !started {
					m.start()
					started = true
				}
				if err := chk.record(int64(ev.TopicPartition.Offset), ev.Key, ev.Value); err != nil {
					return err
				}
				last = ev
				in++
			case ckafka.Error:
				if ev.IsFatal() || ev.Code() == ckafka.ErrAllBrokersDown {
					return ev
				}
			}
			if in == pollBatch {
				break
			}
		}
		if last != nil {
			tp := last.TopicPartition
			tp.Offset++
			if _, err := c.CommitOffsets([]ckafka.TopicPartition{tp}); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
		}
	}
	m.stop()
	if chk.bytes != e.valueBytes {
		return fmt.Errorf("consumed %d value bytes, want %d", chk.bytes, e.valueBytes)
	}
	return nil
}

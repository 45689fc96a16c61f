package kafka

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// foreignProduce writes one record the way other Kafka producers do:
// franz-go asking the broker to create a missing topic, as librdkafka
// (kcat) and the Java producer do by default.
func foreignProduce(t *testing.T, e *Embedded, topic string) error {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.AllowAutoTopicCreation(),
		kgo.ProduceRequestTimeout(5*time.Second), kgo.RecordDeliveryTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(`{"n":1}`)}).FirstErr()
}

func topicPartitions(t *testing.T, c *Client, topic string) int {
	t.Helper()
	topics, err := c.Topics(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range topics {
		if ti.Name == topic {
			return int(ti.Partitions)
		}
	}
	return 0
}

// TestEmbeddedAutoCreatesTopics: like a stock Kafka broker
// (auto.create.topics.enable=true, num.partitions=1), the embedded broker
// creates a topic a producer writes to first; both are configurable.
func TestEmbeddedAutoCreatesTopics(t *testing.T) {
	e, c := startBroker(t)
	if err := foreignProduce(t, e, "newtopic"); err != nil {
		t.Fatalf("produce to a new topic: %v", err)
	}
	if n := topicPartitions(t, c, "newtopic"); n != 1 {
		t.Errorf("auto-created topic has %d partitions, want 1", n)
	}
	recs, err := c.ReadAll(testCtx(t), "newtopic")
	if err != nil || len(recs) != 1 {
		t.Errorf("read back: %d records, %v", len(recs), err)
	}
	// eddy's own client does not create topics by asking for them.
	c.ReadAll(testCtx(t), "not_created_by_reading") //nolint:errcheck // only its side effect matters
	if topicPartitions(t, c, "not_created_by_reading") != 0 {
		t.Error("reading a missing topic created it")
	}

	three, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", NumPartitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer three.Close()
	if err := foreignProduce(t, three, "wide"); err != nil {
		t.Fatalf("produce with num.partitions=3: %v", err)
	}
	if n := topicPartitions(t, dial(t, three), "wide"); n != 3 {
		t.Errorf("num.partitions=3: topic has %d partitions", n)
	}

	off, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", DisableAutoCreateTopics: true})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if err := foreignProduce(t, off, "nope"); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Errorf("auto.create.topics.enable=false: produce answered %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}

// TestEmbeddedAutoCreateKcat: `kcat -P -t newtopic` works against the
// embedded broker, as it does against Apache Kafka.
func TestEmbeddedAutoCreateKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not installed (apt-get install kcat)")
	}
	e, c := startBroker(t)
	cmd := exec.CommandContext(testCtx(t), kcat, "-b", e.Addr(), "-P", "-t", "from_kcat")
	cmd.Stdin = strings.NewReader("one\ntwo\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v: %s", err, out)
	}
	recs, err := c.ReadAll(testCtx(t), "from_kcat")
	if err != nil || len(recs) != 2 {
		t.Fatalf("read back: %d records, %v", len(recs), err)
	}
}

// TestAutoCreatedTopicSurvivesKill: a topic a producer's metadata request
// created is not written to the broker's topic list until a clean stop,
// so a kill -9 lost it with every record it held (seen with 1M records
// from Confluent's Python client). At start the broker takes such
// partition directories back as topics.
func TestAutoCreatedTopicSurvivesKill(t *testing.T) {
	for _, partitions := range []int{1, 3} {
		dir := t.TempDir()
		e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", NumPartitions: partitions})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if err := foreignProduce(t, e, "auto_made"); err != nil {
				t.Fatalf("produce: %v", err)
			}
		}
		crashed := crashImage(t, dir)
		e.Close()
		// Restarted as it ran: a partition that got none of the five
		// records left no segment, so the count comes from the config.
		again, err := StartEmbedded(EmbeddedConfig{DataDir: crashed, Listen: "127.0.0.1:0", NumPartitions: partitions})
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, again)
		recs, err := c.ReadAll(testCtx(t), "auto_made")
		if err != nil || len(recs) != 5 {
			t.Errorf("%d partitions: after the kill, read %d records (%v), want 5", partitions, len(recs), err)
		}
		if n := topicPartitions(t, c, "auto_made"); n != partitions {
			t.Errorf("after the kill the topic has %d partitions, want %d", n, partitions)
		}
		again.Close()
	}
}

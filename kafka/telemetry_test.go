package kafka

import (
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A client's KIP-714 telemetry request gets a valid, empty subscription:
// no error, an instance id for a client that had none (kept when it
// asks again), a positive interval to ask again after, and no metrics.
func TestEmbeddedTelemetrySubscriptionIsEmpty(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var id [16]byte
	for range 2 {
		req := kmsg.NewPtrGetTelemetrySubscriptionsRequest()
		req.ClientInstanceID = id
		resp, err := req.RequestWith(testCtx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ErrorCode != 0 || resp.ClientInstanceID == [16]byte{} || resp.PushIntervalMillis <= 0 || len(resp.RequestedMetrics) != 0 {
			t.Fatalf("answer %+v, want no error, an instance id, a positive interval and no metrics", resp)
		}
		if id != [16]byte{} && resp.ClientInstanceID != id {
			t.Errorf("instance id %x changed to %x", id, resp.ClientInstanceID)
		}
		id = resp.ClientInstanceID
	}
}

// So this process's clients, which ask for a subscription once they
// have talked to the broker, push no metrics, not even when they close.
func TestEmbeddedClientsPushNoTelemetry(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var pushes atomic.Int32
	e.c.ControlKey(int16(kmsg.PushTelemetry), func(kmsg.Request) (kmsg.Response, error, bool) {
		pushes.Add(1)
		e.c.KeepControl()
		return nil, nil, false // counted, then handled by kfake
	})
	c := dial(t, e)
	if err := c.CreateTopic(testCtx(t), TopicInfo{Name: "t", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	produceN(t, c, "t", 0, 5)
	c.Close()
	if n := pushes.Load(); n != 0 {
		t.Errorf("clients pushed telemetry %d times", n)
	}
}

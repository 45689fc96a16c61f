package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestCompactedTopicsIgnoreRetention: as in Kafka, retention.ms deletes
// records only of topics whose cleanup.policy includes delete. A topic
// that is compact alone (a state store's changelog, a table's topic)
// keeps each key's latest record however old its timestamp: replaying
// last month's events must not lose the state they built. A topic that
// is compact,delete (a windowed table's) is deleted by retention too.
func TestCompactedTopicsIgnoreRetention(t *testing.T) {
	cfg := EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Retention: time.Hour, CleanInterval: 200 * time.Millisecond}
	e, c, ctx := startCleaning(t, cfg)
	defer e.Close()
	if err := c.CreateTopic(ctx, TopicInfo{Name: "windows", Partitions: 1, Configs: map[string]string{"cleanup.policy": "compact,delete"}}); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-30 * 24 * time.Hour).UnixMilli()
	for _, topic := range []string{"events", "latest", "windows"} {
		var batch []Record
		for k := range 10 {
			batch = append(batch, Record{Topic: topic, Partition: 0, Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte("v"), Timestamp: old})
		}
		if err := c.Produce(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	// The deleted topics empty at the next passes; the compacted one
	// must stay whole meanwhile.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ev, err := c.ReadAll(ctx, "events")
		if err != nil {
			t.Fatal(err)
		}
		win, err := c.ReadAll(ctx, "windows")
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) == 0 && len(win) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, %d records of events and %d of windows past retention are left", len(ev), len(win))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a few more passes
	lt, err := c.ReadAll(ctx, "latest")
	if err != nil {
		t.Fatal(err)
	}
	if len(lt) != 10 {
		t.Fatalf("compacted topic: %d of its 10 keys left after cleaning passes, want all (retention does not apply to cleanup.policy=compact)", len(lt))
	}
}

// TestCompactedTopicsOfAnEarlierRunKeepOldKeys: a compacted topic made
// before the broker gave such topics retention.ms=-1 (simulated by
// deleting the setting) gets it at the next start, and its keys stamped
// a month ago survive the cleaning passes after that start.
func TestCompactedTopicsOfAnEarlierRunKeepOldKeys(t *testing.T) {
	cfg := EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Retention: time.Hour, CleanInterval: time.Hour}
	e, c, ctx := startCleaning(t, cfg)
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, "latest"
	del := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	del.Name, del.Op = "retention.ms", kmsg.IncrementalAlterConfigOpDelete
	r.Configs = append(r.Configs, del)
	req.Resources = append(req.Resources, r)
	cl, err := e.client.brokerClient(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := req.RequestWith(ctx, cl)
	cl.Close()
	if err != nil || resp.Resources[0].ErrorCode != 0 {
		t.Fatalf("delete retention.ms: %v %+v", err, resp)
	}
	if ti := e.c.TopicInfo("latest"); ti.Configs["retention.ms"] != nil {
		t.Fatalf("retention.ms still %s", *ti.Configs["retention.ms"])
	}
	old := time.Now().Add(-30 * 24 * time.Hour).UnixMilli()
	var batch []Record
	for k := range 10 {
		batch = append(batch, Record{Topic: "latest", Partition: 0, Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte("v"), Timestamp: old})
	}
	if err := c.Produce(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	e, c = restartEmbedded(t, cfg, e, c)
	defer e.Close()
	if v := e.c.TopicInfo("latest").Configs["retention.ms"]; v == nil || *v != "-1" {
		t.Fatalf("after a restart, the compacted topic's retention.ms is %v, want -1", v)
	}
	e.cleaner.pass()
	recs, err := c.ReadAll(ctx, "latest")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 10 {
		t.Fatalf("%d of the compacted topic's 10 month-old keys left after a cleaning pass, want all", len(recs))
	}
}

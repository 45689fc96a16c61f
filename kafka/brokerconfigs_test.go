package kafka

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A non-incremental AlterConfigs of the broker (kafkajs's
// admin.alterConfigs, kadm's AlterBrokerConfigs) replaces its dynamic
// settings only: what eddy set at start (log.retention.ms from
// --kafka-retention, log.segment.bytes) is static in Kafka and stays,
// in what DescribeConfigs reports and in what the broker enforces. An
// IncrementalAlterConfigs DELETE of such a setting reverts it to its
// static value. kfake replaced them all: retention fell back to its 7
// days and deleted a 30-day-old record a broker keeping records forever
// had kept.
func TestEmbeddedBrokerAlterKeepsStartSettings(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := testCtx(t)
	cl := foreignClient(t, e)
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopics(ctx, 1, 1, nil, "old"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-30 * 24 * time.Hour)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "old", Value: []byte("old"), Timestamp: old}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	check := func(what string, wants map[string]string) {
		t.Helper()
		brs, err := adm.DescribeBrokerConfigs(ctx)
		if err != nil || len(brs) != 1 || brs[0].Err != nil {
			t.Fatalf("%s: describe broker: %v %+v", what, err, brs)
		}
		tcs, err := adm.DescribeTopicConfigs(ctx, "old")
		if err != nil || len(tcs) != 1 || tcs[0].Err != nil {
			t.Fatalf("%s: describe topic: %v %+v", what, err, tcs)
		}
		got := map[string]kadm.Config{}
		for _, c := range append(brs[0].Configs, tcs[0].Configs...) {
			got[c.Key] = c
		}
		for k, v := range wants {
			c := got[k]
			src := kmsg.ConfigSourceStaticBrokerConfig
			if k == "message.max.bytes" {
				src = kmsg.ConfigSourceDynamicBrokerConfig
			}
			if c.MaybeValue() != v || c.Source != src {
				t.Errorf("%s: %s = %q (%v), want %q (%v)", what, k, c.MaybeValue(), c.Source, v, src)
			}
		}
		e.c.ApplyRetention()
		starts, err := adm.ListStartOffsets(ctx, "old")
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := starts.Lookup("old", 0); o.Offset != 0 {
			t.Errorf("%s: start offset %d: the record a broker keeping records forever keeps was deleted", what, o.Offset)
		}
	}
	static := map[string]string{
		"log.retention.ms": "-1", "log.segment.bytes": "8388608",
		"retention.ms": "-1", "segment.bytes": "8388608",
	}

	// Replace the broker's dynamic settings with one of its own.
	if resp, err := adm.AlterBrokerConfigsState(ctx, []kadm.AlterConfig{{Name: "message.max.bytes", Value: kmsg.StringPtr("2000000")}}); err != nil || len(resp) != 1 || resp[0].Err != nil {
		t.Fatalf("replace: %v %+v", err, resp)
	}
	wants := map[string]string{"message.max.bytes": "2000000"}
	for k, v := range static {
		wants[k] = v
	}
	check("after a replace", wants)

	// A dynamic value, then its DELETE: back to the static value.
	if _, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.retention.ms", Value: kmsg.StringPtr("3600000")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "log.retention.ms"}, {Op: kadm.DeleteConfig, Name: "log.segment.bytes"}}); err != nil {
		t.Fatal(err)
	}
	check("after a delete", static)
}

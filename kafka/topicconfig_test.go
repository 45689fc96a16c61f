package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A topic setting whose name or value Kafka would refuse is refused with
// INVALID_CONFIG, on creation and on both kinds of change, and nothing
// is created or changed; kfake stored any value, and a topic created
// with max.message.bytes=x (a kafkajs createTopics) then refused every
// record. Valid values still go through.
func TestEmbeddedRefusesInvalidTopicConfigs(t *testing.T) {
	e, _ := startBroker(t)
	ctx := testCtx(t)
	cl := foreignClient(t, e)
	adm := kadm.NewClient(cl)

	for _, bad := range []map[string]*string{
		{"max.message.bytes": kmsg.StringPtr("x")},
		{"retention.ms": kmsg.StringPtr("abc")},
		{"retention.ms": kmsg.StringPtr("-5")},
		{"cleanup.policy": kmsg.StringPtr("bogus")},
		{"segment.bytes": kmsg.StringPtr("1"), "retention.ms": kmsg.StringPtr("1000")},
		{"min.cleanable.dirty.ratio": kmsg.StringPtr("2")},
		{"message.timestamp.type": kmsg.StringPtr("Now")},
		{"retention.msec": kmsg.StringPtr("1000")}, // a misspelt name, which kfake took
	} {
		resp, err := adm.CreateTopics(ctx, 1, 1, bad, "t-bad")
		if err != nil {
			t.Fatal(err)
		}
		r := resp["t-bad"]
		if !errors.Is(r.Err, kerr.InvalidConfig) || !strings.Contains(r.ErrMessage, "Invalid value") && !strings.Contains(r.ErrMessage, "Unknown topic config name: retention.msec") {
			var set []string
			for k, v := range bad {
				set = append(set, k+"="+*v)
			}
			t.Errorf("create with %v: %v (%q), want INVALID_CONFIG naming the value", set, r.Err, r.ErrMessage)
		}
	}
	topics, err := adm.ListTopics(ctx, "t-bad")
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("t-bad") {
		t.Fatal("a refused topic was created")
	}

	resp, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"retention.ms": kmsg.StringPtr("3600000"), "cleanup.policy": kmsg.StringPtr("compact,delete"), "max.message.bytes": kmsg.StringPtr("2000000")}, "t")
	if err != nil || resp["t"].Err != nil {
		t.Fatalf("valid settings: %v %v", err, resp["t"].Err)
	}
	alt, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kmsg.StringPtr("abc")}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(alt) != 1 || !errors.Is(alt[0].Err, kerr.InvalidConfig) {
		t.Errorf("incremental retention.ms=abc: %+v, want INVALID_CONFIG", alt)
	}
	alt, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.msec", Value: kmsg.StringPtr("1000")}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(alt) != 1 || !errors.Is(alt[0].Err, kerr.InvalidConfig) {
		t.Errorf("incremental retention.msec=1000: %+v, want INVALID_CONFIG", alt)
	}
	alt, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kmsg.StringPtr("7200000")}, {Name: "cleanup.policy", Value: kmsg.StringPtr("delete,nope")}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(alt) != 1 || !errors.Is(alt[0].Err, kerr.InvalidConfig) {
		t.Errorf("alter cleanup.policy=delete,nope: %+v, want INVALID_CONFIG", alt)
	}
	described, err := adm.DescribeTopicConfigs(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := described.On("t", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range rc.Configs {
		got[c.Key] = c.MaybeValue()
	}
	if got["retention.ms"] != "3600000" || got["cleanup.policy"] != "compact,delete" {
		t.Errorf("after refused changes: retention.ms=%q cleanup.policy=%q, want them unchanged", got["retention.ms"], got["cleanup.policy"])
	}
	alt, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kmsg.StringPtr("-1")}}, "t")
	if err != nil || len(alt) != 1 || alt[0].Err != nil {
		t.Fatalf("incremental retention.ms=-1: %+v %v", alt, err)
	}
	// A record fits the topic created with valid settings (a keyed
	// one: the topic compacts).
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Key: []byte("k"), Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

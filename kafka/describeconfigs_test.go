package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// DescribeConfigs of a topic lists topic settings only, each with the
// value the broker applies and where it comes from: kfake answered
// retention.ms 604800000 (DEFAULT_CONFIG) on a broker keeping records
// 24 h, segment.bytes 104857600 where segments are 8 MB, and listed
// log.retention.ms and log.segment.bytes among a topic's settings. A
// broker resource marks what eddy set at start as static. Every version
// kfake serves answers so.
func TestEmbeddedDescribesConfigsItApplies(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := testCtx(t)
	cl := foreignClient(t, e)
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopics(ctx, 1, 1, nil, "plain"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"retention.ms": kmsg.StringPtr("3600000"), "cleanup.policy": kmsg.StringPtr("compact,delete")}, "own"); err != nil {
		t.Fatal(err)
	}

	type want struct {
		value string
		src   kmsg.ConfigSource
	}
	check := func(what string, rc kadm.ResourceConfig, wants map[string]want) {
		t.Helper()
		if rc.Err != nil {
			t.Fatalf("%s: %v", what, rc.Err)
		}
		got := map[string]kadm.Config{}
		for _, c := range rc.Configs {
			got[c.Key] = c
			if what != "broker" && (strings.HasPrefix(c.Key, "log.") || c.Key == "message.max.bytes") {
				t.Errorf("%s: broker setting %s among a topic's", what, c.Key)
			}
		}
		for k, w := range wants {
			c, ok := got[k]
			if !ok {
				t.Errorf("%s: %s missing", what, k)
				continue
			}
			if c.MaybeValue() != w.value || c.Source != w.src {
				t.Errorf("%s: %s = %s (%v), want %s (%v)", what, k, c.MaybeValue(), c.Source, w.value, w.src)
			}
		}
	}
	static, dynTopic, def := kmsg.ConfigSourceStaticBrokerConfig, kmsg.ConfigSourceDynamicTopicConfig, kmsg.ConfigSourceDefaultConfig

	rcs, err := adm.DescribeTopicConfigs(ctx, "plain", "own")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := rcs.On("plain", nil)
	check("plain", plain, map[string]want{
		"retention.ms":      {"86400000", static},
		"segment.bytes":     {"8388608", static},
		"retention.bytes":   {"-1", def},
		"cleanup.policy":    {"delete", def},
		"max.message.bytes": {"1048588", def},
	})
	own, _ := rcs.On("own", nil)
	check("own", own, map[string]want{
		"retention.ms":   {"3600000", dynTopic},
		"cleanup.policy": {"compact,delete", dynTopic},
		"segment.bytes":  {"8388608", static},
	})
	for _, c := range own.Configs {
		if c.Key == "retention.ms" {
			if len(c.Synonyms) != 3 || c.Synonyms[1].Key != "log.retention.ms" || c.Synonyms[1].Value == nil || *c.Synonyms[1].Value != "86400000" || c.Synonyms[1].Source != static {
				t.Errorf("own: retention.ms synonyms %+v, want the topic's, the broker's static log.retention.ms=86400000, the default", c.Synonyms)
			}
		}
	}

	brs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(brs) != 1 {
		t.Fatalf("broker resources: %+v", brs)
	}
	check("broker", brs[0], map[string]want{
		"log.retention.ms":             {"86400000", static},
		"log.segment.bytes":            {"8388608", static},
		"num.partitions":               {"1", static},
		"group.min.session.timeout.ms": {"1000", static},
		"default.replication.factor":   {"1", static},
		"sasl.enabled.mechanisms":      {"GSSAPI", static},
	})

	// A broker setting changed since start applies to topics without
	// their own.
	if _, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.retention.ms", Value: kmsg.StringPtr("7200000")}}); err != nil {
		t.Fatal(err)
	}
	rcs, err = adm.DescribeTopicConfigs(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	check("plain after broker change", rcs[0], map[string]want{"retention.ms": {"7200000", kmsg.ConfigSourceDynamicBrokerConfig}})
	if _, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "log.retention.ms"}}); err != nil {
		t.Fatal(err)
	}
	rcs, err = adm.DescribeTopicConfigs(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	// Deleting it reverts to the static value, as in Kafka.
	check("plain after broker delete", rcs[0], map[string]want{"retention.ms": {"86400000", static}})

	for v := int16(0); v <= 4; v++ {
		versions := kversion.Stable()
		versions.SetMaxKeyVersion(int16(kmsg.DescribeConfigs), v)
		vcl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.MaxVersions(versions))
		if err != nil {
			t.Fatal(err)
		}
		req := kmsg.NewPtrDescribeConfigsRequest()
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, "plain"
		rr.ConfigNames = []string{"segment.bytes"}
		req.Resources = append(req.Resources, rr)
		resp, err := req.RequestWith(ctx, vcl)
		vcl.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Resources) != 1 || len(resp.Resources[0].Configs) != 1 {
			t.Fatalf("v%d: %+v, want segment.bytes alone", v, resp.Resources)
		}
		c := resp.Resources[0].Configs[0]
		if c.Name != "segment.bytes" || c.Value == nil || *c.Value != "8388608" {
			t.Errorf("v%d: %s = %v , want 8388608", v, c.Name, c.Value)
		}
		if v >= 1 && c.Source != static {
			t.Errorf("v%d: segment.bytes source %v, want STATIC_BROKER_CONFIG", v, c.Source)
		}
	}
}

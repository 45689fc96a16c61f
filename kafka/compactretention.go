package kafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// keepCompacted gives each topic a CreateTopics request makes with
// cleanup.policy=compact alone, and no retention.ms of its own, the
// setting retention.ms=-1. In Kafka retention deletes records only of
// topics whose policy includes delete, but kfake applies retention.ms
// (else log.retention.ms) to every topic: state changelogs, table topics
// and _schemas lost the keys not written for a week (at once for
// records stamped weeks ago, a replay of old events), and with them the
// state a restart restores. The request goes on to kfake, changed.
func keepCompacted(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreateTopicsRequest)
		if !ok {
			return nil, nil, false
		}
		for i := range r.Topics {
			t := &r.Topics[i]
			compactOnly, hasRetention := false, false
			for _, cfg := range t.Configs {
				switch cfg.Name {
				case "cleanup.policy":
					compactOnly = cfg.Value != nil && isCompactOnly(*cfg.Value)
				case "retention.ms":
					hasRetention = true
				}
			}
			if compactOnly && !hasRetention {
				cfg := kmsg.NewCreateTopicsRequestTopicConfig()
				cfg.Name = "retention.ms"
				v := "-1"
				cfg.Value = &v
				t.Configs = append(t.Configs, cfg)
			}
		}
		return nil, nil, false
	}
}

// isCompactOnly tells whether a cleanup.policy compacts without deleting.
func isCompactOnly(policy string) bool {
	compact := false
	for _, p := range strings.Split(policy, ",") {
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "compact":
			compact = true
		case "delete":
			return false
		}
	}
	return compact
}

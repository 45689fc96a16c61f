package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
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
func keepCompacted() func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreateTopicsRequest)
		if !ok {
			return nil, nil, false
		}
		for i := range r.Topics {
			t := &r.Topics[i]
			var policy *string
			hasRetention := false
			for _, cfg := range t.Configs {
				switch cfg.Name {
				case "cleanup.policy":
					policy = cfg.Value
				case "retention.ms":
					hasRetention = true
				}
			}
			if keptForever(policy, hasRetention) {
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

// keptForever tells whether a topic of this cleanup.policy (nil: not
// set) and no retention.ms of its own (hasRetention false) is to get
// retention.ms=-1: it compacts without deleting.
func keptForever(policy *string, hasRetention bool) bool {
	return policy != nil && isCompactOnly(*policy) && !hasRetention
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

// keepCompactedTopics gives the compacted topics already in dataDir that
// keepCompacted did not see created (made before it existed) the same
// retention.ms=-1, through an IncrementalAlterConfigs request to the
// broker at addr, so that a data directory from an earlier eddy stops
// losing its changelogs' and tables' old keys at the next cleaning pass.
func keepCompactedTopics(ctx context.Context, c *kfake.Cluster, addr string, sec Security, dataDir string) error {
	dirs, err := partitionDirs(dataDir)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[d.topic] {
			continue
		}
		seen[d.topic] = true
		ti := c.TopicInfo(d.topic)
		if ti == nil {
			continue
		}
		if !keptForever(ti.Configs["cleanup.policy"], ti.Configs["retention.ms"] != nil) {
			continue
		}
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, d.topic
		cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Op = "retention.ms", kmsg.IncrementalAlterConfigOpSet
		v := "-1"
		cfg.Value = &v
		r.Configs = append(r.Configs, cfg)
		req.Resources = append(req.Resources, r)
	}
	if len(req.Resources) == 0 {
		return nil
	}
	cl, err := sec.brokerClient(addr)
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			errs = append(errs, fmt.Errorf("set retention.ms=-1 on compacted topic %s: %w", r.ResourceName, err))
		}
	}
	return errors.Join(errs...)
}

package kafka

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// keepStartSettings makes eddy's start settings of the broker (start:
// log.retention.ms from --kafka-retention, log.segment.bytes) behave as
// Kafka's static ones (server.properties) do. kfake holds them among the
// broker's dynamic settings, so a non-incremental AlterConfigs of the
// broker (kafkajs's admin.alterConfigs, kadm's AlterBrokerConfigsState)
// dropped them until the next restart, and an IncrementalAlterConfigs
// DELETE of one took it to kfake's default (7 days of retention, 100 MB
// segments). In Kafka a replace changes the dynamic settings only and a
// DELETE reverts a setting to its static value: here a replace that
// omits a start setting (or gives it no value) gets it added with its
// start value, and a DELETE of one becomes a SET of its start value.
func keepStartSettings(c *kfake.Cluster, start map[string]string) func(kmsg.Request) (kmsg.Response, error, bool) {
	names := slices.Sorted(maps.Keys(start))
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		switch r := req.(type) {
		case *kmsg.AlterConfigsRequest:
			for i := range r.Resources {
				rr := &r.Resources[i]
				if rr.ResourceType != kmsg.ConfigResourceTypeBroker {
					continue
				}
				given := map[string]bool{}
				for j := range rr.Configs {
					rc := &rr.Configs[j]
					if v, ok := start[rc.Name]; ok && rc.Value == nil {
						rc.Value = &v
					}
					given[rc.Name] = true
				}
				for _, name := range names {
					if !given[name] {
						rc := kmsg.NewAlterConfigsRequestResourceConfig()
						v := start[name]
						rc.Name, rc.Value = name, &v
						rr.Configs = append(rr.Configs, rc)
					}
				}
			}
		case *kmsg.IncrementalAlterConfigsRequest:
			for i := range r.Resources {
				rr := &r.Resources[i]
				if rr.ResourceType != kmsg.ConfigResourceTypeBroker {
					continue
				}
				for j := range rr.Configs {
					rc := &rr.Configs[j]
					if v, ok := start[rc.Name]; ok && rc.Op == kmsg.IncrementalAlterConfigOpDelete {
						rc.Op, rc.Value = kmsg.IncrementalAlterConfigOpSet, &v
					}
				}
			}
		}
		return nil, nil, false // kfake applies the request so changed
	}
}

package kafka

import (
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// refuseUnchangedPartitionCounts makes a CreatePartitions request that
// asks a topic for the partitions it already has fail with
// INVALID_PARTITIONS, as Apache Kafka's controller answers it ("Topic
// already has 2 partition(s)."): kfake counted it a success that added
// nothing, so kafkajs' admin.createPartitions or kadm's UpdatePartitions
// of an unchanged count reported a change that did not happen. Such a
// topic's count is set to 0 in the request, which kfake refuses as too
// small after its authorization check, so the other topics of the
// request are still answered by kfake.
func refuseUnchangedPartitionCounts(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreatePartitionsRequest)
		if !ok {
			return nil, nil, false
		}
		for i := range r.Topics {
			rt := &r.Topics[i]
			if rt.Count <= 0 {
				continue
			}
			if n := len(c.PartitionInfos(rt.Topic)); n > 0 && int32(n) == rt.Count {
				rt.Count = 0
			}
		}
		return nil, nil, false
	}
}

package kafka

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxPartitionsPerRequest is the most partitions one CreateTopics or
// CreatePartitions request may ask for, as Apache Kafka's controller
// allows since KAFKA-17870. kfake builds every partition it is asked
// for at once, so without the bound one statement such as
// `CREATE STREAM … WITH (PARTITIONS=100000000)` grew the server by
// gigabytes and stalled every client of the broker.
const maxPartitionsPerRequest = 10_000

// excessivePartitions is Kafka's message for such a request.
const excessivePartitions = "Excessively large number of partitions per request."

// limitPartitions refuses, with POLICY_VIOLATION on every topic as Kafka
// does, CreateTopics requests for more than maxPartitionsPerRequest
// partitions in all, and CreatePartitions requests whose topics would
// have more than that in all (kfake's request loop cannot look up how
// many they have already, so the new totals are counted). Any other
// request goes on to kfake.
func limitPartitions(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		msg := excessivePartitions
		switch r := req.(type) {
		case *kmsg.CreateTopicsRequest:
			total := 0
			for _, t := range r.Topics {
				if len(t.ReplicaAssignment) > 0 {
					total += len(t.ReplicaAssignment)
				} else {
					total += max(int(t.NumPartitions), 0) // -1: the broker's default
				}
			}
			if total <= maxPartitionsPerRequest {
				return nil, nil, false
			}
			resp := r.ResponseKind().(*kmsg.CreateTopicsResponse)
			for _, t := range r.Topics {
				rt := kmsg.NewCreateTopicsResponseTopic()
				rt.Topic = t.Topic
				rt.ErrorCode = kerr.PolicyViolation.Code
				rt.ErrorMessage = &msg
				rt.NumPartitions, rt.ReplicationFactor = -1, -1
				resp.Topics = append(resp.Topics, rt)
			}
			c.KeepControl() // a handled control is dropped otherwise
			return resp, nil, true
		case *kmsg.CreatePartitionsRequest:
			total := 0
			for _, t := range r.Topics {
				total += max(int(t.Count), 0)
			}
			if total <= maxPartitionsPerRequest {
				return nil, nil, false
			}
			resp := r.ResponseKind().(*kmsg.CreatePartitionsResponse)
			for _, t := range r.Topics {
				rt := kmsg.NewCreatePartitionsResponseTopic()
				rt.Topic = t.Topic
				rt.ErrorCode = kerr.PolicyViolation.Code
				rt.ErrorMessage = &msg
				resp.Topics = append(resp.Topics, rt)
			}
			c.KeepControl()
			return resp, nil, true
		}
		return nil, nil, false
	}
}

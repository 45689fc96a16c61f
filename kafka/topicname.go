package kafka

import (
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxTopicName is the longest topic name Kafka accepts.
const maxTopicName = 249

// checkTopicName applies Kafka's rules for a topic name, with its
// messages: not empty, not "." or "..", at most 249 characters of ASCII
// letters, digits, '.', '_' and '-'.
func checkTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("Topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return fmt.Errorf("Topic name cannot be \".\" or \"..\"")
	case len(name) > maxTopicName:
		return fmt.Errorf("Topic name is illegal, it can't be longer than %d characters, topic name: %s", maxTopicName, name)
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

// refuseInvalidTopicNames answers a CreateTopics request naming a topic
// Kafka would refuse (kfake creates any name): each such topic gets
// INVALID_TOPIC_EXCEPTION with Kafka's message. A control cannot hand
// kfake part of a request, so the request's valid topics, if any, are
// refused as INVALID_REQUEST, nothing being created; one topic a request
// is what eddy and most tools send.
func refuseInvalidTopicNames(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreateTopicsRequest)
		if !ok {
			return nil, nil, false
		}
		bad := make([]error, len(r.Topics))
		refused := false
		for i, t := range r.Topics {
			if bad[i] = checkTopicName(t.Topic); bad[i] != nil {
				refused = true
			}
		}
		if !refused {
			return nil, nil, false
		}
		resp := refusedCreateTopics(r, func(i int) (string, int16) {
			if bad[i] != nil {
				return bad[i].Error(), kerr.InvalidTopicException.Code
			}
			return "Another topic of the request has an invalid name: no topic was created.", kerr.InvalidRequest.Code
		})
		c.KeepControl() // a handled control is dropped otherwise
		return resp, nil, true
	}
}

// refusedCreateTopics answers a CreateTopics that creates nothing: each
// topic with the message and error code answer gives topic i.
func refusedCreateTopics(r *kmsg.CreateTopicsRequest, answer func(i int) (msg string, code int16)) *kmsg.CreateTopicsResponse {
	resp := r.ResponseKind().(*kmsg.CreateTopicsResponse)
	for i, t := range r.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		rt.NumPartitions, rt.ReplicationFactor = -1, -1
		msg, code := answer(i)
		rt.ErrorCode, rt.ErrorMessage = code, &msg
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// invalidReplicationFactor is Kafka's message for a replication factor
// of 0 or below -1.
const invalidReplicationFactor = "Replication factor must be larger than 0, or -1 to use the default value."

// refuseInvalidReplicationFactors answers a CreateTopics request giving
// a topic a replication factor of 0 (or below -1) as Kafka does:
// INVALID_REPLICATION_FACTOR. kfake created the topic, so a Go service
// that left sarama.TopicDetail's or kafka-go's TopicConfig's
// ReplicationFactor at its zero value worked against eddy and failed
// against Kafka. As for names, the request's other topics are refused
// as INVALID_REQUEST.
func refuseInvalidReplicationFactors(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreateTopicsRequest)
		if !ok {
			return nil, nil, false
		}
		bad := func(t kmsg.CreateTopicsRequestTopic) bool {
			// With a manual assignment kfake answers INVALID_REQUEST
			// unless the factor is -1, as Kafka does.
			return len(t.ReplicaAssignment) == 0 && (t.ReplicationFactor == 0 || t.ReplicationFactor < -1)
		}
		if !slices.ContainsFunc(r.Topics, bad) {
			return nil, nil, false
		}
		resp := refusedCreateTopics(r, func(i int) (string, int16) {
			if bad(r.Topics[i]) {
				return invalidReplicationFactor, kerr.InvalidReplicationFactor.Code
			}
			return "Another topic of the request has an invalid replication factor: no topic was created.", kerr.InvalidRequest.Code
		})
		c.KeepControl() // a handled control is dropped otherwise
		return resp, nil, true
	}
}

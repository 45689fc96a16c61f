package kafka

import (
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// unknownGroupOffsets answers an OffsetFetch of groups the broker does
// not know as Kafka does: every partition asked for at offset -1, no
// error (and no topics when all were asked for). kfake answers
// GROUP_ID_NOT_FOUND, which Kafka's clients do not expect there: kafkajs's
// admin.fetchOffsets throws on a group that never committed, Java's
// AdminClient.listConsumerGroupOffsets fails, and a Java consumer that
// assigns its partitions and asks for its group's committed offsets
// fails with "Unexpected error in fetch offset response". A request
// naming groups the broker knows, even alongside unknown ones (v8+
// batches them), is left to kfake.
func unknownGroupOffsets(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r, ok := req.(*kmsg.OffsetFetchRequest)
		if !ok {
			return nil, nil, false
		}
		groups := []string{r.Group}
		if r.Version >= 8 {
			groups = groups[:0]
			for _, g := range r.Groups {
				groups = append(groups, g.Group)
			}
		}
		if len(groups) == 0 {
			return nil, nil, false
		}
		for _, g := range groups {
			// An empty name is kfake's to judge; GroupInfo runs on
			// the broker's loop, which serves it while a control runs.
			if g == "" || c.GroupInfo(g) != nil {
				return nil, nil, false
			}
		}
		resp := r.ResponseKind().(*kmsg.OffsetFetchResponse)
		if r.Version <= 7 {
			for _, t := range r.Topics {
				st := kmsg.NewOffsetFetchResponseTopic()
				st.Topic = t.Topic
				for _, p := range t.Partitions {
					sp := kmsg.NewOffsetFetchResponseTopicPartition()
					sp.Partition = p
					sp.Offset, sp.LeaderEpoch = -1, -1
					st.Partitions = append(st.Partitions, sp)
				}
				resp.Topics = append(resp.Topics, st)
			}
			return resp, nil, true
		}
		for _, rg := range r.Groups {
			sg := kmsg.NewOffsetFetchResponseGroup()
			sg.Group = rg.Group
			for _, t := range rg.Topics {
				st := kmsg.NewOffsetFetchResponseGroupTopic()
				st.Topic, st.TopicID = t.Topic, t.TopicID
				for _, p := range t.Partitions {
					sp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
					sp.Partition = p
					sp.Offset, sp.LeaderEpoch = -1, -1
					st.Partitions = append(st.Partitions, sp)
				}
				sg.Topics = append(sg.Topics, st)
			}
			resp.Groups = append(resp.Groups, sg)
		}
		return resp, nil, true
	}
}

package kafka

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// unknownGroupOffsets answers an OffsetFetch of groups the broker does
// not know as Kafka does: every partition asked for at offset -1, no
// error (and no topics when all were asked for). kfake answers
// GROUP_ID_NOT_FOUND, which Kafka's clients do not expect there: kafkajs's
// admin.fetchOffsets throws on a group that never committed, Java's
// AdminClient.listConsumerGroupOffsets fails, and a Java consumer that
// assigns its partitions and asks for its group's committed offsets
// fails with "Unexpected error in fetch offset response".
//
// A request (v8+) batching known groups with unknown ones gets kfake's
// answer for the known ones: a control cannot change kfake's answer to
// the request it controls, so it asks kfake for the known groups in a
// request of its own over cl (while the request it controls sleeps) and
// answers the unknown ones itself. That request goes at cl's version
// (v10, by topic ID), whatever the client's, so it names each topic both
// ways from the broker's own topics.
func unknownGroupOffsets(c *kfake.Cluster, cl *kgo.Client, logf func(string, ...any)) func(kmsg.Request) (kmsg.Response, error, bool) {
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
		unknown := map[string]bool{}
		for _, g := range groups {
			// An empty name is kfake's to judge; GroupInfo runs on
			// the broker's loop, which serves it while a control runs.
			if g == "" {
				return nil, nil, false
			}
			if c.GroupInfo(g) == nil {
				unknown[g] = true
			}
		}
		if len(unknown) == 0 {
			return nil, nil, false
		}
		if len(unknown) < len(groups) {
			return knownAndUnknownGroups(c, cl, r, unknown, logf)
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
			resp.Groups = append(resp.Groups, unknownGroup(rg))
		}
		return resp, nil, true
	}
}

// unknownGroup is Kafka's answer for group rg it does not know.
func unknownGroup(rg kmsg.OffsetFetchRequestGroup) kmsg.OffsetFetchResponseGroup {
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
	return sg
}

// knownAndUnknownGroups answers r (v8+), whose groups not in unknown the
// broker knows: those with kfake's answer to a request of cl's naming
// only them, the others (and any kfake no longer knows by then) as
// unknownGroup. When cl's request fails or its answer does not match
// the request, kfake answers r.
func knownAndUnknownGroups(c *kfake.Cluster, cl *kgo.Client, r *kmsg.OffsetFetchRequest, unknown map[string]bool, logf func(string, ...any)) (kmsg.Response, error, bool) {
	own := kmsg.NewPtrOffsetFetchRequest()
	own.RequireStable = r.RequireStable
	for _, rg := range r.Groups {
		if unknown[rg.Group] {
			continue
		}
		rg.Topics = slices.Clone(rg.Topics)
		for i := range rg.Topics {
			t := &rg.Topics[i]
			// TopicInfo and TopicIDInfo run on the broker's loop,
			// which serves them while a control runs.
			if t.Topic != "" {
				if ti := c.TopicInfo(t.Topic); ti != nil {
					t.TopicID = ti.TopicID
				}
			} else if ti := c.TopicIDInfo(t.TopicID); ti != nil {
				t.Topic = ti.Topic
			}
		}
		own.Groups = append(own.Groups, rg)
	}
	node := c.CurrentNode()
	answer := make(chan *kmsg.OffsetFetchResponse, 1)
	failed := make(chan error, 1)
	c.SleepControl(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		defer cancel()
		resp, err := own.RequestWith(ctx, cl.Broker(int(node)))
		if err != nil {
			failed <- err
			return
		}
		answer <- resp
	})
	var got *kmsg.OffsetFetchResponse
	select {
	case got = <-answer:
	case err := <-failed:
		logf("embedded broker: offset fetch: ask the known groups' offsets: %v (answering kfake's)", err)
		return nil, nil, false
	default:
		return nil, nil, false // the broker is closing
	}
	if len(got.Groups) != len(own.Groups) {
		return nil, nil, false
	}
	resp := r.ResponseKind().(*kmsg.OffsetFetchResponse)
	k := 0
	for _, rg := range r.Groups {
		if unknown[rg.Group] {
			resp.Groups = append(resp.Groups, unknownGroup(rg))
			continue
		}
		asked, sg := own.Groups[k], got.Groups[k]
		k++
		if sg.Group != rg.Group || rg.Topics != nil && len(sg.Topics) != len(asked.Topics) {
			return nil, nil, false
		}
		if sg.ErrorCode == kerr.GroupIDNotFound.Code {
			resp.Groups = append(resp.Groups, unknownGroup(rg)) // deleted meanwhile
			continue
		}
		sg.Topics = slices.Clone(sg.Topics)
		topics := sg.Topics[:0]
		for i, t := range sg.Topics {
			if rg.Topics != nil {
				// kfake answers the topics asked, in order.
				t.Topic, t.TopicID = rg.Topics[i].Topic, rg.Topics[i].TopicID
				if t.Topic == "" {
					t.Topic = asked.Topics[i].Topic
				}
				if t.TopicID == ([16]byte{}) {
					t.TopicID = asked.Topics[i].TopicID
				}
			} else if ti := c.TopicIDInfo(t.TopicID); ti != nil {
				t.Topic = ti.Topic // v10 answers by ID only
			} else {
				continue // a committed topic deleted since: no name left
			}
			topics = append(topics, t)
		}
		sg.Topics = topics
		resp.Groups = append(resp.Groups, sg)
	}
	return resp, nil, true
}

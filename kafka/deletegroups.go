package kafka

import (
	"context"
	"slices"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kfake deletes a group (DeleteGroups) from memory only: its groups.log
// keeps the group's committed offsets, which a clean stop rewrites from
// what is live but a kill -9 leaves, so the next start brought the group
// back with every offset it had committed (a group deleted to consume a
// topic again from the start resumed where it was, and eddy's deleted
// query groups came back). OffsetDelete is logged: before kfake deletes
// a group nobody is in, its committed offsets are deleted that way, so a
// start after a kill finds none.

// forgetDeletedGroupOffsets deletes, through cl, the committed offsets of
// each group a DeleteGroups names that has no members, then leaves the
// request to kfake.
func forgetDeletedGroupOffsets(c *kfake.Cluster, cl *kgo.Client, logf func(string, ...any)) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r, ok := req.(*kmsg.DeleteGroupsRequest)
		if !ok || len(r.Groups) == 0 {
			return nil, nil, false
		}
		groups := slices.Clone(r.Groups)
		// The offsets are deleted by requests the broker serves while
		// this one sleeps (they come on cl's connections, not its own).
		c.SleepControl(func() {
			for _, g := range groups {
				if err := deleteGroupOffsets(c, cl, g); err != nil && logf != nil {
					logf("kafka: delete group %s: deleting its committed offsets first: %v", g, err)
				}
			}
		})
		return nil, nil, false // kfake deletes the group
	}
}

// deleteGroupOffsets deletes group's committed offsets if it has no
// members (a group with members is not deleted: kfake refuses it).
func deleteGroupOffsets(c *kfake.Cluster, cl *kgo.Client, group string) error {
	info := c.GroupInfo(group)
	if info == nil || len(info.Members) > 0 || len(info.Commits) == 0 {
		return nil
	}
	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = group
	topics := make([]string, 0, len(info.Commits))
	for t := range info.Commits {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		rt := kmsg.NewOffsetDeleteRequestTopic()
		rt.Topic = t
		for p := range info.Commits[t] {
			rp := kmsg.NewOffsetDeleteRequestTopicPartition()
			rp.Partition = p
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return err
			}
		}
	}
	return nil
}

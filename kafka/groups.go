package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
)

// GroupMember is one member of a consumer group as the group coordinator
// sees it: the client id it joined with and the partitions assigned to it.
type GroupMember struct {
	ClientID   string
	ClientHost string
	// Assigned is the member's partitions by topic (empty while the
	// group rebalances).
	Assigned map[string][]int32
}

// GroupMembers describes consumer groups: the members of each by group
// name. A group nobody is in (or that never existed) has no members.
func (c *Client) GroupMembers(ctx context.Context, groups ...string) (map[string][]GroupMember, error) {
	out := make(map[string][]GroupMember, len(groups))
	if len(groups) == 0 {
		return out, nil
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	described, err := c.adm.DescribeGroups(ctx, groups...)
	if err != nil {
		return nil, fmt.Errorf("describe groups %v: %w", groups, err)
	}
	for _, g := range described {
		if errors.Is(g.Err, kerr.GroupIDNotFound) {
			continue // nobody has joined it yet
		}
		if g.Err != nil {
			return nil, fmt.Errorf("describe group %s: %w", g.Group, g.Err)
		}
		members := make([]GroupMember, 0, len(g.Members))
		for _, m := range g.Members {
			gm := GroupMember{ClientID: m.ClientID, ClientHost: m.ClientHost, Assigned: map[string][]int32{}}
			if a, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range a.Topics {
					gm.Assigned[t.Topic] = slices.Sorted(slices.Values(t.Partitions))
				}
			}
			members = append(members, gm)
		}
		out[g.Group] = members
	}
	return out, nil
}

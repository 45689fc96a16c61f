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

// ErrNonEmptyGroup is returned (wrapped) by DeleteGroup while the group
// still has members.
var ErrNonEmptyGroup = errors.New("group has members")

// DeleteGroup deletes a consumer group nobody is in, with its committed
// offsets, as ksqlDB deletes a terminated query's group. A group that
// does not exist (never joined, or already deleted) is not an error.
func (c *Client) DeleteGroup(ctx context.Context, group string) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	_, err := c.adm.DeleteGroup(ctx, group)
	switch {
	case err == nil, errors.Is(err, kerr.GroupIDNotFound):
		return nil
	case errors.Is(err, kerr.NonEmptyGroup):
		return fmt.Errorf("delete group %s: %w", group, ErrNonEmptyGroup)
	}
	return fmt.Errorf("delete group %s: %w", group, err)
}

// DeleteGroup forgets a group's committed offsets (the in-memory cluster
// keeps no members once a query has stopped).
func (m *MemCluster) DeleteGroup(_ context.Context, group string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.groups, group)
	return nil
}

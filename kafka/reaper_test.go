package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDeadJoinerLeavesItsGroup: a consumer dies (kill -9) while it waits
// in a rebalance's JoinGroup. kfake answers the dead connection at random
// (its reply races the connection's close); when the answer is lost the
// member never gets a session timer, and if the living member leads the
// group, the dead one keeps the partition it is assigned for good: a
// kill -9 test's query stalled on it. The embedded broker removes such
// a member once it has been silent for a session in a settled group, so
// the living member ends with every partition. Eight groups at once
// make the lost answer near certain in at least one.
func TestDeadJoinerLeavesItsGroup(t *testing.T) {
	e, _, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2, Replicas: 1})
	const groups = 8
	var wg sync.WaitGroup
	for g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := deadJoiner(ctx, e.Addr(), fmt.Sprintf("g%d", g)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// deadJoiner runs the scenario in one group: a living consumer owning
// both partitions, a second member that joins and dies while waiting,
// and then the check that the living one owns both again.
func deadJoiner(ctx context.Context, addr, group string) error {
	live, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics("t"),
		kgo.HeartbeatInterval(300*time.Millisecond), kgo.SessionTimeout(time.Second), kgo.RebalanceTimeout(2*time.Second),
		kgo.Balancers(kgo.RangeBalancer()))
	if err != nil {
		return err
	}
	defer live.Close()
	go func() {
		for !live.PollFetches(ctx).IsClientClosed() {
		}
	}()
	adm := kadm.NewClient(live)
	owned := func() (int, int) {
		gs, err := adm.DescribeGroups(ctx, group)
		if err != nil || gs[group].State != "Stable" {
			return -1, -1
		}
		g := gs[group]
		parts := 0
		for _, m := range g.Members {
			if a, _ := m.Assigned.AsConsumer(); a != nil {
				for _, tp := range a.Topics {
					parts += len(tp.Partitions)
				}
			}
		}
		return len(g.Members), parts
	}
	settled := func(within time.Duration) error {
		var members, parts int
		for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if members, parts = owned(); members == 1 && parts == 2 {
				return nil
			}
		}
		return fmt.Errorf("group %s: %d members, %d partitions assigned after %s; want the living member alone with both", group, members, parts, within)
	}
	if err := settled(10 * time.Second); err != nil {
		return err
	}
	dying, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	meta := (&kmsg.ConsumerMemberMetadata{Topics: []string{"t"}}).AppendTo(nil)
	join := func(member string) (*kmsg.JoinGroupResponse, error) {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group, req.MemberID, req.ProtocolType = group, member, "consumer"
		req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 1000, 2000
		req.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: meta}}
		return req.RequestWith(ctx, dying)
	}
	first, err := join("") // answered MEMBER_ID_REQUIRED with its id
	if err != nil {
		dying.Close()
		return err
	}
	go join(first.MemberID) // waits for the living member to rejoin
	time.Sleep(100 * time.Millisecond)
	dying.Close()
	return settled(20 * time.Second)
}

// TestReaperLeaveReportsOnlyARemoval: the reaper reports a member removed
// only when the group removed it; a member the group no longer knows (it
// expired the member itself in the meantime) is not reported as removed.
func TestReaperLeaveReportsOnlyARemoval(t *testing.T) {
	e, _, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 1, Replicas: 1})
	member, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	go func() {
		for !member.PollFetches(ctx).IsClientClosed() {
		}
	}()
	var id string
	for deadline := time.Now().Add(10 * time.Second); id == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the consumer never joined its group")
		}
		id, _ = member.GroupMetadata()
	}
	leave := func(memberID string) bool {
		req := kmsg.NewPtrLeaveGroupRequest()
		req.Group = "g"
		m := kmsg.NewLeaveGroupRequestMember()
		m.MemberID = memberID
		req.Members = []kmsg.LeaveGroupRequestMember{m}
		return e.reaper.leave(ctx, req)
	}
	if leave("no-such-member") {
		t.Error("a member the group does not know was reported removed")
	}
	if !leave(id) {
		t.Errorf("the group's member %s was not reported removed", id)
	}
}

package kafka

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The member children's session and rebalance timeouts: eddy's 10 s and
// 20 s scaled down.
const (
	childSession   = 2 * time.Second
	childRebalance = 4 * time.Second
)

// TestGroupMemberChild is not a test: it is the process that
// startChildMember starts, a committing subscriber of a group that is
// killed with SIGKILL.
func TestGroupMemberChild(t *testing.T) {
	addr := os.Getenv("EDDY_KAFKA_MEMBER_ADDR")
	if addr == "" {
		t.Skip("helper process of the dead member tests")
	}
	ctx := context.Background()
	c, err := Dial(ctx, Config{Brokers: []string{addr}, ClientID: os.Getenv("EDDY_KAFKA_MEMBER_CLIENT")})
	if err != nil {
		fmt.Println("FAIL", err)
		return
	}
	_, err = c.Subscribe(ctx, SubscribeOptions{
		Group: os.Getenv("EDDY_KAFKA_MEMBER_GROUP"), Topics: []string{"t"}, Reset: Latest,
		SessionTimeout: childSession, RebalanceTimeout: childRebalance,
		InstanceID: os.Getenv("EDDY_KAFKA_MEMBER_INSTANCE"),
		OnAssigned: func() { fmt.Println("ASSIGNED") },
	}, func(context.Context, []Record) error { return nil })
	if err != nil {
		fmt.Println("FAIL", err)
		return
	}
	fmt.Println("READY")
	select {}
}

// startChildMember starts a child process subscribing to group as
// clientID and returns its kill -9.
func startChildMember(t *testing.T, addr, group, clientID string) (kill func()) {
	t.Helper()
	return startChildMemberEnv(t, addr, group, clientID)
}

// startChildMemberEnv is startChildMember with more of the child's
// environment (EDDY_KAFKA_MEMBER_INSTANCE=id makes it a static member).
func startChildMemberEnv(t *testing.T, addr, group, clientID string, env ...string) (kill func()) {
	t.Helper()
	env = append([]string{"EDDY_KAFKA_MEMBER_ADDR=" + addr, "EDDY_KAFKA_MEMBER_GROUP=" + group, "EDDY_KAFKA_MEMBER_CLIENT=" + clientID}, env...)
	line, kill := startChild(t, "TestGroupMemberChild", func(l string) bool { return l == "READY" || strings.HasPrefix(l, "FAIL") }, env...)
	if line != "READY" {
		t.Fatalf("member %s did not start: %q", clientID, line)
	}
	return kill
}

// idleMember joins group on topic t through c with the children's
// session and rebalance timeouts, handling nothing, until the test ends.
func idleMember(t *testing.T, ctx context.Context, c *Client, group string) {
	t.Helper()
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: group, Topics: []string{"t"}, Reset: Latest,
		SessionTimeout: childSession, RebalanceTimeout: childRebalance},
		func(context.Context, []Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
}

// adminOf is an admin client of e, closed when the test ends.
func adminOf(t *testing.T, e *Embedded) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// groupView describes group: its state and member ids by client id.
func groupView(ctx context.Context, adm *kadm.Client, group string) (state string, members map[string]string) {
	gs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return "error: " + err.Error(), nil
	}
	g := gs[group]
	members = map[string]string{}
	for _, m := range g.Members {
		members[m.ClientID] = m.MemberID
	}
	return g.State, members
}

// deadMemberCase kills a member when the broker receives one of its
// requests.
type deadMemberCase struct {
	name string
	// bFirst makes B the group's first member (its leader); else A is.
	bFirst bool
	// key is the request of the victim that kills it.
	key kmsg.Key
	// victimC kills the new member C (its first JoinGroup with its
	// id) rather than B.
	victimC bool
	// after delays the kill past the request's arrival, so the request
	// waits in the broker when its sender dies.
	after time.Duration
}

func runDeadMember(t *testing.T, tc deadMemberCase) (gone time.Duration, ok bool) {
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 1, Replicas: 1})
	const group = "g"
	adm := adminOf(t, e)
	waitMembers := func(n int) map[string]string {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if st, ms := groupView(ctx, adm, group); st == "Stable" && len(ms) == n {
				return ms
			}
		}
		t.Fatalf("group never stable with %d members", n)
		return nil
	}
	startA := func() { idleMember(t, ctx, c, group) }
	var killB func()
	if tc.bFirst {
		killB = startChildMember(t, e.Addr(), group, "member-b")
		waitMembers(1)
		startA()
	} else {
		startA()
		waitMembers(1)
		killB = startChildMember(t, e.Addr(), group, "member-b")
	}
	ms := waitMembers(2)
	bID := ms["member-b"]
	known := map[string]bool{}
	for _, id := range ms {
		known[id] = true
	}
	var (
		mu       sync.Mutex
		victimID string
		killC    func()
		killed   = make(chan time.Time, 1)
	)
	kill := func(id string, k func()) {
		if tc.after > 0 {
			go func() {
				time.Sleep(tc.after)
				k()
				killed <- time.Now()
			}()
			victimID = id
			return
		}
		k()
		victimID = id
		killed <- time.Now()
	}
	e.c.ControlKey(int16(tc.key), func(req kmsg.Request) (kmsg.Response, error, bool) {
		e.c.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		if victimID != "" {
			return nil, nil, false
		}
		var member string
		switch req := req.(type) {
		case *kmsg.JoinGroupRequest:
			member = req.MemberID
		case *kmsg.SyncGroupRequest:
			member = req.MemberID
		case *kmsg.HeartbeatRequest:
			member = req.MemberID
		}
		switch {
		case tc.victimC && member != "" && !known[member] && killC != nil:
			kill(member, killC)
		case tc.victimC && member != "" && !known[member]:
			t.Log("C joined before it was ready: killed late")
			victimID = member
			go func() {
				for {
					mu.Lock()
					k := killC
					mu.Unlock()
					if k != nil {
						k()
						killed <- time.Now()
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
			}()
		case !tc.victimC && member == bID:
			kill(member, killB)
		}
		return nil, nil, false
	})
	if tc.key != kmsg.Heartbeat || tc.victimC {
		k := startChildMember(t, e.Addr(), group, "member-c")
		mu.Lock()
		killC = k
		mu.Unlock()
	}
	var at time.Time
	select {
	case at = <-killed:
	case <-time.After(20 * time.Second):
		t.Fatal("the victim was never killed")
	}
	mu.Lock()
	id := victimID
	mu.Unlock()
	last := ""
	for time.Since(at) < 10*childSession {
		st, ms := groupView(ctx, adm, group)
		in := false
		for _, m := range ms {
			in = in || m == id
		}
		view := fmt.Sprintf("%s %d members, victim in: %v", st, len(ms), in)
		if view != last {
			t.Logf("%5.1fs: %s", time.Since(at).Seconds(), view)
			last = view
		}
		if !in && st == "Stable" {
			return time.Since(at), true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(at), false
}

// TestDeadMemberLeavesItsGroup: a member killed at each step of a
// rebalance (its JoinGroup or SyncGroup, answered or waiting, as the
// group's leader or not) leaves its group within a few sessions. kfake
// bounds a group's rebalance by its rebalance timeout: a member that
// never rejoins, or a leader that never syncs, is removed then.
func TestDeadMemberLeavesItsGroup(t *testing.T) {
	cases := []deadMemberCase{
		{name: "heartbeat", key: kmsg.Heartbeat},
		{name: "join-waiting", key: kmsg.JoinGroup, after: 300 * time.Millisecond},
		{name: "sync-waiting", key: kmsg.SyncGroup, after: 300 * time.Millisecond},
		{name: "leader-join", bFirst: true, key: kmsg.JoinGroup},
		{name: "leader-join-waiting", bFirst: true, key: kmsg.JoinGroup, after: 300 * time.Millisecond},
		{name: "leader-sync", bFirst: true, key: kmsg.SyncGroup},
		{name: "new-join-waiting", key: kmsg.JoinGroup, victimC: true, after: 300 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gone, ok := runDeadMember(t, tc)
			if !ok {
				t.Errorf("the killed member is still in the group %s after its kill (session %s)", gone.Round(time.Second), childSession)
			} else {
				t.Logf("gone after %s", gone.Round(100*time.Millisecond))
			}
		})
	}
}

// TestDeadStaticJoinerLeavesItsGroup: a static member (a query's, which
// joins with its instance id) is killed while its first JoinGroup waits
// for the group's living member to rejoin. kfake starts a new member's
// session timer only once its JoinGroup answer is handed to the
// connection, and the dead connection loses that answer at random; the
// living leader then syncs, the group is stable, and the dead member
// keeps its partition for good. Its first JoinGroup names no member id
// (a static member gets its id in the answer), so the reaper, which
// learned members from their requests, never knew it: the killed server
// of TestShowQueriesCountsEveryServer stayed in the paused query's group.
// Eight groups at once make the lost answer near certain in one.
func TestDeadStaticJoinerLeavesItsGroup(t *testing.T) {
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 1, Replicas: 1})
	adm := adminOf(t, e)
	const groups = 8
	var (
		mu    sync.Mutex
		kills = map[string]func(){}
		dead  = map[string]time.Time{}
	)
	// The static child's first JoinGroup kills it 100 ms later, while
	// the JoinGroup waits for the living member.
	e.c.ControlKey(int16(kmsg.JoinGroup), func(req kmsg.Request) (kmsg.Response, error, bool) {
		e.c.KeepControl()
		join := req.(*kmsg.JoinGroupRequest)
		if join.InstanceID == nil || join.MemberID != "" {
			return nil, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if _, ok := dead[join.Group]; ok {
			return nil, nil, false
		}
		dead[join.Group] = time.Now()
		go func() {
			time.Sleep(100 * time.Millisecond)
			for {
				mu.Lock()
				kill := kills[join.Group]
				mu.Unlock()
				if kill != nil {
					kill()
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		return nil, nil, false
	})
	for g := range groups {
		idleMember(t, ctx, c, fmt.Sprintf("g%d", g))
	}
	for g := range groups {
		group := fmt.Sprintf("g%d", g)
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if st, ms := groupView(ctx, adm, group); st == "Stable" && len(ms) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("group %s never stable with its living member", group)
			}
		}
	}
	for g := range groups {
		group := fmt.Sprintf("g%d", g)
		kill := startChildMemberEnv(t, e.Addr(), group, "member-b", "EDDY_KAFKA_MEMBER_INSTANCE=b")
		mu.Lock()
		kills[group] = kill
		mu.Unlock()
	}
	// Kafka would time the dead member out after its session; the
	// reaper takes up to two sessions (and its grace) past it.
	within := 4*(childSession+reapGrace) + 2*time.Second
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(dead)
		mu.Unlock()
		if n == groups || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	var last time.Time
	for g := range groups {
		if at, ok := dead[fmt.Sprintf("g%d", g)]; !ok {
			t.Fatalf("group g%d: the static member never joined", g)
		} else if at.After(last) {
			last = at
		}
	}
	mu.Unlock()
	left := map[string]string{} // what each group still has wrong
	for g := range groups {
		left[fmt.Sprintf("g%d", g)] = "not described"
	}
	for len(left) > 0 && time.Since(last) < within {
		for group := range left {
			if st, ms := groupView(ctx, adm, group); st == "Stable" && len(ms) == 1 {
				mu.Lock()
				t.Logf("group %s: the dead member was gone %s after its join", group, time.Since(dead[group]).Round(100*time.Millisecond))
				mu.Unlock()
				delete(left, group)
			} else {
				left[group] = fmt.Sprintf("%s with members %v", st, ms)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	for group, what := range left {
		t.Errorf("group %s: %s %s after the static member was killed; want the living member alone", group, what, time.Since(last).Round(time.Second))
	}
}

// TestReaperKeepsASlowMember: a member busy with one batch for several
// sessions, in a stable group, heartbeats all along and is no reaper's:
// it keeps its membership and its partition.
func TestReaperKeepsASlowMember(t *testing.T) {
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 1, Replicas: 1})
	adm := adminOf(t, e)
	busy := 3 * (childSession + reapGrace)
	started, done := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest,
		SessionTimeout: childSession, RebalanceTimeout: childRebalance},
		func(ctx context.Context, batch []Record) error {
			if len(batch) == 0 {
				return nil
			}
			once.Do(func() {
				close(started)
				select {
				case <-time.After(busy):
				case <-ctx.Done():
				}
				close(done)
			})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var id string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, ms := groupView(ctx, adm, "g"); st == "Stable" && len(ms) == 1 {
			id = ms["eddy-test"]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the member never joined")
		}
	}
	if err := c.Produce(ctx, Record{Topic: "t", Partition: 0, Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the batch never came")
	}
	for {
		select {
		case <-done:
			return
		case <-time.After(200 * time.Millisecond):
		}
		if st, ms := groupView(ctx, adm, "g"); st != "Stable" || len(ms) != 1 || ms["eddy-test"] != id {
			t.Fatalf("while its member was busy with a batch, the group was %s with %v; want it stable with the member %s", st, ms, id)
		}
	}
}

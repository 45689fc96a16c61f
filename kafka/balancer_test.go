package kafka

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testMember is a member as it joins: its subscriptions, what it owns
// (nil: a first join) and the generation it last knew.
type testMember struct {
	id         string
	topics     []string
	owned      map[string][]int32
	generation int32
	// metadata, when set, replaces what JoinGroupMetadata would send
	// (another balancer's, without user data).
	metadata []byte
}

// runBalance balances members through the balancer's kgo interface, as
// a group leader does, and returns each member's parsed assignment.
func runBalance(t *testing.T, members []testMember, topics map[string]int32) map[string]map[string][]int32 {
	t.Helper()
	bal := CoPartitionedSticky()
	var join []kmsg.JoinGroupResponseMember
	for _, m := range members {
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID = m.id
		jm.ProtocolMetadata = m.metadata
		if jm.ProtocolMetadata == nil {
			// The member's own balancer, given its last assignment
			// at sync; an eager kgo member joins again with an
			// empty current assignment.
			mine := CoPartitionedSticky()
			if m.owned != nil {
				assn := kmsg.NewConsumerMemberAssignment()
				for _, topic := range slices.Sorted(maps.Keys(m.owned)) {
					a := kmsg.NewConsumerMemberAssignmentTopic()
					a.Topic, a.Partitions = topic, m.owned[topic]
					assn.Topics = append(assn.Topics, a)
				}
				if _, err := mine.ParseSyncAssignment(assn.AppendTo(nil)); err != nil {
					t.Fatal(err)
				}
			}
			ts := slices.Sorted(slices.Values(m.topics))
			jm.ProtocolMetadata = mine.JoinGroupMetadata(ts, nil, m.generation)
		}
		join = append(join, jm)
	}
	mb, interests, err := bal.MemberBalancer(join)
	if err != nil {
		t.Fatal(err)
	}
	for topic := range interests {
		if _, ok := topics[topic]; !ok {
			t.Fatalf("interest in %s, which the test gives no partition count", topic)
		}
	}
	assn, err := mb.(kgo.GroupMemberBalancerOrError).BalanceOrError(topics)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]int32{}
	for _, a := range assn.IntoSyncAssignment() {
		parsed, err := bal.ParseSyncAssignment(a.MemberAssignment)
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range parsed {
			slices.Sort(ps)
		}
		out[a.MemberID] = parsed
	}
	return out
}

// checkAssignment checks that every partition of every subscribed topic
// is assigned exactly once, by number (a member holding partition p of
// one topic holds p of every topic of the same count it subscribes),
// with balanced counts per partition count. It returns, per member, the
// partition numbers it holds per partition count.
func checkAssignment(t *testing.T, members []testMember, topics map[string]int32, got map[string]map[string][]int32) map[string]map[int32][]int32 {
	t.Helper()
	owner := map[string]map[int32]string{}
	for id, assigned := range got {
		for topic, ps := range assigned {
			if owner[topic] == nil {
				owner[topic] = map[int32]string{}
			}
			for _, p := range ps {
				if o, dup := owner[topic][p]; dup {
					t.Fatalf("%s/%d assigned to %s and %s", topic, p, o, id)
				}
				owner[topic][p] = id
			}
		}
	}
	subscribed := map[string]bool{}
	for _, m := range members {
		for _, topic := range m.topics {
			subscribed[topic] = true
		}
	}
	for topic := range subscribed {
		if len(owner[topic]) != int(topics[topic]) {
			t.Fatalf("%s: %d of %d partitions assigned: %v", topic, len(owner[topic]), topics[topic], got)
		}
	}
	numbers := map[string]map[int32][]int32{}
	for _, m := range members {
		numbers[m.id] = map[int32][]int32{}
		for _, topic := range m.topics {
			n := topics[topic]
			ps := got[m.id][topic]
			if prev, ok := numbers[m.id][n]; ok && !slices.Equal(prev, ps) {
				t.Fatalf("member %s: %s holds %v, another topic of %d partitions %v: not co-partitioned", m.id, topic, ps, n, prev)
			}
			numbers[m.id][n] = ps
		}
	}
	counts := map[int32][]int{}
	for _, m := range members {
		for n, ps := range numbers[m.id] {
			counts[n] = append(counts[n], len(ps))
		}
	}
	for n, c := range counts {
		if slices.Max(c)-slices.Min(c) > 1 {
			t.Fatalf("partition count %d: unbalanced shares %v: %v", n, c, got)
		}
	}
	return numbers
}

func moved(before, after map[string]map[int32][]int32, n int32) int {
	movedCount := 0
	for id, nums := range before {
		for _, p := range nums[n] {
			if _, still := after[id]; still && !slices.Contains(after[id][n], p) {
				movedCount++
			}
		}
	}
	return movedCount
}

func TestCoStickyCoPartitions(t *testing.T) {
	topics := map[string]int32{"left": 6, "right": 6, "left-repartition": 6}
	all := []string{"left", "right", "left-repartition"}
	members := []testMember{{id: "m1", topics: all}, {id: "m2", topics: all}, {id: "m3", topics: all}, {id: "m4", topics: all}}
	got := runBalance(t, members, topics)
	nums := checkAssignment(t, members, topics, got)
	for _, m := range members {
		if len(got[m.id]) != 3 && len(nums[m.id][6]) > 0 {
			t.Fatalf("member %s holds %v: every topic of a number goes with it", m.id, got[m.id])
		}
	}
}

func TestCoStickyKeepsOnJoinAndLeave(t *testing.T) {
	topics := map[string]int32{"in": 12, "in-repartition": 12}
	all := []string{"in", "in-repartition"}
	two := []testMember{{id: "b", topics: all}, {id: "c", topics: all}}
	got := runBalance(t, two, topics)
	before := checkAssignment(t, two, topics, got)

	// A member joins (sorting first, which moves everything under
	// range): only what it takes moves.
	three := []testMember{
		{id: "a", topics: all},
		{id: "b", topics: all, owned: got["b"], generation: 1},
		{id: "c", topics: all, owned: got["c"], generation: 1},
	}
	got = runBalance(t, three, topics)
	after := checkAssignment(t, three, topics, got)
	if n := moved(before, after, 12); n != 4 {
		t.Fatalf("a join moved %d partition numbers away from members that stay, want 4 (the newcomer's share): %v -> %v", n, before, after)
	}
	for _, id := range []string{"b", "c"} {
		for _, p := range after[id][12] {
			if !slices.Contains(before[id][12], p) {
				t.Fatalf("%s gained %d on a join: %v -> %v", id, p, before, after)
			}
		}
	}

	// b leaves: a and c keep everything and split b's.
	leave := []testMember{
		{id: "a", topics: all, owned: got["a"], generation: 2},
		{id: "c", topics: all, owned: got["c"], generation: 2},
	}
	got2 := runBalance(t, leave, topics)
	final := checkAssignment(t, leave, topics, got2)
	for _, id := range []string{"a", "c"} {
		for _, p := range after[id][12] {
			if !slices.Contains(final[id][12], p) {
				t.Fatalf("%s lost %d when b left: %v -> %v", id, p, after, final)
			}
		}
		if len(final[id][12]) != 6 {
			t.Fatalf("%s holds %v after b left, want 6", id, final[id][12])
		}
	}
}

func TestCoStickyUnevenShares(t *testing.T) {
	// 7 numbers over 3 members: the member owning more keeps the larger
	// share rather than giving one up.
	topics := map[string]int32{"t": 7}
	members := []testMember{
		{id: "a", topics: []string{"t"}, owned: map[string][]int32{"t": {0, 1}}, generation: 3},
		{id: "b", topics: []string{"t"}, owned: map[string][]int32{"t": {2, 3, 4}}, generation: 3},
		{id: "c", topics: []string{"t"}, owned: map[string][]int32{"t": {5, 6}}, generation: 3},
	}
	got := runBalance(t, members, topics)
	checkAssignment(t, members, topics, got)
	want := map[string][]int32{"a": {0, 1}, "b": {2, 3, 4}, "c": {5, 6}}
	for id, ps := range want {
		if !slices.Equal(got[id]["t"], ps) {
			t.Fatalf("%s: got %v, want %v (nothing needed to move)", id, got[id]["t"], ps)
		}
	}
}

func TestCoStickyMixedPartitionCounts(t *testing.T) {
	topics := map[string]int32{"big": 8, "big-repartition": 8, "small": 3, "table": 3}
	all := slices.Sorted(maps.Keys(topics))
	members := []testMember{{id: "a", topics: all}, {id: "b", topics: all}}
	got := runBalance(t, members, topics)
	nums := checkAssignment(t, members, topics, got)
	// The small class's extra number goes to the member with fewer
	// partitions so far (the big class splits evenly, so either), and
	// a third member joining keeps the others' numbers in both classes.
	members3 := []testMember{
		{id: "a", topics: all, owned: got["a"], generation: 1},
		{id: "b", topics: all, owned: got["b"], generation: 1},
		{id: "c", topics: all},
	}
	got3 := runBalance(t, members3, topics)
	nums3 := checkAssignment(t, members3, topics, got3)
	for _, n := range []int32{8, 3} {
		for _, id := range []string{"a", "b"} {
			for _, p := range nums3[id][n] {
				if !slices.Contains(nums[id][n], p) {
					t.Fatalf("count %d: %s gained %d when c joined: %v -> %v", n, id, p, nums, nums3)
				}
			}
		}
	}
	totals := map[string]int{}
	for id, ns := range nums3 {
		for _, ps := range ns {
			totals[id] += len(ps)
		}
	}
	if slices.Max(slices.Collect(maps.Values(totals)))-slices.Min(slices.Collect(maps.Values(totals))) > 1 {
		t.Fatalf("partition numbers per member across counts: %v", totals)
	}
}

func TestCoStickyDifferentSubscriptions(t *testing.T) {
	// Two members read "x"; only one reads "y" of the same count: "y"
	// is a class of its own, all on its one reader.
	topics := map[string]int32{"x": 4, "y": 4}
	members := []testMember{{id: "a", topics: []string{"x", "y"}}, {id: "b", topics: []string{"x"}}}
	got := runBalance(t, members, topics)
	if len(got["a"]["y"]) != 4 || len(got["b"]["y"]) != 0 {
		t.Fatalf("y: %v", got)
	}
	if len(got["a"]["x"]) != 2 || len(got["b"]["x"]) != 2 {
		t.Fatalf("x: %v", got)
	}
}

func TestCoStickyStaleClaims(t *testing.T) {
	// a was dropped from the group at generation 4 without knowing; b
	// took its partitions at 5. b's later claim wins.
	topics := map[string]int32{"t": 4}
	members := []testMember{
		{id: "a", topics: []string{"t"}, owned: map[string][]int32{"t": {0, 1, 2, 3}}, generation: 4},
		{id: "b", topics: []string{"t"}, owned: map[string][]int32{"t": {0, 1, 2, 3}}, generation: 5},
	}
	got := runBalance(t, members, topics)
	checkAssignment(t, members, topics, got)
	if len(got["a"]["t"]) != 2 || len(got["b"]["t"]) != 2 {
		t.Fatalf("got %v", got)
	}
	// Claims beyond the partition count (a topic made again smaller)
	// are ignored.
	members[0].owned = map[string][]int32{"t": {7, 9}}
	got = runBalance(t, members, topics)
	checkAssignment(t, members, topics, got)
}

func TestCoStickyMembersWithoutUserData(t *testing.T) {
	// A member whose metadata carries no user data (range's, an older
	// eddy's) owns nothing; the balance still covers everything.
	topics := map[string]int32{"t": 5, "u": 5}
	plain := kmsg.NewConsumerMemberMetadata()
	plain.Version = 0
	plain.Topics = []string{"t", "u"}
	members := []testMember{
		{id: "a", topics: []string{"t", "u"}, metadata: plain.AppendTo(nil)},
		{id: "b", topics: []string{"t", "u"}, owned: map[string][]int32{"t": {0, 1, 2}, "u": {0, 1, 2}}, generation: 2},
	}
	got := runBalance(t, members, topics)
	nums := checkAssignment(t, members, topics, got)
	if !slices.Equal(nums["b"][5], []int32{0, 1, 2}) || !slices.Equal(nums["a"][5], []int32{3, 4}) {
		t.Fatalf("got %v", nums)
	}
}

func TestCoStickyManyRounds(t *testing.T) {
	// Members come and go at random; each round is a valid balanced,
	// co-partitioned assignment, and a member that stays never gives
	// up a number unless its share shrank.
	topics := map[string]int32{"a": 16, "a-rep": 16, "b": 5}
	all := []string{"a", "a-rep", "b"}
	cur := map[string]map[string][]int32{}
	gen := int32(0)
	next := 0
	for round := range 40 {
		ids := slices.Sorted(maps.Keys(cur))
		switch {
		case len(ids) == 0 || (round%3 != 2 && len(ids) < 6):
			cur[fmt.Sprintf("m%02d", next)] = nil
			next++
		default:
			delete(cur, ids[(round*7)%len(ids)])
		}
		var members []testMember
		for _, id := range slices.Sorted(maps.Keys(cur)) {
			members = append(members, testMember{id: id, topics: all, owned: cur[id], generation: gen})
		}
		got := runBalance(t, members, topics)
		nums := checkAssignment(t, members, topics, got)
		for _, m := range members {
			prev := map[int32][]int32{16: m.owned["a"], 5: m.owned["b"]}
			for n, ps := range prev {
				kept := 0
				for _, p := range ps {
					if slices.Contains(nums[m.id][n], p) {
						kept++
					}
				}
				if kept < min(len(ps), len(nums[m.id][n])) {
					t.Fatalf("round %d: %s kept %d of %v, holding %v now", round, m.id, kept, ps, nums[m.id][n])
				}
			}
		}
		gen++
		cur = got
	}
}

// TestGroupKeepsPartitionsOnJoin: three subscriptions to two
// co-partitioned topics join one group in turns on the embedded broker.
// The group runs the co-partitioned sticky protocol; each member always
// holds the same partition numbers of both topics, and a member that
// stays keeps partitions it had (range would move them between the
// members that stay, depending on how their ids sort).
func TestGroupKeepsPartitionsOnJoin(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	for _, topic := range []string{"left", "right"} {
		if err := c.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 6}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	held := map[int]map[string][]int32{} // by member
	subscribe := func(member int) Subscription {
		opts := SubscribeOptions{Group: "g", Topics: []string{"left", "right"}, Reset: Earliest,
			OnAssign: func(topic string, ps []int32) {
				mu.Lock()
				defer mu.Unlock()
				if held[member] == nil {
					held[member] = map[string][]int32{}
				}
				held[member][topic] = slices.Sorted(slices.Values(append(held[member][topic], ps...)))
			},
			OnRevoke: func(topic string, ps []int32) {
				mu.Lock()
				defer mu.Unlock()
				held[member][topic] = slices.DeleteFunc(held[member][topic], func(p int32) bool { return slices.Contains(ps, p) })
			},
		}
		s, err := c.Subscribe(ctx, opts, func(context.Context, []Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	// settled waits until the members hold every partition once, the
	// same numbers of both topics each, and returns them by member.
	settled := func(members int) map[int][]int32 {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			nums := map[int][]int32{}
			ok := len(held) == members
			all := map[int32]int{}
			for m, ts := range held {
				if !slices.Equal(ts["left"], ts["right"]) {
					ok = false
				}
				nums[m] = slices.Clone(ts["left"])
				for _, p := range ts["left"] {
					all[p]++
				}
				if len(ts["left"]) != 6/members {
					ok = false
				}
			}
			mu.Unlock()
			if ok && len(all) == 6 {
				return nums
			}
			if time.Now().After(deadline) {
				t.Fatalf("assignment never settled over %d members: %v", members, nums)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	subscribe(1)
	one := settled(1)
	subscribe(2)
	two := settled(2)
	subscribe(3)
	three := settled(3)
	for m := 1; m <= 2; m++ {
		for _, p := range three[m] {
			if !slices.Contains(two[m], p) {
				t.Fatalf("member %d gained %d when member 3 joined: %v -> %v", m, p, two, three)
			}
		}
	}
	for _, p := range two[1] {
		if !slices.Contains(one[1], p) {
			t.Fatalf("impossible: %v -> %v", one, two)
		}
	}
	gs, err := c.adm.DescribeGroups(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if g := gs["g"]; g.Protocol != StickyProtocol || g.ProtocolType != "consumer" {
		t.Fatalf("group runs protocol %q of type %q, want %q of consumer", g.Protocol, g.ProtocolType, StickyProtocol)
	}
}

// TestCoStickyGenerationOfClaims: a member's claim carries the
// generation of the assignment it was given; joins that brought no
// assignment from this balancer (the group ran range) leave it so.
func TestCoStickyGenerationOfClaims(t *testing.T) {
	b := CoPartitionedSticky()
	assn := kmsg.NewConsumerMemberAssignment()
	a := kmsg.NewConsumerMemberAssignmentTopic()
	a.Topic, a.Partitions = "t", []int32{1, 2}
	assn.Topics = append(assn.Topics, a)
	claim := func(gen int32) (int32, []int32) {
		var meta kmsg.ConsumerMemberMetadata
		if err := meta.ReadFrom(b.JoinGroupMetadata([]string{"t"}, nil, gen)); err != nil {
			t.Fatal(err)
		}
		var s kmsg.StickyMemberMetadata
		if err := s.ReadFrom(meta.UserData); err != nil {
			t.Fatal(err)
		}
		var ps []int32
		for _, ca := range s.CurrentAssignment {
			ps = append(ps, ca.Partitions...)
		}
		return s.Generation, ps
	}
	if gen, ps := claim(-1); gen != -1 || len(ps) != 0 {
		t.Fatalf("first join claims %v at %d", ps, gen)
	}
	if _, err := b.ParseSyncAssignment(assn.AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if gen, ps := claim(3); gen != 3 || !slices.Equal(ps, []int32{1, 2}) {
		t.Fatalf("after an assignment at 3: %v at %d", ps, gen)
	}
	if gen, ps := claim(4); gen != 3 || !slices.Equal(ps, []int32{1, 2}) {
		t.Fatalf("after a generation without one: %v at %d, want the claim of 3", ps, gen)
	}
}

// TestGroupFallsBackToRange: a member offering only range (an older
// eddy during a rolling upgrade) makes the group run range, and the
// partitions are shared between both members.
func TestGroupFallsBackToRange(t *testing.T) {
	e, c := startBroker(t)
	ctx := testCtx(t)
	if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest},
		func(context.Context, []Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	leave := rangeMember(t, ctx, e.Addr())
	defer leave()
	deadline := time.Now().Add(30 * time.Second)
	for {
		gs, err := c.adm.DescribeGroups(ctx, "g")
		if err == nil && gs["g"].State == "Stable" && len(gs["g"].Members) == 2 {
			g := gs["g"]
			if g.Protocol != "range" {
				t.Fatalf("group with a range-only member runs %q", g.Protocol)
			}
			parts := 0
			for _, m := range g.Members {
				if a, _ := m.Assigned.AsConsumer(); a != nil {
					for _, tp := range a.Topics {
						parts += len(tp.Partitions)
					}
				}
			}
			if parts == 4 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("group never settled with both members: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGroupLogsItsProtocol: each assignment a committing subscription
// gets is logged with the protocol the group chose, so a rolling
// upgrade's log shows the group on range while a member of an earlier
// eddy (range only) is in it and on eddy-sticky once it is gone.
func TestGroupLogsItsProtocol(t *testing.T) {
	e, _ := startBroker(t)
	ctx := testCtx(t)
	var mu sync.Mutex
	var lines []string
	c, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, ClientID: "eddy-test", Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	// logged waits for a line with want logged after the first from
	// lines, and returns the count of lines up to it.
	logged := func(from int, want string) int {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			for i := from; i < len(lines); i++ {
				if strings.Contains(lines[i], want) {
					mu.Unlock()
					return i + 1
				}
			}
			seen := slices.Clone(lines)
			mu.Unlock()
			if time.Now().After(deadline) {
				t.Fatalf("no log line with %q after line %d: %q", want, from, seen)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	s, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest},
		func(context.Context, []Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := logged(0, "kafka: group g generation 1: protocol eddy-sticky assigned t [0 1 2 3]")
	leave := rangeMember(t, ctx, e.Addr())
	n = logged(n, ": protocol range assigned t [")
	leave()
	logged(n, ": protocol eddy-sticky assigned t [0 1 2 3]")
}

// rangeMember joins group g on topic t as a member of an earlier eddy
// does (the range balancer alone) and polls until leave closes it.
func rangeMember(t *testing.T, ctx context.Context, addr string) (leave func()) {
	t.Helper()
	old, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"),
		kgo.Balancers(kgo.RangeBalancer()), kgo.HeartbeatInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for !old.PollFetches(ctx).IsClientClosed() && ctx.Err() == nil {
		}
	}()
	return func() { old.Close(); <-polled }
}

package kafka

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// StickyProtocol names the co-partitioned sticky balancer in a group's
// protocol list.
const StickyProtocol = "eddy-sticky"

// CoPartitionedSticky returns the group balancer of committing
// subscriptions. Like the range balancer, it gives a member partition
// number p of every topic of the same partition count, so that
// co-partitioned inputs (a join's two sides, a repartition topic and its
// source) meet in one task; unlike it, a member keeps the partition
// numbers it owned before whenever the balance allows, so that a server
// joining or leaving moves only the partitions that must move, and the
// servers that stay keep their tasks' state. Members send what they own
// in their join metadata's user data, in the format of Kafka's sticky
// assignor (a first join owns nothing); counts stay balanced, the most
// and the fewest partition numbers of one partition count differing by
// at most one.
//
// Each subscription needs its own: it remembers the assignment it was
// last given, since an eager kgo client forgets its partitions when it
// revokes them, before it joins again.
func CoPartitionedSticky() kgo.GroupBalancer { return &coStickyBalancer{} }

type coStickyBalancer struct {
	mu sync.Mutex
	// owned is the assignment last parsed, and ownedGen the generation
	// it belongs to, learned at the next join (parsed says it is due):
	// kgo passes the generation only there. A join that did not end in
	// an assignment from this balancer (the group chose range) leaves
	// both, so a later claim carries its old generation and loses to a
	// member that took the partitions since.
	owned    map[string][]int32
	ownedGen int32
	parsed   bool
}

func (*coStickyBalancer) ProtocolName() string { return StickyProtocol }
func (*coStickyBalancer) IsCooperative() bool  { return false }

// JoinGroupMetadata sends the member's subscriptions and, as Kafka's
// sticky assignor does in its user data, what it owns and since which
// generation. The current assignment kgo passes is empty for an eager
// member (revoked before it joins); the balancer's own memory is used.
func (c *coStickyBalancer) JoinGroupMetadata(interests []string, _ map[string][]int32, generation int32) []byte {
	c.mu.Lock()
	if c.parsed {
		c.ownedGen, c.parsed = generation, false
	}
	owned, gen := c.owned, c.ownedGen
	c.mu.Unlock()
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Version = 3
	meta.Topics = interests
	meta.Generation = generation
	sticky := kmsg.NewStickyMemberMetadata()
	sticky.Generation = gen
	if owned == nil {
		sticky.Generation = -1
	}
	for _, t := range slices.Sorted(maps.Keys(owned)) {
		a := kmsg.NewStickyMemberMetadataCurrentAssignment()
		a.Topic = t
		a.Partitions = slices.Sorted(slices.Values(owned[t]))
		sticky.CurrentAssignment = append(sticky.CurrentAssignment, a)
	}
	meta.UserData = sticky.AppendTo(nil)
	return meta.AppendTo(nil)
}

// ParseSyncAssignment reads the member's assignment and remembers it for
// the next join.
func (c *coStickyBalancer) ParseSyncAssignment(assignment []byte) (map[string][]int32, error) {
	m, err := kgo.ParseConsumerSyncAssignment(assignment)
	if err != nil {
		return nil, err
	}
	owned := make(map[string][]int32, len(m))
	for t, ps := range m {
		owned[t] = slices.Clone(ps)
	}
	c.mu.Lock()
	c.owned, c.parsed = owned, true
	c.mu.Unlock()
	return m, nil
}

func (c *coStickyBalancer) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	b, err := kgo.NewConsumerBalancer(c, members)
	return b, b.MemberTopics(), err
}

func (*coStickyBalancer) Balance(b *kgo.ConsumerBalancer, topics map[string]int32) kgo.IntoSyncAssignment {
	var members []coMember
	b.EachMember(func(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) {
		members = append(members, coMemberOf(m, meta))
	})
	plan := b.NewPlan()
	for member, assigned := range coBalance(members, topics) {
		for t, ps := range assigned {
			plan.AddPartitions(member, t, ps)
		}
	}
	return plan
}

// coMember is one member as the balancer sees it.
type coMember struct {
	m          *kmsg.JoinGroupResponseMember
	topics     []string
	owned      map[string][]int32
	generation int32
}

// coMemberOf reads what a member owns from its user data (Kafka's sticky
// format), else from the metadata's owned partitions; a member that
// sends neither (a first join, another balancer's metadata) owns nothing.
func coMemberOf(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) coMember {
	cm := coMember{m: m, topics: meta.Topics, generation: meta.Generation, owned: map[string][]int32{}}
	var sticky kmsg.StickyMemberMetadata
	if len(meta.UserData) > 0 && sticky.ReadFrom(meta.UserData) == nil {
		cm.generation = sticky.Generation
		for _, a := range sticky.CurrentAssignment {
			cm.owned[a.Topic] = append(cm.owned[a.Topic], a.Partitions...)
		}
		return cm
	}
	for _, o := range meta.OwnedPartitions {
		cm.owned[o.Topic] = append(cm.owned[o.Topic], o.Partitions...)
	}
	return cm
}

// coBalance assigns partitions by number: the topics of one partition
// count that the same members subscribe form a class, and each partition
// number of a class goes to one member, with every topic of the class.
// Within a class, each member gets the class's count divided by the
// members, rounded down or up, the members owning more getting the
// larger shares; a member keeps what it owned up to its share, and the
// partition numbers left over go to members below their share. A number
// claimed by two members goes to the one of the later generation (the
// other's claim is stale).
func coBalance(members []coMember, topics map[string]int32) map[*kmsg.JoinGroupResponseMember]map[string][]int32 {
	slices.SortFunc(members, func(a, b coMember) int { return cmp.Compare(a.m.MemberID, b.m.MemberID) })
	// Classes: partition count and the members subscribing.
	type class struct {
		n       int32
		topics  []string
		members []int // indexes into members
	}
	classes := map[string]*class{}
	interested := map[string][]int{}
	for i, m := range members {
		for _, t := range m.topics {
			if !slices.Contains(interested[t], i) {
				interested[t] = append(interested[t], i)
			}
		}
	}
	for t, ms := range interested {
		n := topics[t]
		if n <= 0 {
			continue // unknown to the leader: assigned once known
		}
		var key strings.Builder
		key.WriteString(strconv.Itoa(int(n)))
		for _, i := range ms {
			key.WriteByte(0)
			key.WriteString(members[i].m.MemberID)
		}
		c := classes[key.String()]
		if c == nil {
			c = &class{n: n, members: ms}
			classes[key.String()] = c
		}
		c.topics = append(c.topics, t)
	}
	out := make(map[*kmsg.JoinGroupResponseMember]map[string][]int32, len(members))
	for _, m := range members {
		out[m.m] = map[string][]int32{}
	}
	total := make([]int, len(members)) // partition numbers given so far, across classes
	// The largest classes first, then by topic: deterministic, and the
	// rounding of small classes evens out what large ones gave.
	ordered := slices.Collect(maps.Values(classes))
	for _, c := range ordered {
		slices.Sort(c.topics)
	}
	slices.SortFunc(ordered, func(a, b *class) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.topics[0], b.topics[0])
	})
	for _, c := range ordered {
		// Claims: the owner of each number, by latest generation.
		owner := make([]int, c.n)
		gen := make([]int32, c.n)
		for p := range owner {
			owner[p] = -1
		}
		for _, i := range c.members {
			m := members[i]
			for _, t := range c.topics {
				for _, p := range m.owned[t] {
					if p < 0 || p >= c.n {
						continue
					}
					if owner[p] < 0 || m.generation > gen[p] {
						owner[p], gen[p] = i, m.generation
					}
				}
			}
		}
		ownedBy := map[int][]int32{}
		for p, i := range owner {
			if i >= 0 {
				ownedBy[i] = append(ownedBy[i], int32(p))
			}
		}
		// Shares: the larger ones to the members owning more, then to
		// those holding fewer partitions so far.
		k := len(c.members)
		base, extra := int(c.n)/k, int(c.n)%k
		order := slices.Clone(c.members)
		slices.SortStableFunc(order, func(a, b int) int {
			if x := cmp.Compare(len(ownedBy[b]), len(ownedBy[a])); x != 0 {
				return x
			}
			return cmp.Compare(total[a], total[b])
		})
		share := map[int]int{}
		for j, i := range order {
			share[i] = base
			if j < extra {
				share[i]++
			}
		}
		got := map[int][]int32{}
		taken := make([]bool, c.n)
		for _, i := range c.members {
			keep := ownedBy[i]
			if len(keep) > share[i] {
				keep = keep[:share[i]]
			}
			got[i] = append(got[i], keep...)
			for _, p := range keep {
				taken[p] = true
			}
		}
		p := int32(0)
		for _, i := range c.members {
			for len(got[i]) < share[i] {
				for taken[p] {
					p++
				}
				got[i] = append(got[i], p)
				taken[p] = true
			}
		}
		for _, i := range c.members {
			ps := got[i]
			slices.Sort(ps)
			total[i] += len(ps)
			if len(ps) == 0 {
				continue
			}
			for _, t := range c.topics {
				out[members[i].m][t] = slices.Clone(ps)
			}
		}
	}
	return out
}

// notedBalancer is a group balancer that notes its protocol name in used
// when the member's assignment is parsed with it: kgo parses with the
// balancer of the protocol the group chose, so used says whether the
// group runs eddy-sticky or, while a member of an earlier eddy is in it
// (a rolling upgrade), range.
type notedBalancer struct {
	kgo.GroupBalancer
	used *atomic.Pointer[string]
}

func (b notedBalancer) ParseSyncAssignment(assignment []byte) (map[string][]int32, error) {
	m, err := b.GroupBalancer.ParseSyncAssignment(assignment)
	if err == nil {
		name := b.ProtocolName()
		b.used.Store(&name)
	}
	return m, err
}

// describeAssignment writes a member's assignment for the log, topics
// in order: "clicks [0 1 2], repart [0 1 2]", or "nothing".
func describeAssignment(assigned map[string][]int32) string {
	var b strings.Builder
	for _, t := range slices.Sorted(maps.Keys(assigned)) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t)
		b.WriteString(" [")
		for i, p := range slices.Sorted(slices.Values(assigned[t])) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(int(p)))
		}
		b.WriteByte(']')
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

package kafka

import (
	"context"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kfake starts a group member's session timer when it answers the
// member's JoinGroup. A member that died while it waited in that
// JoinGroup (kill -9 during a rebalance) may never get the answer, and
// then never gets a timer: it stays in the group for good, holding the
// partitions the group's leader assigns it, which nobody reads. Kafka
// times such a member out. The reaper watches, from the requests the
// broker receives, when each member last spoke to its group, and makes
// a member of a stable group that has been silent for longer than its
// session timeout leave, which rebalances its partitions to the living.
//
// A static member (Kafka's group.instance.id: eddy's queries) names no
// member id in its first JoinGroup: kfake admits it at once and gives
// it its id in the answer, which the reaper never sees. When that
// answer is lost to the dead connection the member has no session
// timer and sends nothing more, so the reaper learns its id from
// DescribeGroups by its instance id, and counts it from its JoinGroup
// as it counts a dynamic member.

// memberKey names one member of one group.
type memberKey struct{ group, member string }

// memberContact is when a member last spoke to its group and how long
// its session lasts.
type memberContact struct {
	last    time.Time
	session time.Duration
}

// reapGrace is how long past its session timeout a silent member is
// left, so the reaper never races kfake's own expiry.
const reapGrace = 2 * time.Second

// reapEvery is how often the reaper looks for silent members.
const reapEvery = time.Second

// instanceKey names one static member of one group by its instance id.
type instanceKey struct{ group, instance string }

type reaper struct {
	mu       sync.Mutex
	contacts map[memberKey]memberContact
	// unnamed are the first JoinGroups of static members, whose member
	// ids the reaper has yet to learn from DescribeGroups.
	unnamed map[instanceKey]memberContact
	// synced is when each group with members to watch last heard a
	// SyncGroup: a rebalance ends with its leader's, and each member
	// syncs once it has its JoinGroup answer.
	synced map[string]time.Time
	cl     *kgo.Client // owned: closed by close
	logf   func(string, ...any)
	stop   chan struct{}
	done   chan struct{}
}

// startReaper watches c's group requests and reaps silent members of
// stable groups through a client of its own, connected to addr as sec
// says, until closed.
func startReaper(c *kfake.Cluster, addr string, sec Security, logf func(string, ...any)) (*reaper, error) {
	cl, err := sec.brokerClient(addr)
	if err != nil {
		return nil, err
	}
	r := &reaper{contacts: map[memberKey]memberContact{}, unnamed: map[instanceKey]memberContact{}, synced: map[string]time.Time{}, cl: cl, logf: logf,
		stop: make(chan struct{}), done: make(chan struct{})}
	observe := func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r.heard(req, time.Now())
		return nil, nil, false // kfake handles the request as usual
	}
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.LeaveGroup} {
		c.ControlKey(int16(key), observe)
	}
	go r.run()
	return r, nil
}

// heard notes a member's request.
func (r *reaper) heard(req kmsg.Request, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch req := req.(type) {
	case *kmsg.JoinGroupRequest:
		c := memberContact{now, time.Duration(req.SessionTimeoutMillis) * time.Millisecond}
		switch {
		case req.MemberID != "":
			r.contacts[memberKey{req.Group, req.MemberID}] = c
		case req.InstanceID != nil: // a static member's id is in the answer
			r.unnamed[instanceKey{req.Group, *req.InstanceID}] = c
		}
		// A dynamic member's first join has no id yet: it is answered
		// MEMBER_ID_REQUIRED and joins again with its id.
	case *kmsg.SyncGroupRequest:
		r.touch(memberKey{req.Group, req.MemberID}, now)
		r.synced[req.Group] = now
	case *kmsg.HeartbeatRequest:
		r.touch(memberKey{req.Group, req.MemberID}, now)
	case *kmsg.LeaveGroupRequest:
		delete(r.contacts, memberKey{req.Group, req.MemberID})
		for _, m := range req.Members {
			delete(r.contacts, memberKey{req.Group, m.MemberID})
		}
	}
}

func (r *reaper) touch(k memberKey, now time.Time) {
	if c, ok := r.contacts[k]; ok {
		c.last = now
		r.contacts[k] = c
	}
}

func (r *reaper) run() {
	defer close(r.done)
	t := time.NewTicker(reapEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.reap(now)
		}
	}
}

// unnamedGroups lists the groups with static members to name.
func (r *reaper) unnamedGroups() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for k := range r.unnamed {
		out[k.group] = true
	}
	return out
}

// name learns the member ids of the static members of a described group
// that joined without one; those that joined before it was asked for
// and that the group does not hold (refused, or already replaced) are
// dropped. (The broker handles a JoinGroup right after the reaper hears
// it, so one heard before the DescribeGroups was sent is in its answer.)
func (r *reaper) name(g kmsg.DescribeGroupsResponseGroup, asked time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range g.Members {
		if m.InstanceID == nil {
			continue
		}
		ik := instanceKey{g.Group, *m.InstanceID}
		c, ok := r.unnamed[ik]
		if !ok {
			continue
		}
		if k := (memberKey{g.Group, m.MemberID}); !r.known(k) {
			r.contacts[k] = c
		}
	}
	for ik, c := range r.unnamed {
		if ik.group == g.Group && c.last.Before(asked) {
			delete(r.unnamed, ik)
		}
	}
}

func (r *reaper) known(k memberKey) bool {
	_, ok := r.contacts[k]
	return ok
}

// silent lists the members that have said nothing for longer than their
// session timeout since they or their group last synced, with that
// timeout, by group. (A member that waited long in its JoinGroup last
// spoke then, yet syncs as soon as it has the answer: only a member
// silent for a whole session since the group settled is dead.)
func (r *reaper) silent(now time.Time) map[string]map[string]time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]map[string]time.Duration{}
	watched := map[string]bool{}
	for k, c := range r.contacts {
		watched[k.group] = true
		if r.silentFor(k, c, now) {
			if out[k.group] == nil {
				out[k.group] = map[string]time.Duration{}
			}
			out[k.group][k.member] = c.session
		}
	}
	for k := range r.unnamed {
		watched[k.group] = true
	}
	for g := range r.synced {
		if !watched[g] {
			delete(r.synced, g)
		}
	}
	return out
}

// silentFor reports whether member k, last heard as c, has been silent
// too long at now; r.mu is held.
func (r *reaper) silentFor(k memberKey, c memberContact, now time.Time) bool {
	since := c.last
	if s := r.synced[k.group]; s.After(since) {
		since = s
	}
	return now.Sub(since) > c.session+reapGrace
}

// stillSilent reports whether member k is still silent too long.
func (r *reaper) stillSilent(k memberKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.contacts[k]
	return ok && r.silentFor(k, c, now)
}

// reap makes the silent members of stable groups leave. A silent member
// of a group in a rebalance may be waiting for its JoinGroup answer, and
// kfake expires those that never sync itself; one no longer in its
// group is forgotten. Groups without silent members cost nothing.
func (r *reaper) reap(now time.Time) {
	unnamed := r.unnamedGroups()
	if len(unnamed) > 0 {
		asked := time.Now()
		// A group that errs (gone since) names no one: its joins
		// are dropped with it.
		r.describe(unnamed, func(g kmsg.DescribeGroupsResponseGroup) { r.name(g, asked) })
	}
	silent := r.silent(now)
	if len(silent) == 0 {
		return
	}
	groups := map[string]bool{}
	for g := range silent {
		groups[g] = true
	}
	r.describe(groups, func(g kmsg.DescribeGroupsResponseGroup) { r.reapGroup(g, silent[g.Group]) })
}

// describe describes groups and hands each to fn; a failed request is
// left to the next tick.
func (r *reaper) describe(groups map[string]bool, fn func(kmsg.DescribeGroupsResponseGroup)) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	req := kmsg.NewPtrDescribeGroupsRequest()
	for g := range groups {
		req.Groups = append(req.Groups, g)
	}
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil {
		return
	}
	for _, g := range resp.Groups {
		fn(g)
	}
}

// reapGroup makes the silent members of g leave if g is stable.
func (r *reaper) reapGroup(g kmsg.DescribeGroupsResponseGroup, silent map[string]time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	members := map[string]bool{}
	for _, m := range g.Members {
		members[m.MemberID] = true
	}
	for id := range silent {
		if !members[id] {
			r.forget(memberKey{g.Group, id})
			continue
		}
		// Only a settled group's silence counts, and a member
		// heard from since (its requests queued behind the
		// describe) lives.
		if g.State != "Stable" || !r.stillSilent(memberKey{g.Group, id}, time.Now()) {
			continue
		}
		leave := kmsg.NewPtrLeaveGroupRequest()
		leave.Group = g.Group
		m := kmsg.NewLeaveGroupRequestMember()
		m.MemberID = id
		reason := "silent past its session timeout (its process died during a rebalance)"
		m.Reason = &reason
		leave.Members = []kmsg.LeaveGroupRequestMember{m}
		if r.leave(ctx, leave) {
			r.logf("group %s: member %s has been silent past its session timeout; removed, so its partitions go to the living members", g.Group, id)
			r.forget(memberKey{g.Group, id})
		}
	}
}

// leave sends req and reports whether the group removed its one member:
// a member that the group expired itself in the meantime is refused
// (UNKNOWN_MEMBER_ID), and is no longer the reaper's to report.
func (r *reaper) leave(ctx context.Context, req *kmsg.LeaveGroupRequest) bool {
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil || resp.ErrorCode != 0 {
		return false
	}
	for _, m := range resp.Members {
		if m.ErrorCode != 0 {
			return false
		}
	}
	return true
}

func (r *reaper) forget(k memberKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.contacts, k)
}

// close stops the reaper, waits for it and closes its client.
func (r *reaper) close() {
	close(r.stop)
	<-r.done
	r.cl.Close()
}

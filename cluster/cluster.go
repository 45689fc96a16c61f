// Package cluster is how the servers of one service id know each other.
// Kafka is the coordinator, as for everything else eddy distributes: every
// server joins a membership consumer group, and each of its Kafka clients
// carries the server's advertised REST URL in its client id. The group's
// members are then the live servers, and the members of a persistent
// query's consumer group, mapped back to servers by client id, say which
// server runs which of the query's tasks. A server that dies without
// leaving (kill -9) stays a member until its session times out.
package cluster

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
)

// clientIDPrefix starts the Kafka client id of a server's clients; the
// advertised URL follows it.
const clientIDPrefix = "eddy@"

// ClientID is the Kafka client id for a server advertising url, so that
// group descriptions name the server behind each member.
func ClientID(advertised string) string { return clientIDPrefix + advertised }

// hostOf is the host:port of the server behind a Kafka client id, as
// ksqlDB names servers in /clusterStatus; ok is false for a client that is
// not a server's.
func hostOf(clientID string) (string, bool) {
	rest, ok := strings.CutPrefix(clientID, clientIDPrefix)
	if !ok {
		return "", false
	}
	return HostPort(rest)
}

// HostPort is the host:port of an advertised URL.
func HostPort(advertised string) (string, bool) {
	u, err := url.Parse(advertised)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Host, true
}

// MembershipGroup is the consumer group every server of the service
// joins while it runs.
func MembershipGroup(serviceID string) string {
	return "_confluent-ksql-" + serviceID + "cluster_members"
}

// Query is what the status needs of a persistent query.
type Query struct {
	ID     string
	Group  string
	Stores []string
}

// Kafka is what membership needs of the client: groups to join and to
// describe.
type Kafka interface {
	Subscribe(ctx context.Context, opts kafka.SubscribeOptions, h kafka.Handler) (kafka.Subscription, error)
	GroupMembers(ctx context.Context, groups ...string) (map[string][]kafka.GroupMember, error)
}

// Config configures a server's membership.
type Config struct {
	Kafka     Kafka
	ServiceID string
	// Advertised is this server's REST URL as the others reach it
	// (ksql.advertised.listener); its clients must use ClientID(Advertised).
	Advertised string
	// Queries lists the persistent queries of the catalog.
	Queries func() []Query
}

// Membership is a server's seat in the service; Close gives it up.
type Membership struct {
	cfg  Config
	self string
	sub  kafka.Subscription

	mu sync.Mutex
	// seen is when each server was last seen alive, by host:port, so a
	// server that left stays listed as not alive.
	seen map[string]int64
}

// Join joins the service's membership group. The group consumes the
// command topic from its end and ignores what it reads: the topic exists
// in every service (the engine creates it before the server joins) and
// carries little.
func Join(ctx context.Context, cfg Config) (*Membership, error) {
	self, ok := HostPort(cfg.Advertised)
	if !ok {
		return nil, fmt.Errorf("advertised listener %q is not a URL such as http://host:8088", cfg.Advertised)
	}
	sub, err := cfg.Kafka.Subscribe(ctx, kafka.SubscribeOptions{
		Group:  MembershipGroup(cfg.ServiceID),
		Topics: []string{metastore.CommandTopic(cfg.ServiceID)},
		Reset:  kafka.Latest,
	}, func(context.Context, []kafka.Record) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("join the service's membership group %s: %w", MembershipGroup(cfg.ServiceID), err)
	}
	return &Membership{cfg: cfg, self: self, sub: sub, seen: map[string]int64{}}, nil
}

// Close leaves the membership group.
func (m *Membership) Close() error { return m.sub.Close() }

// Status describes the membership group and every query's group.
func (m *Membership) Status(ctx context.Context) (api.ClusterStatus, error) {
	var queries []Query
	if m.cfg.Queries != nil {
		queries = m.cfg.Queries()
	}
	groups := []string{MembershipGroup(m.cfg.ServiceID)}
	for _, q := range queries {
		groups = append(groups, q.Group)
	}
	members, err := m.cfg.Kafka.GroupMembers(ctx, groups...)
	if err != nil {
		return api.ClusterStatus{}, err
	}
	now := time.Now().UnixMilli()
	alive := map[string]bool{m.self: true}
	for _, mem := range members[MembershipGroup(m.cfg.ServiceID)] {
		if h, ok := hostOf(mem.ClientID); ok {
			alive[h] = true
		}
	}
	out := api.ClusterStatus{ClusterStatus: map[string]api.HostStatus{}}
	m.mu.Lock()
	for h := range alive {
		m.seen[h] = now
	}
	for h, at := range m.seen {
		out.ClusterStatus[h] = api.HostStatus{HostAlive: alive[h], LastStatusUpdateMs: at,
			ActiveStandbyPerQuery: map[string]api.ActiveStandby{},
			HostStoreLags:         api.HostStoreLags{StateStoreLags: map[string]any{}}}
	}
	m.mu.Unlock()
	for _, q := range queries {
		for _, mem := range members[q.Group] {
			h, ok := hostOf(mem.ClientID)
			hs, listed := out.ClusterStatus[h]
			if !ok || !listed || len(mem.Assigned) == 0 {
				continue
			}
			as := hs.ActiveStandbyPerQuery[q.ID]
			if as.ActiveStores == nil {
				as = api.ActiveStandby{ActiveStores: slices.Clone(q.Stores), ActivePartitions: []api.TopicPartition{},
					StandByStores: []string{}, StandByPartitions: []api.TopicPartition{}}
				if as.ActiveStores == nil {
					as.ActiveStores = []string{}
				}
			}
			for _, t := range slices.Sorted(maps.Keys(mem.Assigned)) {
				for _, p := range mem.Assigned[t] {
					as.ActivePartitions = append(as.ActivePartitions, api.TopicPartition{Topic: t, Partition: p})
				}
			}
			hs.ActiveStandbyPerQuery[q.ID] = as
		}
	}
	return out, nil
}

// Servers are the REST URLs, as they advertise them, of the other
// servers of the service that are running (members of its membership
// group).
func (m *Membership) Servers(ctx context.Context) ([]string, error) {
	return m.others(ctx, MembershipGroup(m.cfg.ServiceID), false)
}

// Peers are the REST URLs, as they advertise them, of the other servers
// with partitions of group (a persistent query's consumer group).
func (m *Membership) Peers(ctx context.Context, group string) ([]string, error) {
	return m.others(ctx, group, true)
}

// others lists the advertised REST URLs of the servers other than this
// one in group, only those with partitions assigned when assigned is set.
func (m *Membership) others(ctx context.Context, group string, assigned bool) ([]string, error) {
	members, err := m.cfg.Kafka.GroupMembers(ctx, group)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mem := range members[group] {
		adv, ok := strings.CutPrefix(mem.ClientID, clientIDPrefix)
		if !ok || (assigned && len(mem.Assigned) == 0) {
			continue
		}
		if h, ok := HostPort(adv); !ok || h == m.self || slices.Contains(out, adv) {
			continue
		}
		out = append(out, adv)
	}
	return out, nil
}

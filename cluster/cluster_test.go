package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
)

// TestMembership: two servers joined to one service list each other as
// alive; one that leaves stays listed, not alive, with the time it was
// last seen; a query group's member is credited to its server.
func TestMembership(t *testing.T) {
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	ctx := context.Background()
	join := func(url string, queries func() []Query) *Membership {
		t.Helper()
		cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: ClientID(url)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cl.Close() })
		m, err := Join(ctx, Config{Kafka: cl, ServiceID: "svc_", Advertised: url, Queries: queries})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// A stand-in for a persistent query of server B: a member of the
	// query's group whose client id names B.
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: ClientID("http://b:8088")})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "in", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	// The engine creates the command topic before a server joins.
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: metastore.CommandTopic("svc_"), Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	q, err := cl.Subscribe(ctx, kafka.SubscribeOptions{Group: "qgroup", Topics: []string{"in"}},
		func(context.Context, []kafka.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()

	queries := func() []Query { return []Query{{ID: "CTAS_X_0", Group: "qgroup", Stores: []string{"Aggregate"}}} }
	a := join("http://a:8088", queries)
	defer a.Close()
	b := join("http://b:8088", queries)

	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := a.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hb := st.ClusterStatus["b:8088"]
		if st.ClusterStatus["a:8088"].HostAlive && hb.HostAlive && len(hb.ActiveStandbyPerQuery["CTAS_X_0"].ActivePartitions) == 2 {
			if got := hb.ActiveStandbyPerQuery["CTAS_X_0"].ActiveStores; len(got) != 1 || got[0] != "Aggregate" {
				t.Fatalf("b's stores: %v", got)
			}
			if len(st.ClusterStatus["a:8088"].ActiveStandbyPerQuery) != 0 {
				t.Fatalf("a is credited with tasks it does not run: %+v", st.ClusterStatus["a:8088"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a does not see b alive with both partitions: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Close()
	deadline = time.Now().Add(30 * time.Second)
	for {
		st, err := a.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if hb, ok := st.ClusterStatus["b:8088"]; ok && !hb.HostAlive {
			if hb.LastStatusUpdateMs <= 0 || hb.LastStatusUpdateMs > time.Now().UnixMilli() {
				t.Fatalf("b last seen at %d", hb.LastStatusUpdateMs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b still alive or gone after leaving: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestJoinRefusesABadAdvertisedListener(t *testing.T) {
	if _, err := Join(context.Background(), Config{Advertised: "localhost"}); err == nil {
		t.Fatal("an advertised listener without a scheme and host was accepted")
	}
}

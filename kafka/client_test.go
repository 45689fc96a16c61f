package kafka

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// startBroker starts an embedded broker on a free port in a temp dir and
// dials it; both are closed when the test ends.
func startBroker(t testing.TB) (*Embedded, *Client) {
	t.Helper()
	e, c := startEmbeddedAt(t, t.TempDir())
	t.Cleanup(func() { e.Close() })
	return e, c
}

// startEmbeddedAt starts a broker on dir and dials it; the caller closes
// the broker (tests that restart it on the same dir close it between).
func startEmbeddedAt(t testing.TB, dir string) (*Embedded, *Client) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	return e, dial(t, e)
}

// startEmbeddedWithTopic starts a broker on dir, as startEmbeddedAt, and
// creates topic there.
func startEmbeddedWithTopic(t testing.TB, dir string, topic TopicInfo) (*Embedded, *Client, context.Context) {
	t.Helper()
	e, c := startEmbeddedAt(t, dir)
	return e, c, createTestTopic(t, c, topic)
}

// startBrokerWithTopic starts a broker, as startBroker, and creates topic
// there.
func startBrokerWithTopic(t testing.TB, topic TopicInfo) (*Embedded, *Client, context.Context) {
	t.Helper()
	e, c := startBroker(t)
	return e, c, createTestTopic(t, c, topic)
}

// createTestTopic creates topic through c and returns the test's context.
func createTestTopic(t testing.TB, c *Client, topic TopicInfo) context.Context {
	t.Helper()
	ctx := testCtx(t)
	if err := c.CreateTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func dial(t testing.TB, e *Embedded) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, ClientID: "eddy-test", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientTopics(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "b", Partitions: 3, Configs: map[string]string{"cleanup.policy": "compact"}})
	if err := c.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 3}); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	if err := c.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 4}); !errors.Is(err, ErrTopicConflict) {
		t.Fatalf("conflicting create: %v", err)
	}
	if err := c.CreateTopic(ctx, TopicInfo{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	info, ok, err := c.Topic(ctx, "b")
	if err != nil || !ok {
		t.Fatalf("Topic(b): %v %v", ok, err)
	}
	if info.Partitions != 3 || info.Replicas != 1 || info.Configs["cleanup.policy"] != "compact" {
		t.Fatalf("Topic(b) = %+v", info)
	}
	if _, ok, err := c.Topic(ctx, "nope"); ok || err != nil {
		t.Fatalf("Topic(nope): %v %v", ok, err)
	}
	ts, err := c.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ti := range ts {
		names = append(names, fmt.Sprintf("%s/%d", ti.Name, ti.Partitions))
	}
	if !slices.Contains(names, "a/1") || !slices.Contains(names, "b/3") || !slices.IsSorted(names) {
		t.Fatalf("Topics = %v", names)
	}
	if err := c.DeleteTopic(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Topic(ctx, "b"); ok {
		t.Fatal("b survived delete")
	}
	if err := c.DeleteTopic(ctx, "b"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("delete missing: %v", err)
	}
	if _, err := c.ReadAll(ctx, "b"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("ReadAll missing: %v", err)
	}
}

func TestClientProduceReadAll(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	const parts = 4
	if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: parts}); err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for i := range 500 {
		recs = append(recs, Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "k%d", i%37),
			Value: fmt.Appendf(nil, "v%d", i), Timestamp: 1_700_000_000_000 + int64(i)})
	}
	for _, v := range murmur2Vectors {
		recs = append(recs, Record{Topic: "t", Partition: -1, Key: []byte(v.in), Value: []byte(v.in)})
	}
	recs = append(recs,
		Record{Topic: "t", Partition: 2, Key: []byte("k0"), Value: []byte("explicit"),
			Headers: []Header{{Key: "h", Value: []byte("hv")}, {Key: "null"}}},
		Record{Topic: "t", Partition: -1, Key: []byte("tomb"), Value: nil},
		Record{Topic: "t", Partition: -1, Value: []byte("nullkey")},
	)
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Key != nil && i != 500+len(murmur2Vectors) {
			if want := KeyPartition(r.Key, parts); r.Partition != want {
				t.Fatalf("record %d key %s on partition %d, Java murmur2 says %d", i, r.Key, r.Partition, want)
			}
		}
	}
	for _, v := range murmur2Vectors { // the Java vectors, placed by the broker client
		i := slices.IndexFunc(recs, func(r Record) bool { return string(r.Value) == v.in })
		if want := (v.want & 0x7fffffff) % parts; recs[i].Partition != want {
			t.Fatalf("%q on %d, want %d", v.in, recs[i].Partition, want)
		}
	}
	explicit := recs[500+len(murmur2Vectors)]
	if explicit.Partition != 2 {
		t.Fatalf("explicit record on partition %d", explicit.Partition)
	}

	all, err := c.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(recs) {
		t.Fatalf("ReadAll returned %d records, want %d", len(all), len(recs))
	}
	// Partition by partition, offsets ascending, every produced offset
	// present with its content.
	byPos := map[[2]int64]Record{}
	for i, r := range all {
		if i > 0 {
			prev := all[i-1]
			if r.Partition < prev.Partition || (r.Partition == prev.Partition && r.Offset <= prev.Offset) {
				t.Fatalf("ReadAll out of order at %d: %d/%d after %d/%d", i, r.Partition, r.Offset, prev.Partition, prev.Offset)
			}
		}
		byPos[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	for _, r := range recs {
		got, ok := byPos[[2]int64{int64(r.Partition), r.Offset}]
		if !ok || string(got.Value) != string(r.Value) || string(got.Key) != string(r.Key) {
			t.Fatalf("record %d/%d: got %+v want %+v", r.Partition, r.Offset, got, r)
		}
		if (got.Value == nil) != (r.Value == nil) || (got.Key == nil) != (r.Key == nil) {
			t.Fatalf("null-ness lost at %d/%d", r.Partition, r.Offset)
		}
	}
	got := byPos[[2]int64{2, explicit.Offset}]
	if len(got.Headers) != 2 || string(got.Headers[0].Value) != "hv" || got.Headers[1].Value != nil {
		t.Fatalf("headers %+v", got.Headers)
	}
	if first := byPos[[2]int64{int64(recs[0].Partition), recs[0].Offset}]; first.Timestamp != 1_700_000_000_000 {
		t.Fatalf("timestamp %d", first.Timestamp)
	}
}

// consumeUntil subscribes and collects values until want distinct values
// arrived, then closes the subscription.
func consumeUntil(t *testing.T, c Cluster, opts SubscribeOptions, want int) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		got  []string
		seen = map[string]bool{}
		full = make(chan struct{})
		wait = full
	)
	s, err := c.Subscribe(testCtx(t), opts, func(_ context.Context, b []Record) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range b {
			got = append(got, string(r.Value))
			seen[string(r.Value)] = true
		}
		if len(seen) >= want && full != nil {
			close(full)
			full = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-wait:
	case <-s.Done():
		t.Fatalf("subscription stopped: %v", s.Err())
	case <-time.After(30 * time.Second):
		mu.Lock()
		t.Fatalf("timed out with %d of %d records", len(seen), want)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(got)
}

func produceN(t *testing.T, c Cluster, topic string, from, n int) {
	t.Helper()
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Topic: topic, Partition: -1, Key: fmt.Appendf(nil, "k%d", from+i), Value: fmt.Appendf(nil, "%d", from+i)}
	}
	if err := c.Produce(testCtx(t), recs...); err != nil {
		t.Fatal(err)
	}
}

// TestClientGroupResume: a group commits what it processed; after Close
// and re-Subscribe it resumes where it left off, and a batch whose handler
// failed is delivered again (at-least-once: nothing lost).
func TestClientGroupResume(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 3})
	produceN(t, c, "t", 0, 100)
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest}
	if got := consumeUntil(t, c, opts, 100); len(got) != 100 {
		t.Fatalf("first run got %d records (duplicates on a clean run?)", len(got))
	}

	produceN(t, c, "t", 100, 50)
	got := consumeUntil(t, c, opts, 50)
	slices.Sort(got)
	for _, v := range got {
		var n int
		fmt.Sscan(v, &n)
		if n < 100 {
			t.Fatalf("record %s redelivered after a clean close and commit", v)
		}
	}
	if len(got) != 50 {
		t.Fatalf("resume got %d records, want 50", len(got))
	}

	// A failing handler: its batch must not be committed.
	produceN(t, c, "t", 150, 10)
	boom := errors.New("boom")
	s, err := c.Subscribe(ctx, opts, func(context.Context, []Record) error { return boom })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("failing subscription did not stop")
	}
	if !errors.Is(s.Err(), boom) {
		t.Fatalf("Err = %v", s.Err())
	}
	s.Close()
	got = consumeUntil(t, c, opts, 10)
	if len(got) < 10 {
		t.Fatalf("after failure got %d records, want the 10 again", len(got))
	}
}

// TestClientNoCommitLatest: a push-query style subscription sees only
// records produced after Subscribe and commits nothing.
func TestClientNoCommitLatest(t *testing.T) {
	expectLatest(t, SubscribeOptions{Topics: []string{"t"}, Reset: Latest, NoCommit: true})
}

// TestClientNoCommitLatestAfterLookupAndCreate: a push-query style
// subscription (and a group's, under Latest) to a topic made right after
// a lookup found it missing (as CREATE STREAM checks, then creates), by
// this client or another, starts at the topic's end, not at
// whatever end a later, lazy lookup finds: kgo's cache of metadata for
// admin requests remembered the topic as missing, so the listing of end
// offsets did not see it and every record written right after Subscribe
// was skipped.
func TestClientNoCommitLatestAfterLookupAndCreate(t *testing.T) {
	e, c := startBroker(t)
	other := dial(t, e) // another client, as a tool making the topic
	ctx := testCtx(t)
	for i, maker := range []*Client{c, c, other, other, c, other} {
		topic := fmt.Sprintf("made%d", i)
		opts := SubscribeOptions{Topics: []string{topic}, Reset: Latest, NoCommit: true}
		if i >= 4 { // a persistent query's group under Latest lists ends the same way
			opts = SubscribeOptions{Group: "g" + topic, Topics: []string{topic}, Reset: Latest}
		}
		if _, ok, err := c.Topic(ctx, topic); err != nil || ok {
			t.Fatalf("lookup of %s before its creation: exists %v, %v", topic, ok, err)
		}
		if err := maker.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 2}); err != nil {
			t.Fatal(err)
		}
		if maker == c {
			ends, err := c.EndOffsets(ctx, topic)
			if err != nil || len(ends) != 2 {
				t.Fatalf("end offsets of %s right after its creation: %v, %v", topic, ends, err)
			}
		}
		expectLatestOn(t, c, maker, topic, opts)
	}
}

// TestClientGroupLatestStartsAtSubscribe: a new group under Latest reads
// every record produced after Subscribe returned, even those written
// before its first join completes, and none from before.
func TestClientGroupLatestStartsAtSubscribe(t *testing.T) {
	expectLatest(t, SubscribeOptions{Group: "fresh", Topics: []string{"t"}, Reset: Latest})
}

// expectLatest subscribes with opts to a topic t holding 20 records,
// writes 5 more at once and expects exactly those 5.
func expectLatest(t *testing.T, opts SubscribeOptions) {
	t.Helper()
	_, c, _ := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	expectLatestOn(t, c, c, "t", opts)
}

// expectLatestOn has writer write 20 records to topic, subscribes c with
// opts, has writer write 5 more at once and expects exactly those 5.
func expectLatestOn(t *testing.T, c, writer *Client, topic string, opts SubscribeOptions) {
	t.Helper()
	ctx := testCtx(t)
	produceN(t, writer, topic, 0, 20)
	got := make(chan string, 100)
	s, err := c.Subscribe(ctx, opts, func(_ context.Context, b []Record) error {
		for _, r := range b {
			got <- string(r.Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	produceN(t, writer, topic, 20, 5) // at once: a group has not joined yet
	seen := map[string]bool{}
	for len(seen) < 5 {
		select {
		case v := <-got:
			var n int
			fmt.Sscan(v, &n)
			if n < 20 {
				t.Fatalf("Latest delivered old record %s", v)
			}
			seen[v] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("timed out with %d of the 5 records written right after Subscribe: %v", len(seen), seen)
		}
	}
}

// TestClientSubscriptionCloseStopsGoroutines checks that Close leaves no
// goroutine behind (the consumer client's included).
func TestClientSubscriptionCloseStopsGoroutines(t *testing.T) {
	_, c, _ := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	produceN(t, c, "t", 0, 10)
	waitGoroutines := func(want int) int {
		var n int
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n = runtime.NumGoroutine(); n <= want {
				break
			}
		}
		return n
	}
	time.Sleep(100 * time.Millisecond) // let the setup's connections settle
	base := runtime.NumGoroutine()
	for _, noCommit := range []bool{false, true} {
		consumeUntil(t, c, SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest, NoCommit: noCommit}, 10)
		if n := waitGoroutines(base); n > base {
			buf := make([]byte, 1<<20)
			t.Fatalf("noCommit=%v: %d goroutines after Close, baseline %d\n%s", noCommit, n, base, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestClientGroupShare: two members of one group split the partitions
// (as servers sharing a query do); together they see every record, and
// the revocation commit leaves nothing for a third run to redo.
func TestClientGroupShare(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 4})
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		by   = map[int]int{}
	)
	handler := func(member int) Handler {
		return func(_ context.Context, b []Record) error {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range b {
				seen[string(r.Value)] = true
				by[member]++
			}
			return nil
		}
	}
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest}
	s1, err := c.Subscribe(ctx, opts, handler(1))
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	produceN(t, c, "t", 0, 100)
	s2, err := c.Subscribe(ctx, opts, handler(2))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	// Keep producing until the second member got a share, then until
	// every record produced is seen. (Waiting for both at one instant
	// while producing failed when the members lagged a few records at
	// each look, on a loaded machine.)
	produced, deadline := 100, time.Now().Add(time.Minute)
	counts := func() (n2, total int, byMember string) {
		mu.Lock()
		defer mu.Unlock()
		return by[2], len(seen), fmt.Sprint(by)
	}
	for {
		produceN(t, c, "t", produced, 100)
		produced += 100
		if n2, total, byMember := counts(); n2 > 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("second member never got records: %s, %d seen", byMember, total)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		_, total, byMember := counts()
		if total == produced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records seen: %s", total, produced, byMember)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s1.Close()
	s2.Close()
	mu.Lock()
	total := len(seen)
	mu.Unlock()
	if n := committedSum(t, c, "g", "t"); n != int64(total) {
		t.Fatalf("committed %d, processed %d", n, total)
	}
}

// TestSubscribeMaxBatch: a subscription bounded to three records a batch
// gets a preloaded backlog of fifty in calls of at most three, all of it.
func TestSubscribeMaxBatch(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 1})
	produceN(t, c, "t", 0, 50)
	var mu sync.Mutex
	seen, largest := 0, 0
	done := make(chan struct{})
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest, MaxBatch: 3}
	s, err := c.Subscribe(ctx, opts, func(_ context.Context, batch []Record) error {
		mu.Lock()
		defer mu.Unlock()
		largest = max(largest, len(batch))
		if seen += len(batch); seen == 50 {
			close(done)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the backlog did not arrive")
	}
	mu.Lock()
	defer mu.Unlock()
	if largest > 3 {
		t.Errorf("a batch of %d records, want at most 3", largest)
	}
}

// TestLongWaitEndsOnAssignment: a subscription whose handler asks for a
// long wait between empty calls (an idle query) still sees partitions
// assigned to it at once, with no record to wake it: the first member's
// at the start, and a second member's when it joins the group.
func TestLongWaitEndsOnAssignment(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	member := func() (sub Subscription, handledAfterAssign chan struct{}) {
		var mu sync.Mutex
		assigned := 0
		handledAfterAssign = make(chan struct{}, 16)
		opts := SubscribeOptions{
			Group: "g", Topics: []string{"t"}, Reset: Earliest,
			Held: func(string, int32) (int64, int) { return -1, 0 },
			Tick: func() time.Duration { return time.Hour },
			OnAssign: func(_ string, ps []int32) {
				mu.Lock()
				assigned += len(ps)
				mu.Unlock()
			},
		}
		sub, err := c.Subscribe(ctx, opts, func(context.Context, []Record) error {
			mu.Lock()
			defer mu.Unlock()
			if assigned > 0 {
				assigned = 0
				handledAfterAssign <- struct{}{}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close() })
		return sub, handledAfterAssign
	}
	wait := func(who string, ch chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the handler was not called after an assignment (it waited the hour)", who)
		}
	}
	_, first := member()
	wait("first member", first)
	_, second := member()
	wait("second member", second)
}

// TestClientDeleteGroup: a group with a member is not deleted
// (ErrNonEmptyGroup); once it is empty it goes with its committed
// offsets, and deleting it again, or a group that never was, is no error.
func TestClientDeleteGroup(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	produceN(t, c, "t", 0, 10)
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest}
	if got := consumeUntil(t, c, opts, 10); len(got) != 10 {
		t.Fatalf("got %d records", len(got))
	}
	s, err := c.Subscribe(ctx, opts, func(context.Context, []Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := c.GroupMembers(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		if len(m["g"]) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription never joined")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.DeleteGroup(ctx, "g"); !errors.Is(err, ErrNonEmptyGroup) {
		t.Fatalf("DeleteGroup of a group with a member: %v", err)
	}
	s.Close()
	if err := c.DeleteGroup(ctx, "g"); err != nil {
		t.Fatalf("DeleteGroup of an empty group: %v", err)
	}
	if offs, err := c.GroupOffsets(ctx, "g", "t"); err != nil || len(offs) > 0 {
		t.Fatalf("offsets after DeleteGroup: %v, %v", offs, err)
	}
	for _, g := range []string{"g", "never"} {
		if err := c.DeleteGroup(ctx, g); err != nil {
			t.Fatalf("DeleteGroup(%s): %v", g, err)
		}
	}
}

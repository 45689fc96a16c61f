package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func recordValues(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
	}
	return out
}

func TestMemTopics(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{DefaultPartitions: 3})
	defer m.Close()

	if err := m.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 2, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 2}); err != nil {
		t.Fatalf("same partition count must be fine: %v", err)
	}
	if err := m.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 5}); !errors.Is(err, ErrTopicConflict) {
		t.Fatalf("conflict: got %v", err)
	}
	if err := m.CreateTopic(ctx, TopicInfo{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Produce(ctx, Record{Topic: "c", Partition: -1, Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	ts, err := m.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ti := range ts {
		names = append(names, fmt.Sprintf("%s/%d", ti.Name, ti.Partitions))
	}
	if want := []string{"a/3", "b/2", "c/3"}; !slices.Equal(names, want) {
		t.Fatalf("topics %v, want %v", names, want)
	}
	if !m.AutoCreated("c") || m.AutoCreated("a") {
		t.Fatalf("auto-created flags wrong")
	}
	info, ok, err := m.Topic(ctx, "b")
	if err != nil || !ok || info.Configs["cleanup.policy"] != "compact" || info.Replicas != 1 {
		t.Fatalf("Topic(b) = %+v %v %v", info, ok, err)
	}
	if err := m.DeleteTopic(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.Topic(ctx, "b"); ok {
		t.Fatal("b still there")
	}
	if err := m.DeleteTopic(ctx, "b"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("delete missing: %v", err)
	}
	if _, err := m.ReadAll(ctx, "b"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("read missing: %v", err)
	}
}

func TestMemProducePartitioning(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{DefaultPartitions: 4})
	recs := []Record{
		{Topic: "t", Partition: -1, Key: []byte("foobar"), Value: []byte("1")},
		{Topic: "t", Partition: 3, Key: []byte("foobar"), Value: []byte("2")},
		{Topic: "t", Partition: -1, Value: []byte("3")},
		{Topic: "t", Partition: -1, Value: []byte("4")},
		{Topic: "t", Partition: -1, Key: []byte("foobar"), Value: nil},
	}
	if err := m.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	wantPart := KeyPartition([]byte("foobar"), 4)
	if recs[0].Partition != wantPart || recs[4].Partition != wantPart {
		t.Fatalf("keyed partitions %d %d, want %d", recs[0].Partition, recs[4].Partition, wantPart)
	}
	if recs[1].Partition != 3 {
		t.Fatalf("explicit partition %d", recs[1].Partition)
	}
	if wantPart != 2 {
		t.Fatalf("murmur2 placement of foobar over 4 partitions: %d, Java says 2", wantPart)
	}
	if recs[2].Partition != 0 || recs[3].Partition != 1 {
		t.Fatalf("round robin gave %d %d", recs[2].Partition, recs[3].Partition)
	}
	// Offsets count per partition.
	if recs[0].Offset != 0 || recs[4].Offset != 1 {
		t.Fatalf("offsets %d %d", recs[0].Offset, recs[4].Offset)
	}
	if err := m.Produce(ctx, Record{Topic: "t", Partition: 9}); err == nil {
		t.Fatal("partition out of range accepted")
	}
	all, err := m.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if got := recordValues(all); !slices.Equal(got, []string{"1", "2", "3", "4", ""}) {
		t.Fatalf("ReadAll order %q", got)
	}
	if all[4].Value != nil {
		t.Fatal("tombstone lost its nil value")
	}
}

// TestMemCascade checks synchronous, depth-first delivery through a chain
// of subscriptions, and that a subscription is not re-entered by records
// it produces to its own input.
func TestMemCascade(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{})
	var trace []string
	inA := false
	subA, err := m.Subscribe(ctx, SubscribeOptions{Group: "a", Topics: []string{"in"}, Reset: Earliest},
		func(ctx context.Context, b []Record) error {
			if inA {
				t.Error("re-entered subscription a")
			}
			inA = true
			defer func() { inA = false }()
			v := string(b[0].Value)
			trace = append(trace, "a:"+v)
			if v == "1" {
				// Loops back into our own input: queued, not nested.
				if err := m.Produce(ctx, Record{Topic: "in", Partition: -1, Value: []byte("1b")}); err != nil {
					return err
				}
				trace = append(trace, "a:after-loop")
			}
			return m.Produce(ctx, Record{Topic: "mid", Partition: -1, Value: []byte(v)})
		})
	if err != nil {
		t.Fatal(err)
	}
	defer subA.Close()
	subB, err := m.Subscribe(ctx, SubscribeOptions{Group: "b", Topics: []string{"mid"}, Reset: Earliest},
		func(ctx context.Context, b []Record) error {
			trace = append(trace, "b:"+string(b[0].Value))
			return m.Produce(ctx, Record{Topic: "out", Partition: -1, Value: b[0].Value})
		})
	if err != nil {
		t.Fatal(err)
	}
	defer subB.Close()

	if err := m.Produce(ctx,
		Record{Topic: "in", Partition: -1, Value: []byte("1")},
		Record{Topic: "in", Partition: -1, Value: []byte("2")}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:1", "a:after-loop", "b:1", "a:1b", "b:1b", "a:2", "b:2"}
	if !slices.Equal(trace, want) {
		t.Fatalf("trace\n got %q\nwant %q", trace, want)
	}
	out, _ := m.ReadAll(ctx, "out")
	if got := recordValues(out); !slices.Equal(got, []string{"1", "1b", "2"}) {
		t.Fatalf("out %q", got)
	}
}

func TestMemSubscribeResetAndResume(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{DefaultPartitions: 2})
	for i := range 4 {
		if err := m.Produce(ctx, Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(opts SubscribeOptions) (*[]string, Subscription) {
		var got []string
		s, err := m.Subscribe(ctx, opts, func(_ context.Context, b []Record) error {
			got = append(got, recordValues(b)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return &got, s
	}

	latest, ls := collect(SubscribeOptions{Group: "l", Topics: []string{"t"}, Reset: Latest})
	got, s := collect(SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest})
	if want := []string{"0", "1", "2", "3"}; !slices.Equal(*got, want) {
		t.Fatalf("earliest backlog %q (must be in production order)", *got)
	}
	if len(*latest) != 0 {
		t.Fatalf("latest got backlog %q", *latest)
	}
	m.Produce(ctx, Record{Topic: "t", Partition: -1, Value: []byte("4")})
	if !slices.Equal(*latest, []string{"4"}) {
		t.Fatalf("latest %q", *latest)
	}
	s.Close()
	ls.Close()
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	// Produced while the group is away: delivered on re-subscribe, and
	// nothing already processed comes back, whatever Reset says.
	m.Produce(ctx, Record{Topic: "t", Partition: -1, Value: []byte("5")})
	got2, s2 := collect(SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Latest})
	defer s2.Close()
	if !slices.Equal(*got2, []string{"5"}) {
		t.Fatalf("resume got %q", *got2)
	}
	var total int64
	for _, o := range m.Committed("g")["t"] {
		total += o
	}
	if total != 6 {
		t.Fatalf("committed offsets %v sum %d, want 6", m.Committed("g"), total)
	}
	// NoCommit subscriptions do not commit.
	_, s3 := collect(SubscribeOptions{Group: "nc", Topics: []string{"t"}, Reset: Earliest, NoCommit: true})
	s3.Close()
	if len(m.Committed("nc")) != 0 {
		t.Fatal("NoCommit subscription committed")
	}
}

func TestMemHandlerError(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{})
	boom := errors.New("boom")
	calls := 0
	s, err := m.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}}, func(context.Context, []Record) error {
		calls++
		return boom
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Produce(ctx, Record{Topic: "t", Partition: -1}, Record{Topic: "t", Partition: -1}); err != nil {
		t.Fatalf("Produce must succeed despite handler error: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed")
	}
	if !errors.Is(s.Err(), boom) || calls != 1 {
		t.Fatalf("err %v calls %d", s.Err(), calls)
	}
	if len(m.Committed("g")) != 0 {
		t.Fatal("failed record was committed")
	}
}

// TestMemConcurrent runs producers beside a subscription (as push queries
// do) under the race detector; every record must arrive exactly once.
func TestMemConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{DefaultPartitions: 3})
	var mu sync.Mutex
	seen := map[string]int{}
	s, err := m.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: []string{"t"}}, func(_ context.Context, b []Record) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range b {
			seen[string(r.Value)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				if err := m.Produce(ctx, Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "%d", i), Value: fmt.Appendf(nil, "%d-%d", g, i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s.Close()
	if len(seen) != 800 {
		t.Fatalf("saw %d distinct records, want 800", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", v, n)
		}
	}
}

type failedAt struct{ error }

func (failedAt) FailedRecord() (string, int32, int64) { return "t", 0, 1 }

// A handler's error is reported at the record it came with, unless it
// names its own record (a sink's bad record), which it then names alone.
func TestHandlerErrorNamesTheRecordOnce(t *testing.T) {
	ctx := context.Background()
	m := NewMemCluster(MemOptions{})
	if err := m.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if err := m.Produce(ctx, Record{Topic: "t", Partition: 0, Value: []byte("a")}, Record{Topic: "t", Partition: 0, Value: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		err  error
		want string
	}{
		{errors.New("boom"), "handler for group g0 at t/0@1: boom"},
		{failedAt{errors.New("bad record at t/0@1")}, "handler for group g1: bad record at t/0@1"},
	} {
		sub, err := m.Subscribe(ctx, SubscribeOptions{Group: fmt.Sprintf("g%d", i), Topics: []string{"t"}, Reset: Earliest},
			func(_ context.Context, b []Record) error {
				if b[0].Offset == 1 {
					return c.err
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		<-sub.Done()
		if got := sub.Err(); got == nil || got.Error() != c.want {
			t.Errorf("Err() = %v, want %s", got, c.want)
		}
		sub.Close()
	}
}

package kafka

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashImage copies the data directory of a running broker, as a crash
// would leave it: what was written, without the snapshots Close writes.
func crashImage(t *testing.T, dir string) string {
	t.Helper()
	crashed := t.TempDir()
	if out, err := exec.Command("cp", "-a", dir+"/.", crashed).CombinedOutput(); err != nil {
		t.Fatalf("copy the running broker's directory: %v: %s", err, out)
	}
	return crashed
}

// committedSum is the sum over partitions of group's committed offsets on
// topic, i.e. how many records the group has processed.
func committedSum(t *testing.T, c *Client, group, topic string) int64 {
	t.Helper()
	resp, err := c.adm.FetchOffsets(testCtx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, o := range resp[topic] {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		sum += o.At
	}
	return sum
}

// TestEmbeddedRestartPersistence: after a clean Close, a broker restarted
// on the same DataDir still has the topics, the records and the group's
// committed offsets, and the group resumes where it stopped.
func TestEmbeddedRestartPersistence(t *testing.T) {
	dir := t.TempDir()
	e1, c1, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "t", Partitions: 2, Configs: map[string]string{"retention.ms": "-1"}})
	produceN(t, c1, "t", 0, 20)
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest}
	consumeUntil(t, c1, opts, 20)
	before, err := c1.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	c1.Close()
	e1.Close()

	e2, c2 := startEmbeddedAt(t, dir)
	defer e2.Close()
	info, ok, err := c2.Topic(ctx, "t")
	if err != nil || !ok || info.Partitions != 2 || info.Configs["retention.ms"] != "-1" {
		t.Fatalf("topic after restart: %+v %v %v", info, ok, err)
	}
	after, err := c2.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d records after restart, %d before", len(after), len(before))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.Partition != b.Partition || a.Offset != b.Offset || string(a.Value) != string(b.Value) || string(a.Key) != string(b.Key) {
			t.Fatalf("record %d changed: %+v -> %+v", i, b, a)
		}
	}
	if n := committedSum(t, c2, "g", "t"); n != 20 {
		t.Fatalf("committed offsets sum to %d after restart, want 20", n)
	}
	produceN(t, c2, "t", 20, 5)
	if got := consumeUntil(t, c2, opts, 5); len(got) != 5 {
		t.Fatalf("group resumed with %d records (%v), want the 5 new ones", len(got), got)
	}
}

// TestEmbeddedPurgedPartitionKeepsItsEnd: a partition a query purged up
// to its end (a repartition topic it has read whole) keeps its end offset
// across a restart, so the next records continue the offsets instead of
// starting again at 0, below what the query has read and restored.
func TestEmbeddedPurgedPartitionKeepsItsEnd(t *testing.T) {
	dir := t.TempDir()
	e1, c1, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "rp", Partitions: 1})
	produceN(t, c1, "rp", 0, 10)
	if err := c1.DeleteRecordsBefore(ctx, "rp", map[int32]int64{0: 10}); err != nil {
		t.Fatal(err)
	}
	c1.Close()
	e1.Close()

	e2, c2 := startEmbeddedAt(t, dir)
	defer e2.Close()
	ends, err := c2.EndOffsets(ctx, "rp")
	if err != nil || ends[0] != 10 {
		t.Fatalf("end offsets after restart: %v, %v; want partition 0 at 10", ends, err)
	}
	produceN(t, c2, "rp", 10, 1)
	recs, err := c2.ReadAll(ctx, "rp")
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Offset != 10 || string(last.Value) != "10" {
		t.Fatalf("the record written after the restart is %+v, want offset 10", last)
	}
}

// TestEmbeddedRetentionEmptiedPartitionKeepsItsEnd: a partition that
// retention emptied keeps its end offset across a clean restart and
// across a crash (its directory copied while the broker runs), as
// Kafka's empty active segment keeps it: a group that had read to the
// end resumes with the next record, and readers see nothing of the
// marker that holds the end.
func TestEmbeddedRetentionEmptiedPartitionKeepsItsEnd(t *testing.T) {
	dir := t.TempDir()
	e1, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", CleanInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c1 := dial(t, e1)
	ctx := testCtx(t)
	const topic = "ret-topic" // a dash, as kfake's directory names end in -<partition>
	if err := c1.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 1, Configs: map[string]string{"retention.ms": "100"}}); err != nil {
		t.Fatal(err)
	}
	produceN(t, c1, topic, 0, 10)
	opts := SubscribeOptions{Group: "g", Topics: []string{topic}, Reset: Earliest}
	consumeUntil(t, c1, opts, 10)
	marker := filepath.Join(dir, "partitions", topic+"-0", "9.dat")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("retention did not empty the partition, or its end was not marked")
		}
	}
	if recs, err := c1.ReadAll(ctx, topic); err != nil || len(recs) != 0 {
		t.Fatalf("after retention: %d records, %v; want none", len(recs), err)
	}
	crashed := crashImage(t, dir)
	c1.Close()
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	for _, restart := range []struct{ name, dir string }{{"clean", dir}, {"crash", crashed}} {
		e, c := startEmbeddedAt(t, restart.dir)
		ends, err := c.EndOffsets(ctx, topic)
		if err != nil || ends[0] != 10 {
			e.Close()
			t.Fatalf("%s restart: end offsets %v, %v; want partition 0 at 10", restart.name, ends, err)
		}
		if recs, err := c.ReadAll(ctx, topic); err != nil || len(recs) != 0 {
			e.Close()
			t.Fatalf("%s restart: %d records before any new one (%+v), %v", restart.name, len(recs), recs, err)
		}
		produceN(t, c, topic, 10, 1)
		got := consumeUntil(t, c, opts, 1)
		n := committedSum(t, c, "g", topic)
		c.Close()
		e.Close()
		if len(got) != 1 || got[0] != "10" || n != 11 {
			t.Fatalf("%s restart: the group resumed with %v and committed %d; want [10] and 11", restart.name, got, n)
		}
	}
}

// TestEmbeddedKill9Child is the broker process that TestEmbeddedKill9
// kills; it does nothing unless started by that test.
func TestEmbeddedKill9Child(t *testing.T) {
	dir := os.Getenv("EDDY_KAFKA_KILL9_DIR")
	if dir == "" {
		t.Skip("helper process for TestEmbeddedKill9")
	}
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR", e.Addr())
	select {} // until killed
}

// TestEmbeddedKill9 kills the broker process with SIGKILL (no Close, no
// final snapshot) and restarts on its DataDir: every acknowledged record,
// the topic and the committed group offset must come back. kfake writes
// each produced batch and each offset commit to its files before it
// answers, so they sit in the OS page cache and survive the process; only
// an OS crash or power loss can lose them (unless SyncWrites is set).
func TestEmbeddedKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	addr, kill := startChildBroker(t, dir)

	ctx := testCtx(t)
	c, err := Dial(ctx, Config{Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	produceN(t, c, "t", 0, 1000)
	opts := SubscribeOptions{Group: "g", Topics: []string{"t"}, Reset: Earliest}
	consumeUntil(t, c, opts, 1000)
	produceN(t, c, "t", 1000, 500) // acknowledged, not consumed
	if n := committedSum(t, c, "g", "t"); n != 1000 {
		t.Fatalf("committed %d before the kill", n)
	}
	// Kill first, then drop the client, so the broker gets no goodbye.
	kill()
	c.Close()

	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("restart after kill -9: %v", err)
	}
	defer e.Close()
	c2 := dial(t, e)
	recs, err := c2.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[string(r.Value)] = true
	}
	if len(recs) != 1500 || len(seen) != 1500 {
		t.Fatalf("after kill -9: %d records (%d distinct), want the 1500 acknowledged", len(recs), len(seen))
	}
	if n := committedSum(t, c2, "g", "t"); n != 1000 {
		t.Fatalf("after kill -9: committed offsets sum to %d, want 1000", n)
	}
	if got := consumeUntil(t, c2, opts, 500); len(got) != 500 {
		t.Fatalf("group resumed with %d records, want 500", len(got))
	}
	// The broker still takes writes where the log left off.
	produceN(t, c2, "t", 1500, 10)
	if recs, _ := c2.ReadAll(ctx, "t"); len(recs) != 1510 {
		t.Fatalf("%d records after writing on the recovered log", len(recs))
	}
}

// startChildBroker starts an embedded broker on dir in a child process
// (TestEmbeddedKill9Child) and returns its address and a kill that sends
// it SIGKILL and waits for it; the test's end kills it if the test did
// not.
func startChildBroker(t *testing.T, dir string) (addr string, kill func()) {
	t.Helper()
	line, kill := startChild(t, "TestEmbeddedKill9Child", func(l string) bool { return strings.HasPrefix(l, "ADDR ") },
		"EDDY_KAFKA_KILL9_DIR="+dir)
	if line == "" {
		t.Fatal("child broker did not start")
	}
	return strings.TrimPrefix(line, "ADDR "), kill
}

// startChild runs the test binary's test (a child helper that does
// nothing unless its environment says so) in a process of its own with
// env added, and waits up to 30 s for the first line it prints that
// match accepts, "" if none came before it exited. kill sends it SIGKILL
// and waits for it; the test's end kills it if the test did not.
func startChild(t *testing.T, test string, match func(line string) bool, env ...string) (line string, kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	t.Cleanup(kill)
	found := make(chan string, 1)
	go func() { // owned by this test: reads the child's output until it closes
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent && match(sc.Text()) {
				found <- sc.Text()
				sent = true
			}
		}
		if !sent {
			found <- ""
		}
	}()
	select {
	case line = <-found:
	case <-time.After(30 * time.Second):
	}
	return line, kill
}

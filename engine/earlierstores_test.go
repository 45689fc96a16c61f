package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// TestJoinKeepsAnEarlierEddysStore: a stream–stream join started by an
// eddy that kept both sides in one store (before 2026-12-02 20:40) goes
// on from that store's changelog after an upgrade, and through later
// restarts. Before, the upgraded server read only the per-side stores'
// changelogs, found none, and the rows the join held were gone: every
// click here joined to a NULL impression (0 of 20,000 in a walk from
// the 2026-12-02 build). The earlier store is played by the per-side
// changelogs' records, whose entries carry their side, copied into the
// one changelog under the earlier name, as the earlier flush wrote them.
func TestJoinKeepsAnEarlierEddysStore(t *testing.T) {
	for _, kind := range []string{state.KindMemory, state.KindPebble} {
		t.Run(kind, func(t *testing.T) { testJoinKeepsAnEarlierEddysStore(t, kind) })
	}
}

func testJoinKeepsAnEarlierEddysStore(t *testing.T, kind string) {
	dir := t.TempDir()
	cl := startBroker(t, filepath.Join(dir, "kafka"))
	stateDir := filepath.Join(dir, "state")
	start := func(logf func(string, ...any)) *Engine {
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: stateDir, Logf: logf,
			Config: map[string]string{"auto.offset.reset": "earliest", StateStoreProperty: kind}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	const n = 1000
	base := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC).UnixMilli()
	ad := func(topic string, offset int) func(i int) kafka.Record {
		return func(i int) kafka.Record {
			return kafka.Record{Key: []byte(fmt.Sprintf("ad%d", i)), Value: []byte(fmt.Sprintf(`{"N":%d}`, i)), Timestamp: base + int64(i)*10 + int64(offset)}
		}
	}

	e := start(t.Logf)
	mustExec(t, e, "CREATE STREAM impressions (ad STRING KEY, n INT) WITH (kafka_topic='impressions', value_format='JSON', partitions=2);")
	mustExec(t, e, "CREATE STREAM clicks (ad STRING KEY, n INT) WITH (kafka_topic='clicks', value_format='JSON', partitions=2);")
	mustExec(t, e, "CREATE STREAM matched AS SELECT c.ad AS ad, c.n AS cn, i.n AS imp FROM clicks c LEFT JOIN impressions i WITHIN 1 HOURS ON c.ad = i.ad;")
	produceChunks(t, cl, "impressions", 0, n, ad("impressions", 0))
	settle(t, e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	mergeIntoEarlierJoinStore(t, cl)
	// The earlier eddy's local stores had other names: none of these.
	if err := os.RemoveAll(filepath.Join(stateDir, "tasks")); err != nil {
		t.Fatal(err)
	}

	var logs logLines
	e2 := start(func(f string, a ...any) { logs.logf(f, a...); t.Logf(f, a...) })
	produceChunks(t, cl, "clicks", 0, n, ad("clicks", 5))
	produceChunks(t, cl, "impressions", n, 2*n, ad("impressions", 0))
	settle(t, e2)
	if logs.find("keeps its joins' state in", "KSTREAM-JOIN-store-changelog") == "" {
		t.Errorf("no query said it keeps its earlier join store")
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}

	e3 := start(t.Logf)
	defer e3.Close()
	produceChunks(t, cl, "clicks", n, 2*n, ad("clicks", 5))
	settle(t, e3)

	recs, err := cl.ReadAll(context.Background(), "MATCHED")
	if err != nil {
		t.Fatal(err)
	}
	matched := map[string]bool{}
	for _, r := range recs {
		var row struct{ CN, IMP *int }
		if err := json.Unmarshal(r.Value, &row); err != nil {
			t.Fatalf("%s: %v", r.Value, err)
		}
		if row.IMP != nil && row.CN != nil && *row.IMP == *row.CN {
			matched[string(r.Key)] = true
		}
	}
	if len(matched) != 2*n {
		t.Errorf("%d of %d clicks joined their impression (%d rows in all)", len(matched), 2*n, len(recs))
	}
}

// mergeIntoEarlierJoinStore makes the join's state what an eddy before
// per-side join stores left: the per-side changelogs' records, in one
// changelog named for the single store, and no per-side changelogs.
func mergeIntoEarlierJoinStore(t *testing.T, cl kafka.Cluster) {
	t.Helper()
	ctx := context.Background()
	topics, err := cl.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sides []kafka.TopicInfo
	for _, ti := range topics {
		if strings.Contains(ti.Name, "-KSTREAM-") && strings.HasSuffix(ti.Name, "-store-changelog") {
			sides = append(sides, ti)
		}
	}
	if len(sides) != 2 {
		t.Fatalf("changelogs of the join's sides: %v", sides)
	}
	earlier := sides[0].Name[:strings.Index(sides[0].Name, "-KSTREAM-")] + "-KSTREAM-JOIN-store-changelog"
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: earlier, Partitions: sides[0].Partitions, Replicas: 1, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
		t.Fatal(err)
	}
	copied := 0
	for _, side := range sides {
		from := map[int32]int64{}
		for p := range side.Partitions {
			from[p] = 0
		}
		var recs []kafka.Record
		if _, err := cl.ReadPartitions(ctx, side.Name, from, func(r kafka.Record) error {
			r.Topic = earlier
			recs = append(recs, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		copied += len(recs)
		if err := cl.DeleteTopic(ctx, side.Name); err != nil {
			t.Fatal(err)
		}
	}
	if copied == 0 {
		t.Fatal("the join's changelogs held nothing")
	}
}

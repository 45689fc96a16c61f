package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// TestTaskStoreOfAnotherLayoutIsRebuilt: a server restarted on task
// stores written in another layout (an earlier eddy's: no format file)
// rebuilds them from their changelogs, so windows open across the
// restart count on from what they held. Before, it trusted such a store
// as it stood: an upgrade from a 2026-12-02 build lost 3,732 of 300,000
// records from a tumbling count whose windows were open at the restart.
// Here the earlier layout is played by the same entries under other
// keys, which this layout's lookups miss as they missed the old ones.
func TestTaskStoreOfAnotherLayoutIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	cl := startBroker(t, filepath.Join(dir, "kafka"))
	stateDir := filepath.Join(dir, "state")
	e := newBackedEngine(t, cl, stateDir)
	mustExec(t, e, "CREATE STREAM clicks (k STRING KEY, v INT) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE per_hour AS SELECT k, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY k;")
	const keys, perKey = 1000, 4 // more keys than the cache holds: lookups go to the store
	hour := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).UnixMilli()
	click := func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%keys)), Value: []byte(`{"V":1}`), Timestamp: hour + int64(i)}
	}
	produceChunks(t, cl, "clicks", 0, keys*perKey/2, click)
	settle(t, e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	stores, err := filepath.Glob(filepath.Join(stateDir, "tasks", "*", "*", "*", "*", taskStoreFormatFile))
	if err != nil || len(stores) == 0 {
		t.Fatalf("no task store marked with %s under %s (%v)", taskStoreFormatFile, stateDir, err)
	}
	for _, marker := range stores {
		relayout(t, filepath.Dir(marker))
		if err := os.Remove(marker); err != nil {
			t.Fatal(err)
		}
	}

	var logs logLines
	e2, err := New(context.Background(), Options{Cluster: cl, StateDir: stateDir, Logf: logs.logf, StateCacheLimit: backedCacheLimit,
		Config: map[string]string{"auto.offset.reset": "earliest", StateStoreProperty: state.KindPebble}})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	produceChunks(t, cl, "clicks", keys*perKey/2, keys*perKey, click)
	settle(t, e2)
	if line := logs.find("written in another layout", "rebuilding it from its changelog"); line == "" {
		t.Errorf("no store was rebuilt")
	}
	counts := mustPull(t, e2, "SELECT k, n FROM per_hour;", nil)
	wrong := 0
	for _, row := range counts.rows {
		if !strings.HasSuffix(row, fmt.Sprintf(" %d", perKey)) {
			wrong++
		}
	}
	if len(counts.rows) != keys || wrong > 0 {
		t.Errorf("%d windows, %d of them not counting %d clicks (first rows %q)", len(counts.rows), wrong, perKey, counts.rows[:min(5, len(counts.rows))])
	}
}

// relayout moves every entry of the Pebble store in dir under another
// key, keeping its checkpoint: a store this layout cannot read.
func relayout(t *testing.T, dir string) {
	t.Helper()
	st, err := state.OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	type entry struct{ k, v []byte }
	var all []entry
	if err := st.Scan(nil, nil, func(k, v []byte) bool {
		all = append(all, entry{append([]byte(nil), k...), append([]byte(nil), v...)})
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatalf("store %s is empty", dir)
	}
	for _, en := range all {
		if err := st.Delete(en.k); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(append([]byte("earlier-layout/"), en.k...), en.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Commit(st.CommittedOffset()); err != nil {
		t.Fatal(err)
	}
}

// settle waits until e's queries have processed what their inputs hold.
func settle(t *testing.T, e *Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := e.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

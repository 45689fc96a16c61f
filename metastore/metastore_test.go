package metastore

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/types"
)

// TestCatalog: sources, queries and types are put, found, listed in
// order and dropped; a clone is independent of its original.
func TestCatalog(t *testing.T) {
	m := New()
	m.PutSource(&Source{Name: "B", Topic: "b"})
	m.PutSource(&Source{Name: "A", Topic: "a", IsTable: true})
	if got := strings.Join(m.SourceNames(), ","); got != "A,B" {
		t.Errorf("source names %s, want A,B", got)
	}
	if m.Source("A").Kind() != "TABLE" || m.Source("B").Kind() != "STREAM" || m.Source("C") != nil {
		t.Error("Source lookups")
	}
	m.PutQuery(&Query{ID: "CSAS_B_1", Sink: "B", Sources: []string{"A"}})
	m.PutQuery(&Query{ID: "CSAS_C_0", Sink: "C", Sources: []string{"A", "B"}})
	if got := ids(m.QueriesReading("A")); got != "CSAS_B_1,CSAS_C_0" {
		t.Errorf("queries reading A: %s", got)
	}
	if got := ids(m.QueriesReading("B")); got != "CSAS_C_0" {
		t.Errorf("queries reading B: %s", got)
	}
	if got := ids(m.QueriesWriting("B")); got != "CSAS_B_1" {
		t.Errorf("queries writing B: %s", got)
	}

	c := m.Clone()
	c.DropSource("A")
	c.DropQuery("CSAS_B_1")
	c.PutType("ADDR", types.StructOf(types.Field{Name: "ZIP", Type: types.IntType}))
	if m.Source("A") == nil || m.Query("CSAS_B_1") == nil || m.Type("ADDR") != nil {
		t.Error("changing a clone changed the original")
	}
	if c.Source("A") != nil || c.Query("CSAS_B_1") != nil || len(c.Types()) != 1 {
		t.Error("the clone did not take its own changes")
	}
}

func ids(qs []*Query) string {
	var out []string
	for _, q := range qs {
		out = append(out, q.ID)
	}
	return strings.Join(out, ",")
}

// TestResolveType: custom type names are replaced wherever they nest;
// an unknown one is an error naming it.
func TestResolveType(t *testing.T) {
	m := New()
	m.PutType("ADDR", types.StructOf(types.Field{Name: "ZIP", Type: types.IntType}))
	in := types.MapOf(types.StringType, types.ArrayOf(&types.Type{Kind: types.Named, Name: "ADDR"}))
	got, err := m.ResolveType(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "MAP<STRING, ARRAY<STRUCT<`ZIP` INTEGER>>>"; got.String() != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
	if _, err := m.ResolveType(types.ArrayOf(&types.Type{Kind: types.Named, Name: "NOPE"})); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown type: %v", err)
	}
	m.DropType("ADDR")
	if _, err := m.ResolveType(&types.Type{Kind: types.Named, Name: "ADDR"}); err == nil {
		t.Error("a dropped type still resolves")
	}
}

// TestCatalogConcurrent: readers and writers may share the catalog (run
// with -race).
func TestCatalogConcurrent(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('A' + i))
			for range 200 {
				m.PutSource(&Source{Name: name})
				m.PutQuery(&Query{ID: "Q" + name, Sources: []string{name}})
				_ = m.Sources()
				_ = m.QueriesReading(name)
				_ = m.Clone()
				m.DropQuery("Q" + name)
			}
		}()
	}
	wg.Wait()
	if len(m.Sources()) != 4 || len(m.Queries()) != 0 {
		t.Errorf("%d sources, %d queries", len(m.Sources()), len(m.Queries()))
	}
}

// TestCommandLog: commands appended are read back in order by the next
// open, under the service id's topic; a command from a newer eddy is
// refused rather than misread.
func TestCommandLog(t *testing.T) {
	ctx := context.Background()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	log, cmds, _, err := OpenCommandLog(ctx, cl, "svc_", t.Logf)
	if err != nil || len(cmds) != 0 {
		t.Fatalf("empty log: %v %v", cmds, err)
	}
	stmts := []string{"CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='JSON');", "DROP STREAM A;"}
	for i, s := range stmts {
		off, err := log.Append(ctx, "id", Command{Statement: s, Props: map[string]string{"n": string(rune('0' + i))}})
		if err != nil || off != int64(i) {
			t.Fatalf("append %d: offset %d, %v", i, off, err)
		}
	}
	// A record a foreign client wrote is skipped, not fatal.
	if err := cl.Produce(ctx, kafka.Record{Topic: CommandTopic("svc_"), Partition: 0, Value: []byte("\x00garbage")}); err != nil {
		t.Fatal(err)
	}
	var end int64
	_, cmds, end, err = OpenCommandLog(ctx, cl, "svc_", t.Logf)
	if end != 3 {
		t.Errorf("log end %d, want 3", end)
	}
	if err != nil || len(cmds) != 2 || cmds[0].Statement != stmts[0] || cmds[1].Statement != stmts[1] || cmds[1].Props["n"] != "1" {
		t.Fatalf("replayed %+v, %v", cmds, err)
	}
	if _, other, _, err := OpenCommandLog(ctx, cl, "other_", t.Logf); err != nil || len(other) != 0 {
		t.Errorf("another service id sees %d commands, %v", len(other), err)
	}
	future := kafka.Record{Topic: CommandTopic("svc_"), Partition: 0, Value: []byte(`{"statement":"X;","version":99}`)}
	if err := cl.Produce(ctx, future); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := OpenCommandLog(ctx, cl, "svc_", t.Logf); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("a command of a newer version: %v", err)
	}
}

package registry

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// exercise registers, configures and deletes through r and returns a
// summary of the registry's visible state.
func exercise(t *testing.T, r *Registry) {
	t.Helper()
	ctx := context.Background()
	mustRegister(t, r, "a", Schema{Schema: userV1}, 1, 1)
	mustRegister(t, r, "a", Schema{Schema: userV2}, 2, 2)
	mustRegister(t, r, "b", Schema{Schema: userV1}, 1, 1)
	mustRegister(t, r, "c", Schema{Schema: `"string"`}, 3, 1)
	if err := r.SetCompatibility(ctx, "a", Full); err != nil {
		t.Fatal(err)
	}
	if err := r.SetGlobalCompatibility(ctx, Forward); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DeleteSubject(ctx, "c", false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DeleteSubject(ctx, "c", true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DeleteVersion(ctx, "b", 1, false); err != nil {
		t.Fatal(err)
	}
}

func mustRegister(t *testing.T, r *Registry, subject string, s Schema, wantID, wantVersion int) {
	t.Helper()
	id, v, err := r.Register(context.Background(), subject, s)
	if err != nil {
		t.Fatalf("Register %s: %v", subject, err)
	}
	if id != wantID || v != wantVersion {
		t.Fatalf("Register %s: id %d version %d, want %d and %d", subject, id, v, wantID, wantVersion)
	}
}

type snapshot struct {
	Subjects, WithDeleted []string
	Versions              map[string][]int
	Global                Level
	LevelA                Level
	Latest                SubjectVersion
}

func snap(t *testing.T, r *Registry) snapshot {
	t.Helper()
	s := snapshot{
		Subjects:    r.Subjects(false),
		WithDeleted: r.Subjects(true),
		Versions:    map[string][]int{},
		Global:      r.GlobalCompatibility(),
	}
	for _, sub := range s.WithDeleted {
		vs, err := r.Versions(sub, true)
		if err != nil {
			t.Fatal(err)
		}
		s.Versions[sub] = vs
	}
	s.LevelA, _ = r.Compatibility("a")
	latest, err := r.Latest("a")
	if err != nil {
		t.Fatal(err)
	}
	s.Latest = latest
	return s
}

// checkRestarted checks the state exercise left, seen by a new registry,
// and that it goes on with the next id and version.
func checkRestarted(t *testing.T, before snapshot, r *Registry) {
	t.Helper()
	after := snap(t, r)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after restart:\n%+v\nbefore:\n%+v", after, before)
	}
	want := snapshot{
		Subjects:    []string{"a"},
		WithDeleted: []string{"a", "b"},
		Versions:    map[string][]int{"a": {1, 2}, "b": {1}},
		Global:      Forward,
		LevelA:      Full,
		Latest:      SubjectVersion{Subject: "a", Version: 2, ID: 2, Schema: Schema{Type: Avro, Schema: userV2}},
	}
	if !reflect.DeepEqual(after, want) {
		t.Fatalf("state = %+v, want %+v", after, want)
	}
	s, err := r.SchemaByID(context.Background(), 1)
	if err != nil || s.Schema != userV1 {
		t.Fatalf("SchemaByID(1) = %+v, %v", s, err)
	}
	// Id 3 was hard-deleted but is not reused.
	mustRegister(t, r, "a", Schema{Schema: `{"type":"record","name":"User","namespace":"ex","fields":[{"name":"id","type":"long"},{"name":"name","type":"string","default":""},{"name":"n","type":"int","default":0}]}`}, 4, 3)
	// Registering the soft-deleted b/1 schema again: same id, version 2.
	mustRegister(t, r, "b", Schema{Schema: userV1}, 1, 2)
}

func TestRestartMemCluster(t *testing.T) {
	cluster := newMem(t)
	ctx := context.Background()
	r1, err := New(ctx, Config{Cluster: cluster, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, r1)
	before := snap(t, r1)
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}
	r2, err := New(ctx, Config{Cluster: cluster, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	checkRestarted(t, before, r2)
}

// TestRestartEmbeddedBroker restarts both the registry and the broker on
// the same data directory.
func TestRestartEmbeddedBroker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := func() (*kafka.Embedded, *kafka.Client) {
		t.Helper()
		e, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{e.Addr()}, Logf: t.Logf})
		if err != nil {
			e.Close()
			t.Fatal(err)
		}
		return e, c
	}

	e1, c1 := start()
	r1, err := New(ctx, Config{Cluster: c1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, r1)
	before := snap(t, r1)
	// A second registry on the same topic agrees while the first runs.
	r1b, err := New(ctx, Config{Cluster: c1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if got := snap(t, r1b); !reflect.DeepEqual(got, before) {
		t.Fatalf("second registry sees %+v, want %+v", got, before)
	}
	for _, closer := range []interface{ Close() error }{r1b, r1, c1, e1} {
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	}

	e2, c2 := start()
	defer e2.Close()
	defer c2.Close()
	r2, err := New(ctx, Config{Cluster: c2, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	checkRestarted(t, before, r2)
}

// TestTwoRegistries checks that a write through one registry is seen by
// another on the same topic, ids included.
func TestTwoRegistries(t *testing.T) {
	cluster := newMem(t)
	a, baseA := startRegistry(t, cluster)
	_, baseB := startRegistry(t, cluster)
	id := register(t, baseA, "s", schemaRequest{Schema: userV1})
	var got schemaJSON
	call(t, "GET", baseB+"/schemas/ids/1", nil, &got)
	if got.Schema != userV1 {
		t.Fatalf("B sees %+v", got)
	}
	if id2 := register(t, baseB, "s", schemaRequest{Schema: userV2}); id2 != id+1 {
		t.Fatalf("B gave id %d, want %d", id2, id+1)
	}
	latest, err := a.Latest("s")
	if err != nil || latest.Version != 2 {
		t.Fatalf("A's latest = %+v, %v", latest, err)
	}
}

// TestTwoRegistriesEmbedded: with a real broker, delivery is
// asynchronous; a second registry still resolves an id the first just
// handed out, and continues its numbering.
func TestTwoRegistriesEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{e.Addr()}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := New(ctx, Config{Cluster: c, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(ctx, Config{Cluster: c, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range 5 {
		id, _, err := a.Register(ctx, "s", Schema{Schema: fmt.Sprintf(`{"type":"record","name":"R","fields":[{"name":"f%d","type":"int","default":0}]}`, i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.SchemaByID(ctx, id); err != nil {
			t.Fatalf("b.SchemaByID(%d): %v", id, err)
		}
	}
	id, v, err := b.Register(ctx, "s", Schema{Schema: `{"type":"record","name":"R","fields":[]}`})
	if err != nil || id != 6 || v != 6 {
		t.Fatalf("b.Register = %d, %d, %v; want 6, 6", id, v, err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if latest, err := a.Latest("s"); err != nil || latest.ID != 6 {
		t.Fatalf("a.Latest = %+v, %v", latest, err)
	}
}

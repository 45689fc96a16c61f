package connect_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// iteration is the datagen's stored offset (its records so far), or -1
// when it has none.
func iteration(t *testing.T, rt *connect.Runtime, name string) int64 {
	t.Helper()
	offs, err := rt.Offsets(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(offs) == 0 {
		return -1
	}
	if len(offs) != 1 || offs[0].Partition["task.id"] != int64(0) {
		t.Fatalf("datagen offsets %+v, want one of partition {task.id: 0}", offs)
	}
	n, ok := offs[0].Offset["current.iteration"].(int64)
	if !ok {
		t.Fatalf("datagen offset %+v has no integer current.iteration", offs[0].Offset)
	}
	return n
}

// TestStopResetResumeSource: a datagen's stored offset grows as it
// writes; its offsets cannot be reset while it runs; STOPPED writes
// nothing and lists no tasks; reset and resumed, it starts over (the
// same seed writes the same records again).
func TestStopResetResumeSource(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime(t)
	ctx := context.Background()
	start(t, rt, "GEN", connect.Source, map[string]string{
		"connector.class": "datagen", "kafka.topic": "users", "quickstart": "users",
		"max.interval": "5", "iterations": "100000", "random.seed": "7",
		"value.converter": "json", "value.converter.schemas.enable": "false",
	})
	waitFor(t, "a stored offset", 30*time.Second, func() bool { return iteration(t, rt, "GEN") > 0 })
	first := iteration(t, rt, "GEN")
	waitFor(t, "the offset to grow", 30*time.Second, func() bool { return iteration(t, rt, "GEN") > first })

	if err := rt.ResetOffsets(ctx, "GEN"); !errors.Is(err, connect.ErrNotStopped) {
		t.Fatalf("reset of a running connector: %v, want ErrNotStopped", err)
	}
	if err := rt.StopConnector("GEN"); err != nil {
		t.Fatal(err)
	}
	st, _ := rt.Status(ctx, "GEN", false)
	if st.State != connect.StateStopped || len(st.Tasks) != 0 {
		t.Fatalf("status after stop: %s with %d tasks, want STOPPED with none", st.State, len(st.Tasks))
	}
	written := len(readTopic(t, e.cluster, "users"))
	time.Sleep(300 * time.Millisecond)
	if n := len(readTopic(t, e.cluster, "users")); n != written {
		t.Fatalf("a stopped datagen wrote %d more records", n-written)
	}
	if got := iteration(t, rt, "GEN"); got != int64(written) {
		t.Errorf("stored offset %d, want the %d records written", got, written)
	}

	if err := rt.ResetOffsets(ctx, "GEN"); err != nil {
		t.Fatal(err)
	}
	if got := iteration(t, rt, "GEN"); got != -1 {
		t.Fatalf("offset %d after the reset, want none", got)
	}
	if err := rt.Resume("GEN"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "records after the resume", 30*time.Second, func() bool { return len(readTopic(t, e.cluster, "users")) >= written+3 })
	recs := readTopic(t, e.cluster, "users")
	for i := range 3 {
		if string(recs[written+i].Value) != string(recs[i].Value) {
			t.Fatalf("record %d after the reset is %s, want record %d's %s (started over)", i, recs[written+i].Value, i, recs[i].Value)
		}
	}
}

// TestAlterSinkOffsetsRedelivers: a sink's offsets are its group's; set
// back while it is stopped, the resumed sink writes the records from
// there again.
func TestAlterSinkOffsetsRedelivers(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime(t)
	ctx := context.Background()
	var vals []string
	for i := range 10 {
		vals = append(vals, strconv.Itoa(i))
	}
	produce(t, e.cluster, "digits", vals...)
	out := filepath.Join(t.TempDir(), "digits.txt")
	start(t, rt, "FS", connect.Sink, map[string]string{
		"connector.class": "FileStreamSink", "topics": "digits", "file": out,
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	})
	committed := func() []connect.ConnectorOffset {
		offs, err := rt.Offsets(ctx, "FS")
		if err != nil {
			t.Fatal(err)
		}
		return offs
	}
	waitFor(t, "offset 10 committed", 30*time.Second, func() bool {
		offs := committed()
		return len(offs) == 1 && offs[0].Offset["kafka_offset"] == int64(10)
	})
	if p := committed()[0].Partition; p["kafka_topic"] != "digits" || p["kafka_partition"] != int64(0) {
		t.Fatalf("sink partition %v, want digits/0", p)
	}
	back := []connect.ConnectorOffset{{
		Partition: map[string]any{"kafka_topic": "digits", "kafka_partition": float64(0)},
		Offset:    map[string]any{"kafka_offset": float64(7)},
	}}
	if err := rt.AlterOffsets(ctx, "FS", back); !errors.Is(err, connect.ErrNotStopped) {
		t.Fatalf("alter of a running sink: %v, want ErrNotStopped", err)
	}
	if err := rt.StopConnector("FS"); err != nil {
		t.Fatal(err)
	}
	if err := rt.AlterOffsets(ctx, "FS", back); err != nil {
		t.Fatal(err)
	}
	if offs := committed(); len(offs) != 1 || offs[0].Offset["kafka_offset"] != int64(7) {
		t.Fatalf("offsets after the alteration %+v, want 7", offs)
	}
	if err := rt.Resume("FS"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "13 lines", 30*time.Second, func() bool { return len(lines(t, out)) >= 13 })
	time.Sleep(300 * time.Millisecond)
	want := append(slices.Clone(vals), "7", "8", "9")
	if got := lines(t, out); !slices.Equal(got, want) {
		t.Fatalf("the file holds %v, want %v", got, want)
	}
}

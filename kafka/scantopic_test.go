package kafka

import (
	"errors"
	"fmt"
	"testing"
)

// TestScanTopic: ScanTopic hands over ReadAll's records in ReadAll's
// order, in batches of at most scanBatch, and reads no further once its
// function returns false.
func TestScanTopic(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 3})
	var recs []Record
	for i := range 3*scanBatch + 17 {
		recs = append(recs, Record{Topic: "t", Partition: int32(i % 3), Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)})
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	all, err := c.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	var got []Record
	batches := 0
	if err := c.ScanTopic(ctx, "t", func(b []Record) bool {
		if len(b) == 0 || len(b) > scanBatch {
			t.Fatalf("batch of %d records", len(b))
		}
		batches++
		got = append(got, b...)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) || fmt.Sprint(got) != fmt.Sprint(all) {
		t.Fatalf("ScanTopic: %d records, ReadAll %d; differ", len(got), len(all))
	}
	calls := 0
	if err := c.ScanTopic(ctx, "t", func(b []Record) bool {
		calls++
		return false
	}); err != nil || calls != 1 {
		t.Fatalf("stopped scan: %d calls, %v; want 1, nil", calls, err)
	}
	if err := c.ScanTopic(ctx, "missing", func([]Record) bool { return true }); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("missing topic: %v", err)
	}
}

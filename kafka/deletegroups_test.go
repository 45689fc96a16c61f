package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A group deleted with DeleteGroups (kafkajs admin.deleteGroups, eddy's
// own delete of a terminated query's group) stays without its committed
// offsets after a kill -9 and a start on the data directory as the kill
// left it; they came back, and a consumer of the group resumed at them.
// Another group's offsets are kept.
func TestDeletedGroupOffsetsStayDeletedAfterKill(t *testing.T) {
	dir := t.TempDir()
	e, _, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "t", Partitions: 2})
	defer e.Close()
	admin := func(e *Embedded) *kadm.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return kadm.NewClient(cl)
	}
	adm := admin(e)
	for _, g := range []string{"gone", "kept"} {
		offs := kadm.Offsets{}
		offs.AddOffset("t", 0, 5, -1)
		offs.AddOffset("t", 1, 7, -1)
		if _, err := adm.CommitOffsets(ctx, g, offs); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := adm.DeleteGroup(ctx, "gone")
	if err != nil || deleted.Err != nil {
		t.Fatalf("delete group: %v %v", err, deleted.Err)
	}
	crashed := crashImage(t, dir)
	again, err := StartEmbedded(EmbeddedConfig{DataDir: crashed, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	adm = admin(again)
	gone, err := adm.FetchOffsets(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := gone.Lookup("t", 0); ok && o.At >= 0 {
		t.Errorf("after the kill the deleted group has t/0 at %d, want no offset", o.At)
	}
	if o, ok := gone.Lookup("t", 1); ok && o.At >= 0 {
		t.Errorf("after the kill the deleted group has t/1 at %d, want no offset", o.At)
	}
	kept, err := adm.FetchOffsets(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := kept.Lookup("t", 1); !ok || o.At != 7 {
		t.Errorf("after the kill the other group has t/1 at %+v, want 7", o)
	}
}

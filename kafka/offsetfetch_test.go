package kafka

import (
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// An OffsetFetch of a group nobody ever joined or committed for answers
// as Kafka does, offset -1 for each partition asked and no error, in the
// single-group (v0-7) and the batched (v8+) forms; kafkajs's
// admin.fetchOffsets threw GROUP_ID_NOT_FOUND there. A group that has
// committed still gets its offsets.
func TestEmbeddedOffsetFetchOfUnknownGroup(t *testing.T) {
	e, _, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	cl := foreignClient(t, e)
	for _, v := range []int16{4, 7, 8, 9} {
		req := kmsg.NewPtrOffsetFetchRequest()
		req.Version = v
		if v <= 7 {
			req.Group = "never-seen"
			rt := kmsg.NewOffsetFetchRequestTopic()
			rt.Topic, rt.Partitions = "t", []int32{0, 1}
			req.Topics = append(req.Topics, rt)
		} else {
			rg := kmsg.NewOffsetFetchRequestGroup()
			rg.Group = "never-seen"
			rt := kmsg.NewOffsetFetchRequestGroupTopic()
			rt.Topic, rt.Partitions = "t", []int32{0, 1}
			rg.Topics = append(rg.Topics, rt)
			req.Groups = append(req.Groups, rg)
		}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		code := resp.ErrorCode
		var parts []kmsg.OffsetFetchResponseTopicPartition
		if v <= 7 {
			if len(resp.Topics) == 1 {
				parts = resp.Topics[0].Partitions
			}
		} else if len(resp.Groups) == 1 && resp.Groups[0].Group == "never-seen" {
			code = resp.Groups[0].ErrorCode
			if len(resp.Groups[0].Topics) == 1 {
				for _, p := range resp.Groups[0].Topics[0].Partitions {
					parts = append(parts, kmsg.OffsetFetchResponseTopicPartition{Partition: p.Partition, Offset: p.Offset, ErrorCode: p.ErrorCode})
				}
			}
		}
		if code != 0 {
			t.Fatalf("v%d: error %v, want none", v, kerr.ErrorForCode(code))
		}
		if len(parts) != 2 {
			t.Fatalf("v%d: partitions %+v, want 0 and 1", v, parts)
		}
		for _, p := range parts {
			if p.Offset != -1 || p.ErrorCode != 0 {
				t.Errorf("v%d: partition %d at %d (error %d), want -1 and no error", v, p.Partition, p.Offset, p.ErrorCode)
			}
		}
	}

	adm := kadm.NewClient(cl)
	offs, err := adm.FetchOffsets(ctx, "never-seen")
	if err != nil || len(offs) != 0 {
		t.Fatalf("kadm fetch of an unknown group: %v, %v; want no offsets and no error", offs, err)
	}
	commit := kadm.Offsets{}
	commit.AddOffset("t", 1, 42, -1)
	if _, err := adm.CommitOffsets(ctx, "committed", commit); err != nil {
		t.Fatal(err)
	}
	offs, err = adm.FetchOffsets(ctx, "committed")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup("t", 1); !ok || o.At != 42 {
		t.Fatalf("committed group's offsets %v, want t/1 at 42", offs)
	}
}

// An OffsetFetch batching a group that committed with one nobody used
// (v8+; kafkajs's admin.fetchOffsets of several groups, kadm's
// FetchManyOffsets) answers each as Kafka does: the committed offsets of
// the first, -1 for every partition asked of the second, no error. kfake
// answered the second GROUP_ID_NOT_FOUND. Each batched version, by name
// (v8, v9) and by topic ID (v10), and a fetch of all topics.
func TestEmbeddedOffsetFetchBatchesKnownAndUnknownGroups(t *testing.T) {
	e, _, ctx := startBrokerWithTopic(t, TopicInfo{Name: "t", Partitions: 2})
	adm := kadm.NewClient(foreignClient(t, e))
	commit := kadm.Offsets{}
	commit.AddOffset("t", 1, 42, -1)
	if _, err := adm.CommitOffsets(ctx, "committed", commit); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int16{8, 9, 10} {
		versions := kversion.Stable()
		versions.SetMaxKeyVersion(int16(kmsg.OffsetFetch), v)
		cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.MaxVersions(versions))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for _, all := range []bool{false, true} {
			req := kmsg.NewPtrOffsetFetchRequest()
			for _, g := range []string{"never-seen", "committed", "never-either"} {
				rg := kmsg.NewOffsetFetchRequestGroup()
				rg.Group = g
				if !all {
					rt := kmsg.NewOffsetFetchRequestGroupTopic()
					rt.Topic, rt.Partitions = "t", []int32{0, 1}
					rg.Topics = append(rg.Topics, rt)
				}
				req.Groups = append(req.Groups, rg)
			}
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("v%d: %v", v, err)
			}
			if resp.Version != v || len(resp.Groups) != 3 {
				t.Fatalf("v%d (all %v): answered v%d, %+v", v, all, resp.Version, resp.Groups)
			}
			for _, g := range resp.Groups {
				if g.ErrorCode != 0 {
					t.Errorf("v%d (all %v): group %s: %v, want no error", v, all, g.Group, kerr.ErrorForCode(g.ErrorCode))
					continue
				}
				got := map[int32]int64{}
				for _, tp := range g.Topics {
					if tp.Topic != "t" {
						t.Errorf("v%d (all %v): group %s: topic %q", v, all, g.Group, tp.Topic)
					}
					for _, p := range tp.Partitions {
						if p.ErrorCode != 0 {
							t.Errorf("v%d (all %v): group %s: t/%d: %v", v, all, g.Group, p.Partition, kerr.ErrorForCode(p.ErrorCode))
						}
						got[p.Partition] = p.Offset
					}
				}
				want := map[int32]int64{0: -1, 1: -1}
				switch {
				case g.Group == "committed" && all:
					want = map[int32]int64{1: 42}
				case g.Group == "committed":
					want = map[int32]int64{0: -1, 1: 42}
				case all:
					want = map[int32]int64{}
				}
				if !maps.Equal(got, want) {
					t.Errorf("v%d (all %v): group %s: offsets %v, want %v", v, all, g.Group, got, want)
				}
			}
		}
	}
}

package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
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

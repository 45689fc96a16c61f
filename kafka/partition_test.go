package kafka

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Vectors from Kafka's UtilsTest.testMurmur2 (the Java client's hash).
var murmur2Vectors = []struct {
	in   string
	want int32
}{
	{"21", -973932308},
	{"foobar", -790332482},
	{"a-little-bit-long-string", -985981536},
	{"a-little-bit-longer-string", -1486304829},
	{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
	{"abc", 479470107},
}

func TestMurmur2JavaVectors(t *testing.T) {
	for _, v := range murmur2Vectors {
		if got := int32(Murmur2([]byte(v.in))); got != v.want {
			t.Errorf("Murmur2(%q) = %d, want %d", v.in, got, v.want)
		}
		// Java: Utils.toPositive(murmur2(key)) % numPartitions.
		for _, n := range []int32{1, 3, 10, 12} {
			want := (v.want & 0x7fffffff) % n
			if got := KeyPartition([]byte(v.in), n); got != want {
				t.Errorf("KeyPartition(%q, %d) = %d, want %d", v.in, n, got, want)
			}
		}
	}
}

// TestKeyPartitionMatchesKgo checks that the MemCluster places keys where
// the broker client's kgo partitioner does.
func TestKeyPartitionMatchesKgo(t *testing.T) {
	tp := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	ours := newProducerPartitioner().ForTopic("t")
	for i := range 1000 {
		key := fmt.Appendf(nil, "key-%d", i)
		for _, n := range []int{1, 4, 7} {
			want := tp.Partition(&kgo.Record{Key: key}, n)
			if got := KeyPartition(key, int32(n)); int(got) != want {
				t.Fatalf("KeyPartition(%s, %d) = %d, kgo %d", key, n, got, want)
			}
			if got := ours.Partition(&kgo.Record{Key: key, Partition: -1}, n); got != want {
				t.Fatalf("producer partitioner(%s, %d) = %d, kgo %d", key, n, got, want)
			}
		}
	}
	if got := ours.Partition(&kgo.Record{Key: []byte("x"), Partition: 5}, 7); got != 5 {
		t.Fatalf("explicit partition ignored: %d", got)
	}
}

package serde

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/types"
)

// bigMap is a map of n distinct string keys.
func bigMap(n int) *types.MapVal {
	m := types.NewMap(n)
	for i := range n {
		m.Keys = append(m.Keys, fmt.Sprintf("key-%d", i))
		m.Vals = append(m.Vals, int64(i))
	}
	return m
}

// BenchmarkDecodeBigMap decodes one record whose MAP column holds n
// entries: the time per entry should not grow with n.
func BenchmarkDecodeBigMap(b *testing.B) {
	cols := []types.Column{col("M", types.MapOf(types.StringType, types.BigintType))}
	for _, format := range []string{Avro, JSON, Protobuf} {
		_, env := srEnv()
		s := mustNewFor(b, Format{Name: format}, cols, false, env)
		for _, n := range []int{1000, 10000, 100000} {
			data, err := s.Encode([]any{bigMap(n)})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%d", format, n), func(b *testing.B) {
				dst := make([]any, 1)
				for b.Loop() {
					if err := s.Decode(data, dst); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
			})
		}
	}
}

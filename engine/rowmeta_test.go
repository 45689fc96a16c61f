package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestRowMetaWhereRead: a stream query that names ROWTIME, ROWPARTITION
// or ROWOFFSET in any clause sees the record's time, partition and
// offset, though queries naming none leave those slots unfilled
// (runtime.Source.NoRowMeta); every output keeps its input's time.
func TestRowMetaWhereRead(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	ctx := context.Background()
	for i := range 3 {
		if err := cl.Produce(ctx, kafka.Record{Topic: "in", Partition: -1, Key: []byte("k"), Value: fmt.Appendf(nil, `{"v":%d}`, i), Timestamp: int64(1000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, query, want string }{
		{"plain", "SELECT k, v FROM s", `k|{"V":0} k|{"V":1} k|{"V":2}`},
		{"select", "SELECT k, ROWTIME AS t, ROWPARTITION AS p, ROWOFFSET AS o FROM s", `k|{"T":1000,"P":0,"O":0} k|{"T":1001,"P":0,"O":1} k|{"T":1002,"P":0,"O":2}`},
		{"where", "SELECT k, v FROM s WHERE ROWOFFSET >= 1 AND ROWTIME < 1002", `k|{"V":1}`},
		{"expression", "SELECT k, v + ROWPARTITION + ROWOFFSET AS w FROM s", `k|{"W":0} k|{"W":2} k|{"W":4}`},
		{"partition by", "SELECT ROWOFFSET AS o, v FROM s PARTITION BY ROWOFFSET", `0|{"V":0} 1|{"V":1} 2|{"V":2}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := "OUT_" + strings.ToUpper(strings.ReplaceAll(c.name, " ", "_"))
			mustExec(t, e, fmt.Sprintf("CREATE STREAM %s WITH (key_format='KAFKA') AS %s;", out, c.query))
			got := waitRecords(t, cl, out, func(r []kafka.Record) bool { return len(r) >= strings.Count(c.want, "|") })
			var parts []string
			for _, r := range got {
				k := string(r.Key)
				if c.name == "partition by" && len(r.Key) == 8 { // a BIGINT key
					k = fmt.Sprint(int64(binary.BigEndian.Uint64(r.Key)))
				}
				parts = append(parts, k+"|"+string(r.Value))
				if r.Timestamp < 1000 || r.Timestamp > 1002 {
					t.Errorf("%s: output time %d, want the input's", c.query, r.Timestamp)
				}
			}
			if s := strings.Join(parts, " "); s != c.want {
				t.Errorf("%s: got %s, want %s", c.query, s, c.want)
			}
		})
	}
}

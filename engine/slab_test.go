package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestSlabDecodedRowsStayIntact: a stateless query decodes records into
// blocks it shares across records, a stateful one into each record's
// own. Over records whose values span many blocks (and strings longer
// than a block takes), every output holds its own record's values: the
// stream copy, the table of the latest text per key (whose state keeps
// strings from records long gone) and a stream-table join reading it.
func TestSlabDecodedRowsStayIntact(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, n BIGINT, txt STRING) WITH (kafka_topic='s_in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM copied AS SELECT k, n, txt FROM s;")
	mustExec(t, e, "CREATE TABLE latest AS SELECT k, LATEST_BY_OFFSET(txt) AS txt FROM s GROUP BY k;")
	mustExec(t, e, "CREATE STREAM joined AS SELECT s.k AS k, s.n AS n, l.txt AS prev FROM s JOIN latest l ON s.k = l.k;")
	const n, keys = 3000, 7
	text := func(i int) string {
		if i%100 == 0 {
			return strings.Repeat(fmt.Sprint(i%10), 1500)
		}
		return fmt.Sprintf("text-%d", i)
	}
	recs := make([]kafka.Record, n)
	for i := range recs {
		recs[i] = kafka.Record{Topic: "s_in", Partition: -1, Key: fmt.Appendf(nil, "k%d", i%keys),
			Value: fmt.Appendf(nil, `{"N":%d,"TXT":%q}`, i, text(i))}
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	copied := values(t, cl, "COPIED")
	if len(copied) != n {
		t.Fatalf("%d copied records, want %d", len(copied), n)
	}
	for i, got := range copied {
		if want := fmt.Sprintf(`k%d|{"N":%d,"TXT":%q}`, i%keys, i, text(i)); got != want {
			t.Fatalf("copied record %d: %.80s, want %.80s", i, got, want)
		}
	}
	latest := values(t, cl, "LATEST")
	for _, got := range latest[len(latest)-keys:] {
		k := strings.TrimPrefix(got[:strings.IndexByte(got, '|')], "k")
		var last int
		for i := range n {
			if fmt.Sprint(i%keys) == k {
				last = i
			}
		}
		if want := fmt.Sprintf(`k%s|{"TXT":%q}`, k, text(last)); got != want {
			t.Errorf("latest: %.80s, want %.80s", got, want)
		}
	}
	joined := values(t, cl, "JOINED")
	for _, got := range joined {
		var i int
		if _, err := fmt.Sscanf(got[strings.IndexByte(got, '|')+1:], `{"N":%d`, &i); err != nil {
			t.Fatalf("joined %.80s: %v", got, err)
		}
		// The table holds the text of this key's record before, or
		// this one's if the table was updated first.
		prev, this := text(max(i-keys, i%keys)), text(i)
		if !strings.Contains(got, fmt.Sprintf(`"PREV":%q`, prev)) && !strings.Contains(got, fmt.Sprintf(`"PREV":%q`, this)) {
			t.Fatalf("joined record %d: %.120s, want the text of record %d or %d", i, got, max(i-keys, i%keys), i)
		}
	}
	if len(joined) < n-keys {
		t.Errorf("%d joined records, want at least %d", len(joined), n-keys)
	}
}

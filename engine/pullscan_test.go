package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

// loadScanTable declares a source table T (STRING key in the KAFKA
// format, JSON values) over a topic of 4 partitions holding keys keys,
// k0000000 on, with V the key's number.
func loadScanTable(t testing.TB, store string, keys int) *Engine {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 4})
	e := newEngineOn(t, cl, map[string]string{StateStoreProperty: store})
	mustExec(t, e, "CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='t', key_format='KAFKA', value_format='JSON', partitions=4);")
	recs := make([]kafka.Record, 0, keys)
	for i := range keys {
		recs = append(recs, kafka.Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "k%07d", i), Value: fmt.Appendf(nil, `{"V":%d}`, i)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	mustPull(t, e, "SELECT * FROM t WHERE k = 'k0000000';", nil) // materialized
	return e
}

// BenchmarkPullScan times pull queries that scan a table rather than
// look keys up, on tables of 20k and 200k keys: a query's cost should
// follow the rows it reads for its answer (LIMIT 10, a key range of 10
// keys), not the table's size; a non-key filter and a whole scan read
// every row.
func BenchmarkPullScan(b *testing.B) {
	for _, store := range []string{"memory", "pebble"} {
		for _, keys := range []int{20_000, 200_000} {
			e := loadScanTable(b, store, keys)
			mid := keys / 2
			for _, q := range []struct{ name, text string }{
				{"limit10", "SELECT * FROM t LIMIT 10;"},
				{"range10", fmt.Sprintf("SELECT * FROM t WHERE k >= 'k%07d' AND k < 'k%07d';", mid, mid+10)},
				{"filter1", fmt.Sprintf("SELECT * FROM t WHERE v = %d;", mid)},
				{"all", "SELECT * FROM t;"},
			} {
				b.Run(fmt.Sprintf("store=%s/keys=%d/%s", store, keys, q.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						mustPull(b, e, q.text, nil)
					}
				})
			}
		}
	}
}

// TestPullKeyRangeAndLimitMatchScan: a pull query whose WHERE clause
// bounds a STRING key reads only that range of the store, and a LIMIT
// stops the scan; both answer exactly as a scan of every row filtered by
// the same clause, in the same order, on tables larger than a scan's
// chunk, plain and windowed, in memory and in Pebble.
func TestPullKeyRangeAndLimitMatchScan(t *testing.T) {
	for _, store := range []string{"memory", "pebble"} {
		t.Run(store, func(t *testing.T) {
			e := loadScanTable(t, store, 3*scanChunk)
			// Keys that are prefixes of others, for the windowed table.
			mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', key_format='KAFKA', value_format='JSON', partitions=3);")
			mustExec(t, e, "CREATE TABLE w AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;")
			var recs []kafka.Record
			for i := range 3000 {
				k := []string{"a", "ab", "abc", "b", "", "\xff", "a\xff"}[i%7]
				recs = append(recs, kafka.Record{Topic: "s", Partition: -1, Key: []byte(k), Value: []byte(`{"V":1}`), Timestamp: int64(i) * 101})
			}
			if err := e.cluster.Produce(context.Background(), recs...); err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct{ table, where string }{
				{"T", "k > 'k0001000' AND k < 'k0001010'"},
				{"T", "k >= 'k0001000' AND k <= 'k0001010'"},
				{"T", "k BETWEEN 'k0000100' AND 'k0002100'"},
				{"T", "k NOT BETWEEN 'k0000100' AND 'k0003000'"},
				{"T", "k < 'k0000005' OR k > 'k0003066'"},
				{"T", "k > 'k0002000' AND k < 'k0001000'"},
				{"T", "'k0003000' < k"},
				{"T", "k <= 'k0000001'"},
				{"T", "k >= 'k00020' AND v < 2010"},
				{"T", "k IN ('k0000001', 'k0000003') OR k > 'k0003070'"},
				{"T", "k = 'k0000007' OR (k > 'k0000010' AND k < 'k0000020')"},
				{"T", "NOT (k < 'k0003000')"},
				{"W", "k > 'a'"},
				{"W", "k >= 'ab' AND k < 'b'"},
				{"W", "k <= 'ab'"},
				{"W", "k < 'ab' AND WINDOWSTART >= 100000"},
				{"W", "k > ''"},
				{"W", "k >= 'a\xff'"},
			} {
				text, want := pullMatchesScan(t, e, q.table, q.where)
				if q.table == "T" && len(want.rows) > 3 {
					limited := mustPull(t, e, "SELECT * FROM T WHERE "+q.where+" LIMIT 3;", nil)
					if fmt.Sprint(limited.rows) != fmt.Sprint(want.rows[:3]) || limited.final != "Limit Reached" {
						t.Fatalf("%s LIMIT 3: %q (%s), want %q", text, limited.rows, limited.final, want.rows[:3])
					}
				}
			}
			all := mustPull(t, e, "SELECT * FROM T;", nil)
			if len(all.rows) != 3*scanChunk {
				t.Fatalf("scan: %d rows, want %d", len(all.rows), 3*scanChunk)
			}
			for _, n := range []int{0, 1, firstScanChunk, firstScanChunk + 1, 3 * firstScanChunk, scanChunk, scanChunk + 1, 3 * scanChunk} {
				got := mustPull(t, e, fmt.Sprintf("SELECT * FROM T LIMIT %d;", n), nil)
				if fmt.Sprint(got.rows) != fmt.Sprint(all.rows[:n]) {
					t.Fatalf("LIMIT %d: %d rows differ from the scan's first", n, len(got.rows))
				}
			}
		})
	}
}

// pullMatchesScan checks that the pull query on table WHERE where answers
// as a scan of every row filtered by the same clause (a disjunct that
// bounds no key makes it read every row), and returns its text and rows.
func pullMatchesScan(t *testing.T, e *Engine, table, where string) (string, pullResult) {
	t.Helper()
	text := "SELECT * FROM " + table + " WHERE " + where + ";"
	got := mustPull(t, e, text, nil)
	want := mustPull(t, e, "SELECT * FROM "+table+" WHERE ("+where+") OR (1 = 0);", nil)
	if fmt.Sprint(got.rows) != fmt.Sprint(want.rows) {
		t.Fatalf("%s\nrange %q\nscan  %q", text, got.rows, want.rows)
	}
	return text, want
}

// BenchmarkMaterialize times a table's first pull query: its store
// reading the whole topic (200k records over 100k keys, in the embedded
// broker) before the lookup answers, in memory and in Pebble.
func BenchmarkMaterialize(b *testing.B) {
	const records, keys = 200_000, 100_000
	cl := startBroker(b, b.TempDir())
	createTopic(b, cl, "t", 4)
	recs := make([]kafka.Record, 0, records)
	for i := range records {
		recs = append(recs, kafka.Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "k%07d", i%keys), Value: fmt.Appendf(nil, `{"V":%d}`, i)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		b.Fatal(err)
	}
	for _, store := range []string{"memory", "pebble"} {
		b.Run("store="+store, func(b *testing.B) {
			cpu0 := testenv.ProcessCPU()
			for b.Loop() {
				e := newEngineOn(b, cl, map[string]string{StateStoreProperty: store})
				mustExec(b, e, "CREATE SOURCE TABLE IF NOT EXISTS t (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='t', key_format='KAFKA', value_format='JSON');")
				if got := mustPull(b, e, "SELECT v FROM t WHERE k = 'k0000001';", nil); len(got.rows) != 1 {
					b.Fatalf("rows %q", got.rows)
				}
				if err := e.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
			b.ReportMetric(float64((testenv.ProcessCPU()-cpu0).Nanoseconds())/float64(b.N*records), "cpu-ns/record")
		})
	}
}

// TestPullIntKeyRangeMatchesScan: a pull query bounding an INT or BIGINT
// key in the KAFKA format reads only that range of the store's key bytes
// (big-endian, negative keys after the others) and answers exactly as a
// scan of every row filtered by the same clause, in the same order:
// ranges of negative keys, of non-negative keys, across zero, at the
// type's ends and empty, on plain and windowed tables, in memory and in
// Pebble.
func TestPullIntKeyRangeMatchesScan(t *testing.T) {
	for _, store := range []string{"memory", "pebble"} {
		t.Run(store, func(t *testing.T) {
			cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 3})
			e := newEngineOn(t, cl, map[string]string{StateStoreProperty: store})
			mustExec(t, e, "CREATE SOURCE TABLE i (k INT PRIMARY KEY, v BIGINT) WITH (kafka_topic='i', key_format='KAFKA', value_format='JSON', partitions=3);")
			mustExec(t, e, "CREATE SOURCE TABLE b (k BIGINT PRIMARY KEY, v BIGINT) WITH (kafka_topic='b', key_format='KAFKA', value_format='JSON', partitions=3);")
			mustExec(t, e, "CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', key_format='KAFKA', value_format='JSON', partitions=3);")
			mustExec(t, e, "CREATE TABLE w AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;")
			ints := []int64{math.MinInt32, math.MinInt32 + 1, -2, -1, 0, 1, 2, math.MaxInt32 - 1, math.MaxInt32}
			for i := int64(-1500); i < 1500; i++ {
				ints = append(ints, 7*i)
			}
			var recs []kafka.Record
			for i, k := range ints {
				v := fmt.Appendf(nil, `{"V":%d}`, i)
				recs = append(recs,
					kafka.Record{Topic: "i", Partition: -1, Key: binary.BigEndian.AppendUint32(nil, uint32(int32(k))), Value: v},
					kafka.Record{Topic: "b", Partition: -1, Key: binary.BigEndian.AppendUint64(nil, uint64(k*1e9)), Value: v},
					kafka.Record{Topic: "s", Partition: -1, Key: binary.BigEndian.AppendUint32(nil, uint32(int32(k%50))), Value: v, Timestamp: int64(i) * 97})
			}
			for _, k := range []int64{math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - 1, math.MaxInt64} {
				recs = append(recs, kafka.Record{Topic: "b", Partition: -1, Key: binary.BigEndian.AppendUint64(nil, uint64(k)), Value: []byte(`{"V":0}`)})
			}
			if err := cl.Produce(context.Background(), recs...); err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				table, where string
				bounded      bool // whether the scan reads only a range
			}{
				{"I", "k >= 70 AND k < 140", true},
				{"I", "k BETWEEN -700 AND -7", true},
				{"I", "k > -70 AND k <= 70", false},
				{"I", "k < -10000", true},
				{"I", "k > 10000", true},
				{"I", "k >= 2147483647", true},
				{"I", "k <= -2147483648", true},
				{"I", "k > 3000000000", true},
				{"I", "k > 20 AND k < 10", true},
				{"I", "k IN (14, 21) OR (k > 700 AND k < 800)", true},
				{"I", "k = -1 OR k < -10400", true},
				{"I", "k >= -1", false},
				{"I", "k > 7 AND v < 1510", true},
				{"B", "k >= 7000000000 AND k < 70000000000", true},
				{"B", "k < -1400000000000", true},
				{"B", "k >= 9223372036854775806", true},
				{"B", "k <= -9223372036854775807", true},
				{"B", "k > -1 AND k < 1", true},
				{"W", "k >= 7 AND k < 21", true},
				{"W", "k <= -7 AND WINDOWSTART >= 100000", true},
				{"W", "k > 40", true},
			} {
				text, _ := pullMatchesScan(t, e, q.table, q.where)
				stmts, err := sql.Parse(text)
				if err != nil {
					t.Fatal(err)
				}
				lo, hi := pullKeyRange(e.Metastore().Source(q.table), stmts[0].(*sql.Select).Query.Where)
				if bounded := lo != nil || hi != nil; bounded != q.bounded {
					t.Errorf("%s: key range [%x, %x), want bounded %v", text, lo, hi, q.bounded)
				}
			}
		})
	}
}

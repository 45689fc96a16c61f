package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// TestPassThroughMatchesDecoding runs Nexmark-like projections whose
// columns pass from JSON to JSON as written next to the same projections
// made to decode every column (a WHERE that mentions them all and keeps
// every row), over random and hostile bids, and checks that they write
// the same records and log the same errors.
func TestPassThroughMatchesDecoding(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, `CREATE STREAM bid (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING, url STRING,
		datetime TIMESTAMP, extra STRING, n INT) WITH (kafka_topic='bid', value_format='JSON', partitions=1);`)
	keepAll := " WHERE bidder IS NULL OR price IS NULL OR channel IS NULL OR url IS NULL OR datetime IS NULL OR extra IS NULL OR n IS NULL OR TRUE"
	queries := map[string]string{
		"Q0": "SELECT auction, bidder, price, datetime, extra FROM bid",
		"Q1": "SELECT auction, bidder, 0.908 * price AS price, datetime, extra FROM bid",
		"QS": "SELECT * FROM bid",
	}
	for name, q := range queries {
		mustExec(t, e, "CREATE STREAM "+name+" AS "+q+";")
		mustExec(t, e, "CREATE STREAM "+name+"_REF AS "+q+keepAll+";")
		checkPassing(t, e, name, true)
		checkPassing(t, e, name+"_REF", false)
	}
	recs := hostileBids(rand.New(rand.NewPCG(7, 11)), 3000)
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	errs := loggedErrors(t, cl)
	for name := range queries {
		got, ref := records(t, cl, name), records(t, cl, name+"_REF")
		// A stream's null value passes a projection but not a filter.
		var kept []string
		for _, r := range got {
			if !strings.HasSuffix(r, "|<nil>") {
				kept = append(kept, r)
			}
		}
		if len(kept) < 1000 || len(got)-len(kept) < 10 {
			t.Fatalf("%s: %d records, %d of them null: the bids are not varied enough", name, len(got), len(got)-len(kept))
		}
		for i := range max(len(kept), len(ref)) {
			if i >= len(kept) || i >= len(ref) || kept[i] != ref[i] {
				t.Fatalf("%s: record %d differs (%d and %d records):\n%s\n%s", name, i, len(kept), len(ref), at(kept, i), at(ref, i))
			}
		}
		logged, decoding := strings.Join(errs[name], "\n"), strings.Join(errs[name+"_REF"], "\n")
		if logged == "" || logged != decoding {
			t.Errorf("%s logged errors:\n%s\nthe decoding query:\n%s", name, logged, decoding)
		}
	}
}

func at(recs []string, i int) string {
	if i < len(recs) {
		return recs[i]
	}
	return "(none)"
}

// checkPassing checks whether query name's source hands a plain string
// to its sink as written.
func checkPassing(t *testing.T, e *Engine, name string, want bool) {
	t.Helper()
	var q *runtime.Query
	for id, rq := range e.queries {
		if n, ok := strings.CutPrefix(id, "CSAS_"+name+"_"); ok && strings.Trim(n, "0123456789") == "" {
			q = rq
		}
	}
	if q == nil {
		t.Fatalf("no query for %s among %v", name, e.queries)
	}
	src := q.Topology.Inputs[0].Source
	row := make([]any, src.NumValue)
	if err := src.ValueSerde.Decode([]byte(`{"EXTRA":"x"}`), row); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%T", row[5]) != "string"; got != want {
		t.Errorf("%s: EXTRA decodes as %T, want passing %v", name, row[5], want)
	}
}

// records reads a topic as key|value|timestamp lines.
func records(t *testing.T, cl kafka.Cluster, topic string) []string {
	t.Helper()
	recs, err := cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		v := string(r.Value)
		if r.Value == nil {
			v = "<nil>"
		}
		out = append(out, fmt.Sprintf("%x|%d|%s", r.Key, r.Timestamp, v))
	}
	return out
}

// loggedErrors gathers each query's deserialization errors, in order,
// by the query's name (processing.CSAS_<NAME>_<n>.<step>).
func loggedErrors(t *testing.T, cl kafka.Cluster) map[string][]string {
	t.Helper()
	logged, err := cl.ReadAll(context.Background(), "default_ksql_processing_log")
	if err != nil {
		t.Fatal(err)
	}
	byQuery := map[string][]string{}
	for _, r := range logged {
		var l struct {
			Logger  string
			Message struct {
				DeserializationError *struct{ ErrorMessage string }
			}
		}
		if err := json.Unmarshal(r.Value, &l); err != nil || l.Message.DeserializationError == nil {
			t.Fatalf("not a deserialization error (%v): %s", err, r.Value)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(l.Logger, "processing."), ".") // then the step
		q := strings.TrimPrefix(id, "CSAS_")
		q = q[:strings.LastIndexByte(q, '_')]
		byQuery[q] = append(byQuery[q], l.Message.DeserializationError.ErrorMessage)
	}
	return byQuery
}

// hostileBids makes n bid records: mostly well-formed, with every field
// now and then spelled in another case, repeated, missing, null, of
// another kind, escaped, non-ASCII, out of range or malformed, and some
// null and non-object values.
func hostileBids(rng *rand.Rand, n int) []kafka.Record {
	ints := []func() string{
		func() string { return fmt.Sprint(rng.Int64N(1e6)) },
		func() string { return fmt.Sprint(1_700_000_000_000 + rng.Int64N(1e9)) },
		func() string { return fmt.Sprint(-rng.Int64N(1e6)) },
		func() string {
			return []string{"0", "-0", "01", "1.5", "2e3", "1E+2", "-", "9223372036854775807"}[rng.IntN(8)]
		},
		func() string {
			return []string{"9223372036854775808", "99999999999999999999", "2147483648", "-2147483649", "123456789012345678"}[rng.IntN(5)]
		},
		func() string { return []string{`"12"`, `"x"`, "null", "true", "[1]", "{}"}[rng.IntN(6)] },
	}
	strs := []func() string{
		func() string { return `"` + strings.Repeat("abcxyz", rng.IntN(15)) + `"` },
		func() string {
			return `"https://www.nexmark.com/yrv/item.htm?query=1&channel_id=` + fmt.Sprint(rng.IntN(1e4)) + `"`
		},
		func() string {
			return []string{`"a\"b"`, `"tab\there"`, `"\u00e9t\u00e9"`, `"\/slash"`, `"\ud83d\ude00"`, `"\ud800 lone"`, `"bad \q"`}[rng.IntN(7)]
		},
		func() string {
			return []string{"\"caf\xc3\xa9\"", "\"\xe2\x80\xa8 sep\"", "\"\x7f del\"", "\"ctl \x01\"", "\"bad \xff\""}[rng.IntN(5)]
		},
		func() string {
			return []string{"12", "1.5e3", "true", "null", `{"k": [1, "x"]}`, `[1, "two"]`, `""`}[rng.IntN(7)]
		},
	}
	pick := func(fs []func() string, plain float64) string {
		if rng.Float64() < plain {
			return fs[rng.IntN(2)]()
		}
		return fs[rng.IntN(len(fs))]()
	}
	fields := []struct {
		name string
		gen  []func() string
	}{
		{"bidder", ints}, {"price", ints}, {"channel", strs}, {"url", strs}, {"dateTime", ints}, {"extra", strs}, {"n", ints},
	}
	recs := make([]kafka.Record, n)
	for i := range recs {
		r := &recs[i]
		r.Topic, r.Partition, r.Timestamp = "bid", -1, int64(1000+i)
		r.Key = binary.BigEndian.AppendUint64(nil, uint64(rng.IntN(100)))
		switch rng.IntN(100) {
		case 0:
			continue // a null value
		case 1:
			r.Value = []byte("null")
			continue
		case 2:
			r.Value = []byte([]string{`[]`, `"x"`, `{"bidder":1`, `{"bidder":1}x`, ``}[rng.IntN(5)])
			continue
		}
		var b bytes.Buffer
		b.WriteByte('{')
		for _, f := range fields {
			name := f.name
			switch rng.IntN(40) {
			case 0:
				continue // missing
			case 1:
				name = strings.ToUpper(name)
			case 2:
				fmt.Fprintf(&b, `"%s":%s,`, strings.ToUpper(name), pick(f.gen, 0.5)) // repeated, in another case
			case 3:
				fmt.Fprintf(&b, `"%s" : %s ,`, name, pick(f.gen, 0.5)) // repeated, with blanks
			}
			fmt.Fprintf(&b, `"%s":%s,`, name, pick(f.gen, 0.9))
		}
		b.Truncate(b.Len() - 1)
		b.WriteByte('}')
		r.Value = b.Bytes()
	}
	return recs
}

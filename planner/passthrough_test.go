package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// TestVerbatimColumns: only output value columns that are a bare
// reference to a source value column that nothing else in the query
// mentions are verbatim, and only in a plain projection of one stream.
func TestVerbatimColumns(t *testing.T) {
	ms := catalog(t, testDDL+`
CREATE STREAM timed (k STRING KEY, a INT, b STRING, ts BIGINT) WITH (kafka_topic='timed', value_format='JSON', timestamp='ts', partitions=2);
`)
	for _, c := range []struct{ query, want string }{
		{"CREATE STREAM out AS SELECT user_id, url, ms FROM clicks;", "URL<-1 MS<-2"},
		{"CREATE STREAM out AS SELECT * FROM clicks;", "URL<-1 MS<-2"},
		{"CREATE STREAM out AS SELECT ms, user_id, url AS u2 FROM clicks WHERE ms > 1;", "U2<-1"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url FROM clicks c;", "URL<-1"},
		{"CREATE STREAM out AS SELECT user_id, url, LEN(url) AS n FROM clicks;", ""},
		{"CREATE STREAM out AS SELECT user_id, url, url AS u2 FROM clicks;", ""},
		{"CREATE STREAM out AS SELECT user_id, CAST(ms AS BIGINT) AS m, url FROM clicks;", "URL<-1"},
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks WHERE url LIKE 'x%';", ""},
		{"CREATE STREAM out AS SELECT url, user_id FROM clicks PARTITION BY url;", ""},
		{"CREATE STREAM out AS SELECT user_id, url, EXPLODE(ARRAY[1, 2]) AS x FROM clicks;", ""},
		{"CREATE TABLE out AS SELECT id, name FROM users;", ""},
		{"CREATE TABLE out AS SELECT url, COUNT(*) AS n FROM clicks GROUP BY url;", ""},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.user_id = u.id;", ""},
		{"CREATE STREAM out AS SELECT k, a, b, ts FROM timed;", "A<-1 B<-2"},
	} {
		plan := mustPlan(t, ms, c.query)
		var got []string
		for _, v := range plan.Verbatim {
			got = append(got, fmt.Sprintf("%s<-%d", plan.Output.Columns[v.Out].Name, v.Slot))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: verbatim %q, want %q", c.query, got, c.want)
		}
	}
}

// TestPassThrough: the verbatim columns pass as written when source and
// sink are JSON, except the one the sink takes its record time from.
func TestPassThrough(t *testing.T) {
	ms := catalog(t, testDDL+`
CREATE STREAM d (k STRING KEY, a STRING, b BIGINT) WITH (kafka_topic='d', value_format='DELIMITED', partitions=2);
CREATE STREAM e (k STRING KEY, a STRING, t BIGINT) WITH (kafka_topic='e', value_format='JSON', partitions=2);
`)
	for _, c := range []struct {
		query, sinkFormat, timestamp, value, want string
	}{
		{"CREATE STREAM out AS SELECT user_id, url, ms FROM clicks;", serde.JSON, "", `{"URL":"u","MS":5}`,
			`[]interface {}{"\"u\"", "5"}`},
		{"CREATE STREAM out AS SELECT k, a, t FROM e;", serde.JSON, "", `{"A":"u","T":5}`,
			`[]interface {}{"\"u\"", "5"}`},
		{"CREATE STREAM out AS SELECT k, a, t FROM e;", serde.JSON, "T", `{"A":"u","T":5}`,
			`[]interface {}{"\"u\"", 5}`},
		{"CREATE STREAM out AS SELECT user_id, url, ms FROM clicks;", serde.Delimited, "", `{"URL":"u","MS":5}`,
			`[]interface {}{"u", 5}`},
		{"CREATE STREAM out AS SELECT k, a, b FROM d;", serde.JSON, "", `x,7`, `[]interface {}{"x", 7}`},
	} {
		plan := mustPlan(t, ms, c.query)
		vs, err := serde.New(serde.Format{Name: c.sinkFormat}, plan.Output.Value(), false)
		if err != nil {
			t.Fatal(err)
		}
		sink := &runtime.TopicSink{ValueSerde: vs, NumKey: plan.NumKey}
		if c.timestamp != "" {
			sink.Timestamp, err = New(ms, nil, nil, nil).SinkTimestamp(plan.Output, c.timestamp, "")
			if err != nil {
				t.Fatal(err)
			}
		}
		plan.Out.Next = sink
		PassThrough(plan, sink)
		src := plan.Inputs[0].Source
		row := make([]any, src.NumValue)
		if err := src.ValueSerde.Decode([]byte(c.value), row); err != nil {
			t.Fatal(err)
		}
		// Passed values print as their tokens' text, in quotes.
		got := fmt.Sprintf("%#v", normalize(row))
		if got != c.want {
			t.Errorf("%s to %s (timestamp %q): source decodes %s, want %s", c.query, c.sinkFormat, c.timestamp, got, c.want)
		}
	}
}

// normalize shows a passed value as the quoted text of its token, and
// leaves the others as they are.
func normalize(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		out[i] = v
		switch v.(type) {
		case string, int32, int64, types.TimestampVal, nil:
		default:
			out[i] = fmt.Sprintf("%s", v)
		}
	}
	return out
}

// TestKeyFromInput: a projection of one stream writes the input record's
// key as its own only when its key columns are the source's, unchanged,
// and both key formats are KAFKA with the same type; then, if nothing
// else reads the key, the source only checks it.
func TestKeyFromInput(t *testing.T) {
	ms := catalog(t, testDDL+`
CREATE STREAM n (k BIGINT KEY, a STRING) WITH (kafka_topic='n', value_format='JSON', partitions=2);
CREATE STREAM nt (k BIGINT KEY, a STRING) WITH (kafka_topic='nt', value_format='JSON', timestamp='k', partitions=2);
CREATE STREAM jk (k STRING KEY, a STRING) WITH (kafka_topic='jk', key_format='JSON', value_format='JSON', partitions=2);
CREATE STREAM w (k STRING KEY, a STRING) WITH (kafka_topic='w', value_format='JSON', window_type='TUMBLING', window_size='1 SECOND', partitions=2);
`)
	for _, c := range []struct {
		query, keyFormat, timestamp string
		want, checked               bool
	}{
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks;", serde.Kafka, "", true, true},
		{"CREATE STREAM out AS SELECT user_id AS u, url FROM clicks WHERE ms > 1;", serde.Kafka, "", true, true},
		{"CREATE STREAM out AS SELECT * FROM clicks;", serde.Kafka, "", true, true},
		{"CREATE STREAM out AS SELECT k, a FROM n;", serde.Kafka, "", true, true},
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks WHERE user_id <> 'x';", serde.Kafka, "", true, false},
		{"CREATE STREAM out AS SELECT user_id, url, LEN(user_id) AS n FROM clicks;", serde.Kafka, "", true, false},
		{"CREATE STREAM out AS SELECT k, a FROM n;", serde.Kafka, "K", true, false},
		{"CREATE STREAM out AS SELECT k, a FROM nt;", serde.Kafka, "", true, false},
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks;", serde.JSON, "", false, false},
		{"CREATE STREAM out AS SELECT k, a FROM jk;", serde.JSON, "", false, false},
		{"CREATE STREAM out AS SELECT k, a FROM w;", serde.Kafka, "", false, false},
		{"CREATE STREAM out AS SELECT url, user_id FROM clicks PARTITION BY url;", serde.Kafka, "", false, false},
		{"CREATE STREAM out AS SELECT user_id, url, EXPLODE(ARRAY[1, 2]) AS x FROM clicks;", serde.Kafka, "", false, false},
		{"CREATE TABLE out AS SELECT id, name FROM users;", serde.Kafka, "", false, false},
		{"CREATE TABLE out AS SELECT url, COUNT(*) AS n FROM clicks GROUP BY url;", serde.Kafka, "", false, false},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.user_id = u.id;", serde.Kafka, "", false, false},
	} {
		plan := mustPlan(t, ms, c.query)
		ks, err := serde.New(serde.Format{Name: c.keyFormat}, plan.Output.Key(), true)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := serde.New(serde.Format{Name: serde.JSON}, plan.Output.Value(), false)
		if err != nil {
			t.Fatal(err)
		}
		sink := &runtime.TopicSink{KeySerde: ks, ValueSerde: vs, NumKey: plan.NumKey}
		if c.timestamp != "" {
			if sink.Timestamp, err = New(ms, nil, nil, nil).SinkTimestamp(plan.Output, c.timestamp, ""); err != nil {
				t.Fatal(err)
			}
		}
		plan.Out.Next = sink
		PassThrough(plan, sink)
		if sink.KeyFromInput != c.want {
			t.Errorf("%s with a %s key: KeyFromInput %v, want %v", c.query, c.keyFormat, sink.KeyFromInput, c.want)
		}
		if src := plan.Inputs[0].Source; src.KeySerde != nil && src.NumKey == 1 && src.Window == "" {
			key := []byte("12345678")
			row := []any{"unset"}
			if err := src.KeySerde.Decode(key, row); err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			if checked := row[0] == nil; checked != c.checked {
				t.Errorf("%s (sink timestamp %q): key only checked %v, want %v", c.query, c.timestamp, checked, c.checked)
			}
		}
	}
}

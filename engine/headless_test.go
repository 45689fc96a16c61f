package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestQueriesFileRunsAndResumes runs a queries file on an engine with
// no command log: SET applies to the statements after it and UNSET ends
// it there; a second engine on the same file resumes both queries (same
// ids, same consumer groups) instead of reading the input again, without
// a warning; edited files that move, drop or change a query are each
// told in the log.
func TestQueriesFileRunsAndResumes(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	ctx := context.Background()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "in", Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	produce := func(vals ...string) {
		t.Helper()
		for _, v := range vals {
			if err := cl.Produce(ctx, kafka.Record{Topic: "in", Partition: -1, Value: []byte(`{"V":"` + v + `"}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	produce("a", "b") // before any engine
	f, err := ParseQueriesFile("q.sql", `CREATE TYPE pair AS STRUCT<a STRING, b STRING>;
CREATE STREAM s (v STRING, p pair) WITH (kafka_topic='in', value_format='JSON');
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM early AS SELECT v, p FROM s;
UNSET 'auto.offset.reset';
CREATE STREAM late AS SELECT v FROM s;
`)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	open := func(f *QueriesFile) *Engine {
		t.Helper()
		logs.Reset()
		e, err := New(ctx, Options{Cluster: cl, ServiceID: "hl_", QueriesFile: f,
			Logf: func(format string, args ...any) { fmt.Fprintf(&logs, format+"\n", args...) }})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	wait := func(topic, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := strings.Join(values(t, cl, topic), ",")
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s holds %s, want %s", topic, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	e := open(f)
	if !e.Headless() || e.Metastore().Query("CSAS_EARLY_0") == nil || e.Metastore().Query("CSAS_LATE_1") == nil {
		t.Fatalf("queries: %v", e.QueryStats())
	}
	// EARLY read the input from the start, LATE (its default, latest) not.
	wait("EARLY", `|{"V":"a","P":null},|{"V":"b","P":null}`)
	produce("c")
	wait("EARLY", `|{"V":"a","P":null},|{"V":"b","P":null},|{"V":"c","P":null}`)
	wait("LATE", `|{"V":"c"}`)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	produce("d")
	e = open(f)
	// Resumed where each left off: nothing read twice, nothing skipped.
	wait("EARLY", `|{"V":"a","P":null},|{"V":"b","P":null},|{"V":"c","P":null},|{"V":"d","P":null}`)
	wait("LATE", `|{"V":"c"},|{"V":"d"}`)
	if _, ok, _ := cl.Topic(ctx, "_confluent-ksql-hl__command_topic"); ok {
		t.Error("a headless engine made a command topic")
	}
	if strings.Contains(logs.String(), "warning") {
		t.Errorf("the same file gave warnings:\n%s", logs.String())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Edits that move a query to another id (so another consumer group),
	// drop one, or change one under its id: each start says so.
	const head = "CREATE TYPE pair AS STRUCT<a STRING, b STRING>;\nCREATE STREAM s (v STRING, p pair) WITH (kafka_topic='in', value_format='JSON');\n"
	for _, c := range []struct {
		file string
		want []string
	}{
		{head + "CREATE STREAM late AS SELECT v FROM s;\nCREATE STREAM early AS SELECT v, p FROM s;\n", []string{
			"the query writing EARLY was CSAS_EARLY_0 at the previous start and is CSAS_EARLY_1 now: it starts afresh",
			"the query writing LATE was CSAS_LATE_1 at the previous start and is CSAS_LATE_0 now",
		}},
		// LATE dropped from the file, EARLY back at 0.
		{head + "CREATE STREAM early AS SELECT v, p FROM s;\n", []string{
			"query CSAS_LATE_0 (writing LATE) of the previous start is not in the file any more",
			"the query writing EARLY was CSAS_EARLY_1 at the previous start and is CSAS_EARLY_0 now",
		}},
		// The same id for another SELECT.
		{head + "CREATE STREAM early AS SELECT p, v FROM s;\n", []string{
			"query CSAS_EARLY_0 changed since the previous start",
		}},
	} {
		edited, err := ParseQueriesFile("q.sql", c.file)
		if err != nil {
			t.Fatal(err)
		}
		e = open(edited)
		for _, want := range c.want {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestQueriesFileErrorsPointIntoTheFile: a refusal found while parsing
// names the file, line and column, a byte order mark before the first
// statement moving nothing.
func TestQueriesFileErrorsPointIntoTheFile(t *testing.T) {
	for text, want := range map[string]string{
		"\uFEFFCREATE STREAM s (v STRING) WITH (kafka_topic='in', value_format='JSON');\nCREATE STREAM o AS SELECT * FROM s;\n  TERMINATE ALL;": "q.sql:3:3: TERMINATE is not supported in a queries file",
		"SET 'auto.offset.reset' = 'sometime';\nCREATE STREAM o AS SELECT * FROM s;":                                                            "q.sql:1:1: Invalid value sometime for configuration auto.offset.reset",
		"CREATE STREAM o AS SELECT * FROM s;\nSET 'auto.offset.rest' = 'earliest';":                                                             "q.sql:2:1: Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'",
		"CREATE STREAM o AS SELECT * FROM s;\nINSERT INTO o (v) VALUES ('x');":                                                                  "q.sql:2:1: INSERT INTO … VALUES is not supported in a queries file",
		"CREATE STREAM o AS SELECT * FROM s;\nCREATE SOURCE CONNECTOR c WITH ('connector.class'='x');":                                          "q.sql:2:1: CREATE SOURCE CONNECTOR is not supported in a queries file",
		"\uFEFF-- nothing but a comment\n": "q.sql:1:1: the file has no persistent query",
	} {
		_, err := ParseQueriesFile("q.sql", text)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %s…", text, err, want)
		}
	}
}

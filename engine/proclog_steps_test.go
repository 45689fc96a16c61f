package engine

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestProcessingLogNamesTheStep: each processing-log entry's logger
// names, below processing.<query id>, the plan step that met the error
// as ksqlDB's loggers do: the source's deserializer, the WHERE filter,
// the projection, the GROUP BY and a join's sides. The records are in
// the topics before the queries start.
func TestProcessingLogNamesTheStep(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, `CREATE STREAM s (k STRING KEY, v INT, g STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE u (k STRING PRIMARY KEY, name STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);`)
	if err := cl.Produce(context.Background(),
		kafka.Record{Topic: "u", Partition: 0, Key: []byte("a"), Value: []byte(`{"NAME":"ann"}`)},
		kafka.Record{Topic: "s", Partition: 0, Key: []byte("a"), Value: []byte(`{"V":0}`)},
		kafka.Record{Topic: "s", Partition: 0, Key: []byte("b"), Value: []byte(`not json`)},
	); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, `CREATE STREAM proj AS SELECT k, 10 / v AS q FROM s;
		CREATE STREAM filt AS SELECT * FROM s WHERE 10 / v > 1;
		CREATE TABLE grp AS SELECT g, COUNT(*) AS n FROM s GROUP BY g;
		CREATE STREAM joined AS SELECT s.k, u.name FROM s JOIN u ON s.k = u.k;`)

	want := map[string][]string{
		"PROJ":   {"KsqlTopic.Source.deserializer", "Project"},
		"FILT":   {"KsqlTopic.Source.deserializer", "WhereFilter"},
		"GRP":    {"Aggregate.GroupBy", "KsqlTopic.Source.deserializer"},
		"JOINED": {"KafkaTopic_Left.Source.deserializer"},
	}
	var got map[string][]string
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = map[string][]string{}
		for _, v := range values(t, cl, "default_ksql_processing_log") {
			_, value, _ := strings.Cut(v, "|") // after the (null) key
			var entry struct{ Logger string }
			if err := json.Unmarshal([]byte(value), &entry); err != nil {
				t.Fatalf("entry %s: %v", value, err)
			}
			// processing.CSAS_PROJ_1.Project: the query's name, then the step.
			rest, ok := strings.CutPrefix(entry.Logger, "processing.")
			id, step, _ := strings.Cut(rest, ".")
			if !ok || step == "" {
				t.Fatalf("logger %q names no step: %s", entry.Logger, value)
			}
			name := id[strings.IndexByte(id, '_')+1 : strings.LastIndexByte(id, '_')]
			got[name] = append(got[name], step)
		}
		for _, steps := range got {
			slices.Sort(steps)
		}
		if len(got) == len(want) && got["JOINED"] != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, steps := range want {
		if !slices.Equal(got[name], steps) {
			t.Errorf("%s logged at %q, want %q", name, got[name], steps)
		}
	}
}

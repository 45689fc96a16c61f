package repl

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// TestFailedPullQueryShowsOnlyTheError runs a pull query on a real engine
// whose source's topic is gone (another stream on it dropped it with
// DELETE TOPIC): the engine sends the header, then fails reading the
// topic. Piped, on a terminal and as CSV, the shell shows the error and
// no header; the same query on a source that is there shows its header.
func TestFailedPullQueryShowsOnlyTheError(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.Options{Cluster: kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	setup := "CREATE STREAM a (id INT KEY, qty INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
		"CREATE STREAM b (id INT KEY, qty INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
		"CREATE STREAM c (id INT KEY, qty INT) WITH (kafka_topic='c', value_format='JSON', partitions=1);\n" +
		"DROP STREAM a DELETE TOPIC;\n"
	if err := RunScript(context.Background(), Options{Client: eng}, setup); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		width int
		set   string
	}{
		{"piped", 0, ""},
		{"terminal", 80, ""},
		{"column width", 80, "set cli COLUMN-WIDTH 6\n"},
		{"csv", 0, "OUTPUT CSV\n"},
	} {
		var out, errw strings.Builder
		o := Options{Client: eng, Out: &out, Err: &errw, width: func() int { return tc.width }}
		err := RunScript(context.Background(), o, tc.set+"SELECT * FROM b;\n")
		if err == nil || strings.Count(errw.String(), "read s") != 1 {
			t.Errorf("%s: err %v, stderr %q (want the topic named once)", tc.name, err, errw.String())
		}
		if strings.Contains(out.String(), "QTY") {
			t.Errorf("%s: a failed query's header shown:\n%s", tc.name, out.String())
		}
		out.Reset()
		errw.Reset()
		if err := RunScript(context.Background(), o, tc.set+"SELECT * FROM c;\n"); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, errw.String())
		}
		if !strings.Contains(out.String(), "QTY") || !strings.Contains(out.String()+errw.String(), "Query Completed") {
			t.Errorf("%s: an empty result's header or end missing:\nout %q\nerr %q", tc.name, out.String(), errw.String())
		}
	}
}

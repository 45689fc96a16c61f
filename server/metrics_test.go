package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// scraped is one line of a Prometheus text scrape.
type scraped struct {
	name   string
	labels map[string]string
	value  float64
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func parseScrape(t *testing.T, text string) []scraped {
	t.Helper()
	var out []scraped
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a scraped: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		s := scraped{name: m[1], labels: map[string]string{}, value: v}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[p[1]] = p[2]
		}
		out = append(out, s)
	}
	return out
}

// find returns the samples of a metric whose labels include want
// ("key=value" pairs).
func find(samples []scraped, name string, want ...string) []scraped {
	var out []scraped
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for _, w := range want {
			k, v, _ := strings.Cut(w, "=")
			if s.labels[k] != v {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

func sum(samples []scraped) float64 {
	var n float64
	for _, s := range samples {
		n += s.value
	}
	return n
}

// TestMetricsOfRunningQueries scrapes /metrics of a server over the
// embedded broker while a stream query, an aggregation and a sink
// connector work through records that were in the topic before any of
// them started, three of which are not JSON. The counts equal what was
// produced, partition by partition; the lag goes to 0; the errors are the
// three bad records; the aggregate's state holds one entry per user. A
// second server on the same broker restores the aggregate's state and
// its scrape shows the restore done.
func TestMetricsOfRunningQueries(t *testing.T) {
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	cl, err := kafka.Dial(context.Background(), kafka.Config{Brokers: []string{emb.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.CreateTopic(context.Background(), kafka.TopicInfo{Name: "clicks", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	const good, bad, users = 1000, 3, 10
	var recs []kafka.Record
	for i := range good {
		recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(fmt.Sprint(i)),
			Value: []byte(fmt.Sprintf(`{"USERID":"u%d","N":%d}`, i%users, i))})
	}
	for i := range bad {
		recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(fmt.Sprint("bad", i)), Value: []byte("not json")})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	perPartition := map[string]float64{}
	for _, r := range recs {
		perPartition[strconv.Itoa(int(r.Partition))]++
	}
	if len(perPartition) != 2 {
		t.Fatalf("records landed in %d partitions, want 2", len(perPartition))
	}

	plugins := connect.NewRegistry()
	convert.Register(plugins)
	file.Register(plugins)
	open := func() *testServer {
		eng, err := engine.New(context.Background(), engine.Options{Cluster: cl, Connectors: plugins,
			Config: map[string]string{"auto.offset.reset": "earliest"}})
		if err != nil {
			t.Fatal(err)
		}
		return serveEngine(t, eng, nil)
	}
	ts := open()
	out := filepath.Join(t.TempDir(), "clicks.txt")
	ts.ksql(t, `CREATE STREAM clicks (userid STRING, n INT) WITH (kafka_topic='clicks', value_format='JSON');
		CREATE STREAM good_clicks AS SELECT userid, n FROM clicks;
		CREATE TABLE per_user AS SELECT userid, COUNT(*) AS c FROM clicks GROUP BY userid;
		CREATE SINK CONNECTOR fsink WITH ('connector.class'='FileStreamSink', 'topics'='clicks', 'file'='`+out+`',
			'value.converter'='json', 'value.converter.schemas.enable'='false', 'errors.tolerance'='all');`)

	var s []scraped
	settled := func() bool {
		_, _, body := ts.do(t, ts.http, "GET", "/metrics", "", "")
		s = parseScrape(t, body)
		lags := find(s, "eddy_query_consumer_lag", "topic=clicks")
		sinkLags := find(s, "eddy_connector_sink_lag", "connector=FSINK")
		entries := find(s, "eddy_task_state_entries", "query_id=CTAS_PER_USER_1")
		return len(lags) == 4 && sum(lags) == 0 && len(sinkLags) == 2 && sum(sinkLags) == 0 &&
			sum(find(s, "eddy_query_records_in_total", "query_id=CTAS_PER_USER_1")) == good+bad &&
			sum(entries) == users
	}
	waitFor(t, "every query and the connector to read all of clicks", settled)

	for p, n := range perPartition {
		for _, q := range []string{"CSAS_GOOD_CLICKS_0", "CTAS_PER_USER_1"} {
			if got := sum(find(s, "eddy_task_partition_records_consumed_total", "query_id="+q, "topic=clicks", "partition="+p)); got != n {
				t.Errorf("%s consumed %v records of clicks/%s, want %v", q, got, p, n)
			}
		}
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"eddy_query_records_in_total", []string{"query_id=CSAS_GOOD_CLICKS_0"}, good + bad},
		{"eddy_query_records_out_total", []string{"query_id=CSAS_GOOD_CLICKS_0"}, good},
		{"eddy_query_processing_errors_total", []string{"query_id=CSAS_GOOD_CLICKS_0"}, bad},
		{"eddy_task_records_out_total", []string{"query_id=CSAS_GOOD_CLICKS_0"}, good},
		{"eddy_task_processing_errors_total", []string{"query_id=CSAS_GOOD_CLICKS_0"}, bad},
		{"eddy_task_partition_processing_errors_total", []string{"query_id=CSAS_GOOD_CLICKS_0", "topic=clicks"}, bad},
		{"eddy_query_state", []string{"query_id=CSAS_GOOD_CLICKS_0", "state=RUNNING"}, 1},
		{"eddy_query_tasks", []string{"query_id=CSAS_GOOD_CLICKS_0"}, 2},
		{"eddy_task_restore_remaining_records", []string{"query_id=CTAS_PER_USER_1"}, 0},
		{"eddy_connector_task_records_total", []string{"connector=FSINK", "task=0"}, good},
		{"eddy_connector_task_record_errors_total", []string{"connector=FSINK", "task=0"}, bad},
		{"eddy_connector_task_state", []string{"connector=FSINK", "task=0", "state=RUNNING"}, 1},
		{"eddy_connector_state", []string{"connector=FSINK", "type=sink", "state=RUNNING"}, 1},
		{"eddy_metrics_broker_errors", nil, 0},
	}
	for _, c := range checks {
		if got := find(s, c.name, c.labels...); len(got) == 0 || sum(got) != c.want {
			t.Errorf("%s%v = %v (%d series), want %v", c.name, c.labels, sum(got), len(got), c.want)
		}
	}
	// The sink skipped bad records (errors.tolerance=all) but never had
	// an error of its own: no last error time.
	if got := find(s, "eddy_connector_task_last_error_timestamp_seconds", "connector=FSINK"); len(got) != 0 {
		t.Errorf("last error time of a sink that had no error: %v", got)
	}
	if lines, _ := os.ReadFile(out); strings.Count(string(lines), "\n") != good {
		t.Errorf("the sink wrote %d lines, want %d", strings.Count(string(lines), "\n"), good)
	}

	// A second server on the same broker (the first stopped) restores the
	// aggregate from its changelog: the scrape shows what it read, and
	// nothing left to read.
	if err := ts.eng.Close(); err != nil {
		t.Fatal(err)
	}
	ends, err := cl.EndOffsets(context.Background(), "_confluent-ksql-default_query_CTAS_PER_USER_1-Aggregate-Aggregate-Materialize-changelog")
	if err != nil {
		t.Fatal(err)
	}
	var changelog float64
	for _, e := range ends {
		changelog += float64(e)
	}
	cl.Produce(context.Background(), kafka.Record{Topic: "clicks", Partition: 0, Value: []byte(`{"USERID":"u0","N":-1}`)})
	ts2 := open()
	waitFor(t, "the restarted aggregate to restore and read the new record", func() bool {
		_, _, body := ts2.do(t, ts2.http, "GET", "/metrics", "", "")
		s = parseScrape(t, body)
		return sum(find(s, "eddy_task_records_in_total", "query_id=CTAS_PER_USER_1")) >= 1
	})
	restored := sum(find(s, "eddy_task_restored_records_total", "query_id=CTAS_PER_USER_1"))
	if restored == 0 || restored > changelog {
		t.Errorf("restored %v changelog records, want some and at most the %v in the changelog", restored, changelog)
	}
	if got := find(s, "eddy_task_restore_remaining_records", "query_id=CTAS_PER_USER_1"); len(got) == 0 || sum(got) != 0 {
		t.Errorf("restore remaining %v after the restore", got)
	}
	if got := sum(find(s, "eddy_query_restored_records_total", "query_id=CTAS_PER_USER_1")); got != restored {
		t.Errorf("query restored %v, tasks %v", got, restored)
	}
}

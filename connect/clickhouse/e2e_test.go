package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
)

// TestSinkConnectorRestartAndDowntime runs the sink through CREATE SINK
// CONNECTOR: rows produced before it starts land, an eddy restart
// resumes where the committed offsets end without losing a row, and a
// ClickHouse server that is down shows in DESCRIBE CONNECTOR until it is
// back and every row arrives.
func TestSinkConnectorRestartAndDowntime(t *testing.T) {
	srv := testenv.ClickHouseServer(t)
	c := ch{t, srv.URL()}
	c.exec("CREATE TABLE clicks (id Int64, user_id Int32, page String, at DateTime) ENGINE = MergeTree ORDER BY id")
	ctx := context.Background()
	cl, reg := testenv.Broker(t, "")
	open := func() *engine.Engine {
		plugins := connect.NewRegistry()
		convert.Register(plugins)
		transform.Register(plugins)
		Register(plugins)
		e, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins, Config: map[string]string{"auto.offset.reset": "earliest"}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	exec := func(e *engine.Engine, text string) []api.Entity {
		t.Helper()
		ents, err := e.Execute(ctx, text, nil)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return ents
	}
	// A foreign client writes JSON clicks, ids from..to-1.
	produce := func(from, to int) {
		t.Helper()
		var recs []kafka.Record
		for i := from; i < to; i++ {
			recs = append(recs, kafka.Record{Topic: "CLICKS", Partition: -1, Key: []byte(fmt.Sprint(i)),
				Value: []byte(fmt.Sprintf(`{"ID":%d,"USER_ID":%d,"PAGE":"Page_%d","AT":%d}`, i, i%7, i%13, 1715941800+i))})
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "CLICKS", Partitions: 3, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	produce(0, 500)

	e := open()
	exec(e, fmt.Sprintf(`CREATE SINK CONNECTOR CLICKS_TO_CH WITH ('connector.class'='%s', 'topics'='CLICKS',
		'hostname'='127.0.0.1', 'port'='%d', 'ssl'='false', 'topic2TableMap'='CLICKS=clicks',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false',
		'insert.timeout.ms'='2000', 'errors.retry.delay.max.ms'='1000');`, Class, srv.Port()))
	rows := func(want int) {
		t.Helper()
		var got string
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			got, _ = c.try("SELECT uniqExact(id), sum(id), sum(user_id), sum(toUnixTimestamp(at)) FROM clicks")
			if strings.HasPrefix(got, fmt.Sprint(want, "\t")) {
				break
			}
		}
		var sumID, sumUser, sumAt int
		for i := 0; i < want; i++ {
			sumID, sumUser, sumAt = sumID+i, sumUser+i%7, sumAt+1715941800+i
		}
		if exp := fmt.Sprintf("%d\t%d\t%d\t%d\n", want, sumID, sumUser, sumAt); got != exp {
			t.Fatalf("distinct ids, sums of id, user_id, at = %q, want %q", got, exp)
		}
	}
	rows(500)

	// Restart: rows produced while eddy is away arrive once it is back.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	produce(500, 800)
	e = open()
	defer func() { e.Close() }()
	rows(800)

	// ClickHouse down: the task's error names it; back up: nothing is lost.
	srv.Stop()
	produce(800, 1000)
	addr := fmt.Sprint("127.0.0.1:", srv.Port())
	var trace string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !strings.Contains(trace, addr); time.Sleep(200 * time.Millisecond) {
		d := exec(e, "DESCRIBE CONNECTOR CLICKS_TO_CH;")[0].(*api.ConnectorDescription)
		if len(d.Status.Tasks) == 1 {
			trace = d.Status.Tasks[0].Trace
		}
	}
	if !strings.Contains(trace, addr) || !strings.Contains(trace, "retrying") {
		t.Fatalf("DESCRIBE CONNECTOR task trace %q does not say it is retrying %s", trace, addr)
	}
	srv.Start()
	rows(1000)
	n := c.exec("SELECT count() FROM clicks")
	t.Logf("%s rows for 1000 records (at-least-once: a row repeats only if eddy stopped between an insert and its offset commit)", strings.TrimSpace(n))
}

package engine

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

func TestDbgJoin(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 4})
	e, err := New(context.Background(), Options{Cluster: cl, CreateSourceTopics: true, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []string{
		"CREATE STREAM INPUT_STREAM (K STRING KEY, SF BIGINT) WITH (kafka_topic='stream_topic', value_format='JSON');",
		"CREATE TABLE INPUT_TABLE (ID BIGINT PRIMARY KEY, TF INT) WITH (kafka_topic='table_topic', value_format='JSON');",
		"CREATE STREAM OUTPUT AS SELECT *, S.ROWTIME, T.ROWTIME FROM INPUT_STREAM S JOIN INPUT_TABLE T on S.SF = T.ID;",
		"INSERT INTO INPUT_TABLE (ROWTIME, ID, TF) VALUES (0, 26589, 1);",
		"INSERT INTO INPUT_STREAM (ROWTIME, K, SF) VALUES (100, 'a', 12589);",
		"INSERT INTO INPUT_TABLE (ROWTIME, ID, TF) VALUES (200, 12589, 12);",
		"INSERT INTO INPUT_STREAM (ROWTIME, K, SF) VALUES (300, 'b', 12589);",
	} {
		if _, err := e.Execute(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range e.queries {
		t.Logf("query %s err=%v tasks=%v", q.Topology.ID, q.Err(), q.Tasks())
	}
	tops, _ := cl.Topics(ctx)
	for _, tp := range tops {
		r, _ := cl.ReadAll(ctx, tp.Name)
		for _, x := range r {
			t.Logf("%s p=%d key=%x", tp.Name, x.Partition, x.Key)
		}
	}
}

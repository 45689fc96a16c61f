package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
)

// TestKill9MidJDBCSinkToPostgres kills `eddy server` with SIGKILL while
// its JDBC sink upserts 50,000 records, written beforehand by a separate
// Kafka client, into PostgreSQL, and restarts it. The records of batches
// whose transaction committed but whose offsets were not yet committed
// come again; upsert on the key makes PostgreSQL end with every record
// exactly once, with its value.
func TestKill9MidJDBCSinkToPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	pg := testenv.NewPostgresDB(t, "eddy_jdbc_kill")
	bin := buildEddy(t)
	dir := t.TempDir()
	kafkaAddr, apiAddr := freeAddr(t), freeAddr(t)
	var server *exec.Cmd
	start := func() {
		server = exec.Command(bin, "server", "--data-dir", dir, "--kafka-listen", kafkaAddr, "--listen", apiAddr, "--registry-listen", "")
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, apiAddr)
	}
	kill := func() {
		server.Process.Signal(os.Kill)
		server.Wait()
	}
	start()
	defer func() { kill() }()

	const total = 50_000
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{kafkaAddr}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "payments", Partitions: 4, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	for from := 0; from < total; from += 5000 {
		recs := make([]kafka.Record, 0, 5000)
		for i := from; i < from+5000; i++ {
			recs = append(recs, kafka.Record{Topic: "payments", Partition: int32(i % 4), Key: []byte(itoa(i)),
				Value: []byte(fmt.Sprintf(`{"amount": %d, "payer": "user-%d"}`, i*3, i%97)), Timestamp: time.Now().UnixMilli()})
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()

	stmt := `CREATE SINK CONNECTOR pg_payments WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSinkConnector',
		'connection.url'='` + pg.JDBCURL + `', 'topics'='payments', 'insert.mode'='upsert', 'pk.mode'='record_key', 'pk.fields'='id',
		'auto.create'='true', 'batch.size'='500',
		'key.converter'='org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable'='false',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`
	if out, err := exec.Command(bin, "--data-dir", filepath.Join(dir, "shell"), "--server", "http://"+apiAddr, "-e", stmt).CombinedOutput(); err != nil || strings.Contains(string(out), "rror") {
		t.Fatalf("create connector: %v\n%s", err, out)
	}
	count := func() int {
		var n int
		if err := pg.DB.QueryRow("SELECT COUNT(*) FROM payments").Scan(&n); err != nil {
			return 0
		}
		return n
	}
	waitUntil(t, "5,000 rows", time.Minute, func() bool { return count() >= 5000 })
	kill()
	if n := count(); n >= total {
		t.Logf("the sink had written every row (%d) before the kill", n)
	} else {
		t.Logf("killed with %d of %d rows written", n, total)
	}
	start()
	waitUntil(t, "every row", 2*time.Minute, func() bool { return count() >= total })

	var rows, distinct, bad int
	if err := pg.DB.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT id), COUNT(*) FILTER (WHERE amount <> id*3 OR payer <> 'user-' || (id % 97))
		FROM payments WHERE id BETWEEN 0 AND $1`, total-1).Scan(&rows, &distinct, &bad); err != nil {
		t.Fatal(err)
	}
	if rows != total || distinct != total || bad != 0 {
		t.Fatalf("%d rows, %d distinct ids, %d with a wrong value; want %d, %d, 0", rows, distinct, bad, total, total)
	}
}

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
)

// TestKill9MidSnapshotAndMidBinlog captures a 100,000-row MariaDB table
// with the Debezium-compatible source in `eddy server`, kills the server
// with SIGKILL in the middle of the snapshot and again while 10,000 rows
// are updated twice each, restarting it each time. The topic ends up with
// every row and every update, the two updates of a row in order.
func TestKill9MidSnapshotAndMidBinlog(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dsn := testenv.MySQL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const rows, updated = 100_000, 10_000
	run := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q[:min(len(q), 80)], err)
		}
	}
	run("DROP TABLE IF EXISTS demo.cdc_kill")
	run("CREATE TABLE demo.cdc_kill (id INT PRIMARY KEY, v INT NOT NULL)")
	for from := 1; from <= rows; from += 5000 {
		vals := make([]string, 0, 5000)
		for id := from; id < from+5000; id++ {
			vals = append(vals, fmt.Sprintf("(%d,1)", id))
		}
		run("INSERT INTO demo.cdc_kill VALUES " + strings.Join(vals, ","))
	}
	host, port := mysqlHostPort(t, dsn)

	bin := buildEddy(t)
	dir := t.TempDir()
	kafkaAddr, apiAddr := freeAddr(t), freeAddr(t)
	var server *exec.Cmd
	// The servers' output, shown if the test fails.
	serverLog := &lockedBuffer{}
	start := func() {
		server = exec.Command(bin, "server", "--data-dir", dir, "--kafka-listen", kafkaAddr, "--listen", apiAddr, "--registry-listen", "")
		server.Stdout, server.Stderr = serverLog, serverLog
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
	stmt := fmt.Sprintf(`CREATE SOURCE CONNECTOR cdc WITH ('connector.class'='io.debezium.connector.mysql.MySqlConnector',
		'database.hostname'='%s', 'database.port'='%s', 'database.user'='root', 'database.password'='',
		'database.server.id'='5150', 'database.server.name'='killtest', 'table.include.list'='demo.cdc_kill',
		'include.schema.changes'='false', 'snapshot.fetch.size'='2000',
		'key.converter'='org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable'='false',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`, host, port)
	if out, err := exec.Command(bin, "--data-dir", filepath.Join(dir, "shell"), "--server", "http://"+apiAddr, "-e", stmt).CombinedOutput(); err != nil || strings.Contains(string(out), "rror") {
		t.Fatalf("create connector: %v\n%s", err, out)
	}

	const topic = "killtest.demo.cdc_kill"
	ctx := context.Background()
	count := func() int64 {
		cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{kafkaAddr}})
		if err != nil {
			return 0
		}
		defer cl.Close()
		ends, err := cl.EndOffsets(ctx, topic)
		if err != nil {
			return 0
		}
		var n int64
		for _, e := range ends {
			n += e
		}
		return n
	}
	waitUntil(t, "part of the snapshot", time.Minute, func() bool { return count() >= 20_000 })
	kill() // mid-snapshot
	if n := count(); n >= rows {
		t.Logf("the snapshot had finished (%d records) before the kill", n)
	}
	start()
	// The topic holds duplicates of the interrupted snapshot, so its size
	// says nothing: wait for the stored offset that marks the snapshot
	// complete, or the next kill starts it over (and folds the updates
	// made meanwhile into snapshot records, as Debezium does).
	waitUntil(t, "the whole snapshot, its offset stored", 4*time.Minute, func() bool {
		return snapshotCompleted(ctx, kafkaAddr, "cdc")
	})

	// Two updates per row, the server killed halfway through.
	done := make(chan error, 1)
	go func() {
		for round := 2; round <= 3; round++ {
			for from := 1; from <= updated; from += 500 {
				if _, err := db.Exec(fmt.Sprintf("UPDATE demo.cdc_kill SET v = %d WHERE id BETWEEN %d AND %d", round, from, from+499)); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	time.Sleep(300 * time.Millisecond)
	kill() // mid-binlog
	start()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Every row snapshotted; every row's updates present, 2 before 3.
	type seen struct {
		snap bool
		vs   []int
	}
	var got map[int]*seen
	missing := "nothing read yet"
	defer func() {
		if t.Failed() {
			t.Logf("last unmet: %s\nserver output (tail):\n%s", missing, tail(serverLog.String(), 8000))
		}
	}()
	waitUntil(t, "every change", 4*time.Minute, func() bool {
		cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{kafkaAddr}})
		if err != nil {
			return false
		}
		defer cl.Close()
		recs, err := cl.ReadAll(ctx, topic)
		if err != nil {
			missing = "read: " + err.Error()
			return false
		}
		got = map[int]*seen{}
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			var v struct {
				Op    string
				After struct{ ID, V int }
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("%s@%d: %v", r.Topic, r.Offset, err)
			}
			s := got[v.After.ID]
			if s == nil {
				s = &seen{}
				got[v.After.ID] = s
			}
			switch v.Op {
			case "r":
				s.snap = true
			case "u":
				s.vs = append(s.vs, v.After.V)
			}
		}
		for id := 1; id <= rows; id++ {
			s := got[id]
			if s == nil || !s.snap {
				missing = fmt.Sprintf("row %d has no snapshot record (%d records read)", id, len(recs))
				return false
			}
			if id <= updated && (len(s.vs) < 2 || s.vs[len(s.vs)-1] != 3) {
				missing = fmt.Sprintf("row %d has updates %v, want 2 then 3 (%d records read)", id, s.vs, len(recs))
				return false
			}
		}
		return true
	})
	for id := 1; id <= updated; id++ {
		// Redelivery after a kill may repeat an update, never reorder them.
		vs := got[id].vs
		for i := 1; i < len(vs); i++ {
			if vs[i] < vs[i-1] {
				t.Fatalf("row %d: updates out of order: %v", id, vs)
			}
		}
		if vs[0] != 2 {
			t.Fatalf("row %d: first update sets v=%d, want 2 (an update was lost)", id, vs[0])
		}
	}
}

// snapshotCompleted reports whether the connector's latest stored offset
// is a binlog position past its snapshot (one without "snapshot": true).
func snapshotCompleted(ctx context.Context, kafkaAddr, connector string) bool {
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{kafkaAddr}})
	if err != nil {
		return false
	}
	defer cl.Close()
	recs, err := cl.ReadAll(ctx, "default_connect-offsets")
	if err != nil {
		return false
	}
	var latest map[string]any
	for _, r := range recs {
		var key []any
		if json.Unmarshal(r.Key, &key) != nil || len(key) == 0 || !strings.EqualFold(fmt.Sprint(key[0]), connector) {
			continue
		}
		latest = nil
		json.Unmarshal(r.Value, &latest)
	}
	return latest != nil && latest["file"] != nil && latest["snapshot"] == nil
}

// mysqlHostPort reads host and port from a go-sql-driver DSN.
func mysqlHostPort(t *testing.T, dsn string) (string, string) {
	t.Helper()
	i, j := strings.Index(dsn, "tcp("), strings.Index(dsn, ")/")
	if i < 0 || j < i {
		t.Fatalf("DSN %q has no tcp(host:port)", dsn)
	}
	host, port, ok := strings.Cut(dsn[i+4:j], ":")
	if !ok {
		t.Fatalf("DSN %q has no port", dsn)
	}
	return host, port
}

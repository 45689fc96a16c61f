package mysqlcdc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

const benchRows = 20000

func benchTable(b *testing.B, srv *server, name string) {
	srv.exec(b, "DROP TABLE IF EXISTS demo."+name,
		"CREATE TABLE demo."+name+" (id INT PRIMARY KEY, name VARCHAR(40), status VARCHAR(10), score DECIMAL(8,2), updated DATETIME(3))")
}

func benchInsert(b *testing.B, srv *server, name string) {
	for lo := 1; lo <= benchRows; lo += 1000 {
		var vals []string
		for i := lo; i < lo+1000; i++ {
			vals = append(vals, fmt.Sprintf("(%d, 'customer %d', 'gold', %d.25, NOW(3))", i, i, i%1000))
		}
		srv.exec(b, "INSERT INTO demo."+name+" VALUES "+strings.Join(vals, ","))
	}
}

// drain polls until n records came.
func drain(b *testing.B, r *runner, n int) {
	got := 0
	deadline := time.Now().Add(5 * time.Minute)
	for got < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d records", got, n)
		}
		got += len(r.poll())
	}
}

// BenchmarkSnapshot measures rows/s from a table into records.
func BenchmarkSnapshot(b *testing.B) {
	srv := mariaDB(b)
	benchTable(b, srv, "cdc_bench_snap")
	benchInsert(b, srv, "cdc_bench_snap")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r := start_(b, srv.config(fmt.Sprintf("bsnap%d", i), "table.include.list", "demo.cdc_bench_snap"), newOffsetStore())
		drain(b, r, benchRows)
		r.task.Stop()
	}
	b.ReportMetric(float64(benchRows*b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkBinlog measures change events/s from the binlog into records:
// 20,000 inserts already in the binlog, read from a stored offset before them.
func BenchmarkBinlog(b *testing.B) {
	srv := mariaDB(b)
	benchTable(b, srv, "cdc_bench_binlog")
	var file string
	var pos uint32
	var ignore any
	if err := srv.db.QueryRow("SHOW MASTER STATUS").Scan(&file, &pos, &ignore, &ignore); err != nil {
		b.Fatal(err)
	}
	var gtids string
	if err := srv.db.QueryRow("SELECT BINLOG_GTID_POS(?, ?)", file, pos).Scan(&gtids); err != nil {
		b.Fatal(err)
	}
	benchInsert(b, srv, "cdc_bench_binlog")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		store := newOffsetStore()
		store.ack([]connect.Record{{SourcePartition: map[string]any{"server": "bbin"}, SourceOffset: map[string]any{"file": file, "pos": int64(pos), "gtids": gtids}}})
		r := start_(b, srv.config("bbin", "table.include.list", "demo.cdc_bench_binlog"), store)
		drain(b, r, benchRows)
		r.task.Stop()
	}
	b.ReportMetric(float64(benchRows*b.N)/time.Since(start).Seconds(), "rows/s")
}

var start_ = start

package repl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkStreamRows measures the shell's side of a push query: reading
// /query's rows and drawing them as a table (piped: no terminal).
func BenchmarkStreamRows(b *testing.B) {
	const n = 10000
	var body bytes.Buffer
	body.WriteString(`[{"header":{"queryId":"q","schema":"` + "`K` STRING, `ID` BIGINT, `USERID` STRING, `AMOUNT` DOUBLE, `NAME` STRING, `FLAG` BOOLEAN" + `"}},` + "\n")
	for i := range n {
		fmt.Fprintf(&body, `{"row":{"columns":["%d",%d,"u%d",%d.5,"name-%d",true]}},`+"\n", i, i, i, i, i)
	}
	body.WriteString(`{"finalMessage":"Limit Reached"}]` + "\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(body.Bytes())
	}))
	defer srv.Close()
	c, err := NewHTTPClient(srv.URL, HTTPOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"table", "terminal", "csv", "json"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				p := &rowPrinter{out: io.Discard, info: io.Discard, csv: mode == "csv", json: mode == "json"}
				if mode == "terminal" {
					p.termWidth, p.screen = 200, true // a 200-column terminal: wrapped, controls shown
				}
				if err := c.Stream(context.Background(), "SELECT * FROM big EMIT CHANGES;", nil, p.emit); err != nil {
					b.Fatal(err)
				}
				if p.rows != n && !p.json {
					b.Fatalf("%d rows", p.rows)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}

// Package clickstream is a runnable example: generated page views counted
// per page per minute and landed in a file by a sink connector. The test
// runs clickstream.sql unchanged (its variables filled in) on an embedded
// broker and checks the file against the generated records.
package clickstream

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

const views = 400

func TestClickstreamFlow(t *testing.T) {
	ctx := context.Background()
	cl, reg := testenv.Broker(t, "")
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	datagen.Register(plugins)
	file.Register(plugins)
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins,
		Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	out := filepath.Join(t.TempDir(), "views.txt")
	text, err := os.ReadFile("clickstream.sql")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.NewReplacer("${views_file}", out, "${max_interval}", "0", "${iterations}", fmt.Sprint(views)).Replace(string(text))
	stmts, rest := sql.SplitStatements(script)
	if rest != "" {
		t.Fatalf("unfinished statement: %s", rest)
	}
	for _, st := range stmts {
		if _, err := eng.Execute(ctx, st, nil); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}

	// What the counts must be: the generated views by page and minute.
	avro := convert.NewAvro(reg.Client(), false)
	want := map[string]int64{}
	deadline := time.Now().Add(60 * time.Second)
	var recs []kafka.Record
	for len(recs) < views && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		recs, _ = cl.ReadAll(ctx, "pageviews")
	}
	if len(recs) != views {
		t.Fatalf("%d page views generated, want %d", len(recs), views)
	}
	for _, r := range recs {
		_, v, err := avro.ToConnect("pageviews", r.Value)
		if err != nil {
			t.Fatal(err)
		}
		page := v.(*connect.Struct).Get("pageid").(string)
		want[fmt.Sprintf("%s@%d", page, r.Timestamp/60000*60000)]++
	}

	// The file holds every update; the last one per page and window is
	// the count.
	got := map[string]int64{}
	for time.Now().Before(deadline) {
		got = lastCounts(t, out)
		if sum(got) == views {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d page/minute counts over %d views", len(want), views)
	if len(got) != len(want) {
		t.Fatalf("%d page/minute counts in the file, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d views in the file, want %d", k, got[k], n)
		}
	}
}

func lastCounts(t *testing.T, path string) map[string]int64 {
	b, _ := os.ReadFile(path)
	out := map[string]int64{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" {
			continue
		}
		var v struct {
			Page  string `json:"PAGE"`
			Start int64  `json:"WINDOW_START"`
			Views int64  `json:"VIEWS"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out[fmt.Sprintf("%s@%d", v.Page, v.Start)] = v.Views
	}
	return out
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// Package clickstream is a runnable example: generated page views counted
// per page per minute and per user, landed in ClickHouse by its sink
// connector. The test runs clickhouse.sql and clickstream.sql unchanged
// (their variables filled in) against a real ClickHouse server and an
// embedded broker, and checks the counts ClickHouse holds against the
// generated records.
package clickstream

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/clickhouse"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

const views = 400

// chQuery runs one statement over ClickHouse's HTTP interface.
func chQuery(base, database, query string) (string, error) {
	u := base + "/?query=" + url.QueryEscape(query)
	if database != "" {
		u += "&database=" + url.QueryEscape(database)
	}
	res, err := http.Post(u, "text/plain", nil)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: HTTP %d: %s", query, res.StatusCode, b)
	}
	return string(b), nil
}

// statements splits a SQL file into statements, dropping comment lines.
func statements(t *testing.T, path string) []string {
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestClickstreamFlow(t *testing.T) {
	chURL := testenv.ClickHouse(t)
	u, err := url.Parse(chURL)
	if err != nil {
		t.Fatal(err)
	}
	database := fmt.Sprintf("eddy_clickstream_%d", time.Now().UnixNano())
	if _, err := chQuery(chURL, "", "CREATE DATABASE "+database); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chQuery(chURL, "", "DROP DATABASE IF EXISTS "+database) })
	for _, st := range statements(t, "clickhouse.sql") {
		if _, err := chQuery(chURL, database, st); err != nil {
			t.Fatal(err)
		}
	}

	ctx := context.Background()
	cl, reg := testenv.Broker(t, "")
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	datagen.Register(plugins)
	clickhouse.Register(plugins)
	// No server configuration: the script itself must make its queries
	// read the views generated before they started, as it does when run
	// by hand.
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	text, err := os.ReadFile("clickstream.sql")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.NewReplacer("${ch_host}", u.Hostname(), "${ch_port}", u.Port(), "${ch_database}", database,
		"${max_interval}", "0", "${iterations}", fmt.Sprint(views)).Replace(string(text))
	stmts, rest := sql.SplitStatements(script)
	if rest != "" {
		t.Fatalf("unfinished statement: %s", rest)
	}
	props := map[string]string{} // the session's SETs, as the shell keeps them
	for _, st := range stmts {
		if parsed, err := sql.Parse(st); err == nil && len(parsed) == 1 {
			if set, ok := parsed[0].(*sql.SetProperty); ok {
				props[set.Name] = set.Value
				continue
			}
		}
		if _, err := eng.Execute(ctx, st, props); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}

	// What ClickHouse must hold: the generated views by page and minute,
	// by user, and each view.
	avro := convert.NewAvro(reg.Client(), false)
	perPage, perUser := map[string]int{}, map[string]int{}
	var viewSecs int64
	deadline := time.Now().Add(90 * time.Second)
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
		s := v.(*connect.Struct)
		perPage[fmt.Sprintf("%s\t%d", s.Get("pageid"), r.Timestamp/60000*60)]++
		perUser[s.Get("userid").(string)]++
		viewSecs += s.Get("viewtime").(int64) / 1000
	}
	want := func(m map[string]int) string {
		var lines []string
		for k, n := range m {
			lines = append(lines, fmt.Sprintf("%s\t%d\n", k, n))
		}
		sort.Strings(lines)
		return strings.Join(lines, "")
	}
	checks := []struct{ what, query, want string }{
		{"page views", "SELECT count(), sum(toUnixTimestamp(viewtime)) FROM pageviews", fmt.Sprintf("%d\t%d\n", views, viewSecs)},
		{"views per page per minute", "SELECT page, toUnixTimestamp(window_start), views FROM views_per_page_per_minute FINAL ORDER BY page, window_start FORMAT TSV", want(perPage)},
		{"views per user", "SELECT user, views FROM views_per_user FINAL ORDER BY user FORMAT TSV", want(perUser)},
	}
	for _, c := range checks {
		var got string
		for time.Now().Before(deadline) {
			if got, err = chQuery(chURL, database, c.query); err == nil && got == c.want {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if got != c.want {
			t.Errorf("%s in ClickHouse:\n%s\nwant:\n%s", c.what, head(got), head(c.want))
		}
	}
	t.Logf("%d views over %d page/minute windows and %d users", views, len(perPage), len(perUser))
}

func head(s string) string {
	lines := strings.SplitN(s, "\n", 8)
	if len(lines) == 8 {
		lines[7] = "…"
	}
	return strings.Join(lines, "\n")
}

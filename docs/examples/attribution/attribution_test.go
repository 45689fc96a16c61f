// Package attribution is a runnable example: first-click attribution of
// checkouts, with users read from PostgreSQL by the JDBC source and the
// result written to PostgreSQL by the JDBC sink. The test runs setup.sql
// in a throwaway database and attribution.sql unchanged (its JDBC URL
// filled in) on an embedded broker, and checks the rows of
// commerce.attributed_checkouts.
package attribution

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/jdbc"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

// t0 is the time of the first checkouts.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

type click struct {
	id, product string
	user        int
	at          time.Duration // from t0
}

type checkout struct {
	id, product string
	user        int
	at          time.Duration
}

// Written before the queries start.
var (
	clicks = []click{
		{"k1", "p1", 1, -time.Hour},                    // exactly an hour before c1: attributed
		{"k2", "p1", 1, -30 * time.Minute},             // later than k1 for c1; the earliest for c5
		{"k3", "p2", 2, -time.Hour - time.Millisecond}, // an hour and 1 ms before c2: too early
		{"k4", "p2", 2, -10 * time.Minute},             // c2's
		{"k5", "p3", 3, time.Minute},                   // after c3: not attributed
		{"k6", "p9", 1, -5 * time.Minute},              // another product
		{"k7", "p1", 2, -5 * time.Minute},              // another user
	}
	checkouts = []checkout{
		{"c1", "p1", 1, 0},
		{"c2", "p2", 2, 0},
		{"c3", "p3", 3, 0},
	}
	// Written while the queries run.
	liveCheckouts = []checkout{
		{"c5", "p1", 1, 20 * time.Minute}, // window [-40m, +20m]: k2 (k1 is too early)
		{"c4", "p1", 4, 2 * time.Hour},    // no such user, no click
		// Moves stream time past every earlier checkout's window and
		// grace period, so those without a click come out. It has no
		// click either, and comes out only once a later record moves
		// stream time past its own grace period: not in this test.
		{"c6", "p0", 9, 5 * time.Hour},
	}
)

func TestAttributionFlow(t *testing.T) {
	ctx := context.Background()
	pg := testenv.NewPostgresDB(t, "eddy_attribution")
	setup, err := os.ReadFile("setup.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(stripComments(string(setup)), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := pg.DB.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	cl, reg := testenv.Broker(t, "")
	for _, topic := range []string{"clicks", "checkouts"} {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 1, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}
	produce(t, cl, clicks, checkouts)

	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	jdbc.Register(plugins)
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins,
		Config: map[string]string{"auto.offset.reset": "earliest"}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	text, err := os.ReadFile("attribution.sql")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.ReplaceAll(string(text), "${pg_url}", pg.JDBCURL)
	stmts, rest := sql.SplitStatements(script)
	if rest != "" {
		t.Fatalf("unfinished statement: %s", rest)
	}
	for _, st := range stmts {
		if _, err := eng.Execute(ctx, st, nil); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	produce(t, cl, nil, liveCheckouts)

	ts := func(d time.Duration) string { return t0.Add(d).Format("2006-01-02 15:04:05.000") }
	want := []string{
		"c1|k1|" + ts(0) + "|" + ts(-time.Hour) + "|Ada",
		"c2|k4|" + ts(0) + "|" + ts(-10*time.Minute) + "|Grace",
		"c3|NULL|" + ts(0) + "|NULL|Linus",
		"c4|NULL|" + ts(2*time.Hour) + "|NULL|NULL",
		"c5|k2|" + ts(20*time.Minute) + "|" + ts(-30*time.Minute) + "|Ada",
	}
	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got = rows(pg, "SELECT checkout_id, click_id, checkout_time, click_time, user_name FROM commerce.attributed_checkouts ORDER BY checkout_id")
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commerce.attributed_checkouts:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// A user renamed in PostgreSQL: the source reads the change, and the
	// foreign-key join updates that user's checkouts.
	if _, err := pg.DB.Exec(`UPDATE commerce.users SET name = 'Ada L.', updated_at = (now() AT TIME ZONE 'UTC') WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	q := "SELECT checkout_id, user_name FROM commerce.attributed_checkouts WHERE user_name LIKE 'Ada%' ORDER BY 1"
	want = []string{"c1|Ada L.", "c5|Ada L."}
	for deadline = time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = rows(pg, q); strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
	}
	t.Fatalf("after renaming user 1: %v, want %v", got, want)
}

func produce(t *testing.T, cl *kafka.Client, cs []click, cos []checkout) {
	t.Helper()
	var recs []kafka.Record
	for _, c := range cs {
		recs = append(recs, kafka.Record{Topic: "clicks", Partition: 0, Timestamp: ms(c.at),
			Value: fmt.Appendf(nil, `{"CLICK_ID":%q,"USER_ID":%d,"PRODUCT_ID":%q,"CLICK_TS":%d}`, c.id, c.user, c.product, ms(c.at))})
	}
	for _, c := range cos {
		recs = append(recs, kafka.Record{Topic: "checkouts", Partition: 0, Timestamp: ms(c.at),
			Value: fmt.Appendf(nil, `{"CHECKOUT_ID":%q,"USER_ID":%d,"PRODUCT_ID":%q,"CHECKOUT_TS":%d}`, c.id, c.user, c.product, ms(c.at))})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// rows renders a query's rows as a|b|c strings (NULL for null), or none
// while the table does not exist yet.
func rows(pg *testenv.PostgresDB, q string) []string {
	rs, err := pg.DB.Query(q)
	if err != nil {
		return nil
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if rs.Scan(ptrs...) != nil {
			return nil
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05.000")
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

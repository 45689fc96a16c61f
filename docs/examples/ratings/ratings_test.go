// Package ratings is a runnable example: the ratings flow from step 2 on,
// with a test that stands in for the data generator and the MySQL
// change-data-capture connector by writing the same Avro records itself.
package ratings

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/sql"
)

type customer struct {
	id                       int
	first, last, email, club string
}

var customers = []customer{
	{1, "Rica", "Blaisdell", "rblaisdell0@rambler.ru", "bronze"},
	{2, "Ruthie", "Brockherst", "rbrockherst1@ow.ly", "platinum"},
	{3, "Mariejeanne", "Cocci", "mcocci2@techcrunch.com", "bronze"},
	{4, "Hashim", "Rumke", "hrumke3@sohu.com", "platinum"},
}

type rating struct {
	id, user, stars int
	channel, msg    string
}

var ratings = []rating{
	{1, 2, 1, "web", "thank you for the most friendly, helpful experience today"},
	{2, 4, 4, "ios", "more peanuts please"},
	{3, 2, 2, "android", "why is it so difficult to keep the bathrooms clean?"},
	{4, 1, 1, "web", "your team here rocks!"},
	{5, 4, 1, "iOS-test", "is this working?"}, // test traffic: filtered out
	{6, 9, 1, "web", "who am I?"},             // no such customer: dropped
	{7, 4, 2, "web", "meh"},
}

func mustExec(t *testing.T, eng *engine.Engine, stmt string) {
	t.Helper()
	if _, err := eng.Execute(context.Background(), stmt, nil); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestRatingsFlow(t *testing.T) {
	ctx := context.Background()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client(),
		Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	// What the connectors would do: the declarations from sample-data.sql
	// register the Avro schemas; this test writes its own rows so it can
	// work out what each query must produce.
	sample, err := os.ReadFile("sample-data.sql")
	if err != nil {
		t.Fatal(err)
	}
	declared, _ := sql.SplitStatements(string(sample))
	for _, st := range declared {
		if strings.HasPrefix(strings.TrimSpace(stripComments(st)), "CREATE") {
			mustExec(t, eng, st)
		}
	}
	for _, c := range customers {
		mustExec(t, eng, fmt.Sprintf(`INSERT INTO CUSTOMERS_SOURCE (ROWTIME, ID, FIRST_NAME, LAST_NAME, EMAIL, CLUB_STATUS)
			VALUES (1000, '%d', '%s', '%s', '%s', '%s');`, c.id, c.first, c.last, c.email, c.club))
	}
	insertRating := func(r rating) {
		mustExec(t, eng, fmt.Sprintf(`INSERT INTO RATINGS_SOURCE (ROWTIME, RATING_ID, USER_ID, STARS, ROUTE_ID, RATING_TIME, CHANNEL, MESSAGE)
			VALUES (%d, %d, %d, %d, 100, %d, '%s', '%s');`, 60000+r.id*1000, r.id, r.user, r.stars, r.id, r.channel, sqlString(r.msg)))
	}
	insertRating(ratings[0]) // registers the ratings schema before step 2 reads it

	script, err := os.ReadFile("ratings.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := sql.SplitStatements(string(script))
	for _, st := range stmts {
		mustExec(t, eng, st)
	}
	for _, r := range ratings[1:] {
		insertRating(r)
	}

	// Unhappy platinum customers: stars below 3, live channels only.
	want := []string{}
	byID := map[int]customer{}
	for _, c := range customers {
		byID[c.id] = c
	}
	clubCount := map[string]int64{}
	for _, r := range ratings {
		c, ok := byID[r.user]
		if !ok || r.channel == "iOS-test" {
			continue
		}
		clubCount[c.club]++
		if r.stars < 3 && c.club == "platinum" {
			want = append(want, fmt.Sprintf("%s %s|%s|%d|%s", c.first, c.last, c.email, r.stars, r.msg))
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got []string
	err = eng.Stream(pctx, fmt.Sprintf("SELECT FULL_NAME, EMAIL, STARS, MESSAGE FROM UNHAPPY_PLATINUM_CUSTOMERS EMIT CHANGES LIMIT %d;", len(want)), nil,
		func(r api.StreamedRow) error {
			if r.Row != nil {
				c := r.Row.Columns
				got = append(got, fmt.Sprintf("%v|%v|%v|%v", c[0], c[1], c[2], c[3]))
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("unhappy platinum customers\n got %q\nwant %q", got, want)
	}

	// Per club status, all ratings fall into one minute window
	// (61 s to 67 s); the pull query sees its final counts.
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts := map[string]int64{}
		err = eng.Stream(pctx, "SELECT CLUB_STATUS, RATING_COUNT FROM RATINGS_BY_CLUB_STATUS;", nil,
			func(r api.StreamedRow) error {
				if r.Row != nil {
					counts[fmt.Sprint(r.Row.Columns[0])] = r.Row.Columns[1].(int64)
				}
				return nil
			})
		if err == nil && fmt.Sprint(counts) == fmt.Sprint(clubCount) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts per club status %v (err %v), want %v", counts, err, clubCount)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sqlString doubles single quotes for a SQL string literal.
func sqlString(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\'' {
			out = append(out, r)
		}
		out = append(out, r)
	}
	return string(out)
}

// stripComments drops whole-line "--" comments.
func stripComments(stmt string) string {
	var keep []string
	for _, line := range strings.Split(stmt, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

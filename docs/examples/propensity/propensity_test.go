// Package propensity is a runnable example: continuous propensity
// scoring. The test feeds marketing events (some before the queries
// start, some while they run) from a plain Kafka client, runs
// propensity.sql unchanged, and checks every user's feature counts and
// logistic score, per window, through pull queries.
package propensity

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

var (
	users = []string{"alice", "bob", "carol", "dave", "erin"}
	types = []string{"CL", "IM", "PS", "CN"}
	start = time.Date(2024, 5, 17, 0, 0, 0, 0, time.UTC).UnixMilli()
)

const (
	events = 600
	hour   = int64(time.Hour / time.Millisecond)
	day    = 24 * hour
)

// event i: who did what when. Impressions are the most common, past
// conversions the rarest; 6 minutes apart, so the events span 2.5 days.
func event(i int) (user, typ string, ts int64) {
	user = users[(i*3+i/7)%len(users)]
	switch r := (i * 37) % 20; {
	case r < 9:
		typ = "IM"
	case r < 15:
		typ = "CL"
	case r < 19:
		typ = "PS"
	default:
		typ = "CN"
	}
	return user, typ, start + int64(i)*6*60*1000
}

// model is one table's window and coefficients, as in propensity.sql.
type model struct {
	table     string
	size, hop int64
	b0        float64
	b         map[string]float64
}

var models = []model{
	{"PROPENSITY_LAST_HOUR", hour, 15 * 60 * 1000, -4.0, map[string]float64{"CL": 0.6, "IM": 0.05, "PS": 0.9, "CN": 1.5}},
	{"PROPENSITY_DAY", day, day, -5.0, map[string]float64{"CL": 0.2, "IM": 0.01, "PS": 0.4, "CN": 1.2}},
}

type counts map[string]int64

// expected returns, per user, the rows a pull query must give: window
// start, end, the four counts and the score.
func (m model) expected() map[string][]string {
	per := map[string]map[int64]counts{}
	for i := 0; i < events; i++ {
		u, typ, ts := event(i)
		if per[u] == nil {
			per[u] = map[int64]counts{}
		}
		// every window [w, w+size) with w a multiple of hop that holds ts
		for w := ts - ts%m.hop; w > ts-m.size && w >= 0; w -= m.hop {
			if per[u][w] == nil {
				per[u][w] = counts{}
			}
			per[u][w][typ]++
		}
	}
	out := map[string][]string{}
	for u, wins := range per {
		var starts []int64
		for w := range wins {
			starts = append(starts, w)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for _, w := range starts {
			c := wins[w]
			out[u] = append(out[u], fmt.Sprintf("%d %d %d %d %d %d %s", w, w+m.size, c["CL"], c["IM"], c["PS"], c["CN"], m.score(c)))
		}
	}
	return out
}

func (m model) score(c counts) string {
	z := m.b0
	for _, t := range types {
		z += m.b[t] * float64(c[t])
	}
	return strconv.FormatFloat(1/(1+math.Exp(-z)), 'g', 12, 64)
}

func produce(t *testing.T, cl *kafka.Client, from, to int) {
	t.Helper()
	var recs []kafka.Record
	for i := from; i < to; i++ {
		u, typ, ts := event(i)
		recs = append(recs, kafka.Record{Topic: "marketing_events", Partition: -1, Key: []byte(u),
			Value: []byte(`{"EVENT_TYPE":"` + typ + `"}`), Timestamp: ts})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// pull runs a pull query and renders its rows without the key, each
// score to 12 significant digits.
func pull(ctx context.Context, eng *engine.Engine, text string) ([]string, error) {
	var rows []string
	err := eng.Stream(ctx, text, nil, func(r api.StreamedRow) error {
		if r.Row == nil {
			return nil
		}
		cols := r.Row.Columns
		parts := make([]string, 0, len(cols)-1)
		for i, c := range cols[1:] {
			if i == len(cols)-2 {
				f, _ := c.(float64)
				parts = append(parts, strconv.FormatFloat(f, 'g', 12, 64))
				continue
			}
			parts = append(parts, fmt.Sprint(c))
		}
		rows = append(rows, strings.Join(parts, " "))
		return nil
	})
	return rows, err
}

func TestPropensityScores(t *testing.T) {
	ctx := context.Background()
	cl, reg := testenv.Broker(t, "")
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "marketing_events", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	produce(t, cl, 0, events/2) // before the queries exist

	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Registry: reg.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	text, err := os.ReadFile("propensity.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, rest := sql.SplitStatements(string(text))
	if rest != "" {
		t.Fatalf("unfinished statement: %s", rest)
	}
	props := map[string]string{} // the session's SET properties, as the shell keeps them
	for _, st := range stmts {
		parsed, err := sql.Parse(st)
		if err == nil && len(parsed) == 1 {
			if set, ok := parsed[0].(*sql.SetProperty); ok {
				props[set.Name] = set.Value
				continue
			}
		}
		if _, err := eng.Execute(ctx, st, props); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	produce(t, cl, events/2, events) // while they run

	for _, m := range models {
		want := m.expected()
		for _, u := range users {
			q := fmt.Sprintf("SELECT * FROM %s WHERE USER_ID = '%s';", m.table, u)
			var got []string
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				if got, err = pull(ctx, eng, q); err == nil && strings.Join(got, "\n") == strings.Join(want[u], "\n") {
					break
				}
			}
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if strings.Join(got, "\n") != strings.Join(want[u], "\n") {
				t.Errorf("%s: %d windows\n%s\nwant %d\n%s", q, len(got), strings.Join(got, "\n"), len(want[u]), strings.Join(want[u], "\n"))
			}
		}
		t.Logf("%s: %d users, scores checked for every window", m.table, len(want))
	}
}

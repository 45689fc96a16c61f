package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestStreamTableJoinFiltersBeforeRepartition: a stream–table join whose
// stream side is repartitioned and whose WHERE has terms on the stream's
// columns joins exactly the rows it did, while the repartition topic
// carries only the stream rows those terms pass (one in five here, as
// for Nexmark q3), not every stream row.
func TestStreamTableJoinFiltersBeforeRepartition(t *testing.T) {
	mc := kafka.NewMemCluster(kafka.MemOptions{})
	defer mc.Close()
	createTopic(t, mc, "clicks", 2)
	createTopic(t, mc, "users", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	states := []string{"OR", "ID", "CA", "WA"}
	var users, clicks []kafka.Record
	for i := range 20 {
		users = append(users, kafka.Record{Key: []byte(fmt.Sprintf("u%d", i)),
			Value: fmt.Appendf(nil, `{"STATE":"%s"}`, states[i%len(states)]), Timestamp: base})
	}
	var want []string
	for i := range 200 {
		user, cat := i%25, 10+i%5 // users 20–24 do not exist
		clicks = append(clicks, kafka.Record{Key: fmt.Appendf(nil, "%d", i),
			Value: fmt.Appendf(nil, `{"USER":"u%d","CAT":%d}`, user, cat), Timestamp: base + 1000 + int64(i)})
		if cat == 10 && user < 20 && states[user%len(states)] != "WA" {
			want = append(want, fmt.Sprintf("%d/u%d", i, user))
		}
	}
	produceJSON(t, mc, "users", users...)
	produceJSON(t, mc, "clicks", clicks...)

	e := newBrokerEngine(t, mc)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM C (ID STRING KEY, USER STRING, CAT INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE TABLE U (ID STRING PRIMARY KEY, STATE STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM J AS SELECT C.USER, C.ID AS CLICK, U.STATE FROM C JOIN U ON C.USER = U.ID
		  WHERE C.CAT = 10 AND (U.STATE = 'OR' OR U.STATE = 'ID' OR U.STATE = 'CA');`)
	recs := waitRecords(t, mc, "J", func(r []kafka.Record) bool { return len(r) >= len(want) })
	time.Sleep(300 * time.Millisecond) // no extra rows may follow
	recs, err := mc.ReadAll(context.Background(), "J")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		v := jsonValue(t, r)
		got = append(got, fmt.Sprintf("%v/%s", v["CLICK"], r.Key))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("joined %d rows %v, want %d %v", len(got), got, len(want), want)
	}
	topics, err := mc.Topics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		if !strings.HasSuffix(tp.Name, "-repartition") {
			continue
		}
		rep, err := mc.ReadAll(context.Background(), tp.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep) != 40 {
			t.Errorf("%s holds %d rows, want the 40 of category 10", tp.Name, len(rep))
		}
		return
	}
	t.Fatal("no repartition topic")
}

// TestStreamStreamJoinStoresOnlyReadColumns: a repartitioned stream–
// stream join joins every pair within the window, and neither its
// repartition topic nor its window stores' changelogs carry a column
// nothing reads (EXTRA here).
func TestStreamStreamJoinStoresOnlyReadColumns(t *testing.T) {
	mc := kafka.NewMemCluster(kafka.MemOptions{})
	defer mc.Close()
	createTopic(t, mc, "people", 2)
	createTopic(t, mc, "auctions", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	var people, auctions []kafka.Record
	for i := range 10 {
		people = append(people, kafka.Record{Key: fmt.Appendf(nil, "%d", i),
			Value: fmt.Appendf(nil, `{"NAME":"n%d","EXTRA":"unread-person-%d"}`, i, i), Timestamp: base + int64(i)*1000})
		for k := range 3 {
			auctions = append(auctions, kafka.Record{Key: fmt.Appendf(nil, "%d", 100+3*i+k),
				Value: fmt.Appendf(nil, `{"SELLER":"%d","EXTRA":"unread-auction"}`, i), Timestamp: base + int64(i)*1000 + 500})
		}
	}
	produceJSON(t, mc, "people", people...)
	produceJSON(t, mc, "auctions", auctions...)

	e := newBrokerEngine(t, mc)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM P (ID STRING KEY, NAME STRING, EXTRA STRING) WITH (KAFKA_TOPIC='people', VALUE_FORMAT='JSON');
		CREATE STREAM A (ID STRING KEY, SELLER STRING, EXTRA STRING) WITH (KAFKA_TOPIC='auctions', VALUE_FORMAT='JSON');
		CREATE STREAM J AS SELECT P.ID, P.NAME, A.ID AS AUCTION FROM P JOIN A WITHIN 10 SECONDS ON P.ID = A.SELLER;`)
	recs := waitRecords(t, mc, "J", func(r []kafka.Record) bool { return len(r) >= 30 })
	for _, r := range recs {
		v := jsonValue(t, r)
		if want := fmt.Sprintf("n%s", r.Key); v["NAME"] != want || fmt.Sprint((atoi(t, v["AUCTION"].(string))-100)/3) != string(r.Key) {
			t.Errorf("joined %s %v", r.Key, v)
		}
	}
	topics, err := mc.Topics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	internal := 0
	for _, tp := range topics {
		if !strings.HasPrefix(tp.Name, "_confluent-ksql-") || strings.HasSuffix(tp.Name, "command_topic") {
			continue
		}
		rs, err := mc.ReadAll(context.Background(), tp.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if strings.Contains(string(r.Value), "unread") {
				t.Fatalf("%s carries an unread column: %q", tp.Name, r.Value)
			}
		}
		internal += len(rs)
	}
	if internal == 0 {
		t.Fatal("no repartition or changelog records")
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

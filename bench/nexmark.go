package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/eddysql/eddy/connect/datagen/nexmark"
	"github.com/eddysql/eddy/kafka"
	"github.com/twmb/franz-go/pkg/kadm"
)

// Nexmark's topics in the benchmark: one per kind, keyed as the KAFKA
// format writes a BIGINT (persons and auctions by id, bids by auction),
// stamped with the event's dateTime, values in JSON.
const (
	NexmarkPersonTopic  = "nexmark_person"
	NexmarkAuctionTopic = "nexmark_auction"
	NexmarkBidTopic     = "nexmark_bid"
)

// NexmarkBaseTime is the event time of the benchmark's first event.
const NexmarkBaseTime = 1_700_000_000_000

// NexmarkData is a generated Nexmark input: the events, for the checks,
// and the records to produce, per topic.
type NexmarkData struct {
	Persons  []nexmark.Person
	Auctions []nexmark.Auction
	Bids     []nexmark.Bid
	Records  map[string][]kafka.Record
	Bytes    map[string]int // value bytes per topic
}

// GenerateNexmark generates the first n events of Nexmark's sequence for
// seed 1 with Nexmark's default distributions.
func GenerateNexmark(n int) (*NexmarkData, error) {
	cfg := nexmark.Defaults()
	cfg.Seed, cfg.BaseTime = 1, NexmarkBaseTime
	g, err := nexmark.New(cfg)
	if err != nil {
		return nil, err
	}
	d := &NexmarkData{Records: map[string][]kafka.Record{}, Bytes: map[string]int{}}
	var e nexmark.Event
	for i := range int64(n) {
		g.Event(i, &e)
		topic := NexmarkBidTopic
		switch e.Kind {
		case nexmark.PersonKind:
			topic = NexmarkPersonTopic
			d.Persons = append(d.Persons, e.Person)
		case nexmark.AuctionKind:
			topic = NexmarkAuctionTopic
			d.Auctions = append(d.Auctions, e.Auction)
		default:
			d.Bids = append(d.Bids, e.Bid)
		}
		v := e.AppendJSON(nil)
		d.Records[topic] = append(d.Records[topic], kafka.Record{Topic: topic, Partition: -1,
			Key: binary.BigEndian.AppendUint64(nil, uint64(e.Key())), Value: v, Timestamp: e.Time()})
		d.Bytes[topic] += len(v)
	}
	return d, nil
}

// Events is how many events of d go to topic.
func (d *NexmarkData) Events(topic string) int {
	switch topic {
	case NexmarkPersonTopic:
		return len(d.Persons)
	case NexmarkAuctionTopic:
		return len(d.Auctions)
	case NexmarkBidTopic:
		return len(d.Bids)
	}
	return 0
}

// NexmarkDDL declares the benchmark's sources: the three streams and the
// people as a table (for q3).
const NexmarkDDL = `
CREATE STREAM PERSON (ID BIGINT KEY, NAME STRING, EMAILADDRESS STRING, CREDITCARD STRING, CITY STRING, STATE STRING,
  DATETIME TIMESTAMP, EXTRA STRING) WITH (KAFKA_TOPIC='` + NexmarkPersonTopic + `', VALUE_FORMAT='JSON');
CREATE TABLE PERSON_T (ID BIGINT PRIMARY KEY, NAME STRING, EMAILADDRESS STRING, CREDITCARD STRING, CITY STRING, STATE STRING,
  DATETIME TIMESTAMP, EXTRA STRING) WITH (KAFKA_TOPIC='` + NexmarkPersonTopic + `', VALUE_FORMAT='JSON');
CREATE STREAM AUCTION (ID BIGINT KEY, ITEMNAME STRING, DESCRIPTION STRING, INITIALBID BIGINT, RESERVE BIGINT,
  DATETIME TIMESTAMP, EXPIRES TIMESTAMP, SELLER BIGINT, CATEGORY BIGINT, EXTRA STRING)
  WITH (KAFKA_TOPIC='` + NexmarkAuctionTopic + `', VALUE_FORMAT='JSON');
CREATE STREAM BID (AUCTION BIGINT KEY, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING, URL STRING, DATETIME TIMESTAMP, EXTRA STRING)
  WITH (KAFKA_TOPIC='` + NexmarkBidTopic + `', VALUE_FORMAT='JSON');`

// NexmarkQuery is one benchmark query: its statement (OUT stands for the
// sink topic), the topics it reads (the copy reads the same), the topics
// its group must have consumed to the end for it to be done, its goal in
// events per CPU-second, and the check of its output.
type NexmarkQuery struct {
	Name, About string
	SQL         string
	Inputs      []string
	// Streams are the inputs the query's consumer group commits; a table
	// side may be read outside the group.
	Streams []string
	Goal    float64
	// CopyGoal, when set, is the least fraction of the copy's rate.
	CopyGoal float64
	Check    func(d *NexmarkData, out []kafka.Record) error
}

var (
	bidOnly       = []string{NexmarkBidTopic}
	personAuction = []string{NexmarkPersonTopic, NexmarkAuctionTopic}
)

// NexmarkQueries are the Nexmark queries ksqlDB's SQL can express, as
// close to the originals as it allows.
var NexmarkQueries = []NexmarkQuery{
	{Name: "q0", About: "pass-through", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3, CopyGoal: 0.8,
		SQL:   `CREATE STREAM Q0 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, BIDDER, PRICE, DATETIME, EXTRA FROM BID;`,
		Check: checkQ0},
	{Name: "q1", About: "projection, dollars to euros", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3, CopyGoal: 0.8,
		SQL:   `CREATE STREAM Q1 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, BIDDER, 0.908 * PRICE AS PRICE, DATETIME, EXTRA FROM BID;`,
		Check: checkQ1},
	{Name: "q2", About: "filter", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3, CopyGoal: 0.8,
		SQL:   `CREATE STREAM Q2 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, PRICE FROM BID WHERE AUCTION % 123 = 0;`,
		Check: checkQ2},
	{Name: "q3", About: "stream-table join, local item suggestion", Inputs: personAuction, Streams: []string{NexmarkAuctionTopic}, Goal: 150e3,
		SQL: `CREATE STREAM Q3 WITH (KAFKA_TOPIC='OUT') AS SELECT P.ID, P.NAME, P.CITY, P.STATE, A.ID AS AUCTION_ID
  FROM AUCTION A JOIN PERSON_T P ON A.SELLER = P.ID
  WHERE A.CATEGORY = 10 AND (P.STATE = 'OR' OR P.STATE = 'ID' OR P.STATE = 'CA');`,
		Check: checkQ3},
	{Name: "q5", About: "hopping count per auction (10 s, every 2 s)", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE TABLE Q5 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, COUNT(*) AS NUM FROM BID
  WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS) GROUP BY AUCTION;`,
		Check: checkQ5},
	{Name: "q7", About: "tumbling max price per auction (10 s)", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE TABLE Q7 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, MAX(PRICE) AS MAXPRICE FROM BID
  WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY AUCTION;`,
		Check: checkQ7},
	{Name: "q8", About: "stream-stream join: new people and their auctions within 10 s", Inputs: personAuction, Streams: personAuction, Goal: 150e3,
		SQL: `CREATE STREAM Q8 WITH (KAFKA_TOPIC='OUT') AS SELECT P.ID, P.NAME, A.ID AS AUCTION_ID, A.RESERVE
  FROM PERSON P JOIN AUCTION A WITHIN 10 SECONDS ON P.ID = A.SELLER;`,
		Check: checkQ8},
	{Name: "q11", About: "session windows per bidder (10 s gap)", Inputs: bidOnly, Streams: bidOnly, Goal: 150e3,
		SQL: `CREATE TABLE Q11 WITH (KAFKA_TOPIC='OUT') AS SELECT BIDDER, COUNT(*) AS BID_COUNT FROM BID
  WINDOW SESSION (10 SECONDS) GROUP BY BIDDER;`,
		Check: checkCountPerWindow("BID_COUNT", nil)},
	{Name: "q12", About: "tumbling count per bidder (10 s)", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE TABLE Q12 WITH (KAFKA_TOPIC='OUT') AS SELECT BIDDER, COUNT(*) AS BID_COUNT FROM BID
  WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY BIDDER;`,
		Check: checkCountPerWindow("BID_COUNT", func(b nexmark.Bid) string { return fmt.Sprint(b.Bidder, b.DateTime/10_000) })},
	{Name: "q14", About: "filter and projection with expressions", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE STREAM Q14 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, BIDDER, 0.908 * PRICE AS PRICE,
  CASE WHEN CAST(FORMAT_TIMESTAMP(DATETIME, 'HH') AS INT) >= 8 AND CAST(FORMAT_TIMESTAMP(DATETIME, 'HH') AS INT) <= 18 THEN 'dayTime'
       WHEN CAST(FORMAT_TIMESTAMP(DATETIME, 'HH') AS INT) <= 6 OR CAST(FORMAT_TIMESTAMP(DATETIME, 'HH') AS INT) >= 20 THEN 'nightTime'
       ELSE 'otherTime' END AS BIDTIMETYPE,
  DATETIME, EXTRA, LEN(EXTRA) - LEN(REPLACE(EXTRA, 'c', '')) AS C_COUNTS
  FROM BID WHERE 0.908 * PRICE > 1000000 AND 0.908 * PRICE < 50000000;`,
		Check: checkQ14},
	{Name: "q17", About: "tumbling aggregates per auction and day", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE TABLE Q17 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, COUNT(*) AS TOTAL_BIDS,
  SUM(CASE WHEN PRICE < 10000 THEN 1 ELSE 0 END) AS RANK1_BIDS,
  SUM(CASE WHEN PRICE >= 10000 AND PRICE < 1000000 THEN 1 ELSE 0 END) AS RANK2_BIDS,
  SUM(CASE WHEN PRICE >= 1000000 THEN 1 ELSE 0 END) AS RANK3_BIDS,
  MIN(PRICE) AS MIN_PRICE, MAX(PRICE) AS MAX_PRICE, AVG(PRICE) AS AVG_PRICE, SUM(PRICE) AS SUM_PRICE
  FROM BID WINDOW TUMBLING (SIZE 1 DAY) GROUP BY AUCTION;`,
		Check: checkQ17},
	{Name: "q22", About: "string splitting (URL directories)", Inputs: bidOnly, Streams: bidOnly, Goal: 300e3,
		SQL: `CREATE STREAM Q22 WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, BIDDER, PRICE, CHANNEL,
  SPLIT(URL, '/')[4] AS DIR1, SPLIT(URL, '/')[5] AS DIR2, SPLIT(URL, '/')[6] AS DIR3 FROM BID;`,
		Check: checkQ22},
}

// decode reads a JSON value with numbers kept as text.
func decode(v []byte) (map[string]json.Number, map[string]string, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("value %s: %w", v, err)
	}
	nums, strs := map[string]json.Number{}, map[string]string{}
	for k, x := range m {
		switch x := x.(type) {
		case json.Number:
			nums[k] = x
		case string:
			strs[k] = x
		}
	}
	return nums, strs, nil
}

func num(m map[string]json.Number, k string) (int64, error) {
	n, ok := m[k]
	if !ok {
		return 0, fmt.Errorf("no numeric %s in %v", k, m)
	}
	return n.Int64()
}

// fingerprints compares two multisets of strings by count and an
// order-independent hash. The strings come from fmt.Sprintln, which
// separates every operand (Sprint does not around strings, and
// json.Number is one).
type fingerprints struct {
	n   int
	sum uint64
}

func (f *fingerprints) add(s string) {
	f.n++
	f.sum += fnv([]byte(s))
}

func (f fingerprints) equal(g fingerprints, what string) error {
	if f.n != g.n {
		return fmt.Errorf("%d %s, want %d", f.n, what, g.n)
	}
	if f.sum != g.sum {
		return fmt.Errorf("the %d %s differ from the expected ones", f.n, what)
	}
	return nil
}

// checkEach checks a stateless query's output against the expected
// fingerprint of each passing bid.
func checkEach(out []kafka.Record, want fingerprints, what string, fp func(key int64, nums map[string]json.Number, strs map[string]string) (string, error)) error {
	if want.n == 0 {
		return fmt.Errorf("the check expects no %s: the workload is too small", what)
	}
	var got fingerprints
	for _, r := range out {
		if len(r.Key) != 8 {
			return fmt.Errorf("key %x is not a BIGINT", r.Key)
		}
		nums, strs, err := decode(r.Value)
		if err != nil {
			return err
		}
		s, err := fp(int64(binary.BigEndian.Uint64(r.Key)), nums, strs)
		if err != nil {
			return fmt.Errorf("value %s: %w", r.Value, err)
		}
		got.add(s)
	}
	return got.equal(want, what)
}

func checkQ0(d *NexmarkData, out []kafka.Record) error {
	var want fingerprints
	for _, b := range d.Bids {
		want.add(fmt.Sprintln(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
	return checkEach(out, want, "bids", func(key int64, n map[string]json.Number, s map[string]string) (string, error) {
		return fmt.Sprintln(key, n["BIDDER"], n["PRICE"], n["DATETIME"], s["EXTRA"]), nil
	})
}

// milli reads a decimal JSON number as thousandths.
func milli(n json.Number) (int64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, err
	}
	return int64(math.Round(f * 1000)), nil
}

func checkQ1(d *NexmarkData, out []kafka.Record) error {
	var want fingerprints
	for _, b := range d.Bids {
		want.add(fmt.Sprintln(b.Auction, b.Bidder, b.Price*908, b.DateTime))
	}
	return checkEach(out, want, "bids", func(key int64, n map[string]json.Number, _ map[string]string) (string, error) {
		p, err := milli(n["PRICE"])
		return fmt.Sprintln(key, n["BIDDER"], p, n["DATETIME"]), err
	})
}

func checkQ2(d *NexmarkData, out []kafka.Record) error {
	var want fingerprints
	for _, b := range d.Bids {
		if b.Auction%123 == 0 {
			want.add(fmt.Sprintln(b.Auction, b.Price))
		}
	}
	return checkEach(out, want, "bids on auctions divisible by 123", func(key int64, n map[string]json.Number, _ map[string]string) (string, error) {
		return fmt.Sprintln(key, n["PRICE"]), nil
	})
}

// q3Joins returns the fingerprints of every auction q3 can join: in
// category 10, by a seller the people topic holds, in OR, ID or CA.
func q3Joins(d *NexmarkData) map[string]int {
	people := map[int64]nexmark.Person{}
	for _, p := range d.Persons {
		people[p.ID] = p
	}
	want := map[string]int{}
	for _, a := range d.Auctions {
		p, ok := people[a.Seller]
		if ok && a.Category == 10 && (p.State == "OR" || p.State == "ID" || p.State == "CA") {
			want[fmt.Sprintln(p.ID, p.Name, p.City, p.State, a.ID)]++
		}
	}
	return want
}

// Q3Possible is how many auctions q3 joins when every person is in the
// table before the auctions are read.
func Q3Possible(d *NexmarkData) int {
	n := 0
	for _, c := range q3Joins(d) {
		n += c
	}
	return n
}

// checkQ3 checks that every output row is a right join result, and that
// there are some: how many auctions find their seller depends on how far
// the table side is read before the stream side, which this leaves to
// the run's report.
func checkQ3(d *NexmarkData, out []kafka.Record) error {
	want := q3Joins(d)
	if len(out) == 0 {
		return errors.New("no auctions joined with their seller")
	}
	for _, r := range out {
		nums, strs, err := decode(r.Value)
		if err != nil {
			return err
		}
		if len(r.Key) != 8 {
			return fmt.Errorf("key %x is not a BIGINT", r.Key)
		}
		fp := fmt.Sprintln(int64(binary.BigEndian.Uint64(r.Key)), strs["NAME"], strs["CITY"], strs["STATE"], nums["AUCTION_ID"])
		if want[fp] == 0 {
			return fmt.Errorf("output %s is not a join of an auction in category 10 with its seller in OR, ID or CA (or comes twice)", r.Value)
		}
		want[fp]--
	}
	return nil
}

func checkQ8(d *NexmarkData, out []kafka.Record) error {
	people := map[int64]nexmark.Person{}
	for _, p := range d.Persons {
		people[p.ID] = p
	}
	var want fingerprints
	for _, a := range d.Auctions {
		if p, ok := people[a.Seller]; ok && max(a.DateTime-p.DateTime, p.DateTime-a.DateTime) <= 10_000 {
			want.add(fmt.Sprintln(p.ID, p.Name, a.ID, a.Reserve))
		}
	}
	return checkEach(out, want, "auctions joined with their seller", func(key int64, n map[string]json.Number, s map[string]string) (string, error) {
		return fmt.Sprintln(key, s["NAME"], n["AUCTION_ID"], n["RESERVE"]), nil
	})
}

func checkQ14(d *NexmarkData, out []kafka.Record) error {
	var want fingerprints
	for _, b := range d.Bids {
		eur := b.Price * 908 // thousandths
		if eur <= 1_000_000_000 || eur >= 50_000_000_000 {
			continue
		}
		h := (b.DateTime / 3_600_000) % 24 // UTC
		kind := "otherTime"
		if h >= 8 && h <= 18 {
			kind = "dayTime"
		} else if h <= 6 || h >= 20 {
			kind = "nightTime"
		}
		want.add(fmt.Sprintln(b.Auction, b.Bidder, eur, kind, strings.Count(b.Extra, "c")))
	}
	return checkEach(out, want, "bids between 1M and 50M euro cents", func(key int64, n map[string]json.Number, s map[string]string) (string, error) {
		p, err := milli(n["PRICE"])
		return fmt.Sprintln(key, n["BIDDER"], p, s["BIDTIMETYPE"], n["C_COUNTS"]), err
	})
}

func checkQ22(d *NexmarkData, out []kafka.Record) error {
	var want fingerprints
	for _, b := range d.Bids {
		parts := strings.Split(b.URL, "/")
		want.add(fmt.Sprintln(b.Auction, b.Bidder, b.Price, b.Channel, parts[3], parts[4], parts[5]))
	}
	return checkEach(out, want, "bids", func(key int64, n map[string]json.Number, s map[string]string) (string, error) {
		return fmt.Sprintln(key, n["BIDDER"], n["PRICE"], s["CHANNEL"], s["DIR1"], s["DIR2"], s["DIR3"]), nil
	})
}

// latest returns the last value of each key of a table's changelog
// output (nil for a tombstone). A key stays in one partition, so the
// order within partitions is enough.
func latest(out []kafka.Record) map[string][]byte {
	m := make(map[string][]byte, len(out)/4)
	for _, r := range out {
		m[string(r.Key)] = r.Value
	}
	return m
}

// sumLatest sums column col over the live rows of a table's output, and
// counts them.
func sumLatest(out []kafka.Record, cols ...string) (sums []int64, rows int, err error) {
	sums = make([]int64, len(cols))
	for _, v := range latest(out) {
		if v == nil {
			continue
		}
		rows++
		nums, _, err := decode(v)
		if err != nil {
			return nil, 0, err
		}
		for i, c := range cols {
			x, err := num(nums, c)
			if err != nil {
				return nil, 0, fmt.Errorf("value %s: %w", v, err)
			}
			sums[i] += x
		}
	}
	if rows == 0 {
		return nil, 0, errors.New("the table has no rows")
	}
	return sums, rows, nil
}

// checkCountPerWindow checks a windowed count's final rows: they add up
// to the number of bids and, when group names each bid's window group,
// there is one row per group.
func checkCountPerWindow(col string, group func(nexmark.Bid) string) func(*NexmarkData, []kafka.Record) error {
	return func(d *NexmarkData, out []kafka.Record) error {
		sums, rows, err := sumLatest(out, col)
		if err != nil {
			return err
		}
		if sums[0] != int64(len(d.Bids)) {
			return fmt.Errorf("the final counts add up to %d, want the %d bids", sums[0], len(d.Bids))
		}
		if group != nil {
			groups := map[string]bool{}
			for _, b := range d.Bids {
				groups[group(b)] = true
			}
			if rows != len(groups) {
				return fmt.Errorf("%d windowed rows, want %d", rows, len(groups))
			}
		}
		return nil
	}
}

func checkQ5(d *NexmarkData, out []kafka.Record) error {
	sums, rows, err := sumLatest(out, "NUM")
	if err != nil {
		return err
	}
	if sums[0] != 5*int64(len(d.Bids)) {
		return fmt.Errorf("the final counts add up to %d, want 5 windows × %d bids", sums[0], len(d.Bids))
	}
	groups := map[[2]int64]bool{}
	for _, b := range d.Bids {
		last := b.DateTime / 2000 * 2000
		for s := last - 8000; s <= last; s += 2000 {
			groups[[2]int64{b.Auction, s}] = true
		}
	}
	if rows != len(groups) {
		return fmt.Errorf("%d windowed rows, want %d", rows, len(groups))
	}
	return nil
}

func checkQ7(d *NexmarkData, out []kafka.Record) error {
	sums, rows, err := sumLatest(out, "MAXPRICE")
	if err != nil {
		return err
	}
	maxes := map[[2]int64]int64{}
	for _, b := range d.Bids {
		k := [2]int64{b.Auction, b.DateTime / 10_000}
		maxes[k] = max(maxes[k], b.Price)
	}
	var want int64
	for _, m := range maxes {
		want += m
	}
	if rows != len(maxes) || sums[0] != want {
		return fmt.Errorf("%d windowed rows with maxima adding up to %d, want %d adding up to %d", rows, sums[0], len(maxes), want)
	}
	return nil
}

func checkQ17(d *NexmarkData, out []kafka.Record) error {
	sums, rows, err := sumLatest(out, "TOTAL_BIDS", "RANK1_BIDS", "RANK2_BIDS", "RANK3_BIDS", "SUM_PRICE")
	if err != nil {
		return err
	}
	groups := map[[2]int64]bool{}
	var price int64
	for _, b := range d.Bids {
		groups[[2]int64{b.Auction, b.DateTime / 86_400_000}] = true
		price += b.Price
	}
	switch {
	case rows != len(groups):
		return fmt.Errorf("%d rows, want one per auction and day: %d", rows, len(groups))
	case sums[0] != int64(len(d.Bids)) || sums[1]+sums[2]+sums[3] != sums[0]:
		return fmt.Errorf("totals add up to %d and ranks to %d, want the %d bids", sums[0], sums[1]+sums[2]+sums[3], len(d.Bids))
	case sums[4] != price:
		return fmt.Errorf("sums add up to %d, want %d", sums[4], price)
	}
	return nil
}

// StartMultiCopy copies every record of topics to <topic><suffix>, one
// Produce per fetched batch, in one consumer group: the raw
// consume→produce path a query's input and output take, without
// decoding. It returns the subscription and the count copied.
func StartMultiCopy(ctx context.Context, c kafka.Cluster, group, suffix string, topics []string) (kafka.Subscription, *atomic.Int64, error) {
	var copied atomic.Int64
	// The output topics' names are made once, not per record: the copy
	// is the raw path, with no work a query would not do.
	to := make(map[string]string, len(topics))
	for _, t := range topics {
		to[t] = t + suffix
	}
	sub, err := c.Subscribe(ctx, kafka.SubscribeOptions{Group: group, Topics: topics, Reset: kafka.Earliest},
		func(ctx context.Context, batch []kafka.Record) error {
			out := make([]kafka.Record, len(batch))
			from, dst := "", ""
			for i, r := range batch {
				if r.Topic != from {
					from, dst = r.Topic, to[r.Topic]
				}
				out[i] = kafka.Record{Topic: dst, Partition: -1, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp, Headers: r.Headers}
			}
			if err := c.Produce(ctx, out...); err != nil {
				return fmt.Errorf("copy %v: %w", topics, err)
			}
			copied.Add(int64(len(batch)))
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("copy %v: %w", topics, err)
	}
	return sub, &copied, nil
}

// GroupDone reports whether group has committed every record of the
// streams it must read and of every topic it has committed offsets on,
// and of the repartition topics whose names start with prefix: then
// every output it produced is acknowledged (the runtime commits after
// its outputs).
func (o *Offsets) GroupDone(ctx context.Context, group, prefix string, streams []string) (bool, error) {
	committed, err := o.adm.FetchOffsets(ctx, group)
	if err != nil {
		return false, fmt.Errorf("offsets of %s: %w", group, err)
	}
	if err := committed.Error(); err != nil {
		return false, fmt.Errorf("offsets of %s: %w", group, err)
	}
	want := map[string]bool{}
	for _, t := range streams {
		want[t] = true
	}
	for t := range committed {
		want[t] = true
	}
	topics, err := o.adm.ListTopics(ctx)
	if err != nil {
		return false, fmt.Errorf("list topics: %w", err)
	}
	for _, t := range topics.Names() {
		if strings.HasPrefix(t, prefix) && strings.HasSuffix(t, "-repartition") {
			want[t] = true
		}
	}
	names := make([]string, 0, len(want))
	for t := range want {
		names = append(names, t)
	}
	ends, err := o.adm.ListEndOffsets(ctx, names...)
	if err != nil {
		return false, fmt.Errorf("end offsets: %w", err)
	}
	done := true
	ends.Each(func(lo kadm.ListedOffset) {
		if lo.Err != nil {
			done = false
			return
		}
		c, ok := committed.Lookup(lo.Topic, lo.Partition)
		if lo.Offset > 0 && (!ok || c.At < lo.Offset) {
			done = false
		}
	})
	return done, nil
}

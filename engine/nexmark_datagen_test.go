package engine

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect/datagen/nexmark"
)

// TestNexmarkQuickstartsEndToEnd: the Nexmark quickstarts write people as
// JSON and bids as Avro through the Schema Registry, with the same seed;
// a stream–table join of the bids with the people finds every bid whose
// bidder the person connector wrote.
func TestNexmarkQuickstartsEndToEnd(t *testing.T) {
	open, cl := brokerEngine(t)
	e := open()
	defer e.Close()
	const people, bids = 200, 9200
	mustExec(t, e, `CREATE SOURCE CONNECTOR nx_people WITH ('connector.class'='datagen', 'kafka.topic'='nx_person',
		'quickstart'='nexmark_person', 'max.interval'='0', 'iterations'='200', 'random.seed'='5',
		'key.converter'='org.apache.kafka.connect.converters.LongConverter',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');
	CREATE SOURCE CONNECTOR nx_bids WITH ('connector.class'='datagen', 'kafka.topic'='nx_bid',
		'quickstart'='nexmark_bid', 'max.interval'='0', 'iterations'='9200', 'random.seed'='5',
		'key.converter'='org.apache.kafka.connect.converters.LongConverter',
		'value.converter'='io.confluent.connect.avro.AvroConverter');`)
	count := func(topic string) int64 {
		ends, err := cl.EndOffsets(context.Background(), topic)
		if err != nil {
			return -1
		}
		var n int64
		for _, o := range ends {
			n += o
		}
		return n
	}
	waitFor(t, "the generated records", time.Minute, func() bool { return count("nx_person") == people && count("nx_bid") == bids })

	// What the join must find, from the generator itself.
	cfg := nexmark.Defaults()
	cfg.Seed = 5
	g, err := nexmark.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ev nexmark.Event
	var want int64
	for i := range int64(bids) {
		g.Event(g.EventNumber(nexmark.BidKind, i), &ev)
		if ev.Bid.Bidder < nexmark.FirstPersonID+people {
			want++
		}
	}
	mustExec(t, e, `CREATE TABLE people (id BIGINT PRIMARY KEY, name STRING, state STRING, dateTime TIMESTAMP)
		WITH (KAFKA_TOPIC='nx_person', VALUE_FORMAT='JSON');
	CREATE STREAM bid (auction_key BIGINT KEY) WITH (KAFKA_TOPIC='nx_bid', VALUE_FORMAT='AVRO');
	CREATE STREAM enriched WITH (VALUE_FORMAT='JSON') AS SELECT b.bidder, p.name, p.state, b.price, b.url
		FROM bid b JOIN people p ON b.bidder = p.id;`)
	waitFor(t, "the joined bids", time.Minute, func() bool { return count("ENRICHED") >= want })
	recs, err := cl.ReadAll(context.Background(), "ENRICHED")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(recs)) != want {
		t.Fatalf("%d joined bids, want %d", len(recs), want)
	}
	if errs := e.QueryErrors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, r := range recs[:10] {
		if !regexp.MustCompile(`"NAME":"[A-Z][a-z]+ [A-Z][a-z]+","STATE":"(AZ|CA|ID|OR|WA|WY)","PRICE":[0-9]+,"URL":"https://www.nexmark.com/`).Match(r.Value) {
			t.Errorf("joined bid %s", r.Value)
		}
	}
}

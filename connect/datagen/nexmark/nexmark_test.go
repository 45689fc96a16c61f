package nexmark

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/hamba/avro/v2"
)

func newGen(t testing.TB, seed uint64) *Generator {
	t.Helper()
	cfg := Defaults()
	cfg.Seed, cfg.BaseTime = seed, 1_700_000_000_000
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestDeterministic: the same seed gives the same events in any order of
// generation, another seed other events.
func TestDeterministic(t *testing.T) {
	a, b, c := newGen(t, 7), newGen(t, 7), newGen(t, 8)
	var ea, eb, ec Event
	same := 0
	for n := int64(999); n >= 0; n-- { // b backwards: random access
		a.Event(999-n, &ea)
		b.Event(999-n, &eb)
		if !bytes.Equal(ea.AppendJSON(nil), eb.AppendJSON(nil)) || !bytes.Equal(ea.AppendAvro(nil), eb.AppendAvro(nil)) {
			t.Fatalf("event %d differs for the same seed", 999-n)
		}
		c.Event(999-n, &ec)
		if bytes.Equal(ea.AppendJSON(nil), ec.AppendJSON(nil)) {
			same++
		}
	}
	if same > 10 {
		t.Errorf("%d of 1000 events are the same for seeds 7 and 8", same)
	}
	// Out of order: event 500 again after 999.
	var again Event
	a.Event(500, &again)
	b2 := newGen(t, 7)
	b2.Event(500, &eb)
	if !bytes.Equal(again.AppendJSON(nil), eb.AppendJSON(nil)) {
		t.Error("event 500 depends on what was generated before it")
	}
}

// TestDistributions checks the published shape on 100k events:
// proportions 1:3:46, sequential person and auction ids, bids and
// auctions that refer to existing (or just-ahead) people and auctions,
// the hot auction and bidder shares, prices, categories and sizes.
func TestDistributions(t *testing.T) {
	g := newGen(t, 1)
	const n = 100_000
	var e Event
	count := map[Kind]int64{}
	var lastPerson, lastAuction int64 = FirstPersonID - 1, FirstAuctionID - 1
	var hotAuction, hotBidder, hotChannel, bids int
	var jsonBytes = map[Kind]int{}
	minPrice, maxPrice := int64(math.MaxInt64), int64(0)
	var prevTime int64
	for i := range int64(n) {
		g.Event(i, &e)
		if e.Kind != g.KindOf(i) {
			t.Fatalf("event %d: kind %v, KindOf says %v", i, e.Kind, g.KindOf(i))
		}
		if g.EventNumber(e.Kind, count[e.Kind]) != i {
			t.Fatalf("event %d is %v #%d, EventNumber says %d", i, e.Kind, count[e.Kind], g.EventNumber(e.Kind, count[e.Kind]))
		}
		count[e.Kind]++
		js := e.AppendJSON(nil)
		if !json.Valid(js) {
			t.Fatalf("event %d: invalid JSON %s", i, js)
		}
		jsonBytes[e.Kind] += len(js)
		if e.Time() < prevTime || e.Time() != g.TimeOf(i) {
			t.Fatalf("event %d at %d after %d", i, e.Time(), prevTime)
		}
		prevTime = e.Time()
		switch e.Kind {
		case PersonKind:
			if e.Person.ID != lastPerson+1 {
				t.Fatalf("person id %d after %d", e.Person.ID, lastPerson)
			}
			lastPerson = e.Person.ID
		case AuctionKind:
			a := e.Auction
			if a.ID != lastAuction+1 {
				t.Fatalf("auction id %d after %d", a.ID, lastAuction)
			}
			lastAuction = a.ID
			if a.Seller < FirstPersonID || a.Seller > lastPerson+idLead {
				t.Fatalf("auction %d: seller %d, newest person %d", a.ID, a.Seller, lastPerson)
			}
			if a.Category < FirstCategoryID || a.Category >= FirstCategoryID+NumCategories {
				t.Fatalf("category %d", a.Category)
			}
			if a.Reserve < a.InitialBid || a.Expires <= a.DateTime {
				t.Fatalf("auction %+v", a)
			}
		case BidKind:
			b := e.Bid
			bids++
			if b.Auction < FirstAuctionID || b.Auction > lastAuction+idLead || b.Auction < lastAuction-int64(g.cfg.InFlightAuctions)-hotBlock {
				t.Fatalf("bid for auction %d, newest %d", b.Auction, lastAuction)
			}
			if b.Bidder < FirstPersonID || b.Bidder > lastPerson+idLead {
				t.Fatalf("bid by %d, newest person %d", b.Bidder, lastPerson)
			}
			if (b.Auction-FirstAuctionID)%hotBlock == 0 {
				hotAuction++
			}
			if (b.Bidder-FirstPersonID)%hotBlock == 1 {
				hotBidder++
			}
			switch b.Channel {
			case "Google", "Facebook", "Baidu", "Apple":
				hotChannel++
			}
			minPrice, maxPrice = min(minPrice, b.Price), max(maxPrice, b.Price)
		}
	}
	if count[PersonKind] != n/50 || count[AuctionKind] != 3*n/50 || count[BidKind] != 46*n/50 {
		t.Errorf("kinds %v, want 1:3:46 of %d", count, n)
	}
	for k, c := range count {
		if got := g.Count(k, n); got != c {
			t.Errorf("Count(%v, %d) = %d, generated %d", k, n, got, c)
		}
	}
	share := func(x int) float64 { return float64(x) / float64(bids) }
	// Hot: 1/2 of bids on the hot auction plus the odd random hit; 3/4 by
	// hot bidders; 1/2 on hot channels.
	if s := share(hotAuction); s < 0.48 || s > 0.56 {
		t.Errorf("%.3f of bids on hot auctions, want about 0.5", s)
	}
	if s := share(hotBidder); s < 0.73 || s > 0.78 {
		t.Errorf("%.3f of bids by hot bidders, want about 0.75", s)
	}
	if s := share(hotChannel); s < 0.48 || s > 0.52 {
		t.Errorf("%.3f of bids on hot channels, want about 0.5", s)
	}
	if minPrice < 100 || maxPrice > 100_000_000 || minPrice > 200 || maxPrice < 50_000_000 {
		t.Errorf("prices %d..%d cents, want log-uniform over $1..$1M", minPrice, maxPrice)
	}
	if d := prevTime - g.cfg.BaseTime; d != (n-1)*1000/10_000 {
		t.Errorf("%d events span %d ms, want %d at 10k events/s", n, d, (n-1)/10)
	}
	for k, want := range map[Kind]int{PersonKind: 200, AuctionKind: 500, BidKind: 100} {
		avg := jsonBytes[k] / int(count[k])
		// JSON adds field names to Nexmark's nominal sizes.
		if avg < want || avg > want+200 {
			t.Errorf("%v: %d JSON bytes on average, want about %d plus names", k, avg, want)
		}
	}
}

// TestAvro decodes the Avro encoding with its schema and compares it with
// the JSON encoding of the same events.
func TestAvro(t *testing.T) {
	g := newGen(t, 3)
	var e Event
	for i := range int64(200) {
		g.Event(i, &e)
		s, err := avro.Parse(AvroSchema(e.Kind))
		if err != nil {
			t.Fatal(err)
		}
		var fromAvro map[string]any
		if err := avro.Unmarshal(s, e.AppendAvro(nil), &fromAvro); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		var fromJSON map[string]any
		d := json.NewDecoder(bytes.NewReader(e.AppendJSON(nil)))
		d.UseNumber()
		if err := d.Decode(&fromJSON); err != nil {
			t.Fatal(err)
		}
		if len(fromAvro) != len(fromJSON) {
			t.Fatalf("event %d: avro %v, json %v", i, fromAvro, fromJSON)
		}
		for k, v := range fromJSON {
			a := fromAvro[k]
			if tm, ok := a.(interface{ UnixMilli() int64 }); ok {
				a = tm.UnixMilli()
			}
			if num, ok := v.(json.Number); ok {
				n, _ := num.Int64()
				if a != n {
					t.Fatalf("event %d %s: avro %v, json %v", i, k, a, n)
				}
			} else if a != v {
				t.Fatalf("event %d %s: avro %v, json %v", i, k, a, v)
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cfg := Defaults()
	cfg.BidProportion = 0
	if _, err := New(cfg); err == nil {
		t.Error("accepted a zero bid proportion")
	}
}

func BenchmarkEvent(b *testing.B) {
	g := newGen(b, 1)
	var e Event
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := range b.N {
		g.Event(int64(i), &e)
		buf = e.AppendJSON(buf[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

package datagen

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/datagen/nexmark"
)

type quietContext struct{}

func (quietContext) Logf(string, ...any) {}
func (quietContext) SetProgress(string)  {}

// startNexmark starts a task of a Nexmark quickstart as the runtime
// would, with the stored offset (nil: a first start).
func startNexmark(t *testing.T, q string, seed string, stored map[string]any) *task {
	t.Helper()
	cfg := connect.Config{"quickstart": q, "random.seed": seed, "max.interval": "0"}
	g, nx, key, err := schemaOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tk := &task{topic: q, gen: g, nx: nx, keyField: key, seed: 5, fixedSeed: true, iterations: -1}
	if err := tk.Start(t.Context(), quietContext{}, func(map[string]any) (map[string]any, bool) { return stored, stored != nil }); err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestNexmarkQuickstarts: three connectors with the same seed write
// people, auctions and bids of one sequence — bids name auctions and
// people the other two wrote — keyed by id (auction for bids), stamped
// with their dateTime; a restart from the stored offset continues the
// same records, base time included.
func TestNexmarkQuickstarts(t *testing.T) {
	base := map[string]any{offsetBaseTime: int64(1_750_000_000_000), offsetSeed: int64(5), offsetIteration: int64(0)}
	people, auctions, bids := startNexmark(t, "nexmark_person", "5", base), startNexmark(t, "nexmark_auction", "5", base), startNexmark(t, "nexmark_bid", "5", base)
	persons := map[int64]bool{}
	for i := range int64(100) {
		r := people.record(i, time.Time{})
		v := r.Value.(*connect.Struct)
		if r.Key != v.Get("id") || v.Get("id") != nexmark.FirstPersonID+i {
			t.Fatalf("person %d: key %v, id %v", i, r.Key, v.Get("id"))
		}
		if !r.Timestamp.Equal(v.Get("dateTime").(time.Time)) || r.Timestamp.UnixMilli() < 1_750_000_000_000 {
			t.Fatalf("person %d: timestamp %v, dateTime %v", i, r.Timestamp, v.Get("dateTime"))
		}
		persons[v.Get("id").(int64)] = true
	}
	auctionIDs := map[int64]bool{}
	for i := range int64(300) {
		v := auctions.record(i, time.Time{}).Value.(*connect.Struct)
		auctionIDs[v.Get("id").(int64)] = true
		if s := v.Get("seller").(int64); !persons[s] && s < nexmark.FirstPersonID+100 {
			t.Fatalf("auction %v: seller %d is not a person", v.Get("id"), s)
		}
	}
	var known, prev int64
	for i := range int64(4600) {
		r := bids.record(i, time.Time{})
		v := r.Value.(*connect.Struct)
		if r.Key != v.Get("auction") {
			t.Fatalf("bid %d: key %v, auction %v", i, r.Key, v.Get("auction"))
		}
		if auctionIDs[v.Get("auction").(int64)] && persons[v.Get("bidder").(int64)] {
			known++
		}
		if ts := r.Timestamp.UnixMilli(); ts < prev {
			t.Fatalf("bid %d at %d before %d", i, ts, prev)
		} else {
			prev = ts
		}
		if len(v.Values) != len(v.Schema.Fields) {
			t.Fatalf("bid %d has %d of %d fields", i, len(v.Values), len(v.Schema.Fields))
		}
	}
	// All but the bids for just-ahead auctions or people near the end.
	if known < 4500 {
		t.Errorf("%d of 4600 bids name an auction and a person the other connectors wrote", known)
	}
	// A restart from the offset stored after record 2000 writes record 2000
	// again, identically.
	want := bids.record(2000, time.Time{})
	restarted := startNexmark(t, "nexmark_bid", "", want.SourceOffset)
	restarted.count = want.SourceOffset[offsetIteration].(int64) - 1
	got := restarted.record(2000, time.Time{})
	if !got.Timestamp.Equal(want.Timestamp) || got.Key != want.Key || got.Value.(*connect.Struct).Get("url") != want.Value.(*connect.Struct).Get("url") {
		t.Errorf("after a restart: %v, want %v", got.Value, want.Value)
	}
	if _, _, _, err := schemaOf(connect.Config{"quickstart": "nexmark_bid", "schema.keyfield": "nope"}); err == nil {
		t.Error("accepted a key field the bid has not")
	}
}

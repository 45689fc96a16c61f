package datagen

import (
	"fmt"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/datagen/nexmark"
)

// offsetBaseTime is the source-offset key of a Nexmark quickstart's event
// time origin, so that a restart continues the same timeline.
const offsetBaseTime = "nexmark.base.time"

// nexmarkQuickstarts are the quickstarts that write one kind of Nexmark's
// events each. Connectors with the same random.seed write matching
// people, auctions and bids: record i of nexmark_bid is the i-th bid of
// the same event sequence whose people and auctions the other two write.
var nexmarkQuickstarts = map[string]nexmark.Kind{
	"nexmark_person":  nexmark.PersonKind,
	"nexmark_auction": nexmark.AuctionKind,
	"nexmark_bid":     nexmark.BidKind,
}

var (
	int64Schema     = &connect.Schema{Type: connect.Int64}
	stringSchema    = &connect.Schema{Type: connect.String}
	timestampSchema = &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp, Version: 1}
)

// nexmarkSchemas are the Connect schemas of the three kinds, with the
// field names and order of nexmark's JSON and Avro encodings.
var nexmarkSchemas = map[nexmark.Kind]*connect.Schema{
	nexmark.PersonKind: {Type: connect.StructT, Name: "nexmark.Person", Fields: []connect.Field{
		{Name: "id", Schema: int64Schema}, {Name: "name", Schema: stringSchema},
		{Name: "emailAddress", Schema: stringSchema}, {Name: "creditCard", Schema: stringSchema},
		{Name: "city", Schema: stringSchema}, {Name: "state", Schema: stringSchema},
		{Name: "dateTime", Schema: timestampSchema}, {Name: "extra", Schema: stringSchema}}},
	nexmark.AuctionKind: {Type: connect.StructT, Name: "nexmark.Auction", Fields: []connect.Field{
		{Name: "id", Schema: int64Schema}, {Name: "itemName", Schema: stringSchema},
		{Name: "description", Schema: stringSchema}, {Name: "initialBid", Schema: int64Schema},
		{Name: "reserve", Schema: int64Schema}, {Name: "dateTime", Schema: timestampSchema},
		{Name: "expires", Schema: timestampSchema}, {Name: "seller", Schema: int64Schema},
		{Name: "category", Schema: int64Schema}, {Name: "extra", Schema: stringSchema}}},
	nexmark.BidKind: {Type: connect.StructT, Name: "nexmark.Bid", Fields: []connect.Field{
		{Name: "auction", Schema: int64Schema}, {Name: "bidder", Schema: int64Schema},
		{Name: "price", Schema: int64Schema}, {Name: "channel", Schema: stringSchema},
		{Name: "url", Schema: stringSchema}, {Name: "dateTime", Schema: timestampSchema},
		{Name: "extra", Schema: stringSchema}}},
}

// nexmarkKeyFields are the quickstarts' default keys: the id of a person
// or auction, the auction of a bid.
var nexmarkKeyFields = map[nexmark.Kind]string{nexmark.PersonKind: "id", nexmark.AuctionKind: "id", nexmark.BidKind: "auction"}

// nexmarkSource draws one kind of event from a Nexmark generator.
type nexmarkSource struct {
	kind   nexmark.Kind
	schema *connect.Schema
	gen    *nexmark.Generator // built at Start, once seed and base time are known
	ev     nexmark.Event
}

func (s *nexmarkSource) start(seed uint64, baseTime int64) error {
	cfg := nexmark.Defaults()
	cfg.Seed, cfg.BaseTime = seed, baseTime
	g, err := nexmark.New(cfg)
	if err != nil {
		return fmt.Errorf("nexmark generator: %w", err)
	}
	s.gen = g
	return nil
}

// record returns the i-th event of the source's kind as a struct, and
// its event time.
func (s *nexmarkSource) record(i int64) (*connect.Struct, time.Time) {
	s.gen.Event(s.gen.EventNumber(s.kind, i), &s.ev)
	st := &connect.Struct{Schema: s.schema, Values: make(map[string]any, len(s.schema.Fields))}
	ms := time.UnixMilli
	switch p, a, b := &s.ev.Person, &s.ev.Auction, &s.ev.Bid; s.kind {
	case nexmark.PersonKind:
		st.Put("id", p.ID).Put("name", p.Name).Put("emailAddress", p.EmailAddress).Put("creditCard", p.CreditCard).
			Put("city", p.City).Put("state", p.State).Put("dateTime", ms(p.DateTime).UTC()).Put("extra", p.Extra)
	case nexmark.AuctionKind:
		st.Put("id", a.ID).Put("itemName", a.ItemName).Put("description", a.Description).Put("initialBid", a.InitialBid).
			Put("reserve", a.Reserve).Put("dateTime", ms(a.DateTime).UTC()).Put("expires", ms(a.Expires).UTC()).
			Put("seller", a.Seller).Put("category", a.Category).Put("extra", a.Extra)
	default:
		st.Put("auction", b.Auction).Put("bidder", b.Bidder).Put("price", b.Price).Put("channel", b.Channel).
			Put("url", b.URL).Put("dateTime", ms(b.DateTime).UTC()).Put("extra", b.Extra)
	}
	return st, time.UnixMilli(s.ev.Time())
}

package nexmark

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// The field names are Nexmark's (camelCase); ksqlDB-style JSON columns
// match them case-insensitively. Times are epoch milliseconds, prices
// cents.

// AppendJSON appends the event's JSON object to b.
func (e *Event) AppendJSON(b []byte) []byte {
	switch e.Kind {
	case PersonKind:
		return e.Person.AppendJSON(b)
	case AuctionKind:
		return e.Auction.AppendJSON(b)
	}
	return e.Bid.AppendJSON(b)
}

// AppendJSON appends the person as a JSON object to b.
func (p *Person) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = jsonField(b, "name", p.Name)
	b = jsonField(b, "emailAddress", p.EmailAddress)
	b = jsonField(b, "creditCard", p.CreditCard)
	b = jsonField(b, "city", p.City)
	b = jsonField(b, "state", p.State)
	b = jsonInt(b, "dateTime", p.DateTime)
	b = jsonField(b, "extra", p.Extra)
	return append(b, '}')
}

// AppendJSON appends the auction as a JSON object to b.
func (a *Auction) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, a.ID, 10)
	b = jsonField(b, "itemName", a.ItemName)
	b = jsonField(b, "description", a.Description)
	b = jsonInt(b, "initialBid", a.InitialBid)
	b = jsonInt(b, "reserve", a.Reserve)
	b = jsonInt(b, "dateTime", a.DateTime)
	b = jsonInt(b, "expires", a.Expires)
	b = jsonInt(b, "seller", a.Seller)
	b = jsonInt(b, "category", a.Category)
	b = jsonField(b, "extra", a.Extra)
	return append(b, '}')
}

// AppendJSON appends the bid as a JSON object to b.
func (d *Bid) AppendJSON(b []byte) []byte {
	b = append(b, `{"auction":`...)
	b = strconv.AppendInt(b, d.Auction, 10)
	b = jsonInt(b, "bidder", d.Bidder)
	b = jsonInt(b, "price", d.Price)
	b = jsonField(b, "channel", d.Channel)
	b = jsonField(b, "url", d.URL)
	b = jsonInt(b, "dateTime", d.DateTime)
	b = jsonField(b, "extra", d.Extra)
	return append(b, '}')
}

func jsonInt(b []byte, name string, v int64) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

func jsonField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

// appendJSONString quotes s as a JSON string. Generated strings are
// plain ASCII; the escapes keep any other text valid.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

// Avro schemas of the three kinds, with the JSON encoding's field names;
// dateTime and expires are timestamp-millis.
const (
	PersonAvroSchema = `{"type":"record","name":"Person","namespace":"nexmark","fields":[` +
		`{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"emailAddress","type":"string"},` +
		`{"name":"creditCard","type":"string"},{"name":"city","type":"string"},{"name":"state","type":"string"},` +
		`{"name":"dateTime","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"extra","type":"string"}]}`
	AuctionAvroSchema = `{"type":"record","name":"Auction","namespace":"nexmark","fields":[` +
		`{"name":"id","type":"long"},{"name":"itemName","type":"string"},{"name":"description","type":"string"},` +
		`{"name":"initialBid","type":"long"},{"name":"reserve","type":"long"},` +
		`{"name":"dateTime","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"expires","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"seller","type":"long"},{"name":"category","type":"long"},{"name":"extra","type":"string"}]}`
	BidAvroSchema = `{"type":"record","name":"Bid","namespace":"nexmark","fields":[` +
		`{"name":"auction","type":"long"},{"name":"bidder","type":"long"},{"name":"price","type":"long"},` +
		`{"name":"channel","type":"string"},{"name":"url","type":"string"},` +
		`{"name":"dateTime","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"extra","type":"string"}]}`
)

// AvroSchema returns the Avro schema of kind k.
func AvroSchema(k Kind) string {
	switch k {
	case PersonKind:
		return PersonAvroSchema
	case AuctionKind:
		return AuctionAvroSchema
	}
	return BidAvroSchema
}

// AppendAvro appends the event's Avro binary encoding (no framing) in
// AvroSchema(e.Kind) to b.
func (e *Event) AppendAvro(b []byte) []byte {
	switch e.Kind {
	case PersonKind:
		p := &e.Person
		b = binary.AppendVarint(b, p.ID)
		b = avroString(b, p.Name)
		b = avroString(b, p.EmailAddress)
		b = avroString(b, p.CreditCard)
		b = avroString(b, p.City)
		b = avroString(b, p.State)
		b = binary.AppendVarint(b, p.DateTime)
		return avroString(b, p.Extra)
	case AuctionKind:
		a := &e.Auction
		b = binary.AppendVarint(b, a.ID)
		b = avroString(b, a.ItemName)
		b = avroString(b, a.Description)
		b = binary.AppendVarint(b, a.InitialBid)
		b = binary.AppendVarint(b, a.Reserve)
		b = binary.AppendVarint(b, a.DateTime)
		b = binary.AppendVarint(b, a.Expires)
		b = binary.AppendVarint(b, a.Seller)
		b = binary.AppendVarint(b, a.Category)
		return avroString(b, a.Extra)
	}
	d := &e.Bid
	b = binary.AppendVarint(b, d.Auction)
	b = binary.AppendVarint(b, d.Bidder)
	b = binary.AppendVarint(b, d.Price)
	b = avroString(b, d.Channel)
	b = avroString(b, d.URL)
	b = binary.AppendVarint(b, d.DateTime)
	return avroString(b, d.Extra)
}

// avroString appends an Avro string: its length as a zig-zag varint (as
// binary.AppendVarint writes it), then its bytes.
func avroString(b []byte, s string) []byte {
	b = binary.AppendVarint(b, int64(len(s)))
	return append(b, s...)
}

// Key returns the event's natural key: the person's or auction's id, or
// the auction a bid is for.
func (e *Event) Key() int64 {
	switch e.Kind {
	case PersonKind:
		return e.Person.ID
	case AuctionKind:
		return e.Auction.ID
	}
	return e.Bid.Auction
}

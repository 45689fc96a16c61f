// Package nexmark generates the events of the Nexmark benchmark — people
// opening accounts, auctions being opened and bids placed on them — with
// the benchmark's published shape: one person for every three auctions
// and 46 bids, most bids on a few hot auctions by a few hot bidders, ids
// that refer to people and auctions that exist (or are about to), prices
// spread log-uniformly over six decades, and event times that advance
// evenly at a fixed event rate.
//
// Generation is deterministic and random-access: event n is a pure
// function of (Config, n), drawn from a random source seeded by
// (Config.Seed, n), so any slice of the sequence can be produced in any
// order, by several producers, or again after a restart.
package nexmark

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Kind is the type of one event.
type Kind uint8

const (
	PersonKind Kind = iota
	AuctionKind
	BidKind
)

func (k Kind) String() string {
	switch k {
	case PersonKind:
		return "person"
	case AuctionKind:
		return "auction"
	case BidKind:
		return "bid"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Config sets the generated distributions. Defaults returns Nexmark's.
type Config struct {
	// Seed selects the sequence; the same seed gives the same events.
	Seed uint64
	// BaseTime is the event time of event 0, in epoch milliseconds.
	BaseTime int64
	// EventsPerSecond is the event-time rate: event n happens at
	// BaseTime + n/EventsPerSecond seconds.
	EventsPerSecond int

	// Of every PersonProportion+AuctionProportion+BidProportion events,
	// that many are people, auctions and bids, in that order.
	PersonProportion, AuctionProportion, BidProportion int

	// One in HotAuctionRatio bids goes to any auction in flight, the rest
	// to the current hot auction; the same for bidders and sellers.
	HotAuctionRatio, HotBiddersRatio, HotSellersRatio int

	// ActivePeople bounds the people a non-hot bidder or seller is drawn
	// from (the most recent ones); InFlightAuctions the auctions a non-hot
	// bid is drawn from.
	ActivePeople, InFlightAuctions int

	// Average encoded sizes the extra field pads each kind towards.
	AvgPersonBytes, AvgAuctionBytes, AvgBidBytes int
}

// Defaults returns Nexmark's default configuration: proportions 1:3:46,
// hot ratios 2 (auctions), 4 (bidders), 4 (sellers), 1000 active people,
// 100 auctions in flight, 10,000 events per second of event time, and
// average sizes of 200, 500 and 100 bytes.
func Defaults() Config {
	return Config{
		EventsPerSecond:  10_000,
		PersonProportion: 1, AuctionProportion: 3, BidProportion: 46,
		HotAuctionRatio: 2, HotBiddersRatio: 4, HotSellersRatio: 4,
		ActivePeople: 1000, InFlightAuctions: 100,
		AvgPersonBytes: 200, AvgAuctionBytes: 500, AvgBidBytes: 100,
	}
}

// Ids start above zero so that small runs still find matches, as
// Nexmark's do; the hot groups are blocks of this many ids.
const (
	FirstPersonID   = 1000
	FirstAuctionID  = 1000
	FirstCategoryID = 10
	NumCategories   = 5
	hotBlock        = 100
	// idLead lets a bid or auction name a person or auction a few ids
	// ahead of the last one created, so joins see it arrive later.
	idLead = 10
)

// Person is a new person event.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64 // epoch ms
	Extra        string
}

// Auction is a new auction event.
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	InitialBid  int64 // cents
	Reserve     int64 // cents
	DateTime    int64 // epoch ms
	Expires     int64 // epoch ms
	Seller      int64
	Category    int64
	Extra       string
}

// Bid is a bid event.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64 // cents
	Channel  string
	URL      string
	DateTime int64 // epoch ms
	Extra    string
}

// Event is one generated event; Kind says which of the three is set.
type Event struct {
	Kind    Kind
	Person  Person
	Auction Auction
	Bid     Bid
}

// Time returns the event's time.
func (e *Event) Time() int64 {
	switch e.Kind {
	case PersonKind:
		return e.Person.DateTime
	case AuctionKind:
		return e.Auction.DateTime
	}
	return e.Bid.DateTime
}

// Generator produces events for one Config. It is not safe for concurrent
// use (it reuses one random source); make one per goroutine.
type Generator struct {
	cfg   Config
	total int64
	pcg   *rand.PCG
	rng   *rand.Rand
	// pad is a block of random letters the extra fields are cut from,
	// which keeps padding cheap.
	pad string
	// hotURLs belong to the hot channels; channelURLs to the others.
	hotURLs                   [len(hotChannels)]string
	channelNames, channelURLs []string
}

// Nexmark's hot channels; the other bids come from numChannels channels
// named channel-<n>.
var hotChannels = [...]string{"Google", "Facebook", "Baidu", "Apple"}

const numChannels = 10_000

// The value lists are kept short, as Nexmark's are, so that queries
// filtering on them match on small runs.
var (
	usStates   = [...]string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = [...]string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = [...]string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = [...]string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
)

// New returns a generator for cfg.
func New(cfg Config) (*Generator, error) {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"EventsPerSecond", cfg.EventsPerSecond}, {"PersonProportion", cfg.PersonProportion},
		{"AuctionProportion", cfg.AuctionProportion}, {"BidProportion", cfg.BidProportion},
		{"HotAuctionRatio", cfg.HotAuctionRatio}, {"HotBiddersRatio", cfg.HotBiddersRatio},
		{"HotSellersRatio", cfg.HotSellersRatio}, {"ActivePeople", cfg.ActivePeople},
		{"InFlightAuctions", cfg.InFlightAuctions},
	} {
		if f.v <= 0 {
			return nil, fmt.Errorf("nexmark: %s is %d, want a positive number", f.name, f.v)
		}
	}
	g := &Generator{cfg: cfg, total: int64(cfg.PersonProportion + cfg.AuctionProportion + cfg.BidProportion)}
	g.pcg = rand.NewPCG(0, 0)
	g.rng = rand.New(g.pcg)
	// Fixed parts come from a stream of their own (sequence number
	// MaxUint64 is never an event number).
	g.pcg.Seed(cfg.Seed, math.MaxUint64)
	pad := make([]byte, 64<<10)
	for i := range pad {
		pad[i] = byte('a' + g.rng.IntN(26))
	}
	g.pad = string(pad)
	for i := range g.hotURLs {
		g.hotURLs[i] = g.baseURL()
	}
	g.channelNames, g.channelURLs = make([]string, numChannels), make([]string, numChannels)
	for i := range g.channelURLs {
		g.channelNames[i] = "channel-" + strconv.Itoa(i)
		u := g.baseURL()
		if g.rng.IntN(10) > 0 {
			u += "&channel_id=" + strconv.Itoa(i)
		}
		g.channelURLs[i] = u
	}
	return g, nil
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.cfg }

// KindOf returns the kind of event n.
func (g *Generator) KindOf(n int64) Kind {
	switch r := n % g.total; {
	case r < int64(g.cfg.PersonProportion):
		return PersonKind
	case r < int64(g.cfg.PersonProportion+g.cfg.AuctionProportion):
		return AuctionKind
	}
	return BidKind
}

// EventNumber returns the event number of the i-th (from 0) event of
// kind k.
func (g *Generator) EventNumber(k Kind, i int64) int64 {
	per, skip := int64(g.cfg.PersonProportion), int64(0)
	switch k {
	case AuctionKind:
		per, skip = int64(g.cfg.AuctionProportion), int64(g.cfg.PersonProportion)
	case BidKind:
		per, skip = int64(g.cfg.BidProportion), int64(g.cfg.PersonProportion+g.cfg.AuctionProportion)
	}
	return i/per*g.total + skip + i%per
}

// Count returns how many of the events 0..n-1 are of kind k.
func (g *Generator) Count(k Kind, n int64) int64 {
	lo, per := int64(0), int64(g.cfg.PersonProportion)
	switch k {
	case AuctionKind:
		lo, per = int64(g.cfg.PersonProportion), int64(g.cfg.AuctionProportion)
	case BidKind:
		lo, per = int64(g.cfg.PersonProportion+g.cfg.AuctionProportion), int64(g.cfg.BidProportion)
	}
	full, rest := n/g.total, n%g.total
	return full*per + min(max(rest-lo, 0), per)
}

// TimeOf returns the event time of event n.
func (g *Generator) TimeOf(n int64) int64 {
	return g.cfg.BaseTime + n*1000/int64(g.cfg.EventsPerSecond)
}

// lastPerson returns the base-0 id of the newest person as of event n:
// the one event n creates when it is a person.
func (g *Generator) lastPerson(n int64) int64 {
	epoch, off := n/g.total, n%g.total
	pp := int64(g.cfg.PersonProportion)
	if off >= pp {
		off = pp - 1
	}
	return epoch*pp + off
}

// lastAuction returns the base-0 id of the newest auction as of event n
// (the one it creates when it is an auction); -1 before the first.
func (g *Generator) lastAuction(n int64) int64 {
	epoch, off := n/g.total, n%g.total
	pp, ap := int64(g.cfg.PersonProportion), int64(g.cfg.AuctionProportion)
	switch {
	case off < pp:
		epoch--
		off = ap - 1
	case off >= pp+ap:
		off = ap - 1
	default:
		off -= pp
	}
	return epoch*ap + off
}

// anyActivePerson draws a base-0 person id among the active people as of
// event n, or a few ahead of the newest.
func (g *Generator) anyActivePerson(n int64) int64 {
	people := g.lastPerson(n) + 1
	active := min(people, int64(g.cfg.ActivePeople))
	return people - active + g.rng.Int64N(active+idLead)
}

// anyInFlightAuction draws a base-0 auction id among the auctions in
// flight as of event n, or a few ahead of the newest.
func (g *Generator) anyInFlightAuction(n int64) int64 {
	last := g.lastAuction(n)
	lo := max(last-int64(g.cfg.InFlightAuctions), 0)
	return lo + g.rng.Int64N(last-lo+1+idLead)
}

// price draws a price in cents, log-uniform from $1 to $1,000,000.
func (g *Generator) price() int64 {
	return int64(math.Round(math.Pow(10, g.rng.Float64()*6) * 100))
}

// word returns a random string of 3 to maxLen-1 letters with the odd
// sep (spaces for names, underscores for URL parts), trimmed.
func (g *Generator) word(maxLen int, sep byte) string {
	n := 3 + g.rng.IntN(maxLen-3)
	b := make([]byte, n)
	for i := range b {
		if g.rng.IntN(13) == 0 {
			b[i] = sep
		} else {
			b[i] = byte('a' + g.rng.IntN(26))
		}
	}
	lo, hi := 0, len(b)
	for lo < hi && b[lo] == ' ' {
		lo++
	}
	for hi > lo && b[hi-1] == ' ' {
		hi--
	}
	return string(b[lo:hi])
}

// extra pads an event of size bytes towards avg bytes on average (±20%).
func (g *Generator) extra(size, avg int) string {
	if size >= avg {
		return ""
	}
	want := avg - size
	delta := int(math.Round(float64(want) * 0.2))
	n := want - delta
	if delta > 0 {
		n += g.rng.IntN(2 * delta)
	}
	n = min(n, len(g.pad))
	off := g.rng.IntN(len(g.pad) - n + 1)
	return g.pad[off : off+n]
}

func (g *Generator) baseURL() string {
	return "https://www.nexmark.com/" + g.word(5, '_') + "/" + g.word(5, '_') + "/" + g.word(5, '_') + "/item.htm?query=1"
}

// Event fills e with event n.
func (g *Generator) Event(n int64, e *Event) {
	g.pcg.Seed(g.cfg.Seed, uint64(n))
	ts := g.TimeOf(n)
	e.Kind = g.KindOf(n)
	switch e.Kind {
	case PersonKind:
		g.person(n, ts, &e.Person)
	case AuctionKind:
		g.auction(n, ts, &e.Auction)
	default:
		g.bid(n, ts, &e.Bid)
	}
}

func (g *Generator) person(n, ts int64, p *Person) {
	p.ID = g.lastPerson(n) + FirstPersonID
	p.Name = firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
	p.EmailAddress = g.word(7, ' ') + "@" + g.word(5, ' ') + ".com"
	cc := make([]byte, 0, 19)
	for i := range 4 {
		if i > 0 {
			cc = append(cc, ' ')
		}
		d := g.rng.IntN(10000)
		cc = append(cc, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
	}
	p.CreditCard = string(cc)
	p.City = usCities[g.rng.IntN(len(usCities))]
	p.State = usStates[g.rng.IntN(len(usStates))]
	p.DateTime = ts
	p.Extra = g.extra(8+len(p.Name)+len(p.EmailAddress)+len(p.CreditCard)+len(p.City)+len(p.State), g.cfg.AvgPersonBytes)
}

func (g *Generator) auction(n, ts int64, a *Auction) {
	a.ID = g.lastAuction(n) + FirstAuctionID
	if g.rng.IntN(g.cfg.HotSellersRatio) > 0 {
		// The first person of the newest block of people.
		a.Seller = g.lastPerson(n) / hotBlock * hotBlock
	} else {
		a.Seller = g.anyActivePerson(n)
	}
	a.Seller += FirstPersonID
	a.Category = FirstCategoryID + int64(g.rng.IntN(NumCategories))
	a.InitialBid = g.price()
	// Auctions last twice, on average, the time it takes for
	// InFlightAuctions more auctions to open.
	horizon := int64(g.cfg.InFlightAuctions) * g.total / int64(g.cfg.AuctionProportion) * 1000 / int64(g.cfg.EventsPerSecond)
	a.Expires = ts + 1 + g.rng.Int64N(max(2*horizon, 1))
	a.ItemName = g.word(20, ' ')
	a.Description = g.word(100, ' ')
	a.Reserve = a.InitialBid + g.price()
	a.DateTime = ts
	a.Extra = g.extra(8+len(a.ItemName)+len(a.Description)+5*8, g.cfg.AvgAuctionBytes)
}

func (g *Generator) bid(n, ts int64, b *Bid) {
	if g.rng.IntN(g.cfg.HotAuctionRatio) > 0 {
		// The first auction of the newest block of auctions.
		b.Auction = g.lastAuction(n) / hotBlock * hotBlock
	} else {
		b.Auction = g.anyInFlightAuction(n)
	}
	b.Auction += FirstAuctionID
	if g.rng.IntN(g.cfg.HotBiddersRatio) > 0 {
		// The second person of the newest block, so that hot bidders are
		// not the hot sellers.
		b.Bidder = g.lastPerson(n)/hotBlock*hotBlock + 1
	} else {
		b.Bidder = g.anyActivePerson(n)
	}
	b.Bidder += FirstPersonID
	b.Price = g.price()
	if g.rng.IntN(2) > 0 {
		i := g.rng.IntN(len(hotChannels))
		b.Channel, b.URL = hotChannels[i], g.hotURLs[i]
	} else {
		i := g.rng.IntN(numChannels)
		b.Channel, b.URL = g.channelNames[i], g.channelURLs[i]
	}
	b.DateTime = ts
	b.Extra = g.extra(4*8, g.cfg.AvgBidBytes)
}

// Package nexmark is a runnable example: Nexmark's people, auctions and
// bids from the data generator, with a test that runs its SQL end to end.
package nexmark

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/datagen/nexmark"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/sql"
)

func TestNexmarkFlow(t *testing.T) {
	ctx := context.Background()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	datagen.Register(plugins)
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, Connectors: plugins})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	script, err := os.ReadFile("nexmark.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := sql.SplitStatements(string(script))
	for _, st := range stmts {
		if strings.HasPrefix(strings.TrimSpace(stripComments(st)), "SET ") {
			continue // a session property: passed below, as the shell does
		}
		if _, err := eng.Execute(ctx, st, map[string]string{"auto.offset.reset": "earliest"}); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}

	// q2 must hold exactly the generator's bids on every 123rd auction.
	cfg := nexmark.Defaults()
	cfg.Seed = 42
	g, err := nexmark.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const bids = 92_000
	want := map[[2]int64]int{}
	var ev nexmark.Event
	wantN := 0
	for i := range int64(bids) {
		g.Event(g.EventNumber(nexmark.BidKind, i), &ev)
		if ev.Bid.Auction%123 == 0 {
			want[[2]int64{ev.Bid.Auction, ev.Bid.Price}]++
			wantN++
		}
	}
	count := func(topic string) int64 {
		ends, err := cl.EndOffsets(ctx, topic)
		if err != nil {
			return -1
		}
		var n int64
		for _, e := range ends {
			n += e
		}
		return n
	}
	waitFor(t, "q2's output", func() bool { return count("BID_123") >= int64(wantN) })
	recs, err := cl.ReadAll(ctx, "BID_123")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != wantN || wantN == 0 {
		t.Fatalf("q2 wrote %d bids, want %d", len(recs), wantN)
	}
	for _, r := range recs {
		var v struct{ PRICE int64 }
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		k := [2]int64{int64(binary.BigEndian.Uint64(r.Key)), v.PRICE}
		if want[k] == 0 {
			t.Fatalf("q2 wrote a bid of %d on auction %d the generator did not make", k[1], k[0])
		}
		want[k]--
	}

	// The hopping windows count every bid in five windows: the last count
	// of each window adds up to five times the bids.
	waitFor(t, "every bid in the hopping count", func() bool {
		recs, err := cl.ReadAll(ctx, "BIDS_PER_AUCTION")
		if err != nil {
			return false
		}
		last := map[string]int64{}
		for _, r := range recs {
			var v struct{ NUM int64 }
			if json.Unmarshal(r.Value, &v) == nil {
				last[string(r.Key)] = v.NUM
			}
		}
		var sum int64
		for _, n := range last {
			sum += n
		}
		return sum == 5*bids
	})
	if errs := eng.QueryErrors(); len(errs) > 0 {
		t.Fatal(errs)
	}
}

func stripComments(st string) string {
	var b strings.Builder
	for _, l := range strings.Split(st, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within two minutes", what)
		}
	}
}

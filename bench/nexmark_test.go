package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// defaultNexmarkEvents is how many Nexmark events `make bench` generates
// unless EDDY_BENCH_NEXMARK_EVENTS says otherwise: 10k people, 30k
// auctions and 460k bids, 50 s of event time.
const defaultNexmarkEvents = 500_000

// nexmarkPartitions is the partition count of the three input topics.
const nexmarkPartitions = 2

// ratioPairs is how many copy/query pairs a query with a goal relative to
// the copy runs per iteration: one pair's ratio moved by ±10% between
// runs (the copy's own rate varies that much), and the goal is judged on
// the sums of the pairs' events and CPU.
const ratioPairs = 5

// nexmarkPoll is how often a run asks whether its group is done: three
// admin requests, whose CPU lands in the figure, so rarer than
// pollInterval; runs last seconds.
const nexmarkPoll = 25 * time.Millisecond

// measured is one timed run: the input events it read, wall and CPU time.
type measured struct {
	events int
	usage
}

// usage is what a timed run cost: wall and process CPU time, and the GC
// cycles, allocations and page faults that fell into it (a run lasts a
// fraction of a second, so one GC cycle more or less, or thousands of
// page faults of a heap growing into memory the scavenger returned,
// move its figure).
type usage struct {
	wall, cpu                time.Duration
	gcs                      uint32
	allocBytes               uint64
	minorFaults, majorFaults int64
	reads, writes            int64 // read and write system calls (/proc/self/io)
	switches                 int64 // voluntary and involuntary context switches
}

func (u *usage) add(o usage) {
	u.wall += o.wall
	u.cpu += o.cpu
	u.gcs += o.gcs
	u.allocBytes += o.allocBytes
	u.minorFaults += o.minorFaults
	u.majorFaults += o.majorFaults
	u.reads += o.reads
	u.writes += o.writes
	u.switches += o.switches
}

func (u usage) String() string {
	return fmt.Sprintf("%v wall, %v CPU, %d GC cycles, %.1f MB allocated, %d minor and %d major page faults, %d reads, %d writes, %d context switches",
		u.wall.Round(time.Millisecond), u.cpu.Round(time.Millisecond), u.gcs, float64(u.allocBytes)/1e6, u.minorFaults, u.majorFaults,
		u.reads, u.writes, u.switches)
}

func (m measured) perCPU() float64  { return float64(m.events) / m.cpu.Seconds() }
func (m measured) perWall() float64 { return float64(m.events) / m.wall.Seconds() }

// BenchmarkNexmark runs the Nexmark queries ksqlDB's SQL can express over
// generated people, auctions and bids (EDDY_BENCH_NEXMARK_EVENTS, default
// 500k events; JSON, two partitions) on one embedded broker. Beside each
// query it runs a plain consume→produce copy of the same input topics.
// Both are timed from their start until their consumer group has
// committed the whole input (so every output is acknowledged), and CPU is
// the whole process's user+system time over the run (getrusage) — broker,
// engine and clients, as an `eddy` process running its embedded broker
// would spend. Each query's output is checked against what the generator
// says it must be. A query whose goal is relative to the copy (q0–q2)
// runs ratioPairs alternating copy/query pairs per iteration, and its
// figures are the pairs' summed events over their summed CPU. The table
// it logs is the one in docs/performance.md.
// With EDDY_BENCH_RUNSTATS set it also logs each run's figure with the GC
// cycles, allocated bytes and page faults that fell into it.
func BenchmarkNexmark(b *testing.B) {
	n, err := intFromEnv("EDDY_BENCH_NEXMARK_EVENTS", defaultNexmarkEvents)
	if err != nil {
		b.Fatal(err)
	}
	runStats := os.Getenv("EDDY_BENCH_RUNSTATS") != ""
	ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
	defer cancel()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: b.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: "bench-load", Compression: nexmarkCompression()})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	offs, err := DialOffsets(emb.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer offs.Close()

	d, err := GenerateNexmark(n)
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range []string{NexmarkPersonTopic, NexmarkAuctionTopic, NexmarkBidTopic} {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: t, Partitions: nexmarkPartitions, Replicas: 1}); err != nil {
			b.Fatal(err)
		}
		if _, err := Load(ctx, cl, Workload{Records: d.Records[t]}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d events: %d people, %d auctions, %d bids (JSON values of %d, %d and %d bytes on average)",
		n, len(d.Persons), len(d.Auctions), len(d.Bids),
		d.Bytes[NexmarkPersonTopic]/max(len(d.Persons), 1), d.Bytes[NexmarkAuctionTopic]/max(len(d.Auctions), 1), d.Bytes[NexmarkBidTopic]/max(len(d.Bids), 1))

	// One untimed copy of everything first: the first copy after the load
	// ran at about half the rate of the later ones (the broker's and the
	// client's first reads of the data), which flattered q0's ratio.
	if _, err := nexmarkCopy(ctx, emb.Addr(), offs, d, []string{NexmarkPersonTopic, NexmarkAuctionTopic, NexmarkBidTopic}, 0); err != nil {
		b.Fatal(err)
	}
	// And one untimed run of the first query: the first engine of the
	// process, and the first copy after it, grew the process's heap into
	// fresh pages (17,000–38,000 minor page faults against a few dozen in
	// the later runs) and cost up to a third more CPU, a start-up cost a
	// running server has paid long before, charged at random to q0's
	// first pair.
	if _, _, err := nexmarkRun(ctx, b, emb.Addr(), offs, cl, d, NexmarkQueries[0], 0); err != nil {
		b.Fatal(err)
	}
	type row struct {
		q           NexmarkQuery
		query, copy measured
		out, runs   int
	}
	var rows []row
	seq := 0
	for _, q := range NexmarkQueries {
		b.Run(q.Name, func(b *testing.B) {
			var r row
			r.q = q
			pairs := 1
			if q.CopyGoal > 0 {
				pairs = ratioPairs
			}
			for b.Loop() {
				for range pairs {
					seq++
					c, err := nexmarkCopy(ctx, emb.Addr(), offs, d, q.Inputs, seq)
					if err != nil {
						b.Fatal(err)
					}
					m, out, err := nexmarkRun(ctx, b, emb.Addr(), offs, cl, d, q, seq)
					if err != nil {
						b.Fatal(err)
					}
					r.copy.events += c.events
					r.copy.add(c.usage)
					r.query.events += m.events
					r.query.add(m.usage)
					r.out = out
					r.runs++
					if runStats {
						b.Logf("%s run %d: %.0fk events/CPU-s: %v; its copy: %.0fk events/CPU-s: %v",
							q.Name, seq, m.perCPU()/1000, m.usage, c.perCPU()/1000, c.usage)
					}
				}
			}
			if q.Name == "q3" {
				b.Logf("q3 joined %d of the %d auctions whose seller is in the people topic", r.out, Q3Possible(d))
			}
			b.ReportMetric(r.query.perCPU(), "events/CPU-s")
			b.ReportMetric(r.query.perWall(), "events/s")
			b.ReportMetric(r.query.perCPU()/r.copy.perCPU(), "x-copy")
			rows = append(rows, r)
		})
	}
	if len(rows) == 0 {
		return
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\nNexmark, %d events (%d people, %d auctions, %d bids), JSON, %d partitions, one embedded broker\n",
		n, len(d.Persons), len(d.Auctions), len(d.Bids), nexmarkPartitions)
	fmt.Fprintf(&t, "| query | what | input events | output records | events/CPU-s | events/s | copy events/CPU-s | copy events/s | ÷ copy (CPU) | goal | met |\n")
	fmt.Fprintf(&t, "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
	for _, r := range rows {
		ratio := r.query.perCPU() / r.copy.perCPU()
		goal := fmt.Sprintf("≥ %.0fk/CPU-s", r.q.Goal/1000)
		met := r.query.perCPU() >= r.q.Goal
		if r.q.CopyGoal > 0 {
			goal += fmt.Sprintf(", ≥ %.1f × copy", r.q.CopyGoal)
			met = met && ratio >= r.q.CopyGoal
		}
		yes := "no"
		if met {
			yes = "yes"
		}
		fmt.Fprintf(&t, "| %s | %s | %d | %d | %.0fk | %.0fk | %.0fk | %.0fk | %.2f | %s | %s |\n",
			r.q.Name, r.q.About, r.query.events/max(r.runs, 1), r.out, r.query.perCPU()/1000, r.query.perWall()/1000,
			r.copy.perCPU()/1000, r.copy.perWall()/1000, ratio, goal, yes)
	}
	b.Log(t.String())
}

// nexmarkCompression is the compression.type of the loader, the copy and
// the engine: EDDY_BENCH_COMPRESSION, else eddy's default (none).
func nexmarkCompression() string { return os.Getenv("EDDY_BENCH_COMPRESSION") }

// nexmarkEngineOptions are a run's engine options: state in memory, or
// with EDDY_BENCH_STATE_STORE=pebble in Pebble stores under a temporary
// directory (ksql.state.store, as `eddy --state-store pebble`).
func nexmarkEngineOptions(b *testing.B, cl kafka.Cluster, sid string) engine.Options {
	opts := engine.Options{Cluster: cl, ServiceID: sid, Logf: b.Logf}
	if kind := os.Getenv("EDDY_BENCH_STATE_STORE"); kind != "" {
		opts.StateDir = b.TempDir()
		opts.Config = map[string]string{engine.StateStoreProperty: kind}
	}
	return opts
}

// cpuRun times fn in wall and process CPU time. It collects garbage
// first, so that the previous phase's (loading, checking the last
// output) does not land on fn's CPU time, and only then starts the CPU
// profile named profile (see StartProfile; "" for none), which so shows
// fn alone.
func cpuRun(profile string, fn func() error) (usage, error) {
	goruntime.GC()
	stop := func() error { return nil }
	if profile != "" {
		var err error
		if stop, err = StartProfile(profile); err != nil {
			return usage{}, err
		}
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	gc0, alloc0, ru0, r0, w0 := ms.NumGC, ms.TotalAlloc, rusage(), ioCalls("syscr"), ioCalls("syscw")
	start := time.Now()
	err := fn()
	wall, ru, r1, w1 := time.Since(start), rusage(), ioCalls("syscr"), ioCalls("syscw")
	goruntime.ReadMemStats(&ms)
	if perr := stop(); err == nil {
		err = perr
	}
	return usage{
		wall:        wall,
		cpu:         time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()),
		gcs:         ms.NumGC - gc0,
		allocBytes:  ms.TotalAlloc - alloc0,
		minorFaults: ru.Minflt - ru0.Minflt,
		majorFaults: ru.Majflt - ru0.Majflt,
		reads:       r1 - r0,
		writes:      w1 - w0,
		switches:    ru.Nvcsw + ru.Nivcsw - ru0.Nvcsw - ru0.Nivcsw,
	}, err
}

// ioCalls is the process's count of read (field "syscr") or write
// ("syscw") system calls from /proc/self/io, 0 where that is missing:
// each costs a few microseconds, so a run that needs more of them per
// event shows it here.
func ioCalls(field string) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+": "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func rusage() syscall.Rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // cannot fail for RUSAGE_SELF
	return ru
}

// waitDone polls done every nexmarkPoll until it holds, alive fails or
// ctx ends.
func waitDone(ctx context.Context, done func() (bool, error), alive func() error) error {
	for {
		ok, err := done()
		if err == nil && ok {
			return nil
		}
		if aerr := alive(); aerr != nil {
			return aerr
		}
		if ctx.Err() != nil {
			return fmt.Errorf("not done (last error %v): %w", err, ctx.Err())
		}
		time.Sleep(nexmarkPoll)
	}
}

func inputEvents(d *NexmarkData, topics []string) int {
	n := 0
	for _, t := range topics {
		n += d.Events(t)
	}
	return n
}

// nexmarkCopy copies the input topics once, with a client of its own,
// and checks that every record arrived.
func nexmarkCopy(ctx context.Context, addr string, offs *Offsets, d *NexmarkData, topics []string, seq int) (measured, error) {
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{addr}, ClientID: "bench-copy", Compression: nexmarkCompression()})
	if err != nil {
		return measured{}, err
	}
	defer cl.Close()
	suffix := fmt.Sprintf("_copy%d", seq)
	for _, t := range topics {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: t + suffix, Partitions: nexmarkPartitions, Replicas: 1}); err != nil {
			return measured{}, err
		}
	}
	group := "bench_copy" + suffix
	var sub kafka.Subscription
	u, err := cpuRun(fmt.Sprintf("nexmark-copy%s", suffix), func() error {
		var err error
		if sub, _, err = StartMultiCopy(ctx, cl, group, suffix, topics); err != nil {
			return err
		}
		return waitDone(ctx, func() (bool, error) { return offs.GroupDone(ctx, group, group, topics) }, SubAlive(sub))
	})
	if sub != nil {
		if cerr := sub.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return measured{}, fmt.Errorf("copy %v: %w", topics, err)
	}
	for _, t := range topics {
		got, err := offs.End(ctx, t+suffix)
		if err != nil {
			return measured{}, err
		}
		if got != int64(d.Events(t)) {
			return measured{}, fmt.Errorf("copy of %s has %d records, want %d", t, got, d.Events(t))
		}
		if err := cl.DeleteTopic(ctx, t+suffix); err != nil {
			return measured{}, err
		}
	}
	return measured{events: inputEvents(d, topics), usage: u}, nil
}

// nexmarkRun runs query q once in a fresh engine with a client of its
// own, checks its output, and deletes the topics it made.
func nexmarkRun(ctx context.Context, b *testing.B, addr string, offs *Offsets, admin *kafka.Client, d *NexmarkData, q NexmarkQuery, seq int) (measured, int, error) {
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{addr}, ClientID: "bench-" + q.Name, Compression: nexmarkCompression()})
	if err != nil {
		return measured{}, 0, err
	}
	defer cl.Close()
	sid := fmt.Sprintf("nx_%s_%d_", q.Name, seq)
	eng, err := engine.New(ctx, nexmarkEngineOptions(b, cl, sid))
	if err != nil {
		return measured{}, 0, err
	}
	defer eng.Close()
	if _, err := eng.Execute(ctx, NexmarkDDL, nil); err != nil {
		return measured{}, 0, err
	}
	out := sid + "out"
	stmt := strings.Replace(q.SQL, "'OUT'", "'"+out+"'", 1)
	var group, prefix string
	u, err := cpuRun(fmt.Sprintf("nexmark-%s-%d", q.Name, seq), func() error {
		if _, err := eng.Execute(ctx, stmt, earliest()); err != nil {
			return err
		}
		stats := eng.QueryStats()
		if len(stats) != 1 {
			return fmt.Errorf("%d queries running, want 1", len(stats))
		}
		prefix = "_confluent-ksql-" + sid + "query_" + stats[0].ID
		group = prefix
		return waitDone(ctx, func() (bool, error) { return offs.GroupDone(ctx, group, prefix, q.Streams) },
			func() error { return errors.Join(eng.QueryErrors()...) })
	})
	if err != nil {
		return measured{}, 0, fmt.Errorf("%s: %w", q.Name, err)
	}
	for _, s := range eng.QueryStats() {
		if s.ProcessingErrors > 0 {
			return measured{}, 0, fmt.Errorf("%s: %d records went to the processing log", q.Name, s.ProcessingErrors)
		}
	}
	if err := eng.Close(); err != nil {
		return measured{}, 0, err
	}
	recs, err := admin.ReadAll(ctx, out)
	if err != nil {
		return measured{}, 0, err
	}
	if err := q.Check(d, recs); err != nil {
		return measured{}, 0, fmt.Errorf("%s output: %w", q.Name, err)
	}
	// The next queries need the memory the output and internal topics
	// hold in the embedded broker.
	topics, err := admin.Topics(ctx)
	if err != nil {
		return measured{}, 0, err
	}
	for _, t := range topics {
		if t.Name == out || strings.HasPrefix(t.Name, "_confluent-ksql-"+sid) {
			if err := admin.DeleteTopic(ctx, t.Name); err != nil {
				return measured{}, 0, err
			}
		}
	}
	return measured{events: inputEvents(d, q.Inputs), usage: u}, len(recs), nil
}

// TestNexmarkChecks runs every Nexmark query over the in-memory cluster on
// a small workload and checks that its checker accepts the output and
// rejects it without the records of one key, so that a benchmark failure means
// the engine, not the checker.
func TestNexmarkChecks(t *testing.T) {
	d, err := GenerateNexmark(40_000)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, q := range NexmarkQueries {
		t.Run(q.Name, func(t *testing.T) {
			mc := kafka.NewMemCluster(kafka.MemOptions{})
			defer mc.Close()
			for _, topic := range []string{NexmarkPersonTopic, NexmarkAuctionTopic, NexmarkBidTopic} {
				if err := mc.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: nexmarkPartitions, Replicas: 1}); err != nil {
					t.Fatal(err)
				}
				if err := mc.Produce(ctx, d.Records[topic]...); err != nil {
					t.Fatal(err)
				}
			}
			eng, err := engine.New(ctx, engine.Options{Cluster: mc, ServiceID: "nx_"})
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			if _, err := eng.Execute(ctx, NexmarkDDL, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Execute(ctx, strings.Replace(q.SQL, "'OUT'", "'out'", 1), earliest()); err != nil {
				t.Fatal(err)
			}
			// Check once the output stops growing between two polls.
			var recs []kafka.Record
			var checkErr error
			seen := -1
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if errs := eng.QueryErrors(); len(errs) > 0 {
					t.Fatal(errors.Join(errs...))
				}
				recs, err = mc.ReadAll(ctx, "out")
				if err == nil && len(recs) == seen {
					if checkErr = q.Check(d, recs); checkErr == nil {
						break
					}
				}
				seen = len(recs)
				if time.Now().After(deadline) {
					t.Fatalf("output of %d records: %v %v", len(recs), err, checkErr)
				}
				time.Sleep(200 * time.Millisecond)
			}
			// Without the records of one key (for a table: its row), the
			// check must fail.
			last := string(recs[len(recs)-1].Key)
			var fewer []kafka.Record
			for _, r := range recs {
				if string(r.Key) != last {
					fewer = append(fewer, r)
				}
			}
			if q.Name == "q3" {
				// q3 checks each row, not the count: give one row another
				// seller's name.
				fewer = slices.Clone(recs)
				fewer[0].Value = bytes.Replace(fewer[0].Value, []byte(`"NAME":"`), []byte(`"NAME":"X`), 1)
			}
			if err := q.Check(d, fewer); err == nil {
				t.Errorf("the check accepts the output without the records of one key")
			}
		})
	}
}

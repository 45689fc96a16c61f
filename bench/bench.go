// Package bench holds eddy's end-to-end throughput benchmarks (`make
// bench`): a persistent filter+projection query against a plain
// consume→produce copy of the same records, on the same embedded broker in
// the same run, plus per-record micro-benchmarks over the in-memory
// cluster. This file has the workload and the helpers; the benchmarks are
// in bench_test.go and run only with -bench.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultRecords is how many input records a run produces unless
// EDDY_BENCH_RECORDS says otherwise.
const DefaultRecords = 200_000

// RecordsFromEnv returns EDDY_BENCH_RECORDS, or def when it is unset.
func RecordsFromEnv(def int) (int, error) { return intFromEnv("EDDY_BENCH_RECORDS", def) }

// intFromEnv returns a positive integer environment variable (underscores
// allowed as separators), or def when it is unset.
func intFromEnv(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, s)
	}
	return n, nil
}

// StartProfile starts a CPU profile of one timed run when
// EDDY_BENCH_CPUPROFILE names a directory, writing it to name.pprof there;
// otherwise it does nothing. The returned stop ends the profile.
func StartProfile(name string) (stop func() error, err error) {
	dir := os.Getenv("EDDY_BENCH_CPUPROFILE")
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	path := filepath.Join(dir, name+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", name, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, errors.Join(fmt.Errorf("profile %s: %w", name, err), f.Close())
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("profile %s: %w", path, err)
		}
		return nil
	}, nil
}

// SourceDDL declares the input stream over topic.
func SourceDDL(topic string) string {
	return "CREATE STREAM SRC (K STRING KEY, ID BIGINT, NAME STRING, AMOUNT DOUBLE, CITY STRING, ACTIVE BOOLEAN, TS BIGINT) " +
		"WITH (KAFKA_TOPIC='" + topic + "', VALUE_FORMAT='JSON');"
}

// QuerySQL is the measured persistent query: a filter that passes about a
// third of the rows and a projection with a string function and
// arithmetic. With filter false it projects every row.
func QuerySQL(topic string, filter bool) string {
	q := "CREATE STREAM OUT WITH (KAFKA_TOPIC='" + topic + "') AS " +
		"SELECT K, ID, UCASE(NAME) AS NAME, AMOUNT * 2 AS AMOUNT2 FROM SRC"
	if filter {
		q += " WHERE ACTIVE AND AMOUNT > 10"
	}
	return q + ";"
}

// Row is one generated input row.
type Row struct {
	Key    string
	ID     int64
	Name   string
	Amount float64
	City   string
	Active bool
	TS     int64
}

var cities = [...]string{
	"San Francisco, California, United States",
	"Rio de Janeiro, State of Rio de Janeiro, Brazil",
	"Llanfairpwllgwyngyll, Anglesey, Wales, United Kingdom",
	"Ho Chi Minh City, Southeast Region, Vietnam",
	"Saint-Jean-sur-Richelieu, Quebec, Canada",
}

// MakeRow returns row i of the workload; it is deterministic. Every third
// row is inactive and AMOUNT cycles through 0.00..19.99, so about a third
// of the rows pass ACTIVE AND AMOUNT > 10.
func MakeRow(i int) Row {
	return Row{
		Key:    fmt.Sprintf("user_%05d", i%10_000),
		ID:     int64(i),
		Name:   fmt.Sprintf("customer_%07d_%s", i, "premium_account_holder"[:10+i%12]),
		Amount: float64(i%2000) / 100,
		City:   cities[i%len(cities)],
		Active: i%3 != 0,
		TS:     1_700_000_000_000 + int64(i),
	}
}

// Passes reports whether the row passes the query's WHERE clause.
func (r Row) Passes() bool { return r.Active && r.Amount > 10 }

// Value is the row's JSON value (≈200 bytes, six mixed columns plus a
// field the stream does not declare).
func (r Row) Value() []byte {
	return fmt.Appendf(nil,
		`{"ID":%d,"NAME":%q,"AMOUNT":%s,"CITY":%q,"ACTIVE":%t,"TS":%d,"NOTE":"ref-%08x-%08x-%08x"}`,
		r.ID, r.Name, strconv.FormatFloat(r.Amount, 'f', -1, 64), r.City, r.Active, r.TS,
		uint32(r.ID)*2654435761, uint32(r.ID)*40503, uint32(r.ID)^0x5bd1e995)
}

// Workload is a generated input: records ready to produce and how many
// of them the query's filter passes.
type Workload struct {
	Records    []kafka.Record
	Pass       int
	ValueBytes int // total value bytes
}

// Generate builds n input records for topic.
func Generate(topic string, n int) Workload {
	w := Workload{Records: make([]kafka.Record, n)}
	for i := range w.Records {
		r := MakeRow(i)
		v := r.Value()
		w.Records[i] = kafka.Record{Topic: topic, Partition: -1, Key: []byte(r.Key), Value: v, Timestamp: r.TS}
		w.ValueBytes += len(v)
		if r.Passes() {
			w.Pass++
		}
	}
	return w
}

// Load produces the workload's records to their topic in chunks and
// returns the produce rate in records/s. Produce fills in the records'
// partitions and offsets.
func Load(ctx context.Context, c kafka.Cluster, w Workload) (float64, error) {
	const chunk = 20_000
	start := time.Now()
	for i := 0; i < len(w.Records); i += chunk {
		part := w.Records[i:min(i+chunk, len(w.Records))]
		if err := c.Produce(ctx, part...); err != nil {
			return 0, fmt.Errorf("load records %d..%d: %w", i, i+len(part), err)
		}
	}
	return float64(len(w.Records)) / time.Since(start).Seconds(), nil
}

// StartCopy subscribes group to from and copies every batch to to with
// one Produce per batch — the consume→produce path a persistent query
// uses, without decoding. It returns the subscription (the caller closes
// it) and the count of copied records.
func StartCopy(ctx context.Context, c kafka.Cluster, group, from, to string) (kafka.Subscription, *atomic.Int64, error) {
	var copied atomic.Int64
	sub, err := c.Subscribe(ctx, kafka.SubscribeOptions{Group: group, Topics: []string{from}, Reset: kafka.Earliest},
		func(ctx context.Context, batch []kafka.Record) error {
			out := make([]kafka.Record, len(batch))
			for i, r := range batch {
				out[i] = kafka.Record{Topic: to, Partition: -1, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp, Headers: r.Headers}
			}
			if err := c.Produce(ctx, out...); err != nil {
				return fmt.Errorf("copy %s to %s: %w", from, to, err)
			}
			copied.Add(int64(len(batch)))
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	return sub, &copied, nil
}

// Offsets lists topic end offsets on a broker with its own small client,
// so that waiting for a query's output costs one ListOffsets request per
// poll and nothing on the measured path.
type Offsets struct {
	cl  *kgo.Client
	adm *kadm.Client
}

// DialOffsets connects an Offsets to brokers.
func DialOffsets(brokers ...string) (*Offsets, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ClientID("bench-offsets"))
	if err != nil {
		return nil, fmt.Errorf("offsets client for %v: %w", brokers, err)
	}
	return &Offsets{cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close releases the client.
func (o *Offsets) Close() { o.cl.Close() }

// End returns the sum of topic's partition end offsets (its record count
// when nothing was deleted and nothing is transactional).
func (o *Offsets) End(ctx context.Context, topic string) (int64, error) {
	ends, err := o.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	if err := ends.Error(); err != nil {
		return 0, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	var n int64
	ends.Each(func(lo kadm.ListedOffset) { n += lo.Offset })
	return n, nil
}

// Progress is what a Wait saw.
type Progress struct {
	First time.Time // first poll that saw output
	Done  time.Time // first poll that saw want records
	Polls int
}

// Wait polls topic's end offsets every interval until they reach want.
// alive, when not nil, is called on every poll; an error from it (the
// copy or query stopped) ends the wait. A failed listing (the topic may
// not exist yet) counts as no output.
func (o *Offsets) Wait(ctx context.Context, topic string, want int64, interval time.Duration, alive func() error) (Progress, error) {
	var p Progress
	t := time.NewTicker(interval)
	defer t.Stop()
	var n int64
	var lastErr error
	for {
		var err error
		n, err = o.End(ctx, topic)
		p.Polls++
		if err != nil {
			n, lastErr = 0, err
		}
		now := time.Now()
		if n > 0 && p.First.IsZero() {
			p.First = now
		}
		if n >= want {
			p.Done = now
			if n > want {
				return p, fmt.Errorf("%s has %d records, want %d", topic, n, want)
			}
			return p, nil
		}
		if alive != nil {
			if err := alive(); err != nil {
				return p, fmt.Errorf("wait for %d records in %s (have %d): %w", want, topic, n, err)
			}
		}
		select {
		case <-ctx.Done():
			return p, fmt.Errorf("wait for %d records in %s (have %d, last listing error %v): %w", want, topic, n, lastErr, ctx.Err())
		case <-t.C:
		}
	}
}

// SubAlive adapts a subscription to Wait's alive callback.
func SubAlive(s kafka.Subscription) func() error {
	return func() error {
		select {
		case <-s.Done():
			if err := s.Err(); err != nil {
				return err
			}
			return errors.New("subscription stopped")
		default:
			return nil
		}
	}
}

// CheckQueryOutput checks the query's output records: their number, and
// key and value of every step-th record against the generated rows.
func CheckQueryOutput(out []kafka.Record, want, step int) error {
	if len(out) != want {
		return fmt.Errorf("query output has %d records, want %d", len(out), want)
	}
	if step < 1 {
		step = 1
	}
	for i := 0; i < len(out); i += step {
		if err := checkOne(out[i]); err != nil {
			return fmt.Errorf("output record %d (%s/%d@%d): %w", i, out[i].Topic, out[i].Partition, out[i].Offset, err)
		}
	}
	return nil
}

func checkOne(rec kafka.Record) error {
	var v struct {
		ID      *int64
		NAME    *string
		AMOUNT2 *float64
	}
	dec := json.NewDecoder(strings.NewReader(string(rec.Value)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("value %s: %w", rec.Value, err)
	}
	if v.ID == nil || v.NAME == nil || v.AMOUNT2 == nil {
		return fmt.Errorf("value %s: missing column", rec.Value)
	}
	if *v.ID < 0 || *v.ID > math.MaxInt32 {
		return fmt.Errorf("value %s: ID out of range", rec.Value)
	}
	r := MakeRow(int(*v.ID))
	switch {
	case !r.Passes():
		return fmt.Errorf("row %d should have been filtered out", r.ID)
	case string(rec.Key) != r.Key:
		return fmt.Errorf("key %q, want %q", rec.Key, r.Key)
	case *v.NAME != strings.ToUpper(r.Name):
		return fmt.Errorf("NAME %q, want %q", *v.NAME, strings.ToUpper(r.Name))
	case *v.AMOUNT2 != r.Amount*2:
		return fmt.Errorf("AMOUNT2 %v, want %v", *v.AMOUNT2, r.Amount*2)
	}
	return nil
}

// CheckCopy checks that out holds the same key/value pairs as in, in any
// order: it compares the counts and an order-independent checksum.
func CheckCopy(in, out []kafka.Record) error {
	if len(out) != len(in) {
		return fmt.Errorf("copy has %d records, want %d", len(out), len(in))
	}
	var a, b uint64
	for i := range in {
		a += fnv(in[i].Key, in[i].Value)
		b += fnv(out[i].Key, out[i].Value)
	}
	if a != b {
		return errors.New("copied records differ from the input")
	}
	return nil
}

func fnv(parts ...[]byte) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range parts {
		for _, c := range p {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// Package datagen is the data generator source connector,
// io.confluent.kafka.connect.datagen.DatagenConnector (alias datagen): it
// writes random records shaped by a quickstart or a custom Avro schema
// with arg.properties hints, reproducibly when random.seed is set.
package datagen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
)

// Class is the connector's Kafka Connect class name.
const Class = "io.confluent.kafka.connect.datagen.DatagenConnector"

// Offset keys, as kafka-connect-datagen stores them.
const (
	offsetIteration = "current.iteration"
	offsetSeed      = "random.seed"
)

// batchWhenNoInterval is how many records one Poll returns when
// max.interval is 0.
const batchWhenNoInterval = 1000

// Register adds the data generator to r.
func Register(r *connect.Registry) {
	names := make([]string, 0, len(quickstarts)+len(nexmarkQuickstarts))
	for n := range quickstarts {
		names = append(names, n)
	}
	for n := range nexmarkQuickstarts {
		names = append(names, n)
	}
	sort.Strings(names)
	r.Register(&connect.Plugin{
		Class:   Class,
		Aliases: []string{"datagen", "DatagenConnector"},
		Kind:    connect.Source,
		Version: "eddy",
		Doc:     "Generates random records from a quickstart schema or a custom Avro schema with arg.properties hints (options, range, regex, iteration, length). Keys are the schema.keyfield's value; values carry the schema, so the Schema Registry converters register it. The nexmark_person, nexmark_auction and nexmark_bid quickstarts write the Nexmark benchmark's events (1 person : 3 auctions : 46 bids, hot auctions and bidders, log-uniform prices); connectors with the same random.seed write people, auctions and bids that refer to each other, and each record's timestamp is its dateTime, 10,000 events per second of event time from the connector's first start.",
		Spec: []connect.ConfigField{
			{Name: "kafka.topic", Type: connect.TypeString, Required: true, Doc: "Topic to write to (created when missing)."},
			{Name: "quickstart", Type: connect.TypeString, Enum: names, Doc: "A built-in schema with the kafka-connect-datagen quickstart's fields, types, ranges and key; ids that join across quickstarts (clickstream's status and userid with clickstream_codes and clickstream_users, the shoe, pizza, fleet, gaming, insurance and payroll families, transactions with credit_cards and stores) line up as upstream's do, while names, addresses and other free text are eddy's own. Or one kind of Nexmark event (nexmark_person, nexmark_auction, nexmark_bid)."},
			{Name: "schema.string", Type: connect.TypeString, Doc: "An Avro schema (JSON text) with arg.properties hints."},
			{Name: "schema.filename", Type: connect.TypeString, Doc: "A file holding such a schema."},
			{Name: "schema.keyfield", Type: connect.TypeString, Doc: "The field whose value is the record key; a quickstart names its own (e.g. rating_id). Empty: null keys."},
			{Name: "max.interval", Type: connect.TypeLong, Default: "500", Doc: "Longest pause between records, in milliseconds (each pause is random up to it); 0 writes as fast as possible."},
			{Name: "iterations", Type: connect.TypeInt, Default: "-1", Doc: "How many records to write in all; -1 never stops."},
			{Name: "random.seed", Type: connect.TypeLong, Doc: "Seed for reproducible data: the same seed gives the same records in the same order."},
		},
		Validate: func(_ context.Context, cfg connect.Config) error {
			_, _, _, err := schemaOf(cfg)
			return err
		},
		NewSource: func(cfg connect.Config) (connect.SourceTask, error) {
			g, nx, key, err := schemaOf(cfg)
			if err != nil {
				return nil, err
			}
			t := &task{topic: cfg["kafka.topic"], gen: g, nx: nx, keyField: key,
				maxInterval: time.Duration(cfg.Int("max.interval", 500)) * time.Millisecond,
				iterations:  cfg.Int("iterations", -1)}
			if s, ok := cfg["random.seed"]; ok && s != "" {
				n, _ := strconv.ParseInt(s, 10, 64)
				t.seed, t.fixedSeed = uint64(n), true
			}
			return t, nil
		},
	})
}

// schemaOf resolves the schema option (exactly one of quickstart,
// schema.string, schema.filename) and the key field. A Nexmark quickstart
// returns its source instead of a schema generator.
func schemaOf(cfg connect.Config) (*gen, *nexmarkSource, string, error) {
	var set []string
	for _, k := range []string{"quickstart", "schema.string", "schema.filename"} {
		if cfg[k] != "" {
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		return nil, nil, "", fmt.Errorf("set exactly one of quickstart, schema.string or schema.filename (got %d: %s)", len(set), strings.Join(set, ", "))
	}
	var text, key string
	switch set[0] {
	case "quickstart":
		name := strings.ToLower(cfg["quickstart"])
		if kind, ok := nexmarkQuickstarts[name]; ok {
			nx := &nexmarkSource{kind: kind, schema: nexmarkSchemas[kind]}
			key = nexmarkKeyFields[kind]
			if k := cfg["schema.keyfield"]; k != "" {
				key = k
			}
			if nx.schema.Field(key) == nil {
				return nil, nil, "", fmt.Errorf("schema.keyfield %q is not a field of %s", key, name)
			}
			return nil, nx, key, nil
		}
		q := quickstarts[name]
		text, key = q.schema, q.keyField
	case "schema.string":
		text = cfg["schema.string"]
	default:
		b, err := readSchemaFile(cfg["schema.filename"])
		if err != nil {
			return nil, nil, "", fmt.Errorf("schema.filename: %w", err)
		}
		text = string(b)
	}
	if k := cfg["schema.keyfield"]; k != "" {
		key = k
	}
	g, err := parseSchema(text)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", set[0], err)
	}
	if key != "" && g.schema.Field(key) == nil {
		return nil, nil, "", fmt.Errorf("schema.keyfield %q is not a field of the schema", key)
	}
	return g, nil, key, nil
}

// task generates records. Record n is drawn from a generator seeded by
// (seed, n), so a restart at a stored iteration continues the same
// sequence.
type task struct {
	topic       string
	gen         *gen           // nil for a Nexmark quickstart
	nx          *nexmarkSource // nil otherwise
	keyField    string
	maxInterval time.Duration
	iterations  int64

	seed      uint64
	fixedSeed bool
	baseTime  int64 // Nexmark's event time origin, epoch ms
	count     int64
	tc        connect.TaskContext
	pause     *rand.Rand // timing only, so the data stays reproducible
	pcg       *rand.PCG  // reseeded per record: (seed, iteration)
	rng       *rand.Rand
}

var partition = map[string]any{"task.id": int64(0)}

func (t *task) Start(_ context.Context, tc connect.TaskContext, offsets func(map[string]any) (map[string]any, bool)) error {
	t.tc = tc
	t.pause = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	if off, ok := offsets(partition); ok {
		if n, ok := off[offsetIteration].(int64); ok {
			t.count = n
		}
		if s, ok := off[offsetSeed].(int64); ok && !t.fixedSeed {
			t.seed = uint64(s)
			t.fixedSeed = true
		}
	}
	if !t.fixedSeed {
		t.seed = rand.Uint64() >> 1
	}
	if t.nx != nil {
		t.baseTime = time.Now().UnixMilli()
		if off, ok := offsets(partition); ok {
			if b, ok := off[offsetBaseTime].(int64); ok {
				t.baseTime = b
			}
		}
		return t.nx.start(t.seed, t.baseTime)
	}
	return nil
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.iterations >= 0 && t.count >= t.iterations {
		t.tc.SetProgress(fmt.Sprintf("done: generated the configured %d records", t.iterations))
		sleep(ctx, time.Second)
		return nil, nil
	}
	n := 1
	if t.maxInterval <= 0 {
		n = batchWhenNoInterval
	} else if !sleep(ctx, time.Duration(t.pause.Int64N(int64(t.maxInterval)+1))) {
		return nil, ctx.Err()
	}
	if t.iterations >= 0 && int64(n) > t.iterations-t.count {
		n = int(t.iterations - t.count)
	}
	out := make([]connect.Record, 0, n)
	now := time.Now()
	for range n {
		out = append(out, t.record(t.count, now))
		t.count++
	}
	t.tc.SetProgress(fmt.Sprintf("generated %d records", t.count))
	return out, nil
}

// record returns record i of the sequence for the task's seed.
func (t *task) record(i int64, now time.Time) connect.Record {
	if t.rng == nil {
		t.pcg = rand.NewPCG(0, 0)
		t.rng = rand.New(t.pcg)
	}
	var v *connect.Struct
	offset := map[string]any{offsetIteration: i + 1, offsetSeed: int64(t.seed)}
	if t.nx != nil {
		v, now = t.nx.record(i)
		offset[offsetBaseTime] = t.baseTime
	} else {
		t.pcg.Seed(t.seed, uint64(i))
		v = t.gen.value(t.rng, i).(*connect.Struct)
	}
	rec := connect.Record{
		Topic: t.topic, Partition: -1, Timestamp: now,
		ValueSchema: v.Schema, Value: v,
		SourcePartition: partition,
		SourceOffset:    offset,
	}
	if t.keyField != "" {
		rec.KeySchema = v.Schema.Field(t.keyField)
		rec.Key = v.Get(t.keyField)
	}
	return rec
}

func (t *task) Commit(context.Context) error { return nil }
func (t *task) Stop() error                  { return nil }

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// maxSchemaFile is the largest schema.filename read.
const maxSchemaFile = 16 << 20

// readSchemaFile reads a schema file: a regular file of at most
// maxSchemaFile bytes, so that /dev/zero does not grow the server
// without bound and a FIFO does not hang the request that names it.
func readSchemaFile(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read one byte past the limit to tell a file at it from a larger one
	// (which a stat before the read could not: the file may grow).
	b, err := io.ReadAll(io.LimitReader(f, maxSchemaFile+1))
	if err == nil && len(b) > maxSchemaFile {
		err = fmt.Errorf("%s is larger than %d bytes", name, maxSchemaFile)
	}
	return b, err
}

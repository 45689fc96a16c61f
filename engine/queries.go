package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// persistentPlan is a validated persistent query waiting to start.
type persistentPlan struct {
	id   string
	plan *planner.QueryPlan
	sink *metastore.Source
	topo *runtime.Topology
	out  *runtime.TopicSink
	// overrides are the session's properties the query was made with.
	overrides map[string]string
}

func (e *Engine) prepareCreateAsSelect(ctx context.Context, st *sql.CreateAsSelect, cfg planner.Config) (act action, err error) {
	kind := strings.ToLower(kindWord(st.IsTable))
	if st.Query.Limit != nil {
		return nil, &stmtErr{msg: fmt.Sprintf("CREATE %s AS SELECT statements don't support LIMIT clause.", strings.ToUpper(kind))}
	}
	old := e.ms.Source(st.Name)
	if old != nil {
		if st.IfNotExists {
			return func(context.Context) (api.Entity, error) {
				return status(fmt.Sprintf("Cannot add %s %s: A %s with the same name already exists.", kind, st.Name, kind), ""), nil
			}, nil
		}
		if !st.OrReplace {
			return nil, &stmtErr{msg: fmt.Sprintf("Cannot add %s '%s': A %s with the same name already exists", kind, st.Name, strings.ToLower(old.Kind()))}
		}
		if old.IsSource {
			return nil, &stmtErr{msg: fmt.Sprintf("Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", kind, st.Name, kind)}
		}
	}
	prefix := "CSAS_"
	if st.IsTable {
		prefix = "CTAS_"
	}
	id := fmt.Sprintf("%s%s_%d", prefix, st.Name, e.queryCount)
	if old != nil && old.CreatedBy != "" {
		id = old.CreatedBy // CREATE OR REPLACE keeps the query id
	}
	p := planner.New(e.ms, e.fns, cfg, e.opts.Registry)
	defer func() { err = quoteStatement(err, p, st) }()
	p.AppID = e.appID(id)
	p.Partitions = e.partitionsOf(ctx)
	if col, ok, _ := planner.PropString(st.Props, "TIMESTAMP"); ok {
		p.SinkTimestampColumn = strings.ToUpper(col)
	}
	plan, err := p.PlanQuery(st.Query, planner.Persistent, st.Name)
	if err != nil {
		return nil, err
	}
	if plan.ResultIsTable != st.IsTable {
		if plan.ResultIsTable {
			return nil, &stmtErr{msg: "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead."}
		}
		return nil, &stmtErr{msg: "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead."}
	}
	keyFmt, valFmt, err := p.SinkFormats(st.Props, plan)
	if err != nil {
		return nil, err
	}
	topic, hasTopic, err := planner.PropString(st.Props, "KAFKA_TOPIC")
	if err != nil {
		return nil, err
	}
	if !hasTopic {
		topic = cfg.Get("ksql.output.topic.name.prefix", "") + st.Name
	}
	if keyFmt.Name == "AVRO" && keyFmt.Props["KEY_SCHEMA_FULL_NAME"] == "" {
		// ksqlDB names a sink's Avro key record after the sink.
		keyFmt.Props["KEY_SCHEMA_FULL_NAME"] = e.sinkAvroKeyName(st.Name, topic)
	}
	sink := &metastore.Source{
		Name: st.Name, IsTable: st.IsTable, Schema: plan.Output, Topic: topic,
		KeyFormat: keyFmt, ValueFormat: valFmt, SQL: st.Text(), CreatedBy: id, Window: plan.Window,
	}
	if err := e.checkNoFeedback(plan, sink); err != nil {
		return nil, err
	}
	pp, err := e.buildPersistent(ctx, p, id, plan, sink, st.Props, cfg)
	if err != nil {
		return nil, err
	}
	if old != nil && !e.replaying { // replayed commands were checked when first run
		if err := e.checkUpgrade(old, sink, st.Query); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) (api.Entity, error) {
		if old == nil || old.CreatedBy == "" {
			e.queryCount++
		}
		if err := e.createSinkTopic(ctx, st.Props, plan, sink, st.Query.Window); err != nil {
			return nil, err
		}
		if old != nil && old.CreatedBy != "" {
			e.stopQueryKeeping(old.CreatedBy, true, pp.plan.InternalTopics)
		}
		e.ms.PutSource(sink)
		if err := e.startPersistent(ctx, pp, st.Text()); err != nil {
			return nil, err
		}
		return status(fmt.Sprintf("Created query with ID %s", id), id), nil
	}, nil
}

// checkUpgrade refuses a CREATE OR REPLACE … AS SELECT that would change
// old's catalog entry or its running query in ways the replacing query
// cannot carry on from (planner.CheckSourceUpgrade, planner.CheckUpgrade).
func (e *Engine) checkUpgrade(old, sink *metastore.Source, q *sql.Query) error {
	if err := planner.CheckSourceUpgrade(old, sink); err != nil {
		return err
	}
	running := e.ms.Query(old.CreatedBy)
	if old.CreatedBy == "" || running == nil {
		return nil
	}
	stmts, err := sql.Parse(running.SQL)
	if err != nil || len(stmts) != 1 {
		return fmt.Errorf("read query %s to compare it: %v", running.ID, err)
	}
	was, ok := stmts[0].(*sql.CreateAsSelect)
	if !ok {
		return nil
	}
	before := append([]planner.UpgradeStep{planner.SinkStep(old)}, planner.UpgradeSteps(e.ms, e.fns, was.Query)...)
	after := append([]planner.UpgradeStep{planner.SinkStep(sink)}, planner.UpgradeSteps(e.ms, e.fns, q)...)
	return planner.CheckUpgrade(before, after)
}

func (e *Engine) prepareInsertInto(ctx context.Context, st *sql.InsertInto, cfg planner.Config) (act action, err error) {
	target := e.ms.Source(st.Target)
	if target == nil {
		return nil, &stmtErr{msg: fmt.Sprintf("Source `%s` does not exist.", st.Target), pos: st.TargetPos}
	}
	if target.IsTable {
		return nil, &stmtErr{msg: fmt.Sprintf("INSERT INTO can only be used to insert into a stream. %s is a table.", target.Name)}
	}
	if target.IsSource {
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot insert into read-only stream: %s", target.Name)}
	}
	if len(target.Schema.Headers()) > 0 {
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot insert into %s because it has header columns", target.Name)}
	}
	id, hasID, err := planner.PropString(st.Props, "QUERY_ID")
	if err != nil {
		return nil, err
	}
	if hasID {
		id = strings.ToUpper(id)
		if e.ms.Query(id) != nil {
			return nil, &stmtErr{msg: fmt.Sprintf("Query ID '%s' already exists.", id)}
		}
	} else {
		id = fmt.Sprintf("INSERTQUERY_%d", e.queryCount)
	}
	p := planner.New(e.ms, e.fns, cfg, e.opts.Registry)
	defer func() { err = quoteStatement(err, p, st) }()
	p.AppID = e.appID(id)
	p.Partitions = e.partitionsOf(ctx)
	plan, err := p.PlanQuery(st.Query, planner.Persistent, target.Name)
	if err != nil {
		return nil, err
	}
	if plan.ResultIsTable {
		return nil, &stmtErr{msg: fmt.Sprintf("Incompatible data sink and query result. Data sink (%s) type is STREAM but select query result is TABLE.", target.Name)}
	}
	if !sameSchema(plan.Output, target.Schema) && !widenToSink(plan, target.Schema) {
		return nil, &stmtErr{msg: fmt.Sprintf("Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", plan.Output, target.Schema)}
	}
	if err := e.checkNoFeedback(plan, target); err != nil {
		return nil, err
	}
	pp, err := e.buildPersistent(ctx, p, id, plan, target, nil, cfg)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (api.Entity, error) {
		if !hasID {
			e.queryCount++
		}
		if err := e.startPersistent(ctx, pp, st.Text()); err != nil {
			return nil, err
		}
		return status(fmt.Sprintf("Created query with ID %s", id), id), nil
	}, nil
}

// checkNoFeedback refuses a query whose sink topic is one of its source
// topics: it would read its own output, and write it again, without end.
// ksqlDB accepts some such queries; eddy refuses them all.
func (e *Engine) checkNoFeedback(plan *planner.QueryPlan, sink *metastore.Source) error {
	for _, name := range plan.Sources {
		src := e.ms.Source(name)
		if src == nil || src.Topic != sink.Topic {
			continue
		}
		how := fmt.Sprintf("%s is written to topic '%s', which the query reads from", sink.Name, sink.Topic)
		if src.Name != sink.Name {
			how += " through " + src.Name
		}
		return &stmtErr{msg: fmt.Sprintf("Cannot write to %s: %s; it would read its own output without end. Write to another stream or topic.", sink.Name, how)}
	}
	return nil
}

// sameSchema compares names, types and key-ness, not formats.
func sameSchema(a, b *types.Schema) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		x, y := a.Columns[i], b.Columns[i]
		if x.Name != y.Name || !x.Type.Equal(y.Type) || (x.Namespace == types.KeyColumn) != (y.Namespace == types.KeyColumn) {
			return false
		}
	}
	return true
}

// widenToSink makes a result whose columns match the sink's by name and
// key-ness, with types that convert implicitly (INT into DECIMAL(5, 2),
// say), write the sink's types. It reports whether it could.
func widenToSink(plan *planner.QueryPlan, sink *types.Schema) bool {
	a, b := plan.Output, sink
	if len(a.Columns) != len(b.Columns) || plan.Out == nil || len(plan.Out.Exprs) != len(a.Columns) {
		return false
	}
	widened := make([]*expr.Compiled, len(a.Columns))
	for i := range a.Columns {
		x, y := a.Columns[i], b.Columns[i]
		if x.Name != y.Name || (x.Namespace == types.KeyColumn) != (y.Namespace == types.KeyColumn) {
			return false
		}
		w, ok := expr.Widen(plan.Out.Exprs[i], y.Type)
		if !ok {
			return false
		}
		widened[i] = w
	}
	plan.Out.Exprs = widened
	plan.Output = sink
	return true
}

// expiringTombstoneRetention is the delete.retention.ms of the changelogs
// of windowed stores. Every window that expires leaves a tombstone,
// which compaction kept for Kafka's default of a day: a soak of 2,000
// records a second into windowed queries piled up 24,600 of them a
// minute, and the embedded broker, which compacts while it answers no
// client, stalled for 35 s and then, as they grew, for four minutes,
// past every group's session timeout. A restore reading the changelog
// from the start sees a tombstone if it takes less than this to reach
// it (Kafka's meaning of the setting); one that missed it would bring
// back the window, which the next record expires again or, closed but
// within its retention under EMIT FINAL, emits once more.
const expiringTombstoneRetention = "600000" // 10 minutes

// sinkSerdeError is the statement error for a sink serde that could not
// be built; a schema the registry refused is told in ksqlDB's words,
// which register a query's output schemas as a CREATE's.
func sinkSerdeError(err error) error {
	var re *serde.RegisterError
	if errors.As(err, &re) {
		err = couldNotRegister(err)
	}
	return &stmtErr{msg: err.Error()}
}

// buildPersistent builds the topology of a persistent query writing sink.
func (e *Engine) buildPersistent(ctx context.Context, p *planner.Planner, id string, plan *planner.QueryPlan, sink *metastore.Source, props sql.Props, cfg planner.Config) (*persistentPlan, error) {
	ks, err := serde.NewFor(sink.KeyFormat, sink.Schema.Key(), true, serde.Env{Topic: sink.Topic, Registry: e.opts.Registry})
	if err != nil {
		return nil, sinkSerdeError(err)
	}
	vs, err := serde.NewFor(sink.ValueFormat, sink.Schema.Value(), false, serde.Env{Topic: sink.Topic, Registry: e.opts.Registry})
	if err != nil {
		return nil, sinkSerdeError(err)
	}
	rs := &runtime.TopicSink{Topic: sink.Topic, Step: sink.Name, KeySerde: ks, ValueSerde: vs, NumKey: plan.NumKey,
		FailOnError: !strings.EqualFold(cfg.Get("ksql.fail.on.production.error", "true"), "false")}
	if sink.Window != nil {
		rs.Window = sink.Window.Type
	}
	if props != nil {
		if col, ok, err := planner.PropString(props, "TIMESTAMP"); err != nil {
			return nil, err
		} else if ok {
			format, _, _ := planner.PropString(props, "TIMESTAMP_FORMAT")
			col = strings.ToUpper(col)
			ts, err := p.SinkTimestamp(plan.Output, col, format)
			if err != nil {
				return nil, err
			}
			rs.Timestamp = ts
			sink.Timestamp, sink.TimestampFormat = col, format
		}
	}
	plan.Out.Next = rs
	planner.PassThrough(plan, rs)
	topo := &runtime.Topology{
		ID:     id,
		Inputs: plan.Inputs,
		Group:  "_confluent-ksql-" + e.sid + "query_" + id,
		Reset:  resetPolicy(cfg, plan.From.IsTable),
	}
	if err := setCaching(topo, cfg); err != nil {
		return nil, err
	}
	ms, err := streamsInt(cfg, "repartition.purge.interval.ms", 0)
	if err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	topo.PurgeInterval = time.Duration(ms) * time.Millisecond
	if topo.SessionTimeout, topo.RebalanceTimeout, err = groupTimeouts(cfg); err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	if topo.ExactlyOnce, err = exactlyOnce(cfg); err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	if topo.Linger, err = lingerMillis(cfg); err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	return &persistentPlan{id: id, plan: plan, sink: sink, topo: topo, out: rs, overrides: e.overrides(cfg)}, nil
}

// overrides are the properties of cfg that the statement's session set
// apart from the server's, which EXPLAIN shows as ksqlDB does; eddy's
// own command properties stay out.
func (e *Engine) overrides(cfg planner.Config) map[string]string {
	out := map[string]string{}
	for k, v := range cfg {
		if strings.HasPrefix(k, "eddy.") {
			continue
		}
		if base, ok := e.cfg[k]; !ok || base != v {
			out[k] = v
		}
	}
	return out
}

// Output caching defaults, as ksqlDB's: table aggregations keep up to
// 10 MB of pending updates and write the latest per key every 2 seconds.
const (
	defaultCacheBytes       = 10 << 20
	defaultCommitIntervalMs = 2000
)

// setCaching sets a topology's output caching and commit interval from
// cache.max.bytes.buffering and commit.interval.ms, ksqlDB's defaults
// where they are unset.
func setCaching(topo *runtime.Topology, cfg planner.Config) error {
	var err error
	if topo.CacheBytes, err = streamsInt(cfg, "cache.max.bytes.buffering", defaultCacheBytes); err != nil {
		return &stmtErr{msg: err.Error()}
	}
	ms, err := streamsInt(cfg, "commit.interval.ms", defaultCommitIntervalMs)
	if err != nil {
		return &stmtErr{msg: err.Error()}
	}
	topo.CommitInterval = time.Duration(ms) * time.Millisecond
	return nil
}

// streamsInt reads a Kafka Streams setting given either bare (as `SET
// 'cache.max.bytes.buffering'='0';` does) or with ksqlDB's ksql.streams.
// prefix.
func streamsInt(cfg planner.Config, name string, def int64) (int64, error) {
	v, ok := cfg[name]
	if !ok {
		v, ok = cfg["ksql.streams."+name]
	}
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer", name, v)
	}
	return n, nil
}

// groupTimeouts reads a query's consumer group timeouts:
// session.timeout.ms, and max.poll.interval.ms, which Kafka's consumer
// sends as its rebalance timeout. Zero keeps the cluster's defaults.
func groupTimeouts(cfg planner.Config) (session, rebalance time.Duration, err error) {
	if session, err = consumerMillis(cfg, "session.timeout.ms"); err != nil {
		return 0, 0, err
	}
	rebalance, err = consumerMillis(cfg, "max.poll.interval.ms")
	return session, rebalance, err
}

// consumerMillis reads a consumer setting in milliseconds, bare or
// ksql.streams. prefixed, or ksql.streams.consumer. prefixed, which
// wins as in Kafka Streams.
func consumerMillis(cfg planner.Config, name string) (time.Duration, error) {
	if v, ok := cfg["ksql.streams.consumer."+name]; ok {
		cfg = planner.Config{name: v}
	}
	ms, err := streamsInt(cfg, name, 0)
	return time.Duration(ms) * time.Millisecond, err
}

// defaultLinger is a query's producer linger.ms unless set: Kafka
// Streams' default. A query flushes its outputs at the end of every
// fetched batch, so only outputs in the middle of a long batch wait, for
// a fuller produce request.
const defaultLinger = 100 * time.Millisecond

// lingerMillis reads a query's producer linger.ms, bare, ksql.streams.
// or ksql.streams.producer. prefixed (which wins, as in Kafka Streams).
func lingerMillis(cfg planner.Config) (time.Duration, error) {
	if v, ok := cfg["ksql.streams.producer.linger.ms"]; ok {
		cfg = planner.Config{"linger.ms": v}
	}
	ms, err := streamsInt(cfg, "linger.ms", defaultLinger.Milliseconds())
	return time.Duration(ms) * time.Millisecond, err
}

// exactlyOnce reads processing.guarantee (bare or ksql.streams.
// prefixed): at_least_once, the default, or exactly_once_v2 (the older
// exactly_once and exactly_once_beta mean the same here, as Kafka
// Streams now runs both as v2).
func exactlyOnce(cfg planner.Config) (bool, error) {
	v, ok := cfg["processing.guarantee"]
	if !ok {
		v = cfg["ksql.streams.processing.guarantee"]
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "at_least_once":
		return false, nil
	case "exactly_once_v2", "exactly_once", "exactly_once_beta":
		return true, nil
	}
	return false, fmt.Errorf("processing.guarantee=%q: want at_least_once or exactly_once_v2", v)
}

// resetPolicy is where a new query starts: auto.offset.reset when set,
// else earliest for tables and latest for streams, as ksqlDB does.
func resetPolicy(cfg planner.Config, table bool) kafka.OffsetReset {
	switch strings.ToLower(cfg.Get("auto.offset.reset", "")) {
	case "earliest":
		return kafka.Earliest
	case "latest":
		return kafka.Latest
	}
	if table {
		return kafka.Earliest
	}
	return kafka.Latest
}

func (e *Engine) createSinkTopic(ctx context.Context, props sql.Props, plan *planner.QueryPlan, sink *metastore.Source, window *sql.Window) error {
	parts, hasParts, err := planner.PropCount(props, "PARTITIONS", 32)
	if err != nil {
		return err
	}
	replicas, _, err := planner.PropCount(props, "REPLICAS", 16)
	if err != nil {
		return err
	}
	srcInfo, ok, err := e.cluster.Topic(ctx, plan.From.Topic)
	if err != nil {
		return fmt.Errorf("look up topic %s: %w", plan.From.Topic, err)
	}
	if !hasParts {
		parts = 1
		if ok {
			parts = int(srcInfo.Partitions)
		}
	}
	if replicas <= 0 {
		replicas = 1
	}
	info := kafka.TopicInfo{Name: sink.Topic, Partitions: int32(parts), Replicas: int16(replicas), Configs: sinkTopicConfigs(sink.IsTable, window)}
	missing := false
	if e.starting {
		_, exists, err := e.cluster.Topic(ctx, sink.Topic)
		if err != nil {
			return fmt.Errorf("look up topic %s: %w", sink.Topic, err)
		}
		missing = !exists
	}
	if err := e.cluster.CreateTopic(ctx, info); err != nil {
		return fmt.Errorf("create sink topic %s: %w", sink.Topic, err)
	}
	if missing {
		e.noteReplayMade(sink.Topic)
	}
	return nil
}

// noteReplayMade records that New's replay created topic.
func (e *Engine) noteReplayMade(topic string) {
	if e.replayMade == nil {
		e.replayMade = map[string]bool{}
	}
	e.replayMade[topic] = true
}

// sinkTopicConfigs are the settings of the topic a CREATE … AS SELECT
// creates, as ksqlDB's TopicCreateInjector chooses them: a stream's is
// deleted by retention, a table's compacted, and a windowed aggregation's
// both (every window is a key of its own, so compaction alone would keep
// them all), with the window's RETENTION, when given, as its retention.ms.
func sinkTopicConfigs(table bool, window *sql.Window) map[string]string {
	if !table || window == nil {
		return cleanupPolicy(table)
	}
	cfg := map[string]string{"cleanup.policy": "compact,delete"}
	if window.Retention != nil {
		cfg["retention.ms"] = strconv.FormatInt(*window.Retention, 10)
	}
	return cfg
}

// appID is a persistent query's application id: its consumer group and
// the prefix of its internal topics.
func (e *Engine) appID(queryID string) string {
	return "_confluent-ksql-" + e.sid + "query_" + queryID
}

// partitionsOf reports topics' partition counts to the planner (a join's
// inputs must have equal counts).
func (e *Engine) partitionsOf(ctx context.Context) func(topic string) (int32, bool) {
	return func(topic string) (int32, bool) {
		info, ok, err := e.cluster.Topic(ctx, topic)
		if err != nil || !ok {
			return 0, false
		}
		return info.Partitions, true
	}
}

// startPersistent registers and starts a persistent query, creating its
// internal topics with the partition count of its first source. Callers
// hold e.mu.
func (e *Engine) startPersistent(ctx context.Context, pp *persistentPlan, text string) error {
	parts := int32(1)
	if src := pp.topo.CoPartitionSource(); src != "" {
		if info, ok, err := e.cluster.Topic(ctx, src); err == nil && ok {
			parts = info.Partitions
		}
	}
	// Sources with different partition counts cannot be processed as
	// tasks per partition number: the query runs as one task.
	for _, in := range pp.plan.Inputs {
		if in.Source == nil {
			continue
		}
		if info, ok, err := e.cluster.Topic(ctx, in.Source.Topic); err == nil && ok && info.Partitions != parts {
			pp.topo.SingleTask = true
		}
	}
	// Repartition topics keep their records until the query purges what
	// it has read, as Kafka Streams creates them (retention.ms=-1):
	// retention by record time would delete the rows of old events (a
	// replay) before the query read them back.
	for _, t := range pp.plan.InternalTopics {
		if err := e.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: t, Partitions: parts, Replicas: 1, Configs: map[string]string{"cleanup.policy": "delete", "retention.ms": "-1"}}); err != nil {
			return fmt.Errorf("create internal topic %s: %w", t, err)
		}
	}
	if err := e.keepEarlierJoinStores(ctx, pp.id, pp.topo); err != nil {
		return err
	}
	// Each state store writes through to a compacted changelog with a
	// partition per task.
	for _, c := range pp.topo.Changelogs() {
		cfg := map[string]string{"cleanup.policy": "compact"}
		if c.Expiring {
			cfg["delete.retention.ms"] = expiringTombstoneRetention
		}
		if err := e.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: c.Topic, Partitions: parts, Replicas: 1, Configs: cfg}); err != nil {
			return fmt.Errorf("create changelog topic %s: %w", c.Topic, err)
		}
		if setter, ok := e.cluster.(kafka.TopicConfigSetter); ok && c.Expiring {
			// A changelog made before this setting keeps growing
			// otherwise; failing to set it costs space, not data.
			if err := setter.SetTopicConfigs(ctx, c.Topic, map[string]string{"delete.retention.ms": expiringTombstoneRetention}); err != nil {
				e.opts.Logf("query %s: %v", pp.id, err)
			}
		}
	}
	e.ms.PutQuery(&metastore.Query{ID: pp.id, SQL: text, Sink: pp.sink.Name, Topic: pp.sink.Topic, Sources: pp.plan.Sources, InternalTopics: pp.plan.InternalTopics,
		Overrides: pp.overrides})
	if pp.out != nil && pp.out.Window != "" {
		// Windowed keys are placed by their key without the window, so
		// the sink must know the topic's partition count.
		if info, ok, err := e.cluster.Topic(ctx, pp.out.Topic); err == nil && ok {
			pp.out.Partitions = info.Partitions
		}
	}
	if e.starting {
		e.deferred = append(e.deferred, deferredStart{ctx: ctx, id: pp.id, topo: pp.topo})
		return nil
	}
	return e.run(ctx, pp.id, pp.topo)
}

// deferredStart is a query New starts once the command log is replayed.
type deferredStart struct {
	ctx  context.Context
	id   string
	topo *runtime.Topology
}

// startDeferred starts the queries the replayed command log left
// running, in the order they were created. Callers hold e.mu, or own e
// (New).
func (e *Engine) startDeferred() {
	starts := e.deferred
	e.deferred = nil
	for _, d := range starts {
		if err := e.run(d.ctx, d.id, d.topo); err != nil {
			e.opts.Logf("query %s not started: %v", d.id, err)
			e.queryErrs = append(e.queryErrs, fmt.Errorf("query %s: %w", d.id, err))
		}
	}
}

// forgetDeferred drops query id from the queries New is yet to start.
func (e *Engine) forgetDeferred(id string) {
	e.deferred = slices.DeleteFunc(e.deferred, func(d deferredStart) bool { return d.id == id })
}

// run starts a registered persistent query's runtime.
func (e *Engine) run(ctx context.Context, id string, topo *runtime.Topology) error {
	// The query's goroutine must outlive the request that started it; the
	// engine owns it and stops it on TERMINATE, DROP or Close.
	opts := e.runOptions()
	if mq := e.ms.Query(id); mq != nil {
		opts.Paused = mq.Paused
	}
	q, err := runtime.Start(context.WithoutCancel(ctx), e.cluster, topo, opts)
	if err != nil {
		e.ms.DropQuery(id)
		return err
	}
	e.queries[id] = q
	go e.watchQuery(id, q)
	return nil
}

// sinkAvroKeyName is the Avro key record name of the sink name writing
// topic: ksqlDB's (serde.AvroKeyFullName), unless the topic's key subject
// already holds a record of the name eddy gave before it named keys as
// ksqlDB does (the sink's name lower-cased, its first letter upper-cased:
// T_multiKey for T_MULTI, where ksqlDB says TMultiKey). A sink made then
// keeps that name, so that on a restart, or made again over its topic,
// its key schema stays compatible with the one registered.
func (e *Engine) sinkAvroKeyName(name, topic string) string {
	full := serde.AvroKeyFullName(name)
	legacy := strings.ToLower(name)
	if legacy != "" {
		legacy = strings.ToUpper(legacy[:1]) + legacy[1:]
	}
	legacy = "io.confluent.ksql.avro_schemas." + legacy + "Key"
	if legacy == full || e.opts.Registry == nil {
		return full
	}
	_, rs, err := e.opts.Registry.Latest(serde.Subject(topic, true))
	if err != nil || (rs.Type != "" && !strings.EqualFold(rs.Type, "AVRO")) {
		return full
	}
	var rec struct{ Type, Name, Namespace string }
	if json.Unmarshal([]byte(rs.Schema), &rec) != nil || rec.Type != "record" {
		return full
	}
	if rec.Name == legacy || rec.Namespace+"."+rec.Name == legacy {
		return legacy
	}
	return full
}

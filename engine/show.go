package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

func (e *Engine) show(ctx context.Context, st *sql.Show, props map[string]string) (api.Entity, error) {
	text := st.Text()
	switch st.What {
	case "STREAMS", "TABLES":
		table := st.What == "TABLES"
		if st.Extended {
			return e.describeAll(ctx, text, table)
		}
		var infos []api.SourceInfo
		for _, s := range e.ms.Sources() {
			if s.IsTable == table {
				infos = append(infos, sourceInfo(s))
			}
		}
		if infos == nil {
			infos = []api.SourceInfo{}
		}
		if table {
			return &api.TablesList{Type: "tables", StatementText: text, Tables: infos, Warnings: []api.Warning{}}, nil
		}
		return &api.StreamsList{Type: "streams", StatementText: text, Streams: infos, Warnings: []api.Warning{}}, nil
	case "TOPICS":
		return e.showTopics(ctx, st)
	case "CONNECTORS", "SOURCE CONNECTORS", "SINK CONNECTORS":
		return e.showConnectors(ctx, st)
	case "CONNECTOR PLUGINS":
		return e.showConnectorPlugins(ctx, st)
	case "QUERIES":
		if st.Extended {
			return e.queryDescriptions(text)
		}
		return &api.QueriesList{Type: "queries", StatementText: text, Queries: e.runningQueries(ctx), Warnings: []api.Warning{}}, nil
	case "PROPERTIES":
		return e.properties(text, props), nil
	case "FUNCTIONS":
		return e.showFunctions(text), nil
	case "TYPES":
		list := &api.TypeList{Type: "type_list", StatementText: text, Types: map[string]api.SchemaInfo{}, Warnings: []api.Warning{}}
		for n, t := range e.ms.Types() {
			list.Types[n] = schemaInfo(t)
		}
		return list, nil
	}
	return nil, &stmtErr{msg: fmt.Sprintf("SHOW %s is not supported by eddy yet.", st.What)}
}

// hiddenTopic reports whether SHOW TOPICS leaves a topic out unless ALL
// is given: ksqlDB's internal topics and the broker's own.
func hiddenTopic(name string) bool {
	return strings.HasPrefix(name, "_confluent-ksql-") || strings.HasPrefix(name, "__") || name == "_schemas"
}

// showTopics answers SHOW [ALL] TOPICS [EXTENDED]. The cluster interface
// does not list consumer groups, so EXTENDED counts the consumers this
// engine runs: one per persistent query reading the topic, in the
// query's group.
func (e *Engine) showTopics(ctx context.Context, st *sql.Show) (api.Entity, error) {
	topics, err := e.cluster.Topics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var consumers map[string]int
	var groups map[string]map[string]bool
	if st.Extended {
		consumers, groups = e.topicConsumers()
	}
	plain := []api.TopicInfo{}
	ext := []api.TopicInfoExtended{}
	for _, t := range topics {
		if !st.All && hiddenTopic(t.Name) {
			continue
		}
		ri := make([]int, t.Partitions)
		for i := range ri {
			ri[i] = int(t.Replicas)
		}
		if st.Extended {
			ext = append(ext, api.TopicInfoExtended{Name: t.Name, ReplicaInfo: ri, ConsumerCount: consumers[t.Name], ConsumerGroupCount: len(groups[t.Name])})
		} else {
			plain = append(plain, api.TopicInfo{Name: t.Name, ReplicaInfo: ri})
		}
	}
	if st.Extended {
		return &api.TopicsListExtended{Type: "kafka_topics_extended", StatementText: st.Text(), Topics: ext, Warnings: []api.Warning{}}, nil
	}
	return &api.TopicsList{Type: "kafka_topics", StatementText: st.Text(), Topics: plain, Warnings: []api.Warning{}}, nil
}

// topicConsumers counts, per topic, the running queries reading it and
// their consumer groups.
func (e *Engine) topicConsumers() (map[string]int, map[string]map[string]bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	consumers := map[string]int{}
	groups := map[string]map[string]bool{}
	for _, q := range e.queries {
		if q.Err() != nil {
			continue
		}
		seen := map[string]bool{}
		for _, topic := range q.Topology.Topics() {
			if seen[topic] {
				continue
			}
			seen[topic] = true
			consumers[topic]++
			if groups[topic] == nil {
				groups[topic] = map[string]bool{}
			}
			groups[topic][q.Topology.Group] = true
		}
	}
	return consumers, groups
}

func sourceInfo(s *metastore.Source) api.SourceInfo {
	return api.SourceInfo{
		Type: s.Kind(), Name: s.Name, Topic: s.Topic,
		KeyFormat: s.KeyFormat.Name, ValueFormat: s.ValueFormat.Name, IsWindowed: s.Window != nil,
	}
}

// runningQueries lists the persistent queries, each with the number of
// servers of the service in each state (this one's, and the others':
// Options.PeerQueryStates), those that did not answer counted
// UNRESPONSIVE, as ksqlDB's SHOW QUERIES counts them; State is this
// server's.
func (e *Engine) runningQueries(ctx context.Context) []api.RunningQuery {
	var peers []map[string]string
	var unresponsive int
	if e.opts.PeerQueryStates != nil {
		peers, unresponsive = e.opts.PeerQueryStates(ctx) // before the lock: it waits for other servers
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []api.RunningQuery{}
	for _, q := range e.ms.Queries() {
		state := e.queryStateLocked(q.ID)
		count := map[string]int{state: 1}
		for _, p := range peers {
			if st, ok := p[q.ID]; ok {
				count[st]++
			}
		}
		if unresponsive > 0 {
			count["UNRESPONSIVE"] = unresponsive
		}
		out = append(out, api.RunningQuery{
			QueryString: q.SQL, Sinks: []string{q.Sink}, SinkKafkaTopics: []string{q.Topic}, ID: q.ID,
			StatusCount: count, QueryType: "PERSISTENT", State: state,
		})
	}
	return out
}

// QueryStates is the state of each persistent query on this server, for
// the other servers' SHOW QUERIES (Options.PeerQueryStates).
func (e *Engine) QueryStates() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for _, q := range e.ms.Queries() {
		out[q.ID] = e.queryStateLocked(q.ID)
	}
	return out
}

func (e *Engine) properties(text string, props map[string]string) *api.PropertiesList {
	merged := map[string]string{
		"ksql.service.id":                     e.sid,
		"ksql.persistence.default.format.key": "KAFKA",
		"auto.offset.reset":                   "latest",
	}
	defaults := map[string]bool{}
	for k := range merged {
		defaults[k] = true
	}
	for k, v := range e.cfg {
		merged[k] = v
		delete(defaults, k)
	}
	// The server passes 'ksql.streams.x' on as x too (for the Kafka
	// Streams settings the engine reads): one session property, one row.
	alias := map[string]bool{}
	for k, v := range props {
		if short, ok := strings.CutPrefix(strings.ToLower(k), "ksql.streams."); ok && props[short] == v {
			alias[short] = true
		}
	}
	overwritten := []string{}
	for k, v := range props {
		if alias[k] {
			continue
		}
		merged[strings.ToLower(k)] = v
		overwritten = append(overwritten, k)
		delete(defaults, k)
	}
	names := make([]string, 0, len(merged))
	for k := range merged {
		names = append(names, k)
	}
	sort.Strings(names)
	list := &api.PropertiesList{Type: "properties", StatementText: text, OverwrittenProperties: overwritten, DefaultProperties: sortedKeys(defaults), Warnings: []api.Warning{}}
	for _, n := range names {
		scope := "KSQL"
		if !strings.HasPrefix(n, "ksql.") {
			scope = "STREAMS"
		}
		list.Properties = append(list.Properties, api.Property{Name: n, Scope: scope, Value: merged[n]})
	}
	return list
}

func sortedKeys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *Engine) describe(ctx context.Context, st *sql.Describe) (api.Entity, error) {
	if st.Streams || st.Tables {
		return e.describeAll(ctx, st.Text(), st.Tables)
	}
	if st.Function {
		return e.describeFunction(st)
	}
	if st.Connector {
		return e.describeConnector(ctx, st)
	}
	src := e.ms.Source(st.Name)
	if src == nil {
		return nil, &stmtErr{msg: fmt.Sprintf("Could not find STREAM/TABLE '%s' in the Metastore", st.Name)}
	}
	return &api.SourceDescriptionEntity{
		Type: "sourceDescription", StatementText: st.Text(),
		SourceDescription: e.sourceDescription(ctx, src, st.Extended), Warnings: []api.Warning{},
	}, nil
}

func (e *Engine) describeAll(ctx context.Context, text string, tables bool) (api.Entity, error) {
	list := &api.SourceDescriptionList{Type: "source_descriptions", StatementText: text, SourceDescriptions: []api.SourceDescription{}, Warnings: []api.Warning{}}
	for _, s := range e.ms.Sources() {
		if s.IsTable == tables {
			list.SourceDescriptions = append(list.SourceDescriptions, e.sourceDescription(ctx, s, true))
		}
	}
	return list, nil
}

func (e *Engine) sourceDescription(ctx context.Context, s *metastore.Source, extended bool) api.SourceDescription {
	d := api.SourceDescription{
		Name: s.Name, Type: s.Kind(), Timestamp: s.Timestamp, Extended: extended,
		KeyFormat: s.KeyFormat.Name, ValueFormat: s.ValueFormat.Name, Topic: s.Topic, Statement: s.SQL,
		ReadQueries: []api.QueryRef{}, WriteQueries: []api.QueryRef{}, SourceConstraints: []string{},
	}
	if s.Window != nil {
		d.WindowType = s.Window.Type
	}
	for _, c := range s.Schema.Columns {
		f := api.FieldInfo{Name: c.Name, Schema: schemaInfo(c.Type)}
		switch c.Namespace {
		case types.KeyColumn:
			f.Type = "KEY"
		case types.HeaderColumn:
			f.Type, f.HeaderKey = "HEADER", c.HeaderKey
		}
		d.Fields = append(d.Fields, f)
	}
	for _, q := range e.ms.QueriesReading(s.Name) {
		d.ReadQueries = append(d.ReadQueries, api.QueryRef{QueryString: q.SQL, Sinks: []string{q.Sink}, ID: q.ID, State: e.queryState(q.ID)})
	}
	for _, q := range e.ms.QueriesWriting(s.Name) {
		d.WriteQueries = append(d.WriteQueries, api.QueryRef{QueryString: q.SQL, Sinks: []string{q.Sink}, ID: q.ID, State: e.queryState(q.ID)})
	}
	if extended {
		if info, ok, err := e.cluster.Topic(ctx, s.Topic); err == nil && ok {
			d.Partitions, d.Replication = int(info.Partitions), int(info.Replicas)
		}
		d.Statistics, d.ErrorStats = e.sourceStats(s.Name)
	}
	return d
}

// queryState is a persistent query's state as SHOW QUERIES reports it:
// RUNNING, PAUSED, or ERROR once it stopped on a failure.
func (e *Engine) queryState(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.queryStateLocked(id)
}

// queryStateLocked is queryState for callers holding e.mu. A query that
// does not run here (another server's, or one not yet started) is as
// the catalog says.
func (e *Engine) queryStateLocked(id string) string {
	if rq := e.queries[id]; rq != nil {
		return rq.State()
	}
	if mq := e.ms.Query(id); mq != nil && mq.Paused {
		return "PAUSED"
	}
	return "RUNNING"
}

// sourceStats reports what the queries running here did with the
// source's topic, in the shape of ksqlDB's local runtime statistics: the
// records queries read from it and wrote to it, and the records of it
// that failed (could not be deserialized or processed), counted where
// they happened rather than on the queries' sinks.
func (e *Engine) sourceStats(name string) (stats, errs string) {
	s := e.ms.Source(name)
	if s == nil {
		return "", ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var consumed topicSum
	var produced, restored, last int64
	for _, q := range e.ms.QueriesReading(name) {
		if rq := e.queries[q.ID]; rq != nil {
			consumed.add(rq.TopicCounts(s.Topic))
			last = max(last, rq.LastMessage())
		}
	}
	for _, q := range e.ms.QueriesWriting(name) {
		if rq := e.queries[q.ID]; rq != nil {
			c := rq.Counts()
			produced += c.Out
			restored += c.Restored
			last = max(last, rq.LastMessage())
		}
	}
	stats = formatStats([]stat{{"consumer-total-messages", consumed.Consumed}, {"total-messages", produced}}, "last-message", last)
	if restored > 0 {
		// State restored from changelogs when the query's tasks started.
		stats += fmt.Sprintf(" state-restored-records: %d", restored)
	}
	errs = formatStats([]stat{{"consumer-failed-messages", consumed.Errors}}, "last-failed", consumed.LastError)
	return stats, errs
}

// topicSum adds up what several queries did with one topic.
type topicSum struct{ Consumed, Errors, LastError int64 }

func (s *topicSum) add(c runtime.TopicCounts) {
	s.Consumed += c.Consumed
	s.Errors += c.Errors
	s.LastError = max(s.LastError, c.LastError)
}

type stat struct {
	name  string
	value int64
}

// formatStats lays statistics out as ksqlDB does: each name right-aligned
// with its value, then the time of the latest event.
func formatStats(stats []stat, timeName string, ms int64) string {
	var b strings.Builder
	for _, st := range stats {
		fmt.Fprintf(&b, "%16s:%10d ", st.name, st.value)
	}
	fmt.Fprintf(&b, "%16s: %9s", timeName, statTime(ms))
	return b.String()
}

// statTime renders an event time of the statistics (UTC, ISO 8601), or
// n/a when there was none.
func statTime(ms int64) string {
	if ms <= 0 {
		return "n/a"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// schemaInfo renders a type as the REST API's schema object.
func schemaInfo(t *types.Type) api.SchemaInfo {
	si := api.SchemaInfo{Type: t.BaseName()}
	switch t.Kind {
	case types.Array, types.Map:
		m := schemaInfo(t.Elem)
		si.MemberSchema = &m
	case types.Struct:
		for _, f := range t.Fields {
			si.Fields = append(si.Fields, api.FieldInfo{Name: f.Name, Schema: schemaInfo(f.Type)})
		}
	case types.Decimal:
		si.Parameters = map[string]any{"precision": t.Precision, "scale": t.Scale}
	}
	return si
}

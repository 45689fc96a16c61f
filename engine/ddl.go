package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

func (e *Engine) prepareCreateSource(ctx context.Context, st *sql.CreateSource, cfg planner.Config) (action, error) {
	kind := strings.ToLower(kindWord(st.IsTable))
	if old := e.ms.Source(st.Name); old != nil {
		if st.IfNotExists {
			return func(context.Context) (api.Entity, error) {
				return status(fmt.Sprintf("Cannot add %s %s: A %s with the same name already exists.", kind, st.Name, kind), ""), nil
			}, nil
		}
		if !st.OrReplace {
			return nil, &stmtErr{msg: fmt.Sprintf("Cannot add %s '%s': A %s with the same name already exists", kind, st.Name, strings.ToLower(old.Kind()))}
		}
		if old.IsSource || st.Source {
			return nil, &stmtErr{msg: fmt.Sprintf("Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", kind, st.Name, kind)}
		}
	}
	p := planner.New(e.ms, e.fns, cfg, e.opts.Registry)
	switch {
	case cfg[planner.InferredColumnsProperty] != "":
		p.Inference = planner.InferStored
	case e.replaying:
		// A command from the log without its columns was stored by an
		// earlier build: its columns are that build's.
		p.Inference = planner.InferLegacy
	}
	src, err := p.PlanCreateSource(st)
	if err != nil {
		return nil, err
	}
	// Commands replayed from the log were checked when first run.
	if old := e.ms.Source(st.Name); old != nil && !e.replaying {
		if err := planner.CheckSourceUpgrade(old, src); err != nil {
			return nil, err
		}
	}
	e.inferredIDs, e.injected = inferredIDs(src), p.Injected
	parts, hasParts, err := planner.PropCount(st.Props, "PARTITIONS", 32)
	if err != nil {
		return nil, err
	}
	replicas, _, err := planner.PropCount(st.Props, "REPLICAS", 16)
	if err != nil {
		return nil, err
	}
	info, exists, err := e.cluster.Topic(ctx, src.Topic)
	if err != nil {
		return nil, fmt.Errorf("look up topic %s: %w", src.Topic, err)
	}
	switch {
	case exists && hasParts && int32(parts) != info.Partitions:
		return nil, &stmtErr{msg: fmt.Sprintf("A Kafka topic with the name '%s' already exists, with different partition/replica configuration than required. KSQL expects %d partitions (topic has %d).", src.Topic, parts, info.Partitions)}
	case !exists && !hasParts && !e.opts.CreateSourceTopics:
		return nil, &stmtErr{msg: fmt.Sprintf("Topic '%s' does not exist. If you want to create a new topic for the %s please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE %s %s (...) WITH (KAFKA_TOPIC='%s', PARTITIONS=2, REPLICAS=1, ...);", src.Topic, kind, strings.ToUpper(kind), st.Name, src.Topic)}
	}
	return func(ctx context.Context) (api.Entity, error) {
		if !exists {
			if parts <= 0 {
				parts = 1
			}
			if replicas <= 0 {
				replicas = 1
			}
			if err := e.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: src.Topic, Partitions: int32(parts), Replicas: int16(replicas), Configs: cleanupPolicy(src.IsTable)}); err != nil {
				return nil, err // it names the topic
			}
			if e.starting {
				e.noteReplayMade(src.Topic)
			}
		}
		if err := e.registerDeclaredSchemas(src); err != nil {
			return nil, err
		}
		e.ms.PutSource(src)
		msg := "Stream created"
		if st.IsTable {
			msg = "Table created"
		}
		return status(msg, ""), nil
	}, nil
}

// registerDeclaredSchemas registers, as ksqlDB does at CREATE, the
// schema of each side of a new source whose columns the statement
// declared in a Schema-Registry format (AVRO, PROTOBUF, JSON_SR), when
// its subject has none yet: producers that look their schema up, and
// ASSERT SCHEMA, find it before anything is written. Columns inferred
// from the subject's latest schema are there already; the schema a
// KEY_SCHEMA_ID or VALUE_SCHEMA_ID names is registered under the
// subject whether it has versions or not, as ksqlDB does.
func (e *Engine) registerDeclaredSchemas(src *metastore.Source) error {
	if e.opts.Registry == nil {
		return nil
	}
	ids := inferredIDs(src)
	for _, side := range []struct {
		isKey    bool
		f        serde.Format
		cols     []types.Column
		inferred string
	}{
		{true, src.KeyFormat, src.Schema.Key(), planner.InferredKeySchemaIDProperty},
		{false, src.ValueFormat, src.Schema.Value(), planner.InferredValueSchemaIDProperty},
	} {
		name := strings.ToUpper(side.f.Name)
		if len(side.cols) == 0 || ids[side.inferred] != "" || (name != serde.Avro && name != serde.Protobuf && name != serde.JSONSR) {
			continue
		}
		if !serde.HasSchemaID(side.f, side.isKey) {
			_, _, err := e.opts.Registry.Latest(serde.Subject(src.Topic, side.isKey))
			if err == nil {
				continue // ksqlDB registers a declared source's schema only under a new subject
			}
			if !errors.Is(err, serde.ErrSubjectNotFound) {
				return couldNotRegister(err)
			}
		}
		// A serde that may write registers its schema as it is built.
		if _, err := serde.NewFor(side.f, side.cols, side.isKey, serde.Env{Topic: src.Topic, Registry: e.opts.Registry}); err != nil {
			return couldNotRegister(err)
		}
	}
	return nil
}

// couldNotRegister is ksqlDB's error for a schema a CREATE could not
// register: its prefix, then the registry's answer (which names the
// subject), without the serde's own "registering the schema under
// subject" before it.
func couldNotRegister(err error) error {
	var re *serde.RegisterError
	if errors.As(err, &re) {
		err = re.Err
	}
	return fmt.Errorf("Could not register schema for topic: %w", err)
}

func cleanupPolicy(table bool) map[string]string {
	if table {
		return map[string]string{"cleanup.policy": "compact"}
	}
	return map[string]string{"cleanup.policy": "delete"}
}

func (e *Engine) prepareDrop(ctx context.Context, st *sql.DropSource) (action, error) {
	src := e.ms.Source(st.Name)
	kind := kindWord(st.IsTable)
	if src == nil {
		if st.IfExists {
			return func(context.Context) (api.Entity, error) {
				return status(fmt.Sprintf("Source `%s` does not exist.", st.Name), ""), nil
			}, nil
		}
		kind := "Stream"
		if st.IsTable {
			kind = "Table"
		}
		return nil, &stmtErr{msg: fmt.Sprintf("%s %s does not exist.", kind, st.Name)}
	}
	if src.IsTable != st.IsTable {
		return nil, &stmtErr{msg: fmt.Sprintf("Incompatible data source type is %s, but statement was DROP %s", src.Kind(), strings.ToUpper(kind))}
	}
	if st.DeleteTopic && src.IsSource {
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot delete topic for read-only source: %s", src.Name)}
	}
	var readers, writers []string
	for _, q := range e.ms.QueriesReading(src.Name) {
		readers = append(readers, q.Sink)
	}
	for _, q := range e.ms.QueriesWriting(src.Name) {
		if q.ID != src.CreatedBy {
			writers = append(writers, q.ID)
		}
	}
	if len(readers) > 0 {
		sort.Strings(readers)
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot drop %s.\nThe following streams and/or tables read from this source: [%s].\nYou need to drop them before dropping %s.", src.Name, strings.Join(readers, ", "), src.Name)}
	}
	if len(writers) > 0 {
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot drop %s.\nThe following queries write into this source: [%s].\nYou need to terminate them before dropping %s.", src.Name, strings.Join(writers, ", "), src.Name)}
	}
	return func(ctx context.Context) (api.Entity, error) {
		if src.CreatedBy != "" {
			e.stopQuery(src.CreatedBy)
		}
		e.ms.DropSource(src.Name)
		e.dropTable(src.Name)
		// The server that runs the DROP deletes the topic, once, as
		// ksqlDB does; the command log keeps the statement, and applying
		// it again (a restart, another server) must not delete whatever
		// topic of that name was made since.
		if st.DeleteTopic && !e.replaying {
			if err := e.cluster.DeleteTopic(ctx, src.Topic); err != nil {
				return nil, fmt.Errorf("delete topic %s: %w", src.Topic, err)
			}
			if err := e.deleteSubjects(src); err != nil {
				return nil, err
			}
		}
		// But a topic the restart's replay itself made (it was missing:
		// that DROP deleted it, or it went since) goes again, or every
		// restart brought back the topic of a dropped source.
		if e.starting && e.replayMade[src.Topic] {
			delete(e.replayMade, src.Topic)
			if err := e.cluster.DeleteTopic(ctx, src.Topic); err != nil {
				return nil, fmt.Errorf("delete topic %s: %w", src.Topic, err)
			}
		}
		return status(fmt.Sprintf("Source `%s` (topic: %s) was dropped.", src.Name, src.Topic), ""), nil
	}, nil
}

// deleteSubjects deletes (softly) the Schema Registry subjects of a
// dropped source's topic on the sides whose format keeps its schemas
// there, as ksqlDB's DROP … DELETE TOPIC does, so that a topic made
// again under that name starts with no old schema to be compatible with.
func (e *Engine) deleteSubjects(src *metastore.Source) error {
	d, ok := e.opts.Registry.(serde.SubjectDeleter)
	if !ok {
		return nil // none, or a sandbox's
	}
	for _, side := range []struct {
		f     serde.Format
		isKey bool
	}{{src.KeyFormat, true}, {src.ValueFormat, false}} {
		if !serde.IsSchemaRegistryFormat(side.f.Name) {
			continue
		}
		if err := d.DeleteSubject(serde.Subject(src.Topic, side.isKey)); err != nil {
			return fmt.Errorf("Could not clean up the schema registry for topic: %s: %w", src.Topic, err)
		}
	}
	return nil
}

func (e *Engine) prepareTerminate(st *sql.Terminate) (action, error) {
	if st.All {
		return func(context.Context) (api.Entity, error) {
			for _, q := range e.ms.Queries() {
				e.stopQuery(q.ID)
			}
			return status("Query terminated.", ""), nil
		}, nil
	}
	id := strings.ToUpper(st.QueryID)
	if e.ms.Query(id) == nil {
		return nil, &stmtErr{msg: fmt.Sprintf("Unknown queryId: %s", id)}
	}
	return func(context.Context) (api.Entity, error) {
		e.stopQuery(id)
		return status("Query terminated.", id), nil
	}, nil
}

// stopQuery stops a persistent query for good and forgets it; its
// internal topics, state stores and consumer group go once e.mu is
// released (unlock). The source it wrote stays.
// Callers hold e.mu.
func (e *Engine) stopQuery(id string) { e.stopQueryKeeping(id, false, nil) }

// stopQueryKeeping stops a query; with keepState (CREATE OR REPLACE,
// which runs the new version under the same id on the old one's state,
// group and offsets) only those of its repartition topics go that the
// new version, whose own are next, does not use. Callers hold e.mu.
func (e *Engine) stopQueryKeeping(id string, keepState bool, next []string) {
	e.forgetDeferred(id)
	if q := e.queries[id]; q != nil {
		if err := q.Stop(); err != nil {
			e.opts.Logf("stop query %s: %v", id, err)
		}
		delete(e.queries, id)
	}
	e.failures.forget(id)
	if mq := e.ms.Query(id); mq != nil {
		if keepState {
			// The new version reads on from the offsets its group
			// committed in the repartition topics, and the other
			// servers still write to them until they read the
			// command: deleted, the rows in flight were lost and the
			// others' producers retried the vanished topics.
			var gone []string
			for _, t := range mq.InternalTopics {
				if !slices.Contains(next, t) {
					gone = append(gone, t)
				}
			}
			e.deleteTopics(gone)
		} else {
			// The other servers running it stop it as they read
			// the command; its topics go once they have, after
			// e.mu is released (see unlock).
			group := e.appID(id)
			e.cleanups = append(e.cleanups, func() {
				e.awaitGroupEmpty(group, othersStopWait)
				e.deleteQueryState(mq)
				e.deleteGroup(group)
			})
		}
		if src := e.ms.Source(mq.Sink); src != nil && src.CreatedBy == id {
			c := *src
			c.CreatedBy = ""
			e.ms.PutSource(&c)
		}
	}
	e.ms.DropQuery(id)
}

// inferredIDs returns the ids of the schemas src's columns were inferred
// from, as command properties.
func inferredIDs(src *metastore.Source) map[string]string {
	ids := map[string]string{}
	if id, ok := src.KeyFormat.Props["KEY_"+serde.PropInferredSchemaID]; ok {
		ids[planner.InferredKeySchemaIDProperty] = id
	}
	if id, ok := src.ValueFormat.Props["VALUE_"+serde.PropInferredSchemaID]; ok {
		ids[planner.InferredValueSchemaIDProperty] = id
	}
	return ids
}

// deleteQueryState deletes what a stopped query kept: its internal
// topics (repartition topics and state changelogs, all named after its
// application id, as ksqlDB's cleanup finds them) and its local state
// stores. Left behind, the compacted changelogs of every query ever
// dropped stayed on the broker for good.
func (e *Engine) deleteQueryState(mq *metastore.Query) {
	ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
	defer cancel()
	topics := map[string]bool{}
	for _, t := range mq.InternalTopics {
		topics[t] = true
	}
	prefix := e.appID(mq.ID) + "-"
	all, err := e.cluster.Topics(ctx)
	if err != nil {
		e.opts.Logf("list the internal topics of query %s: %v", mq.ID, err)
	}
	for _, t := range all {
		if strings.HasPrefix(t.Name, prefix) {
			topics[t.Name] = true
		}
	}
	e.deleteTopics(slices.Sorted(maps.Keys(topics)))
	if e.taskStateDir != "" {
		if err := os.RemoveAll(filepath.Join(e.taskStateDir, safeName(mq.ID))); err != nil {
			e.opts.Logf("delete the state stores of query %s: %v", mq.ID, err)
		}
	}
}

// deleteTopics deletes a query's internal topics.
func (e *Engine) deleteTopics(topics []string) {
	for _, t := range topics {
		ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
		// Another server of the service, stopping the same query, may
		// have deleted it first.
		if err := e.cluster.DeleteTopic(ctx, t); err != nil && !errors.Is(err, kafka.ErrUnknownTopic) {
			e.opts.Logf("delete internal topic %s: %v", t, err)
		}
		cancel()
	}
}

func (e *Engine) prepareCreateType(st *sql.CreateType) (action, error) {
	if old := e.ms.Type(st.Name); old != nil {
		if st.IfNotExists {
			return func(context.Context) (api.Entity, error) {
				return status(fmt.Sprintf("%s is already registered with type %s", st.Name, old), ""), nil
			}, nil
		}
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot register custom type '%s' since it is already registered with type: %s", st.Name, e.ms.Type(st.Name))}
	}
	t, err := e.ms.ResolveType(st.Type)
	if err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	return func(context.Context) (api.Entity, error) {
		e.ms.PutType(st.Name, t)
		return status(fmt.Sprintf("Registered custom type with name '%s' and SQL type %s", st.Name, t), ""), nil
	}, nil
}

func (e *Engine) prepareDropType(st *sql.DropType) (action, error) {
	if e.ms.Type(st.Name) == nil && !st.IfExists {
		return nil, &stmtErr{msg: fmt.Sprintf("Type %s does not exist.", st.Name)}
	}
	// ksqlDB's messages, as its DdlCommandExec words them.
	return func(context.Context) (api.Entity, error) {
		if e.ms.Type(st.Name) == nil {
			return status(fmt.Sprintf("Type '%s' does not exist", st.Name), ""), nil
		}
		e.ms.DropType(st.Name)
		return status(fmt.Sprintf("Dropped type '%s'", st.Name), ""), nil
	}, nil
}

// sinkMeta builds the catalog entry for a CSAS/CTAS query's sink.

// prepareAlter adds value columns to a source made by CREATE STREAM/TABLE.
func (e *Engine) prepareAlter(st *sql.AlterSource) (action, error) {
	kind := strings.ToLower(kindWord(st.IsTable))
	src := e.ms.Source(st.Name)
	if src == nil {
		return nil, &stmtErr{msg: fmt.Sprintf("Source %s does not exist.", st.Name)}
	}
	if src.IsTable != st.IsTable {
		return nil, &stmtErr{msg: fmt.Sprintf("Incompatible data source type is %s, but statement was ALTER %s", src.Kind(), strings.ToUpper(kind))}
	}
	if src.IsSource {
		return nil, &stmtErr{msg: fmt.Sprintf("Cannot alter %s '%s': ALTER operations are not supported on source %ss.", kind, src.Name, kind)}
	}
	if src.CreatedBy != "" {
		return nil, &stmtErr{msg: "ALTER command is not supported for CREATE ... AS statements."}
	}
	schema := &types.Schema{Columns: append([]types.Column{}, src.Schema.Columns...)}
	for _, el := range st.Add {
		if schema.Find(el.Name) >= 0 {
			return nil, &stmtErr{msg: fmt.Sprintf("Cannot add column `%s` to schema. A column with the same name already exists.", el.Name)}
		}
		if el.Key || el.PrimaryKey {
			return nil, &stmtErr{msg: "ALTER can only add value columns."}
		}
		t, err := e.ms.ResolveType(el.Type)
		if err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		schema.Columns = append(schema.Columns, types.Column{Name: el.Name, Type: t})
	}
	return func(context.Context) (api.Entity, error) {
		c := *src
		c.Schema = schema
		e.ms.PutSource(&c)
		return status(fmt.Sprintf("%s %s altered.", strings.ToUpper(kind[:1])+kind[1:], st.Name), ""), nil
	}, nil
}

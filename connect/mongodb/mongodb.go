// Package mongodb is the MongoDB sink connector, compatible with the
// MongoDB Kafka connector's com.mongodb.kafka.connect.MongoSinkConnector:
// the same options, id strategies, write models and Debezium change-data
// handler, over the official Go driver (go.mongodb.org/mongo-driver).
package mongodb

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"

	"github.com/eddysql/eddy/connect"
	opts "github.com/eddysql/eddy/connect/internal/options"
)

// Class is the Kafka Connect class name.
const Class = "com.mongodb.kafka.connect.MongoSinkConnector"

const (
	optURI           = "connection.uri"
	optDatabase      = "database"
	optCollection    = "collection"
	optIDStrategy    = "document.id.strategy"
	optOverwriteID   = "document.id.strategy.overwrite.existing"
	optUUIDFormat    = "document.id.strategy.uuid.format"
	optKeyProjType   = "key.projection.type"
	optKeyProjList   = "key.projection.list"
	optValueProjType = "value.projection.type"
	optValueProjList = "value.projection.list"
	// The id strategies' own projections (MongoDB's connector 1.2+),
	// which take precedence over key.projection.* / value.projection.*.
	optIDKeyProjType    = "document.id.strategy.partial.key.projection.type"
	optIDKeyProjList    = "document.id.strategy.partial.key.projection.list"
	optIDValueProjType  = "document.id.strategy.partial.value.projection.type"
	optIDValueProjList  = "document.id.strategy.partial.value.projection.list"
	optPostProcessors   = "post.processor.chain"
	optWriteModel       = "writemodel.strategy"
	optDeleteOnNull     = "delete.on.null.values"
	optMaxBatchSize     = "max.batch.size"
	optOrdered          = "bulk.write.ordered"
	optCDCHandler       = "change.data.capture.handler"
	optMaxRetries       = "max.num.retries"
	optRetriesDefer     = "retries.defer.timeout"
	optWriteTimeout     = "bulk.write.timeout.ms"
	optTopicOverride    = "topic.override.<topic>.<option>"
	topicOverridePrefix = "topic.override."
)

var spec = []connect.ConfigField{
	{Name: optURI, Type: connect.TypePassword, Default: "mongodb://localhost:27017", Doc: "The MongoDB connection string (mongodb:// or mongodb+srv://), with credentials and driver options such as serverSelectionTimeoutMS (2000 when not given, rather than the driver's 30000, so that a server that is down fails a write, and shows in the task's status, within seconds; the write is retried in any case). Shown with its password hidden."},
	{Name: optDatabase, Type: connect.TypeString, Required: true, Doc: "The database written to."},
	{Name: optCollection, Type: connect.TypeString, Doc: "The collection written to. Default: the record's topic name."},
	{Name: optIDStrategy, Type: connect.TypeString, Default: pkgID + idBsonOid, Doc: "How a document's _id is chosen (class name, or its simple name): BsonOidStrategy an ObjectId; ProvidedInKeyStrategy the key's _id field; ProvidedInValueStrategy the value's _id field; PartialKeyStrategy / PartialValueStrategy the key / value projected by key.projection.* / value.projection.*; FullKeyStrategy the whole key (a string or number key as is); UuidStrategy a UUID; KafkaMetaDataStrategy topic-partition-offset. The ObjectId and UUID are derived from the record's topic, partition and offset rather than drawn at random, so a record delivered again after a crash replaces its own document instead of adding a second one."},
	{Name: optOverwriteID, Type: connect.TypeBoolean, Default: "false", Doc: "false: a value that carries an _id field keeps it; true: the id strategy's id replaces it."},
	{Name: optUUIDFormat, Type: connect.TypeString, Default: "string", Enum: []string{"string", "binary"}, Doc: "UuidStrategy: write the UUID as a string or as BSON binary subtype 4."},
	{Name: optKeyProjType, Type: connect.TypeString, Default: "none", Enum: []string{"none", "allowlist", "blocklist", "whitelist", "blacklist"}, Doc: "PartialKeyStrategy: keep (allowlist) or drop (blocklist) the key fields in key.projection.list to make the _id."},
	{Name: optKeyProjList, Type: connect.TypeList, Doc: "Key fields for key.projection.type, comma-separated; dotted paths reach nested fields, * matches any name."},
	{Name: optValueProjType, Type: connect.TypeString, Default: "none", Enum: []string{"none", "allowlist", "blocklist", "whitelist", "blacklist"}, Doc: "PartialValueStrategy (and the value projectors of post.processor.chain): keep (allowlist) or drop (blocklist) the value fields in value.projection.list."},
	{Name: optValueProjList, Type: connect.TypeList, Doc: "Value fields for value.projection.type, comma-separated; dotted paths reach nested fields, * matches any name."},
	{Name: optIDKeyProjType, Type: connect.TypeString, Enum: []string{"allowlist", "blocklist", "whitelist", "blacklist"}, Doc: "PartialKeyStrategy's own projection type (AllowList or BlockList, any case); when set it is used instead of key.projection.type, as by MongoDB's connector 1.2 and later."},
	{Name: optIDKeyProjList, Type: connect.TypeList, Doc: "PartialKeyStrategy's own key fields; when set, used instead of key.projection.list."},
	{Name: optIDValueProjType, Type: connect.TypeString, Enum: []string{"allowlist", "blocklist", "whitelist", "blacklist"}, Doc: "PartialValueStrategy's own projection type (AllowList or BlockList, any case); when set it is used for the _id instead of value.projection.type, which then applies to the value projectors of post.processor.chain only."},
	{Name: optIDValueProjList, Type: connect.TypeList, Doc: "PartialValueStrategy's own value fields; when set, used for the _id instead of value.projection.list."},
	{Name: optPostProcessors, Type: connect.TypeList, Default: "com.mongodb.kafka.connect.sink.processor.DocumentIdAdder", Doc: "Post processors applied to each document, in order: DocumentIdAdder (sets _id by document.id.strategy; always applied), AllowListValueProjector and BlockListValueProjector (project the stored document by value.projection.list). Others are refused."},
	{Name: optWriteModel, Type: connect.TypeString, Default: pkgWM + wmReplaceDefault, Doc: "How a document is written (class name or simple name): ReplaceOneDefaultStrategy replaces the document with the same _id, inserting it when missing; ReplaceOneBusinessKeyStrategy replaces the document matching the fields of the _id made by PartialValueStrategy; UpdateOneTimestampsStrategy sets the fields (plus _modifiedTS, and _insertedTS on insert) on the document with the same _id, creating it; UpdateOneBusinessKeyTimestampStrategy the same by business key; InsertOneDefaultStrategy inserts; DeleteOneDefaultStrategy deletes the document whose _id is the key."},
	{Name: optDeleteOnNull, Type: connect.TypeBoolean, Default: "false", Doc: "true: a record with a null value (a tombstone) deletes the document with its key's _id; needs a key-based document.id.strategy (ProvidedInKeyStrategy, PartialKeyStrategy or FullKeyStrategy). false: tombstones are skipped."},
	{Name: optMaxBatchSize, Type: connect.TypeInt, Default: "0", Doc: "Most writes in one bulk write; 0: up to 500, the most MongoDB's connector gets in one put under Kafka Connect's default max.poll.records. eddy hands a sink up to 10,000 records at once, and each bulk write that succeeds is kept when a later one fails or times out (bulk.write.timeout.ms counts per bulk write), so a slow server still makes progress."},
	{Name: optOrdered, Type: connect.TypeBoolean, Default: "true", Doc: "true: bulk writes are ordered, so writes of the same document apply in record order; a refused document stops the bulk there and the writes after it are sent again. false: unordered."},
	{Name: optCDCHandler, Type: connect.TypeString, Doc: "Reads records as change events: com.mongodb.kafka.connect.sink.cdc.debezium.mysql.MysqlHandler (also rdbms.RdbmsHandler, rdbms.mysql.MysqlHandler, postgres.PostgresHandler) takes Debezium envelopes; op c, r and u replace the document whose _id is the event key, inserting it when missing, and d deletes it. id strategies and write models do not apply then."},
	{Name: optMaxRetries, Type: connect.TypeInt, Default: "1", Doc: "Times a failed bulk write (network error, timeout, no server) is retried before the write fails; the runtime then retries the whole batch with backoff, so a record is never skipped. The task's status shows the error from the first failure on."},
	{Name: optRetriesDefer, Type: connect.TypeInt, Default: "5000", Doc: "Milliseconds to wait before such a retry."},
	{Name: optWriteTimeout, Type: connect.TypeLong, Default: "120000", Doc: "eddy's addition: milliseconds one bulk write may wait for the server's answer before it counts as failed and is retried, so a server that hangs shows as a task error instead of a task that waits forever. 0: no limit (the connection string's timeoutMS and socketTimeoutMS still apply)."},
	{Name: optTopicOverride, Type: connect.TypeString, Doc: "Per-topic setting of collection, document.id.strategy, document.id.strategy.*, key.projection.*, value.projection.*, post.processor.chain, writemodel.strategy, delete.on.null.values or change.data.capture.handler, e.g. topic.override.pageviews.collection=views."},
}

// overridable are the options topic.override.<topic>.<option> may set.
var overridable = map[string]bool{
	optCollection: true, optIDStrategy: true, optOverwriteID: true, optUUIDFormat: true,
	optKeyProjType: true, optKeyProjList: true, optValueProjType: true, optValueProjList: true,
	optIDKeyProjType: true, optIDKeyProjList: true, optIDValueProjType: true, optIDValueProjList: true,
	optPostProcessors: true, optWriteModel: true, optDeleteOnNull: true, optCDCHandler: true,
}

// Register adds the MongoDB sink to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class:   Class,
		Aliases: []string{"mongodb"},
		Kind:    connect.Sink,
		Version: "1.0.0",
		Doc: "Writes records to MongoDB collections (one per topic by default) with ordered bulk writes. " +
			"The document _id comes from an id strategy, the write from a write model (replace by _id by default), a tombstone can delete, and Debezium change events can be applied as they are. " +
			"Types follow the record schema (Timestamp, Date and Time to Date, Decimal to Decimal128; FerretDB 1.x has no Decimal128 and drops the connection on one, so cast decimals to strings or doubles for it; FerretDB 1.24 also hangs a collection that two bulk upserts write at once, so keep tasks.max=1 and one server per FerretDB collection). A document the server refuses is reported per record while the others are written; a server that is down is retried with backoff and no record is skipped.",
		Spec:     spec,
		Validate: validate,
		NewSink:  func(cfg connect.Config) (connect.SinkTask, error) { return newTask(cfg) },
	})
}

// settings is the connector-wide configuration.
type settings struct {
	uri          string
	database     string
	maxBatch     int
	ordered      bool
	maxRetries   int
	retriesDefer time.Duration
	writeTimeout time.Duration
	base         *topicSettings
	cfg          connect.Config
}

// topicSettings are the options topic.override may change.
type topicSettings struct {
	collection          string
	idStrategy          string
	overwriteID         bool
	uuidBinary          bool
	keyProjectionType   string
	keyProjection       []string
	valueProjectionType string
	valueProjection     []string
	// idValueProjectionType and idValueProjection make PartialValueStrategy's
	// _id: document.id.strategy.partial.value.projection.* where set,
	// value.projection.* otherwise.
	idValueProjectionType string
	idValueProjection     []string
	valueProjectors       []projector
	writeModel            string
	deleteOnNull          bool
	cdc                   string
}

type projector struct {
	typ   string
	paths []string
}

func parse(cfg connect.Config) (*settings, error) {
	r := opts.New(cfg, spec)
	s := &settings{
		uri:          r.String(optURI),
		database:     r.String(optDatabase),
		maxBatch:     int(r.Int(optMaxBatchSize)),
		ordered:      r.Bool(optOrdered),
		maxRetries:   int(r.Int(optMaxRetries)),
		retriesDefer: time.Duration(r.Int(optRetriesDefer)) * time.Millisecond,
		writeTimeout: time.Duration(r.Int(optWriteTimeout)) * time.Millisecond,
		cfg:          cfg,
	}
	if s.database == "" {
		r.Fail("Missing required configuration %q which has no default value.", optDatabase)
	}
	if !strings.HasPrefix(s.uri, "mongodb://") && !strings.HasPrefix(s.uri, "mongodb+srv://") {
		r.Fail("Invalid value %s for configuration %s: must start with mongodb:// or mongodb+srv://", redact(s.uri), optURI)
	}
	for k := range cfg {
		if rest, ok := strings.CutPrefix(k, topicOverridePrefix); ok && !overrideOption(rest) {
			r.Fail("Invalid configuration %s: topic.override.<topic>.<option> takes one of collection, document.id.strategy, document.id.strategy.overwrite.existing, document.id.strategy.uuid.format, document.id.strategy.partial.key.projection.type/list, document.id.strategy.partial.value.projection.type/list, key.projection.type, key.projection.list, value.projection.type, value.projection.list, post.processor.chain, writemodel.strategy, delete.on.null.values, change.data.capture.handler", k)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	base, err := topicOptions(cfg, "")
	if err != nil {
		return nil, err
	}
	s.base = base
	// Check each overridden topic now, so a bad override is a CREATE
	// error rather than a task that fails at its first record.
	for k := range cfg {
		rest, ok := strings.CutPrefix(k, topicOverridePrefix)
		if !ok {
			continue
		}
		for o := range overridable {
			if topic, ok := strings.CutSuffix(rest, "."+o); ok && topic != "" {
				if _, err := topicOptions(cfg, topic); err != nil {
					return nil, fmt.Errorf("topic.override.%s: %w", topic, err)
				}
			}
		}
	}
	return s, nil
}

// overrideOption says whether "<topic>.<option>" ends in an option that
// topic.override may set (topic names may hold dots, options too).
func overrideOption(rest string) bool {
	for o := range overridable {
		if strings.HasSuffix(rest, "."+o) && len(rest) > len(o)+1 {
			return true
		}
	}
	return false
}

// forTopic returns a topic's settings, overrides applied.
func (s *settings) forTopic(topic string) (*topicSettings, error) {
	prefix := topicOverridePrefix + topic + "."
	for k := range s.cfg {
		if strings.HasPrefix(k, prefix) && overridable[k[len(prefix):]] {
			return topicOptions(s.cfg, topic)
		}
	}
	return s.base, nil
}

// topicOptions reads the overridable options, from topic.override.<topic>.
// keys where set.
func topicOptions(cfg connect.Config, topic string) (*topicSettings, error) {
	merged := connect.Config{}
	for k, v := range cfg {
		merged[k] = v
	}
	if topic != "" {
		prefix := topicOverridePrefix + topic + "."
		for k, v := range cfg {
			if o, ok := strings.CutPrefix(k, prefix); ok && overridable[o] {
				merged[o] = v
			}
		}
	}
	r := opts.New(merged, spec)
	ts := &topicSettings{
		collection:          r.String(optCollection),
		overwriteID:         r.Bool(optOverwriteID),
		uuidBinary:          r.OneOf(optUUIDFormat, "string", "binary") == "binary",
		keyProjectionType:   projType(r.OneOf(optKeyProjType, "none", "allowlist", "blocklist", "whitelist", "blacklist")),
		keyProjection:       r.List(optKeyProjList),
		valueProjectionType: projType(r.OneOf(optValueProjType, "none", "allowlist", "blocklist", "whitelist", "blacklist")),
		valueProjection:     r.List(optValueProjList),
		deleteOnNull:        r.Bool(optDeleteOnNull),
	}
	ts.idValueProjectionType, ts.idValueProjection = ts.valueProjectionType, ts.valueProjection
	projTypes := []string{"allowlist", "blocklist", "whitelist", "blacklist"}
	if r.Raw(optIDKeyProjType) != "" {
		ts.keyProjectionType = projType(r.OneOf(optIDKeyProjType, projTypes...))
	}
	if l := r.List(optIDKeyProjList); len(l) > 0 {
		ts.keyProjection = l
	}
	if r.Raw(optIDValueProjType) != "" {
		ts.idValueProjectionType = projType(r.OneOf(optIDValueProjType, projTypes...))
	}
	if l := r.List(optIDValueProjList); len(l) > 0 {
		ts.idValueProjection = l
	}
	if ts.collection == "" {
		ts.collection = topic
	}
	var ok bool
	if ts.idStrategy, ok = shortName(r.String(optIDStrategy), pkgID, idStrategies); !ok {
		r.Fail("Invalid value %s for configuration %s: one of %s", r.String(optIDStrategy), optIDStrategy, strings.Join(idStrategies, ", "))
	}
	if ts.writeModel, ok = shortName(r.String(optWriteModel), pkgWM, writeModels); !ok {
		r.Fail("Invalid value %s for configuration %s: one of %s", r.String(optWriteModel), optWriteModel, strings.Join(writeModels, ", "))
	}
	if h := r.String(optCDCHandler); h != "" {
		if ts.cdc = cdcHandlers[h]; ts.cdc == "" {
			r.Fail("Invalid value %s for configuration %s: eddy reads Debezium MySQL/RDBMS events (com.mongodb.kafka.connect.sink.cdc.debezium.mysql.MysqlHandler)", h, optCDCHandler)
		}
	}
	if ts.deleteOnNull && !keyBased(ts.idStrategy) && ts.cdc == "" {
		r.Fail("%s=true needs a key-based %s (ProvidedInKeyStrategy, PartialKeyStrategy or FullKeyStrategy), not %s", optDeleteOnNull, optIDStrategy, ts.idStrategy)
	}
	if (ts.idStrategy == idPartialKey && ts.keyProjectionType == "none") || (ts.idStrategy == idPartialValue && ts.idValueProjectionType == "none") {
		r.Fail("%s needs an allowlist or blocklist projection: document.id.strategy.partial.key.projection.type or key.projection.type / document.id.strategy.partial.value.projection.type or value.projection.type", ts.idStrategy)
	}
	if (ts.writeModel == wmReplaceBizKey || ts.writeModel == wmUpdateBizKeyTS) && ts.idStrategy != idPartialValue && ts.idStrategy != idPartialKey && ts.cdc == "" {
		r.Fail("%s needs document.id.strategy PartialValueStrategy (its _id fields are the business key)", ts.writeModel)
	}
	for _, p := range r.List(optPostProcessors) {
		name := p[strings.LastIndex(p, ".")+1:]
		switch name {
		case "DocumentIdAdder":
		case "AllowListValueProjector", "WhitelistValueProjector":
			ts.valueProjectors = append(ts.valueProjectors, projector{"allowlist", ts.valueProjection})
		case "BlockListValueProjector", "BlacklistValueProjector":
			ts.valueProjectors = append(ts.valueProjectors, projector{"blocklist", ts.valueProjection})
		default:
			r.Fail("Invalid value %s for configuration %s: eddy applies DocumentIdAdder, AllowListValueProjector and BlockListValueProjector", p, optPostProcessors)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return ts, nil
}

func projType(t string) string {
	switch t {
	case "whitelist":
		return "allowlist"
	case "blacklist":
		return "blocklist"
	}
	return t
}

// serverSelection is how long a write waits for a server to send it to
// when the connection string does not say (the driver waits 30 s): a
// server that is down then fails the write, and shows in the task's
// status, within seconds, and the write is retried in any case.
const serverSelection = 2 * time.Second

// defaultBulkSize bounds a bulk write when max.batch.size is 0: Kafka
// Connect's default max.poll.records, so no more than MongoDB's connector
// writes at once. The runtime hands a sink up to kafka.DefaultMaxBatch
// records; written as one bulk write, a batch a slow server cannot take
// within bulk.write.timeout.ms would time out and start over on every
// retry, never getting through.
const defaultBulkSize = 500

// bulkSize is the most writes in one bulk write.
func (s *settings) bulkSize() int {
	if s.maxBatch > 0 {
		return s.maxBatch
	}
	return defaultBulkSize
}

// connect opens a client; the driver connects lazily, so this does not
// reach the server.
func (s *settings) connect() (*mongo.Client, error) {
	o := options.Client().ApplyURI(s.uri)
	if o.ServerSelectionTimeout == nil {
		o.SetServerSelectionTimeout(serverSelection)
	}
	c, err := mongo.Connect(context.Background(), o)
	if err != nil {
		return nil, fmt.Errorf("MongoDB at %s: %w", redact(s.uri), err)
	}
	return c, nil
}

// validate checks that connection.uri answers, at CREATE time.
func validate(ctx context.Context, cfg connect.Config) error {
	s, err := parse(cfg)
	if err != nil {
		return err
	}
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(s.uri).SetServerSelectionTimeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("MongoDB at %s: %w", redact(s.uri), err)
	}
	defer c.Disconnect(context.Background())
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		return fmt.Errorf("MongoDB at %s does not answer: %v", redact(s.uri), scrub(err.Error(), s.uri))
	}
	return nil
}

// redact hides a connection string's password.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		// mongodb:// strings may list several hosts, which net/url refuses.
		if at := strings.LastIndex(uri, "@"); at > 0 {
			if i := strings.Index(uri, "://"); i >= 0 && i < at {
				cred := uri[i+3 : at]
				if user, _, ok := strings.Cut(cred, ":"); ok {
					return uri[:i+3] + user + ":xxxxx" + uri[at:]
				}
			}
		}
		return uri
	}
	return u.Redacted()
}

// scrub removes a password that a driver error might repeat.
func scrub(msg, uri string) string {
	if u, err := url.Parse(uri); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/kafka"

	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/types"
)

// processingLogTopic is where records that could not be processed are
// described, as ksqlDB's processing log does.
func (e *Engine) processingLogTopic() string { return e.sid + "ksql_processing_log" }

// processingLogStream is the stream eddy declares over the processing-log
// topic, so the log can be queried like any stream.
const processingLogStream = "KSQL_PROCESSING_LOG"

// processingLog returns where the engine's persistent and push queries
// report processing errors: the server log, the console's recent errors
// and the processing-log topic, written with each batch's outputs.
func (e *Engine) processingLog() *runtime.ProcessingLog {
	rows := e.logRows()
	return &runtime.ProcessingLog{
		Report: func(pe runtime.ProcessingError) {
			e.opts.Logf("processing log: %s", pe)
			e.recent.add(pe)
		},
		Topic:  e.processingLogTopic(),
		Encode: func(pe runtime.ProcessingError) []byte { return encodeProcessingError(pe, rows) },
	}
}

// logRows reports whether processing-log records include the record
// that failed (ksql.logging.processing.rows.include).
func (e *Engine) logRows() bool {
	return strings.EqualFold(e.cfg["ksql.logging.processing.rows.include"], "true")
}

// pullLog returns where a pull query reports processing errors: the
// server log and the processing-log topic, as a persistent query does,
// but once per record however many pull queries meet it (pullReported):
// a source table's latest records are read by every pull query over it,
// where ksqlDB's table reads (deserializes) each record once, as it
// materializes the table, and logs a bad one then. The entries are held
// and written by flush, pullLogBatch to a produce request, when the pull
// query is done or that many are held: a pull over a topic of bad
// records would otherwise wait for a produce per record.
func (e *Engine) pullLog() (log *runtime.ProcessingLog, flush func()) {
	rows := e.logRows()
	var mu sync.Mutex
	var held []kafka.Record
	flush = func() {
		mu.Lock()
		defer mu.Unlock()
		if len(held) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
		defer cancel()
		if err := e.cluster.Produce(ctx, held...); err != nil {
			e.opts.Logf("processing log: %v", err)
		}
		held = held[:0]
	}
	log = &runtime.ProcessingLog{Report: func(pe runtime.ProcessingError) {
		if !e.pullReported.first(pe) {
			return
		}
		e.opts.Logf("processing log: %s", pe)
		mu.Lock()
		held = append(held, kafka.Record{Topic: e.processingLogTopic(), Partition: -1, Value: encodeProcessingError(pe, rows), Timestamp: time.Now().UnixMilli()})
		full := len(held) >= pullLogBatch
		mu.Unlock()
		if full {
			flush()
		}
	}}
	return log, flush
}

// pullLogBatch is the most processing-log entries a pull query holds
// before writing them.
const pullLogBatch = 1000

// writeProcessingLog produces one processing-log record.
func (e *Engine) writeProcessingLog(value []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
	defer cancel()
	rec := kafka.Record{Topic: e.processingLogTopic(), Partition: -1, Value: value, Timestamp: time.Now().UnixMilli()}
	if err := e.cluster.Produce(ctx, rec); err != nil {
		e.opts.Logf("processing log: %v", err)
	}
}

// reportedRecords remembers which records' errors were reported, by
// topic, partition, offset, kind and target, up to maxReported of them:
// past that it forgets them all and starts again (a record is then
// reported again, rather than the memory growing without bound).
type reportedRecords struct {
	mu   sync.Mutex
	seen map[reportedRecord]struct{}
}

type reportedRecord struct {
	topic     string
	partition int32
	offset    int64
	kind      string
	target    string
}

const maxReported = 100_000

// first reports whether pe's record was not reported before, noting it.
func (r *reportedRecords) first(pe runtime.ProcessingError) bool {
	k := reportedRecord{pe.Topic, pe.Partition, pe.Offset, pe.Kind, pe.Target}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[k]; ok {
		return false
	}
	if r.seen == nil || len(r.seen) >= maxReported {
		r.seen = map[reportedRecord]struct{}{}
	}
	r.seen[k] = struct{}{}
	return true
}

// Processing-log message types, as ksqlDB numbers them.
var processingErrorTypes = map[string]int{
	"DESERIALIZATION_ERROR":   0,
	"RECORD_PROCESSING_ERROR": 1,
	"PRODUCTION_ERROR":        2,
	"SERIALIZATION_ERROR":     3,
	threadErrorKind:           4,
}

// encodeProcessingError writes a processing-log record in the shape of
// ksqlDB's: one branch of "message" set according to the error's type,
// with the bytes that did not deserialize (base64) when rows are
// included (ksql.logging.processing.rows.include), as in ksqlDB.
func encodeProcessingError(pe runtime.ProcessingError, rows bool) []byte {
	detail := map[string]any{
		"errorMessage": pe.Err.Error(),
		"cause":        []string{},
		"topic":        pe.Topic,
		"partition":    pe.Partition,
		"offset":       pe.Offset,
	}
	switch pe.Kind {
	case "DESERIALIZATION_ERROR", "SERIALIZATION_ERROR":
		detail["target"] = nilIfEmpty(pe.Target)
	}
	if rows && pe.Record != nil && pe.Kind == "DESERIALIZATION_ERROR" {
		detail["recordB64"] = base64.StdEncoding.EncodeToString(pe.Record)
	}
	message := map[string]any{
		"type":                    processingErrorTypes[pe.Kind],
		"deserializationError":    nil,
		"recordProcessingError":   nil,
		"productionError":         nil,
		"serializationError":      nil,
		"kafkaStreamsThreadError": nil,
	}
	switch pe.Kind {
	case "DESERIALIZATION_ERROR":
		message["deserializationError"] = detail
	case "SERIALIZATION_ERROR":
		message["serializationError"] = detail
	default:
		message["recordProcessingError"] = detail
	}
	b, _ := json.Marshal(map[string]any{
		"level":   "ERROR",
		"logger":  processingLogger(pe),
		"time":    time.Now().UnixMilli(),
		"message": message,
	})
	return b
}

// nilIfEmpty is s, or JSON null for "".
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// processingLogSchema is the schema of the KSQL_PROCESSING_LOG stream.
func processingLogSchema() *types.Schema {
	// ksqlDB's fields of each branch, then where the record was read
	// (eddy's: TOPIC of a record processing or serialization error,
	// PARTITION and OFFSET).
	str := func(name string) types.Field { return types.Field{Name: name, Type: types.StringType} }
	cause := types.Field{Name: "CAUSE", Type: types.ArrayOf(types.StringType)}
	where := []types.Field{str("TOPIC"), {Name: "PARTITION", Type: types.IntType}, {Name: "OFFSET", Type: types.BigintType}}
	branch := func(fields ...types.Field) *types.Type { return types.StructOf(append(fields, where...)...) }
	message := types.StructOf(
		types.Field{Name: "TYPE", Type: types.IntType},
		types.Field{Name: "DESERIALIZATIONERROR", Type: branch(str("TARGET"), str("ERRORMESSAGE"), str("RECORDB64"), cause)},
		types.Field{Name: "RECORDPROCESSINGERROR", Type: branch(str("ERRORMESSAGE"), str("RECORD"), cause)},
		types.Field{Name: "PRODUCTIONERROR", Type: types.StructOf(str("ERRORMESSAGE"))},
		types.Field{Name: "SERIALIZATIONERROR", Type: branch(str("TARGET"), str("ERRORMESSAGE"), str("RECORD"), cause)},
		types.Field{Name: "KAFKASTREAMSTHREADERROR", Type: types.StructOf(
			types.Field{Name: "ERRORMESSAGE", Type: types.StringType},
			types.Field{Name: "THREADNAME", Type: types.StringType},
			types.Field{Name: "CAUSE", Type: types.ArrayOf(types.StringType)},
		)},
	)
	return &types.Schema{Columns: []types.Column{
		{Name: "LOGGER", Type: types.StringType},
		{Name: "LEVEL", Type: types.StringType},
		{Name: "TIME", Type: types.BigintType},
		{Name: "MESSAGE", Type: message},
	}}
}

// runOptions are how persistent queries run: processing log, local state
// stores, restore progress in the server log, and whose transactions
// they write.
func (e *Engine) runOptions() runtime.Options {
	member := e.opts.InstanceID
	if member == "" {
		member = e.opts.WorkerID
	}
	return runtime.Options{Log: e.processingLog(), Stores: e.opts.StateStores, StateCacheLimit: e.opts.StateCacheLimit,
		Logf: e.opts.Logf, MemberID: member,
		Warn: func(id, msg string) { e.failures.note(id, msg, "USER") }}
}

// connectorRecordError writes a record a connector skipped under
// errors.tolerance=all to the processing log, as a query's bad record is:
// a converter's failure is a deserialization (sinks) or serialization
// (sources) error, anything else a record processing error.
func (e *Engine) connectorRecordError(f connect.RecordFailure) {
	kind := "RECORD_PROCESSING_ERROR"
	if strings.HasSuffix(f.Stage, "_CONVERTER") {
		kind = "DESERIALIZATION_ERROR"
		if f.Topic == "" {
			kind = "SERIALIZATION_ERROR"
		}
	}
	pe := runtime.ProcessingError{QueryID: "connector." + f.Connector, Kind: kind, Topic: f.Topic, Partition: f.Partition, Offset: f.Offset, Err: f.Err}
	e.opts.Logf("processing log: %s (stage %s, class %s)", pe, f.Stage, f.Class)
	e.writeProcessingLog(encodeProcessingError(pe, false))
}

// processingLogger is the logger name of an entry, as ksqlDB's: the
// query's, then the step that met the error.
func processingLogger(pe runtime.ProcessingError) string {
	if pe.Logger == "" {
		return "processing." + pe.QueryID
	}
	return "processing." + pe.QueryID + "." + pe.Logger
}

package connect

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// errorHandler applies a connector's errors.* options to a failed record.
type errorHandler struct {
	r           *Runtime
	c           *connector
	t           *task
	tolerateAll bool
	log, logMsg bool
	dlq         string
	dlqHeaders  bool
	dlqRepl     int16

	mu         sync.Mutex
	dlqCreated bool
}

func (r *Runtime) newErrorHandler(c *connector, t *task) *errorHandler {
	return &errorHandler{
		r: r, c: c, t: t,
		tolerateAll: strings.EqualFold(c.cfg[KeyErrorsTolerance], "all"),
		log:         c.cfg.Bool(KeyErrorsLog),
		logMsg:      c.cfg.Bool(KeyErrorsLogMessages),
		dlq:         c.cfg[KeyDLQTopic],
		dlqHeaders:  c.cfg.Bool(KeyDLQHeaders),
		dlqRepl:     int16(c.cfg.Int(KeyDLQReplication, 1)),
	}
}

// ErrToleranceExceeded wraps a record error that stops a task because
// errors.tolerance is none.
var ErrToleranceExceeded = errors.New("Tolerance exceeded in error handler")

// recordError is a sink record's failure, which names the record; as a
// kafka.RecordFailure the subscription does not add its batch's start.
type recordError struct {
	raw *kafka.Record
	err error
}

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }
func (e *recordError) FailedRecord() (string, int32, int64) {
	return e.raw.Topic, e.raw.Partition, e.raw.Offset
}

// handle deals with one failed record: under errors.tolerance=none it
// returns the error that fails the task; under all it logs the record
// (errors.log.enable), sends a sink's raw record to the dead letter topic
// and returns nil so processing goes on.
func (h *errorHandler) handle(ctx context.Context, raw *kafka.Record, err error) error {
	h.t.failed.Add(1)
	stage, class := StageTaskPut, h.c.plugin.Class
	var se *stageError
	if errors.As(err, &se) {
		stage, class = se.stage, se.class
		err = se.err
	}
	if !h.tolerateAll {
		if raw == nil {
			return fmt.Errorf("%w: executing stage '%s' with class '%s': %v", ErrToleranceExceeded, stage, class, err)
		}
		return &recordError{raw: raw, err: fmt.Errorf("%w: executing stage '%s' with class '%s' at %s/%d@%d: %v",
			ErrToleranceExceeded, stage, class, raw.Topic, raw.Partition, raw.Offset, err)}
	}
	if h.log || h.logMsg {
		msg := fmt.Sprintf("Error encountered in task %s-%d. Executing stage '%s' with class '%s'", h.c.name, h.t.id, stage, class)
		if raw != nil {
			msg += fmt.Sprintf(", where consumed record is {topic='%s', partition=%d, offset=%d, timestamp=%d", raw.Topic, raw.Partition, raw.Offset, raw.Timestamp)
			if h.logMsg {
				msg += fmt.Sprintf(", key=%q, value=%q", raw.Key, raw.Value)
			}
			msg += "}"
		}
		h.r.opts.Logf("%s: %v", msg, err)
	}
	if h.r.opts.OnRecordError != nil {
		f := RecordFailure{Connector: h.c.name, Stage: stage, Class: class, Err: err, Partition: -1, Offset: -1}
		if raw != nil {
			f.Topic, f.Partition, f.Offset = raw.Topic, raw.Partition, raw.Offset
		}
		h.r.opts.OnRecordError(f)
	}
	if h.dlq == "" || raw == nil {
		return nil
	}
	return h.deadLetter(ctx, raw, stage, class, err)
}

// Kafka Connect's dead letter context headers.
const (
	HeaderErrTopic        = "__connect.errors.topic"
	HeaderErrPartition    = "__connect.errors.partition"
	HeaderErrOffset       = "__connect.errors.offset"
	HeaderErrConnector    = "__connect.errors.connector.name"
	HeaderErrTaskID       = "__connect.errors.task.id"
	HeaderErrStage        = "__connect.errors.stage"
	HeaderErrClass        = "__connect.errors.class.name"
	HeaderErrExcClass     = "__connect.errors.exception.class.name"
	HeaderErrExcMessage   = "__connect.errors.exception.message"
	HeaderErrExcStackTrac = "__connect.errors.exception.stacktrace"
)

func (h *errorHandler) deadLetter(ctx context.Context, raw *kafka.Record, stage, class string, cause error) error {
	h.mu.Lock()
	if !h.dlqCreated {
		if err := h.r.opts.Cluster.CreateTopic(ctx, kafka.TopicInfo{Name: h.dlq, Partitions: 1, Replicas: h.dlqRepl}); err != nil {
			h.mu.Unlock()
			return fmt.Errorf("create dead letter topic %s: %w", h.dlq, err)
		}
		h.dlqCreated = true
	}
	h.mu.Unlock()
	rec := kafka.Record{Topic: h.dlq, Partition: -1, Key: raw.Key, Value: raw.Value, Timestamp: raw.Timestamp}
	if rec.Timestamp == 0 {
		rec.Timestamp = time.Now().UnixMilli()
	}
	rec.Headers = append(rec.Headers, raw.Headers...)
	if h.dlqHeaders {
		add := func(k, v string) { rec.Headers = append(rec.Headers, kafka.Header{Key: k, Value: []byte(v)}) }
		add(HeaderErrTopic, raw.Topic)
		add(HeaderErrPartition, strconv.Itoa(int(raw.Partition)))
		add(HeaderErrOffset, strconv.FormatInt(raw.Offset, 10))
		add(HeaderErrConnector, h.c.name)
		add(HeaderErrTaskID, strconv.Itoa(h.t.id))
		add(HeaderErrStage, stage)
		add(HeaderErrClass, class)
		add(HeaderErrExcClass, "org.apache.kafka.connect.errors.DataException")
		add(HeaderErrExcMessage, cause.Error())
		add(HeaderErrExcStackTrac, "org.apache.kafka.connect.errors.DataException: "+cause.Error())
	}
	if err := h.r.opts.Cluster.Produce(ctx, rec); err != nil {
		return fmt.Errorf("write to dead letter topic %s: %w", h.dlq, err)
	}
	return nil
}

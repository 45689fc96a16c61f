package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// processingLogTopic is where records that could not be processed are
// described, as ksqlDB's processing log does.
func (e *Engine) processingLogTopic() string { return e.sid + "ksql_processing_log" }

// processingLog records a processing error in the server log and the
// processing-log topic. The query goes on either way.
func (e *Engine) processingLog(pe runtime.ProcessingError) {
	e.opts.Logf("processing log: %s", pe)
	msg, err := json.Marshal(map[string]any{
		"level":  "ERROR",
		"logger": "processing." + pe.QueryID,
		"time":   time.Now().UnixMilli(),
		"message": map[string]any{
			"type":         pe.Kind,
			"errorMessage": pe.Err.Error(),
			"topic":        pe.Topic,
			"partition":    pe.Partition,
			"offset":       pe.Offset,
		},
	})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec := kafka.Record{Topic: e.processingLogTopic(), Partition: -1, Value: msg, Timestamp: time.Now().UnixMilli()}
	if err := e.cluster.Produce(ctx, rec); err != nil {
		e.opts.Logf("processing log: write %s: %v", e.processingLogTopic(), err)
	}
}

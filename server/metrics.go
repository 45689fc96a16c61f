package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/engine"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the server's Prometheus registry: a private one, so several
// servers (tests) can live in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eddy_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "eddy_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request by route (streams count until they end).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"route"}),
	}
	m.reg.MustRegister(
		m.requests,
		m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&queryCollector{s: s},
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument counts every request by route (the matched pattern, so the
// label set stays bounded) and status.
func (m *metrics) instrument(next http.Handler, route func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := route(r)
		rw := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			m.requests.WithLabelValues(rt, r.Method, strconv.Itoa(rw.status)).Inc()
			m.duration.WithLabelValues(rt).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rw, r)
	})
}

// recordingWriter remembers the status; Unwrap keeps Flush and write
// deadlines reachable through http.ResponseController.
type recordingWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// queryCollector reads the queries' and connectors' counters at scrape
// time: persistent queries from the engine, push queries from the
// server's registry. Nothing is counted for metrics on the records' path.
type queryCollector struct{ s *Server }

// brokerStats is what a backend that reaches Kafka adds to a scrape:
// consumer lag and connector statuses (*engine.Engine has both).
type brokerStats interface {
	QueryLags(ctx context.Context) (map[string][]engine.PartitionLag, error)
	ConnectorStats(ctx context.Context) []connect.Status
}

// scrapeTimeout bounds the broker calls of one scrape (lag, connector
// status), so a broker that does not answer delays a scrape, never hangs
// it; the counters are served either way.
const scrapeTimeout = 5 * time.Second

var (
	queryLabels = []string{"query_id", "query_type"}
	taskLabels  = []string{"query_id", "task"}
	partLabels  = []string{"query_id", "task", "topic", "partition"}
	connLabels  = []string{"connector", "task"}

	descRecordsIn = prometheus.NewDesc("eddy_query_records_in_total",
		"Records consumed by a query.", queryLabels, nil)
	descRecordsOut = prometheus.NewDesc("eddy_query_records_out_total",
		"Rows a query produced (to its sink topic, or to its client for push queries).", queryLabels, nil)
	descErrors = prometheus.NewDesc("eddy_query_processing_errors_total",
		"Records a query sent to the processing log.", queryLabels, nil)
	descState = prometheus.NewDesc("eddy_query_state",
		"1 for the query's current state (RUNNING or ERROR).", []string{"query_id", "query_type", "state"}, nil)
	descTasks = prometheus.NewDesc("eddy_query_tasks",
		"Tasks of a persistent query running on this server (one per input partition).", queryLabels, nil)
	descRestored = prometheus.NewDesc("eddy_query_restored_records_total",
		"Changelog records a query's tasks read back to restore their state.", queryLabels, nil)
	descReread = prometheus.NewDesc("eddy_query_reread_records_total",
		"Input records delivered again after a restart that the restored state already included (dropped).", queryLabels, nil)
	descLate = prometheus.NewDesc("eddy_query_late_records_total",
		"Input records a windowed aggregation dropped because their window had closed (stream time past its end plus grace); a HOPPING window's record counts once per closed window it falls in, as Kafka Streams counts them.", queryLabels, nil)
	descPushActive = prometheus.NewDesc("eddy_push_queries_active",
		"Push queries and PRINTs streaming to clients now.", nil, nil)

	descTaskIn = prometheus.NewDesc("eddy_task_records_in_total",
		"Source records a running task consumed.", taskLabels, nil)
	descTaskOut = prometheus.NewDesc("eddy_task_records_out_total",
		"Rows a running task produced.", taskLabels, nil)
	descTaskErrors = prometheus.NewDesc("eddy_task_processing_errors_total",
		"Records a running task sent to the processing log.", taskLabels, nil)
	descTaskRestored = prometheus.NewDesc("eddy_task_restored_records_total",
		"Changelog records a task read back to restore its state.", taskLabels, nil)
	descTaskRemaining = prometheus.NewDesc("eddy_task_restore_remaining_records",
		"Changelog records (by offset) a restoring task has still to read; 0 once it runs.", taskLabels, nil)
	descTaskEntries = prometheus.NewDesc("eddy_task_state_entries",
		"Entries a task's state holds in memory, as of its last commit (absent for store-backed state).", taskLabels, nil)
	descTaskBytes = prometheus.NewDesc("eddy_task_state_bytes",
		"Approximate bytes of a task's local state stores, as of its last commit (absent without local stores).", taskLabels, nil)
	descPartConsumed = prometheus.NewDesc("eddy_task_partition_records_consumed_total",
		"Records a task processed from one input partition (repartition topics included).", partLabels, nil)
	descPartErrors = prometheus.NewDesc("eddy_task_partition_processing_errors_total",
		"Records of one input partition that went to the processing log.", partLabels, nil)
	descLag = prometheus.NewDesc("eddy_query_consumer_lag",
		"Records between a query's committed offset and the end of an input partition (the whole partition when nothing is committed yet).", []string{"query_id", "topic", "partition"}, nil)
	descScrapeErrors = prometheus.NewDesc("eddy_metrics_broker_errors",
		"1 when this scrape could not read lag or connector status from Kafka.", nil, nil)

	descConnState = prometheus.NewDesc("eddy_connector_state",
		"1 for the connector's current state (RUNNING, PAUSED, FAILED).", []string{"connector", "type", "state"}, nil)
	descConnTaskState = prometheus.NewDesc("eddy_connector_task_state",
		"1 for the connector task's current state (RUNNING, PAUSED, FAILED, UNASSIGNED).", []string{"connector", "task", "state"}, nil)
	descConnRecords = prometheus.NewDesc("eddy_connector_task_records_total",
		"Records a sink task wrote to its target, or a source task to Kafka.", connLabels, nil)
	descConnErrors = prometheus.NewDesc("eddy_connector_task_record_errors_total",
		"Records a connector task failed on (skipped under errors.tolerance=all, or the one that failed it).", connLabels, nil)
	descConnRestarts = prometheus.NewDesc("eddy_connector_task_restarts_total",
		"Times a connector task failed and was restarted.", connLabels, nil)
	descConnLastError = prometheus.NewDesc("eddy_connector_task_last_error_timestamp_seconds",
		"When a connector task last had an error (Kafka Connect's last-error-timestamp), kept when the task recovers; absent before its first.", connLabels, nil)
	descConnLag = prometheus.NewDesc("eddy_connector_sink_lag",
		"Records between a sink connector's committed offset and the end of a partition it reads.", []string{"connector", "topic", "partition"}, nil)
)

func (c *queryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRecordsIn, descRecordsOut, descErrors, descState, descTasks, descRestored, descReread, descLate, descPushActive,
		descTaskIn, descTaskOut, descTaskErrors, descTaskRestored, descTaskRemaining, descTaskEntries, descTaskBytes,
		descPartConsumed, descPartErrors, descLag, descScrapeErrors,
		descConnState, descConnTaskState, descConnRecords, descConnErrors, descConnRestarts, descConnLastError, descConnLag} {
		ch <- d
	}
}

func (c *queryCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	for _, q := range c.s.cfg.Engine.QueryStats() {
		counter(descRecordsIn, q.RecordsIn, q.ID, q.QueryType)
		counter(descRecordsOut, q.RecordsOut, q.ID, q.QueryType)
		counter(descErrors, q.ProcessingErrors, q.ID, q.QueryType)
		gauge(descState, 1, q.ID, q.QueryType, q.State)
		gauge(descTasks, int64(q.Tasks), q.ID, q.QueryType)
		counter(descRestored, q.RestoredRecords, q.ID, q.QueryType)
		counter(descReread, q.RereadRecords, q.ID, q.QueryType)
		counter(descLate, q.LateRecords, q.ID, q.QueryType)
		for _, t := range q.PerTask {
			task := strconv.Itoa(int(t.Task))
			counter(descTaskIn, t.In, q.ID, task)
			counter(descTaskOut, t.Out, q.ID, task)
			counter(descTaskErrors, t.Errors, q.ID, task)
			counter(descTaskRestored, t.Restored, q.ID, task)
			gauge(descTaskRemaining, t.RestoreRemaining, q.ID, task)
			if t.StateEntries >= 0 {
				gauge(descTaskEntries, t.StateEntries, q.ID, task)
			}
			if t.StateBytes >= 0 {
				gauge(descTaskBytes, t.StateBytes, q.ID, task)
			}
			for _, p := range t.Partitions {
				part := strconv.Itoa(int(p.Partition))
				counter(descPartConsumed, p.Consumed, q.ID, task, p.Topic, part)
				counter(descPartErrors, p.Errors, q.ID, task, p.Topic, part)
			}
		}
	}
	active := c.s.push.snapshot()
	for _, q := range active {
		if q.id == "" {
			continue // PRINT, or a query before its header
		}
		counter(descRecordsOut, q.rows, q.id, "PUSH")
		gauge(descState, 1, q.id, "PUSH", "RUNNING")
	}
	gauge(descPushActive, int64(len(active)))
	if bs, ok := c.s.cfg.Engine.(brokerStats); ok {
		c.collectBroker(bs, gauge, counter)
	}
}

// collectBroker adds what needs Kafka: input lag and connector status.
func (c *queryCollector) collectBroker(bs brokerStats, gauge, counter func(*prometheus.Desc, int64, ...string)) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := int64(0)
	lags, err := bs.QueryLags(ctx)
	if err != nil {
		failed = 1
		c.s.cfg.Logf("metrics: consumer lag: %v", err)
	}
	for id, parts := range lags {
		for _, p := range parts {
			gauge(descLag, p.Lag, id, p.Topic, strconv.Itoa(int(p.Partition)))
		}
	}
	for _, st := range bs.ConnectorStats(ctx) {
		gauge(descConnState, 1, st.Name, strings.ToLower(string(st.Kind)), st.State)
		for _, t := range st.Tasks {
			task := strconv.Itoa(t.ID)
			gauge(descConnTaskState, 1, st.Name, task, t.State)
			counter(descConnRecords, t.Records, st.Name, task)
			counter(descConnErrors, t.Failed, st.Name, task)
			counter(descConnRestarts, int64(t.Restarts), st.Name, task)
			if !t.LastErrorTime.IsZero() {
				gauge(descConnLastError, t.LastErrorTime.Unix(), st.Name, task)
			}
		}
		for _, l := range st.Lag {
			gauge(descConnLag, l.Lag, st.Name, l.Topic, strconv.Itoa(int(l.Partition)))
		}
	}
	if ctx.Err() != nil {
		failed = 1
	}
	gauge(descScrapeErrors, failed)
}

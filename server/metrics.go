package server

import (
	"net/http"
	"strconv"
	"time"

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

// queryCollector reads the queries' counters at scrape time: persistent
// queries from the engine, push queries from the server's registry.
type queryCollector struct{ s *Server }

var (
	descRecordsIn = prometheus.NewDesc("eddy_query_records_in_total",
		"Records consumed by a query.", []string{"query_id", "query_type"}, nil)
	descRecordsOut = prometheus.NewDesc("eddy_query_records_out_total",
		"Rows a query produced (to its sink topic, or to its client for push queries).", []string{"query_id", "query_type"}, nil)
	descErrors = prometheus.NewDesc("eddy_query_processing_errors_total",
		"Records a query sent to the processing log.", []string{"query_id", "query_type"}, nil)
	descState = prometheus.NewDesc("eddy_query_state",
		"1 for the query's current state (RUNNING or ERROR).", []string{"query_id", "query_type", "state"}, nil)
	descTasks = prometheus.NewDesc("eddy_query_tasks",
		"Tasks of a persistent query running on this server (one per input partition).", []string{"query_id", "query_type"}, nil)
	descRestored = prometheus.NewDesc("eddy_query_restored_records_total",
		"Changelog records a query's tasks read back to restore their state.", []string{"query_id", "query_type"}, nil)
	descReread = prometheus.NewDesc("eddy_query_reread_records_total",
		"Input records delivered again after a restart that the restored state already included (dropped).", []string{"query_id", "query_type"}, nil)
	descPushActive = prometheus.NewDesc("eddy_push_queries_active",
		"Push queries and PRINTs streaming to clients now.", nil, nil)
)

func (c *queryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRecordsIn
	ch <- descRecordsOut
	ch <- descErrors
	ch <- descState
	ch <- descTasks
	ch <- descRestored
	ch <- descReread
	ch <- descPushActive
}

func (c *queryCollector) Collect(ch chan<- prometheus.Metric) {
	for _, q := range c.s.cfg.Engine.QueryStats() {
		ch <- prometheus.MustNewConstMetric(descRecordsIn, prometheus.CounterValue, float64(q.RecordsIn), q.ID, q.QueryType)
		ch <- prometheus.MustNewConstMetric(descRecordsOut, prometheus.CounterValue, float64(q.RecordsOut), q.ID, q.QueryType)
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(q.ProcessingErrors), q.ID, q.QueryType)
		ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, 1, q.ID, q.QueryType, q.State)
		ch <- prometheus.MustNewConstMetric(descTasks, prometheus.GaugeValue, float64(q.Tasks), q.ID, q.QueryType)
		ch <- prometheus.MustNewConstMetric(descRestored, prometheus.CounterValue, float64(q.RestoredRecords), q.ID, q.QueryType)
		ch <- prometheus.MustNewConstMetric(descReread, prometheus.CounterValue, float64(q.RereadRecords), q.ID, q.QueryType)
	}
	active := c.s.push.snapshot()
	for _, q := range active {
		if q.id == "" {
			continue // PRINT, or a query before its header
		}
		ch <- prometheus.MustNewConstMetric(descRecordsOut, prometheus.CounterValue, float64(q.rows), q.id, "PUSH")
		ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, 1, q.id, "PUSH", "RUNNING")
	}
	ch <- prometheus.MustNewConstMetric(descPushActive, prometheus.GaugeValue, float64(len(active)))
}

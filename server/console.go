package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/console"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sql"
)

// The web console is a page served from the binary at / (to browsers:
// a client that does not ask for HTML is still redirected to /info). It
// talks to the public API plus the read-only /console/api/* endpoints
// below. The page itself holds no data and is served without
// credentials, so that it can ask for them; every API call it makes
// needs them.

// insighter is what the console's query page needs from the engine;
// *engine.Engine implements it.
type insighter interface {
	QueryInsight(ctx context.Context, id string) (engine.QueryInsight, bool, error)
	QueryLags(ctx context.Context) (map[string][]engine.PartitionLag, error)
}

var _ insighter = (*engine.Engine)(nil)

// consoleHeader marks the console's own requests: a 401 then comes
// without WWW-Authenticate, so the browser leaves the login to the page
// instead of showing its own dialog.
const consoleHeader = "X-Eddy-Console"

// wantsHTML tells a browser's navigation from an API client.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// consoleStatic serves the console's files: index.html for / and
// content-hashed assets under /assets/, cached for good and gzipped for
// clients that take it (the script shrinks to a third).
func consoleStatic() http.Handler {
	assets := console.Assets()
	files := http.FileServerFS(assets)
	gz := &gzipped{files: assets, cache: map[string][]byte{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(r.URL.Path)
		if p == "/" || p == "/index.html" {
			b, err := fs.ReadFile(assets, "index.html")
			if err != nil {
				http.Error(w, "console not built", http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(b)
			return
		}
		if p == "/favicon.ico" || p == "/favicon.svg" {
			// Not content-hashed: cached for a day, not for good.
			b, err := fs.ReadFile(assets, "favicon.svg")
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Header().Set("Cache-Control", "public, max-age=86400")
			_, _ = w.Write(b)
			return
		}
		// A name no file can have (invalid UTF-8, such as /assets/%FF)
		// is a 404, not the file server's 500.
		if _, err := fs.Stat(assets, strings.TrimPrefix(p, "/")); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Vary", "Accept-Encoding")
		if ct := mime.TypeByExtension(path.Ext(p)); ct != "" && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			if b, err := gz.get(strings.TrimPrefix(p, "/")); err == nil {
				w.Header().Set("Content-Type", ct)
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(b)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}

// gzipped compresses each asset once, on first request.
type gzipped struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string][]byte
}

func (g *gzipped) get(name string) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b, ok := g.cache[name]; ok {
		return b, nil
	}
	raw, err := fs.ReadFile(g.files, name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	g.cache[name] = buf.Bytes()
	return buf.Bytes(), nil
}

// handleConsoleQuery is GET /console/api/queries/{id}: a persistent
// query's topology graph, input lag per partition, counters and latest
// processing errors.
func (s *Server) handleConsoleQuery(w http.ResponseWriter, r *http.Request) {
	in, ok := s.cfg.Engine.(insighter)
	if !ok {
		writeError(w, genericError(codeNotFound, "this server has no query insight"))
		return
	}
	q, found, err := in.QueryInsight(r.Context(), r.PathValue("id"))
	if !found {
		writeError(w, genericError(codeNotFound, "Query with id:%s does not exist or does not run on this server.", strings.ToUpper(r.PathValue("id"))))
		return
	}
	if err != nil {
		// The rest of the snapshot is still worth showing; lag is not.
		s.cfg.Logf("console: %s: %v", q.ID, err)
	}
	writeJSON(w, http.StatusOK, q)
}

// handleConsoleMetrics is GET /console/api/metrics: the sampled rates
// and lag of every persistent query over the last minutes.
func (s *Server) handleConsoleMetrics(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.samples.series(r.URL.Query().Get("query")))
}

// consoleCheck is the body of POST /console/api/check: a script's
// statements, as the console split them, and the session's properties
// and variables they would run with.
type consoleCheck struct {
	Statements        []string       `json:"statements"`
	StreamsProperties map[string]any `json:"streamsProperties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
}

// handleConsoleCheck parses a script's statements before the console
// runs any of them, as the shell does (sql.FirstSyntaxError): the
// console sends each statement on its own, so without this a syntax
// error in the third would be found after the first two had run. It
// answers {"statement": -1} or the index of the first statement that
// does not parse with the parser's message (its "line L:C" counts from
// that statement).
func (s *Server) handleConsoleCheck(w http.ResponseWriter, r *http.Request) {
	var req consoleCheck
	if aerr := s.readJSON(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	props, vars, aerr := settings(req.StreamsProperties, req.SessionVariables)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	i, _, err := sql.FirstSyntaxError(req.Statements, vars, props)
	if i < 0 {
		writeJSON(w, http.StatusOK, map[string]any{"statement": -1})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"statement": i, "message": err.Error()})
}

// sample is one reading of a query's counters.
type sample struct {
	at                 time.Time
	in, out, errs, lag int64
	lagKnown           bool
}

// samples keeps, per persistent query, a ring of the latest readings,
// taken every interval by the server's sampler goroutine.
type samples struct {
	interval time.Duration
	size     int

	mu   sync.Mutex
	ring map[string][]sample // oldest first, at most size
}

func newSamples(interval time.Duration, size int) *samples {
	return &samples{interval: interval, size: size, ring: map[string][]sample{}}
}

// take reads every query once; queries gone since are forgotten.
func (sm *samples) take(ctx context.Context, b Backend) {
	now := time.Now()
	stats := b.QueryStats()
	in, _ := b.(insighter)
	seen := make(map[string]bool, len(stats))
	var taken []struct {
		id string
		s  sample
	}
	var lags map[string][]engine.PartitionLag
	if in != nil {
		// One reading for every query: queries sharing a topic share
		// its end offsets. A query whose lag was not read has none.
		lctx, cancel := context.WithTimeout(ctx, sm.interval)
		lags, _ = in.QueryLags(lctx)
		cancel()
	}
	for _, q := range stats {
		seen[q.ID] = true
		s := sample{at: now, in: q.RecordsIn, out: q.RecordsOut, errs: q.ProcessingErrors}
		if parts, ok := lags[q.ID]; ok {
			for _, p := range parts {
				s.lag += p.Lag
			}
			s.lagKnown = true
		}
		taken = append(taken, struct {
			id string
			s  sample
		}{q.ID, s})
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	for id := range sm.ring {
		if !seen[id] {
			delete(sm.ring, id)
		}
	}
	for _, t := range taken {
		r := append(sm.ring[t.id], t.s)
		if len(r) > sm.size {
			r = append(r[:0:0], r[len(r)-sm.size:]...)
		}
		sm.ring[t.id] = r
	}
}

// run samples until ctx ends.
func (sm *samples) run(ctx context.Context, b Backend) {
	tick := time.NewTicker(sm.interval)
	defer tick.Stop()
	sm.take(ctx, b)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			sm.take(ctx, b)
		}
	}
}

// seriesPoint is one point of a query's chart: rates over the interval
// before it.
type seriesPoint struct {
	Time       int64   `json:"time"` // Unix milliseconds
	InPerSec   float64 `json:"inPerSec"`
	OutPerSec  float64 `json:"outPerSec"`
	Errors     int64   `json:"errors"`
	Lag        *int64  `json:"lag"`
	RecordsIn  int64   `json:"recordsIn"`
	RecordsOut int64   `json:"recordsOut"`
}

type seriesReply struct {
	IntervalMs int64                    `json:"intervalMs"`
	Queries    map[string][]seriesPoint `json:"queries"`
}

// series turns the rings into rates; only is one query id, or "" for all.
func (sm *samples) series(only string) seriesReply {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	out := seriesReply{IntervalMs: sm.interval.Milliseconds(), Queries: map[string][]seriesPoint{}}
	for id, r := range sm.ring {
		if only != "" && !strings.EqualFold(only, id) {
			continue
		}
		pts := make([]seriesPoint, 0, len(r))
		for i, s := range r {
			p := seriesPoint{Time: s.at.UnixMilli(), Errors: s.errs, RecordsIn: s.in, RecordsOut: s.out}
			if s.lagKnown {
				lag := s.lag
				p.Lag = &lag
			}
			if i > 0 {
				if d := s.at.Sub(r[i-1].at).Seconds(); d > 0 {
					p.InPerSec = float64(s.in-r[i-1].in) / d
					p.OutPerSec = float64(s.out-r[i-1].out) / d
				}
			}
			pts = append(pts, p)
		}
		out.Queries[id] = pts
	}
	return out
}

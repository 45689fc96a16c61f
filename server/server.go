// Package server is eddy's REST API, compatible with ksqlDB's: /ksql for
// statements, /query and /query-stream for push and pull queries and
// PRINT, /inserts-stream, the small status endpoints, and Prometheus
// metrics. It reaches the engine only through Backend.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/sql"
)

// Backend is what the server needs from the engine; *engine.Engine
// implements it.
type Backend interface {
	Execute(ctx context.Context, text string, props map[string]string) ([]api.Entity, error)
	StartInsertValues(ctx context.Context, st *sql.InsertValues, kept *engine.InsertSerdes) (wait func() error, err error)
	Stream(ctx context.Context, text string, props map[string]string, emit func(api.StreamedRow) error) error
	Print(ctx context.Context, text string, props map[string]string, emit func(line string) error) error
	QueryStats() []engine.QueryStat
	CommandSequence() int64
	CommandFailures() []engine.CommandFailure
	ServiceID() string
	Metastore() *metastore.Metastore
}

var _ Backend = (*engine.Engine)(nil)

// Config configures a server. Zero values take the defaults noted.
type Config struct {
	Engine Backend
	// Listen is the host:port to serve on; "127.0.0.1:8088" when empty.
	Listen string
	// ConnectListen, when set, is a host:port where StartConnect serves
	// the Kafka Connect REST API alone (the main address serves it too),
	// for tools that expect a Connect worker of its own (port 8083).
	ConnectListen string
	// TLSCertFile and TLSKeyFile, when both set, serve HTTPS (HTTP/1.1
	// and HTTP/2); otherwise plain HTTP/1.1 and cleartext HTTP/2 (h2c).
	TLSCertFile, TLSKeyFile string
	// Users enables HTTP basic authentication when non-empty.
	Users Users
	// MaxBodyBytes bounds a request body (each line, for
	// /inserts-stream); default 16 MiB.
	MaxBodyBytes int64
	// MaxPushQueries bounds concurrent push queries and PRINTs; default
	// 100, as ksql.max.push.queries; negative means no bound.
	MaxPushQueries int
	// KeepAlive is how often an idle /query stream gets a blank line,
	// which is also how a vanished client is noticed; default 1 s.
	KeepAlive time.Duration
	// WriteTimeout bounds one write to a streaming client, so a client
	// that stops reading cannot hold a query forever; default 1 min.
	WriteTimeout time.Duration
	// BodyTimeout bounds the arrival of a request body, from the start
	// of the request's handling to the body's end; default 30 s. The
	// response is not bounded by it (a long statement, a push query),
	// nor are /inserts-stream's rows, only its arguments line.
	BodyTimeout time.Duration
	// CommandWait bounds the wait for commandSequenceNumber; default 5 s.
	CommandWait time.Duration
	// StatementTimeout bounds one /ksql statement; default 2 min.
	StatementTimeout time.Duration
	// HealthCheckInterval caches /healthcheck results; default 5 s.
	HealthCheckInterval time.Duration
	// Version is reported by /info.
	Version string
	// Commit is the build's VCS revision, "" when unknown; the Connect
	// API's GET / reports its first 16 digits, as Kafka Connect does.
	Commit string
	// KafkaClusterID is reported by /info.
	KafkaClusterID string
	// ClusterStatus, when set, answers /clusterStatus: the servers of the
	// service and what each runs.
	ClusterStatus func(ctx context.Context) (api.ClusterStatus, error)
	// KafkaCheck, when set, is the Kafka part of /healthcheck.
	KafkaCheck func(ctx context.Context) error
	// Logf receives the server log.
	Logf func(format string, args ...any)
	// SampleInterval is how often the console's charts sample each
	// persistent query's counters and lag; default 2 s. SampleCount is
	// how many samples are kept per query; default 180 (6 minutes).
	SampleInterval time.Duration
	SampleCount    int
	// Headless: the engine runs a queries file, so statements, queries
	// and inserts are refused; the status endpoints still answer.
	Headless bool
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8088"
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 16 << 20
	}
	if c.MaxPushQueries == 0 {
		c.MaxPushQueries = 100
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = time.Minute
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 30 * time.Second
	}
	if c.CommandWait <= 0 {
		c.CommandWait = 5 * time.Second
	}
	if c.StatementTimeout <= 0 {
		c.StatementTimeout = 2 * time.Minute
	}
	if c.HealthCheckInterval <= 0 {
		c.HealthCheckInterval = 5 * time.Second
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.SampleInterval <= 0 {
		c.SampleInterval = 2 * time.Second
	}
	if c.SampleCount <= 0 {
		c.SampleCount = 180
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Server states, as /healthcheck reports them.
const (
	stateReady int32 = iota
	stateTerminating
)

// Server is a running REST API.
type Server struct {
	cfg      Config
	auth     *authenticator
	metrics  *metrics
	push     *pushRegistry
	commands *commandLog
	health   *healthCache
	samples  *samples
	bodies   *bodies
	handler  http.Handler
	state    atomic.Int32

	hs   *http.Server
	ln   net.Listener
	done chan struct{} // closed when Serve returns
	// connectHS and connectLn serve the Connect API alone (StartConnect);
	// connectDone is closed when that Serve returns.
	connectHS   *http.Server
	connectLn   net.Listener
	connectDone chan struct{}
	// cert is the TLS certificate Serve loaded (nil without TLS), for
	// the Connect API's listener: the main server's tls.Config is
	// its own once it serves.
	cert *tls.Certificate
	// samplerDone is closed when the console's sampler has stopped; nil
	// until Serve starts it.
	samplerDone chan struct{}
	err         error // Serve's result, read after done

	// base is every request's parent context; Shutdown cancels it so
	// streaming queries end.
	base       context.Context
	cancelBase context.CancelFunc
	shutOnce   sync.Once
}

// New builds a server; Start listens.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("server: no engine")
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key")
	}
	cfg.setDefaults()
	s := &Server{
		cfg:      cfg,
		auth:     newAuthenticator(cfg.Users),
		push:     newPushRegistry(cfg.MaxPushQueries),
		commands: newCommandLog(),
		health:   &healthCache{},
		samples:  newSamples(cfg.SampleInterval, cfg.SampleCount),
		bodies:   &bodies{timeout: cfg.BodyTimeout, waiting: make(map[*timedBody]struct{})},
		done:     make(chan struct{}),
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.metrics = newMetrics(s)
	s.handler = s.routes()
	return s, nil
}

// Handler is the whole API, for tests that bring their own listener.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on the configured address and serves in the background
// until Shutdown.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ln)
}

// Serve serves on ln in the background until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	tlsOn := s.cfg.TLSCertFile != ""
	if tlsOn {
		protocols.SetHTTP2(true)
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}
	s.hs = &http.Server{
		Handler:           s.handler,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          nil,
	}
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS key pair %s, %s: %w", s.cfg.TLSCertFile, s.cfg.TLSKeyFile, err)
		}
		// http.Server speaks HTTP/2 over a listener of its own only when
		// the TLS config offers "h2" (ServeTLS adds it; Serve does not):
		// /query-stream and /inserts-stream need it, as in ksqlDB.
		s.cert = &cert
		s.hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
		ln = tls.NewListener(ln, s.hs.TLSConfig)
	}
	s.ln = ln
	s.samplerDone = make(chan struct{})
	go func() {
		defer close(s.samplerDone)
		s.samples.run(s.base, s.cfg.Engine)
	}()
	go func() {
		defer close(s.done)
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return nil
}

// StartConnect serves the Kafka Connect REST API alone on
// Config.ConnectListen, in the background until Shutdown, with the same
// TLS, authentication and shutdown gate as the main address; call it
// after Start (which loads the certificate).
func (s *Server) StartConnect() error {
	if s.cfg.ConnectListen == "" {
		return errors.New("server: no ConnectListen address")
	}
	ln, err := net.Listen("tcp", s.cfg.ConnectListen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.ConnectListen, err)
	}
	s.connectHS = &http.Server{
		Handler:           s.connectHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.base },
	}
	if s.cert != nil {
		s.connectHS.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*s.cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
		ln = tls.NewListener(ln, s.connectHS.TLSConfig)
	}
	s.connectLn = ln
	s.connectDone = make(chan struct{})
	go func() {
		defer close(s.connectDone)
		if err := s.connectHS.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logf("Kafka Connect API on %s: %v", ln.Addr(), err)
		}
	}()
	return nil
}

// ConnectURL is the base URL of the Connect API's own listener; empty
// before StartConnect.
func (s *Server) ConnectURL() string {
	if s.connectLn == nil {
		return ""
	}
	scheme := "http"
	if s.cfg.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + s.connectLn.Addr().String()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL is the server's base URL.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + s.Addr().String()
}

// Shutdown stops accepting requests, ends every streaming query (their
// clients see the stream close), and waits for the handlers to return.
// The engine is the caller's to close afterwards: that stops the
// persistent queries and commits their offsets.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.shutOnce.Do(func() {
		s.state.Store(stateTerminating)
		s.push.closeAll()
		s.cancelBase()
		s.bodies.cut()
		if s.samplerDone != nil {
			<-s.samplerDone
		}
		if s.connectHS != nil {
			if cerr := s.connectHS.Shutdown(ctx); cerr != nil {
				err = errors.Join(fmt.Errorf("shut down Kafka Connect API: %w", cerr), s.connectHS.Close())
			}
			<-s.connectDone
		}
		if s.hs == nil {
			return
		}
		if herr := s.hs.Shutdown(ctx); herr != nil {
			err = errors.Join(err, fmt.Errorf("shut down HTTP server: %w", herr), s.hs.Close())
		}
		<-s.done
		if s.err != nil {
			err = errors.Join(err, fmt.Errorf("serve: %w", s.err))
		}
	})
	return err
}

// routes is the route table. /chc/* answers before authentication and
// the server-state gate, as in ksqlDB.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	interactive := func(pattern string, h http.HandlerFunc) {
		if s.cfg.Headless {
			h = refuseHeadless
		}
		mux.HandleFunc(pattern, h)
	}
	interactive("POST /ksql", s.handleKSQL)
	interactive("POST /query", s.handleQuery)
	interactive("POST /query-stream", s.handleQueryStream)
	interactive("POST /close-query", s.handleCloseQuery)
	interactive("POST /inserts-stream", s.handleInserts)
	interactive("GET /ws/query", s.handleWSQuery)
	s.connectRoutes(mux, func(h http.HandlerFunc) http.HandlerFunc {
		if s.cfg.Headless {
			return refuseHeadless
		}
		return h
	})
	mux.HandleFunc("GET /info", s.handleInfo)
	mux.HandleFunc("GET /healthcheck", s.handleHealth)
	mux.HandleFunc("GET /status", s.handleStatuses)
	mux.HandleFunc("GET /clusterStatus", s.handleClusterStatus)
	mux.HandleFunc("GET /status/{type}/{entity}/{action}", s.handleStatus)
	mux.HandleFunc("GET /is_valid_property/{property}", s.handleValidProperty)
	mux.HandleFunc("POST /heartbeat", s.handleHeartbeat)
	mux.HandleFunc("GET /v1/metadata", s.handleMetadata)
	mux.HandleFunc("GET /v1/metadata/id", s.handleMetadataID)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /console/api/queries/{id}", s.handleConsoleQuery)
	mux.HandleFunc("GET /console/api/metrics", s.handleConsoleMetrics)
	mux.HandleFunc("POST /console/api/check", s.handleConsoleCheck)
	mux.HandleFunc("POST /eddy/v1/queries/{id}/commit", s.handleCommitCached)
	mux.HandleFunc("GET /eddy/v1/queries", s.handleQueryStates)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("Not Found"))
	})
	gated := s.recoverer(s.gate(s.auth.middleware(withAuthorization(mux))))

	chc := http.NewServeMux()
	chc.HandleFunc("GET /chc/live", s.handleCHC)
	chc.HandleFunc("GET /chc/ready", s.handleCHC)
	// The console's page and assets need no credentials (they hold no
	// data; the page asks for credentials); API clients asking for / are
	// sent to /info as before.
	static := consoleStatic()
	chc.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if wantsHTML(r) {
			static.ServeHTTP(w, r)
			return
		}
		gated.ServeHTTP(w, r)
	})
	chc.Handle("GET /assets/", static)
	// Browsers ask for /favicon.ico whatever the page links: both names
	// answer the console's SVG icon.
	chc.Handle("GET /favicon.svg", static)
	chc.Handle("GET /favicon.ico", static)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/info", http.StatusTemporaryRedirect)
	})
	chc.Handle("/", gated)
	route := func(r *http.Request) string {
		if _, p := chc.Handler(r); p != "/" && p != "" {
			return p
		}
		if _, p := mux.Handler(r); p != "/" && p != "" {
			return p
		}
		return "other"
	}
	return s.boundBodies(s.metrics.instrument(chc, route))
}

// gate refuses requests while the server shuts down.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.state.Load() == stateTerminating {
			w.Header().Set("Retry-After", "10")
			writeError(w, genericError(codeServerTerminating, "The server is shutting down."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a handler panic into a 500 and a log line instead of a
// dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Logf("panic serving %s %s: %v", r.Method, r.URL.Path, v)
				if rw, ok := w.(*recordingWriter); !ok || !rw.wrote {
					writeError(w, genericError(codeServerError, "internal server error"))
				}
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// negotiate picks the response type from the Accept header among offers
// (the first is the default). ok is false when Accept names none of them.
func negotiate(r *http.Request, offers ...string) (string, bool) {
	accept := strings.TrimSpace(r.Header.Get("Accept"))
	if accept == "" {
		return offers[0], true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt == "*/*" || mt == "application/*" {
			return offers[0], true
		}
		for _, o := range offers {
			if mt == o {
				return o, true
			}
		}
	}
	return "", false
}

// Media types.
const (
	mediaKSQLv1     = "application/vnd.ksql.v1+json"
	mediaJSON       = "application/json"
	mediaDelimited  = "application/vnd.ksqlapi.delimited.v1"
	mediaProtobuf   = "application/vnd.ksql.v1+protobuf"
	mediaPlainError = "text/plain"
)

// notAcceptable answers an Accept header no route produces: 404, as the
// catch-all route does in ksqlDB.
func notAcceptable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", mediaPlainError)
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("Not Found"))
}

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/eddysql/eddy/cluster"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/server"
)

// serverFlags are `eddy server`'s flags: the shared ones and the REST
// API's.
type serverFlags struct {
	config
	tlsCert        string
	tlsKey         string
	embeddedTLS    bool
	maxBodyBytes   int64
	maxPushQueries int
	shutdownWait   time.Duration
	debugListen    string
	connectListen  string
	queriesFile    string // --queries-file, else ksql.queries.file
}

func parseServerFlags(args []string, stderr io.Writer) (*serverFlags, error) {
	f := &serverFlags{}
	fs := flag.NewFlagSet("eddy server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.config.register(fs)
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `FILE` (needs --tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key `FILE` for --tls-cert")
	fs.BoolVar(&f.embeddedTLS, "embedded-tls", false, "serve the embedded Kafka broker (SSL, or SASL_SSL with --auth-file) and Schema Registry (HTTPS) with --tls-cert and --tls-key too")
	fs.Int64Var(&f.maxBodyBytes, "max-body-bytes", 16<<20, "largest request body (and /inserts-stream line) accepted")
	fs.IntVar(&f.maxPushQueries, "max-push-queries", 100, "most push queries and PRINTs streaming at once (negative: no limit)")
	fs.StringVar(&f.advertised, "advertised-listener", "", "`URL` at which the other servers of the service reach this one's REST API (ksql.advertised.listener; default http(s)://--listen)")
	fs.DurationVar(&f.shutdownWait, "shutdown-timeout", 30*time.Second, "how long a shutdown waits for requests in flight")
	fs.StringVar(&f.connectListen, "connect-listen", "", "also serve the Kafka Connect REST API for eddy's connectors alone on this `ADDR` (Kafka Connect's port is 8083), with the REST API's TLS and authentication; the --listen address serves it too")
	fs.StringVar(&f.debugListen, "debug-listen", "", "serve Go's profiler (/debug/pprof/, no authentication) on this `ADDR`, e.g. 127.0.0.1:6060; off by default")
	fs.StringVar(&f.queriesFile, "queries-file", "", "run headless: execute the statements of this SQL `FILE` (ksql.queries.file) and refuse statements and queries over the REST API")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if err := f.fileServerSettings(fs); err != nil {
		return nil, err
	}
	if f.advertised == "" {
		f.advertised = defaultAdvertised(f.listen, f.tlsCert != "")
	}
	if _, ok := cluster.HostPort(f.advertised); !ok {
		return nil, fmt.Errorf("--advertised-listener %q is not a URL such as http://host:8088", f.advertised)
	}
	if f.embeddedTLS && f.tlsCert == "" {
		return nil, errors.New("--embedded-tls needs --tls-cert and --tls-key")
	}
	return f, nil
}

// fileServerSettings takes the server's identity and addresses from
// --config-file where no flag gives them, as ksqlDB reads them from
// ksql-server.properties: ksql.service.id, listeners (the first URL)
// and ksql.advertised.listener. The flags win.
func (f *serverFlags) fileServerSettings(fs *flag.FlagSet) error {
	props, err := f.fileProperties()
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if id := strings.TrimSpace(props["ksql.service.id"]); id != "" && !set["service-id"] {
		f.serviceID = id
	}
	if l := strings.TrimSpace(props["listeners"]); l != "" && !set["listen"] {
		first := strings.TrimSpace(strings.Split(l, ",")[0])
		u, err := url.Parse(first)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("listeners in %s: %q is not a URL such as http://0.0.0.0:8088", f.configFile, first)
		}
		if u.Scheme == "https" && f.tlsCert == "" {
			return fmt.Errorf("listeners in %s names %s: give --tls-cert and --tls-key (PEM files; eddy reads no key stores)", f.configFile, first)
		}
		f.listen = u.Host
	}
	if a := strings.TrimSpace(props["ksql.advertised.listener"]); a != "" && !set["advertised-listener"] {
		f.advertised = a
	}
	if s := strings.TrimSpace(props[engine.StateStoreProperty]); s != "" && !set["state-store"] {
		f.stateStore = s
	}
	return nil
}

// loadQueriesFile reads and parses the queries file --queries-file, else
// ksql.queries.file in --config-file, names (ksqlDB's precedence), if
// any: the server then runs headless.
func (f *serverFlags) loadQueriesFile() error {
	if f.queriesFile == "" {
		props, err := f.fileProperties()
		if err != nil {
			return err
		}
		f.queriesFile = strings.TrimSpace(props[queriesFileProperty])
	}
	if f.queriesFile == "" {
		return nil
	}
	b, err := os.ReadFile(f.queriesFile)
	if err != nil {
		return fmt.Errorf("read the queries file: %w", err)
	}
	q, err := engine.ParseQueriesFile(f.queriesFile, string(b))
	if err != nil {
		return err
	}
	f.queries = q
	return nil
}

// defaultAdvertised is the URL the other servers of the service reach
// this one at when --advertised-listener is not given: the listener, with
// this machine's host name in place of a wildcard address (0.0.0.0, ::).
func defaultAdvertised(listen string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return scheme + "://" + listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// runServer runs the engine and the REST API headless until SIGINT or
// SIGTERM, logging to stderr. On a signal it stops taking requests, ends
// the push queries, waits for requests in flight, then stops the
// persistent queries (committing their offsets) and Kafka.
func runServer(args []string, stderr io.Writer) int {
	f, err := parseServerFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "eddy server:", err)
		return 2
	}
	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	if err := f.loadUsers(); err != nil {
		logger.Print(err)
		return 1
	}
	if f.embeddedTLS {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			logger.Printf("--embedded-tls: %v", err)
			return 1
		}
		f.listenerTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	users := f.users
	// A queries file that does not parse, or holds a statement a headless
	// server does not run, stops the start before Kafka does.
	if err := f.loadQueriesFile(); err != nil {
		logger.Print(err)
		return 1
	}
	if err := ensureDataDir(f.dataDir); err != nil {
		logger.Print(err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	lock, err := lockDataDir(f.dataDir, 0, logger.Printf)
	if err != nil {
		logger.Print(err)
		return 1
	}
	defer lock.release()
	f.peers = newPeerCommitter(logger.Printf)
	st, err := start(ctx, &f.config, logger.Printf)
	if err != nil {
		logger.Print(err)
		return 1
	}
	// Join the service's servers, so /clusterStatus on any of them
	// lists this one and pull queries reach the others.
	member, err := cluster.Join(ctx, cluster.Config{Kafka: st.kafka, ServiceID: f.serviceID, Advertised: f.advertised,
		Queries: func() []cluster.Query {
			var qs []cluster.Query
			for _, q := range st.eng.QueryStats() {
				qs = append(qs, cluster.Query{ID: q.ID, Group: q.Group, Stores: q.Stores})
			}
			return qs
		}})
	if err != nil {
		logger.Print(err)
		if cerr := st.Close(); cerr != nil {
			logger.Printf("shutdown: %v", cerr)
		}
		return 1
	}
	st.closers = append(st.closers, member.Close)
	f.peers.member.Store(member)
	srv, err := newREST(st, st.embedded, server.Config{
		ClusterStatus:  member.Status,
		Listen:         f.listen,
		ConnectListen:  f.connectListen,
		TLSCertFile:    f.tlsCert,
		TLSKeyFile:     f.tlsKey,
		Users:          users,
		MaxBodyBytes:   f.maxBodyBytes,
		MaxPushQueries: f.maxPushQueries,
		Logf:           logger.Printf,
		Headless:       f.queries != nil,
	})
	mode := "server"
	if f.queries != nil {
		mode = "headless server"
	}
	if err == nil {
		err = lock.publish(instanceInfo{PID: os.Getpid(), REST: srv.URL(), Version: version(), Mode: mode})
	}
	if err != nil {
		logger.Print(err)
		if srv != nil {
			srv.Shutdown(context.Background())
		}
		if cerr := st.Close(); cerr != nil {
			logger.Printf("shutdown: %v", cerr)
		}
		return 1
	}
	auth := authSummary(len(users))
	if f.debugListen != "" {
		d, err := startDebug(f.debugListen, logger.Printf)
		if err != nil {
			logger.Printf("--debug-listen: %v", err)
		} else {
			defer d.close()
			logger.Printf("profiler at http://%s/debug/pprof/", d.addr)
		}
	}
	logger.Printf("eddy %s server running (service id %s, server id %s); %s", version(), f.serviceID, st.serverID, st.kafkaDesc)
	if f.queries != nil {
		var ids []string
		for _, q := range st.eng.QueryStats() {
			ids = append(ids, q.ID)
		}
		slices.Sort(ids)
		// The ids name the consumer groups and changelogs: a changed id
		// after an edit of the file means a query that starts afresh.
		logger.Printf("headless: running the queries file %s (queries %s); the REST API on %s (%s) answers status requests only", f.queriesFile, strings.Join(ids, ", "), srv.URL(), auth)
	} else {
		logger.Printf("REST API listening on %s (%s); web console at %s/", srv.URL(), auth, srv.URL())
	}
	if u := srv.ConnectURL(); u != "" {
		logger.Printf("Kafka Connect REST API listening on %s", u)
	}
	<-ctx.Done()
	stop() // a second signal kills at once
	logger.Print("shutting down")
	// A server started on the directory meanwhile (a supervisor's or
	// script's restart) waits for this one to exit.
	if err := lock.stopping(mode); err != nil {
		logger.Print(err)
	}
	code := 0
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("shutdown: REST API: %v", err)
		code = 1
	}
	if err := st.Close(); err != nil {
		logger.Printf("shutdown: %v", err)
		code = 1
	}
	if code == 0 {
		logger.Print("stopped")
	}
	return code
}

// newREST serves the engine's REST API as cfg says, filling in what the
// stack knows; a busy address is an error naming --listen.
func newREST(st *stack, embedded bool, cfg server.Config) (*server.Server, error) {
	cfg.Engine = st.eng
	cfg.Version = version()
	cfg.Commit = currentBuild().Commit
	cfg.KafkaCheck = st.kafkaCheck
	if embedded {
		cfg.KafkaClusterID = "eddy" // the embedded broker's
	} else if st.kafka != nil {
		// As ksqlDB's /info: the id of the cluster this server uses,
		// the same on every server of the service.
		id, err := st.kafka.ClusterID(context.Background())
		if err != nil && cfg.Logf != nil {
			cfg.Logf("kafkaClusterId of /info stays empty: %v", err)
		}
		cfg.KafkaClusterID = id
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		if busy := portBusy("the REST API", cfg.Listen, "--listen", err); busy != nil {
			return nil, busy
		}
		return nil, err
	}
	if cfg.ConnectListen != "" {
		if err := srv.StartConnect(); err != nil {
			srv.Shutdown(context.Background())
			if busy := portBusy("the Kafka Connect REST API", cfg.ConnectListen, "--connect-listen", err); busy != nil {
				return nil, busy
			}
			return nil, err
		}
	}
	return srv, nil
}

// startREST serves the REST API beside the shell, with the server's
// defaults and basic authentication of users when there are any.
func startREST(st *stack, embedded bool, listen string, users server.Users, logf func(string, ...any)) (*server.Server, error) {
	return newREST(st, embedded, server.Config{Listen: listen, Users: users, MaxBodyBytes: 16 << 20, MaxPushQueries: 100, Logf: logf})
}

// authSummary is what the startup line says of the REST API's
// authentication with n users in --auth-file.
func authSummary(n int) string {
	switch n {
	case 0:
		return "no authentication"
	case 1:
		return "basic authentication for 1 user"
	}
	return fmt.Sprintf("basic authentication for %d users", n)
}

package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// config holds the flags shared by the shell and the server.
type config struct {
	dataDir          string
	kafkaListen      string
	listen           string // REST API, reserved for the server
	registryListen   string // embedded Schema Registry
	registryURL      string // external Schema Registry
	bootstrapServers string
	serviceID        string
	stateStore       string // ksql.state.store: memory or pebble
	kafkaRetention   time.Duration
	heapLimit        byteSize // --heap-limit, for the garbage collector
	fetchBuffer      byteSize // --fetch-buffer, kafka.Config.FetchBuffer
	broker           brokerConfig
	// advertised is the REST URL other servers of the service reach this
	// one at (eddy server's --advertised-listener); empty in the shell.
	advertised string
	kafka      kafkaConfig // Kafka client security settings
	configFile string      // ksql-server.properties-style file
	authFile   string
	users      server.Users // read from authFile by loadUsers
	// listenerTLS, when set, serves the embedded broker and registry
	// over TLS (eddy server --embedded-tls).
	listenerTLS *tls.Config
	// queries, when set, is the queries file a headless server runs
	// (eddy server --queries-file).
	queries *engine.QueriesFile
	// peers, set by eddy server, reaches the other servers of the
	// service for a pull query (engine.Options.CommitOnPeers).
	peers *peerCommitter
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", defaultDataDir(), "directory for the embedded broker's data, logs and history")
	fs.StringVar(&c.kafkaListen, "kafka-listen", "127.0.0.1:9092", "address of the embedded Kafka broker")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8088", "address of the REST API (eddy server; the shell serves it on a free port unless given)")
	fs.StringVar(&c.registryListen, "registry-listen", "127.0.0.1:8081", "address of the embedded Schema Registry (embedded mode; empty to serve none)")
	fs.StringVar(&c.registryURL, "schema-registry-url", "", "URL of an external Schema Registry for AVRO, PROTOBUF and JSON_SR (instead of the embedded one)")
	fs.StringVar(&c.bootstrapServers, "bootstrap-servers", "", "host:port[,host:port...] of an external Kafka cluster to use instead of the embedded broker")
	fs.StringVar(&c.serviceID, "service-id", "default_", "service id; servers sharing it share the catalog and the work")
	fs.DurationVar(&c.kafkaRetention, "kafka-retention", 7*24*time.Hour, "how long the embedded broker keeps records (log.retention.ms; by record timestamp, as Kafka does; -1s keeps them forever); topics override it with retention.ms")
	fs.Var(&c.broker, "broker-config", "embedded broker setting `name=value` (repeatable): auto.create.topics.enable (default true), num.partitions (default 1)")
	c.kafka = kafkaConfig{}
	fs.Var(c.kafka, "kafka-config", "Kafka client setting `name=value` (repeatable), as in ksql-server.properties: compression.type of eddy's producers (none, gzip, snappy, lz4, zstd; default none), and for --bootstrap-servers security.protocol, sasl.mechanism, sasl.jaas.config, ssl.ca.location, ... (see docs/security.md)")
	fs.StringVar(&c.configFile, "config-file", "", "ksql-server.properties-style `FILE`: bootstrap.servers, the Kafka client security settings (also under ksql.streams.) and server-wide query settings such as ksql.streams.processing.guarantee")
	fs.StringVar(&c.authFile, "auth-file", "", "require HTTP basic authentication (REST API, embedded Schema Registry) and SASL PLAIN (embedded broker) of the users in `FILE` (user:bcrypt-hash lines; mode 600)")
	fs.Var(&c.heapLimit, "heap-limit", "soft limit on the Go heap, such as 2GiB (B, KiB, MiB, GiB, TiB); with it the collector runs at GOGC=400. Default: 3/4 of the memory available (cgroup limit, else the machine's); 0 keeps Go's defaults; GOGC or GOMEMLIMIT in the environment take precedence (see docs/operations.md)")
	fs.Var(&c.fetchBuffer, "fetch-buffer", "what the queries' consumers fetch at a time, together, such as 64MiB (the default): each of n consumers asks for at most 1/n of it per fetch, within Kafka's consumer defaults (fetch.max.bytes 50 MB, max.partition.fetch.bytes 1 MB) and at least 64 KiB, so a server of hundreds of queries that fall behind does not hold tens of megabytes of fetched records per query")
	fs.StringVar(&c.stateStore, "state-store", "memory", "where queries keep a local copy of their state (ksql.state.store): memory, or pebble under --data-dir/state so restarts replay only the changelog tail")
}

// defaultDataDir follows the XDG base directory convention, or the
// platform's (userDataDir).
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "eddy")
	}
	if d, ok := userDataDir(); ok {
		return d
	}
	return "eddy-data"
}

// logDir is where the shell keeps its log and history: the data directory
// it serves, or with --server, which needs no data directory, the user's
// state directory.
func (f *shellFlags) logDir() string {
	if f.server != "" {
		return defaultStateDir()
	}
	return f.dataDir
}

// defaultStateDir follows the XDG base directory convention for state,
// or the platform's (userStateDir).
func defaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "eddy")
	}
	if d, ok := userStateDir(); ok {
		return d
	}
	return "eddy-state"
}

// shellFlags are the shell's own flags.
type shellFlags struct {
	config
	file            string
	execute         string
	defines         defines
	continueOnError bool
	output          string
	historyFile     string
	// A remote server instead of the in-process engine.
	server   string
	user     string
	password string
	tlsCA    string
	// passwordSet: --password, -p or $EDDY_PASSWORD gave one (maybe
	// empty); otherwise --user has it asked for.
	passwordSet bool
	// Limits for every SELECT, as ksqlDB's CLI has them.
	queryRowLimit int
	queryTimeout  int64 // ms
	// restURL is the server the shell talks to: --server's, or the REST
	// API of the engine it started (set by openClient).
	restURL string
	// listenSet: --listen was given, so the shell serves its REST API
	// there rather than on a free port.
	listenSet bool
}

func parseShellFlags(args []string, stderr io.Writer) (*shellFlags, error) {
	f := &shellFlags{defines: defines{}}
	fs := flag.NewFlagSet("eddy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.config.register(fs)
	fs.StringVar(&f.file, "file", "", "run the statements in `FILE` and exit")
	fs.StringVar(&f.file, "f", "", "shorthand for --file")
	fs.StringVar(&f.execute, "execute", "", "run `STATEMENTS` and exit (takes precedence over --file)")
	fs.StringVar(&f.execute, "e", "", "shorthand for --execute")
	fs.Var(f.defines, "define", "define session variable `name=value` (repeatable)")
	fs.Var(f.defines, "d", "shorthand for --define")
	fs.BoolVar(&f.continueOnError, "continue-on-error", false, "keep running a script after a failing statement; it still exits 1, listing the failures")
	fs.StringVar(&f.output, "output", "TABULAR", "output format: TABULAR, JSON or CSV (query rows and result tables as CSV)")
	fs.StringVar(&f.historyFile, "history-file", "", "line history file (default DATA-DIR/history; with --server, $XDG_STATE_HOME/eddy/history)")
	fs.StringVar(&f.server, "server", "", "connect the shell to the eddy server at `URL` (http://host:8088) instead of starting an engine")
	fs.StringVar(&f.user, "user", "", "user name for a --server with basic authentication (asked for its password on a terminal when none is given)")
	fs.StringVar(&f.user, "u", "", "shorthand for --user")
	fs.StringVar(&f.password, "password", "", "password for --user (default $EDDY_PASSWORD)")
	fs.StringVar(&f.password, "p", "", "shorthand for --password")
	fs.IntVar(&f.queryRowLimit, "query-row-limit", 0, "stop every SELECT after `N` rows (0: no limit)")
	fs.Int64Var(&f.queryTimeout, "query-timeout", 0, "stop every SELECT after `MS` milliseconds (0: no limit)")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "PEM `FILE` of the CA that signed an https --server's certificate (default: the system's)")
	// Flags may come after the argument too (eddy http://host:8088 -u
	// ann), as ksqlDB's CLI takes them: parsing goes on after each one.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		if i := len(args) - fs.NArg() - 1; i >= 0 && args[i] == "--" {
			positional = append(positional, fs.Args()...) // after "--" nothing is a flag
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.Visit(func(fl *flag.Flag) {
		f.listenSet = f.listenSet || fl.Name == "listen"
		f.passwordSet = f.passwordSet || fl.Name == "password" || fl.Name == "p"
	})
	// As with ksqlDB's CLI, the server may be given as the argument; a
	// script named *.sql runs as with --file.
	for _, arg := range positional {
		switch {
		case isURL(arg) && f.server == "":
			f.server = arg
		case isURL(arg):
			return nil, fmt.Errorf("unexpected argument %q: the server is already %s", arg, f.server)
		case f.file == "" && strings.HasSuffix(strings.ToLower(arg), ".sql"):
			f.file = arg
		default:
			return nil, fmt.Errorf("unexpected argument %q (subcommands: server, test, version; a script: eddy [flags] FILE.sql)", arg)
		}
	}
	if f.queryRowLimit < 0 || f.queryTimeout < 0 {
		return nil, errors.New("--query-row-limit and --query-timeout must not be negative")
	}
	switch strings.ToUpper(f.output) {
	case "TABULAR", "JSON", "CSV":
	default:
		return nil, fmt.Errorf("--output must be TABULAR, JSON or CSV, not %q", f.output)
	}
	if f.password == "" && os.Getenv("EDDY_PASSWORD") != "" {
		f.password, f.passwordSet = os.Getenv("EDDY_PASSWORD"), true
	}
	if f.historyFile == "" {
		f.historyFile = filepath.Join(f.logDir(), "history")
	}
	return f, nil
}

// isURL reports whether a shell argument is a server's address rather
// than a script.
func isURL(arg string) bool {
	return strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://")
}

// brokerConfig is what --broker-config sets on the embedded broker,
// under the names of Apache Kafka's broker properties.
type brokerConfig struct {
	set                     []string
	disableAutoCreateTopics bool
	numPartitions           int
}

func (b *brokerConfig) String() string { return strings.Join(b.set, ",") }

func (b *brokerConfig) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" {
		return errors.New("want name=value")
	}
	switch name {
	case "auto.create.topics.enable":
		on, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s must be true or false, not %q", name, value)
		}
		b.disableAutoCreateTopics = !on
	case "num.partitions":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("%s must be a positive number, not %q", name, value)
		}
		b.numPartitions = n
	default:
		return fmt.Errorf("unknown broker setting %q (known: auto.create.topics.enable, num.partitions)", name)
	}
	b.set = append(b.set, name+"="+value)
	return nil
}

// defines collects repeated --define name=value flags.
type defines map[string]string

func (d defines) String() string {
	parts := make([]string, 0, len(d))
	for k, v := range d {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (d defines) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("want name=value")
	}
	if err := sql.CheckVariableName(strings.TrimSpace(name)); err != nil {
		return err // as DEFINE refuses it
	}
	d[strings.TrimSpace(name)] = value
	return nil
}

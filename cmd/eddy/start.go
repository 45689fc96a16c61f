package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/eddysql/eddy/cluster"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/serde"
)

// The engine is the shell's in-process server.
var _ repl.Client = (*engine.Engine)(nil)

// stack is a running engine with the Kafka it talks to.
type stack struct {
	eng *engine.Engine
	// embedded: Kafka is the broker started here.
	embedded bool
	// kafkaDesc says where Kafka is, for the banner and the log.
	kafkaDesc string
	// registryDesc says where the Schema Registry is, if any.
	registryDesc string
	// registryURL is the Schema Registry's URL when it is served over HTTP.
	registryURL string
	// kafka is the engine's Kafka client.
	kafka *kafka.Client
	// kafkaCheck asks Kafka something cheap, for health checks.
	kafkaCheck func(context.Context) error
	// serverID names this server's transactions (see serverID).
	serverID string
	closers  []func() error
}

// Close stops the engine, then the client, then the embedded broker.
func (s *stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// start brings up the embedded broker (unless --bootstrap-servers is set),
// a Kafka client and the engine, which replays the catalog.
func start(ctx context.Context, c *config, logf func(string, ...any)) (*stack, error) {
	// Before the broker starts: kafka.StartEmbedded lowers the pace
	// while it loads and then restores the one set here.
	gc := chooseGCPolicy(os.Getenv, c.heapLimit, availableMemory)
	gc.apply()
	logf("%s", describeGC(gc))
	s := &stack{}
	brokers, sec, err := c.kafkaClient()
	if err != nil {
		return nil, err
	}
	codec, err := c.compression()
	if err != nil {
		return nil, fmt.Errorf("Kafka client settings: %w", err)
	}
	var checkUser func(user, password string) bool
	if len(c.users) > 0 {
		checkUser = c.users.Checker()
	}
	if len(brokers) == 0 {
		s.embedded = true
		dir := filepath.Join(c.dataDir, "kafka")
		ecfg := kafka.EmbeddedConfig{DataDir: dir, Listen: c.kafkaListen, Logf: logf, Retention: c.kafkaRetention,
			DisableAutoCreateTopics: c.broker.disableAutoCreateTopics, NumPartitions: c.broker.numPartitions}
		if checkUser != nil {
			ecfg.Auth = &kafka.EmbeddedAuth{Users: c.users.Names(), Verify: checkUser}
		}
		ecfg.TLS = c.listenerTLS
		emb, err := kafka.StartEmbedded(ecfg)
		if err != nil {
			if busy := portBusy("the embedded Kafka broker", c.kafkaListen, "--kafka-listen", err); busy != nil {
				return nil, fmt.Errorf("%w (or use a running Kafka with --bootstrap-servers)", busy)
			}
			return nil, fmt.Errorf("start embedded Kafka on %s (see --kafka-listen, --bootstrap-servers): %w", c.kafkaListen, err)
		}
		s.closers = append(s.closers, emb.Close)
		warnExposed(logf, "the embedded Kafka broker", emb.Addr(), checkUser != nil, c.listenerTLS != nil)
		brokers = []string{emb.Addr()}
		sec = emb.ClientSecurity()
		auth := "PLAINTEXT: no authentication"
		switch {
		case ecfg.Auth != nil && ecfg.TLS != nil:
			auth = "SASL_SSL: SASL PLAIN for the --auth-file users, over TLS"
		case ecfg.Auth != nil:
			auth = "SASL_PLAINTEXT: SASL PLAIN for the --auth-file users"
		case ecfg.TLS != nil:
			auth = "SSL: TLS, no authentication"
		}
		s.kafkaDesc = fmt.Sprintf("Kafka (embedded) listening on %s (%s); data in %s", emb.Addr(), auth, c.dataDir)
	} else {
		s.kafkaDesc = fmt.Sprintf("Kafka at %s (%s)", strings.Join(brokers, ","), sec.Protocol())
	}
	if gc.percent > 0 {
		// After the broker's start, which sets its own pace while it
		// loads.
		s.closers = append(s.closers, startPaceTuner(gcHeadroom, gc.percent).stop)
	}
	clientID, workerID := "eddy", c.listen
	if c.advertised != "" {
		// Group descriptions then name the server behind each member
		// (/clusterStatus), and connector statuses the server's address.
		clientID = cluster.ClientID(c.advertised)
		if hp, ok := cluster.HostPort(c.advertised); ok {
			workerID = hp
		}
	}
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: brokers, ClientID: clientID, Logf: logf, Security: sec, Compression: codec, FetchBuffer: c.fetchBuffer.bytes})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to Kafka %s: %w", strings.Join(brokers, ","), err)
	}
	s.closers = append(s.closers, cl.Close)
	s.kafka = cl
	s.kafkaCheck = func(ctx context.Context) error {
		_, err := cl.Topics(ctx)
		return err
	}
	reg, err := startRegistry(ctx, c, cl, s.embedded, checkUser, s, logf)
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.registryDesc != "" {
		s.kafkaDesc += "; " + s.registryDesc
	}
	engCfg, err := c.queryProperties()
	if err != nil {
		s.Close()
		return nil, err
	}
	// Bad records can be read back with SELECT … FROM KSQL_PROCESSING_LOG.
	engCfg["ksql.logging.processing.stream.auto.create"] = "true"
	engCfg[engine.StateStoreProperty] = c.stateStore
	if s.serverID, err = serverID(c.dataDir); err != nil {
		s.Close()
		return nil, err
	}
	opts := engine.Options{Cluster: cl, ServiceID: c.serviceID, Config: engCfg, Registry: reg, Logf: logf, StateDir: filepath.Join(c.dataDir, "state"),
		Connectors: connectors(), SchemaRegistryURL: s.registryURL, WorkerID: workerID, InstanceID: s.serverID}
	if c.peers != nil {
		opts.CommitOnPeers = c.peers.commit
		opts.PeerQueryStates = c.peers.queryStates
	}
	if c.queries != nil {
		// Headless: the file is the catalog; no command log, no connectors.
		opts.QueriesFile, opts.Connectors = c.queries, nil
	}
	eng, err := engine.New(ctx, opts)
	var fe *engine.FileError
	if errors.As(err, &fe) {
		s.Close()
		return nil, err // file:line:column first, as the parse errors
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	s.closers = append(s.closers, eng.Close)
	s.eng = eng
	return s, nil
}

// startRegistry picks the Schema Registry: an external one when
// --schema-registry-url is given, else in embedded mode the embedded one,
// which keeps schemas in the _schemas topic and serves the Confluent REST
// API on --registry-listen. With external Kafka and no URL there is none.
func startRegistry(ctx context.Context, c *config, cl kafka.Cluster, embedded bool, checkUser func(string, string) bool, s *stack, logf func(string, ...any)) (serde.Registry, error) {
	url, opts, err := c.registryClient()
	if err != nil {
		return nil, err
	}
	if url != "" {
		s.registryDesc = "Schema Registry at " + url
		s.registryURL = url
		return serde.NewHTTPRegistry(url, opts...), nil
	}
	if !embedded {
		return nil, nil
	}
	reg, err := registry.New(ctx, registry.Config{Cluster: cl, Logf: logf, Authenticate: checkUser, TLS: c.listenerTLS})
	if err != nil {
		return nil, fmt.Errorf("start the embedded Schema Registry: %w", err)
	}
	s.closers = append(s.closers, reg.Close)
	s.registryDesc = "Schema Registry (embedded, not served over HTTP)"
	if c.registryListen != "" {
		// A busy port (another registry on 8081, say) is an error the
		// user sees, not a fallback only the log file knows about.
		addr, err := reg.Serve(ctx, c.registryListen)
		if err != nil {
			if busy := portBusy("the embedded Schema Registry", c.registryListen, "--registry-listen", err); busy != nil {
				return nil, fmt.Errorf("%w, or --registry-listen '' to serve none", busy)
			}
			return nil, fmt.Errorf("serve the embedded Schema Registry on %s (see --registry-listen): %w", c.registryListen, err)
		}
		scheme := "http://"
		if c.listenerTLS != nil {
			scheme = "https://"
		}
		s.registryDesc = "Schema Registry (embedded) on " + scheme + addr
		warnExposed(logf, "the embedded Schema Registry", addr, checkUser != nil, c.listenerTLS != nil)
		if checkUser != nil {
			s.registryDesc += " (basic authentication for the --auth-file users)"
		}
		s.registryURL = scheme + addr
	}
	return reg.Client(), nil
}

// warnExposed logs what reaching a listener beyond this machine allows:
// anything without --auth-file, reading passwords with it but no TLS.
func warnExposed(logf func(string, ...any), what, addr string, auth, encrypted bool) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || host == "localhost" || ip != nil && ip.IsLoopback() {
		return
	}
	if auth && encrypted {
		return
	}
	if auth {
		logf("warning: %s listens on %s without TLS: passwords sent to it cross the network in the clear", what, addr)
	} else {
		logf("warning: %s listens on %s without authentication: whoever reaches it can read and write everything (see --auth-file)", what, addr)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// portBusy is the error for an address another process already listens
// on, naming the flag that moves it; nil for any other error.
func portBusy(what, addr, flagName string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return nil
	}
	return fmt.Errorf("%s cannot listen on %s: the address is in use (by another eddy or another program); choose another with %s", what, addr, flagName)
}

// ensureDataDir creates the data directory before anything writes there.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	return nil
}

package kafka

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EmbeddedConfig configures the in-process broker.
type EmbeddedConfig struct {
	// DataDir persists topics, records, committed group offsets and
	// producer (transaction) state; empty keeps everything in memory.
	DataDir string
	// Listen is the host:port to serve on; "127.0.0.1:9092" when empty.
	// Port 0 picks a free port (see Addr).
	Listen string
	// SyncWrites fsyncs every produced batch before acknowledging it, so
	// acknowledged records survive an OS crash or power loss, not only a
	// process crash. It costs produce throughput.
	SyncWrites bool
	// DisableAutoCreateTopics turns off what Apache Kafka calls
	// auto.create.topics.enable (true by default there and here): a
	// producer's metadata request for a missing topic creates it.
	DisableAutoCreateTopics bool
	// NumPartitions is the partition count of a topic created without
	// one (Kafka's num.partitions); 1 when zero.
	NumPartitions int
	// Logf, when set, receives the broker's warnings and errors.
	Logf func(format string, args ...any)
	// Retention bounds how long records are kept (log.retention.ms):
	// Kafka's 7 days when zero, forever when negative. Topics override
	// it with retention.ms; compacted topics keep each key's latest
	// record. CleanInterval is how often retention and compaction run
	// (5 minutes when zero; compaction only when due, see compactionGate).
	Retention     time.Duration
	CleanInterval time.Duration
	// Auth, when set, makes the broker require SASL on every
	// connection (see EmbeddedAuth).
	Auth *EmbeddedAuth
	// TLS, when set, serves the listener over TLS with its first
	// certificate; ClientSecurity then trusts exactly that certificate.
	TLS *tls.Config
}

// EmbeddedAuth is who may connect to an embedded broker that requires
// SASL: the Users, over SASL PLAIN, with a password Verify accepts (the
// auth file keeps only bcrypt hashes, which PLAIN can check and SCRAM
// cannot), and this process's own clients as an internal user with a
// random password (see Embedded.ClientSecurity).
type EmbeddedAuth struct {
	Users  []string
	Verify func(user, password string) bool
}

// internalUser is the SASL user of eddy's own clients of its embedded
// broker; its password is random per process.
const internalUser = "__eddy_internal"

// saslFile is where kfake persists its SASL users. eddy makes them anew
// at every start (the internal password is per process), so the file is
// removed before the broker loads and after it stops: no password
// outlives the process on disk.
const saslFile = "sasl.json"

// Embedded broker storage defaults: Kafka's retention; segments smaller
// than Kafka's 1 GB so that retention frees space in finer steps and
// loading a segment at start-up needs little memory (the loader reads
// one whole segment per partition at a time: over 1 GB of retained
// records in four partitions, 32 MB segments peaked at 271-298 MB of
// RSS, 8 MB ones at 127-131 MB, for the same 0.3 s of CPU).
const (
	defaultRetention     = 7 * 24 * time.Hour
	defaultCleanInterval = 5 * time.Minute
	segmentBytes         = 8 << 20
	groupMinSession      = time.Second // group.min.session.timeout.ms
)

// Embedded is a single-broker Kafka-protocol server (franz-go's kfake)
// running in this process.
type Embedded struct {
	c       *kfake.Cluster
	addr    string
	dataDir string
	cleaner *cleaner
	client  Security // what this process's clients present
	// reaper removes group members kfake never times out (reaper.go).
	reaper *reaper
}

// StartEmbedded starts the broker and, with a DataDir, reloads what an
// earlier run persisted there.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:9092"
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	brokerConfigs := map[string]string{
		"log.retention.ms":  strconv.FormatInt(retentionMs(cfg.Retention), 10),
		"log.segment.bytes": strconv.Itoa(segmentBytes),
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("eddy"),
		// kfake binds 127.0.0.1:<port>; listen where we were asked
		// instead, which also allows other hosts and ports.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			ln, err := net.Listen(network, cfg.Listen)
			if err != nil {
				return nil, err
			}
			var l net.Listener = patientListener{Listener: ln, logf: logf, sleep: time.Sleep}
			if cfg.Auth != nil {
				// TLS here rather than kfake's (kfake.TLS only wraps
				// the listener too), for the handshake's answer is
				// rewritten in the clear.
				if cfg.TLS != nil {
					l = tls.NewListener(l, cfg.TLS)
				}
				l = saslMechanismsListener{l}
			}
			return l, nil
		}),
		// One partition per topic unless asked otherwise, as in a
		// stock single-broker Kafka (num.partitions=1).
		kfake.DefaultNumPartitions(max(cfg.NumPartitions, 1)),
		// Let groups of short-lived test and push-query consumers
		// use short sessions.
		kfake.GroupMinSessionTimeout(groupMinSession),
		kfake.BrokerConfigs(brokerConfigs),
	}
	if !cfg.DisableAutoCreateTopics {
		// Producers such as kcat and the generators that feed a
		// demo write to topics nobody created, as Kafka allows by
		// default. eddy's own client never asks for creation this way.
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	var open []openTxn
	if cfg.DataDir != "" {
		if errNoPersistence != nil {
			return nil, errNoPersistence
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
		if err := removeSASLFile(cfg.DataDir); err != nil {
			return nil, err
		}
		adopted, err := adoptUnlistedTopics(cfg.DataDir, max(cfg.NumPartitions, 1))
		if err != nil {
			return nil, fmt.Errorf("start embedded broker (data %q): %w", cfg.DataDir, err)
		}
		if len(adopted) > 0 && cfg.Logf != nil {
			cfg.Logf("embedded broker: took back topics a producer created but the broker had not listed when it stopped: %v", adopted)
		}
		if dirs, err := partitionDirs(cfg.DataDir); err == nil {
			if warn := openFilesWarning(len(dirs), openFilesLimit()); warn != "" {
				logf("%s", warn)
			}
		}
		rebuilt, fenced, err := rebuildSnapshots(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("start embedded broker (data %q): %w", cfg.DataDir, err)
		}
		if len(rebuilt) > 0 && cfg.Logf != nil {
			cfg.Logf("embedded broker: the last run was killed: rebuilt the snapshots of %d partitions from their segments%s",
				len(rebuilt), abortedNote(fenced))
		}
		if open, err = openTransactions(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("start embedded broker (data %q): %w", cfg.DataDir, err)
		}
		dropped, err := forgetStaleProducerState(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("start embedded broker (data %q): %w", cfg.DataDir, err)
		}
		if dropped && cfg.Logf != nil {
			cfg.Logf("embedded broker: the last run was killed: idempotent producers' sequence state starts afresh")
		}
	}
	var client Security
	var secret string
	if cfg.Auth != nil {
		internal, err := randomSecret()
		if err != nil {
			return nil, err
		}
		if secret, err = randomSecret(); err != nil {
			return nil, err
		}
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser(SASLPlain, internalUser, internal))
		for _, u := range cfg.Auth.Users {
			if u != internalUser {
				opts = append(opts, kfake.Superuser(SASLPlain, u, secret))
			}
		}
		client.SASL = &SASL{Mechanism: SASLPlain, User: internalUser, Password: internal}
	}
	if cfg.TLS != nil {
		if cfg.Auth == nil { // with Auth, the listener serves TLS itself
			opts = append(opts, kfake.TLS(cfg.TLS))
		}
		own, err := trustOwnCertificate(cfg.TLS)
		if err != nil {
			return nil, err
		}
		client.TLS = own
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if cfg.Logf != nil {
		opts = append(opts, kfake.WithLogger(kfakeLogger(cfg.Logf)))
	}
	// Loading reads each retained segment whole to check it and keeps
	// only its index: garbage collect eagerly meanwhile, so the peak
	// memory of a start-up over gigabytes of records stays near one
	// segment instead of growing with the data directory.
	gc := debug.SetGCPercent(10)
	c, err := kfake.NewCluster(opts...)
	debug.SetGCPercent(gc)
	// The load's last collection saw its data live (after a kill -9 kfake
	// replays a partition holding all its segments' batches), and the
	// runtime sets the next goal GOGC percent past that: after a kill -9
	// over a 1.1 GB partition a server's next goal was 5.3 GB, and its
	// sinks' garbage grew the heap to 5 GB (13 MB live) before anything
	// collected it. Collect now, so the goal follows what stays live.
	runtime.GC()
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s (data %q): %w", cfg.Listen, cfg.DataDir, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, fmt.Errorf("start embedded broker on %s: listening on %v", cfg.Listen, addrs)
	}
	if cfg.Auth != nil {
		c.ControlKey(int16(kmsg.SASLAuthenticate), verifyPlain(c, cfg.Auth, secret))
		adv, err := handshakeV0Advertised(c, addrs[0], client)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("start embedded broker on %s: %w", cfg.Listen, err)
		}
		c.ControlKey(int16(kmsg.ApiVersions), adv)
	}
	c.ControlKey(int16(kmsg.GetTelemetrySubscriptions), noTelemetry(c))
	c.ControlKey(int16(kmsg.CreateTopics), refuseInvalidTopicNames(c))
	c.ControlKey(int16(kmsg.CreateTopics), refuseInvalidReplicationFactors(c))
	c.ControlKey(int16(kmsg.CreateTopics), limitPartitions(c))
	c.ControlKey(int16(kmsg.CreateTopics), refuseInvalidTopicConfigs(c))
	c.ControlKey(int16(kmsg.AlterConfigs), refuseInvalidTopicConfigs(c))
	c.ControlKey(int16(kmsg.IncrementalAlterConfigs), refuseInvalidTopicConfigs(c))
	for _, k := range []kmsg.Key{kmsg.AlterConfigs, kmsg.IncrementalAlterConfigs} {
		c.ControlKey(int16(k), keepStartSettings(c, maps.Clone(brokerConfigs)))
	}
	c.ControlKey(int16(kmsg.CreateTopics), keepCompacted())
	c.ControlKey(int16(kmsg.CreatePartitions), limitPartitions(c))
	c.ControlKey(int16(kmsg.CreatePartitions), refuseUnchangedPartitionCounts(c))
	compacted, appendTime := newTopicsWith(compacts), newTopicsWith(logAppendTime)
	for _, k := range []kmsg.Key{kmsg.CreateTopics, kmsg.DeleteTopics, kmsg.AlterConfigs, kmsg.IncrementalAlterConfigs} {
		c.ControlKey(int16(k), compacted.forget())
		c.ControlKey(int16(k), appendTime.forget())
	}
	c.ControlKey(int16(kmsg.Produce), refuseNullKeysToCompacted(c, compacted))
	c.ControlKey(int16(kmsg.Produce), stampLogAppendTime(c, appendTime))
	if len(open) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		err := abortOpenTransactions(ctx, addrs[0], client, open)
		cancel()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("start embedded broker on %s: abort the transactions open when it stopped: %w", cfg.Listen, err)
		}
	}
	if cfg.DataDir != "" {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		err := keepCompactedTopics(ctx, c, addrs[0], client, cfg.DataDir)
		cancel()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("start embedded broker on %s: %w", cfg.Listen, err)
		}
	}
	interval := cfg.CleanInterval
	if interval <= 0 {
		interval = defaultCleanInterval
	}
	reaper, err := startReaper(c, addrs[0], client, logf)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("start embedded broker on %s: group reaper: %w", cfg.Listen, err)
	}
	c.ControlKey(int16(kmsg.DeleteGroups), forgetDeletedGroupOffsets(c, reaper.cl, logf))
	c.ControlKey(int16(kmsg.OffsetFetch), unknownGroupOffsets(c, reaper.cl, logf))
	// What this start set, under Kafka's broker names, for
	// DescribeConfigs to report as static.
	static := maps.Clone(brokerConfigs)
	static["group.min.session.timeout.ms"] = strconv.FormatInt(groupMinSession.Milliseconds(), 10)
	static["num.partitions"] = strconv.Itoa(max(cfg.NumPartitions, 1))
	static["auto.create.topics.enable"] = strconv.FormatBool(!cfg.DisableAutoCreateTopics)
	// One broker: topics without a replication factor get one replica
	// (kfake reported Kafka's default, 3); a broker with --auth-file
	// takes PLAIN only (kfake listed SCRAM too), one without none
	// (Kafka's default value, GSSAPI, on a broker with no SASL listener).
	static["default.replication.factor"] = "1"
	static["sasl.enabled.mechanisms"] = "GSSAPI"
	if cfg.Auth != nil {
		static["sasl.enabled.mechanisms"] = SASLPlain
	}
	c.ControlKey(int16(kmsg.DescribeConfigs), describeConfigs(c, reaper.cl, static, logf))
	return &Embedded{c: c, addr: addrs[0], dataDir: cfg.DataDir, cleaner: startCleaner(c, cfg.DataDir, interval, logf), client: client,
		reaper: reaper}, nil
}

// telemetryRecheck is how often a client asks again for a KIP-714
// telemetry subscription it was given none of: Kafka's default push
// interval.
const telemetryRecheck = 5 * time.Minute

// noTelemetry answers KIP-714 GetTelemetrySubscriptions requests as a
// Kafka broker without client metrics subscriptions does: with an empty
// one. kfake's own answer subscribes every client to every metric, so
// each client (franz-go's and Java's ask by default) would encode and
// push all its metrics every 30 s and once more as it closes, for a
// broker that discards them.
func noTelemetry(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r := req.(*kmsg.GetTelemetrySubscriptionsRequest)
		resp := r.ResponseKind().(*kmsg.GetTelemetrySubscriptionsResponse)
		resp.ClientInstanceID = r.ClientInstanceID
		if resp.ClientInstanceID == [16]byte{} {
			// A client without an id asks the broker for one.
			rand.Read(resp.ClientInstanceID[:]) // never fails (crypto/rand)
		}
		resp.PushIntervalMillis = int32(telemetryRecheck.Milliseconds())
		resp.TelemetryMaxBytes = 1 << 20
		return resp, nil, true
	}
}

// verifyPlain checks a PLAIN authentication of one of auth's users
// against Verify before kfake sees it. kfake only compares plaintext
// passwords, so it knows each user by a random secret; a password that
// Verify accepts is replaced by that secret, any other is refused with
// Kafka's answer (authFailed). SCRAM exchanges (and the internal user's
// PLAIN) pass through to kfake's own tables.
func verifyPlain(c *kfake.Cluster, auth *EmbeddedAuth, secret string) func(kmsg.Request) (kmsg.Response, error, bool) {
	users := make(map[string]bool, len(auth.Users))
	for _, u := range auth.Users {
		users[u] = u != internalUser
	}
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r, ok := req.(*kmsg.SASLAuthenticateRequest)
		if !ok {
			return nil, nil, false
		}
		// PLAIN's message is authzid NUL user NUL password; SCRAM's
		// have no NUL.
		parts := bytes.SplitN(r.SASLAuthBytes, []byte{0}, 3)
		if len(parts) != 3 {
			return nil, nil, false
		}
		user := string(parts[1])
		if user == internalUser {
			return nil, nil, false // kfake checks its secret
		}
		if !users[user] {
			return authFailed(r), nil, true
		}
		// bcrypt is slow on purpose: check off the broker's request
		// loop, which serves other connections meanwhile.
		// SleepControl also returns when the broker shuts down, with the
		// check possibly still running: its answer comes by channel.
		result := make(chan bool, 1)
		c.SleepControl(func() { result <- auth.Verify(string(parts[1]), string(parts[2])) })
		verified := false
		select {
		case verified = <-result:
		default:
		}
		if !verified {
			return authFailed(r), nil, true
		}
		r.SASLAuthBytes = slices.Concat(parts[0], []byte{0}, parts[1], []byte{0}, []byte(secret))
		return nil, nil, false
	}
}

// authFailed is Kafka's answer to credentials it refuses, which clients
// show as they are ("SASL authentication failed: Authentication failed:
// Invalid username or password"); kfake closed the connection without
// an answer, which clients report as a network error. The connection
// stays unauthenticated: the broker refuses anything else on it.
func authFailed(r *kmsg.SASLAuthenticateRequest) *kmsg.SASLAuthenticateResponse {
	resp := r.ResponseKind().(*kmsg.SASLAuthenticateResponse)
	resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
	resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password")
	return resp
}

// handshakeV0Advertised answers ApiVersions requests up to v4 with the
// broker's own answer except that SASLHandshake is advertised from
// version 0, as Apache Kafka does. kfake advertises only v1 (the version
// everyone sends), and librdkafka (kcat, confluent-kafka-*) refuses SASL
// PLAIN against a broker whose range lacks v0. The broker's answer is
// asked for once, here, as eddy's own client would.
func handshakeV0Advertised(c *kfake.Cluster, addr string, sec Security) (func(kmsg.Request) (kmsg.Response, error, bool), error) {
	cl, err := sec.brokerClient(addr)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 4
	req.ClientSoftwareName, req.ClientSoftwareVersion = "eddy", "1"
	own, err := req.RequestWith(ctx, cl)
	if err == nil {
		err = kerr.ErrorForCode(own.ErrorCode)
	}
	if err != nil {
		return nil, fmt.Errorf("ask own API versions: %w", err)
	}
	keys := slices.Clone(own.ApiKeys)
	for i := range keys {
		if keys[i].ApiKey == int16(kmsg.SASLHandshake) {
			keys[i].MinVersion = 0
		}
	}
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.ApiVersionsRequest)
		if !ok || r.Version > 4 {
			return nil, nil, false // v5's cluster checks and downgrades stay kfake's
		}
		resp := r.ResponseKind().(*kmsg.ApiVersionsResponse)
		resp.ApiKeys = slices.Clone(keys)
		resp.SupportedFeatures = own.SupportedFeatures
		resp.FinalizedFeaturesEpoch = own.FinalizedFeaturesEpoch
		resp.FinalizedFeatures = own.FinalizedFeatures
		resp.ZkMigrationReady = own.ZkMigrationReady
		c.KeepControl() // a handled control is dropped otherwise
		return resp, nil, true
	}, nil
}

// trustOwnCertificate is the client TLS setting of this process's own
// connections to a listener serving tc: the served certificate is the
// only one trusted, and the host name is not checked (the broker's
// address may be 0.0.0.0 or any name the certificate does not list).
func trustOwnCertificate(tc *tls.Config) (*tls.Config, error) {
	if len(tc.Certificates) == 0 || len(tc.Certificates[0].Certificate) == 0 {
		return nil, errors.New("embedded broker: TLS without a certificate")
	}
	leaf, err := x509.ParseCertificate(tc.Certificates[0].Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("embedded broker: TLS certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // the host name only; VerifyConnection checks the certificate
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !cs.PeerCertificates[0].Equal(leaf) {
				return errors.New("the embedded broker presented a certificate other than its own")
			}
			return nil
		},
		RootCAs: pool,
	}, nil
}

func randomSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("embedded broker: random password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func removeSASLFile(dir string) error {
	if err := os.Remove(filepath.Join(dir, saslFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("embedded broker: remove persisted SASL users: %w", err)
	}
	return nil
}

// ClientSecurity is what this process's clients present to the broker:
// the internal user when it requires SASL, else nothing.
func (e *Embedded) ClientSecurity() Security { return e.client }

// retentionMs is log.retention.ms for a Retention setting.
func retentionMs(d time.Duration) int64 {
	switch {
	case d == 0:
		return defaultRetention.Milliseconds()
	case d < 0:
		return -1
	}
	return d.Milliseconds()
}

// Addr is the host:port clients should dial.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker and, with a DataDir, writes its final state
// (partition snapshots, group and producer state) there.
func (e *Embedded) Close() error {
	e.cleaner.stop()
	e.reaper.close()
	endsErr := keepEmptiedEnds(e.c, e.dataDir)
	e.c.Close()
	if e.dataDir != "" {
		return errors.Join(endsErr, removeSASLFile(e.dataDir), markStopped(e.dataDir))
	}
	return nil
}

// kfakeLogger forwards the broker's warnings and errors.
type kfakeLogger func(string, ...any)

// kfakeEndTxnSlow is kfake's warning for an EndTxn that took it over 5 ms
// (writing a marker to each partition of the transaction), a timing note
// for kfake's developers: a loaded server's exactly-once queries met it
// at every few commits. Only an EndTxn of endTxnSlowLogged or more, which
// holds back the readers of its partitions noticeably, is logged.
const (
	kfakeEndTxnSlow  = "txn: EndTxn slow pid=%d epoch=%d elapsed=%dms batches=%d groups=%d"
	endTxnSlowLogged = 1000 // ms
)

func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	if format == kfakeEndTxnSlow && len(args) > 2 {
		if ms, ok := args[2].(int64); ok && ms < endTxnSlowLogged {
			return
		}
	}
	if level <= kfake.LogLevelWarn && level != kfake.LogLevelNone {
		l("kfake "+level.String()+": "+format, args...)
	}
}

// Fault makes the broker fail matching requests as kfake.Fault describes,
// so failure handling can be tested against the real protocol path; the
// returned function removes the faults.
func (e *Embedded) Fault(faults ...kfake.Fault) (remove func()) {
	h := e.c.Fault(faults...)
	return h.Remove
}

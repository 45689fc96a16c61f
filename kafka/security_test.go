package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"golang.org/x/crypto/bcrypt"
)

func TestParseSecurityJAAS(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  SASL
	}{
		{map[string]string{
			"security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanism":    "PLAIN",
			"sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="a \"quoted\" ;secret";`,
		}, SASL{SASLPlain, "alice", `a "quoted" ;secret`}},
		{map[string]string{
			"ksql.streams.security.protocol": "sasl_plaintext",
			"ksql.streams.sasl.mechanism":    "SCRAM-SHA-512",
			"ksql.streams.sasl.jaas.config":  "org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=bob\n  password=\"pw\";",
		}, SASL{SASLScramSHA512, "bob", "pw"}},
		{map[string]string{ // librdkafka's names
			"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "carol", "sasl.password": "x",
		}, SASL{SASLScramSHA256, "carol", "x"}},
	} {
		s, err := ParseSecurity(tc.props)
		if err != nil {
			t.Errorf("%v: %v", tc.props, err)
			continue
		}
		if s.SASL == nil || *s.SASL != tc.want || s.TLS != nil {
			t.Errorf("%v: got %+v, want SASL %+v without TLS", tc.props, s, tc.want)
		}
	}
}

func TestParseSecurityErrors(t *testing.T) {
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";`
	for _, tc := range []struct {
		props map[string]string
		want  string // in the error
	}{
		{map[string]string{"security.protocol": "SASL"}, "security.protocol"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.jaas.config": jaas}, "needs sasl.mechanism"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI", "sasl.jaas.config": jaas}, "not supported"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256", "sasl.jaas.config": jaas}, "needs ScramLoginModule"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": `x.PlainLoginModule required username="a"`}, "closing ';'"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": `x.PlainLoginModule required username="a;`}, "unterminated"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, "needs a user"},
		{map[string]string{"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas}, "security.protocol is PLAINTEXT"},
		{map[string]string{"security.protocol": "SSL", "ssl.ca.location": "/nonexistent/ca.pem"}, "ssl.ca.location"},
		{map[string]string{"security.protocol": "SSL", "ssl.truststore.location": "/x.jks", "ssl.truststore.type": "JKS"}, "PEM"},
		{map[string]string{"security.protocol": "SSL", "ssl.truststore.password": "changeit"}, "password-protected"},
		{map[string]string{"security.protocol": "SSL", "ssl.certificate.location": "/c.pem"}, "go together"},
		{map[string]string{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "dns"}, "endpoint"},
		{map[string]string{"ssl.ca.location": "/ca.pem"}, "use SSL or SASL_SSL"},
		{map[string]string{"ksql.streams.sasl.mechansim": "PLAIN"}, "unknown"},
	} {
		_, err := ParseSecurity(tc.props)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q", tc.props, err, tc.want)
		}
	}
	// Settings that are not about security are not ParseSecurity's.
	if s, err := ParseSecurity(map[string]string{"ksql.service.id": "x", "bootstrap.servers": "a:1"}); err != nil || s.Protocol() != "PLAINTEXT" {
		t.Errorf("other settings: %+v, %v", s, err)
	}
}

// authBroker starts an embedded broker that requires SASL, with alice's
// password checked against a bcrypt hash as eddy's auth file keeps it.
func authBroker(t *testing.T, tc *tls.Config) *Embedded {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("alice-secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", TLS: tc, Auth: &EmbeddedAuth{
		Users:  []string{"alice"},
		Verify: func(u, p string) bool { return u == "alice" && bcrypt.CompareHashAndPassword(hash, []byte(p)) == nil },
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(filepath.Join(dir, saslFile)); err == nil {
			t.Errorf("%s left in the data directory after Close", saslFile)
		}
	})
	return e
}

// produceOne writes one record with a foreign franz-go client.
func produceOne(t *testing.T, addr, topic string, opts ...kgo.Opt) error {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("v")}).FirstErr()
}

// requestOnce sends one metadata request, without retries, and returns
// its error: how the broker answered the connection's authentication.
func requestOnce(t *testing.T, addr string, opts ...kgo.Opt) error {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	return err
}

func TestEmbeddedRequiresSASL(t *testing.T) {
	e := authBroker(t, nil)
	ctx := context.Background()
	own, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Security: e.ClientSecurity()})
	if err != nil {
		t.Fatalf("eddy's own client: %v", err)
	}
	defer own.Close()
	if err := own.CreateTopic(ctx, TopicInfo{Name: "t", Partitions: 1}); err != nil {
		t.Fatal(err)
	}

	// librdkafka (kcat) only speaks SASL to a broker whose SASLHandshake
	// range starts at v0, as Apache Kafka's does.
	raw, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()),
		kgo.MaxVersions(kversion.V3_0_0())) // ApiVersions v3, as librdkafka 2.0 sends it
	if err != nil {
		t.Fatal(err)
	}
	avReq := kmsg.NewPtrApiVersionsRequest()
	avReq.Version = 3
	avReq.ClientSoftwareName, avReq.ClientSoftwareVersion = "kcat", "1.7.1"
	av, err := avReq.RequestWith(ctx, raw)
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	var handshake, produce bool
	for _, k := range av.ApiKeys {
		handshake = handshake || k.ApiKey == int16(kmsg.SASLHandshake) && k.MinVersion == 0 && k.MaxVersion >= 1
		produce = produce || k.ApiKey == int16(kmsg.Produce)
	}
	if !handshake || !produce {
		t.Errorf("ApiVersions v3: %+v; want SASLHandshake from v0 among the broker's keys", av.ApiKeys)
	}

	refused := map[string][]kgo.Opt{
		"no credentials":      nil,
		"wrong password":      {kgo.SASL(plain.Auth{User: "alice", Pass: "guess"}.AsMechanism())},
		"unknown user":        {kgo.SASL(plain.Auth{User: "mallory", Pass: "alice-secret"}.AsMechanism())},
		"bcrypt hash as pass": {kgo.SASL(plain.Auth{User: "alice", Pass: ""}.AsMechanism())},
		// SCRAM needs the password itself, which the auth file does not keep.
		"SCRAM": {kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha256Mechanism())},
		// The internal user's password is random per process.
		"internal user": {kgo.SASL(plain.Auth{User: internalUser, Pass: "alice-secret"}.AsMechanism())},
	}
	t.Run("refused", func(t *testing.T) {
		for name, opts := range refused {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				err := produceOne(t, e.Addr(), "t", opts...)
				if err == nil {
					t.Fatal("produced")
				}
				// Refused credentials get Kafka's answer, which clients
				// show; the connection was closed without one.
				switch name {
				case "wrong password", "unknown user":
					if err := requestOnce(t, e.Addr(), opts...); !errors.Is(err, kerr.SaslAuthenticationFailed) || !strings.Contains(err.Error(), "Invalid username or password") {
						t.Errorf("metadata request: %v, want SASL_AUTHENTICATION_FAILED with Kafka's message", err)
					}
				}
			})
		}
	})
	ends, err := own.EndOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if ends[0] != 0 {
		t.Fatalf("refused clients wrote %d records", ends[0])
	}

	if err := produceOne(t, e.Addr(), "t", kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism())); err != nil {
		t.Fatalf("alice with her password: %v", err)
	}
	// A second connection is answered from the verified-credential path too.
	if err := produceOne(t, e.Addr(), "t", kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism())); err != nil {
		t.Fatalf("alice again: %v", err)
	}
	recs, err := own.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("read %d records, want alice's 2", len(recs))
	}
}

// testCA makes a CA and a broker certificate for host names (or IPs)
// and writes the CA as PEM.
func testCA(t *testing.T, hosts ...string) (caFile string, server tls.Certificate) {
	caFile, server, _, _ = testCAWithClient(t, hosts...)
	return caFile, server
}

// testCAWithClient is testCA that also issues a client certificate.
func testCAWithClient(t *testing.T, hosts ...string) (caFile string, server tls.Certificate, clientCertFile, clientKeyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eddy test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	clientCertFile, clientKeyFile = issueClientCert(t, ca, caKey)
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, clientCertFile, clientKeyFile
}

// issueClientCert writes a client certificate signed by ca and its key
// as PEM files.
func issueClientCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "eddy client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestTLS: a client built from ksqlDB's ssl.* settings reaches a broker
// serving TLS, checking its certificate and, unless told not to, its
// host name.
func TestTLS(t *testing.T) {
	caFile, cert := testCA(t, "broker.example") // not the 127.0.0.1 we dial
	e := authBroker(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";`
	dial := func(props map[string]string) error {
		sec, err := ParseSecurity(props)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		cl, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Security: sec})
		if err != nil {
			return err
		}
		defer cl.Close()
		return cl.CreateTopic(ctx, TopicInfo{Name: "tls", Partitions: 1})
	}
	base := map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas, "ssl.ca.location": caFile}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		return m
	}
	// eddy's own clients trust the served certificate, whatever name it has.
	if sec := e.ClientSecurity(); sec.TLS == nil || sec.SASL == nil {
		t.Errorf("own client security over TLS: %+v", sec)
	}
	own, err := Dial(context.Background(), Config{Brokers: []string{e.Addr()}, Security: e.ClientSecurity()})
	if err != nil {
		t.Fatalf("own client over TLS: %v", err)
	}
	own.Close()
	if err := dial(with("ssl.endpoint.identification.algorithm", "")); err != nil {
		t.Errorf("trusted CA, host name check off: %v", err)
	}
	if err := dial(base); err == nil || !strings.Contains(err.Error(), "validate certificate") {
		t.Errorf("host name check on, certificate for broker.example: %v, want a host name error", err)
	}
	noCA := with("ssl.endpoint.identification.algorithm", "")
	delete(noCA, "ssl.ca.location")
	if err := dial(noCA); err == nil {
		t.Error("untrusted CA: connected")
	}
	plaintext := with("security.protocol", "SASL_PLAINTEXT")
	delete(plaintext, "ssl.ca.location")
	if err := dial(plaintext); err == nil {
		t.Error("plaintext client on a TLS listener: connected")
	}

	caFile2, cert2 := testCA(t, "127.0.0.1")
	e2, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{cert2}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	sec, err := ParseSecurity(map[string]string{"security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": caFile2})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Dial(context.Background(), Config{Brokers: []string{e2.Addr()}, Security: sec})
	if err != nil {
		t.Fatalf("SSL with a certificate for the dialled IP: %v", err)
	}
	cl.Close()
}

// TestPasswordCheckOffTheLoop: while one client's password is being
// checked (bcrypt, slow on purpose), the broker serves everyone else.
func TestPasswordCheckOffTheLoop(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", Auth: &EmbeddedAuth{
		Users: []string{"alice"},
		Verify: func(u, p string) bool {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return p == "alice-secret"
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	alice := make(chan error, 1)
	go func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()))
		if err != nil {
			alice <- err
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		alice <- cl.ProduceSync(ctx, &kgo.Record{Topic: "b", Value: []byte("v")}).FirstErr()
	}()
	<-entered // alice's check has started and is held

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	own, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Security: e.ClientSecurity()})
	if err != nil {
		t.Fatalf("eddy's client while alice's check is held: %v", err)
	}
	defer own.Close()
	if err := own.CreateTopic(ctx, TopicInfo{Name: "b", Partitions: 1}); err != nil {
		t.Fatalf("create topic while alice's check is held: %v", err)
	}
	if err := own.Produce(ctx, Record{Topic: "b", Value: []byte("v")}); err != nil {
		t.Fatalf("produce while alice's check is held: %v", err)
	}
	close(release)
	if err := <-alice; err != nil {
		t.Fatalf("alice after her check: %v", err)
	}
}

// TestTLSClientCertificate: ssl.certificate.location and ssl.key.location
// (or a PEM keystore) present a client certificate to a broker that
// requires one.
func TestTLSClientCertificate(t *testing.T) {
	caFile, cert, clientCert, clientKey := testCAWithClient(t, "127.0.0.1")
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{cert},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	keystore := filepath.Join(t.TempDir(), "keystore.pem")
	c, _ := os.ReadFile(clientCert)
	k, _ := os.ReadFile(clientKey)
	if err := os.WriteFile(keystore, append(k, c...), 0o600); err != nil {
		t.Fatal(err)
	}
	dial := func(props map[string]string) error {
		sec, err := ParseSecurity(props)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		cl, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Security: sec})
		if err == nil {
			cl.Close()
		}
		return err
	}
	if err := dial(map[string]string{"security.protocol": "SSL", "ssl.ca.location": caFile, "ssl.certificate.location": clientCert, "ssl.key.location": clientKey}); err != nil {
		t.Errorf("librdkafka's names: %v", err)
	}
	if err := dial(map[string]string{"security.protocol": "SSL", "ssl.ca.location": caFile, "ssl.keystore.type": "PEM", "ssl.keystore.location": keystore}); err != nil {
		t.Errorf("PEM keystore: %v", err)
	}
	if err := dial(map[string]string{"security.protocol": "SSL", "ssl.ca.location": caFile}); err == nil {
		t.Error("no client certificate: connected")
	}
}

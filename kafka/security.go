package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Security is how a client authenticates to the brokers and encrypts its
// connections. The zero value is PLAINTEXT: neither.
type Security struct {
	// SASL, when set, authenticates every connection.
	SASL *SASL
	// TLS, when set, encrypts every connection.
	TLS *tls.Config
}

// SASL mechanisms eddy's clients speak.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASL is a user's credentials and the mechanism that presents them.
type SASL struct {
	Mechanism string // SASLPlain, SASLScramSHA256 or SASLScramSHA512
	User      string
	Password  string
}

// Protocol names the setting as Kafka's security.protocol does.
func (s Security) Protocol() string {
	switch {
	case s.SASL != nil && s.TLS != nil:
		return "SASL_SSL"
	case s.SASL != nil:
		return "SASL_PLAINTEXT"
	case s.TLS != nil:
		return "SSL"
	}
	return "PLAINTEXT"
}

// brokerClient is a plain client of the broker at addr, connected as s
// says: the embedded broker's own requests to itself (its reaper, its
// repairs, its version answer) go through one.
func (s Security) brokerClient(addr string) (*kgo.Client, error) {
	opts, err := s.opts()
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(opts, kgo.SeedBrokers(addr))...)
}

// opts are the kgo options that apply s to a client.
func (s Security) opts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if s.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(s.TLS.Clone()))
	}
	if s.SASL != nil {
		m, err := s.SASL.mechanism()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

func (s *SASL) mechanism() (sasl.Mechanism, error) {
	switch s.Mechanism {
	case SASLPlain:
		return plain.Auth{User: s.User, Pass: s.Password}.AsMechanism(), nil
	case SASLScramSHA256:
		return scram.Auth{User: s.User, Pass: s.Password}.AsSha256Mechanism(), nil
	case SASLScramSHA512:
		return scram.Auth{User: s.User, Pass: s.Password}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("sasl.mechanism %q is not supported (use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", s.Mechanism)
}

// StreamsPrefix is how ksqlDB passes a setting to its Kafka clients from
// ksql-server.properties; eddy accepts the settings with or without it.
const StreamsPrefix = "ksql.streams."

// securityKeys are the client settings ParseSecurity understands, under
// Apache Kafka's (Java client) and librdkafka's names.
var securityKeys = []string{
	"security.protocol",
	"sasl.mechanism", "sasl.mechanisms", // librdkafka spells it in the plural
	"sasl.jaas.config",
	"sasl.username", "sasl.password", // librdkafka
	"ssl.truststore.location", "ssl.truststore.type", "ssl.truststore.certificates",
	"ssl.ca.location", // librdkafka
	"ssl.keystore.location", "ssl.keystore.type", "ssl.keystore.key", "ssl.keystore.certificate.chain",
	"ssl.certificate.location", "ssl.key.location", // librdkafka
	"ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
	"ssl.endpoint.identification.algorithm",
	"enable.ssl.certificate.verification", // librdkafka
}

// IsSecurityProperty says whether name (with or without StreamsPrefix) is
// a client security setting, or looks like one: a setting under
// security., sasl. or ssl. that ParseSecurity does not know is an error
// there rather than a silently plaintext connection.
func IsSecurityProperty(name string) bool {
	name = strings.TrimPrefix(name, StreamsPrefix)
	return strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "sasl.") || strings.HasPrefix(name, "ssl.")
}

// ParseSecurity builds a client's Security from Kafka client properties
// as ksqlDB (ksql-server.properties, optionally under ksql.streams.) and
// librdkafka users write them. Files named by the properties are read
// now, so a wrong path fails at start-up.
func ParseSecurity(props map[string]string) (Security, error) {
	p := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		name := strings.TrimPrefix(k, StreamsPrefix)
		if !IsSecurityProperty(name) {
			continue
		}
		if !slices.Contains(securityKeys, name) {
			return Security{}, fmt.Errorf("unknown Kafka client security setting %q (known: %s)", k, strings.Join(securityKeys, ", "))
		}
		p[name] = strings.TrimSpace(props[k])
	}
	var s Security
	proto := strings.ToUpper(p["security.protocol"])
	if proto == "" {
		proto = "PLAINTEXT"
	}
	useSASL, useTLS := false, false
	switch proto {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useSASL, useTLS = true, true
	default:
		return s, fmt.Errorf("security.protocol %q: want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", p["security.protocol"])
	}
	if useSASL {
		sc, err := parseSASL(p)
		if err != nil {
			return s, err
		}
		s.SASL = sc
	} else if set := setAmong(p, "sasl.mechanism", "sasl.mechanisms", "sasl.jaas.config", "sasl.username", "sasl.password"); set != "" {
		return s, fmt.Errorf("%s is set but security.protocol is %s; use SASL_PLAINTEXT or SASL_SSL", set, proto)
	}
	if useTLS {
		tc, err := parseTLS(p)
		if err != nil {
			return s, err
		}
		s.TLS = tc
	} else if set := setAmong(p, "ssl.truststore.location", "ssl.truststore.certificates", "ssl.ca.location", "ssl.keystore.location", "ssl.keystore.key", "ssl.certificate.location", "ssl.key.location"); set != "" {
		return s, fmt.Errorf("%s is set but security.protocol is %s; use SSL or SASL_SSL", set, proto)
	}
	return s, nil
}

// setAmong is the first of names set in p, or "".
func setAmong(p map[string]string, names ...string) string {
	for _, n := range names {
		if p[n] != "" {
			return n
		}
	}
	return ""
}

func parseSASL(p map[string]string) (*SASL, error) {
	mech := strings.ToUpper(p["sasl.mechanism"])
	if mech == "" {
		mech = strings.ToUpper(p["sasl.mechanisms"])
	}
	switch mech {
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
	case "":
		return nil, errors.New("security.protocol SASL_* needs sasl.mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	default:
		return nil, fmt.Errorf("sasl.mechanism %q is not supported (use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", mech)
	}
	s := &SASL{Mechanism: mech, User: p["sasl.username"], Password: p["sasl.password"]}
	if jaas := p["sasl.jaas.config"]; jaas != "" {
		j, err := parseJAAS(jaas)
		if err != nil {
			return nil, fmt.Errorf("sasl.jaas.config: %w", err)
		}
		want := "PlainLoginModule"
		if mech != SASLPlain {
			want = "ScramLoginModule"
		}
		if j.module[strings.LastIndexByte(j.module, '.')+1:] != want {
			return nil, fmt.Errorf("sasl.jaas.config: sasl.mechanism %s needs %s, not %s", mech, want, j.module)
		}
		if u, ok := j.options["username"]; ok {
			s.User = u
		}
		if pw, ok := j.options["password"]; ok {
			s.Password = pw
		}
	}
	if s.User == "" {
		return nil, fmt.Errorf("sasl.mechanism %s needs a user: sasl.jaas.config with username=\"…\" password=\"…\" (or sasl.username and sasl.password)", mech)
	}
	return s, nil
}

// jaas is one login module entry of a JAAS configuration.
type jaas struct {
	module  string
	options map[string]string
}

// parseJAAS reads the single-entry form Kafka clients take in
// sasl.jaas.config: `ModuleClass required key="value" key=value;`.
func parseJAAS(s string) (jaas, error) {
	j := jaas{options: map[string]string{}}
	rest := strings.TrimSpace(s)
	word := func() string {
		i := strings.IndexAny(rest, " \t\r\n;=")
		if i < 0 {
			i = len(rest)
		}
		w := rest[:i]
		rest = strings.TrimLeft(rest[i:], " \t\r\n")
		return w
	}
	j.module = word()
	if j.module == "" {
		return j, errors.New("want `LoginModuleClass required username=\"…\" password=\"…\";`")
	}
	switch flag := word(); flag {
	case "required", "requisite", "sufficient", "optional":
	default:
		return j, fmt.Errorf("after %s want a control flag (required), not %q", j.module, flag)
	}
	for {
		if rest == "" {
			return j, errors.New("missing the closing ';'")
		}
		if rest[0] == ';' {
			if strings.TrimSpace(rest[1:]) != "" {
				return j, fmt.Errorf("only one login module is supported; unexpected %q after ';'", strings.TrimSpace(rest[1:]))
			}
			return j, nil
		}
		key := word()
		if key == "" || rest == "" || rest[0] != '=' {
			return j, fmt.Errorf("want key=\"value\" near %q", key+rest)
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return j, fmt.Errorf("option %s: unterminated quoted value", key)
			}
			val, rest = b.String(), strings.TrimLeft(rest[i+1:], " \t\r\n")
		} else {
			val = word()
		}
		j.options[key] = val
	}
}

func parseTLS(p map[string]string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if p["ssl.key.password"] != "" || p["ssl.keystore.password"] != "" || p["ssl.truststore.password"] != "" {
		return nil, errors.New("password-protected keystores, truststores and keys are not supported: give PEM files (ssl.ca.location, ssl.certificate.location, ssl.key.location) with an unencrypted key")
	}
	// The CA that signed the brokers' certificates; the system's when none.
	caPEM, caFrom, err := readPEMSetting(p, "ssl.truststore.type", "ssl.truststore.certificates", "ssl.ca.location", "ssl.truststore.location")
	if err != nil {
		return nil, err
	}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("%s: no PEM certificates", caFrom)
		}
		tc.RootCAs = pool
	}
	// A client certificate, for brokers that authenticate clients by TLS.
	var certPEM, keyPEM []byte
	switch {
	case p["ssl.certificate.location"] != "" || p["ssl.key.location"] != "":
		if p["ssl.certificate.location"] == "" || p["ssl.key.location"] == "" {
			return nil, errors.New("ssl.certificate.location and ssl.key.location go together")
		}
		if certPEM, err = os.ReadFile(p["ssl.certificate.location"]); err != nil {
			return nil, fmt.Errorf("ssl.certificate.location: %w", err)
		}
		if keyPEM, err = os.ReadFile(p["ssl.key.location"]); err != nil {
			return nil, fmt.Errorf("ssl.key.location: %w", err)
		}
	case p["ssl.keystore.key"] != "" || p["ssl.keystore.certificate.chain"] != "":
		certPEM, keyPEM = []byte(p["ssl.keystore.certificate.chain"]), []byte(p["ssl.keystore.key"])
	case p["ssl.keystore.location"] != "":
		if t := strings.ToUpper(p["ssl.keystore.type"]); t != "PEM" {
			return nil, fmt.Errorf("ssl.keystore.type %q is not supported: use PEM (a file with the key and its certificate chain), or ssl.certificate.location and ssl.key.location", p["ssl.keystore.type"])
		}
		b, err := os.ReadFile(p["ssl.keystore.location"])
		if err != nil {
			return nil, fmt.Errorf("ssl.keystore.location: %w", err)
		}
		certPEM, keyPEM = b, b
	}
	if certPEM != nil {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("client certificate and key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	switch v := strings.ToLower(p["enable.ssl.certificate.verification"]); v {
	case "", "true":
	case "false":
		tc.InsecureSkipVerify = true
		return tc, nil
	default:
		return nil, fmt.Errorf("enable.ssl.certificate.verification must be true or false, not %q", v)
	}
	// Kafka checks the broker's host name unless this is set empty; the
	// chain is checked either way.
	switch alg, set := p["ssl.endpoint.identification.algorithm"]; {
	case !set || strings.EqualFold(alg, "https"):
	case alg == "" || strings.EqualFold(alg, "none"):
		tc.InsecureSkipVerify = true // only to skip the host name; checked below
		tc.VerifyConnection = verifyChainOnly(tc.RootCAs)
	default:
		return nil, fmt.Errorf("ssl.endpoint.identification.algorithm %q: want https, or empty to skip the host name check", alg)
	}
	return tc, nil
}

// readPEMSetting reads the PEM text of whichever of inline, then the file
// settings, is set; typeKey, when set, must say PEM for the Java names.
func readPEMSetting(p map[string]string, typeKey, inline string, files ...string) ([]byte, string, error) {
	if v := p[inline]; v != "" {
		return []byte(v), inline, nil
	}
	for _, f := range files {
		path := p[f]
		if path == "" {
			continue
		}
		if strings.HasPrefix(f, "ssl.truststore.") {
			if t := strings.ToUpper(p[typeKey]); t != "" && t != "PEM" {
				return nil, "", fmt.Errorf("%s %q is not supported: give the CA certificates as PEM (%s=PEM, or ssl.ca.location); convert with `keytool -exportcert -rfc`", typeKey, p[typeKey], typeKey)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", f, err)
		}
		if !strings.Contains(string(b), "-----BEGIN") {
			return nil, "", fmt.Errorf("%s %s is not PEM (a JKS or PKCS12 truststore?): export the CA certificates as PEM", f, path)
		}
		return b, f + " " + path, nil
	}
	return nil, "", nil
}

// verifyChainOnly checks the peer's chain against roots (the system's
// when nil) without checking its host name.
func verifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the broker sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

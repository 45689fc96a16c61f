package migrations

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/internal/javaprops"
	"github.com/eddysql/eddy/repl"
)

// session is a connection to the server for one command.
type session struct {
	*tool
	cfg       *config
	c         *repl.HTTPClient
	serviceID string
	ctx       context.Context
	// viaKSQL is set once /inserts-stream turned out to be unreachable
	// (HTTP/1.1 only): rows then go as INSERT VALUES through /ksql.
	viaKSQL bool
}

// withServer runs a command that needs the server: it connects, reads
// the service id (the topic names' default depends on it, as in ksqlDB)
// and dispatches.
func (t *tool) withServer(o *options) int {
	cfg, ok := t.loadConfigFor(o)
	if !ok {
		return 1
	}
	c, err := newClient(cfg, o.headersFile)
	if err != nil {
		t.errorf("%v", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil {
		t.errorf("Failed to query %s/info: %v", cfg.serverURL(), err)
		return 1
	}
	s := &session{tool: t, cfg: cfg, c: c, serviceID: info.ServiceID, ctx: ctx}
	switch o.command {
	case "initialize-metadata":
		return s.initialize()
	case "destroy-metadata":
		return s.destroy()
	case "info":
		return s.info()
	case "validate":
		return s.validateCommand()
	case "apply":
		return s.apply(o)
	}
	t.errorf("Command '%s' not recognized", o.command)
	return 1
}

// newClient makes the HTTP client the config describes: basic
// credentials, and for https:// a trust store and key store given as PEM
// files (Java key stores are not read); headersFile, when set, holds
// headers for every request, one name=value or name: value a line.
func newClient(cfg *config, headersFile string) (*repl.HTTPClient, error) {
	url := cfg.serverURL()
	opts := repl.HTTPOptions{User: cfg.get(keyUser, ""), Password: cfg.props[keyPassword]}
	if strings.TrimSpace(headersFile) != "" {
		f, err := os.Open(strings.TrimSpace(headersFile))
		if err == nil {
			opts.Headers, err = javaprops.Parse(f)
			f.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("Could not parse headers file '%s': %w", headersFile, err)
		}
	}
	if strings.HasPrefix(strings.ToLower(url), "https://") {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		opts.TLS = tc
	}
	c, err := repl.NewHTTPClient(url, opts)
	if err != nil {
		return nil, fmt.Errorf("Invalid ksql server URL: %s", url)
	}
	return c, nil
}

func tlsConfig(cfg *config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if path := cfg.get(keyTrustStore, ""); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyTrustStore, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate (eddy reads PEM trust stores, not JKS or PKCS#12)", keyTrustStore, path)
		}
		tc.RootCAs = pool
	}
	if path := cfg.get(keyKeyStore, ""); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyKeyStore, err)
		}
		// One PEM file with the client certificate and its key.
		cert, err := tls.X509KeyPair(b, b)
		if err != nil {
			if blk, _ := pem.Decode(b); blk == nil {
				return nil, fmt.Errorf("%s: %s is not PEM (eddy reads a PEM certificate and key, not JKS or PKCS#12)", keyKeyStore, path)
			}
			return nil, fmt.Errorf("%s: %w", keyKeyStore, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	verifyHost, err := cfg.boolean(keyVerifyHost, true)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.boolean(keyALPN, false); err != nil {
		return nil, err
	}
	if !verifyHost {
		// Check the chain but not the name, as ssl.verify.host=false does.
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return tc, nil
}

// execute runs one statement through /ksql.
func (s *session) execute(text string, props map[string]string) ([]api.Entity, error) {
	return s.c.Execute(s.ctx, text, props)
}

// pull runs a pull query and returns its rows.
func (s *session) pull(query string) ([][]any, error) {
	var rows [][]any
	var qerr error
	err := s.c.Stream(s.ctx, query, nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		if r.ErrorMessage != nil {
			qerr = errors.New(r.ErrorMessage.Message)
		}
		return nil
	})
	if err == nil {
		err = qerr
	}
	return rows, err
}

// describe returns a source's description.
func (s *session) describe(name string) (*api.SourceDescription, error) {
	ents, err := s.execute("DESCRIBE "+name+";", nil)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if d, ok := e.(*api.SourceDescriptionEntity); ok {
			return &d.SourceDescription, nil
		}
	}
	return nil, fmt.Errorf("DESCRIBE %s: the server sent no description", name)
}

// insert writes one row to target through /inserts-stream, as ksqlDB's
// tool does. A server that answers that endpoint only over HTTP/2 but
// serves HTTPS over HTTP/1.1 alone (eddy's did, before it offered "h2"
// over TLS) cannot take it there; the row then goes as the equivalent
// INSERT VALUES statement.
func (s *session) insert(target string, row map[string]any, stmt string) error {
	if !s.viaKSQL {
		err := s.c.Insert(s.ctx, target, []map[string]any{row})
		var se *repl.ServerError
		if !errors.As(err, &se) || se.Code != http2Only {
			return err
		}
		s.warnf("%s/inserts-stream needs HTTP/2, which the server does not speak here; inserting through /ksql instead", s.cfg.serverURL())
		s.viaKSQL = true
	}
	_, err := s.execute(stmt, nil)
	return err
}

// http2Only is ksqlDB's error code for an HTTP/2 endpoint reached over
// HTTP/1.1.
const http2Only = 40004

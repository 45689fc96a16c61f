package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/chzyer/readline"

	"github.com/eddysql/eddy/repl"
)

// openClient is what the shell talks to: the in-process engine (started
// here, on the embedded broker or --bootstrap-servers), or with --server
// a remote eddy server over HTTP. where describes it for the banner.
func openClient(ctx context.Context, f *shellFlags, logf func(string, ...any)) (client repl.Client, where string, closeFn func(), err error) {
	if f.server == "" {
		st, err := start(ctx, &f.config, logf)
		if err != nil {
			return nil, "", nil, err
		}
		return st.eng, st.kafkaDesc, func() {
			if err := st.Close(); err != nil {
				logf("shutdown: %v", err)
			}
		}, nil
	}
	if f.user != "" && f.password == "" && readline.IsTerminal(int(os.Stdin.Fd())) {
		// As the ksqlDB CLI does: a user without a password is asked for it.
		pw, err := readline.Password(fmt.Sprintf("Password for %s: ", f.user))
		if err != nil {
			return nil, "", nil, fmt.Errorf("read password: %w", err)
		}
		f.password = string(pw)
	}
	opts := repl.HTTPOptions{User: f.user, Password: f.password}
	if f.tlsCA != "" {
		pem, err := os.ReadFile(f.tlsCA)
		if err != nil {
			return nil, "", nil, fmt.Errorf("read --tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", nil, fmt.Errorf("--tls-ca %s: no PEM certificates", f.tlsCA)
		}
		opts.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	hc, err := repl.NewHTTPClient(f.server, opts)
	if err != nil {
		return nil, "", nil, err
	}
	// Check the server is there (retrying a few times) before the
	// prompt, so a wrong address fails with a clear message at once.
	info, err := hc.Info(ctx)
	if err != nil {
		hc.Close()
		return nil, "", nil, err
	}
	where = fmt.Sprintf("Connected to the server at %s (version %s, service id %s, status %s)", hc.URL(), info.Version, info.ServiceID, info.ServerStatus)
	return hc, where, hc.Close, nil
}

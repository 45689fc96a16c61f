package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chzyer/readline"

	"github.com/eddysql/eddy/repl"
)

// openClient is what the shell talks to: the in-process engine (started
// here, on the embedded broker or --bootstrap-servers), or with --server
// a remote eddy server over HTTP. where describes it for the banner.
func openClient(ctx context.Context, f *shellFlags, stdin *os.File, stderr io.Writer, logf func(string, ...any)) (client repl.Client, where string, closeFn func(), err error) {
	running := ""
	if f.server == "" {
		lock, err := lockDataDir(f.dataDir, 10*time.Second, logf)
		var busy *errDirBusy
		switch {
		case errors.As(err, &busy) && busy.info.REST != "":
			// Another eddy serves this directory: be its client rather
			// than start a second broker over the same files.
			f.server = busy.info.REST
			running = fmt.Sprintf("the eddy %s (pid %d) serving %s", busy.info.Mode, busy.info.PID, f.dataDir)
		case err != nil:
			return nil, "", nil, err
		default:
			return startLocal(ctx, f, lock, logf)
		}
	}
	if f.user != "" && !f.passwordSet {
		// As the ksqlDB CLI does: a user without a password is asked for it.
		pw, err := askPassword(stdin, stderr, f.user)
		if err != nil {
			return nil, "", nil, err
		}
		f.password, f.passwordSet = pw, true
	}
	unreachable := ""
	if running != "" {
		unreachable = fmt.Sprintf("Has %s exited? Then leave this shell and start eddy again: it will run the engine on %s itself.", running, f.dataDir)
	}
	hc, info, err := dial(ctx, f, f.server, unreachable)
	if err != nil {
		return nil, "", nil, err
	}
	where = fmt.Sprintf("Connected to the server at %s (version %s, service id %s, status %s)", hc.URL(), info.Version, info.ServiceID, info.ServerStatus)
	if running != "" {
		where = fmt.Sprintf("Connected to %s, at %s (version %s, service id %s)", running, hc.URL(), info.Version, info.ServiceID)
	}
	f.restURL = hc.URL()
	return hc, where, hc.Close, nil
}

// askPassword reads the password of user, unechoed, from the shell's
// input when that is a terminal (the prompt to stderr, beside it); with
// input from a pipe or file there is no one to ask.
func askPassword(stdin *os.File, stderr io.Writer, user string) (string, error) {
	if stdin == nil || !readline.IsTerminal(int(stdin.Fd())) {
		return "", fmt.Errorf("--user %s needs a password, and the input is not a terminal to ask for it on: give --password (-p) or set EDDY_PASSWORD", user)
	}
	fmt.Fprintf(stderr, "Password for %s: ", user)
	pw, err := readline.ReadPassword(int(stdin.Fd()))
	fmt.Fprintln(stderr) // the Enter was not echoed
	if err != nil {
		return "", fmt.Errorf("read the password of %s: %w", user, err)
	}
	return strings.TrimSuffix(string(pw), "\r"), nil
}

// dial reaches the server at url with the shell's credentials and TLS
// settings and checks that it answers (retrying a few times), so a wrong
// address fails with a clear message at once.
func dial(ctx context.Context, f *shellFlags, url, unreachable string) (*repl.HTTPClient, *repl.ServerInfo, error) {
	opts := repl.HTTPOptions{User: f.user, Password: f.password, Unreachable: unreachable}
	if f.tlsCA != "" {
		pem, err := os.ReadFile(f.tlsCA)
		if err != nil {
			return nil, nil, fmt.Errorf("read --tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--tls-ca %s: no PEM certificates", f.tlsCA)
		}
		opts.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	hc, err := repl.NewHTTPClient(url, opts)
	if err != nil {
		return nil, nil, err
	}
	info, err := hc.Info(ctx)
	if err != nil {
		hc.Close()
		return nil, nil, err
	}
	return hc, info, nil
}

// connector is what the shell's `server URL` command switches with: the
// server at url, reached as dial does.
func connector(f *shellFlags) repl.Connector {
	return func(ctx context.Context, url string) (repl.Client, string, func(), error) {
		hc, info, err := dial(ctx, f, url, "")
		if err != nil {
			return nil, "", nil, err
		}
		return hc, fmt.Sprintf("(version %s, service id %s, status %s)", info.Version, info.ServiceID, info.ServerStatus), hc.Close, nil
	}
}

// startLocal starts the engine in this process, with the REST API that
// lets another eddy on the same data directory reach it (on --listen when
// given, else on a free port), and publishes that address.
func startLocal(ctx context.Context, f *shellFlags, lock *instanceLock, logf func(string, ...any)) (repl.Client, string, func(), error) {
	st, err := start(ctx, &f.config, logf)
	if err != nil {
		lock.release()
		return nil, "", nil, err
	}
	listen := "127.0.0.1:0"
	if f.listenSet {
		listen = f.listen
	}
	srv, err := startREST(st, st.embedded, listen, f.users, logf)
	if err == nil {
		err = lock.publish(instanceInfo{PID: os.Getpid(), REST: srv.URL(), Version: version(), Mode: "shell"})
	}
	stop := func() {
		lock.stopping("shell")
		if srv != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				logf("shutdown: REST API: %v", err)
			}
		}
		if err := st.Close(); err != nil {
			logf("shutdown: %v", err)
		}
		lock.release()
	}
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	logf("REST API listening on %s", srv.URL())
	f.restURL = srv.URL() + " (the engine this shell runs)"
	return st.eng, st.kafkaDesc + "; REST API on " + srv.URL(), stop, nil
}

package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownTimeout bounds how long Close lets requests in flight finish.
const shutdownTimeout = 5 * time.Second

// Serve listens on listenAddr (host:port; port 0 picks one) and serves
// the REST API in the background until ctx is done or Close is called,
// both of which shut the server down gracefully. It returns the address
// it listens on.
func (r *Registry) Serve(ctx context.Context, listenAddr string) (string, error) {
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return "", fmt.Errorf("registry: listen on %s: %w", listenAddr, err)
	}
	if r.tls != nil {
		ln = tls.NewListener(ln, r.tls)
	}
	srv := newServer(r.Handler(), context.WithoutCancel(ctx), r.bodyTimeout)
	r.srvMu.Lock()
	select {
	case <-r.closing: // checked under srvMu: Close lists the servers after closing
		r.srvMu.Unlock()
		ln.Close()
		return "", fmt.Errorf("registry: serve on %s: %w", listenAddr, errClosed)
	default:
	}
	r.servers = append(r.servers, srv)
	r.wg.Add(2)
	r.srvMu.Unlock()
	addr := ln.Addr().String()
	go func() {
		defer r.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.logf("registry: serve on %s: %v", addr, err)
		}
	}()
	go func() {
		defer r.wg.Done()
		select {
		case <-ctx.Done():
			if err := srv.shutdown(); err != nil {
				r.logf("registry: %v", err)
			}
		case <-r.closing:
			// Close shuts the server down.
		}
	}()
	return addr, nil
}

// server is an http.Server that also tracks connections on which no
// request has started: http.Server.Shutdown waits up to 5 seconds for
// those (a client transport may dial a spare connection and park it), so
// shutdown closes them itself.
type server struct {
	*http.Server
	mu    sync.Mutex
	fresh map[net.Conn]bool
}

func newServer(h http.Handler, base context.Context, readTimeout time.Duration) *server {
	s := &server{fresh: make(map[net.Conn]bool)}
	s.Server = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Every request's body is a small JSON document, read whole
		// before the answer: one bound covers it (no streaming route
		// to spare, unlike the main server's).
		ReadTimeout: readTimeout,
		IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return base },
		ConnState:   s.connState,
	}
	return s
}

func (s *server) connState(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateNew {
		s.fresh[c] = true
	} else {
		delete(s.fresh, c)
	}
}

// shutdown stops accepting, closes idle and fresh connections and waits
// for requests in flight, up to shutdownTimeout; then it closes the rest.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeFresh()
		select {
		case err := <-done:
			if err != nil {
				s.Close()
				return fmt.Errorf("registry: shut down HTTP server: %w", err)
			}
			return nil
		case <-tick.C:
		}
	}
}

// closeFresh closes the connections on which no request has started.
func (s *server) closeFresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.fresh {
		c.Close()
		delete(s.fresh, c)
	}
}

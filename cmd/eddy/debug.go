package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// debugServer serves Go's profiler (net/http/pprof) on its own address,
// for a server's operator to look at its heap, goroutines and CPU
// (`go tool pprof http://ADDR/debug/pprof/heap`). It is off unless
// --debug-listen names an address, and has no authentication: bind it to
// loopback.
type debugServer struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

// startDebug listens on addr and serves until close, logging a failure
// of the listener through logf.
func startDebug(addr string, logf func(string, ...any)) (*debugServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	d := &debugServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(d.done)
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("profiler: %v", err)
		}
	}()
	return d, nil
}

// close stops the profiler and waits for its goroutine.
func (d *debugServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.srv.Shutdown(ctx)
	<-d.done
	return err
}

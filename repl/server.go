package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/eddysql/eddy/api"
)

// Connector reaches the server at url (http:// or https://) with the
// shell's credentials, checks that it answers, and returns a Client for
// it with a few words about it for the user (its version); close releases the client.
type Connector func(ctx context.Context, url string) (c Client, where string, close func(), err error)

// switchable is the shell's Client: the one it started with until the
// `server` command switches it to another server. The line editor's
// completion uses it too, so it asks the current server.
type switchable struct {
	mu      sync.Mutex
	current Client
	url     string // the current server's address, "" when unknown
	close   func() // releases current when the shell switched to it
	// switched are told when the shell moves to another server (the
	// completer's names).
	switched []func()
}

// onSwitch has f called after each switch to another server.
func (w *switchable) onSwitch(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.switched = append(w.switched, f)
}

func (w *switchable) get() Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}

func (w *switchable) Execute(ctx context.Context, sql string, props map[string]string) ([]api.Entity, error) {
	return w.get().Execute(ctx, sql, props)
}

func (w *switchable) Stream(ctx context.Context, sql string, props map[string]string, emit func(api.StreamedRow) error) error {
	return w.get().Stream(ctx, sql, props, emit)
}

func (w *switchable) Print(ctx context.Context, sql string, props map[string]string, emit func(string) error) error {
	return w.get().Print(ctx, sql, props, emit)
}

func (w *switchable) SubstitutesVariables() bool {
	rs, ok := w.get().(resubstituter)
	return ok && rs.SubstitutesVariables()
}

// release closes a client the shell switched to (the one it started with
// belongs to its caller).
func (w *switchable) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.close != nil {
		w.close()
		w.close = nil
	}
}

// server is the `server [url]` command: with no argument it shows the
// server the shell talks to; with one it connects to that server and
// sends every later statement there (SET properties and variables stay).
func (s *shell) server(ctx context.Context, args []string) error {
	if len(args) == 0 {
		url := s.client.url
		if url == "" {
			url = "unknown"
		}
		fmt.Fprintf(s.out, "Server: %s\n", url)
		return nil
	}
	url := strings.TrimRight(args[0], "/")
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("server %s: the address must start with http:// or https://", args[0])
	}
	if s.connect == nil {
		return errors.New("this shell cannot switch servers")
	}
	c, where, closeFn, err := s.connect(ctx, url)
	if err != nil {
		return err // the shell stays with the server it had
	}
	if p, ok := c.(pipeliner); ok {
		p.SetRequestPipelining(s.pipelining)
	}
	if next, ok := c.(*HTTPClient); ok {
		if prev, ok := s.client.get().(*HTTPClient); ok {
			next.continueFrom(prev)
		}
	}
	s.client.release()
	s.client.mu.Lock()
	s.client.current, s.client.url, s.client.close = c, url, closeFn
	switched := s.client.switched
	s.client.mu.Unlock()
	for _, f := range switched {
		f()
	}
	if where != "" {
		url += " " + where
	}
	fmt.Fprintf(s.out, "Server now: %s\n", url)
	return nil
}

// pipeliner is a Client whose requests can wait for earlier commands
// (HTTPClient); the in-process engine has applied a command when it
// returns.
type pipeliner interface{ SetRequestPipelining(on bool) }

// requestPipelining is `request-pipelining [ON|OFF]`.
func (s *shell) requestPipelining(args []string) error {
	if len(args) == 1 {
		switch strings.ToUpper(args[0]) {
		case "ON":
			s.pipelining = true
		case "OFF":
			s.pipelining = false
		default:
			return fmt.Errorf("request-pipelining: want ON or OFF, not %q", args[0])
		}
		if p, ok := s.client.get().(pipeliner); ok {
			p.SetRequestPipelining(s.pipelining)
		}
	}
	state := "OFF"
	if s.pipelining {
		state = "ON"
	}
	fmt.Fprintf(s.out, "Request pipelining: %s\n", state)
	if _, ok := s.client.get().(pipeliner); !ok && s.pipelining {
		fmt.Fprintln(s.out, "(This shell runs its own engine, which has applied each statement before the next one starts: requests never wait, ON or OFF.)")
	}
	return nil
}

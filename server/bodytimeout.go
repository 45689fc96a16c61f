package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// bodies bounds the arrival of request bodies by Config.BodyTimeout, and
// cuts the ones still awaited when the server shuts down. Only the body
// is bounded: once it has ended, a long statement or a push query's
// response takes as long as it takes; /inserts-stream lifts the bound
// once its arguments line has come, and its rows stream freely.
type bodies struct {
	timeout time.Duration
	mu      sync.Mutex
	waiting map[*timedBody]struct{} // bounded, not yet ended
	closing bool                    // Shutdown cut them
}

// timedBody is a request body read under the read deadline of its
// connection (HTTP/1.1) or stream (HTTP/2), armed when the request's
// handling starts and lifted when the body ends. The deadline is only
// ever armed while the body is awaited: on a connection whose body has
// ended, HTTP/1.1's background read of the next request would cancel the
// request when it fired.
type timedBody struct {
	io.ReadCloser
	rc  *http.ResponseController
	set *bodies
	// ended: read to its end (the deadline lifted), failed (a failed
	// deadline is kept, so the server's own read of what is left fails
	// at once too) or lifted by its handler. Guarded by set.mu.
	ended bool
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.set.end(b, err == io.EOF)
	}
	return n, err
}

// liftBodyTimeout ends the bound of a request's body, which streams
// from here on (the handler still reads it).
func liftBodyTimeout(r *http.Request) {
	if b, ok := r.Body.(*timedBody); ok {
		b.set.end(b, true)
	}
}

// boundBodies bounds the body of each request (none for a request
// without one, as /ws/query's upgrade). A handler that returns before
// its HTTP/1.1 body has ended (a route that reads none, an error sent
// first) has what is left read here, as the server would read it
// afterwards to keep the connection, but still bounded, and cut by
// Shutdown.
func (s *Server) boundBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		b := s.bodies.arm(w, r.Body)
		defer s.bodies.end(b, false)
		r.Body = b
		next.ServeHTTP(w, r)
		if r.ProtoMajor == 1 && r.Header.Get("Expect") == "" && !s.bodies.ended(b) {
			_, _ = io.CopyN(io.Discard, b, maxDrain)
		}
	})
}

// maxDrain is how much of an unread body is read to keep the connection
// (net/http's own threshold); past it the connection is closed.
const maxDrain = 256 << 10

func (bs *bodies) arm(w http.ResponseWriter, body io.ReadCloser) *timedBody {
	b := &timedBody{ReadCloser: body, rc: http.NewResponseController(w), set: bs}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	deadline := time.Now().Add(bs.timeout)
	if bs.closing {
		deadline = time.Now()
	}
	_ = b.rc.SetReadDeadline(deadline) // a writer without deadlines is not a connection's
	bs.waiting[b] = struct{}{}
	return b
}

// end takes b out of the bound, lifting its deadline when lift is set.
func (bs *bodies) end(b *timedBody, lift bool) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b.ended {
		return
	}
	b.ended = true
	delete(bs.waiting, b)
	if lift {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

func (bs *bodies) ended(b *timedBody) bool {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return b.ended
}

// cut fails the reads of every body still awaited, and of those to come:
// the server is shutting down, and must not wait for clients that send
// nothing.
func (bs *bodies) cut() {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.closing = true
	for b := range bs.waiting {
		_ = b.rc.SetReadDeadline(time.Now())
	}
}

// bodyTimedOut is the error for a body read that failed at its deadline:
// the body was too slow to come, or the server is shutting down; nil for
// any other failure.
func (s *Server) bodyTimedOut(err error) *apiError {
	switch {
	case !errors.Is(err, os.ErrDeadlineExceeded):
		return nil
	case s.state.Load() == stateTerminating:
		return genericError(codeServerTerminating, "The server is shutting down.")
	}
	return genericError(codeRequestTimeout, "The request body did not arrive within %v.", s.cfg.BodyTimeout)
}

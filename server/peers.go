package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/eddysql/eddy/engine"
)

// cachedCommitter is what POST /eddy/v1/queries/{id}/commit needs of
// the backend: the engine's CommitCached.
type cachedCommitter interface {
	CommitCached(ctx context.Context, queryID string) error
}

// handleCommitCached answers another server of the service serving a
// pull query: this server's tasks of the query commit the outputs their
// caches hold back, so the table's topic has every update made before
// the pull query (204). An unknown query is 404.
func (s *Server) handleCommitCached(w http.ResponseWriter, r *http.Request) {
	cc, ok := s.cfg.Engine.(cachedCommitter)
	if !ok {
		writeError(w, genericError(codeNotFound, "this server runs no persistent queries"))
		return
	}
	id := r.PathValue("id")
	if err := cc.CommitCached(r.Context(), id); err != nil {
		if errors.Is(err, engine.ErrQueryNotHere) {
			writeError(w, genericError(codeNotFound, "no persistent query %s runs on this server", id))
			return
		}
		writeError(w, genericError(codeServerError, "commit the cached outputs of %s: %v", id, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// queryStater is what GET /eddy/v1/queries needs of the backend: the
// engine's QueryStates.
type queryStater interface {
	QueryStates() map[string]string
}

// QueryStates is the answer of GET /eddy/v1/queries: the state of each
// persistent query on the server asked, for another server's SHOW
// QUERIES.
type QueryStates struct {
	Queries map[string]string `json:"queries"`
}

// handleQueryStates answers another server of the service listing the
// persistent queries: their states here.
func (s *Server) handleQueryStates(w http.ResponseWriter, r *http.Request) {
	qs, ok := s.cfg.Engine.(queryStater)
	if !ok {
		writeJSON(w, http.StatusOK, QueryStates{Queries: map[string]string{}})
		return
	}
	writeJSON(w, http.StatusOK, QueryStates{Queries: qs.QueryStates()})
}

// authKey keys the Authorization header of the request a context serves.
type authKey struct{}

// withAuthorization keeps a request's Authorization header in its
// context, so that what the request asks of the other servers of the
// service (CommitOnPeers) carries the caller's credentials, as ksqlDB
// forwards them.
func withAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			r = r.WithContext(context.WithValue(r.Context(), authKey{}, h))
		}
		next.ServeHTTP(w, r)
	})
}

// Authorization is the Authorization header of the request ctx serves,
// if it had one.
func Authorization(ctx context.Context) string {
	h, _ := ctx.Value(authKey{}).(string)
	return h
}

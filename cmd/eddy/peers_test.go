package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/server"
)

// TestQueryStatesCountsUnresponsiveServers: SHOW QUERIES' view of the
// other servers counts one that does not answer as unresponsive, as
// ksqlDB's does, where it was left out silently; and when listing the
// servers fails (the broker slow to describe the group), the servers
// listed before are asked, where the answer counted this server alone.
func TestQueryStatesCountsUnresponsiveServers(t *testing.T) {
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/eddy/v1/queries" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(server.QueryStates{Queries: map[string]string{"CTAS_T_0": "RUNNING"}})
	}))
	defer answering.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // listed, but nothing listens there any more

	var mu sync.Mutex
	var logged []string
	p := newPeerCommitter(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, format)
	})
	if states, unresponsive := p.queryStates(context.Background()); states != nil || unresponsive != 0 {
		t.Fatalf("before joining: %v, %d unresponsive; want nothing", states, unresponsive)
	}
	listErr := error(nil)
	p.servers = func(context.Context) ([]string, error) {
		if listErr != nil {
			return nil, listErr
		}
		return []string{answering.URL, gone.URL}, nil
	}
	check := func(when string) {
		t.Helper()
		states, unresponsive := p.queryStates(context.Background())
		if len(states) != 1 || states[0]["CTAS_T_0"] != "RUNNING" || unresponsive != 1 {
			t.Errorf("%s: states %v, %d unresponsive; want one server running CTAS_T_0 and one unresponsive", when, states, unresponsive)
		}
	}
	check("listed")
	listErr = errors.New("describe groups: context deadline exceeded")
	check("listing failed")
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "asking the %d listed before") }) {
		t.Errorf("the failed listing was not logged as such: %q", logged)
	}
}

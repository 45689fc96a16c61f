package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/cluster"
	"github.com/eddysql/eddy/server"
)

// peerTimeout bounds what a pull query waits for the other servers: one
// that does not answer in time leaves its last commit interval's
// updates out of the answer, as before it was asked.
const peerTimeout = 2 * time.Second

// peerCommitter asks the other servers running tasks of a persistent
// query to commit their cached outputs (engine.Options.CommitOnPeers),
// and the other servers of the service for their queries' states
// (engine.Options.PeerQueryStates), over their REST APIs with the
// caller's credentials. It does nothing
// until the server has joined its service (member set).
type peerCommitter struct {
	member atomic.Pointer[cluster.Membership]
	client *http.Client
	logf   func(string, ...any)
	// servers lists the other servers of the service (the member's
	// Servers; a test's own).
	servers func(context.Context) ([]string, error)
	// lastServers is the list servers last gave, which SHOW QUERIES
	// asks when the next lookup fails.
	lastServers atomic.Pointer[[]string]
}

func newPeerCommitter(logf func(string, ...any)) *peerCommitter {
	p := &peerCommitter{client: &http.Client{Timeout: peerTimeout}, logf: logf}
	p.servers = func(ctx context.Context) ([]string, error) {
		m := p.member.Load()
		if m == nil {
			return nil, errNotJoined
		}
		return m.Servers(ctx)
	}
	return p
}

// errNotJoined: the server has not joined its service yet.
var errNotJoined = errors.New("not yet joined the service")

func (p *peerCommitter) commit(ctx context.Context, queryID, group string) {
	m := p.member.Load()
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	peers, err := m.Peers(ctx, group)
	if err != nil {
		p.logf("pull query: the servers running %s: %v", queryID, err)
		return
	}
	var wg sync.WaitGroup
	for _, base := range peers {
		wg.Go(func() {
			if err := p.commitOn(ctx, base, queryID); err != nil {
				p.logf("pull query: %s on %s: %v", queryID, base, err)
			}
		})
	}
	wg.Wait()
}

// commitOn asks the server at base to commit queryID's cached outputs.
func (p *peerCommitter) commitOn(ctx context.Context, base, queryID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/eddy/v1/queries/"+url.PathEscape(queryID)+"/commit", nil)
	if err != nil {
		return err
	}
	if auth := server.Authorization(ctx); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("commit its cached outputs: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("commit its cached outputs: %s", resp.Status)
	}
	return nil
}

// queryStates asks every other running server of the service for the
// states of its persistent queries (engine.Options.PeerQueryStates), in
// parallel, with the caller's credentials, and counts the servers that
// do not answer in time, which ksqlDB's SHOW QUERIES counts as
// UNRESPONSIVE. Listing the servers has a timeout of its own: when it
// fails (the broker busy) the servers last listed are asked, where the
// answer counted this server alone.
func (p *peerCommitter) queryStates(ctx context.Context) (states []map[string]string, unresponsive int) {
	lctx, cancel := context.WithTimeout(ctx, peerTimeout)
	servers, err := p.servers(lctx)
	cancel()
	switch {
	case errors.Is(err, errNotJoined):
		return nil, 0
	case err != nil:
		last := p.lastServers.Load()
		if last == nil {
			p.logf("show queries: the other servers of the service: %v", err)
			return nil, 0
		}
		p.logf("show queries: the other servers of the service: %v; asking the %d listed before", err, len(*last))
		servers = *last
	default:
		p.lastServers.Store(&servers)
	}
	ctx, cancel = context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	out := make([]map[string]string, len(servers))
	var wg sync.WaitGroup
	for i, base := range servers {
		wg.Go(func() {
			states, err := p.statesOn(ctx, base)
			if err != nil {
				p.logf("show queries: the queries on %s: %v", base, err)
				return
			}
			out[i] = states
		})
	}
	wg.Wait()
	answered := slices.DeleteFunc(out, func(m map[string]string) bool { return m == nil })
	return answered, len(servers) - len(answered)
}

// statesOn asks the server at base for its queries' states.
func (p *peerCommitter) statesOn(ctx context.Context, base string) (map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/eddy/v1/queries", nil)
	if err != nil {
		return nil, err
	}
	if auth := server.Authorization(ctx); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	var qs server.QueryStates
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&qs); err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	return qs.Queries, nil
}

package main

import (
	"context"
	"encoding/json"
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
}

func newPeerCommitter(logf func(string, ...any)) *peerCommitter {
	return &peerCommitter{client: &http.Client{Timeout: peerTimeout}, logf: logf}
}

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
// parallel, with the caller's credentials; a server that does not
// answer in time is left out, as a server ksqlDB cannot reach is.
func (p *peerCommitter) queryStates(ctx context.Context) []map[string]string {
	m := p.member.Load()
	if m == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	servers, err := m.Servers(ctx)
	if err != nil {
		p.logf("show queries: the other servers of the service: %v", err)
		return nil
	}
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
	return slices.DeleteFunc(out, func(m map[string]string) bool { return m == nil })
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

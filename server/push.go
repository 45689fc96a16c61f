package server

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eddysql/eddy/api"
)

// pushQuery is one streaming push query or PRINT, from its reservation
// until its handler returns.
type pushQuery struct {
	id     string // set once the engine sends the header; "" for PRINT
	text   string // the statement, for SHOW QUERIES
	cancel context.CancelFunc
	rows   atomic.Int64
	// closed marks an end asked for by the server (close-query,
	// TERMINATE, shutdown) rather than by the client leaving; shutdown
	// marks the server's shutdown among them.
	closed, shutdown atomic.Bool
}

// stop ends the query on the server's behalf.
func (q *pushQuery) stop() {
	q.closed.Store(true)
	q.cancel()
}

// pushRegistry tracks the streaming queries, bounds how many run, and
// finds them by id for /close-query and TERMINATE.
type pushRegistry struct {
	mu   sync.Mutex
	max  int // < 0: unbounded
	all  map[*pushQuery]struct{}
	byID map[string]*pushQuery
}

func newPushRegistry(max int) *pushRegistry {
	return &pushRegistry{max: max, all: map[*pushQuery]struct{}{}, byID: map[string]*pushQuery{}}
}

// reserve admits a new query, or returns nil when the limit is reached.
func (p *pushRegistry) reserve(text string, cancel context.CancelFunc) *pushQuery {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.max >= 0 && len(p.all) >= p.max {
		return nil
	}
	q := &pushQuery{text: text, cancel: cancel}
	p.all[q] = struct{}{}
	return q
}

// name records the query id from the header.
func (p *pushRegistry) name(q *pushQuery, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q.id = id
	p.byID[id] = q
}

// release forgets a finished query.
func (p *pushRegistry) release(q *pushQuery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.all, q)
	if q.id != "" && p.byID[q.id] == q {
		delete(p.byID, q.id)
	}
}

// stop ends the query with this id; false when there is none.
func (p *pushRegistry) stop(id string) bool {
	p.mu.Lock()
	q := p.byID[id]
	if q == nil {
		// TERMINATE's parser upper-cases the id; ids are unique anyway.
		for k, v := range p.byID {
			if strings.EqualFold(k, id) {
				q = v
				break
			}
		}
	}
	p.mu.Unlock()
	if q == nil {
		return false
	}
	q.stop()
	return true
}

// closeAll ends every query (shutdown).
func (p *pushRegistry) closeAll() {
	for _, q := range p.snapshot() {
		q.q.shutdown.Store(true)
		q.q.stop()
	}
}

// running lists the push queries as SHOW QUERIES rows (PRINTs, which
// have no id, are left out).
func (p *pushRegistry) running() []api.RunningQuery {
	var out []api.RunningQuery
	for _, q := range p.snapshot() {
		if q.id == "" {
			continue
		}
		out = append(out, api.RunningQuery{
			QueryString: q.q.text, Sinks: []string{}, SinkKafkaTopics: []string{}, ID: q.id,
			StatusCount: map[string]int{"RUNNING": 1}, QueryType: "PUSH", State: "RUNNING",
		})
	}
	return out
}

// pushInfo is a query as seen at one moment.
type pushInfo struct {
	id   string
	rows int64
	q    *pushQuery
}

// snapshot lists the running queries, ordered by id.
func (p *pushRegistry) snapshot() []pushInfo {
	p.mu.Lock()
	out := make([]pushInfo, 0, len(p.all))
	for q := range p.all {
		out = append(out, pushInfo{id: q.id, rows: q.rows.Load(), q: q})
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
)

// preparePauseQuery handles PAUSE and RESUME of persistent queries, as
// ksqlDB 0.29 added them: a paused query keeps its partitions, state
// and committed offsets but reads nothing until RESUME, then goes on
// from where it stopped. The catalog records it (the command log
// replays it), so a paused query stays paused across restarts and on
// every server of the service. ok is false when the statement names no
// query (it may name a connector).
func (e *Engine) preparePauseQuery(st *sql.PauseResume) (act action, ok bool, err error) {
	verb := "paused"
	if st.Resume {
		verb = "resumed"
	}
	var ids []string
	if st.All {
		for _, q := range e.ms.Queries() {
			ids = append(ids, q.ID)
		}
	} else {
		id := strings.ToUpper(st.QueryID)
		if strings.HasPrefix(id, "TRANSIENT_") {
			return nil, true, &stmtErr{msg: fmt.Sprintf("Cannot %s %s: PAUSE and RESUME apply to persistent queries; end a push query by closing it.", strings.ToLower(firstWord(st.Text())), id)}
		}
		if e.ms.Query(id) == nil {
			return nil, false, nil
		}
		ids = []string{id}
	}
	return func(context.Context) (api.Entity, error) {
		for _, id := range ids {
			e.setPaused(id, !st.Resume)
		}
		return status("Query "+verb+".", ""), nil
	}, true, nil
}

// setPaused records a query's paused state in the catalog and applies it
// to its runtime when it runs here (a replayed command finds it not yet
// started: run starts it paused). Callers hold e.mu.
func (e *Engine) setPaused(id string, paused bool) {
	mq := e.ms.Query(id)
	if mq == nil || mq.Paused == paused {
		return
	}
	c := *mq
	c.Paused = paused
	e.ms.PutQuery(&c)
	q := e.queries[id]
	switch {
	case q == nil:
	case paused:
		if !q.Pause() {
			e.opts.Logf("query %s: this cluster cannot pause a subscription; it keeps running", id)
		}
	default:
		q.Resume()
	}
}

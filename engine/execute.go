package engine

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Execute parses text and runs each statement in order, stopping at the
// first failure. props are session properties (SET); they apply to these
// statements only.
func (e *Engine) Execute(ctx context.Context, text string, props map[string]string) ([]api.Entity, error) {
	stmts, err := sql.Parse(text)
	if err != nil {
		return nil, classify(err, text)
	}
	if err := checkProps(props); err != nil {
		return nil, classify(err, text)
	}
	var out []api.Entity
	for _, st := range stmts {
		ent, err := e.execute(ctx, st, props, false)
		if err != nil {
			return out, classify(err, st.Text())
		}
		if ent != nil {
			out = append(out, ent)
		}
	}
	return out, nil
}

// action applies a validated statement's side effects.
type action func(ctx context.Context) (api.Entity, error)

// execute validates a statement, records it in the command log when it
// changes the catalog (unless replaying), then applies it.
func (e *Engine) execute(ctx context.Context, st sql.Statement, props map[string]string, replaying bool) (api.Entity, error) {
	switch s := st.(type) {
	case *sql.Select, *sql.Print:
		return nil, &stmtErr{msg: "SELECT and PRINT statements stream their results; send them as queries (the shell does this for you)."}
	case *sql.Show, *sql.Describe, *sql.Explain, *sql.InsertValues:
		return e.local(ctx, s, props)
	case *sql.AssertTopic, *sql.AssertSchema:
		// Like ksqlDB, never in the command log: an ASSERT only waits.
		return e.assert(ctx, s)
	case *sql.RunScript:
		// Only the shell runs scripts; a server knows no RUN statement.
		return nil, sql.ErrRunScriptNotAllowed(s)
	case *sql.SetProperty, *sql.UnsetProperty, *sql.Define, *sql.Undefine:
		return nil, &stmtErr{msg: fmt.Sprintf("%s is handled by the client session, not the engine.", firstWord(st.Text()))}
	case *sql.CreateConnector, *sql.DropConnector, *sql.PauseResume, *sql.StopConnector:
		if ent, ok, err := e.remoteConnector(ctx, st); ok {
			return ent, err
		}
	}
	e.mu.Lock()
	defer e.unlock()
	return e.executeLocked(ctx, st, props, replaying)
}

// executeLocked is execute for a catalog change, with e.mu held.
func (e *Engine) executeLocked(ctx context.Context, st sql.Statement, props map[string]string, replaying bool) (api.Entity, error) {
	if !replaying && props[planner.InferredColumnsProperty] != "" {
		// Only a command this engine wrote says its columns are stored.
		props = maps.Clone(props)
		delete(props, planner.InferredColumnsProperty)
	}
	cfg := e.config(props)
	var act action
	var err error
	seq := e.cmdOffset
	text := st.Text()
	if replaying || e.cmdLog == nil {
		e.injected = ""
		if act, err = e.prepare(ctx, st, cfg); err != nil {
			return nil, err
		}
		if e.injected != "" {
			text = e.injected
		}
	} else {
		// Validate against every command already in the log, including
		// other servers' (the log's order is the catalog's), while no
		// other server can append.
		cmd := metastore.Command{Statement: st.Text(), Props: props}
		off, err := e.cmdLog.AppendChecked(ctx, e.commandID(st), &cmd, func(ctx context.Context) error {
			if err := e.catchUp(ctx, -1); err != nil {
				return err
			}
			e.inferredIDs, e.injected = nil, ""
			var err error
			act, err = e.prepare(ctx, st, cfg)
			cmd.Statement, cmd.Props = st.Text(), withInferredIDs(props, e.inferredIDs)
			if e.injected != "" {
				// As ksqlDB's command topic: the columns inferred are in
				// the statement, and its replay infers nothing.
				cmd.Statement = e.injected
				cmd.Props = withInferredIDs(cmd.Props, map[string]string{planner.InferredColumnsProperty: "true"})
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		text = cmd.Statement
		if off > e.cmdOffset {
			// Another server appended between our catch-up and our
			// append: apply its commands first and validate ours again,
			// as every server will apply them in this order: the
			// command as written.
			if err := e.catchUp(ctx, off); err != nil {
				return nil, err
			}
			again, cfg := st, cfg
			if text != st.Text() {
				if again, err = parseOne(text); err != nil {
					return nil, err
				}
				cfg = e.config(cmd.Props)
			}
			if act, err = e.prepare(ctx, again, cfg); err != nil {
				e.cmdOffset = off + 1
				return nil, fmt.Errorf("a concurrent change on another server came first: %w", err)
			}
		}
		seq = off
	}
	e.cmdOffset = seq + 1
	ent, err := act(ctx)
	if cc, ok := ent.(*api.CreateConnectorEntity); ok {
		cc.StatementText = st.Text()
	}
	if dc, ok := ent.(*api.DropConnectorEntity); ok {
		dc.StatementText = st.Text()
	}
	if cs, ok := ent.(*api.CurrentStatus); ok {
		cs.CommandSequenceNumber = seq
		// ksqlDB answers with the statement as stored, columns injected.
		cs.StatementText = text
		cs.CommandID = e.commandID(st)
	}
	return ent, err
}

// withInferredIDs returns props with the ids of the schemas a CREATE
// inferred its columns from, so that its replay infers the same columns.
func withInferredIDs(props, ids map[string]string) map[string]string {
	if len(ids) == 0 {
		return props
	}
	out := make(map[string]string, len(props)+len(ids))
	maps.Copy(out, props)
	maps.Copy(out, ids)
	return out
}

// parseOne parses the text of one statement.
func parseOne(text string) (sql.Statement, error) {
	stmts, err := sql.Parse(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("%d statements where one was expected: %s", len(stmts), text)
	}
	return stmts[0], nil
}

// prepare validates a catalog-changing statement against the current
// catalog and returns the action that applies it.
func (e *Engine) prepare(ctx context.Context, st sql.Statement, cfg map[string]string) (action, error) {
	switch s := st.(type) {
	case *sql.CreateSource:
		return e.prepareCreateSource(ctx, s, cfg)
	case *sql.CreateAsSelect:
		return e.prepareCreateAsSelect(ctx, s, cfg)
	case *sql.InsertInto:
		return e.prepareInsertInto(ctx, s, cfg)
	case *sql.DropSource:
		return e.prepareDrop(ctx, s)
	case *sql.Terminate:
		return e.prepareTerminate(s)
	case *sql.CreateType:
		return e.prepareCreateType(s)
	case *sql.DropType:
		return e.prepareDropType(s)
	case *sql.AlterSource:
		return e.prepareAlter(s)
	case *sql.CreateConnector:
		return e.prepareCreateConnector(ctx, s)
	case *sql.DropConnector:
		return e.prepareDropConnector(s)
	case *sql.StopConnector:
		return e.prepareStopConnector(s)
	case *sql.AlterSystem:
		// ksqlDB accepts it only with its shared runtime (Confluent
		// Cloud's), which eddy does not have.
		return nil, &stmtErr{msg: "Cannot alter system configs when KSQL_SHARED_RUNTIME_ENABLED is turned off. Set server-wide properties in the file eddy server --config-file reads."}
	case *sql.PauseResume:
		if act, ok, err := e.preparePauseQuery(s); ok {
			return act, err
		}
		if act, ok := e.preparePauseConnector(s); ok {
			return act, nil
		}
		if !s.All {
			return nil, &stmtErr{msg: fmt.Sprintf("Unknown queryId: %s", strings.ToUpper(s.QueryID))}
		}
	}
	return nil, &stmtErr{msg: fmt.Sprintf("%s is not supported by eddy yet.", firstWord(st.Text()))}
}

// local runs statements that read the catalog or write data but do not
// change the catalog, so they skip the command log.
func (e *Engine) local(ctx context.Context, st sql.Statement, props map[string]string) (api.Entity, error) {
	switch s := st.(type) {
	case *sql.Show:
		return e.show(ctx, s, props)
	case *sql.Describe:
		return e.describe(ctx, s)
	case *sql.Explain:
		return e.explain(ctx, s, props)
	case *sql.InsertValues:
		return nil, e.insertValues(ctx, s)
	}
	return nil, &stmtErr{msg: "unsupported statement"}
}

// commandID names a catalog command as ksqlDB does: type/entity/action.
func (e *Engine) commandID(st sql.Statement) string {
	switch s := st.(type) {
	case *sql.CreateSource:
		return kindWord(s.IsTable) + "/" + s.Name + "/create"
	case *sql.CreateAsSelect:
		return kindWord(s.IsTable) + "/" + s.Name + "/create"
	case *sql.DropSource:
		return kindWord(s.IsTable) + "/" + s.Name + "/drop"
	case *sql.AlterSource:
		return kindWord(s.IsTable) + "/" + s.Name + "/alter"
	case *sql.InsertInto:
		return "stream/" + s.Target + "/insert"
	case *sql.Terminate:
		if s.All {
			return "terminate/ALL/execute"
		}
		return "terminate/" + s.QueryID + "/execute"
	case *sql.CreateType:
		return "type/" + s.Name + "/create"
	case *sql.DropType:
		return "type/" + s.Name + "/drop"
	case *sql.CreateConnector:
		return "connector/" + s.Name + "/create"
	case *sql.DropConnector:
		return "connector/" + s.Name + "/drop"
	case *sql.StopConnector:
		return "connector/" + s.Name + "/stop"
	case *sql.PauseResume:
		verb := "pause"
		if s.Resume {
			verb = "resume"
		}
		if s.All {
			return verb + "/ALL/execute"
		}
		if id := strings.ToUpper(s.QueryID); e.ms.Query(id) != nil {
			return verb + "/" + id + "/execute"
		}
		return "connector/" + s.QueryID + "/" + verb
	}
	return "statement/" + firstWord(st.Text()) + "/execute"
}

func kindWord(table bool) string {
	if table {
		return "table"
	}
	return "stream"
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

// statementMessage is the plain message entity a statement answers with.
func statementMessage(st sql.Statement, msg string) *api.Message {
	return &api.Message{Type: "message", StatementText: st.Text(), Message: msg, Warnings: []api.Warning{}}
}

func status(msg, queryID string) *api.CurrentStatus {
	return &api.CurrentStatus{
		Type:          "currentStatus",
		CommandStatus: api.CommandStatus{Status: "SUCCESS", Message: msg, QueryID: queryID},
		Warnings:      []api.Warning{},
	}
}

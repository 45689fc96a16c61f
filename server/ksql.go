package server

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sql"
)

// warningEntity answers e.g. UNDEFINE of an unknown variable.
type warningEntity struct {
	Type          string        `json:"@type"` // "warning_entity"
	StatementText string        `json:"statementText"`
	Message       string        `json:"message"`
	Warnings      []api.Warning `json:"warnings"`
}

func (*warningEntity) EntityType() string { return "warning_entity" }

// terminateQueryEntity answers TERMINATE of a push query.
type terminateQueryEntity struct {
	Type          string        `json:"@type"` // "terminate_query"
	StatementText string        `json:"statementText"`
	QueryID       string        `json:"queryId"`
	WasTerminated bool          `json:"wasTerminated"`
	Warnings      []api.Warning `json:"warnings"`
}

func (*terminateQueryEntity) EntityType() string { return "terminate_query" }

// ksqlStmt is one statement of a /ksql request, parsed.
type ksqlStmt struct {
	text string
	st   sql.Statement
}

// handleKSQL is POST /ksql: every statement but SELECT and PRINT. All
// statements are parsed (and SELECT/PRINT refused) before any runs; they
// then run in order, and the first failure ends the request with the
// entities of those that succeeded.
func (s *Server) handleKSQL(w http.ResponseWriter, r *http.Request) {
	ct, ok := negotiate(r, mediaKSQLv1, mediaJSON)
	if !ok {
		notAcceptable(w)
		return
	}
	w.Header().Set("Content-Type", ct)
	var req ksqlRequest
	if aerr := s.readJSON(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.KSQL == nil || strings.TrimSpace(*req.KSQL) == "" {
		writeError(w, genericError(codeBadRequest, "\"ksql\" field must be populated"))
		return
	}
	props, vars, aerr := settings(req.StreamsProperties, req.SessionVariables)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.CommandSequenceNumber != nil {
		if aerr := s.waitForCommand(r.Context(), *req.CommandSequenceNumber); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	stmts, aerr := parseAll(*req.KSQL, vars, sql.SubstitutionOn(props))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	// A statement that changes the catalog must not be cut short by a
	// client that hangs up: it runs to completion under its own timeout.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.StatementTimeout)
	defer cancel()
	// Every statement is checked before any runs, so a request that would
	// fail half-way changes nothing.
	if v, ok := s.cfg.Engine.(validator); ok && len(stmts) > 1 {
		texts := make([]string, len(stmts))
		for i, st := range stmts {
			texts[i] = st.text
		}
		if err := v.Validate(ctx, texts, props); err != nil {
			writeError(w, fromEngine(err, *req.KSQL, nil))
			return
		}
	}
	ents := []api.Entity{}
	for _, st := range stmts {
		sctx := ctx
		switch st.st.(type) {
		case *sql.AssertTopic, *sql.AssertSchema:
			// An ASSERT changes nothing and may wait long (its TIMEOUT):
			// a client that hangs up stops it.
			sctx = r.Context()
		}
		ent, err := s.runStatement(sctx, st, props, vars)
		if err != nil {
			writeError(w, fromEngine(err, st.text, ents))
			return
		}
		for _, e := range ent {
			if cs, ok := e.(*api.CurrentStatus); ok {
				s.commands.record(cs)
			}
		}
		ents = append(ents, ent...)
	}
	writeJSON(w, http.StatusOK, wireEntities(ents))
}

// currentStatusWire is api.CurrentStatus as ksqlDB writes it: a missing
// query id is null, not absent.
type currentStatusWire struct {
	Type                  string            `json:"@type"`
	StatementText         string            `json:"statementText"`
	CommandID             string            `json:"commandId"`
	CommandStatus         commandStatusBody `json:"commandStatus"`
	CommandSequenceNumber int64             `json:"commandSequenceNumber"`
	Warnings              []api.Warning     `json:"warnings"`
}

func (*currentStatusWire) EntityType() string { return "currentStatus" }

// wireEntities adjusts entities whose api encoding differs from
// ksqlDB's.
func wireEntities(ents []api.Entity) []api.Entity {
	out := make([]api.Entity, len(ents))
	for i, e := range ents {
		cs, ok := e.(*api.CurrentStatus)
		if !ok {
			out[i] = e
			continue
		}
		w := &currentStatusWire{
			Type: "currentStatus", StatementText: cs.StatementText, CommandID: cs.CommandID,
			CommandStatus:         commandStatusBody{Status: cs.CommandStatus.Status, Message: cs.CommandStatus.Message},
			CommandSequenceNumber: cs.CommandSequenceNumber, Warnings: cs.Warnings,
		}
		if cs.CommandStatus.QueryID != "" {
			id := cs.CommandStatus.QueryID
			w.CommandStatus.QueryID = &id
		}
		if w.Warnings == nil {
			w.Warnings = []api.Warning{}
		}
		out[i] = w
	}
	return out
}

// parseAll splits, substitutes and parses every statement, applying
// DEFINE and UNDEFINE as it goes so later statements see them, and
// refuses the request if any fails to parse or is a query.
func parseAll(text string, vars map[string]string, substitute bool) ([]ksqlStmt, *apiError) {
	vars = maps.Clone(vars)
	pieces, rest := sql.SplitStatements(text)
	if strings.TrimSpace(rest) != "" {
		pieces = append(pieces, rest)
	}
	var out []ksqlStmt
	for _, piece := range pieces {
		piece = strings.TrimSpace(piece)
		sub := piece
		if substitute {
			var err error
			if sub, err = sql.Substitute(piece, vars); err != nil {
				return nil, statementError(codeBadStatement, err.Error(), piece, nil)
			}
		}
		parsed, err := sql.Parse(sub)
		if err != nil {
			return nil, parseError(err, sub)
		}
		for _, st := range parsed {
			switch d := st.(type) {
			case *sql.Select, *sql.Print:
				return nil, statementError(codeQueryEndpoint, "SELECT and PRINT statements stream their results: send them to /query or /query-stream, not /ksql.", sub, nil)
			case *sql.Define:
				vars[d.Name] = d.Value
			case *sql.Undefine:
				delete(vars, d.Name)
			}
			out = append(out, ksqlStmt{text: sub, st: st})
		}
	}
	return out, nil
}

// propertyError is a SET or UNSET refused, a 400 statement error as
// ksqlDB's.
func propertyError(err error) error {
	return &engine.Error{Kind: engine.StatementError, Msg: err.Error(), Err: err}
}

// runStatement runs one statement. SET, UNSET, DEFINE and UNDEFINE apply
// to the rest of the request; TERMINATE of a push query is the server's;
// everything else goes to the engine.
func (s *Server) runStatement(ctx context.Context, st ksqlStmt, props, vars map[string]string) ([]api.Entity, error) {
	switch d := st.st.(type) {
	case *sql.SetProperty:
		if err := sql.CheckPropertyName(d.Name); err != nil {
			return nil, propertyError(err)
		}
		if err := sql.CheckProperty(d.Name, d.Value); err != nil {
			return nil, propertyError(err)
		}
		props[d.Name] = d.Value
		if short, ok := strings.CutPrefix(strings.ToLower(d.Name), "ksql.streams."); ok {
			props[short] = d.Value
		}
		return nil, nil
	case *sql.UnsetProperty:
		if err := sql.CheckPropertyName(d.Name); err != nil {
			return nil, propertyError(err)
		}
		delete(props, d.Name)
		if short, ok := strings.CutPrefix(strings.ToLower(d.Name), "ksql.streams."); ok {
			delete(props, short)
		}
		return nil, nil
	case *sql.Define:
		vars[d.Name] = d.Value
		return nil, nil
	case *sql.Undefine:
		if _, ok := vars[d.Name]; !ok {
			return []api.Entity{&warningEntity{Type: "warning_entity", StatementText: st.text,
				Message: fmt.Sprintf("Cannot undefine variable '%s' which was never defined", d.Name), Warnings: []api.Warning{}}}, nil
		}
		delete(vars, d.Name)
		return nil, nil
	case *sql.Show:
		if d.What == "VARIABLES" {
			return []api.Entity{variablesList(st.text, vars)}, nil
		}
	case *sql.Terminate:
		if !d.All && s.push.stop(d.QueryID) {
			return []api.Entity{&terminateQueryEntity{Type: "terminate_query", StatementText: st.text, QueryID: d.QueryID, WasTerminated: true, Warnings: []api.Warning{}}}, nil
		}
	}
	ents, err := s.cfg.Engine.Execute(ctx, st.text, props)
	for _, e := range ents {
		if ql, ok := e.(*api.QueriesList); ok {
			// The push queries are this server's, not the engine's.
			ql.Queries = append(ql.Queries, s.push.running()...)
		}
	}
	return ents, err
}

func variablesList(text string, vars map[string]string) *api.VariablesList {
	vl := &api.VariablesList{Type: "variables", StatementText: text, Variables: []api.Variable{}, Warnings: []api.Warning{}}
	for _, k := range sortedKeys(vars) {
		vl.Variables = append(vl.Variables, api.Variable{Name: k, Value: vars[k]})
	}
	return vl
}

// commandLog remembers the outcome of each distributed command this
// server ran, for /status.
type commandLog struct {
	mu       sync.Mutex
	statuses map[string]api.CommandStatus
}

func newCommandLog() *commandLog { return &commandLog{statuses: map[string]api.CommandStatus{}} }

func (c *commandLog) record(cs *api.CurrentStatus) {
	if cs.CommandID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statuses[cs.CommandID] = cs.CommandStatus
}

func (c *commandLog) get(id string) (api.CommandStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.statuses[id]
	return st, ok
}

func (c *commandLog) all() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.statuses))
	for id, st := range c.statuses {
		out[id] = st.Status
	}
	return out
}

// validator is an engine that can check statements without running them.
type validator interface {
	Validate(ctx context.Context, texts []string, props map[string]string) error
}

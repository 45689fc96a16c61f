package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
)

// handleQuery is POST /query: one SELECT or PRINT, streamed as the
// legacy StreamedRow array the ksqlDB CLI reads (or delimited rows when
// asked for).
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	ct, ok := negotiate(r, mediaKSQLv1, mediaJSON, mediaDelimited, mediaProtobuf)
	if !ok {
		notAcceptable(w)
		return
	}
	var req ksqlRequest
	if aerr := s.readJSON(w, r, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	text, props, aerr := s.prepare(r.Context(), req.KSQL, "ksql", req.StreamsProperties, req.SessionVariables, req.CommandSequenceNumber)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	q, aerr := parseQuery(text)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if q.print != nil {
		s.runPrint(w, r, q, props, ct, true)
		return
	}
	var enc encoder = v1Encoder{tablePull: s.isTablePull(q.sel)}
	switch ct {
	case mediaDelimited:
		enc = delimitedEncoder{}
	case mediaProtobuf:
		enc = &protobufEncoder{v1: v1Encoder{tablePull: s.isTablePull(q.sel)}}
	}
	s.runSelect(w, r, q, props, enc, ct, ct != mediaDelimited)
}

// prepare checks the statement field, converts properties and variables,
// substitutes the variables and waits for commandSequenceNumber.
func (s *Server) prepare(ctx context.Context, text *string, field string, rawProps, rawVars map[string]any, seq *int64) (string, map[string]string, *apiError) {
	if text == nil || strings.TrimSpace(*text) == "" {
		return "", nil, genericError(codeBadRequest, "%q field must be populated", field)
	}
	props, aerr := properties(rawProps)
	if aerr != nil {
		return "", nil, aerr
	}
	vars, aerr := variables(rawVars)
	if aerr != nil {
		return "", nil, aerr
	}
	out := *text
	if sql.SubstitutionOn(props) {
		var err error
		if out, err = sql.Substitute(*text, vars); err != nil {
			return "", nil, statementError(codeBadStatement, err.Error(), *text, nil)
		}
	}
	if seq != nil {
		if aerr := s.waitForCommand(ctx, *seq); aerr != nil {
			return "", nil, aerr
		}
	}
	return out, props, nil
}

// waitForCommand waits until the engine has applied command seq.
func (s *Server) waitForCommand(ctx context.Context, seq int64) *apiError {
	if seq < 0 || s.cfg.Engine.CommandSequence() > seq {
		return nil
	}
	deadline := time.NewTimer(s.cfg.CommandWait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return genericError(codeCommandQueue, "Request cancelled while waiting for command %d.", seq)
		case <-deadline.C:
			return genericError(codeCommandQueue, "Timed out after %s waiting for command %d to be executed.", s.cfg.CommandWait, seq)
		case <-tick.C:
			if s.cfg.Engine.CommandSequence() > seq {
				return nil
			}
		}
	}
}

// queryStmt is the one SELECT or PRINT of a query request.
type queryStmt struct {
	text  string
	sel   *sql.Select
	print *sql.Print
}

func parseQuery(text string) (*queryStmt, *apiError) {
	stmts, err := sql.Parse(text)
	if err != nil {
		return nil, parseError(err, text)
	}
	if len(stmts) != 1 {
		return nil, statementError(codeBadStatement, fmt.Sprintf("Expected exactly one statement, found %d.", len(stmts)), text, nil)
	}
	q := &queryStmt{text: text}
	switch st := stmts[0].(type) {
	case *sql.Select:
		q.sel = st
	case *sql.Print:
		q.print = st
	default:
		return nil, statementError(codeBadStatement, fmt.Sprintf("Statement type `%s' is not supported by this endpoint; send it to /ksql.", statementKind(stmts[0])), text, nil)
	}
	return q, nil
}

// statementKind names a statement's type for messages.
func statementKind(st sql.Statement) string {
	t := fmt.Sprintf("%T", st)
	return t[strings.LastIndex(t, ".")+1:]
}

// isTablePull reports a pull query on a table, whose legacy reply has
// no final message.
func (s *Server) isTablePull(sel *sql.Select) bool {
	if sel.Query.Emit != sql.EmitNone {
		return false
	}
	t, ok := sel.Query.From.(*sql.Table)
	if !ok {
		return false
	}
	src := s.cfg.Engine.Metastore().Source(t.Name)
	return src != nil && src.IsTable
}

// runSelect streams a SELECT to the client in enc's format. The query's
// context ends when the client goes (request context), when a write to
// it fails, on /close-query or TERMINATE, and at shutdown; the engine
// then stops the query's consumer before Stream returns.
func (s *Server) runSelect(w http.ResponseWriter, r *http.Request, q *queryStmt, props map[string]string, enc encoder, contentType string, keepAlive bool) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var pq *pushQuery
	if q.sel.Query.Emit != sql.EmitNone {
		if pq = s.push.reserve(q.text, cancel); pq == nil {
			writeError(w, genericError(codeTooManyPush, "Not executing the query: the maximum number of push queries (%d) is running.", s.cfg.MaxPushQueries))
			return
		}
		defer s.push.release(pq)
	}
	sw := newStreamWriter(w, contentType, s.cfg.WriteTimeout)
	defer sw.finish()
	if keepAlive {
		stop := sw.keepAlive(s.cfg.KeepAlive, cancel)
		defer stop()
	}
	var ended atomic.Bool // a final message or error was written
	emit := func(row api.StreamedRow) error {
		var b []byte
		switch {
		case row.Header != nil:
			if p, ok := enc.(headerPreparer); ok {
				if aerr := p.prepare(row.Header); aerr != nil {
					return aerr // nothing written yet: the reply is this error
				}
			}
			if pq != nil {
				s.push.name(pq, row.Header.QueryID)
			}
			b = enc.header(row.Header)
		case row.Row != nil:
			if re, ok := enc.(fallibleRows); ok {
				var aerr *apiError
				if b, aerr = re.encodeRow(row.Row); aerr != nil {
					ended.Store(true)
					_ = sw.write(enc.fail(aerr))
					cancel()
					return aerr
				}
			} else {
				b = enc.row(row.Row)
			}
			if pq != nil {
				pq.rows.Add(1)
			}
		case row.ErrorMessage != nil:
			b = enc.fail(&apiError{Type: row.ErrorMessage.Type, ErrorCode: row.ErrorMessage.ErrorCode, Message: row.ErrorMessage.Message})
			ended.Store(true)
		case row.FinalMessage != "":
			b = enc.final(row.FinalMessage)
			ended.Store(true)
		}
		write := sw.write
		switch {
		case row.Row != nil && pq == nil:
			write = sw.buffer // a pull query's row: its final message flushes it
		case row.Row != nil && r.ProtoMajor == 1:
			// A push query's row, flushed with those queued meanwhile.
			// Over HTTP/2 each row stays a DATA frame of its own, as
			// ksqlDB sends them: ksqldb-js parses each frame as a row.
			write = sw.queue
		}
		if err := write(b); err != nil {
			cancel()
			return err
		}
		return nil
	}
	err := s.cfg.Engine.Stream(ctx, q.text, props, emit)
	stopped := pq != nil && pq.closed.Load() // by close-query, TERMINATE or shutdown
	if r.Context().Err() != nil && !stopped {
		return // the client has gone; nothing to tell it
	}
	if err != nil {
		aerr := fromEngine(err, q.text, nil)
		if !sw.hasStarted() {
			writeError(w, aerr)
			return
		}
		if ctx.Err() == nil && !ended.Load() {
			_ = sw.write(enc.fail(aerr))
		}
		return
	}
	if !ended.Load() && sw.hasStarted() {
		// Stopped by the server: say why and close the body cleanly,
		// so a client can tell a TERMINATE or close-query from a
		// shutdown (an error) and from a connection cut short.
		switch {
		case pq != nil && pq.shutdown.Load():
			_ = sw.write(enc.end(genericError(codeServerTerminating, "The server is shutting down: the query ended without completing.")))
		case stopped:
			_ = sw.write(enc.final("Query terminated"))
		default:
			_ = sw.write(enc.end(nil))
		}
	}
}

// runPrint streams PRINT's lines as plain text.
func (s *Server) runPrint(w http.ResponseWriter, r *http.Request, q *queryStmt, props map[string]string, contentType string, keepAlive bool) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	pq := s.push.reserve(q.text, cancel)
	if pq == nil {
		writeError(w, genericError(codeTooManyPush, "Not executing PRINT: the maximum number of push queries (%d) is running.", s.cfg.MaxPushQueries))
		return
	}
	defer s.push.release(pq)
	sw := newStreamWriter(w, contentType, s.cfg.WriteTimeout)
	defer sw.finish()
	if keepAlive {
		stop := sw.keepAlive(s.cfg.KeepAlive, cancel)
		defer stop()
	}
	err := s.cfg.Engine.Print(ctx, q.text, props, func(line string) error {
		if err := sw.write([]byte(line + "\n")); err != nil {
			cancel()
			return err
		}
		pq.rows.Add(1)
		return nil
	})
	if err == nil || r.Context().Err() != nil {
		return
	}
	aerr := fromEngine(err, q.text, nil)
	if !sw.hasStarted() {
		writeError(w, aerr)
		return
	}
	_ = sw.write([]byte(aerr.Message + "\n"))
}

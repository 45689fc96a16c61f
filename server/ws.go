package server

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// The legacy WebSocket query endpoint, GET /ws/query, as older ksqlDB
// UIs and tools use it:
//
//	GET /ws/query?request=<URL-encoded KsqlRequest>&version=1
//
// The request (ksql, streamsProperties, sessionVariables,
// commandSequenceNumber) names one SELECT or PRINT. Credentials are
// checked before the upgrade, by the same middleware as every other
// route, so a bad or missing login gets the usual 401 and no socket.
// Once upgraded, every problem is reported by closing the socket with a
// status code and the message as the reason.
//
// For a SELECT, the first text message is the result's schema as a
// FieldInfo array; each later one is a StreamedRow: {"row":{...}}, and a
// {"finalMessage":...} or {"errorMessage":...} just before the socket
// closes when the query ends by itself. For PRINT, each output line is
// one text message. The query runs until the client closes the socket
// (or the connection drops), until it ends by itself (LIMIT, a pull
// query), until /close-query or TERMINATE, or until the server shuts
// down; the engine query's context is cancelled in every case.

// WebSocket close codes used by /ws/query (RFC 6455 section 7.4.1).
const (
	wsNormal      = websocket.StatusNormalClosure   // 1000: the query ended
	wsGoingAway   = websocket.StatusGoingAway       // 1001: the server shuts down
	wsBadRequest  = websocket.StatusUnsupportedData // 1003: the request cannot be run
	wsServerError = websocket.StatusInternalError   // 1011: the query failed while running
	wsTryLater    = websocket.StatusTryAgainLater   // 1013: too many push queries
)

// wsMaxReason is the longest close reason a close frame can carry.
const wsMaxReason = 123

// wsSchemaInfo and wsFieldInfo are the schema message's JSON, with empty
// members omitted.
type wsSchemaInfo struct {
	Type         string         `json:"type"`
	Fields       []wsFieldInfo  `json:"fields,omitempty"`
	MemberSchema *wsSchemaInfo  `json:"memberSchema,omitempty"`
	Parameters   map[string]any `json:"parameters,omitempty"`
}

type wsFieldInfo struct {
	Name   string       `json:"name"`
	Schema wsSchemaInfo `json:"schema"`
}

// handleWSQuery is GET /ws/query.
func (s *Server) handleWSQuery(w http.ResponseWriter, r *http.Request) {
	// Browsers must come from the same origin; clients that send no
	// Origin header (tools) are accepted.
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.cfg.Logf("/ws/query: upgrade: %v", err)
		return // Accept has answered the request
	}
	peer, readDone := readPeer(conn)
	defer func() {
		conn.CloseNow() // every path below has closed it already
		readDone()
	}()
	ctx, cancel := context.WithCancel(r.Context()) // r.Context() ends at shutdown
	defer cancel()
	stop := context.AfterFunc(peer, cancel)
	defer stop()
	q := &wsQuery{s: s, conn: conn, peer: peer}
	q.serve(ctx, cancel, r)
}

// readPeer reads what the client sends, as the client has nothing to
// send: the goroutine answers pings and sees the client's close frame,
// and a data message closes the socket with 1008. peer ends when the
// connection closes, whoever closes it; wait returns once the goroutine
// has, which it does when the connection is closed. Its context must
// not be the query's: the library drops the connection without a close
// frame when a read's context ends. (Not the library's CloseRead: on a
// data message its goroutine closes the socket and then waits, in
// Close, for itself to end, which holds the query 15 seconds.)
func readPeer(conn *websocket.Conn) (peer context.Context, wait func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		if _, _, err := conn.Reader(ctx); err == nil {
			_ = conn.Close(websocket.StatusPolicyViolation, "unexpected data message")
		}
	}()
	return ctx, func() { <-done }
}

// wsQuery is one /ws/query connection.
type wsQuery struct {
	s    *Server
	conn *websocket.Conn
	// peer ends when the connection is closed: before the server closes
	// it, that means the client closed it or it broke.
	peer context.Context
}

func (q *wsQuery) serve(ctx context.Context, cancel context.CancelFunc, r *http.Request) {
	vals := r.URL.Query()
	if v := vals.Get("version"); v != "" && v != "1" {
		q.close(wsBadRequest, "Received invalid api version: "+v)
		return
	}
	raw := vals.Get("request")
	if raw == "" {
		q.close(wsBadRequest, `"request" query parameter must be populated`)
		return
	}
	if !utf8.ValidString(raw) {
		q.close(wsBadRequest, "The request is not valid UTF-8.")
		return
	}
	var req ksqlRequest
	if aerr := decodeRequest([]byte(raw), &req); aerr != nil {
		q.close(wsBadRequest, aerr.Message)
		return
	}
	text, props, aerr := q.s.prepare(ctx, req.KSQL, "ksql", req.StreamsProperties, req.SessionVariables, req.CommandSequenceNumber)
	if aerr != nil {
		q.close(wsBadRequest, aerr.Message)
		return
	}
	stmt, aerr := parseQuery(text)
	if aerr != nil {
		q.close(wsBadRequest, aerr.Message)
		return
	}
	if stmt.print != nil {
		q.runPrint(ctx, cancel, stmt, props)
		return
	}
	q.runSelect(ctx, cancel, stmt, props)
}

// runSelect streams a SELECT: the schema message, then one StreamedRow
// per message.
func (q *wsQuery) runSelect(ctx context.Context, cancel context.CancelFunc, stmt *queryStmt, props map[string]string) {
	s := q.s
	var pq *pushQuery
	if stmt.sel.Query.Emit != sql.EmitNone {
		if pq = s.push.reserve(stmt.text, cancel); pq == nil {
			q.close(wsTryLater, "Not executing the query: the maximum number of push queries is running.")
			return
		}
		defer s.push.release(pq)
	}
	defer q.keepAlive(ctx, cancel)()

	var (
		started bool   // the schema message was sent
		final   string // the final message, when the query ended by itself
		failed  *apiError
	)
	emit := func(row api.StreamedRow) error {
		var msg []byte
		switch {
		case row.Header != nil:
			fields, aerr := wsSchema(row.Header)
			if aerr != nil {
				failed = aerr
				cancel()
				return aerr
			}
			if pq != nil {
				s.push.name(pq, row.Header.QueryID)
			}
			msg = mustJSON(fields)
			started = true
		case row.Row != nil:
			msg = mustJSON(api.StreamedRow{Row: &api.Row{Columns: wireColumns(row.Row.Columns), Tombstone: row.Row.Tombstone}})
			if pq != nil {
				pq.rows.Add(1)
			}
		case row.ErrorMessage != nil:
			failed = &apiError{Type: row.ErrorMessage.Type, ErrorCode: row.ErrorMessage.ErrorCode, Message: row.ErrorMessage.Message}
			msg = mustJSON(api.StreamedRow{ErrorMessage: row.ErrorMessage})
		case row.FinalMessage != "":
			final = row.FinalMessage
			msg = mustJSON(api.StreamedRow{FinalMessage: row.FinalMessage})
		default:
			return nil
		}
		if err := q.write(msg); err != nil {
			cancel()
			return err
		}
		return nil
	}
	err := s.cfg.Engine.Stream(ctx, stmt.text, props, emit)
	switch {
	case q.peer.Err() != nil:
		q.conn.CloseNow() // the client has gone
	case failed != nil:
		q.close(wsServerError, failed.Message)
	case pq != nil && pq.closed.Load(), ctx.Err() != nil:
		q.closeStopped()
	case err != nil:
		code := wsServerError
		if !started {
			code = wsBadRequest // the query could not start
		}
		q.close(code, fromEngine(err, stmt.text, nil).Message)
	default:
		q.close(wsNormal, final)
	}
}

// runPrint streams PRINT's lines, one message each.
func (q *wsQuery) runPrint(ctx context.Context, cancel context.CancelFunc, stmt *queryStmt, props map[string]string) {
	s := q.s
	pq := s.push.reserve(stmt.text, cancel)
	if pq == nil {
		q.close(wsTryLater, "Not executing PRINT: the maximum number of push queries is running.")
		return
	}
	defer s.push.release(pq)
	defer q.keepAlive(ctx, cancel)()
	started := false
	err := s.cfg.Engine.Print(ctx, stmt.text, props, func(line string) error {
		if err := q.write([]byte(line)); err != nil {
			cancel()
			return err
		}
		started = true
		pq.rows.Add(1)
		return nil
	})
	switch {
	case q.peer.Err() != nil:
		q.conn.CloseNow()
	case pq.closed.Load(), ctx.Err() != nil:
		q.closeStopped()
	case err != nil:
		code := wsServerError
		if !started {
			code = wsBadRequest
		}
		q.close(code, fromEngine(err, stmt.text, nil).Message)
	default:
		q.close(wsNormal, "")
	}
}

// write sends one text message, bounded by the write timeout so that a
// client that stops reading cannot hold the query: past it the library
// drops the connection. (Not the query's context: its end would drop
// the connection too, before the close frame.)
func (q *wsQuery) write(msg []byte) error {
	wctx, cancel := context.WithTimeout(context.Background(), q.s.cfg.WriteTimeout)
	defer cancel()
	return q.conn.Write(wctx, websocket.MessageText, msg)
}

// keepAlive pings the client every KeepAlive; a ping without a pong
// within the write timeout means the client has vanished, and ends the
// query. The returned func stops the pinging; a ping in flight ends
// when its pong comes or the connection closes.
func (q *wsQuery) keepAlive(ctx context.Context, cancel context.CancelFunc) func() {
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(q.s.cfg.KeepAlive)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(context.Background(), q.s.cfg.WriteTimeout)
			err := q.conn.Ping(pctx)
			pcancel()
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					q.conn.CloseNow() // no pong: the client is gone
				}
				cancel()
				return
			}
		}
	}()
	return func() { close(stop) }
}

// closeStopped closes a query the server ended: 1001 at shutdown, else
// (close-query, TERMINATE) a normal closure.
func (q *wsQuery) closeStopped() {
	if q.s.state.Load() == stateTerminating {
		q.close(wsGoingAway, "The server is shutting down.")
		return
	}
	q.close(wsNormal, "Query closed.")
}

// close sends the close frame, with the reason cut to what a frame
// holds, and waits (briefly) for the client's.
func (q *wsQuery) close(code websocket.StatusCode, reason string) {
	if q.peer.Err() != nil {
		q.conn.CloseNow()
		return
	}
	_ = q.conn.Close(code, truncateReason(reason))
}

// truncateReason cuts a close reason to at most wsMaxReason bytes on a
// rune boundary.
func truncateReason(s string) string {
	if len(s) <= wsMaxReason {
		return s
	}
	const ellipsis = "..."
	cut := wsMaxReason - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// wsSchema is the schema message: the header's columns as FieldInfo.
func wsSchema(h *api.QueryHeader) ([]wsFieldInfo, *apiError) {
	out := make([]wsFieldInfo, 0, len(h.Columns))
	for _, c := range h.Columns {
		t, err := sql.ParseType(c.Type)
		if err != nil {
			return nil, genericError(codeServerError, "column %s: cannot read type %s: %v", types.QuoteIdent(c.Name), c.Type, err)
		}
		out = append(out, wsFieldInfo{Name: c.Name, Schema: wsSchemaOf(t)})
	}
	return out, nil
}

func wsSchemaOf(t *types.Type) wsSchemaInfo {
	si := wsSchemaInfo{Type: t.String()}
	switch t.Kind {
	case types.Array:
		si.Type = "ARRAY"
		m := wsSchemaOf(t.Elem)
		si.MemberSchema = &m
	case types.Map:
		si.Type = "MAP"
		m := wsSchemaOf(t.Elem)
		si.MemberSchema = &m
	case types.Struct:
		si.Type = "STRUCT"
		si.Fields = make([]wsFieldInfo, 0, len(t.Fields))
		for _, f := range t.Fields {
			si.Fields = append(si.Fields, wsFieldInfo{Name: f.Name, Schema: wsSchemaOf(f.Type)})
		}
	case types.Decimal:
		si.Type = "DECIMAL"
		si.Parameters = map[string]any{"precision": t.Precision, "scale": t.Scale}
	}
	return si
}

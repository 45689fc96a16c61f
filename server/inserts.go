package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// insertsArgs is the first line of /inserts-stream.
type insertsArgs struct {
	Target     *string        `json:"target"`
	Properties map[string]any `json:"properties"`
}

// insertAck acknowledges one row.
type insertAck struct {
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
}

// insertError is a failed row's ack.
type insertError struct {
	Type      string `json:"@type"`
	Status    string `json:"status"`
	Seq       int64  `json:"seq"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// handleInserts is POST /inserts-stream (HTTP/2 only): an arguments line,
// then one JSON object per row; each row is inserted with INSERT VALUES
// semantics and acknowledged in order. Invalid JSON ends the stream.
func (s *Server) handleInserts(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor < 2 {
		writeError(w, genericError(codeHTTP2Only, "This endpoint is only available when using HTTP2"))
		return
	}
	ct, ok := negotiate(r, mediaDelimited, mediaJSON)
	if !ok {
		notAcceptable(w)
		return
	}
	// The body streams for as long as the client inserts: each line is
	// bounded, not the whole.
	sc := bufio.NewScanner(r.Body)
	limit := int(min(s.cfg.MaxBodyBytes, 1<<30))
	sc.Buffer(make([]byte, 0, min(64<<10, limit)), limit) // the larger of the two bounds a line
	scanned := sc.Scan()
	if ae := s.bodyTimedOut(sc.Err()); ae != nil { // what came before the deadline is no line
		writeError(w, ae)
		return
	}
	if !scanned {
		writeError(w, scanError(sc.Err(), s.cfg.MaxBodyBytes, "the arguments line is missing"))
		return
	}
	// The arguments line came within Config.BodyTimeout; the rows come
	// when the client has them.
	liftBodyTimeout(r)
	var args insertsArgs
	if aerr := decodeRequest(sc.Bytes(), &args); aerr != nil {
		writeError(w, aerr)
		return
	}
	if args.Target == nil || *args.Target == "" {
		writeError(w, genericError(codeBadRequest, "\"target\" field must be populated"))
		return
	}
	// No property changes an insert today; malformed ones are still
	// refused.
	if _, aerr := properties(args.Properties); aerr != nil {
		writeError(w, aerr)
		return
	}
	src := s.lookupSource(*args.Target)
	if src == nil {
		name, quoted := unquoteIdentifier(*args.Target)
		if !quoted {
			name = strings.ToUpper(name)
		}
		writeError(w, statementError(codeBadStatement, fmt.Sprintf("Cannot insert values into an unknown stream/table: `%s`", name), "", nil))
		return
	}

	sw := newStreamWriter(w, ct, s.cfg.WriteTimeout)
	defer sw.finish()
	first := true
	send := func(v any) bool {
		b := mustJSON(v)
		switch {
		case ct == mediaJSON && first:
			b = append([]byte("["), b...)
		case ct == mediaJSON:
			b = append([]byte(","), b...)
		default:
			b = append(b, '\n')
		}
		first = false
		return sw.write(b) == nil
	}
	if err := sw.start(); err != nil {
		return
	}
	ctx := r.Context()
	lines := s.readLines(sc, r.Body)
	defer lines.stop()
	// Rows are inserted with up to insertWindow produces in flight and
	// acknowledged in order: waiting a round trip for each held a bulk
	// load to a few thousand rows a second. A row is acknowledged as
	// soon as no further row is waiting to be read, so a client that
	// sends one row at a time and waits gets its answer at once.
	var flying []pendingInsert
	defer func() {
		// A client gone mid-stream: the rows in flight still land
		// (a produce's records are the cluster's until its wait).
		for _, p := range flying {
			if p.wait != nil {
				_ = p.wait()
			}
		}
	}()
	land := func() bool {
		p := flying[0]
		flying = flying[1:]
		return p.answer(send)
	}
	var seq int64
	var kept engine.InsertSerdes
	ended := false
	for !ended {
		var next scannedLine
		var more bool
		switch {
		case len(flying) == 0:
			select {
			case next, more = <-lines.c:
			case <-ctx.Done(): // shutdown: an idle stream must not hold it
				return
			}
		case len(flying) >= insertWindow:
			if !land() {
				return
			}
			continue
		default:
			select {
			case next, more = <-lines.c:
			default:
				if !land() {
					return
				}
				continue
			}
		}
		if !more {
			break
		}
		if next.err != nil {
			flying = append(flying, pendingInsert{seq: seq, err: next.err, last: true})
			break
		}
		line := bytes.TrimSpace(next.line)
		if len(line) == 0 {
			continue
		}
		p := s.startInsert(ctx, src, line, &kept)
		p.seq = seq
		flying = append(flying, p)
		ended = p.last
		seq++
	}
	for len(flying) > 0 {
		if !land() || ctx.Err() != nil {
			return
		}
	}
	if ct == mediaJSON {
		if first {
			_ = sw.write([]byte("[]"))
		} else {
			_ = sw.write([]byte("]"))
		}
	}
}

// insertWindow bounds the rows of one /inserts-stream in flight.
const insertWindow = 1000

// pendingInsert is a row of /inserts-stream started and not yet answered:
// its produce (wait) or why it was refused (err); last ends the stream.
type pendingInsert struct {
	seq  int64
	wait func() error
	err  *apiError
	last bool
}

// answer waits for p's produce and sends its acknowledgement or error;
// false when the client cannot be written to.
func (p pendingInsert) answer(send func(any) bool) bool {
	ae := p.err
	if p.wait != nil {
		if err := p.wait(); err != nil {
			ae = fromEngine(err, "", nil)
		}
	}
	if ae != nil {
		return send(insertError{Type: "InsertError", Status: "error", Seq: p.seq, ErrorCode: ae.ErrorCode, Message: ae.Message})
	}
	return send(insertAck{Status: "ok", Seq: p.seq})
}

// startInsert starts inserting one JSON row into src, with src's
// serializers kept in kept from one row to the next.
func (s *Server) startInsert(ctx context.Context, src *metastore.Source, line []byte, kept *engine.InsertSerdes) pendingInsert {
	var row map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&row); err != nil || dec.More() {
		return pendingInsert{err: genericError(codeBadRequest, "Invalid JSON in inserts stream"), last: true}
	}
	st, err := insertStatement(src, row)
	if err != nil {
		return pendingInsert{err: statementError(codeBadStatement, err.Error(), "", nil)}
	}
	wait, err := s.cfg.Engine.StartInsertValues(ctx, st, kept)
	if err != nil {
		return pendingInsert{err: fromEngine(err, "", nil)}
	}
	return pendingInsert{wait: wait}
}

// scannedLine is a line of a request body, or why reading it failed.
type scannedLine struct {
	line []byte
	err  *apiError
}

// lineReader scans a request body on its own goroutine, so the handler
// can answer rows while the client has sent nothing further.
type lineReader struct {
	c    chan scannedLine
	done chan struct{}
	body io.Closer
	wg   sync.WaitGroup
}

// readLines starts reading sc's lines; stop ends it.
func (s *Server) readLines(sc *bufio.Scanner, body io.Closer) *lineReader {
	lr := &lineReader{c: make(chan scannedLine, 256), done: make(chan struct{}), body: body}
	lr.wg.Add(1)
	go func() {
		defer lr.wg.Done()
		defer close(lr.c)
		for sc.Scan() {
			select {
			case lr.c <- scannedLine{line: bytes.Clone(sc.Bytes())}:
			case <-lr.done:
				return
			}
		}
		if err := sc.Err(); err != nil {
			select {
			case lr.c <- scannedLine{err: scanError(err, s.cfg.MaxBodyBytes, "")}:
			case <-lr.done:
			}
		}
	}()
	return lr
}

// stop ends the reading goroutine: closing the body ends a Scan blocked
// on the client.
func (lr *lineReader) stop() {
	close(lr.done)
	lr.body.Close()
	lr.wg.Wait()
}

func scanError(err error, limit int64, missing string) *apiError {
	switch {
	case err == nil:
		return genericError(codeBadRequest, "Invalid inserts stream: %s", missing)
	case errors.Is(err, bufio.ErrTooLong):
		return genericError(codeTooLarge, "A line of the inserts stream is longer than the limit of %d bytes.", limit)
	}
	return genericError(codeBadRequest, "Could not read the inserts stream: %v", err)
}

// lookupSource finds a stream or table by name, case-insensitively, or
// exactly when the name is quoted (`Orders`, "Orders"), as ksqlDB reads
// an insert's target.
func (s *Server) lookupSource(name string) *metastore.Source {
	ms := s.cfg.Engine.Metastore()
	if text, quoted := unquoteIdentifier(name); quoted {
		return ms.Source(text)
	}
	if src := ms.Source(name); src != nil {
		return src
	}
	return ms.Source(strings.ToUpper(name))
}

// unquoteIdentifier strips the backquotes or double quotes around a name
// (a doubled quote inside stands for one) and says whether there were
// any: ksqlDB's clients, its migrations tool among them, send quoted
// names to /inserts-stream.
func unquoteIdentifier(name string) (string, bool) {
	if len(name) < 2 {
		return name, false
	}
	q := name[0]
	if (q != '`' && q != '"') || name[len(name)-1] != q {
		return name, false
	}
	return strings.ReplaceAll(name[1:len(name)-1], string([]byte{q, q}), string(q)), true
}

// insertStatement builds the INSERT VALUES statement for one JSON row,
// typing each value by its column. It is built as the parser would
// build the statement's text, without the text: each row of a bulk
// load was written out and parsed again.
func insertStatement(src *metastore.Source, row map[string]any) (*sql.InsertValues, error) {
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	st := &sql.InsertValues{Target: src.Name}
	for _, k := range keys {
		name, t, err := columnOf(src.Schema, k)
		if err != nil {
			return nil, err
		}
		lit, err := literal(row[k], t)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		st.Columns = append(st.Columns, name)
		st.Values = append(st.Values, lit)
	}
	if len(st.Columns) == 0 {
		return nil, errors.New("the row has no columns")
	}
	return st, nil
}

// columnOf resolves a JSON key to a column: exactly, else ignoring case.
func columnOf(s *types.Schema, key string) (string, *types.Type, error) {
	if text, quoted := unquoteIdentifier(key); quoted {
		if text == "ROWTIME" {
			return "ROWTIME", types.BigintType, nil
		}
		if i := s.Find(text); i >= 0 {
			return s.Columns[i].Name, s.Columns[i].Type, nil
		}
		return "", nil, fmt.Errorf("Column name %s does not exist.", key)
	}
	if strings.EqualFold(key, "ROWTIME") {
		return "ROWTIME", types.BigintType, nil
	}
	if i := s.Find(key); i >= 0 {
		return s.Columns[i].Name, s.Columns[i].Type, nil
	}
	for _, c := range s.Columns {
		if strings.EqualFold(c.Name, key) {
			return c.Name, c.Type, nil
		}
	}
	return "", nil, fmt.Errorf("Column name %s does not exist.", key)
}

// literal is a JSON value as a SQL literal of type t: the expression
// the parser makes of the literal's text.
func literal(v any, t *types.Type) (sql.Expr, error) {
	switch x := v.(type) {
	case nil:
		return &sql.NullLit{}, nil
	case bool:
		return &sql.BoolLit{Val: x}, nil
	case json.Number:
		switch t.Kind {
		case types.String:
			return &sql.StringLit{Val: x.String()}, nil
		case types.Decimal:
			return &sql.Cast{X: &sql.StringLit{Val: x.String()}, To: t}, nil
		}
		// A number's text is a SQL numeric literal: the parser types
		// it (INT, BIGINT, DECIMAL or DOUBLE) as in a statement.
		return sql.ParseExpr(x.String())
	case string:
		switch t.Kind {
		case types.String:
			return &sql.StringLit{Val: x}, nil
		case types.Bytes:
			// As ksqlDB's clients send BYTES: base64 in a JSON string.
			if _, err := base64.StdEncoding.DecodeString(x); err != nil {
				return nil, fmt.Errorf("a BYTES value must be a base64 string, got %s", strconv.Quote(x))
			}
			return &sql.Call{Name: "TO_BYTES", Args: []sql.Expr{&sql.StringLit{Val: x}, &sql.StringLit{Val: "base64"}}}, nil
		}
		return &sql.Cast{X: &sql.StringLit{Val: x}, To: t}, nil
	case []any:
		if t.Kind != types.Array {
			return nil, fmt.Errorf("got an array for a %s", t)
		}
		arr := &sql.ArrayCtor{Elems: make([]sql.Expr, len(x))}
		for i, e := range x {
			lit, err := literal(e, t.Elem)
			if err != nil {
				return nil, err
			}
			arr.Elems[i] = lit
		}
		return arr, nil
	case map[string]any:
		return objectLiteral(x, t)
	}
	return nil, fmt.Errorf("unsupported JSON value %T", v)
}

func objectLiteral(x map[string]any, t *types.Type) (sql.Expr, error) {
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	switch t.Kind {
	case types.Map:
		m := &sql.MapCtor{}
		for _, k := range keys {
			kl, err := literal(k, t.Key)
			if err != nil {
				return nil, err
			}
			vl, err := literal(x[k], t.Elem)
			if err != nil {
				return nil, err
			}
			m.Keys = append(m.Keys, kl)
			m.Values = append(m.Values, vl)
		}
		return m, nil
	case types.Struct:
		st := &sql.StructCtor{}
		for _, k := range keys {
			var f *types.Field
			for i := range t.Fields {
				if t.Fields[i].Name == k || (f == nil && strings.EqualFold(t.Fields[i].Name, k)) {
					f = &t.Fields[i]
				}
			}
			if f == nil {
				return nil, fmt.Errorf("no field %s in %s", k, t)
			}
			vl, err := literal(x[k], f.Type)
			if err != nil {
				return nil, err
			}
			st.Fields = append(st.Fields, sql.StructFieldExpr{Name: f.Name, Value: vl})
		}
		return st, nil
	}
	return nil, fmt.Errorf("got an object for a %s", t)
}

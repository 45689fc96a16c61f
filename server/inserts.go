package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/eddysql/eddy/metastore"
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
	if !sc.Scan() {
		writeError(w, scanError(sc.Err(), s.cfg.MaxBodyBytes, "the arguments line is missing"))
		return
	}
	var args insertsArgs
	if aerr := decodeRequest(sc.Bytes(), &args); aerr != nil {
		writeError(w, aerr)
		return
	}
	if args.Target == nil || *args.Target == "" {
		writeError(w, genericError(codeBadRequest, "\"target\" field must be populated"))
		return
	}
	props, aerr := properties(args.Properties)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	src := s.lookupSource(*args.Target)
	if src == nil {
		writeError(w, statementError(codeBadStatement, fmt.Sprintf("Cannot insert into an unknown stream: %s", *args.Target), "", nil))
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
	var seq int64
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&row); err != nil || dec.More() {
			send(insertError{Type: "InsertError", Status: "error", Seq: seq, ErrorCode: codeBadRequest, Message: "Invalid JSON in inserts stream"})
			break
		}
		var ae *apiError
		stmt, err := insertStatement(src, row)
		if err != nil {
			ae = statementError(codeBadStatement, err.Error(), "", nil)
		} else if _, err := s.cfg.Engine.Execute(ctx, stmt, props); err != nil {
			ae = fromEngine(err, stmt, nil)
		}
		var ok bool
		if ae != nil {
			ok = send(insertError{Type: "InsertError", Status: "error", Seq: seq, ErrorCode: ae.ErrorCode, Message: ae.Message})
		} else {
			ok = send(insertAck{Status: "ok", Seq: seq})
		}
		if !ok || ctx.Err() != nil {
			return
		}
		seq++
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		ae := scanError(err, s.cfg.MaxBodyBytes, "")
		send(insertError{Type: "InsertError", Status: "error", Seq: seq, ErrorCode: ae.ErrorCode, Message: ae.Message})
	}
	if ct == mediaJSON {
		if first {
			_ = sw.write([]byte("[]"))
		} else {
			_ = sw.write([]byte("]"))
		}
	}
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

// lookupSource finds a stream or table by name, case-insensitively.
func (s *Server) lookupSource(name string) *metastore.Source {
	ms := s.cfg.Engine.Metastore()
	if src := ms.Source(name); src != nil {
		return src
	}
	return ms.Source(strings.ToUpper(name))
}

// insertStatement builds the INSERT VALUES statement for one JSON row,
// typing each value by its column.
func insertStatement(src *metastore.Source, row map[string]any) (string, error) {
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var cols, vals []string
	for _, k := range keys {
		name, t, err := columnOf(src.Schema, k)
		if err != nil {
			return "", err
		}
		lit, err := literal(row[k], t)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", name, err)
		}
		cols = append(cols, types.QuoteIdent(name))
		vals = append(vals, lit)
	}
	if len(cols) == 0 {
		return "", errors.New("the row has no columns")
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s);", types.QuoteIdent(src.Name),
		strings.Join(cols, ", "), strings.Join(vals, ", ")), nil
}

// columnOf resolves a JSON key to a column: exactly, else ignoring case.
func columnOf(s *types.Schema, key string) (string, *types.Type, error) {
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

// quote is a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// literal renders a JSON value as a SQL literal of type t.
func literal(v any, t *types.Type) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case json.Number:
		switch t.Kind {
		case types.String:
			return quote(x.String()), nil
		case types.Decimal:
			return "CAST(" + quote(x.String()) + " AS " + t.String() + ")", nil
		}
		return x.String(), nil
	case string:
		switch t.Kind {
		case types.String:
			return quote(x), nil
		case types.Bytes:
			return "", errors.New("BYTES values are not supported by /inserts-stream yet")
		}
		return "CAST(" + quote(x) + " AS " + t.String() + ")", nil
	case []any:
		if t.Kind != types.Array {
			return "", fmt.Errorf("got an array for a %s", t)
		}
		parts := make([]string, len(x))
		for i, e := range x {
			lit, err := literal(e, t.Elem)
			if err != nil {
				return "", err
			}
			parts[i] = lit
		}
		return "ARRAY[" + strings.Join(parts, ", ") + "]", nil
	case map[string]any:
		return objectLiteral(x, t)
	}
	return "", fmt.Errorf("unsupported JSON value %T", v)
}

func objectLiteral(x map[string]any, t *types.Type) (string, error) {
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	switch t.Kind {
	case types.Map:
		for _, k := range keys {
			kl, err := literal(k, t.Key)
			if err != nil {
				return "", err
			}
			vl, err := literal(x[k], t.Elem)
			if err != nil {
				return "", err
			}
			parts = append(parts, kl+" := "+vl)
		}
		return "MAP(" + strings.Join(parts, ", ") + ")", nil
	case types.Struct:
		for _, k := range keys {
			var f *types.Field
			for i := range t.Fields {
				if t.Fields[i].Name == k || (f == nil && strings.EqualFold(t.Fields[i].Name, k)) {
					f = &t.Fields[i]
				}
			}
			if f == nil {
				return "", fmt.Errorf("no field %s in %s", k, t)
			}
			vl, err := literal(x[k], f.Type)
			if err != nil {
				return "", err
			}
			parts = append(parts, types.QuoteIdent(f.Name)+" := "+vl)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("got an object for a %s", t)
}

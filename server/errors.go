package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sql"
)

// Error codes of ksqlDB's REST API. The HTTP status is the code / 100.
const (
	codeBadRequest        = 40000
	codeBadStatement      = 40001
	codeQueryEndpoint     = 40002
	codeTooManyPush       = 40003
	codeHTTP2Only         = 40004
	codeUnauthorized      = 40100
	codeForbidden         = 40300
	codeNotFound          = 40400
	codeNotAcceptable     = 40600
	codeRequestTimeout    = 40800
	codeTooLarge          = 41300
	codeAssertionFailed   = 41700
	codeServerError       = 50000
	codeCommandQueue      = 50301
	codeServerNotReady    = 50302
	codeServerTerminating = 50303
)

// apiError is a reply body: a generic_error, or a statement_error when
// it names the statement that failed.
type apiError struct {
	Type          string       `json:"@type"`
	ErrorCode     int          `json:"error_code"`
	Message       string       `json:"message"`
	StatementText *string      `json:"statementText,omitempty"`
	Entities      []api.Entity `json:"entities,omitempty"`
	// entitiesSet keeps "entities":[] in statement errors even when none
	// had succeeded, as ksqlDB writes it.
	entitiesSet bool
	// pos is where in the statement the error is, when known. It travels
	// in the PositionHeader, so the body keeps ksqlDB's shape.
	pos sql.Pos
}

// PositionHeader carries the line and column ("3:8") in the statement of
// an error reply, for clients such as eddy's shell that point at the text;
// ksqlDB's error body has no field for it.
const PositionHeader = "X-Eddy-Error-Position"

func (e *apiError) Error() string { return e.Message }

// status is the HTTP status the error code implies.
func (e *apiError) status() int { return e.ErrorCode / 100 }

// MarshalJSON writes statement errors with an entities array always.
func (e *apiError) MarshalJSON() ([]byte, error) {
	type plain apiError
	if !e.entitiesSet {
		return marshal((*plain)(e))
	}
	ents := e.Entities
	if ents == nil {
		ents = []api.Entity{}
	}
	return marshal(struct {
		*plain
		Entities []api.Entity `json:"entities"`
	}{(*plain)(e), wireEntities(ents)})
}

func genericError(code int, format string, args ...any) *apiError {
	return &apiError{Type: "generic_error", ErrorCode: code, Message: fmt.Sprintf(format, args...)}
}

func statementError(code int, msg, stmt string, done []api.Entity) *apiError {
	return &apiError{Type: "statement_error", ErrorCode: code, Message: msg, StatementText: &stmt, Entities: done, entitiesSet: true}
}

// parseError is a syntax error, worded as the engine words it: ksqlDB
// quotes the statement under the message.
func parseError(err error, text string) *apiError {
	var se *sql.Error
	var ae *apiError
	if errors.As(err, &se) && se.Semantic {
		// Errors in well-formed text come from preparing the statement.
		ae = statementError(codeBadStatement, "Failed to prepare statement: "+err.Error(), text, nil)
	} else {
		ae = statementError(codeBadStatement, err.Error()+"\nStatement: "+text, text, nil)
	}
	ae.pos, _ = sql.Locate(err)
	return ae
}

// fromEngine maps an engine failure to ksqlDB's error shape: parse and
// validation errors are 400 statement errors, failures while running a
// statement 500 statement errors, anything else a 500 generic error.
// done are the entities of the statements that already succeeded.
func fromEngine(err error, stmt string, done []api.Entity) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ee *engine.Error
	if errors.As(err, &ee) && ee.Kind == engine.AssertionError {
		// ksqlDB answers a failed ASSERT with 417 and a bare message: no
		// statement, and not the entities of the statements before it.
		return genericError(codeAssertionFailed, "%s", ee.Msg)
	}
	if errors.As(err, &ee) {
		text := ee.Statement
		if text == "" {
			text = stmt
		}
		code := codeServerError
		if ee.Kind == engine.ParseError || ee.Kind == engine.StatementError {
			code = codeBadStatement
		}
		ae := statementError(code, ee.Msg, text, done)
		ae.pos, _ = sql.Locate(err)
		return ae
	}
	return genericError(codeServerError, "%s", err.Error())
}

// errorMsg is the error as a streamed row's errorMessage.
func (e *apiError) errorMsg() *api.ErrorMsg {
	return &api.ErrorMsg{Type: e.Type, ErrorCode: e.ErrorCode, Message: e.Message}
}

// refuseHeadless answers the statement and query endpoints of a server
// that runs a queries file. ksqlDB serves no REST API at all then; eddy
// keeps the status endpoints for health checks and says why the rest is
// closed, with 403 (the request is understood; this server will not run
// it), not 404 or a status a client would retry.
func refuseHeadless(w http.ResponseWriter, _ *http.Request) {
	writeError(w, genericError(codeForbidden, "%s", HeadlessMessage))
}

// HeadlessMessage is why a headless server refuses a statement or query.
const HeadlessMessage = "This server runs in headless mode: it runs only the statements of its queries file (ksql.queries.file) and accepts no statements, queries or inserts over the REST API. Change the file and restart the server to change what it runs."

// writeError replies with an error body and its status.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.pos.Line != 0 {
		w.Header().Set(PositionHeader, fmt.Sprintf("%d:%d", e.pos.Line, e.pos.Col))
	}
	writeJSON(w, e.status(), e)
}

// marshal encodes v as JSON without HTML escaping ('<' stays '<', as
// ksqlDB's Jackson writes it).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON replies with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = marshal(genericError(codeServerError, "encode reply: %v", err))
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/sql"
)

// ksqlRequest is the body of /ksql and /query.
type ksqlRequest struct {
	KSQL                  *string        `json:"ksql"`
	StreamsProperties     map[string]any `json:"streamsProperties"`
	RequestProperties     map[string]any `json:"requestProperties"`
	SessionVariables      map[string]any `json:"sessionVariables"`
	CommandSequenceNumber *int64         `json:"commandSequenceNumber"`
}

// queryStreamArgs is the body of /query-stream.
type queryStreamArgs struct {
	SQL               *string        `json:"sql"`
	Properties        map[string]any `json:"properties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
	RequestProperties map[string]any `json:"requestProperties"`
}

// closeQueryArgs is the body of /close-query.
type closeQueryArgs struct {
	QueryID *string `json:"queryId"`
}

// readRequestBody reads a whole request body, at most
// Config.MaxBodyBytes, and checks that it is UTF-8.
func (s *Server) readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	limit := s.cfg.MaxBodyBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if ae := s.bodyTimedOut(err); ae != nil {
		return nil, ae
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, genericError(codeTooLarge, "Request body is larger than the limit of %d bytes.", limit)
		}
		return nil, genericError(codeBadRequest, "Could not read the request body: %v", err)
	}
	if !utf8.Valid(body) {
		return nil, genericError(codeBadRequest, "The request body is not valid UTF-8.")
	}
	return body, nil
}

// decodeRequest decodes one JSON object, rejecting wrong types and
// trailing data. Unknown fields are ignored, as ksqlDB ignores them:
// clients written for it send fields eddy has no use for.
func decodeRequest(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return genericError(codeBadRequest, "Invalid JSON in request: field \"%s\" cannot be %s", typeErr.Field, article(typeErr.Value))
		}
		return genericError(codeBadRequest, "Invalid JSON in request: %v", err)
	}
	if dec.More() {
		return genericError(codeBadRequest, "Invalid JSON in request: unexpected data after the object")
	}
	return nil
}

// article puts "a" or "an" before a JSON kind ("array", "number").
func article(kind string) string {
	if kind != "" && strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// readJSON reads and decodes a request body.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	body, aerr := s.readRequestBody(w, r)
	if aerr != nil {
		return aerr
	}
	return decodeRequest(body, v)
}

// properties turns request properties into the engine's string form.
// ksqlDB accepts Streams properties with or without the "ksql.streams."
// prefix; the engine reads them without it.
func properties(in map[string]any) (map[string]string, *apiError) {
	out := make(map[string]string, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic when both spellings are given
	for _, k := range keys {
		if err := sql.CheckPropertyName(k); err != nil {
			return nil, genericError(codeBadRequest, "%s", err)
		}
		v, err := scalarString(in[k])
		if err != nil {
			return nil, genericError(codeBadRequest, "Invalid value for property '%s': %v", k, err)
		}
		if in[k] != nil {
			if err := sql.CheckLocalProperty(k, v); err != nil {
				// ksqlDB's words for a request property it could not
				// parse, then the reason as its error chain shows one.
				return nil, genericError(codeBadRequest, "%s", causedBy(fmt.Sprintf("Failed to coerce type of value '%s' for key '%s'", v, k), err.Error()))
			}
		}
		out[k] = v
	}
	for _, k := range keys {
		if short, ok := strings.CutPrefix(strings.ToLower(k), "ksql.streams."); ok {
			if _, set := out[short]; !set {
				out[short] = out[k]
			}
		}
	}
	return out, nil
}

// settings turns a statement request's streamsProperties and
// sessionVariables into strings (properties, then variables).
func settings(props, vars map[string]any) (map[string]string, map[string]string, *apiError) {
	p, aerr := properties(props)
	if aerr != nil {
		return nil, nil, aerr
	}
	v, aerr := variables(vars)
	if aerr != nil {
		return nil, nil, aerr
	}
	return p, v, nil
}

// variables turns sessionVariables into strings.
func variables(in map[string]any) (map[string]string, *apiError) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		s, err := scalarString(v)
		if err != nil {
			return nil, genericError(codeBadRequest, "Invalid value for variable '%s': %v", k, err)
		}
		out[k] = s
	}
	return out, nil
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("want a string, number or boolean, got %s", article(jsonKind(v)))
}

// jsonKind names the JSON kind of a value decoded into an any, for
// messages: "object", not map[string]interface {}.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// causedBy is ksqlDB's message for an error and its cause: the cause on
// a line of its own after "Caused by: ", wrapped at 80 columns with its
// further lines indented by a tab.
func causedBy(msg, cause string) string {
	return msg + "\n" + wrapWords("Caused by: "+cause, 80)
}

// wrapWords wraps s at the last space within width columns, as Apache
// Commons' WordUtils.wrap(s, width, "\n\t", true) does: a word longer
// than width is broken, and spaces starting a line are dropped.
func wrapWords(s string, width int) string {
	var b strings.Builder
	for {
		s = strings.TrimLeft(s, " ")
		if len(s) <= width {
			return b.String() + s
		}
		at := strings.LastIndexByte(s[:width+1], ' ')
		if at <= 0 {
			b.WriteString(s[:width] + "\n\t")
			s = s[width:]
			continue
		}
		b.WriteString(s[:at] + "\n\t")
		s = s[at+1:]
	}
}

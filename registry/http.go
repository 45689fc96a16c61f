package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// ContentType is the media type of every response, as Confluent sends it.
const ContentType = "application/vnd.schemaregistry.v1+json"

// maxBody bounds request bodies.
const maxBody = 16 << 20

// Handler serves the Confluent Schema Registry REST API.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	h := &httpAPI{r: r}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, struct{}{}) })
	mux.HandleFunc("GET /subjects", h.subjects)
	mux.HandleFunc("GET /subjects/{subject}/versions", h.versions)
	mux.HandleFunc("POST /subjects/{subject}/versions", h.register)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}", h.version)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}/schema", h.versionSchema)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}/referencedby", h.referencedBy)
	mux.HandleFunc("DELETE /subjects/{subject}/versions/{version}", h.deleteVersion)
	mux.HandleFunc("GET /subjects/{subject}/metadata", h.latestWithMetadata)
	mux.HandleFunc("POST /subjects/{subject}", h.lookup)
	mux.HandleFunc("DELETE /subjects/{subject}", h.deleteSubject)
	mux.HandleFunc("GET /schemas/types", h.types)
	// Only the default context exists (Confluent always lists it).
	mux.HandleFunc("GET /contexts", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, []string{"."}) })
	mux.HandleFunc("GET /schemas/ids/{id}", h.schemaByID)
	mux.HandleFunc("GET /schemas/ids/{id}/schema", h.rawSchemaByID)
	mux.HandleFunc("GET /schemas/ids/{id}/versions", h.versionsByID)
	mux.HandleFunc("GET /schemas/ids/{id}/subjects", h.subjectsByID)
	mux.HandleFunc("GET /config", h.getGlobalConfig)
	mux.HandleFunc("PUT /config", h.putGlobalConfig)
	mux.HandleFunc("DELETE /config", h.deleteGlobalConfig)
	mux.HandleFunc("GET /config/{subject}", h.getConfig)
	mux.HandleFunc("PUT /config/{subject}", h.putConfig)
	mux.HandleFunc("DELETE /config/{subject}", h.deleteConfig)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", h.compatibility)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions", h.compatibility)
	mux.HandleFunc("GET /mode", h.getMode)
	mux.HandleFunc("PUT /mode", h.putMode)
	mux.HandleFunc("GET /mode/{subject}", h.getMode)
	mux.HandleFunc("PUT /mode/{subject}", h.putMode)
	return requireAuth(r.auth, &apiHandler{mux: mux})
}

// requireAuth answers requests without credentials auth accepts with
// 401 and Confluent's error body, before anything runs; a nil auth lets
// every request through.
func requireAuth(auth func(user, password string) bool, next http.Handler) http.Handler {
	if auth == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		user, pass, ok := req.BasicAuth()
		if !ok || !auth(user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="eddy schema registry"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Code: http.StatusUnauthorized, Message: "Unauthorized"})
			return
		}
		next.ServeHTTP(w, req)
	})
}

// apiHandler answers what the mux does not route, and bad media types,
// with JSON error bodies.
type apiHandler struct{ mux *http.ServeMux }

func (a *apiHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if _, pattern := a.mux.Handler(req); pattern == "" {
		status := http.StatusNotFound
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := req.Clone(req.Context())
			probe.Method = m
			if _, p := a.mux.Handler(probe); p != "" {
				status = http.StatusMethodNotAllowed
				break
			}
		}
		writeJSON(w, status, errorBody{Code: status, Message: fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))})
		return
	}
	if req.Method == http.MethodPost || req.Method == http.MethodPut {
		if ct := req.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || !(strings.HasSuffix(mt, "json") || mt == "application/octet-stream" || mt == "text/plain") {
				writeJSON(w, http.StatusUnsupportedMediaType, errorBody{Code: http.StatusUnsupportedMediaType,
					Message: fmt.Sprintf("HTTP 415 Unsupported Media Type: %q", ct)})
				return
			}
		}
		req.Body = http.MaxBytesReader(w, req.Body, maxBody)
	}
	a.mux.ServeHTTP(w, req)
}

type httpAPI struct{ r *Registry }

type errorBody struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

type schemaRequest struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
}

type versionJSON struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
}

// registerJSON is the answer to a registration, as Confluent's
// RegisterSchemaResponse: empty members are omitted.
type registerJSON struct {
	ID         int             `json:"id"`
	Version    int             `json:"version,omitempty"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema,omitempty"`
}

type schemaJSON struct {
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
}

type subjectVersionJSON struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

type compatibilityJSON struct {
	IsCompatible bool `json:"is_compatible"`
	// Messages, a []string, is present (maybe empty) only when verbose.
	Messages any `json:"messages,omitempty"`
}

type configJSON struct {
	CompatibilityLevel Level `json:"compatibilityLevel"`
}

type configUpdateJSON struct {
	Compatibility Level `json:"compatibility"`
}

type modeJSON struct {
	Mode string `json:"mode"`
}

// typeName is the schemaType field of a response: omitted for AVRO, as
// Confluent does.
func typeName(t SchemaType) string {
	if t == Avro {
		return ""
	}
	return string(t)
}

func toVersionJSON(sv SubjectVersion) versionJSON {
	return versionJSON{
		Subject: sv.Subject, Version: sv.Version, ID: sv.ID,
		SchemaType: typeName(sv.Schema.Type), References: sv.Schema.References,
		Metadata: sv.Schema.Metadata, RuleSet: sv.Schema.RuleSet, Schema: sv.Schema.Schema,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = storeError(err, "internal error")
	}
	writeJSON(w, e.Status(), errorBody{Code: e.Code, Message: e.Message})
}

func decodeBody(req *http.Request, v any) error {
	body, err := io.ReadAll(req.Body)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &Error{Code: http.StatusRequestTimeout, Message: "The request body did not arrive in time.", err: err}
	}
	if err != nil {
		return &Error{Code: http.StatusBadRequest, Message: "read request body: " + err.Error(), err: err}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Invalid request body: " + err.Error(), err: err}
	}
	return nil
}

func decodeSchema(req *http.Request) (Schema, error) {
	var body schemaRequest
	if err := decodeBody(req, &body); err != nil {
		return Schema{}, err
	}
	t, err := parseSchemaType(body.SchemaType)
	if err != nil {
		return Schema{}, errInvalidSchema(err)
	}
	if strings.TrimSpace(body.Schema) == "" {
		return Schema{}, errInvalidSchema(errors.New("empty schema"))
	}
	return Schema{Type: t, Schema: body.Schema, References: body.References, Metadata: body.Metadata, RuleSet: body.RuleSet}, nil
}

func boolParam(req *http.Request, name string) bool {
	b, _ := strconv.ParseBool(req.URL.Query().Get(name))
	return b
}

func versionParam(req *http.Request) (int, error) {
	s := req.PathValue("version")
	if s == "latest" || s == "-1" {
		return LatestVersion, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		return 0, errorf(CodeInvalidVersion,
			"The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", s)
	}
	return int(n), nil
}

func idParam(req *http.Request) (int, error) {
	n, err := strconv.ParseInt(req.PathValue("id"), 10, 32)
	if err != nil || n < 1 {
		return 0, errSchemaNotFound()
	}
	return int(n), nil
}

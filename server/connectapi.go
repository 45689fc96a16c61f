package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sql"
)

// The Kafka Connect REST API over eddy's built-in connectors, so that
// tools written for a Connect worker (curl recipes, UIs, a ksqlDB server
// whose ksql.connect.url points here) manage them. Reads come from the
// connector runtime; every change is the statement a user would type
// (CREATE SOURCE|SINK CONNECTOR, DROP CONNECTOR, PAUSE, RESUME) run
// through the engine, so it goes through the command log and every
// server of the service agrees. Shapes and messages follow Apache
// Kafka's ConnectorsResource and ConnectorPluginsResource.

// connectBackend is what the Connect API needs beyond Backend;
// *engine.Engine has it. An engine without it (or without a connector
// runtime) runs no connectors, and the API says so.
type connectBackend interface {
	ConnectRuntime() *connect.Runtime
	ConnectRemote() bool
}

var _ connectBackend = (*engine.Engine)(nil)

// connectRoutes adds the API to mux; change wraps the handlers that
// change connectors (refused by a headless server).
func (s *Server) connectRoutes(mux *http.ServeMux, change func(http.HandlerFunc) http.HandlerFunc) {
	for _, p := range []string{"/connectors", "/connectors/{$}"} {
		mux.HandleFunc("GET "+p, s.kcList)
		mux.HandleFunc("POST "+p, change(s.kcCreate))
	}
	mux.HandleFunc("GET /connectors/{name}", s.kcInfo)
	mux.HandleFunc("DELETE /connectors/{name}", change(s.kcDelete))
	mux.HandleFunc("GET /connectors/{name}/config", s.kcConfig)
	mux.HandleFunc("PUT /connectors/{name}/config", change(s.kcPutConfig))
	mux.HandleFunc("PATCH /connectors/{name}/config", change(s.kcPatchConfig))
	mux.HandleFunc("GET /connectors/{name}/status", s.kcStatus)
	mux.HandleFunc("GET /connectors/{name}/topics", s.kcTopics)
	mux.HandleFunc("PUT /connectors/{name}/topics/reset", s.kcResetTopics)
	mux.HandleFunc("GET /connectors/{name}/tasks", s.kcTasks)
	mux.HandleFunc("GET /connectors/{name}/tasks/{task}/status", s.kcTaskStatus)
	mux.HandleFunc("POST /connectors/{name}/tasks/{task}/restart", change(s.kcTaskRestart))
	mux.HandleFunc("PUT /connectors/{name}/pause", change(s.kcPause))
	mux.HandleFunc("PUT /connectors/{name}/resume", change(s.kcPause))
	mux.HandleFunc("PUT /connectors/{name}/stop", change(s.kcStop))
	mux.HandleFunc("GET /connectors/{name}/offsets", s.kcOffsets)
	mux.HandleFunc("DELETE /connectors/{name}/offsets", change(s.kcResetOffsets))
	mux.HandleFunc("PATCH /connectors/{name}/offsets", change(s.kcAlterOffsets))
	mux.HandleFunc("POST /connectors/{name}/restart", change(s.kcRestart))
	for _, p := range []string{"/connector-plugins", "/connector-plugins/{$}"} {
		mux.HandleFunc("GET "+p, s.kcPlugins)
	}
	mux.HandleFunc("GET /connector-plugins/{class}/config", s.kcPluginConfig)
	mux.HandleFunc("PUT /connector-plugins/{class}/config/validate", s.kcValidate)
}

// connectHandler serves the Connect API alone (--connect-listen), with
// a Connect worker's root resource and its JSON 404.
func (s *Server) connectHandler() http.Handler {
	mux := http.NewServeMux()
	change := func(h http.HandlerFunc) http.HandlerFunc { return h }
	if s.cfg.Headless {
		change = func(http.HandlerFunc) http.HandlerFunc { return refuseHeadless }
	}
	s.connectRoutes(mux, change)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		commit := s.cfg.Commit
		if len(commit) > 16 {
			commit = commit[:16] // Kafka's commit ids are 16 digits
		}
		writeJSON(w, http.StatusOK, kcServerInfo{Version: s.cfg.Version, Commit: commit, KafkaClusterID: s.cfg.KafkaClusterID})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// A resource asked with a method it does not take is Jersey's
		// 405, not a 404 (the catch-all hides the mux's own 405).
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if _, p := mux.Handler(&http.Request{Method: m, URL: r.URL, Host: r.Host}); p != "/" && p != "" {
				kcFail(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
				return
			}
		}
		kcFail(w, http.StatusNotFound, "HTTP 404 Not Found")
	})
	return s.boundBodies(s.recoverer(s.gate(s.auth.middleware(mux))))
}

// Kafka Connect's entities, field for field.
type (
	kcServerInfo struct {
		Version        string `json:"version"`
		Commit         string `json:"commit"`
		KafkaClusterID string `json:"kafka_cluster_id"`
	}
	kcErrorMessage struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	kcStateInfo struct {
		Name      string      `json:"name"`
		Connector kcState     `json:"connector"`
		Tasks     []kcTaskSta `json:"tasks"`
		Type      string      `json:"type"`
	}
	kcState struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace,omitempty"`
	}
	kcTaskSta struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace,omitempty"`
	}
	kcTaskInfo struct {
		ID     api.ConnectorTaskID `json:"id"`
		Config map[string]string   `json:"config"`
	}
	kcTopics struct {
		Topics []string `json:"topics"`
	}
	kcPluginInfo struct {
		Class   string `json:"class"`
		Type    string `json:"type"`
		Version string `json:"version,omitempty"`
	}
	kcConfigInfos struct {
		Name       string         `json:"name"`
		ErrorCount int            `json:"error_count"`
		Groups     []string       `json:"groups"`
		Configs    []kcConfigInfo `json:"configs"`
	}
	kcConfigInfo struct {
		Definition kcConfigKey   `json:"definition"`
		Value      kcConfigValue `json:"value"`
	}
	kcConfigKey struct {
		Name          string   `json:"name"`
		Type          string   `json:"type"`
		Required      bool     `json:"required"`
		DefaultValue  *string  `json:"default_value"`
		Importance    string   `json:"importance"`
		Documentation string   `json:"documentation"`
		Group         string   `json:"group"`
		Order         int      `json:"order"`
		Width         string   `json:"width"`
		DisplayName   string   `json:"display_name"`
		Dependents    []string `json:"dependents"`
	}
	kcConfigValue struct {
		Name              string   `json:"name"`
		Value             *string  `json:"value"`
		RecommendedValues []string `json:"recommended_values"`
		Errors            []string `json:"errors"`
		Visible           bool     `json:"visible"`
	}
)

func kcFail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, kcErrorMessage{ErrorCode: status, Message: msg})
}

// kcError is a failure with the status Kafka Connect answers it with.
type kcError struct {
	status int
	msg    string
}

func (e *kcError) Error() string { return e.msg }

func kcErr(status int, format string, args ...any) *kcError {
	return &kcError{status: status, msg: fmt.Sprintf(format, args...)}
}

func kcWriteErr(w http.ResponseWriter, err error) {
	var ke *kcError
	if errors.As(err, &ke) {
		kcFail(w, ke.status, ke.msg)
		return
	}
	kcFail(w, http.StatusInternalServerError, err.Error())
}

// connectRuntime is the engine's connector runtime, or a 404 saying
// there is none.
func (s *Server) connectRuntime(w http.ResponseWriter) (*connect.Runtime, bool) {
	if cb, ok := s.cfg.Engine.(connectBackend); ok {
		if rt := cb.ConnectRuntime(); rt != nil {
			return rt, true
		}
	}
	kcFail(w, http.StatusNotFound, "This eddy server runs no connectors")
	return nil, false
}

func kcType(k connect.Kind) string { return strings.ToLower(string(k)) }

func kcStatusOf(st connect.Status) kcStateInfo {
	out := kcStateInfo{Name: st.Name, Type: kcType(st.Kind), Tasks: []kcTaskSta{},
		Connector: kcState{State: st.State, WorkerID: st.WorkerID, Trace: st.Trace}}
	for _, t := range st.Tasks {
		out.Tasks = append(out.Tasks, kcTaskSta{ID: t.ID, State: t.State, WorkerID: st.WorkerID, Trace: t.Trace})
	}
	return out
}

func kcInfoOf(st connect.Status) api.ConnectorInfo {
	info := api.ConnectorInfo{Name: st.Name, Config: map[string]string(st.Config), Type: kcType(st.Kind), Tasks: []api.ConnectorTaskID{}}
	for _, t := range st.Tasks {
		info.Tasks = append(info.Tasks, api.ConnectorTaskID{Connector: st.Name, Task: t.ID})
	}
	return info
}

// GET /connectors[?expand=status&expand=info]
func (s *Server) kcList(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	names := rt.Names()
	expand, ok := r.URL.Query()["expand"]
	if !ok {
		writeJSON(w, http.StatusOK, names)
		return
	}
	out := map[string]map[string]any{}
	for _, n := range names {
		st, ok := rt.Status(r.Context(), n, false)
		if !ok {
			continue // dropped meanwhile, as Kafka leaves it out
		}
		m := map[string]any{}
		for _, x := range expand {
			switch x {
			case "status":
				m["status"] = kcStatusOf(st)
			case "info":
				m["info"] = kcInfoOf(st)
			}
		}
		out[n] = m
	}
	writeJSON(w, http.StatusOK, out)
}

// connectorStatus finds a connector or answers 404 with msg (Kafka's
// wording differs by endpoint).
func (s *Server) connectorStatus(w http.ResponseWriter, r *http.Request, msg string) (connect.Status, bool) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return connect.Status{}, false
	}
	name := r.PathValue("name")
	st, ok := rt.Status(r.Context(), name, false)
	if !ok {
		kcFail(w, http.StatusNotFound, fmt.Sprintf(msg, name))
	}
	return st, ok
}

func (s *Server) kcInfo(w http.ResponseWriter, r *http.Request) {
	if st, ok := s.connectorStatus(w, r, "Connector %s not found"); ok {
		writeJSON(w, http.StatusOK, kcInfoOf(st))
	}
}

func (s *Server) kcConfig(w http.ResponseWriter, r *http.Request) {
	if st, ok := s.connectorStatus(w, r, "Connector %s not found"); ok {
		writeJSON(w, http.StatusOK, st.Config)
	}
}

func (s *Server) kcStatus(w http.ResponseWriter, r *http.Request) {
	if st, ok := s.connectorStatus(w, r, "No status found for connector %s"); ok {
		writeJSON(w, http.StatusOK, kcStatusOf(st))
	}
}

func (s *Server) kcTasks(w http.ResponseWriter, r *http.Request) {
	st, ok := s.connectorStatus(w, r, "Connector %s not found")
	if !ok {
		return
	}
	out := []kcTaskInfo{}
	for _, t := range st.Tasks {
		out = append(out, kcTaskInfo{ID: api.ConnectorTaskID{Connector: st.Name, Task: t.ID}, Config: st.Config})
	}
	writeJSON(w, http.StatusOK, out)
}

// taskOf finds the task of the path, or answers 404 as Kafka does.
func (s *Server) taskOf(w http.ResponseWriter, r *http.Request, msg string) (connect.Status, kcTaskSta, bool) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return connect.Status{}, kcTaskSta{}, false
	}
	name, task := r.PathValue("name"), r.PathValue("task")
	id, err := strconv.Atoi(task)
	if err != nil {
		kcFail(w, http.StatusNotFound, "HTTP 404 Not Found")
		return connect.Status{}, kcTaskSta{}, false
	}
	if st, ok := rt.Status(r.Context(), name, false); ok {
		for _, t := range kcStatusOf(st).Tasks {
			if t.ID == id {
				return st, t, true
			}
		}
	}
	kcFail(w, http.StatusNotFound, fmt.Sprintf(msg, name+"-"+task))
	return connect.Status{}, kcTaskSta{}, false
}

func (s *Server) kcTaskStatus(w http.ResponseWriter, r *http.Request) {
	if _, t, ok := s.taskOf(w, r, "No status found for task %s"); ok {
		writeJSON(w, http.StatusOK, t)
	}
}

// GET /connectors/{name}/topics: the topics a sink reads or a source has
// written, as Kafka's topic tracking reports them (empty, not 404, for a
// connector it does not know).
func (s *Server) kcTopics(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	name := r.PathValue("name")
	topics := []string{}
	if st, ok := rt.Status(r.Context(), name, false); ok && st.Topics != nil {
		topics = st.Topics
	}
	writeJSON(w, http.StatusOK, map[string]kcTopics{name: {Topics: topics}})
}

// PUT /connectors/{name}/topics/reset: 202, a source's topics are
// those it writes from now on (on this server: the set is this server's
// record of what its tasks wrote).
func (s *Server) kcResetTopics(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !rt.ResetTopics(name) {
		kcFail(w, http.StatusNotFound, fmt.Sprintf("Connector %s not found", name))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// run executes statements through the engine (and so the command log),
// with the server's statement timeout.
func (s *Server) run(ctx context.Context, stmt string) ([]api.Entity, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StatementTimeout)
	defer cancel()
	ents, err := s.cfg.Engine.Execute(ctx, stmt, nil)
	if err != nil {
		// A statement the engine refuses is the request's fault; anything
		// else is the server's.
		var ee *engine.Error
		if errors.As(err, &ee) && (ee.Kind == engine.StatementError || ee.Kind == engine.ParseError) {
			return nil, &kcError{status: http.StatusBadRequest, msg: err.Error()}
		}
		return nil, fmt.Errorf("%s: %w", stmt, err)
	}
	return ents, nil
}

// lostRace answers as the check before a statement would have when
// another request changed the connector between the check and the
// statement: one dropped meanwhile is not found (gone, given the name),
// one created meanwhile (gone "") already exists. The engine's refusal
// ("Unknown queryId: X", "Connector x already exists") would be a 400.
func (s *Server) lostRace(err error, name, gone string) error {
	var ke *kcError
	cb, ok := s.cfg.Engine.(connectBackend)
	if !errors.As(err, &ke) || ke.status != http.StatusBadRequest || !ok || cb.ConnectRuntime() == nil {
		return err
	}
	has := cb.ConnectRuntime().Has(name)
	switch {
	case gone != "" && !has:
		return kcErr(http.StatusNotFound, gone, name)
	case gone == "" && has:
		return kcErr(http.StatusConflict, "Connector %s already exists", name)
	}
	return err
}

// quoteIdent and quoteString write a name and a value as the parser
// reads them back, whatever they hold.
func quoteIdent(s string) string  { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// createStatement is the CREATE SOURCE|SINK CONNECTOR statement for a
// connector, checked to parse back to the same name and configuration.
func createStatement(name string, kind connect.Kind, cfg map[string]string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE %s CONNECTOR %s WITH (", kind, quoteIdent(name))
	for i, k := range slices.Sorted(maps.Keys(cfg)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(k) + "=" + quoteString(cfg[k]))
	}
	b.WriteString(");")
	stmt := b.String()
	parsed, err := sql.Parse(stmt)
	if err != nil {
		return "", kcErr(http.StatusBadRequest, "Connector %s: its configuration cannot be written as a statement: %v", name, err)
	}
	cc, ok := parsed[0].(*sql.CreateConnector)
	if len(parsed) != 1 || !ok || cc.Name != name || !maps.Equal(cc.Config, cfg) {
		return "", kcErr(http.StatusBadRequest, "Connector %s: its configuration does not survive being written as a statement", name)
	}
	return stmt, nil
}

// invalidConfig is Kafka's 400 for a configuration that fails validation.
func invalidConfig(problems []string) *kcError {
	var b strings.Builder
	fmt.Fprintf(&b, "Connector configuration is invalid and contains the following %d error(s):", len(problems))
	for _, p := range problems {
		b.WriteString("\n" + p)
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return &kcError{status: http.StatusBadRequest, msg: b.String()}
}

// javaMap renders a configuration as Java's Map.toString does, for the
// messages that quote one.
func javaMap(cfg map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		parts = append(parts, k+"="+cfg[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// checkName checks a connector name as Kafka's
// NonEmptyStringWithoutControlChars does.
func checkName(name string) *kcError {
	if name == "" {
		return invalidConfig([]string{"Invalid value  for configuration name: String may not be empty"})
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return invalidConfig([]string{fmt.Sprintf("Invalid value %s for configuration name: String may not contain control sequences but had the following ASCII chars: %s", name, strings.Join(controlChars(name), ", "))})
	}
	return nil
}

func controlChars(s string) []string {
	var out []string
	for _, r := range s {
		if unicode.IsControl(r) {
			out = append(out, strconv.Itoa(int(r)))
		}
	}
	return out
}

// plugin finds the connector class cfg names, as Kafka resolves it
// before validating.
func plugin(rt *connect.Runtime, cfg map[string]string) (*connect.Plugin, *kcError) {
	class, ok := cfg[connect.KeyClass]
	if !ok {
		return nil, kcErr(http.StatusBadRequest, "Connector config %s contains no connector type", javaMap(cfg))
	}
	p, ok := rt.Plugins().Lookup(class)
	if !ok {
		var known []string
		for _, p := range rt.Plugins().Plugins() {
			known = append(known, p.Class)
		}
		return nil, kcErr(http.StatusBadRequest, "Failed to find any class that implements Connector and which name matches %s, available connectors are: %s", class, strings.Join(known, ", "))
	}
	return p, nil
}

// validate checks cfg as CREATE will, so that a bad configuration gets
// Kafka's 400 and an update does not drop the connector it cannot
// replace; reach also contacts the target.
func validate(ctx context.Context, rt *connect.Runtime, name string, cfg map[string]string, reach bool) (*connect.Plugin, *kcError) {
	p, kerr := plugin(rt, cfg)
	if kerr != nil {
		return nil, kerr
	}
	if _, _, err := rt.Validate(ctx, name, "", cfg, reach); err != nil {
		var ce *connect.ConfigError
		if errors.As(err, &ce) {
			return nil, invalidConfig(ce.Problems)
		}
		return nil, invalidConfig([]string{err.Error()})
	}
	return p, nil
}

// createConnector runs CREATE SOURCE|SINK CONNECTOR for a checked
// configuration (the kind is the plugin's), then PAUSE or STOP CONNECTOR
// when state (connect.StatePaused, connect.StateStopped) asks.
func (s *Server) createConnector(ctx context.Context, name string, p *connect.Plugin, cfg map[string]string, state string) (api.ConnectorInfo, error) {
	cfg = maps.Clone(cfg)
	delete(cfg, connect.KeyName) // the statement names it
	stmt, err := createStatement(name, p.Kind, cfg)
	if err != nil {
		return api.ConnectorInfo{}, err
	}
	ents, err := s.run(ctx, stmt)
	if err != nil {
		return api.ConnectorInfo{}, err
	}
	var info api.ConnectorInfo
	for _, e := range ents {
		if ce, ok := e.(*api.CreateConnectorEntity); ok {
			info = ce.Info
		}
	}
	if info.Tasks == nil {
		info.Tasks = []api.ConnectorTaskID{}
	}
	if stmt := parkStatement(name, state); stmt != "" {
		if _, err := s.run(ctx, stmt); err != nil {
			return info, err
		}
	}
	return info, nil
}

// readConfig decodes a JSON object of options. Numbers and booleans are
// taken as their text, as Kafka's Jackson coerces them into a
// Map<String, String>; null leaves the option out.
func readConfig(raw json.RawMessage) (map[string]string, error) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, kcErr(http.StatusBadRequest, "Cannot read the connector configuration: %v", err)
	}
	if m == nil {
		return nil, kcErr(http.StatusBadRequest, "Cannot read the connector configuration: it is missing or null")
	}
	cfg := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case string:
			cfg[k] = v
		case json.Number:
			cfg[k] = v.String()
		case bool:
			cfg[k] = strconv.FormatBool(v)
		default:
			return nil, kcErr(http.StatusBadRequest, "Cannot read the connector configuration: the value of %s is not a string", k)
		}
	}
	return cfg, nil
}

func (s *Server) readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes))
	if ae := s.bodyTimedOut(err); ae != nil {
		return nil, kcErr(ae.status(), "%s", ae.Message)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, kcErr(http.StatusRequestEntityTooLarge, "Request body is larger than the limit of %d bytes.", s.cfg.MaxBodyBytes)
	}
	if err != nil {
		return nil, kcErr(http.StatusBadRequest, "Cannot read the request body: %v", err)
	}
	return b, nil
}

// createRefused is why this server will not create a built-in connector
// (nil when it will): with ksql.connect.url, CREATE … CONNECTOR goes to
// that cluster, and this API manages eddy's own connectors.
func (s *Server) createRefused() *kcError {
	if cb, ok := s.cfg.Engine.(connectBackend); ok && cb.ConnectRemote() {
		return kcErr(http.StatusBadRequest, "This eddy server sends new connectors to the Kafka Connect cluster of ksql.connect.url; create them there")
	}
	return nil
}

// POST /connectors {name, config[, initial_state]}
func (s *Server) kcCreate(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	var req struct {
		Name         *string         `json:"name"`
		Config       json.RawMessage `json:"config"`
		InitialState string          `json:"initial_state"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		kcFail(w, http.StatusBadRequest, "Cannot read the request: "+err.Error())
		return
	}
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	cfg, err := readConfig(req.Config)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	if n, ok := cfg[connect.KeyName]; ok && n != name {
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name))
		return
	}
	state := strings.ToUpper(req.InitialState)
	switch state {
	case "", connect.StateRunning, connect.StatePaused, connect.StateStopped:
	default:
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("initial_state %s is not supported by eddy: use RUNNING, PAUSED or STOPPED", req.InitialState))
		return
	}
	if kerr := checkName(name); kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	if kerr := s.createRefused(); kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	if rt.Has(name) {
		kcFail(w, http.StatusConflict, fmt.Sprintf("Connector %s already exists", name))
		return
	}
	p, kerr := validate(r.Context(), rt, name, cfg, false)
	if kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	info, err := s.createConnector(r.Context(), name, p, cfg, state)
	if err != nil {
		kcWriteErr(w, s.lostRace(err, name, ""))
		return
	}
	w.Header().Set("Location", "/connectors/"+url.PathEscape(name))
	writeJSON(w, http.StatusCreated, info)
}

// parkStatement is the statement that leaves a new connector in state,
// or "" for a running one.
func parkStatement(name, state string) string {
	switch state {
	case connect.StatePaused:
		return "PAUSE " + quoteIdent(name) + ";"
	case connect.StateStopped:
		return "STOP CONNECTOR " + quoteIdent(name) + ";"
	}
	return ""
}

// configBody reads a request whose body is a configuration (a JSON
// object of options), answering Kafka's error itself when it is not.
func (s *Server) configBody(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	body, err := s.readBody(r)
	if err == nil {
		var cfg map[string]string
		if cfg, err = readConfig(body); err == nil {
			return cfg, true
		}
	}
	kcWriteErr(w, err)
	return nil, false
}

// PUT /connectors/{name}/config creates the connector (201) or replaces
// its configuration (200). Kafka stops the connector and starts it
// with the new configuration; here that is DROP CONNECTOR then CREATE,
// two commands in the log, after the new configuration passed the same
// checks (the target reached too), so that a configuration CREATE would
// refuse never drops the running connector. A paused or stopped
// connector is paused or stopped again, as Kafka keeps its target state.
func (s *Server) kcPutConfig(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	name := r.PathValue("name")
	cfg, ok := s.configBody(w, r)
	if !ok {
		return
	}
	if n, ok := cfg[connect.KeyName]; ok && n != name {
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name))
		return
	}
	if kerr := checkName(name); kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	old, exists := rt.Status(r.Context(), name, false)
	if !exists {
		if kerr := s.createRefused(); kerr != nil {
			kcWriteErr(w, kerr)
			return
		}
	}
	p, kerr := validate(r.Context(), rt, name, cfg, exists)
	if kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	if !exists {
		info, err := s.createConnector(r.Context(), name, p, cfg, "")
		if err != nil {
			kcWriteErr(w, s.lostRace(err, name, ""))
			return
		}
		w.Header().Set("Location", "/connectors/"+url.PathEscape(name))
		writeJSON(w, http.StatusCreated, info)
		return
	}
	s.replaceConfig(w, r, rt, old, p, cfg)
}

// replaceConfig gives the existing connector old the configuration cfg
// of plugin p, which passed validate, and answers 200 with its info.
func (s *Server) replaceConfig(w http.ResponseWriter, r *http.Request, rt *connect.Runtime, old connect.Status, p *connect.Plugin, cfg map[string]string) {
	name := old.Name
	if _, err := s.run(r.Context(), "DROP CONNECTOR "+quoteIdent(name)+";"); err != nil {
		kcWriteErr(w, s.lostRace(err, name, "Connector %s not found"))
		return
	}
	// Kafka keeps the target state: a paused or stopped connector stays so.
	state := old.State
	info, err := s.createConnector(r.Context(), name, p, cfg, state)
	if err != nil {
		// Put the old connector back rather than leave none.
		if oldP, ok := rt.Plugins().Lookup(old.Class); ok {
			if _, rerr := s.createConnector(r.Context(), name, oldP, old.Config, state); rerr != nil {
				err = fmt.Errorf("%w (and restoring its previous configuration failed: %v)", err, rerr)
			}
		}
		kcWriteErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// PATCH /connectors/{name}/config (KIP-477): the body's keys replace
// the connector's, a null value removes one, and the result is checked
// and applied as PUT applies a whole configuration (200 with the
// connector's info). Only an existing connector can be patched.
func (s *Server) kcPatchConfig(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	old, ok := s.connectorStatus(w, r, "Connector %s not found")
	if !ok {
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil || patch == nil {
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("Cannot read the configuration patch: want a JSON object of strings or nulls (%v)", err))
		return
	}
	cfg := maps.Clone(old.Config)
	set := map[string]json.RawMessage{}
	for k, v := range patch {
		if string(v) == "null" {
			delete(cfg, k)
		} else {
			set[k] = v
		}
	}
	raw, err := json.Marshal(set)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	values, err := readConfig(raw)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	maps.Copy(cfg, values)
	if n, ok := cfg[connect.KeyName]; ok && n != old.Name {
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, old.Name))
		return
	}
	p, kerr := validate(r.Context(), rt, old.Name, cfg, true)
	if kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	s.replaceConfig(w, r, rt, old, p, cfg)
}

// DELETE /connectors/{name}: DROP CONNECTOR.
func (s *Server) kcDelete(w http.ResponseWriter, r *http.Request) {
	s.connectorStatement(w, r, "Connector %s not found", "DROP CONNECTOR ", http.StatusNoContent)
}

// PUT /connectors/{name}/pause and /resume: PAUSE and RESUME, which the
// command log keeps, so the connector stays paused across restarts and
// on every server; 202 as Kafka answers (idempotent too).
func (s *Server) kcPause(w http.ResponseWriter, r *http.Request) {
	verb := "PAUSE "
	if strings.HasSuffix(r.URL.Path, "/resume") {
		verb = "RESUME "
	}
	s.connectorStatement(w, r, "Unknown connector %s", verb, http.StatusAccepted)
}

// PUT /connectors/{name}/stop: STOP CONNECTOR, which the command log
// keeps as it keeps PAUSE; 204 as Kafka answers.
func (s *Server) kcStop(w http.ResponseWriter, r *http.Request) {
	s.connectorStatement(w, r, "Unknown connector %s", "STOP CONNECTOR ", http.StatusNoContent)
}

// connectorStatement runs verb on the request's connector (notFound, with
// its name, when there is none) and answers code.
func (s *Server) connectorStatement(w http.ResponseWriter, r *http.Request, notFound, verb string, code int) {
	st, ok := s.connectorStatus(w, r, notFound)
	if !ok {
		return
	}
	if _, err := s.run(r.Context(), verb+quoteIdent(st.Name)+";"); err != nil {
		kcWriteErr(w, s.lostRace(err, st.Name, notFound))
		return
	}
	w.WriteHeader(code)
}

// restartTasks restarts a connector's tasks on every server: PAUSE then
// RESUME through the command log (eddy's tasks stop and start together;
// a connector has no instance apart from them). A paused or stopped
// connector is left so, as Kafka restarts it into its target state.
func (s *Server) restartTasks(ctx context.Context, st connect.Status) error {
	if st.State == connect.StatePaused || st.State == connect.StateStopped {
		return nil
	}
	if _, err := s.run(ctx, "PAUSE "+quoteIdent(st.Name)+";"); err != nil {
		return err
	}
	_, err := s.run(ctx, "RESUME "+quoteIdent(st.Name)+";")
	return err
}

// POST /connectors/{name}/restart[?includeTasks=&onlyFailed=]. Without
// either flag Kafka restarts the connector instance only and answers
// 204; eddy's connector is its tasks, so it restarts them when the
// connector FAILED (every task failed) and otherwise has nothing to do.
// With a flag, the tasks the request names are restarted and the 202
// shows them RESTARTING, as Kafka's plan does.
func (s *Server) kcRestart(w http.ResponseWriter, r *http.Request) {
	st, ok := s.connectorStatus(w, r, "Unknown connector: %s")
	if !ok {
		return
	}
	flag := func(k string) (bool, bool) {
		v := r.URL.Query().Get(k)
		if v == "" {
			return false, true
		}
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	includeTasks, ok1 := flag("includeTasks")
	onlyFailed, ok2 := flag("onlyFailed")
	if !ok1 || !ok2 {
		kcFail(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	if !includeTasks && !onlyFailed {
		if st.State == connect.StateFailed {
			if err := s.restartTasks(r.Context(), st); err != nil {
				kcWriteErr(w, s.lostRace(err, st.Name, "Unknown connector: %s"))
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	plan := kcStatusOf(st)
	restart := false
	if !onlyFailed || st.State == connect.StateFailed {
		plan.Connector.State = "RESTARTING"
	}
	if includeTasks {
		for i, t := range plan.Tasks {
			if !onlyFailed || t.State == connect.StateFailed {
				plan.Tasks[i].State = "RESTARTING"
				restart = true
			}
		}
	}
	if restart || plan.Connector.State == "RESTARTING" && st.State == connect.StateFailed {
		if err := s.restartTasks(r.Context(), st); err != nil {
			kcWriteErr(w, s.lostRace(err, st.Name, "Unknown connector: %s"))
			return
		}
	}
	writeJSON(w, http.StatusAccepted, plan)
}

// POST /connectors/{name}/tasks/{task}/restart: the connector's tasks
// restart together (see restartTasks); 204 as Kafka answers.
func (s *Server) kcTaskRestart(w http.ResponseWriter, r *http.Request) {
	st, _, ok := s.taskOf(w, r, "Unknown task: %s")
	if !ok {
		return
	}
	if err := s.restartTasks(r.Context(), st); err != nil {
		kcWriteErr(w, s.lostRace(err, st.Name, "Unknown connector: %s"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// GET /connector-plugins[?connectorsOnly=false]
func (s *Server) kcPlugins(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	reg := rt.Plugins()
	out := []kcPluginInfo{}
	for _, p := range reg.Plugins() {
		out = append(out, kcPluginInfo{Class: p.Class, Type: kcType(p.Kind), Version: p.Version})
	}
	if v := r.URL.Query().Get("connectorsOnly"); v != "" && !strings.EqualFold(v, "true") {
		for _, c := range reg.Converters() {
			out = append(out, kcPluginInfo{Class: c.Class, Type: "converter"})
		}
		for _, t := range reg.Transforms() {
			out = append(out, kcPluginInfo{Class: t.Class, Type: "transformation"})
		}
		for _, p := range reg.Predicates() {
			out = append(out, kcPluginInfo{Class: p.Class, Type: "predicate"})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// pluginGroup names a plugin's own options' group, as a connector's
// ConfigDef groups them (Common holds the runtime's).
func pluginGroup(p *connect.Plugin) string {
	g := p.Class[strings.LastIndex(p.Class, ".")+1:]
	if s := strings.TrimSuffix(g, "Connector"); s != "" {
		return s
	}
	return g
}

// configKeys are a plugin's options with their groups: the runtime's
// common ones, then its own. Patterns (topic.override.<topic>.x) are
// not options of their own and are left out.
func configKeys(p *connect.Plugin, withCommon bool) []kcConfigKey {
	var out []kcConfigKey
	add := func(group string, fields []connect.ConfigField) {
		order := 0
		for _, f := range fields {
			if strings.Contains(f.Name, "<") || strings.HasSuffix(f.Name, ".*") {
				continue
			}
			order++
			k := kcConfigKey{Name: f.Name, Type: string(f.Type), Required: f.Required, Importance: "MEDIUM",
				Documentation: f.Doc, Group: group, Order: order, Width: "NONE", DisplayName: f.Name, Dependents: []string{}}
			if f.Required {
				k.Importance = "HIGH"
			} else if f.Default != "" {
				d := f.Default
				k.DefaultValue = &d
			}
			out = append(out, k)
		}
	}
	if withCommon {
		add("Common", connect.CommonSpec())
	}
	add(pluginGroup(p), p.Spec)
	return out
}

// GET /connector-plugins/{class}/config: the plugin's own options.
func (s *Server) kcPluginConfig(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	class := r.PathValue("class")
	p, ok := rt.Plugins().Lookup(class)
	if !ok {
		kcFail(w, http.StatusNotFound, fmt.Sprintf("Unknown plugin %s.", class))
		return
	}
	writeJSON(w, http.StatusOK, configKeys(p, false))
}

// normalizedPluginName drops a trailing "Connector", as Kafka compares a
// body's connector.class with the path's.
func normalizedPluginName(n string) string {
	if s, ok := strings.CutSuffix(n, "Connector"); ok && s != "" {
		return s
	}
	return n
}

// PUT /connector-plugins/{class}/config/validate: every option with its
// value and errors, as Kafka's ConfigInfos. The checks are CREATE's own
// (the target reached too); each error is filed under the option it
// is about, and errors about the configuration as a whole under
// connector.class. Options eddy does not know are listed with their
// error after the known ones.
func (s *Server) kcValidate(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return
	}
	class := r.PathValue("class")
	cfg, ok := s.configBody(w, r)
	if !ok {
		return
	}
	if inc, ok := cfg[connect.KeyClass]; ok && !strings.HasSuffix(normalizedPluginName(inc), normalizedPluginName(class)) {
		kcFail(w, http.StatusBadRequest, fmt.Sprintf("Included connector type %s does not match request type %s", inc, class))
		return
	}
	p, kerr := plugin(rt, cfg)
	if kerr != nil {
		kcWriteErr(w, kerr)
		return
	}
	errs := map[string][]string{}
	if cfg[connect.KeyName] == "" {
		errs[connect.KeyName] = append(errs[connect.KeyName], `Missing required configuration "name" which has no default value.`)
	}
	if _, _, err := rt.Validate(r.Context(), cfg[connect.KeyName], "", cfg, true); err != nil {
		var ce *connect.ConfigError
		if !errors.As(err, &ce) {
			ce = &connect.ConfigError{Problems: []string{err.Error()}}
		}
		for i, msg := range ce.Problems {
			key := ""
			if len(ce.Keys) == len(ce.Problems) {
				key = ce.Keys[i]
			}
			if key == "" {
				key = connect.KeyClass
			}
			errs[key] = append(errs[key], msg)
		}
	}
	keys := configKeys(p, true)
	out := kcConfigInfos{Name: cfg[connect.KeyClass], Groups: []string{"Common", pluginGroup(p)}, Configs: []kcConfigInfo{}}
	known := map[string]bool{}
	for _, k := range keys {
		known[k.Name] = true
	}
	for _, f := range append(connect.CommonSpec(), p.Spec...) {
		for _, a := range f.Aliases {
			if _, set := cfg[a]; set && known[f.Name] {
				errs[f.Name] = append(errs[f.Name], errs[a]...)
				delete(errs, a)
				if _, both := cfg[f.Name]; !both {
					cfg[f.Name] = cfg[a]
				}
			}
		}
	}
	for _, k := range keys {
		v := kcConfigValue{Name: k.Name, Errors: []string{}, RecommendedValues: []string{}, Visible: true}
		if val, set := cfg[k.Name]; set {
			if k.Type == string(connect.TypePassword) {
				val = "[hidden]"
			}
			v.Value = &val
		} else if k.DefaultValue != nil {
			v.Value = k.DefaultValue
		}
		v.Errors = append(v.Errors, errs[k.Name]...)
		delete(errs, k.Name)
		out.Configs = append(out.Configs, kcConfigInfo{Definition: k, Value: v})
	}
	for _, f := range append(connect.CommonSpec(), p.Spec...) {
		if len(f.Enum) == 0 {
			continue
		}
		for i := range out.Configs {
			if out.Configs[i].Value.Name == f.Name {
				out.Configs[i].Value.RecommendedValues = f.Enum
			}
		}
	}
	order := len(keys)
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		order++
		val := cfg[k]
		out.Configs = append(out.Configs, kcConfigInfo{
			Definition: kcConfigKey{Name: k, Type: string(connect.TypeString), Importance: "LOW", Documentation: "Not an option of " + p.Class + ".",
				Group: "Common", Order: order, Width: "NONE", DisplayName: k, Dependents: []string{}},
			Value: kcConfigValue{Name: k, Value: &val, RecommendedValues: []string{}, Errors: errs[k], Visible: true},
		})
	}
	for _, c := range out.Configs {
		out.ErrorCount += len(c.Value.Errors)
	}
	writeJSON(w, http.StatusOK, out)
}

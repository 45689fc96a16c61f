package server

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/sql"
)

// CommandSequenceHeader, on GET /info, is the sequence number of the
// last command the server has applied (absent when it has none).
const CommandSequenceHeader = "X-Eddy-Command-Sequence"

// serverInfo is the body of GET /info.
type serverInfo struct {
	Version        string `json:"version"`
	KafkaClusterID string `json:"kafkaClusterId"`
	KsqlServiceID  string `json:"ksqlServiceId"`
	ServerStatus   string `json:"serverStatus"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	// The shell's `server` command starts its requests' wait from here;
	// a header, as ksqlDB's clients know the body's fields only.
	if seq := s.cfg.Engine.CommandSequence() - 1; seq >= 0 {
		w.Header().Set(CommandSequenceHeader, strconv.FormatInt(seq, 10))
	}
	writeJSON(w, http.StatusOK, map[string]serverInfo{"KsqlServerInfo": {
		Version:        s.cfg.Version,
		KafkaClusterID: s.cfg.KafkaClusterID,
		KsqlServiceID:  s.cfg.Engine.ServiceID(),
		ServerStatus:   "RUNNING",
	}})
}

// health is the body of GET /healthcheck.
type health struct {
	IsHealthy   bool                     `json:"isHealthy"`
	Details     map[string]healthDetails `json:"details"`
	ServerState string                   `json:"serverState"`
}

type healthDetails struct {
	IsHealthy bool `json:"isHealthy"`
}

// healthCache keeps the last check for HealthCheckInterval.
type healthCache struct {
	mu   sync.Mutex
	at   time.Time
	last health
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	c := s.health
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) > s.cfg.HealthCheckInterval {
		kafkaOK := true
		if s.cfg.KafkaCheck != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			if err := s.cfg.KafkaCheck(ctx); err != nil {
				s.cfg.Logf("healthcheck: kafka: %v", err)
				kafkaOK = false
			}
			cancel()
		}
		// A command of the log this server could not apply means its
		// catalog may differ from its peers': the command runner is
		// degraded, as ksqlDB reports it.
		failed := s.cfg.Engine.CommandFailures()
		for _, f := range failed {
			s.cfg.Logf("healthcheck: command %d (%q) was not applied: %s", f.Offset, f.Statement, f.Err)
		}
		c.last = health{
			IsHealthy: kafkaOK && len(failed) == 0,
			Details: map[string]healthDetails{
				"metastore":     {IsHealthy: true},
				"kafka":         {IsHealthy: kafkaOK},
				"commandRunner": {IsHealthy: len(failed) == 0},
			},
		}
		c.at = time.Now()
	}
	h := c.last
	h.ServerState = "READY"
	if s.state.Load() == stateTerminating {
		h.ServerState = "TERMINATING"
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]map[string]string{"commandStatuses": s.commands.all()})
}

// commandStatusBody is GET /status/{type}/{entity}/{action}: queryId is
// null, not absent, when there is none.
type commandStatusBody struct {
	Status  string  `json:"status"`
	Message string  `json:"message"`
	QueryID *string `json:"queryId"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("type") + "/" + r.PathValue("entity") + "/" + r.PathValue("action")
	st, ok := s.commands.get(id)
	if !ok {
		writeError(w, genericError(codeNotFound, "Command not found"))
		return
	}
	body := commandStatusBody{Status: st.Status, Message: st.Message}
	if st.QueryID != "" {
		body.QueryID = &st.QueryID
	}
	writeJSON(w, http.StatusOK, body)
}

// propertyName is what a ksqlDB, Streams, consumer or producer property
// name looks like.
var propertyName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// deniedProperties cannot be changed per request.
var deniedProperties = map[string]bool{
	"bootstrap.servers":              true,
	"ksql.service.id":                true,
	"ksql.streams.bootstrap.servers": true,
	"listeners":                      true,
	"ksql.internal.topic.replicas":   true,
}

// handleValidProperty is GET /is_valid_property/{property}, which the CLI
// calls before a local SET.
func (s *Server) handleValidProperty(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("property")
	lp := strings.ToLower(p)
	if err := sql.CheckPropertyName(p); err != nil {
		writeError(w, genericError(codeBadRequest, "%s", err))
		return
	}
	if !propertyName.MatchString(p) || deniedProperties[lp] || strings.HasPrefix(lp, "ksql.internal.") {
		writeError(w, genericError(codeBadRequest, "Not recognizable as a ksql, streams, consumer, or producer property, or not settable per request: '%s'", p))
		return
	}
	writeJSON(w, http.StatusOK, true)
}

func (s *Server) handleCHC(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"isOk": true})
}

func (s *Server) metadataID() map[string]any {
	return map[string]any{
		"scope": map[string]any{
			"path": []string{},
			"clusters": map[string]string{
				"kafka-cluster": s.cfg.KafkaClusterID,
				"ksql-cluster":  s.cfg.Engine.ServiceID(),
			},
		},
		"id": "",
	}
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.cfg.Version, "clusterId": s.metadataID()})
}

func (s *Server) handleMetadataID(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.metadataID())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

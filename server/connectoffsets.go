package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/eddysql/eddy/connect"
)

// Kafka Connect's offsets endpoints (KIP-875, Kafka 3.6): read a
// connector's offsets; reset or alter them once it is STOPPED. They
// write the offsets topic or the sink's consumer group directly, not
// through the command log: offsets are data, which the connector itself
// writes the same way, and STOPPED (which is logged) keeps every
// server's tasks from writing them meanwhile.

type (
	kcConnectorOffsets struct {
		Offsets []connect.ConnectorOffset `json:"offsets"`
	}
	kcMessage struct {
		Message string `json:"message"`
	}
)

// GET /connectors/{name}/offsets
func (s *Server) kcOffsets(w http.ResponseWriter, r *http.Request) {
	rt, st, ok := s.offsetsConnector(w, r)
	if !ok {
		return
	}
	offs, err := rt.Offsets(r.Context(), st.Name)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, kcConnectorOffsets{Offsets: offs})
}

// DELETE /connectors/{name}/offsets
func (s *Server) kcResetOffsets(w http.ResponseWriter, r *http.Request) {
	rt, st, ok := s.offsetsConnector(w, r)
	if !ok {
		return
	}
	if err := rt.ResetOffsets(r.Context(), st.Name); err != nil {
		kcWriteErr(w, offsetsError(st.Name, err))
		return
	}
	writeJSON(w, http.StatusOK, kcMessage{Message: "The offsets for this connector have been reset successfully"})
}

// PATCH /connectors/{name}/offsets {"offsets": [{partition, offset}]}
func (s *Server) kcAlterOffsets(w http.ResponseWriter, r *http.Request) {
	rt, st, ok := s.offsetsConnector(w, r)
	if !ok {
		return
	}
	offs, err := s.offsetsBody(r)
	if err != nil {
		kcWriteErr(w, err)
		return
	}
	if err := rt.AlterOffsets(r.Context(), st.Name, offs); err != nil {
		kcWriteErr(w, offsetsError(st.Name, err))
		return
	}
	writeJSON(w, http.StatusOK, kcMessage{Message: "The offsets for this connector have been altered successfully"})
}

// offsetsConnector finds the runtime and the connector of the path, or
// answers Kafka's 404.
func (s *Server) offsetsConnector(w http.ResponseWriter, r *http.Request) (*connect.Runtime, connect.Status, bool) {
	rt, ok := s.connectRuntime(w)
	if !ok {
		return nil, connect.Status{}, false
	}
	st, ok := s.connectorStatus(w, r, "Connector %s not found")
	return rt, st, ok
}

// offsetsBody reads a PATCH body: Kafka's ConnectorOffsets, not empty.
func (s *Server) offsetsBody(r *http.Request) ([]connect.ConnectorOffset, error) {
	body, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		Offsets []connect.ConnectorOffset `json:"offsets"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, kcErr(http.StatusBadRequest, "Cannot read the request: %v", err)
	}
	if len(req.Offsets) == 0 {
		return nil, kcErr(http.StatusBadRequest, "The offsets to be modified must not be null or empty")
	}
	return req.Offsets, nil
}

// offsetsError gives a refused offsets change Kafka's 400.
func offsetsError(name string, err error) error {
	switch {
	case errors.Is(err, connect.ErrNotStopped):
		return kcErr(http.StatusBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	case errors.Is(err, connect.ErrBadOffsets):
		return kcErr(http.StatusBadRequest, "%v", err)
	}
	return fmt.Errorf("connector %s: %w", name, err)
}

package server

import (
	"context"
	"net/http"
	"time"

	"github.com/eddysql/eddy/api"
)

// clusterStatusTimeout bounds the Kafka calls behind one /clusterStatus.
const clusterStatusTimeout = 10 * time.Second

// handleClusterStatus answers GET /clusterStatus as ksqlDB does: the
// servers of the service by host:port, their liveness and which tasks of
// each persistent query they run. Without Config.ClusterStatus (the shell's
// server) it lists only this server.
func (s *Server) handleClusterStatus(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ClusterStatus == nil {
		writeJSON(w, http.StatusOK, api.ClusterStatus{ClusterStatus: map[string]api.HostStatus{
			s.Addr().String(): {HostAlive: true, LastStatusUpdateMs: time.Now().UnixMilli(),
				ActiveStandbyPerQuery: map[string]api.ActiveStandby{},
				HostStoreLags:         api.HostStoreLags{StateStoreLags: map[string]any{}}},
		}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterStatusTimeout)
	defer cancel()
	st, err := s.cfg.ClusterStatus(ctx)
	if err != nil {
		s.cfg.Logf("clusterStatus: %v", err)
		writeError(w, genericError(codeServerError, "cluster status: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

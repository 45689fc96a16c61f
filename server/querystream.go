package server

import (
	"net/http"
)

// handleQueryStream is POST /query-stream: push and pull queries and
// PRINT over HTTP/1.1 (chunked) or HTTP/2, as delimited lines (default),
// one JSON array, or the legacy StreamedRow array (with protobuf rows
// for application/vnd.ksql.v1+protobuf).
func (s *Server) handleQueryStream(w http.ResponseWriter, r *http.Request) {
	ct, ok := negotiate(r, mediaDelimited, mediaJSON, mediaKSQLv1, mediaProtobuf)
	if !ok {
		notAcceptable(w)
		return
	}
	var args queryStreamArgs
	if aerr := s.readJSON(w, r, &args); aerr != nil {
		writeError(w, aerr)
		return
	}
	text, props, aerr := s.prepare(r.Context(), args.SQL, "sql", args.Properties, args.SessionVariables, nil)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	q, aerr := parseQuery(text)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if q.print != nil {
		if ct != mediaDelimited {
			writeError(w, genericError(codeNotAcceptable, "PRINT is only available with Accept: %s.", mediaDelimited))
			return
		}
		s.runPrint(w, r, q, props, ct, false)
		return
	}
	var enc encoder
	switch ct {
	case mediaJSON:
		enc = jsonEncoder{}
	case mediaKSQLv1:
		enc = v1Encoder{tablePull: s.isTablePull(q.sel)}
	case mediaProtobuf:
		enc = &protobufEncoder{v1: v1Encoder{tablePull: s.isTablePull(q.sel)}}
	default:
		enc = delimitedEncoder{}
	}
	s.runSelect(w, r, q, props, enc, ct, ct == mediaKSQLv1 || ct == mediaProtobuf)
}

// handleCloseQuery is POST /close-query: ends a push query by the id its
// metadata carried.
func (s *Server) handleCloseQuery(w http.ResponseWriter, r *http.Request) {
	var args closeQueryArgs
	if aerr := s.readJSON(w, r, &args); aerr != nil {
		writeError(w, aerr)
		return
	}
	if args.QueryID == nil || *args.QueryID == "" {
		writeError(w, genericError(codeBadRequest, "\"queryId\" field must be populated"))
		return
	}
	if !s.push.stop(*args.QueryID) {
		writeError(w, genericError(codeBadRequest, "No query with id %s", *args.QueryID))
		return
	}
	w.WriteHeader(http.StatusOK)
}

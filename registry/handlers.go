package registry

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"

	"github.com/eddysql/eddy/serde"
)

func (h *httpAPI) subjects(w http.ResponseWriter, req *http.Request) {
	out := h.r.Subjects(boolParam(req, "deleted"))
	if out == nil {
		out = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *httpAPI) versions(w http.ResponseWriter, req *http.Request) {
	vs, err := h.r.Versions(req.PathValue("subject"), boolParam(req, "deleted"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, vs)
}

func (h *httpAPI) register(w http.ResponseWriter, req *http.Request) {
	s, err := decodeSchema(req)
	if err != nil {
		writeError(w, err)
		return
	}
	subject := req.PathValue("subject")
	id, version, err := h.r.Register(req.Context(), subject, s)
	if err != nil {
		writeError(w, err)
		return
	}
	// Confluent answers with the version registered (or found): its id,
	// version, schema and contract (older releases sent the id alone).
	sv, err := h.r.Version(subject, version, true)
	if err != nil || sv.ID != id { // deleted meanwhile: the id is still the answer
		writeJSON(w, http.StatusOK, registerJSON{ID: id})
		return
	}
	writeJSON(w, http.StatusOK, registerJSON{ID: id, Version: version, SchemaType: typeName(sv.Schema.Type),
		References: sv.Schema.References, Metadata: sv.Schema.Metadata, RuleSet: sv.Schema.RuleSet, Schema: sv.Schema.Schema})
}

func (h *httpAPI) getVersion(req *http.Request) (SubjectVersion, error) {
	v, err := versionParam(req)
	if err != nil {
		return SubjectVersion{}, err
	}
	sv, err := h.r.Version(req.PathValue("subject"), v, boolParam(req, "deleted"))
	if err != nil {
		return sv, err
	}
	sv.Schema, err = h.inFormat(req, sv.Schema)
	return sv, err
}

func (h *httpAPI) version(w http.ResponseWriter, req *http.Request) {
	sv, err := h.getVersion(req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toVersionJSON(sv))
}

// inFormat gives s as the request's format parameter asks: with
// format=serialized a PROTOBUF schema is the base64 of its compiled
// FileDescriptorProto, as Confluent's registry serves it (Confluent's
// Python deserializer asks for it, for the writer's schema and each of
// its references); any other schema, or format, is as stored.
func (h *httpAPI) inFormat(req *http.Request, s Schema) (Schema, error) {
	if req.URL.Query().Get("format") != "serialized" || s.Type != Protobuf {
		return s, nil
	}
	raw, err := serde.ProtoDescriptor(h.r.Client(), fromSchema(s))
	if err != nil {
		return s, errorf(http.StatusInternalServerError, "serialize the PROTOBUF schema: %v", err)
	}
	s.Schema = base64.StdEncoding.EncodeToString(raw)
	return s, nil
}

func writeRaw(w http.ResponseWriter, s Schema) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, s.Schema)
}

func (h *httpAPI) versionSchema(w http.ResponseWriter, req *http.Request) {
	sv, err := h.getVersion(req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeRaw(w, sv.Schema)
}

func (h *httpAPI) referencedBy(w http.ResponseWriter, req *http.Request) {
	v, err := versionParam(req)
	if err != nil {
		writeError(w, err)
		return
	}
	ids, err := h.r.ReferencedBy(req.PathValue("subject"), v)
	if err != nil {
		writeError(w, err)
		return
	}
	if ids == nil {
		ids = []int{}
	}
	writeJSON(w, http.StatusOK, ids)
}

func (h *httpAPI) deleteVersion(w http.ResponseWriter, req *http.Request) {
	v, err := versionParam(req)
	if err != nil {
		writeError(w, err)
		return
	}
	n, err := h.r.DeleteVersion(req.Context(), req.PathValue("subject"), v, boolParam(req, "permanent"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (h *httpAPI) lookup(w http.ResponseWriter, req *http.Request) {
	s, err := decodeSchema(req)
	if err != nil {
		writeError(w, err)
		return
	}
	sv, err := h.r.Lookup(req.PathValue("subject"), s, boolParam(req, "deleted"))
	if err == nil {
		sv.Schema, err = h.inFormat(req, sv.Schema)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toVersionJSON(sv))
}

// latestWithMetadata answers GET /subjects/{subject}/metadata?key=k&value=v
// (repeated, paired in order): the latest version whose metadata
// properties hold every pair, as serdes configured with
// use.latest.with.metadata ask.
func (h *httpAPI) latestWithMetadata(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	keys, values := q["key"], q["value"]
	props := make(map[string]string, len(keys))
	for i := range min(len(keys), len(values)) {
		props[keys[i]] = values[i]
	}
	sv, err := h.r.LatestWithMetadata(req.PathValue("subject"), props, boolParam(req, "deleted"))
	if err == nil {
		sv.Schema, err = h.inFormat(req, sv.Schema)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toVersionJSON(sv))
}

func (h *httpAPI) deleteSubject(w http.ResponseWriter, req *http.Request) {
	vs, err := h.r.DeleteSubject(req.Context(), req.PathValue("subject"), boolParam(req, "permanent"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, vs)
}

func (h *httpAPI) types(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, SchemaTypes())
}

func (h *httpAPI) getSchema(req *http.Request) (Schema, error) {
	id, err := idParam(req)
	if err != nil {
		return Schema{}, err
	}
	s, err := h.r.SchemaByID(req.Context(), id)
	if err != nil {
		return Schema{}, err
	}
	return h.inFormat(req, s)
}

func (h *httpAPI) schemaByID(w http.ResponseWriter, req *http.Request) {
	s, err := h.getSchema(req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, schemaJSON{SchemaType: typeName(s.Type), References: s.References,
		Metadata: s.Metadata, RuleSet: s.RuleSet, Schema: s.Schema})
}

func (h *httpAPI) rawSchemaByID(w http.ResponseWriter, req *http.Request) {
	s, err := h.getSchema(req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeRaw(w, s)
}

func (h *httpAPI) byID(req *http.Request) ([]SubjectVersion, error) {
	id, err := idParam(req)
	if err != nil {
		return nil, err
	}
	return h.r.VersionsByID(id, boolParam(req, "deleted"))
}

func (h *httpAPI) versionsByID(w http.ResponseWriter, req *http.Request) {
	svs, err := h.byID(req)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]subjectVersionJSON, len(svs))
	for i, sv := range svs {
		out[i] = subjectVersionJSON{Subject: sv.Subject, Version: sv.Version}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *httpAPI) subjectsByID(w http.ResponseWriter, req *http.Request) {
	svs, err := h.byID(req)
	if err != nil {
		writeError(w, err)
		return
	}
	out := []string{}
	for _, sv := range svs {
		if len(out) == 0 || out[len(out)-1] != sv.Subject {
			out = append(out, sv.Subject)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func decodeLevel(req *http.Request) (Level, error) {
	var body struct {
		Compatibility      string `json:"compatibility"`
		CompatibilityLevel string `json:"compatibilityLevel"`
	}
	if err := decodeBody(req, &body); err != nil {
		return "", err
	}
	if body.Compatibility == "" {
		body.Compatibility = body.CompatibilityLevel
	}
	return ParseLevel(body.Compatibility)
}

func (h *httpAPI) getGlobalConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, configJSON{h.r.GlobalCompatibility()})
}

func (h *httpAPI) putGlobalConfig(w http.ResponseWriter, req *http.Request) {
	level, err := decodeLevel(req)
	if err == nil {
		err = h.r.SetGlobalCompatibility(req.Context(), level)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, configUpdateJSON{level})
}

func (h *httpAPI) deleteGlobalConfig(w http.ResponseWriter, req *http.Request) {
	prev, err := h.r.DeleteGlobalCompatibility(req.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, configJSON{prev})
}

func (h *httpAPI) getConfig(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	level, ok := h.r.Compatibility(subject)
	if !ok {
		if !boolParam(req, "defaultToGlobal") {
			writeError(w, errorf(CodeSubjectLevelConfigMissing,
				"Subject '%s' does not have subject-level compatibility configured", subject))
			return
		}
		level = h.r.GlobalCompatibility()
	}
	writeJSON(w, http.StatusOK, configJSON{level})
}

func (h *httpAPI) putConfig(w http.ResponseWriter, req *http.Request) {
	level, err := decodeLevel(req)
	if err == nil {
		err = h.r.SetCompatibility(req.Context(), req.PathValue("subject"), level)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, configUpdateJSON{level})
}

func (h *httpAPI) deleteConfig(w http.ResponseWriter, req *http.Request) {
	prev, err := h.r.DeleteCompatibility(req.Context(), req.PathValue("subject"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, configJSON{prev})
}

func (h *httpAPI) compatibility(w http.ResponseWriter, req *http.Request) {
	version := LatestVersion
	if req.PathValue("version") != "" {
		v, err := versionParam(req)
		if err != nil {
			writeError(w, err)
			return
		}
		version = v
	}
	s, err := decodeSchema(req)
	if err != nil {
		writeError(w, err)
		return
	}
	msgs, err := h.r.CheckCompatibility(req.PathValue("subject"), version, s)
	if err != nil {
		writeError(w, err)
		return
	}
	resp := compatibilityJSON{IsCompatible: len(msgs) == 0}
	if boolParam(req, "verbose") {
		if msgs == nil {
			msgs = []string{}
		}
		resp.Messages = msgs
	}
	writeJSON(w, http.StatusOK, resp)
}

// The registry is always READWRITE; IMPORT and READONLY modes are not
// implemented.
const modeReadWrite = "READWRITE"

func (h *httpAPI) getMode(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, modeJSON{modeReadWrite})
}

func (h *httpAPI) putMode(w http.ResponseWriter, req *http.Request) {
	var body modeJSON
	if err := decodeBody(req, &body); err != nil {
		writeError(w, err)
		return
	}
	if !strings.EqualFold(body.Mode, modeReadWrite) {
		writeError(w, errorf(CodeInvalidMode, "Invalid mode %q: this registry supports only READWRITE", body.Mode))
		return
	}
	writeJSON(w, http.StatusOK, modeJSON{modeReadWrite})
}

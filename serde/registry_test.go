package serde

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/types"
)

// memRegistry is a minimal in-memory Registry for unit tests (the real
// embedded registry lives in another package).
type memRegistry struct {
	mu       sync.Mutex
	next     int
	byID     map[int]RegSchema
	subjects map[string][]int
	calls    int
}

func newMemRegistry() *memRegistry {
	return &memRegistry{next: 1, byID: map[int]RegSchema{}, subjects: map[string][]int{}}
}

func (m *memRegistry) Register(subject string, s RegSchema) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	for id, have := range m.byID {
		if have.Type == s.Type && have.Schema == s.Schema {
			for _, v := range m.subjects[subject] {
				if v == id {
					return id, nil
				}
			}
			m.subjects[subject] = append(m.subjects[subject], id)
			return id, nil
		}
	}
	id := m.next
	m.next++
	m.byID[id] = s
	m.subjects[subject] = append(m.subjects[subject], id)
	return id, nil
}

// put registers s with a chosen id, as QTT's topics[].valueSchemaId does.
func (m *memRegistry) put(subject string, id int, s RegSchema) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byID[id] = s
	if subject != "" {
		m.subjects[subject] = append(m.subjects[subject], id)
	}
	if id >= m.next {
		m.next = id + 1
	}
}

func (m *memRegistry) ByID(id int) (RegSchema, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	s, ok := m.byID[id]
	if !ok {
		return RegSchema{}, fmt.Errorf("schema id %d not found", id)
	}
	return s, nil
}

func (m *memRegistry) Latest(subject string) (int, RegSchema, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.subjects[subject]
	if len(ids) == 0 {
		return 0, RegSchema{}, fmt.Errorf("%s: %w", subject, ErrSubjectNotFound)
	}
	id := ids[len(ids)-1]
	return id, m.byID[id], nil
}

// Version numbers a subject's schemas from 1 in registration order.
func (m *memRegistry) Version(subject string, version int) (int, RegSchema, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.subjects[subject]
	if version < 1 || version > len(ids) {
		return 0, RegSchema{}, fmt.Errorf("%s has no version %d", subject, version)
	}
	id := ids[version-1]
	return id, m.byID[id], nil
}

func (m *memRegistry) callCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func TestIsSchemaRegistryFormat(t *testing.T) {
	for name, want := range map[string]bool{"AVRO": true, "json_sr": true, "PROTOBUF": true, "PROTOBUF_NOSR": false, "JSON": false, "KAFKA": false, "DEBEZIUM_AVRO": true, "DEBEZIUM_JSON": false} {
		if got := IsSchemaRegistryFormat(name); got != want {
			t.Errorf("%s: got %v", name, got)
		}
	}
}

func TestSRFormatsNeedRegistry(t *testing.T) {
	cols := []types.Column{col("A", types.IntType)}
	for _, name := range []string{Avro, JSONSR, Protobuf} {
		_, err := New(Format{Name: name}, cols, false)
		if err == nil || !strings.Contains(err.Error(), "Schema Registry") {
			t.Errorf("%s without registry: %v", name, err)
		}
	}
	if _, err := New(Format{Name: ProtobufNoSR}, cols, false); err != nil {
		t.Errorf("PROTOBUF_NOSR needs no registry: %v", err)
	}
}

func TestInferErrors(t *testing.T) {
	reg := newMemRegistry()
	env := Env{Topic: "input_topic", Registry: reg}
	_, _, err := Infer(fmtOf("KAFKA", "KEY_SCHEMA_ID", "1"), true, env)
	if err == nil || err.Error() != "KEY_FORMAT should support schema inference when KEY_SCHEMA_ID is provided. Current format is KAFKA." {
		t.Errorf("kafka key: %v", err)
	}
	_, _, err = Infer(fmtOf("PROTOBUF"), false, env)
	if err == nil || err.Error() != "Schema for message values on topic 'input_topic' does not exist in the Schema Registry." {
		t.Errorf("missing subject: %v", err)
	}
}

// srServer is a tiny httptest Schema Registry speaking the REST API that
// NewHTTPRegistry uses.
func srServer(t *testing.T, reg *memRegistry, hits *int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*hits++
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		p := r.URL.Path
		writeErr := func(code, status int, msg string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error_code":%d,"message":%q}`, code, msg)
		}
		switch {
		case r.Method == http.MethodPost && strings.HasPrefix(p, "/subjects/") && strings.HasSuffix(p, "/versions"):
			subject := strings.TrimSuffix(strings.TrimPrefix(p, "/subjects/"), "/versions")
			var req struct {
				Schema     string `json:"schema"`
				SchemaType string `json:"schemaType"`
			}
			body, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(body, &req); err != nil {
				writeErr(42201, 422, err.Error())
				return
			}
			id, _ := reg.Register(subject, RegSchema{Type: req.SchemaType, Schema: req.Schema})
			fmt.Fprintf(w, `{"id":%d}`, id)
		case r.Method == http.MethodGet && strings.HasPrefix(p, "/schemas/ids/"):
			id, _ := strconv.Atoi(strings.TrimPrefix(p, "/schemas/ids/"))
			s, err := reg.ByID(id)
			if err != nil {
				writeErr(40403, 404, "Schema not found")
				return
			}
			out, _ := json.Marshal(map[string]any{"schema": s.Schema, "schemaType": s.Type})
			w.Write(out)
		case r.Method == http.MethodGet && strings.HasSuffix(p, "/versions/latest"):
			subject := strings.TrimSuffix(strings.TrimPrefix(p, "/subjects/"), "/versions/latest")
			id, s, err := reg.Latest(subject)
			if err != nil {
				writeErr(40401, 404, "Subject not found.")
				return
			}
			out, _ := json.Marshal(map[string]any{"subject": subject, "version": 1, "id": id, "schema": s.Schema, "schemaType": s.Type})
			w.Write(out)
		default:
			writeErr(404, 404, "no route "+p)
		}
	}))
}

func TestHTTPRegistry(t *testing.T) {
	backing := newMemRegistry()
	hits := 0
	srv := srServer(t, backing, &hits)
	defer srv.Close()
	reg := NewHTTPRegistry(srv.URL)

	if _, _, err := reg.Latest("nope-value"); !errors.Is(err, ErrSubjectNotFound) {
		t.Fatalf("Latest of a missing subject: %v", err)
	}
	cols := []types.Column{col("A", types.IntType), col("B", types.StringType)}
	env := Env{Topic: "t", Registry: reg}
	s, err := NewFor(Format{Name: Avro}, cols, false, env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Encode([]any{int32(1), "x"})
	if err != nil {
		t.Fatal(err)
	}
	// A second serde for the same schema reuses the registration.
	s2, err := NewFor(Format{Name: Avro}, cols, false, env)
	if err != nil {
		t.Fatal(err)
	}
	before := hits
	dst := make([]any, 2)
	for range 100 {
		if err := s2.Decode(out, dst); err != nil {
			t.Fatal(err)
		}
	}
	if hits != before {
		t.Errorf("decoding made %d HTTP calls; the schema should be cached", hits-before)
	}
	if dst[0] != int32(1) || dst[1] != "x" {
		t.Errorf("got %v", dst)
	}
	got, _, err := Infer(Format{Name: Avro}, false, env)
	if err != nil || len(got) != 2 || got[0].Name != "A" || !got[1].Type.Equal(types.StringType) {
		t.Errorf("Infer over HTTP: %v %v", got, err)
	}
	if _, err := reg.ByID(999); err == nil {
		t.Error("ByID of an unknown id should fail")
	}
}

func TestAKind(t *testing.T) {
	for in, want := range map[string]string{"": "an AVRO", "AVRO": "an AVRO", "PROTOBUF": "a PROTOBUF", "json": "a JSON"} {
		if got := aKind(in); got != want {
			t.Errorf("aKind(%q) = %q, want %q", in, got, want)
		}
	}
}

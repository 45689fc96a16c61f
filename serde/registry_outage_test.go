package serde

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddysql/eddy/types"
)

// outageRegistry fails ByID with a 5xx-like error while down is set, as an
// external Schema Registry does during an outage.
type outageRegistry struct {
	*memRegistry
	down atomic.Bool
}

func (r *outageRegistry) ByID(id int) (RegSchema, error) {
	if r.down.Load() {
		return RegSchema{}, Unavailable(errors.New(`{"error_code":50302,"message":"outage"}`))
	}
	return r.memRegistry.ByID(id)
}

// A producer evolves its schema while the registry is briefly unreachable:
// the first records of the new schema id fail, and once the registry
// answers again the following ones are read. Before, the failed lookup was
// kept for good and every later record of that schema went to the
// processing log until a restart.
func TestRegistryOutageIsNotRemembered(t *testing.T) {
	cols := []types.Column{col("ID", types.BigintType), col("NAME", types.StringType)}
	row := []any{int64(7), "x"}
	for _, f := range []string{Avro, Protobuf} {
		t.Run(f, func(t *testing.T) {
			reg := &outageRegistry{memRegistry: newMemRegistry()}
			env := Env{Topic: "t", Registry: reg}
			// The foreign producer's schema, registered under the subject.
			out, err := mustNewFor(t, Format{Name: f}, cols, false, env).Encode(row)
			if err != nil {
				t.Fatal(err)
			}
			reader := mustNewFor(t, Format{Name: f}, cols, false, env)
			dst := make([]any, len(cols))
			reg.down.Store(true)
			if err := reader.Decode(out, dst); err == nil || !strings.Contains(err.Error(), "outage") {
				t.Fatalf("decode during the outage: %v, want the registry's error", err)
			}
			reg.down.Store(false)
			// The failed lookup is asked again once retryUnavailable
			// has passed (kept for good before).
			deadline := time.Now().Add(10 * retryUnavailable)
			for err := reader.Decode(out, dst); err != nil; err = reader.Decode(out, dst) {
				if time.Now().After(deadline) {
					t.Fatalf("decode after the outage: %v", err)
				}
				time.Sleep(retryUnavailable / 10)
			}
			if fmt.Sprint(dst) != fmt.Sprint(row) {
				t.Errorf("read %v, want %v", dst, row)
			}
		})
	}
}

// A schema id the registry does not have stays unknown: it is asked once,
// not for every record.
func TestRegistryNotFoundIsRemembered(t *testing.T) {
	reg := &notFoundRegistry{memRegistry: newMemRegistry()}
	env := Env{Topic: "t", Registry: reg}
	cols := []types.Column{col("ID", types.BigintType)}
	s := mustNewFor(t, Format{Name: Avro}, cols, false, env)
	before := reg.callCount()
	dst := make([]any, 1)
	for range 5 {
		if err := s.Decode([]byte{0, 0, 0, 0x30, 0x39, 2}, dst); err == nil {
			t.Fatal("decode of an unknown schema id: no error")
		}
	}
	if n := reg.callCount() - before; n != 1 {
		t.Errorf("%d registry calls for 5 records of an unknown schema id, want 1", n)
	}
}

type notFoundRegistry struct{ *memRegistry }

// The external registry's client marks a registry that does not answer
// (refused, a 5xx with or without Confluent's JSON body) as unavailable,
// and leaves its answers (not found, unauthorized) as they are.
func TestHTTPRegistryUnavailable(t *testing.T) {
	var status atomic.Int32
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, body.Load().(string))
	}))
	defer srv.Close()
	reg := NewHTTPRegistry(srv.URL)
	for _, tt := range []struct {
		status int
		body   string
		want   bool
	}{
		{503, `{"error_code":50302,"message":"outage"}`, true},
		{500, `{"error_code":50001,"message":"Error while storing"}`, true},
		{502, `<html>Bad Gateway</html>`, true},
		{404, `{"error_code":40403,"message":"Schema not found"}`, false},
		{401, `{"error_code":401,"message":"Unauthorized"}`, false},
	} {
		status.Store(int32(tt.status))
		body.Store(tt.body)
		_, err := reg.ByID(99)
		if err == nil || IsUnavailable(err) != tt.want {
			t.Errorf("%d %s: %v, unavailable %v, want %v", tt.status, tt.body, err, IsUnavailable(err), tt.want)
		}
		_, _, err = reg.Latest("s-value")
		if err == nil || IsUnavailable(err) != tt.want && tt.status != 404 {
			t.Errorf("latest, %d %s: %v, unavailable %v, want %v", tt.status, tt.body, err, IsUnavailable(err), tt.want)
		}
	}
	srv.Close()
	if _, err := reg.ByID(98); !IsUnavailable(err) {
		t.Errorf("registry gone: %v, want unavailable", err)
	}
}

func (r *notFoundRegistry) ByID(id int) (RegSchema, error) {
	s, err := r.memRegistry.ByID(id)
	if err != nil {
		return s, NotFound(err, ErrSchemaNotFound)
	}
	return s, nil
}

package serde

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

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
		return RegSchema{}, errors.New(`{"error_code":50302,"message":"outage"}`)
	}
	return r.memRegistry.ByID(id)
}

// A producer evolves its schema while the registry is briefly unreachable:
// the first records of the new schema id fail, and once the registry
// answers again the following ones are read. Before, the failed lookup was
// kept for good and every later record of that schema went to the
// processing log until a restart.
func TestRegistryOutageIsNotRemembered(t *testing.T) {
	saved := retryUnavailable
	retryUnavailable = 0
	t.Cleanup(func() { retryUnavailable = saved })
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
			if err := reader.Decode(out, dst); err != nil {
				t.Fatalf("decode after the outage: %v", err)
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

func (r *notFoundRegistry) ByID(id int) (RegSchema, error) {
	s, err := r.memRegistry.ByID(id)
	if err != nil {
		return s, NotFound(err, ErrSchemaNotFound)
	}
	return s, nil
}

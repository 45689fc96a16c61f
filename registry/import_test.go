package registry

import (
	"context"
	"testing"
)

func TestRegisterWithID(t *testing.T) {
	ctx := context.Background()
	r, _ := startRegistry(t, newMem(t))

	v, err := r.RegisterWithID(ctx, "orders-value", Schema{Schema: userV1}, 100)
	if err != nil || v != 1 {
		t.Fatalf("RegisterWithID = %d, %v", v, err)
	}
	got, err := r.SchemaByID(ctx, 100)
	if err != nil || got.Schema != userV1 {
		t.Fatalf("SchemaByID(100) = %+v, %v", got, err)
	}
	latest, err := r.Latest("orders-value")
	if err != nil || latest.ID != 100 || latest.Version != 1 {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}

	// Again: the same version.
	if v, err := r.RegisterWithID(ctx, "orders-value", Schema{Schema: userV1}, 100); err != nil || v != 1 {
		t.Fatalf("re-register = %d, %v", v, err)
	}
	// The same schema under another subject with the same id.
	if v, err := r.RegisterWithID(ctx, "other-value", Schema{Schema: userV1}, 100); err != nil || v != 1 {
		t.Fatalf("other subject = %d, %v", v, err)
	}
	// A plain registration of the same text reuses the id.
	if id, _, err := r.Register(ctx, "third-value", Schema{Schema: userV1}); err != nil || id != 100 {
		t.Fatalf("Register same text = %d, %v", id, err)
	}
	// New schemas get ids above the imported one.
	if id, _, err := r.Register(ctx, "fourth-value", Schema{Schema: `"int"`}); err != nil || id != 101 {
		t.Fatalf("Register new = %d, %v", id, err)
	}

	// An id taken by another schema is refused.
	if _, err := r.RegisterWithID(ctx, "x-value", Schema{Schema: `"string"`}, 100); ErrorCode(err) != CodeOperationNotPermitted {
		t.Fatalf("taken id: err = %v", err)
	}
	// A second id for a schema already under the subject is refused.
	if _, err := r.RegisterWithID(ctx, "orders-value", Schema{Schema: userV1}, 7); ErrorCode(err) != CodeOperationNotPermitted {
		t.Fatalf("second id: err = %v", err)
	}
	// Bad ids and bad schemas.
	if _, err := r.RegisterWithID(ctx, "x-value", Schema{Schema: `"string"`}, 0); ErrorCode(err) != CodeInvalidSchema {
		t.Fatalf("id 0: err = %v", err)
	}
	if _, err := r.RegisterWithID(ctx, "x-value", Schema{Schema: `{"type":"nope"}`}, 5); ErrorCode(err) != CodeInvalidSchema {
		t.Fatalf("bad schema: err = %v", err)
	}
	// Compatibility is not checked on import.
	if v, err := r.RegisterWithID(ctx, "orders-value", Schema{Schema: userBad}, 200); err != nil || v != 2 {
		t.Fatalf("incompatible import = %d, %v", v, err)
	}
	// A lower free id is fine too.
	if v, err := r.RegisterWithID(ctx, "low-value", Schema{Schema: `"long"`}, 3); err != nil || v != 1 {
		t.Fatalf("low id = %d, %v", v, err)
	}
	if s, err := r.SchemaByID(ctx, 3); err != nil || s.Schema != `"long"` {
		t.Fatalf("SchemaByID(3) = %+v, %v", s, err)
	}
}

func TestRegisterWithIDReferences(t *testing.T) {
	ctx := context.Background()
	r, _ := startRegistry(t, newMem(t))
	event := `syntax = "proto3"; message Event { int64 ts = 1; }`
	main := `syntax = "proto3"; import "event.proto"; message Logistics { Event event = 1; }`
	ref := []Reference{{Name: "event.proto", Subject: "event.proto", Version: 1}}
	if _, err := r.RegisterWithID(ctx, "input-value", Schema{Type: Protobuf, Schema: main, References: ref}, 1); err == nil {
		t.Fatal("unresolved reference accepted")
	}
	if _, err := r.RegisterWithID(ctx, "event.proto", Schema{Type: Protobuf, Schema: event}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RegisterWithID(ctx, "input-value", Schema{Type: Protobuf, Schema: main, References: ref}, 1); err != nil {
		t.Fatal(err)
	}
	s, err := r.SchemaByID(ctx, 1)
	if err != nil || len(s.References) != 1 || s.Type != Protobuf {
		t.Fatalf("SchemaByID(1) = %+v, %v", s, err)
	}
}

package registry

import (
	"errors"
	"testing"

	"github.com/riferrei/srclient"
)

// TestSRClient drives the registry with a third-party Confluent client.
func TestSRClient(t *testing.T) {
	_, base := startRegistry(t, newMem(t))
	c := srclient.NewSchemaRegistryClient(base)
	c.CachingEnabled(false)

	created, err := c.CreateSchema("orders-value", userV1, srclient.Avro)
	if err != nil {
		t.Fatalf("CreateSchema: %v", err)
	}
	if created.ID() != 1 || created.Schema() != userV1 {
		t.Fatalf("created = id %d %s", created.ID(), created.Schema())
	}
	byID, err := c.GetSchema(created.ID())
	if err != nil || byID.Schema() != userV1 {
		t.Fatalf("GetSchema = %v, %v", byID, err)
	}
	if byID.Codec() == nil {
		t.Fatal("goavro cannot build a codec from the stored schema")
	}
	v2, err := c.CreateSchema("orders-value", userV2, srclient.Avro)
	if err != nil {
		t.Fatalf("CreateSchema v2: %v", err)
	}
	latest, err := c.GetLatestSchema("orders-value")
	if err != nil || latest.ID() != v2.ID() || latest.Version() != 2 {
		t.Fatalf("GetLatestSchema = %+v, %v", latest, err)
	}
	found, err := c.LookupSchema("orders-value", userV1, srclient.Avro)
	if err != nil || found.Version() != 1 || found.ID() != 1 {
		t.Fatalf("LookupSchema = %+v, %v", found, err)
	}
	versions, err := c.GetSchemaVersions("orders-value")
	if err != nil || len(versions) != 2 {
		t.Fatalf("GetSchemaVersions = %v, %v", versions, err)
	}

	// BACKWARD rejects a new field without default with a 409.
	ok, err := c.IsSchemaCompatible("orders-value", userBad, "latest", srclient.Avro)
	if err != nil || ok {
		t.Fatalf("IsSchemaCompatible(userBad) = %v, %v", ok, err)
	}
	_, err = c.CreateSchema("orders-value", userBad, srclient.Avro)
	var srErr srclient.Error
	if !errors.As(err, &srErr) || srErr.Code != CodeIncompatible {
		t.Fatalf("CreateSchema(userBad) error = %v, want error_code 409", err)
	}

	// Config changes.
	level, err := c.GetGlobalCompatibilityLevel()
	if err != nil || *level != srclient.Backward {
		t.Fatalf("GetGlobalCompatibilityLevel = %v, %v", level, err)
	}
	if _, err := c.ChangeSubjectCompatibilityLevel("orders-value", srclient.None); err != nil {
		t.Fatalf("ChangeSubjectCompatibilityLevel: %v", err)
	}
	level, err = c.GetCompatibilityLevel("orders-value", true)
	if err != nil || *level != srclient.None {
		t.Fatalf("GetCompatibilityLevel = %v, %v", level, err)
	}
	if _, err := c.CreateSchema("orders-value", userBad, srclient.Avro); err != nil {
		t.Fatalf("CreateSchema(userBad) under NONE: %v", err)
	}

	// JSON and Protobuf with references.
	if _, err := c.CreateSchema("common", `{"type":"object","properties":{"x":{"type":"string"}}}`, srclient.Json); err != nil {
		t.Fatalf("CreateSchema JSON: %v", err)
	}
	dep, err := c.CreateSchema("dep.proto", "syntax = \"proto3\";\npackage ex;\nmessage Dep { string a = 1; }", srclient.Protobuf)
	if err != nil {
		t.Fatalf("CreateSchema proto: %v", err)
	}
	main, err := c.CreateSchema("main-value", "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage Main { ex.Dep d = 1; }",
		srclient.Protobuf, srclient.Reference{Name: "dep.proto", Subject: "dep.proto", Version: 1})
	if err != nil {
		t.Fatalf("CreateSchema proto with reference: %v", err)
	}
	if refs := main.References(); len(refs) != 1 || refs[0].Subject != "dep.proto" || main.ID() == dep.ID() {
		t.Fatalf("references = %+v", refs)
	}
	if st := main.SchemaType(); st == nil || *st != srclient.Protobuf {
		t.Fatalf("schema type = %v", st)
	}

	// Soft, then hard delete.
	if err := c.DeleteSubjectByVersion("orders-value", 1, false); err != nil {
		t.Fatalf("DeleteSubjectByVersion: %v", err)
	}
	if err := c.DeleteSubject("orders-value", true); err != nil {
		t.Fatalf("DeleteSubject permanent: %v", err)
	}
	subjects, err := c.GetSubjectsIncludingDeleted()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subjects {
		if s == "orders-value" {
			t.Fatalf("subject still listed after hard delete: %v", subjects)
		}
	}
	if _, err := c.GetLatestSchema("orders-value"); !errors.As(err, &srErr) || srErr.Code != CodeSubjectNotFound {
		t.Fatalf("GetLatestSchema after delete: %v", err)
	}
}

package registry

import (
	"encoding/json"
	"fmt"
)

// The schemas topic holds one record per fact, keyed so that compaction
// keeps the latest of each (the layout follows Confluent's _schemas
// topic):
//
//	key {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
//	    value: the version record (schemaRecord); null hard-deletes it
//	key {"keytype":"CONFIG","subject":"s"|null,"magic":0}
//	    value {"compatibilityLevel":"FULL"}; null removes the setting
//	key {"keytype":"NOOP","magic":0}
//	    value null; written to learn that the reader has caught up
//
// Records of other key types are ignored.
const (
	keySchema = "SCHEMA"
	keyConfig = "CONFIG"
	keyNoop   = "NOOP"
)

// recordKey is the decoded key of any record.
type recordKey struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Version int     `json:"version"`
}

type schemaKeyJSON struct {
	KeyType string `json:"keytype"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
	Magic   int    `json:"magic"`
}

type configKeyJSON struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Magic   int     `json:"magic"`
}

type noopKeyJSON struct {
	KeyType string `json:"keytype"`
	Magic   int    `json:"magic"`
}

// schemaRecord is the value of a SCHEMA record.
type schemaRecord struct {
	Subject    string      `json:"subject"`
	Version    int         `json:"version"`
	ID         int         `json:"id"`
	SchemaType string      `json:"schemaType,omitempty"` // omitted for AVRO
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
	// Metadata and RuleSet are the data contract, when any (as in
	// Confluent's SchemaValue).
	Metadata json.RawMessage `json:"metadata,omitempty"`
	RuleSet  json.RawMessage `json:"ruleSet,omitempty"`
	Deleted  bool            `json:"deleted"`
}

type configRecord struct {
	CompatibilityLevel Level `json:"compatibilityLevel"`
}

func schemaKey(subject string, version int) []byte {
	return mustJSON(schemaKeyJSON{KeyType: keySchema, Subject: subject, Version: version, Magic: 1})
}

// configKey is the key of a subject's config, or of the global one when
// subject is nil.
func configKey(subject *string) []byte {
	return mustJSON(configKeyJSON{KeyType: keyConfig, Subject: subject})
}

func noopKey() []byte { return mustJSON(noopKeyJSON{KeyType: keyNoop}) }

func encodeVersion(sv *SubjectVersion) []byte {
	rec := schemaRecord{
		Subject:    sv.Subject,
		Version:    sv.Version,
		ID:         sv.ID,
		References: sv.Schema.References,
		Schema:     sv.Schema.Schema,
		Metadata:   sv.Schema.Metadata,
		RuleSet:    sv.Schema.RuleSet,
		Deleted:    sv.Deleted,
	}
	if sv.Schema.Type != Avro {
		rec.SchemaType = string(sv.Schema.Type)
	}
	return mustJSON(rec)
}

func decodeVersion(b []byte) (*SubjectVersion, error) {
	var rec schemaRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	t, err := parseSchemaType(rec.SchemaType)
	if err != nil {
		return nil, err
	}
	if rec.Subject == "" || rec.Version < 1 || rec.ID < 1 {
		return nil, fmt.Errorf("incomplete schema record (subject %q, version %d, id %d)", rec.Subject, rec.Version, rec.ID)
	}
	// Another registry's record may hold null, or keys in another order.
	if rec.Metadata, err = canonicalObject(rec.Metadata); err != nil {
		return nil, fmt.Errorf("schema record metadata: %w", err)
	}
	if rec.RuleSet, err = canonicalObject(rec.RuleSet); err != nil {
		return nil, fmt.Errorf("schema record ruleSet: %w", err)
	}
	return &SubjectVersion{
		Subject: rec.Subject,
		Version: rec.Version,
		ID:      rec.ID,
		Schema:  Schema{Type: t, Schema: rec.Schema, References: rec.References, Metadata: rec.Metadata, RuleSet: rec.RuleSet},
		Deleted: rec.Deleted,
	}, nil
}

// mustJSON marshals values whose encoding cannot fail (plain structs of
// strings and numbers).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("registry: encode %T: %v", v, err))
	}
	return b
}

// Package registry is eddy's embedded Schema Registry: an HTTP service
// speaking Confluent Schema Registry's REST API (paths, JSON bodies,
// error codes), so that any Confluent client or serializer can use it,
// plus Go methods for in-process use by the engine.
//
// # Storage
//
// The registry's only state is a compacted, single-partition Kafka topic
// (_schemas by default), in a layout that follows Confluent's: one
// record per subject version (key {"keytype":"SCHEMA","subject":…,
// "version":…}, value the version with its id, schema, type, references,
// metadata and rule set, and soft-delete flag; a null value hard-deletes
// it) and one per
// compatibility setting (keytype CONFIG). A Registry reads the topic from
// the beginning with a NoCommit subscription and applies every record in
// order, so a restarted registry, or a second one on the same topic, ends
// up with the same ids, versions and settings.
//
// A write goes to the topic first; the registry answers only after it
// has read its own record back and applied it. Before deciding a new id
// or version it writes a NOOP record and waits to read it, so it has
// applied everything written before (Sync).
//
// Ids are one more than the largest id ever applied; a schema already
// registered under any subject (same type, text, references, metadata
// and rule set) keeps its id. Versions are one more than the subject's largest stored
// version, soft-deleted ones included.
//
// Single writer: one Registry serializes its own writes, but two
// registries writing at the same moment could both pick the same id or
// version. The loser notices when its version reads back as another
// schema and fails with a store error (50001) rather than answering with
// a wrong id, but the other registry's record still wins in the topic;
// inconsistent records found while replaying are logged. Run one writing
// registry per topic (any number may read and serve lookups; SchemaByID
// Syncs once on a miss to see the other servers' recent writes).
//
// # Compatibility
//
// Levels NONE, BACKWARD (the default), FORWARD, FULL and their
// _TRANSITIVE forms are enforced on registration against the subject's
// latest (or, transitive, every) version that is not soft-deleted.
// BACKWARD means the new schema, as reader, reads data written with the
// old one; FORWARD the reverse; FULL both. Avro follows Avro's schema
// resolution rules (see checkAvro). JSON Schema and Protobuf use simpler
// documented rule sets (checkJSONSchema, checkProto). A schema of
// another type than the previous version is incompatible.
//
// # Data contracts
//
// A version's metadata and rule set are stored and returned as given
// (keys sorted); the registry runs no rules, the clients do. Registered
// or looked up without them, a schema takes the subject's latest
// version's, as in Confluent's registry; GET /subjects/{s}/metadata
// finds the latest version whose metadata properties match.
//
// Not implemented: modes other than READWRITE (IMPORT, READONLY),
// contexts, schema normalization (?normalize=true is ignored: texts are
// compared after removing insignificant JSON whitespace only, so
// "string" and {"type":"string"}, or reordered members, get different
// ids), the config's default and override metadata and rule sets,
// confluent:version, and following, for compatibility, Protobuf imports
// (JSON Schema $refs are followed, local ones and those into the
// versions a schema's references pin).
package registry

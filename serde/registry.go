package serde

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/riferrei/srclient"

	"github.com/eddysql/eddy/types"
)

// Registry is the schema access the Schema-Registry formats need.
type Registry interface {
	// Register adds s under subject and returns its id; registering the
	// same schema again returns the same id.
	Register(subject string, s RegSchema) (id int, err error)
	// ByID returns the schema with this id.
	ByID(id int) (RegSchema, error)
	// Latest returns the newest schema of subject; the error wraps
	// ErrSubjectNotFound when the subject has none.
	Latest(subject string) (id int, s RegSchema, err error)
	// Version returns one version of subject (a reference pins the
	// version it was registered against).
	Version(subject string, version int) (id int, s RegSchema, err error)
}

// RegSchema is a registered schema: its type (AVRO, PROTOBUF or JSON), its
// text, and the schemas it imports.
type RegSchema struct {
	Type       string
	Schema     string
	References []RegReference
}

// RegReference names a schema imported by another (a PROTOBUF import path
// or an Avro named type) by subject and version.
type RegReference struct {
	Name    string
	Subject string
	Version int
}

// referenced returns the schema a reference names. A reference pins the
// version it was registered against: a later version of the subject may
// no longer declare what the referring schema uses. A version of -1 (or
// none) means the latest.
func referenced(reg Registry, ref RegReference) (RegSchema, error) {
	if reg == nil {
		return RegSchema{}, fmt.Errorf("reference %s needs a Schema Registry", ref.Name)
	}
	var s RegSchema
	var err error
	if ref.Version > 0 {
		_, s, err = reg.Version(ref.Subject, ref.Version)
	} else {
		_, s, err = reg.Latest(ref.Subject)
	}
	if err != nil {
		return RegSchema{}, fmt.Errorf("reference %s (subject %s): %w", ref.Name, ref.Subject, err)
	}
	return s, nil
}

// ErrSubjectNotFound is wrapped by Registry.Latest when a subject has no
// schema.
var ErrSubjectNotFound = errors.New("subject not found")

// ErrSchemaNotFound is matched (errors.Is) by the error of Registry.ByID
// and SubjectLister.SubjectsByID when no schema has the id, so callers
// can tell "absent" from "registry unreachable".
var ErrSchemaNotFound = errors.New("schema not found")

// SubjectLister is implemented by registries that can say which subjects
// use a schema id (the registry's /schemas/ids/{id}/versions).
type SubjectLister interface {
	SubjectsByID(id int) ([]string, error)
}

// SubjectDeleter is implemented by registries that can delete a subject
// (soft: its versions stay readable by id), as DROP … DELETE TOPIC does
// to the subjects of the topic it deletes. A subject that does not exist
// is not an error.
type SubjectDeleter interface {
	DeleteSubject(subject string) error
}

// NotFound marks err as matching sentinel (ErrSchemaNotFound or
// ErrSubjectNotFound) while keeping its message, which callers already
// show as it is.
func NotFound(err, sentinel error) error { return notFound{err, sentinel} }

type notFound struct{ err, sentinel error }

func (e notFound) Error() string   { return e.err.Error() }
func (e notFound) Unwrap() []error { return []error{e.err, e.sentinel} }

// Schema types as the Schema Registry names them.
const (
	SchemaAvro     = "AVRO"
	SchemaProtobuf = "PROTOBUF"
	SchemaJSON     = "JSON"
)

// Env gives the Schema-Registry formats their context: the topic (subjects
// are <topic>-key and <topic>-value) and the registry.
type Env struct {
	Topic    string
	Registry Registry
	// ReadOnly marks a serde built to read a source: the schema generated
	// from its columns is registered only if it ever writes, so reading a
	// topic never adds versions to its subject.
	ReadOnly bool
	// PinnedKeyID and PinnedValueID, when set, are the schemas an earlier
	// inference for the same statement found under the subjects' latest
	// version: Infer reads them instead of the latest, with the same
	// rules, so a statement replayed after its topic's schema evolved
	// gets the columns it had.
	PinnedKeyID, PinnedValueID int
	// LegacyMicros infers Avro's timestamp-micros and time-micros as
	// TIMESTAMP and TIME, as builds did before a CREATE stored the columns
	// it inferred: set when replaying such a CREATE, so that its source
	// keeps the columns it had. Otherwise they are BIGINT, as in ksqlDB.
	LegacyMicros bool
}

func (e Env) pinned(isKey bool) int {
	if isKey {
		return e.PinnedKeyID
	}
	return e.PinnedValueID
}

// Format properties read by the Schema-Registry formats. The side-specific
// names (KEY_… / VALUE_…) are accepted too, as in the WITH clause.
const (
	PropSchemaID       = "SCHEMA_ID"                        // KEY_SCHEMA_ID / VALUE_SCHEMA_ID
	PropSchemaFullName = "SCHEMA_FULL_NAME"                 // KEY_SCHEMA_FULL_NAME / VALUE_SCHEMA_FULL_NAME
	PropAvroFullName   = "VALUE_AVRO_SCHEMA_FULL_NAME"      // legacy alias for values
	PropPbNullable     = "PROTOBUF_NULLABLE_REPRESENTATION" // OPTIONAL / WRAPPER
	// PropInferredSchemaID (KEY_… / VALUE_…) is set by the planner, never
	// by a user: the id of the registered schema a source's columns were
	// inferred from. Writes to the source use that schema, as a producer
	// registered it, instead of registering one generated from the
	// columns; names match ignoring case, since inference upper-cases them.
	PropInferredSchemaID = "INFERRED_SCHEMA_ID"
)

// IsSchemaRegistryFormat reports whether a format keeps its schemas in the
// Schema Registry (AVRO, JSON_SR, PROTOBUF, DEBEZIUM_AVRO).
func IsSchemaRegistryFormat(name string) bool {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case Avro, JSONSR, Protobuf, DebeziumAvro:
		return true
	}
	return false
}

// Subject returns the Schema Registry subject of one side of a topic.
func Subject(topic string, isKey bool) string {
	if isKey {
		return topic + "-key"
	}
	return topic + "-value"
}

// sideProp looks up a property by its generic name, then by its KEY_/VALUE_
// variant for this side.
func sideProp(f Format, name string, isKey bool) (string, bool) {
	side := "VALUE_"
	if isKey {
		side = "KEY_"
	}
	if v, ok := prop(f, side+name); ok {
		return v, true
	}
	if !isKey && name == PropSchemaFullName {
		if v, ok := prop(f, PropAvroFullName); ok {
			return v, true
		}
	}
	return prop(f, name)
}

// HasSchemaID reports whether a side names its schema by KEY_SCHEMA_ID or
// VALUE_SCHEMA_ID.
func HasSchemaID(f Format, isKey bool) bool {
	_, ok := sideProp(f, PropSchemaID, isKey)
	return ok
}

// schemaIDOf returns the fixed schema id of a side, if one is configured.
func schemaIDOf(f Format, isKey bool) (int, bool, error) {
	v, ok := sideProp(f, PropSchemaID, isKey)
	if !ok {
		return 0, false, nil
	}
	id, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || id < 0 {
		return 0, false, fmt.Errorf("invalid schema id '%s': expected a non-negative integer", v)
	}
	return id, true, nil
}

// writerSchemaID returns the id of the schema a side writes with when
// it is not generated from the columns: SCHEMA_ID if given (fixed), else
// the schema the columns were inferred from (inferred).
func writerSchemaID(f Format, isKey bool) (id int, fixed, inferred bool, err error) {
	if id, fixed, err = schemaIDOf(f, isKey); err != nil || fixed {
		return id, fixed, false, err
	}
	v, ok := sideProp(f, PropInferredSchemaID, isKey)
	if !ok {
		return 0, false, false, nil
	}
	if id, err = strconv.Atoi(v); err != nil {
		return 0, false, false, fmt.Errorf("invalid inferred schema id %q", v)
	}
	return id, true, true, nil
}

// fullNameOf returns the configured schema full name of a side.
func fullNameOf(f Format, isKey bool) (string, bool, error) {
	v, ok := sideProp(f, PropSchemaFullName, isKey)
	if !ok {
		return "", false, nil
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false, errors.New("fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}")
	}
	return v, true, nil
}

// hasSRProps reports whether f carries Schema-Registry-only properties,
// which the other formats reject.
func hasSRProps(f Format) bool {
	for k := range f.Props {
		u := strings.ToUpper(k)
		if strings.HasSuffix(u, PropSchemaFullName) {
			return true
		}
	}
	return false
}

// NewFor builds the Serde for one side of a record with its context; the
// Schema-Registry formats need env.Registry (and env.Topic for the
// subject). For the other formats it is New.
func NewFor(f Format, cols []types.Column, isKey bool, env Env) (Serde, error) {
	name := strings.ToUpper(strings.TrimSpace(f.Name))
	switch name {
	case Avro, JSONSR, Protobuf, DebeziumAvro:
	case ProtobufNoSR:
		if err := Check(f, cols, isKey); err != nil {
			return nil, err
		}
		return newProtobufSerde(f, append([]types.Column(nil), cols...), isKey, nil)
	default:
		return New(f, cols, isKey)
	}
	if err := Check(f, cols, isKey); err != nil {
		return nil, err
	}
	if env.Registry == nil {
		return nil, fmt.Errorf("the '%s' format needs a Schema Registry, and none is configured", name)
	}
	cols = append([]types.Column(nil), cols...)
	sr := &srContext{env: env, isKey: isKey, subject: Subject(env.Topic, isKey)}
	switch name {
	case Avro:
		return newAvroSerde(f, cols, isKey, sr)
	case JSONSR:
		return newJSONSRSerde(f, cols, isKey, sr)
	case DebeziumAvro:
		return newDebeziumAvro(f, cols, isKey, sr)
	default:
		return newProtobufSerde(f, cols, isKey, sr)
	}
}

// Infer reads the columns of one side from the registry: the schema with
// KEY_SCHEMA_ID / VALUE_SCHEMA_ID if given, else the latest under
// <topic>-key / <topic>-value. Names from the latest schema are
// upper-cased, as ksqlDB does; a schema named by id keeps its names.
// It returns the schema's id too, for PropInferredSchemaID.
func Infer(f Format, isKey bool, env Env) ([]types.Column, int, error) {
	name := strings.ToUpper(strings.TrimSpace(f.Name))
	if !IsSchemaRegistryFormat(name) {
		side := "VALUE"
		if isKey {
			side = "KEY"
		}
		return nil, 0, fmt.Errorf("%s_FORMAT should support schema inference when %s_SCHEMA_ID is provided. Current format is %s.", side, side, name)
	}
	if env.Registry == nil {
		return nil, 0, fmt.Errorf("the '%s' format needs a Schema Registry to infer columns, and none is configured", name)
	}
	id, byID, err := schemaIDOf(f, isKey)
	if err != nil {
		return nil, 0, err
	}
	what := "values"
	if isKey {
		what = "keys"
	}
	var rs RegSchema
	replayed := false
	if byID {
		if rs, err = env.Registry.ByID(id); err != nil {
			return nil, 0, fmt.Errorf("schema id %d: %w", id, err)
		}
	} else if pinned := env.pinned(isKey); pinned > 0 {
		if rs, err = env.Registry.ByID(pinned); err != nil {
			return nil, 0, fmt.Errorf("schema id %d, which the columns of %s were inferred from: %w", pinned, what, err)
		}
		id, replayed = pinned, true
	} else {
		id, rs, err = env.Registry.Latest(Subject(env.Topic, isKey))
		if errors.Is(err, ErrSubjectNotFound) {
			return nil, 0, fmt.Errorf("Schema for message %s on topic '%s' does not exist in the Schema Registry.", what, env.Topic)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading the latest schema of %s: %w", Subject(env.Topic, isKey), err)
		}
	}
	if want := regTypeOf(name); !strings.EqualFold(orAvro(rs.Type), want) {
		return nil, 0, fmt.Errorf("the schema of %s on topic '%s' is of type %s, not %s", what, env.Topic, orAvro(rs.Type), want)
	}
	wrap, _, err := wrapSetting(f)
	if err != nil {
		return nil, 0, err
	}
	// Keys are unwrapped for AVRO and JSON_SR, always wrapped for PROTOBUF.
	unwrapped := (isKey && name != Protobuf) || (!isKey && !wrap && name != Protobuf)
	var cols []types.Column
	rules := avroRules{microsAsTimestamp: env.LegacyMicros}
	switch name {
	case Avro:
		var sch avro.Schema
		if sch, err = parseAvroSchema(env.Registry, rs); err == nil {
			cols, err = avroColumnsBy(rules, sch, unwrapped, isKey)
		}
	case DebeziumAvro:
		if !isKey {
			cols, err = debeziumAvroColumns(rs.Schema, rules)
			break
		}
		var sch avro.Schema
		if sch, err = parseAvro(rs.Schema); err == nil {
			cols, err = avroColumnsBy(rules, sch, false, true)
		}
	case JSONSR:
		cols, err = jsonSchemaColumns(env.Registry, rs, unwrapped, isKey)
	default:
		fullName, _, ferr := fullNameOf(f, isKey)
		if ferr != nil {
			return nil, 0, ferr
		}
		cols, err = protobufColumns(env.Registry, rs, fullName, isKey)
		if errors.Is(err, errNoSuchMessage) {
			return nil, 0, fmt.Errorf("Schema for message %s on topic '%s' does not exist in the Schema Registry.", what, env.Topic)
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading the %s schema of topic '%s': %w", strings.ToLower(name), env.Topic, err)
	}
	if !byID {
		for i := range cols {
			cols[i].Name = strings.ToUpper(cols[i].Name)
			cols[i].Type = upperFields(cols[i].Type)
		}
		// Names that differ only in case ("id", "ID") are distinct in the
		// schema but one once upper-cased: refused, as ksqlDB does, or
		// the source would have columns no query can tell apart. A source
		// made before this check replays as it was made.
		if err := uniqueNames(cols); err != nil && !replayed {
			side := "VALUE"
			if isKey {
				side = "KEY"
			}
			return nil, 0, fmt.Errorf("reading the %s schema of topic '%s': %w (inferred names are upper-cased; with %s_SCHEMA_ID they keep the schema's case)",
				strings.ToLower(name), env.Topic, err, side)
		}
	}
	ns := types.ValueColumn
	if isKey {
		ns = types.KeyColumn
	}
	for i := range cols {
		cols[i].Namespace = ns
	}
	return cols, id, nil
}

// uniqueNames says which column names, or field names of a STRUCT at any
// depth, repeat.
func uniqueNames(cols []types.Column) error {
	if d := repeated(len(cols), func(i int) string { return cols[i].Name }); d != "" {
		return fmt.Errorf("Duplicate column names: %s", d)
	}
	for _, c := range cols {
		if err := uniqueFields(c.Type); err != nil {
			return err
		}
	}
	return nil
}

func uniqueFields(t *types.Type) error {
	switch t.Kind {
	case types.Array, types.Map:
		return uniqueFields(t.Elem)
	case types.Struct:
		if d := repeated(len(t.Fields), func(i int) string { return t.Fields[i].Name }); d != "" {
			return fmt.Errorf("Duplicate field names in STRUCT: %s", d)
		}
		for _, f := range t.Fields {
			if err := uniqueFields(f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

// repeated lists the names that occur more than once, in order.
func repeated(n int, name func(int) string) string {
	seen := make(map[string]int, n)
	var dups []string
	for i := 0; i < n; i++ {
		if seen[name(i)]++; seen[name(i)] == 2 {
			dups = append(dups, name(i))
		}
	}
	return strings.Join(dups, ", ")
}

// upperFields upper-cases struct field names, recursively.
func upperFields(t *types.Type) *types.Type {
	switch t.Kind {
	case types.Array:
		return types.ArrayOf(upperFields(t.Elem))
	case types.Map:
		return types.MapOf(t.Key, upperFields(t.Elem))
	case types.Struct:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = types.Field{Name: strings.ToUpper(f.Name), Type: upperFields(f.Type)}
		}
		return types.StructOf(fs...)
	}
	return t
}

// formatOfRegType is the format whose records a registry schema type
// frames: regTypeOf's inverse.
func formatOfRegType(t string) string {
	switch orAvro(t) {
	case SchemaJSON:
		return JSONSR
	case SchemaProtobuf:
		return Protobuf
	}
	return Avro
}

func regTypeOf(format string) string {
	switch format {
	case JSONSR:
		return SchemaJSON
	case Protobuf:
		return SchemaProtobuf
	}
	return SchemaAvro
}

// orAvro maps the registry's empty type (its default) to AVRO.
func orAvro(t string) string {
	if t == "" {
		return SchemaAvro
	}
	return strings.ToUpper(t)
}

// aKind is a schema type with its article, for messages: "an AVRO", "a
// PROTOBUF".
func aKind(t string) string {
	t = orAvro(t)
	if t == SchemaAvro {
		return "an " + t
	}
	return "a " + t
}

// unwrapName is the column name ksqlDB gives an inferred unwrapped side.
func unwrapName(isKey bool) string {
	if isKey {
		return "ROWKEY"
	}
	return "ROWVAL"
}

// srContext is what one Schema-Registry serde shares with the registry.
type srContext struct {
	env     Env
	isKey   bool
	subject string
	pending *RegSchema // ReadOnly: registered on first write
}

// pendingID stands for a schema a read-only serde registers when it
// first writes.
const pendingID = -1

// register adds a schema under the serde's subject (or, read-only, puts
// it aside and returns pendingID).
func (c *srContext) register(s RegSchema) (int, error) {
	if c.env.ReadOnly {
		c.pending = &s
		return pendingID, nil
	}
	return c.registerNow(s)
}

// writerID returns the id to write with, registering a pending schema.
func (c *srContext) writerID(id int) (int, error) {
	if id != pendingID || c.pending == nil {
		return id, nil
	}
	return c.registerNow(*c.pending)
}

func (c *srContext) registerNow(s RegSchema) (int, error) {
	id, err := c.env.Registry.Register(c.subject, s)
	if err != nil {
		return 0, &RegisterError{Subject: c.subject, Err: err}
	}
	return id, nil
}

// RegisterError is the registry's refusal (or failure to answer) when a
// serde registers its schema under Subject: Err is the registry's answer
// as it is, and the error's text names the subject once.
type RegisterError struct {
	Subject string
	Err     error
}

func (e *RegisterError) Error() string {
	return fmt.Sprintf("registering the schema under subject '%s': %v", e.Subject, e.Err)
}

func (e *RegisterError) Unwrap() error { return e.Err }

// claim registers under the serde's subject the schema that a
// KEY_SCHEMA_ID or VALUE_SCHEMA_ID (explicit) names, as ksqlDB does for a
// source or query given one: whoever looks the subject up (schema
// inference, a consumer fetching its latest version) finds the schema
// the records are framed with. The registry must give back that id. A
// serde built only to read (ReadOnly), or writing with the schema its
// columns were inferred from, registers nothing.
func (c *srContext) claim(id int, rs RegSchema, explicit bool) error {
	if !explicit || c.env.ReadOnly {
		return nil
	}
	got, err := c.registerNow(rs)
	if err != nil {
		return err
	}
	if got != id {
		side := "VALUE"
		if c.isKey {
			side = "KEY"
		}
		return fmt.Errorf("Schema id registered is %d which is different from provided %s_SCHEMA_ID %d. Topic: %s Subject: %s", got, side, id, c.env.Topic, c.subject)
	}
	return nil
}

// byID fetches a schema, with context for the error.
func (c *srContext) byID(id int) (RegSchema, error) {
	s, err := c.env.Registry.ByID(id)
	if err != nil {
		return RegSchema{}, fmt.Errorf("schema id %d: %w", id, err)
	}
	return s, nil
}

// Unavailable marks err as the registry's failure to answer (unreachable,
// timed out, a 5xx), which may pass, unlike a schema it does not have or
// an incompatible one. Registry implementations mark their errors so.
func Unavailable(err error) error {
	if err == nil || IsUnavailable(err) {
		return err
	}
	return unavailable{err}
}

// IsUnavailable says whether err, or an error it wraps, was marked by
// Unavailable.
func IsUnavailable(err error) bool {
	var u unavailable
	return errors.As(err, &u)
}

type unavailable struct{ err error }

func (e unavailable) Error() string { return e.err.Error() }
func (e unavailable) Unwrap() error { return e.err }

// Confluent wire framing: magic byte 0, then the schema id as 4 bytes
// big-endian, then the body.
const wireHeader = 5

func appendHeader(dst []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, 0), uint32(id))
}

// splitHeader returns the schema id and the body of a framed payload.
func splitHeader(data []byte) (int, []byte, error) {
	if len(data) < wireHeader {
		return 0, nil, fmt.Errorf("payload of %d bytes is too short for the Schema Registry wire format (magic byte and 4-byte schema id)", len(data))
	}
	if data[0] != 0 {
		return 0, nil, fmt.Errorf("unknown magic byte %d: the payload is not in the Schema Registry wire format (expected 0)", data[0])
	}
	return int(binary.BigEndian.Uint32(data[1:5])), data[wireHeader:], nil
}

// idCache memoizes a per-writer-schema value (a compiled decoder) by id.
// Reads take no lock once an id is known. A build that failed because the
// registry was unavailable is tried again after retryUnavailable: kept for
// good, one outage as a new schema id first arrives would send every later
// record of that schema to the processing log until a restart.
type idCache[T any] struct {
	mu sync.Mutex // serializes builds
	m  sync.Map   // int -> cacheEntry[T]
}

// retryUnavailable spaces the registry calls of records whose schema could
// not be fetched, so an outage costs one call per id and interval, not one
// per record.
const retryUnavailable = time.Second

func (c *idCache[T]) get(id int, build func(int) (T, error)) (T, error) {
	if v, ok := c.m.Load(id); ok {
		if e := v.(cacheEntry[T]); e.until.IsZero() || time.Now().Before(e.until) {
			return e.v, e.err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m.Load(id); ok {
		if e := v.(cacheEntry[T]); e.until.IsZero() || time.Now().Before(e.until) {
			return e.v, e.err
		}
	}
	v, err := build(id)
	e := cacheEntry[T]{v: v, err: err}
	if IsUnavailable(err) {
		e.until = time.Now().Add(retryUnavailable)
	}
	c.m.Store(id, e)
	return v, err
}

type cacheEntry[T any] struct {
	v     T
	err   error
	until time.Time // zero: kept for good; else when to build again
}

// HTTPOption configures NewHTTPRegistry.
type HTTPOption func(*httpRegistry)

// WithHTTPClient sets the HTTP client (timeouts, TLS).
func WithHTTPClient(c *http.Client) HTTPOption {
	return func(r *httpRegistry) { r.httpClient = c }
}

// WithBasicAuth sets the credentials sent with every request.
func WithBasicAuth(user, password string) HTTPOption {
	return func(r *httpRegistry) { r.user, r.password = user, password }
}

// httpRegistry is a Registry over the Schema Registry REST API. Schemas by
// id are immutable and cached for good, registrations are cached by
// (subject, schema), so records never cause HTTP calls; Latest always asks
// (it runs at plan time).
type httpRegistry struct {
	client         *srclient.SchemaRegistryClient
	httpClient     *http.Client
	user, password string

	mu   sync.RWMutex
	byID map[int]RegSchema
	regs map[string]int
}

// NewHTTPRegistry returns a Registry talking to the Schema Registry at url.
func NewHTTPRegistry(url string, opts ...HTTPOption) Registry {
	r := &httpRegistry{byID: map[int]RegSchema{}, regs: map[string]int{}}
	for _, o := range opts {
		o(r)
	}
	if r.httpClient == nil {
		r.httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	r.client = srclient.NewSchemaRegistryClient(strings.TrimRight(url, "/"), srclient.WithClient(r.httpClient))
	r.client.CachingEnabled(false) // we cache ourselves; "latest" must not stick
	r.client.CodecCreationEnabled(false)
	if r.user != "" {
		r.client.SetCredentials(r.user, r.password)
	}
	return r
}

func srType(t string) srclient.SchemaType {
	switch strings.ToUpper(t) {
	case SchemaProtobuf:
		return srclient.Protobuf
	case SchemaJSON:
		return srclient.Json
	}
	return srclient.Avro
}

func fromSR(s *srclient.Schema) RegSchema {
	rs := RegSchema{Type: SchemaAvro, Schema: s.Schema()}
	if t := s.SchemaType(); t != nil {
		rs.Type = strings.ToUpper(t.String())
	}
	for _, r := range s.References() {
		rs.References = append(rs.References, RegReference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return rs
}

func (r *httpRegistry) Register(subject string, s RegSchema) (int, error) {
	key := subject + "\x00" + s.Type + "\x00" + s.Schema
	for _, ref := range s.References {
		key += fmt.Sprintf("\x00%s/%s/%d", ref.Name, ref.Subject, ref.Version)
	}
	r.mu.RLock()
	id, ok := r.regs[key]
	r.mu.RUnlock()
	if ok {
		return id, nil
	}
	refs := make([]srclient.Reference, len(s.References))
	for i, ref := range s.References {
		refs[i] = srclient.Reference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version}
	}
	got, err := r.client.CreateSchema(subject, s.Schema, srType(s.Type), refs...)
	if err != nil {
		return 0, httpUnavailable(err)
	}
	r.mu.Lock()
	r.regs[key] = got.ID()
	r.byID[got.ID()] = s
	r.mu.Unlock()
	return got.ID(), nil
}

func (r *httpRegistry) ByID(id int) (RegSchema, error) {
	r.mu.RLock()
	s, ok := r.byID[id]
	r.mu.RUnlock()
	if ok {
		return s, nil
	}
	got, err := r.client.GetSchema(id)
	if err != nil {
		var se srclient.Error
		if errors.As(err, &se) && se.Code == 40403 {
			return RegSchema{}, NotFound(err, ErrSchemaNotFound)
		}
		return RegSchema{}, httpUnavailable(err)
	}
	s = fromSR(got)
	r.mu.Lock()
	r.byID[id] = s
	r.mu.Unlock()
	return s, nil
}

func (r *httpRegistry) Version(subject string, version int) (int, RegSchema, error) {
	got, err := r.client.GetSchemaByVersion(subject, version)
	if err != nil {
		return 0, RegSchema{}, fmt.Errorf("%s version %d: %w", subject, version, httpUnavailable(err))
	}
	s := fromSR(got)
	r.mu.Lock()
	r.byID[got.ID()] = s
	r.mu.Unlock()
	return got.ID(), s, nil
}

func (r *httpRegistry) Latest(subject string) (int, RegSchema, error) {
	got, err := r.client.GetLatestSchema(subject)
	if err != nil {
		var se srclient.Error
		if errors.As(err, &se) && (se.Code == 40401 || se.Code == 40402) {
			return 0, RegSchema{}, fmt.Errorf("%s: %w", subject, ErrSubjectNotFound)
		}
		return 0, RegSchema{}, httpUnavailable(err)
	}
	s := fromSR(got)
	r.mu.Lock()
	r.byID[got.ID()] = s
	r.mu.Unlock()
	return got.ID(), s, nil
}

// httpUnavailable marks the errors of a registry that did not answer: the
// request failed on the way (refused, timed out) or the answer was a 5xx
// (Confluent's error codes 500xx and 50xxx; a proxy's page without a JSON
// body reaches here as its status line).
func httpUnavailable(err error) error {
	var ue *url.Error
	var se srclient.Error
	switch {
	case errors.As(err, &ue):
		return Unavailable(err)
	case errors.As(err, &se):
		if se.Code/100 == 5 || se.Code/10000 == 5 {
			return Unavailable(err)
		}
	case statusLine5xx.MatchString(err.Error()):
		return Unavailable(err)
	}
	return err
}

var statusLine5xx = regexp.MustCompile(`^5\d\d `)

// DeleteSubject soft-deletes subject; one that does not exist is left.
func (r *httpRegistry) DeleteSubject(subject string) error {
	err := r.client.DeleteSubject(subject, false)
	var se srclient.Error
	if errors.As(err, &se) && se.Code == 40401 {
		return nil
	}
	return err
}

// SubjectsByID lists the subjects with a version that uses schema id.
func (r *httpRegistry) SubjectsByID(id int) ([]string, error) {
	vs, err := r.client.GetSubjectVersionsById(id)
	if err != nil {
		var se srclient.Error
		if errors.As(err, &se) && se.Code == 40403 {
			return nil, NotFound(err, ErrSchemaNotFound)
		}
		return nil, err
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Subject)
	}
	return out, nil
}

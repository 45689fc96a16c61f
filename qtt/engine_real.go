package qtt

import (
	"context"
	"errors"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
)

// engineBackend drives the production engine over a private MemCluster
// and a private Schema Registry stored in it, like the mock registry of
// ksqlDB's harness.
type engineBackend struct {
	eng     *engine.Engine
	cluster *kafka.MemCluster
	reg     *registry.Registry
	store   registryStore
}

// newEngineBackend starts a fresh engine on its own in-memory cluster.
func newEngineBackend(ctx context.Context, cfg backendConfig) (backend, error) {
	cluster := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: cfg.Partitions})
	reg, err := registry.New(ctx, registry.Config{Cluster: cluster})
	if err != nil {
		cluster.Close()
		return nil, err
	}
	// ksqlDB's harness uses a mock registry, which does not check
	// compatibility.
	if err := reg.SetGlobalCompatibility(ctx, registry.None); err != nil {
		reg.Close()
		cluster.Close()
		return nil, err
	}
	store := registryStore{Registry: reg.Client(), reg: reg}
	eng, err := engine.New(ctx, engine.Options{
		Cluster:            cluster,
		ServiceID:          cfg.ServiceID,
		Config:             cfg.Props,
		CreateSourceTopics: true,
		Registry:           store.Registry,
	})
	if err != nil {
		reg.Close()
		cluster.Close()
		return nil, err
	}
	return &engineBackend{eng: eng, cluster: cluster, reg: reg, store: store}, nil
}

// registryStore is the schemaStore of an embedded registry.
type registryStore struct {
	serde.Registry
	reg *registry.Registry
}

func (s registryStore) RegisterWithID(ctx context.Context, subject string, rs serde.RegSchema, id int) (int, error) {
	return s.reg.RegisterWithID(ctx, subject, toRegistrySchema(rs), id)
}

func toRegistrySchema(s serde.RegSchema) registry.Schema {
	out := registry.Schema{Type: registry.SchemaType(s.Type), Schema: s.Schema}
	for _, r := range s.References {
		out.References = append(out.References, registry.Reference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return out
}

// readOnly is a registry whose Register registers nothing: the codecs
// that read outputs must not add schema versions. Reading takes the
// writer schema from each record's id, so the id returned is unused.
type readOnly struct{ serde.Registry }

func (readOnly) Register(string, serde.RegSchema) (int, error) { return 0, nil }

func (b *engineBackend) Execute(ctx context.Context, stmt string) error {
	return b.ExecuteProps(ctx, stmt, nil)
}

// ExecuteProps runs one statement with session properties (SET).
func (b *engineBackend) ExecuteProps(ctx context.Context, stmt string, props map[string]string) error {
	_, err := b.eng.Execute(ctx, stmt, props)
	return toExecError(err)
}

// InsertRow evaluates an INSERT VALUES row without writing it.
func (b *engineBackend) InsertRow(st *sql.InsertValues) (*sourceInfo, []any, int64, error) {
	src, row, ts, err := b.eng.InsertRow(st)
	if err != nil {
		return nil, nil, 0, toExecError(err)
	}
	return sourceFromMeta(src, b.store.Registry), row, ts, nil
}

// toExecError categorises an engine error.
func toExecError(err error) error {
	if err == nil {
		return nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		kind := kindUnknown
		switch ee.Kind {
		case engine.ParseError:
			kind = kindParse
		case engine.StatementError:
			kind = kindStatement
		case engine.RuntimeError:
			kind = kindRuntime
		}
		return &execError{Kind: kind, Msg: ee.Error()}
	}
	return &execError{Kind: kindUnknown, Msg: err.Error()}
}

func (b *engineBackend) Sources() []*sourceInfo {
	var out []*sourceInfo
	for _, s := range b.eng.Sources() {
		out = append(out, sourceFromMeta(s, b.store.Registry))
	}
	return out
}

func sourceFromMeta(s *metastore.Source, reg serde.Registry) *sourceInfo {
	si := &sourceInfo{
		Name:            s.Name,
		IsTable:         s.IsTable,
		Schema:          s.Schema,
		Topic:           s.Topic,
		KeyFormat:       format{Name: s.KeyFormat.Name, Props: s.KeyFormat.Props},
		ValueFormat:     format{Name: s.ValueFormat.Name, Props: s.ValueFormat.Props},
		IsSource:        s.IsSource,
		Registry:        reg,
		Timestamp:       s.Timestamp,
		TimestampFormat: s.TimestampFormat,
	}
	if s.Window != nil {
		si.Window = &windowInfo{Type: s.Window.Type, SizeMs: s.Window.SizeMs}
	}
	newCodec := func(isKey bool, reg serde.Registry) (codec, error) {
		if s.Schema == nil {
			return nil, errors.New("source has no schema")
		}
		f, cols := s.ValueFormat, s.Schema.Value()
		if isKey {
			f, cols = s.KeyFormat, s.Schema.Key()
		}
		sd, err := serde.NewFor(f, cols, isKey, serde.Env{Topic: s.Topic, Registry: reg})
		if err != nil {
			return nil, err
		}
		return nullMapping{sd}, nil
	}
	si.NewCodec = func(isKey bool) (codec, error) {
		var ro serde.Registry
		if reg != nil {
			ro = readOnly{reg}
		}
		return newCodec(isKey, ro)
	}
	si.NewWriter = func(isKey bool) (codec, error) { return newCodec(isKey, reg) }
	return si
}

// nullMapping maps serde.ErrNull to the runner's errNullRecord.
type nullMapping struct{ serde.Serde }

func (n nullMapping) Decode(data []byte, dst []any) error {
	err := n.Serde.Decode(data, dst)
	if errors.Is(err, serde.ErrNull) {
		return errNullRecord
	}
	return err
}

func (b *engineBackend) QueryErrors() []error   { return b.eng.QueryErrors() }
func (b *engineBackend) Cluster() kafka.Cluster { return b.cluster }

func (b *engineBackend) Schemas() schemaStore { return b.store }

func (b *engineBackend) Close() error {
	err := b.eng.Close()
	if rerr := b.reg.Close(); err == nil {
		err = rerr
	}
	if cerr := b.cluster.Close(); err == nil {
		err = cerr
	}
	return err
}

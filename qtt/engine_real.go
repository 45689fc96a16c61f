package qtt

import (
	"context"
	"errors"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/serde"
)

// engineBackend drives the production engine over a private MemCluster.
type engineBackend struct {
	eng     *engine.Engine
	cluster *kafka.MemCluster
}

// newEngineBackend starts a fresh engine on its own in-memory cluster.
func newEngineBackend(ctx context.Context, cfg backendConfig) (backend, error) {
	cluster := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: cfg.Partitions})
	eng, err := engine.New(ctx, engine.Options{
		Cluster:            cluster,
		ServiceID:          cfg.ServiceID,
		Config:             cfg.Props,
		CreateSourceTopics: true,
	})
	if err != nil {
		cluster.Close()
		return nil, err
	}
	return &engineBackend{eng: eng, cluster: cluster}, nil
}

func (b *engineBackend) Execute(ctx context.Context, stmt string) error {
	_, err := b.eng.Execute(ctx, stmt, nil)
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
		out = append(out, sourceFromMeta(s))
	}
	return out
}

func sourceFromMeta(s *metastore.Source) *sourceInfo {
	si := &sourceInfo{
		Name:        s.Name,
		IsTable:     s.IsTable,
		Schema:      s.Schema,
		Topic:       s.Topic,
		KeyFormat:   format{Name: s.KeyFormat.Name, Props: s.KeyFormat.Props},
		ValueFormat: format{Name: s.ValueFormat.Name, Props: s.ValueFormat.Props},
		IsSource:    s.IsSource,
	}
	if s.Window != nil {
		si.Window = &windowInfo{Type: s.Window.Type, SizeMs: s.Window.SizeMs}
	}
	si.NewCodec = func(isKey bool) (codec, error) {
		if s.Schema == nil {
			return nil, errors.New("source has no schema")
		}
		var (
			sd  serde.Serde
			err error
		)
		if isKey {
			sd, err = serde.New(s.KeyFormat, s.Schema.Key(), true)
		} else {
			sd, err = serde.New(s.ValueFormat, s.Schema.Value(), false)
		}
		if err != nil {
			return nil, err
		}
		return nullMapping{sd}, nil
	}
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

func (b *engineBackend) Close() error {
	err := b.eng.Close()
	if cerr := b.cluster.Close(); err == nil {
		err = cerr
	}
	return err
}

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
)

// Validate checks a sequence of statements without running any: each is
// executed in order against a sandbox — a copy of the catalog over a
// cluster and registry that record creations but change nothing — so a
// later statement sees what earlier ones would have created. The REST API
// uses it to refuse a request before any of its statements runs.
func (e *Engine) Validate(ctx context.Context, texts []string, props map[string]string) error {
	sb := e.sandbox()
	defer sb.Close()
	for _, text := range texts {
		stmts, err := sql.Parse(text)
		if err != nil {
			return classify(err, text)
		}
		for _, st := range stmts {
			switch x := st.(type) {
			case *sql.SetProperty, *sql.UnsetProperty, *sql.Define, *sql.Undefine, *sql.RunScript, *sql.Select, *sql.Print:
				continue // the client's or the query endpoints', not the engine's
			case *sql.AssertTopic, *sql.AssertSchema:
				// ksqlDB does not validate them: they hold or not only
				// when they run, after the statements before them.
				continue
			case *sql.Show:
				if x.What == "VARIABLES" {
					continue
				}
			case *sql.Terminate:
				if strings.HasPrefix(strings.ToUpper(x.QueryID), "TRANSIENT_") {
					continue // push queries belong to the server
				}
			}
			if _, err := sb.execute(ctx, st, props, true); err != nil {
				return classify(err, st.Text())
			}
		}
	}
	return nil
}

// sandbox returns an engine that shares nothing mutable with e.
func (e *Engine) sandbox() *Engine {
	e.mu.Lock()
	defer e.mu.Unlock()
	sb := &Engine{
		cluster:    &dryCluster{base: e.cluster, created: map[string]kafka.TopicInfo{}, deleted: map[string]bool{}},
		sid:        e.sid,
		cfg:        e.cfg,
		opts:       e.opts,
		fns:        e.fns,
		ms:         e.ms.Clone(),
		queries:    map[string]*runtime.Query{},
		queryCount: e.queryCount,
		cmdOffset:  e.cmdOffset,
	}
	if e.opts.Registry != nil {
		sb.opts.Registry = dryRegistry{e.opts.Registry}
	}
	sb.opts.Logf = func(string, ...any) {}
	if e.connect != nil {
		sb.dryConnect = &dryConnectors{rt: e.connect, made: map[string]bool{}, dropped: map[string]bool{}}
	}
	return sb
}

// dryConnectors lets a sandbox check CREATE and DROP CONNECTOR statements
// of a request (against the real plugins, without reaching their
// targets) and remember their effect for the statements after them,
// starting and stopping nothing.
type dryConnectors struct {
	rt            *connect.Runtime
	made, dropped map[string]bool
}

func (d *dryConnectors) has(name string) bool {
	return d.made[name] || d.rt.Has(name) && !d.dropped[name]
}

// dryConnector validates a connector statement in a sandbox.
func (e *Engine) dryConnector(ctx context.Context, st sql.Statement) (action, error) {
	d := e.dryConnect
	msg := func(text string) action {
		return func(context.Context) (api.Entity, error) {
			return statementMessage(st, text), nil
		}
	}
	switch st := st.(type) {
	case *sql.CreateConnector:
		if d.has(st.Name) {
			if st.IfNotExists {
				return msg("Connector " + st.Name + " already exists"), nil
			}
			return nil, &stmtErr{msg: fmt.Sprintf("Failed to create connector: Connector %s already exists", st.Name)}
		}
		kind := connect.Source
		if st.Sink {
			kind = connect.Sink
		}
		if _, _, err := d.rt.Validate(ctx, st.Name, kind, st.Config, false); err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		d.made[st.Name], d.dropped[st.Name] = true, false
		return msg("Connector " + st.Name + " would be created"), nil
	case *sql.DropConnector:
		if !d.has(st.Name) {
			if st.IfExists {
				return msg("Connector " + st.Name + " does not exist."), nil
			}
			return nil, &stmtErr{msg: fmt.Sprintf("Connector %s does not exist.", st.Name)}
		}
		d.made[st.Name], d.dropped[st.Name] = false, true
		return msg("Connector " + st.Name + " would be dropped"), nil
	case *sql.StopConnector:
		if !d.has(st.Name) {
			return nil, &stmtErr{msg: fmt.Sprintf("Connector %s does not exist.", st.Name)}
		}
		return msg("Connector " + st.Name + " would be stopped"), nil
	}
	return nil, noConnect(st)
}

// dryCluster reads through to a real cluster but keeps creations and
// deletions to itself and writes nothing.
type dryCluster struct {
	base    kafka.Cluster
	mu      sync.Mutex
	created map[string]kafka.TopicInfo
	deleted map[string]bool
}

func (c *dryCluster) CreateTopic(_ context.Context, t kafka.TopicInfo) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.created[t.Name] = t
	delete(c.deleted, t.Name)
	return nil
}

func (c *dryCluster) DeleteTopic(_ context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.created, name)
	c.deleted[name] = true
	return nil
}

func (c *dryCluster) Topic(ctx context.Context, name string) (kafka.TopicInfo, bool, error) {
	c.mu.Lock()
	t, made := c.created[name]
	gone := c.deleted[name]
	c.mu.Unlock()
	switch {
	case made:
		return t, true, nil
	case gone:
		return kafka.TopicInfo{}, false, nil
	}
	return c.base.Topic(ctx, name)
}

func (c *dryCluster) Topics(ctx context.Context) ([]kafka.TopicInfo, error) {
	return c.base.Topics(ctx)
}
func (c *dryCluster) Produce(context.Context, ...kafka.Record) error          { return nil }
func (c *dryCluster) ReadAll(context.Context, string) ([]kafka.Record, error) { return nil, nil }
func (c *dryCluster) Close() error                                            { return nil }
func (c *dryCluster) EndOffsets(context.Context, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (c *dryCluster) GroupOffsets(context.Context, string, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (c *dryCluster) ReadPartitions(context.Context, string, map[int32]int64, func(kafka.Record) error) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}

// Subscribe returns a subscription that delivers nothing.
func (c *dryCluster) Subscribe(context.Context, kafka.SubscribeOptions, kafka.Handler) (kafka.Subscription, error) {
	return &drySub{done: make(chan struct{})}, nil
}

type drySub struct {
	once sync.Once
	done chan struct{}
}

func (s *drySub) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}
func (s *drySub) Done() <-chan struct{} { return s.done }
func (s *drySub) Err() error            { return nil }

// dryRegistry reads through to a registry but registers nothing: a new
// schema gets a placeholder id.
type dryRegistry struct{ base serde.Registry }

func (r dryRegistry) Register(subject string, s serde.RegSchema) (int, error) { return 0, nil }
func (r dryRegistry) ByID(id int) (serde.RegSchema, error)                    { return r.base.ByID(id) }
func (r dryRegistry) Latest(subject string) (int, serde.RegSchema, error) {
	return r.base.Latest(subject)
}
func (r dryRegistry) Version(subject string, version int) (int, serde.RegSchema, error) {
	return r.base.Version(subject, version)
}

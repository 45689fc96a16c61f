package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/sql"
)

// noConnect is the error for connector statements on an engine built
// without a connector runtime (the conformance runner's).
func noConnect(st sql.Statement) error {
	return &stmtErr{msg: fmt.Sprintf("%s is not supported by eddy yet.", firstWord(st.Text()))}
}

// prepareCreateConnector validates a connector's configuration (reaching
// its target unless the command is being replayed, so that a target down
// at restart does not lose the connector) and returns the action that
// starts it.
func (e *Engine) prepareCreateConnector(ctx context.Context, st *sql.CreateConnector) (action, error) {
	if e.dryConnect != nil {
		return e.dryConnector(ctx, st)
	}
	if e.connect == nil {
		return nil, noConnect(st)
	}
	if e.connect.Has(st.Name) {
		if st.IfNotExists {
			return func(context.Context) (api.Entity, error) {
				return statementMessage(st, fmt.Sprintf("Connector %s already exists", st.Name)), nil
			}, nil
		}
		return nil, &stmtErr{msg: fmt.Sprintf("Failed to create connector: Connector %s already exists", st.Name)}
	}
	kind := connect.Source
	if st.Sink {
		kind = connect.Sink
	}
	p, cfg, err := e.connect.Validate(ctx, st.Name, kind, st.Config, !e.replaying)
	if err != nil {
		return nil, &stmtErr{msg: err.Error()}
	}
	return func(context.Context) (api.Entity, error) {
		if err := e.connect.Start(st.Name, p, cfg, false); err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		if !e.replaying {
			// A script's next statement may read the topic or its schema.
			e.connect.WaitStarted(ctx, st.Name, 5*time.Second)
		}
		info := api.ConnectorInfo{Name: st.Name, Config: map[string]string(cfg), Type: strings.ToLower(string(p.Kind))}
		st, _ := e.connect.Status(ctx, st.Name, false)
		for _, t := range st.Tasks {
			info.Tasks = append(info.Tasks, api.ConnectorTaskID{Connector: st.Name, Task: t.ID})
		}
		return &api.CreateConnectorEntity{Type: "connector_info", StatementText: "", Info: info, Warnings: []api.Warning{}}, nil
	}, nil
}

func (e *Engine) prepareDropConnector(st *sql.DropConnector) (action, error) {
	if e.dryConnect != nil {
		return e.dryConnector(context.Background(), st)
	}
	if e.connect == nil {
		return nil, noConnect(st)
	}
	if !e.connect.Has(st.Name) {
		if st.IfExists {
			return func(context.Context) (api.Entity, error) {
				return statementMessage(st, fmt.Sprintf("Connector %s does not exist.", st.Name)), nil
			}, nil
		}
		return nil, &stmtErr{msg: fmt.Sprintf("Connector %s does not exist.", st.Name)}
	}
	return func(context.Context) (api.Entity, error) {
		if err := e.connect.Stop(st.Name); err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		return &api.DropConnectorEntity{Type: "drop_connector", ConnectorName: st.Name, Warnings: []api.Warning{}}, nil
	}, nil
}

// prepareStopConnector stops a connector (STOP CONNECTOR, eddy's own):
// Kafka Connect's STOPPED state, its tasks gone and its configuration
// kept, which the command log replays, so it stays stopped across
// restarts and on every server until RESUME.
func (e *Engine) prepareStopConnector(st *sql.StopConnector) (action, error) {
	if e.dryConnect != nil {
		return e.dryConnector(context.Background(), st)
	}
	if e.connect == nil {
		return nil, noConnect(st)
	}
	if !e.connect.Has(st.Name) {
		return nil, &stmtErr{msg: fmt.Sprintf("Connector %s does not exist.", st.Name)}
	}
	return func(context.Context) (api.Entity, error) {
		if err := e.connect.StopConnector(st.Name); err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		return status(fmt.Sprintf("Connector %s stopped.", st.Name), ""), nil
	}, nil
}

// preparePauseConnector pauses or resumes a connector named by PAUSE or
// RESUME; ok is false when no connector has that name.
func (e *Engine) preparePauseConnector(st *sql.PauseResume) (action, bool) {
	if e.dryConnect != nil && !st.All && e.dryConnect.has(st.QueryID) {
		return func(context.Context) (api.Entity, error) { return status("Connector "+st.QueryID+" checked.", ""), nil }, true
	}
	if e.connect == nil || st.All || !e.connect.Has(st.QueryID) {
		return nil, false
	}
	return func(context.Context) (api.Entity, error) {
		var err error
		verb := "paused"
		if st.Resume {
			err, verb = e.connect.Resume(st.QueryID), "resumed"
		} else {
			err = e.connect.Pause(st.QueryID)
		}
		if err != nil {
			return nil, &stmtErr{msg: err.Error()}
		}
		return status(fmt.Sprintf("Connector %s %s.", st.QueryID, verb), ""), nil
	}, true
}

// stateSummary renders a built-in connector's state as SHOW CONNECTORS
// does (see connectorSummary).
func stateSummary(s connect.Status) string {
	tasks := make([]string, len(s.Tasks))
	for i, t := range s.Tasks {
		tasks[i] = t.State
	}
	return connectorSummary(s.State, tasks)
}

// connectorSummary is ksqlDB's summary of a connector in SHOW
// CONNECTORS, for built-in and external ones alike: its state unless it
// runs, else "RUNNING (n/m tasks RUNNING)", or WARNING when it has tasks
// and none of them runs.
func connectorSummary(state string, tasks []string) string {
	if state != connect.StateRunning {
		return state
	}
	running := 0
	for _, t := range tasks {
		if t == connect.StateRunning {
			running++
		}
	}
	if len(tasks) > 0 && running == 0 {
		state = "WARNING"
	}
	return fmt.Sprintf("%s (%d/%d tasks RUNNING)", state, running, len(tasks))
}

func (e *Engine) showConnectors(ctx context.Context, st *sql.Show) (api.Entity, error) {
	if e.sandboxed() { // reading changes nothing
		return statementMessage(st, "checked"), nil
	}
	if e.connect == nil && e.remote == nil {
		return nil, noConnect(st)
	}
	list := &api.ConnectorList{Type: "connector_list", StatementText: st.Text(), Connectors: []api.SimpleConnectorInfo{}, Warnings: []api.Warning{}}
	if e.remote != nil {
		if err := e.showRemoteConnectors(ctx, st, list); err != nil {
			return nil, err
		}
		if e.connect == nil {
			return list, nil
		}
	}
	for _, n := range e.connect.Names() {
		s, ok := e.connect.Status(ctx, n, false)
		if !ok {
			continue
		}
		if (st.What == "SOURCE CONNECTORS" && s.Kind != connect.Source) || (st.What == "SINK CONNECTORS" && s.Kind != connect.Sink) {
			continue
		}
		list.Connectors = append(list.Connectors, api.SimpleConnectorInfo{Name: n, Type: string(s.Kind), ClassName: s.Class, State: stateSummary(s)})
	}
	return list, nil
}

// showConnectorPlugins lists the built-in connector classes CREATE
// SOURCE|SINK CONNECTOR takes, as ksqlDB lists a Connect cluster's.
func (e *Engine) showConnectorPlugins(ctx context.Context, st *sql.Show) (api.Entity, error) {
	if e.connect == nil && e.remote == nil && !e.sandboxed() {
		return nil, noConnect(st)
	}
	list := &api.ConnectorPluginsList{Type: "connector_plugins_list", StatementText: st.Text(), Warnings: []api.Warning{}, Plugins: []api.ConnectorPluginInfo{}}
	if e.sandboxed() {
		return list, nil // nothing to check
	}
	if e.remote != nil { // new connectors are made there
		plugins, err := e.remote.Plugins(ctx)
		if err != nil {
			return nil, &stmtErr{msg: "Failed to list connector plugins: " + err.Error()}
		}
		list.Plugins = append(list.Plugins, plugins...)
		return list, nil
	}
	for _, p := range e.connect.Plugins().Plugins() {
		list.Plugins = append(list.Plugins, api.ConnectorPluginInfo{ClassName: p.Class, Type: strings.ToLower(string(p.Kind)), Version: p.Version})
	}
	return list, nil
}

func (e *Engine) describeConnector(ctx context.Context, st *sql.Describe) (api.Entity, error) {
	if e.sandboxed() { // reading changes nothing
		return statementMessage(st, "checked"), nil
	}
	if e.remote != nil && (e.connect == nil || !e.connect.Has(st.Name)) {
		return e.describeRemoteConnector(ctx, st)
	}
	if e.connect == nil {
		return nil, noConnect(st)
	}
	s, ok := e.connect.Status(ctx, st.Name, true)
	if !ok {
		return nil, &stmtErr{msg: fmt.Sprintf("Could not find connector '%s'", st.Name)}
	}
	d := &api.ConnectorDescription{
		Type: "connector_description", StatementText: st.Text(), ConnectorClass: s.Class,
		Status: api.ConnectorState{Name: s.Name, Type: strings.ToLower(string(s.Kind)),
			Connector: api.ConnectorStateDetail{State: s.State, WorkerID: s.WorkerID, Trace: s.Trace}},
		Sources: []api.SourceDescription{}, Topics: s.Topics, Warnings: []api.Warning{},
	}
	if d.Topics == nil {
		d.Topics = []string{}
	}
	for _, t := range s.Tasks {
		ts := api.TaskState{ID: t.ID, State: t.State, WorkerID: s.WorkerID, Trace: t.Trace, Progress: t.Progress}
		if !t.ErrorTime.IsZero() {
			ts.ErrorTime = t.ErrorTime.UTC().Format(time.RFC3339)
		}
		d.Status.Tasks = append(d.Status.Tasks, ts)
	}
	d.Sources = append(d.Sources, e.sourcesOn(ctx, s.Topics)...)
	for _, l := range s.Lag {
		d.Lag = append(d.Lag, api.ConnectorLag{Topic: l.Topic, Partition: l.Partition, Committed: l.Committed, End: l.End, Lag: l.Lag})
	}
	return d, nil
}

// sourcesOn describes the streams and tables on topics, by name, as
// DESCRIBE CONNECTOR lists those on the topics a connector uses.
func (e *Engine) sourcesOn(ctx context.Context, topics []string) []api.SourceDescription {
	on := map[string]bool{}
	for _, t := range topics {
		on[t] = true
	}
	srcs := e.ms.Sources()
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	var out []api.SourceDescription
	for _, src := range srcs {
		if on[src.Topic] {
			out = append(out, e.sourceDescription(ctx, src, false))
		}
	}
	return out
}

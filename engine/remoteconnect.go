package engine

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect/remote"
	"github.com/eddysql/eddy/internal/javaprops"
	"github.com/eddysql/eddy/sql"
)

// With ksql.connect.url set, connector statements manage the connectors
// of that Kafka Connect cluster, as ksqlDB's do: CREATE … CONNECTOR
// checks the configuration with the cluster's validate endpoint and
// creates it there, DROP deletes it, SHOW, DESCRIBE and SHOW CONNECTOR
// PLUGINS read the cluster. They run on the server that receives them
// and never enter the command log: the Connect cluster keeps its
// connectors, and a replay would create them again. Built-in connectors
// created before (recorded in the command log) keep running; DROP,
// DESCRIBE, PAUSE and RESUME of one of them stay with the engine.

// remoteConnector runs a connector-changing statement against the
// Connect cluster; handled is false when it is not the cluster's (no
// ksql.connect.url, or it names a built-in connector or a query).
func (e *Engine) remoteConnector(ctx context.Context, st sql.Statement) (ent api.Entity, handled bool, err error) {
	if e.remote == nil {
		return nil, false, nil
	}
	builtIn := func(name string) bool { return e.connect != nil && e.connect.Has(name) }
	switch s := st.(type) {
	case *sql.CreateConnector:
	case *sql.DropConnector:
		if builtIn(s.Name) {
			return nil, false, nil
		}
	case *sql.PauseResume:
		if s.All || builtIn(s.QueryID) || e.ms.Query(strings.ToUpper(s.QueryID)) != nil {
			return nil, false, nil
		}
	case *sql.StopConnector:
		if builtIn(s.Name) {
			return nil, false, nil
		}
	default:
		return nil, false, nil
	}
	if e.sandboxed() {
		// A sandbox checks a script before it runs: the cluster checks
		// the connector when the statement runs.
		return statementMessage(st, "checked"), true, nil
	}
	switch s := st.(type) {
	case *sql.CreateConnector:
		ent, err = e.createRemoteConnector(ctx, s)
	case *sql.DropConnector:
		ent, err = e.dropRemoteConnector(ctx, s)
	case *sql.PauseResume:
		ent, err = e.pauseRemoteConnector(ctx, s)
	case *sql.StopConnector:
		ent, err = e.stopRemoteConnector(ctx, s)
	}
	return ent, true, err
}

// sandboxed reports whether e is a sandbox checking a script before it
// runs (see sandbox), which must not change or wait on anything outside.
func (e *Engine) sandboxed() bool {
	_, dry := e.cluster.(*dryCluster)
	return dry
}

func (e *Engine) createRemoteConnector(ctx context.Context, st *sql.CreateConnector) (api.Entity, error) {
	names, err := e.remote.Connectors(ctx)
	if err != nil {
		return nil, &stmtErr{msg: "Failed to check for existing connector: " + err.Error()}
	}
	for _, n := range names {
		if n == st.Name {
			if st.IfNotExists {
				return statementMessage(st, fmt.Sprintf("Connector %s already exists", st.Name)), nil
			}
			return nil, &stmtErr{msg: fmt.Sprintf("Connector %s already exists", st.Name)}
		}
	}
	cfg := make(map[string]string, len(st.Config)+1)
	for k, v := range st.Config {
		cfg[k] = v
	}
	cfg["name"] = st.Name
	class, hasClass := cfg["connector.class"]
	switch {
	case !hasClass:
		return nil, &stmtErr{msg: fmt.Sprintf("Validation error: Connector config %v contains no connector type", cfg)}
	case strings.TrimSpace(class) == "":
		return nil, &stmtErr{msg: "Validation error: Connector type cannot be empty"}
	}
	problems, err := e.remote.Validate(ctx, class, cfg)
	if err != nil {
		problems = []string{err.Error()}
	}
	if len(problems) > 0 {
		return nil, &stmtErr{msg: "Validation error: " + strings.Join(problems, "\n")}
	}
	info, err := e.remote.Create(ctx, st.Name, cfg)
	if err != nil {
		return nil, &stmtErr{msg: "Failed to create connector: " + err.Error()}
	}
	if info.Tasks == nil {
		info.Tasks = []api.ConnectorTaskID{}
	}
	return &api.CreateConnectorEntity{Type: "connector_info", StatementText: st.Text(), Info: info, Warnings: []api.Warning{}}, nil
}

func (e *Engine) dropRemoteConnector(ctx context.Context, st *sql.DropConnector) (api.Entity, error) {
	if err := e.remote.Delete(ctx, st.Name); err != nil {
		if st.IfExists && remote.NotFound(err) {
			return statementMessage(st, fmt.Sprintf("Connector '%s' does not exist.", st.Name)), nil
		}
		return nil, &stmtErr{msg: "Failed to drop connector: " + err.Error()}
	}
	return &api.DropConnectorEntity{Type: "drop_connector", StatementText: st.Text(), ConnectorName: st.Name, Warnings: []api.Warning{}}, nil
}

// pauseRemoteConnector pauses or resumes a connector of the cluster, as
// PAUSE and RESUME do a built-in one (ksqlDB has no statement for it).
func (e *Engine) pauseRemoteConnector(ctx context.Context, st *sql.PauseResume) (api.Entity, error) {
	verb, call := "paused", e.remote.Pause
	if st.Resume {
		verb, call = "resumed", e.remote.Resume
	}
	if err := call(ctx, st.QueryID); err != nil {
		if remote.NotFound(err) {
			return nil, &stmtErr{msg: fmt.Sprintf("Unknown queryId: %s", strings.ToUpper(st.QueryID))}
		}
		return nil, &stmtErr{msg: fmt.Sprintf("Failed to %s connector: %v", strings.TrimSuffix(verb, "d"), err)}
	}
	// A message, not a command status: no command was recorded, so
	// there is no sequence number for a client's next request to wait on.
	return statementMessage(st, fmt.Sprintf("Connector %s %s.", st.QueryID, verb)), nil
}

// stopRemoteConnector stops a connector of the cluster, as STOP
// CONNECTOR does a built-in one.
func (e *Engine) stopRemoteConnector(ctx context.Context, st *sql.StopConnector) (api.Entity, error) {
	if err := e.remote.Stop(ctx, st.Name); err != nil {
		if remote.NotFound(err) {
			return nil, &stmtErr{msg: fmt.Sprintf("Connector %s does not exist.", st.Name)}
		}
		return nil, &stmtErr{msg: fmt.Sprintf("Failed to stop connector: %v", err)}
	}
	// A message, not a command status: nothing was recorded (see
	// pauseRemoteConnector).
	return statementMessage(st, fmt.Sprintf("Connector %s stopped.", st.Name)), nil
}

// showRemoteConnectors lists the cluster's connectors (and the built-in
// ones still running here), as ksqlDB's SHOW CONNECTORS: each one's
// type, class and state summary; one the cluster cannot describe is
// listed with a warning.
func (e *Engine) showRemoteConnectors(ctx context.Context, st *sql.Show, list *api.ConnectorList) error {
	names, err := e.remote.Connectors(ctx)
	if err != nil {
		return &stmtErr{msg: "Failed to list connectors: " + err.Error()}
	}
	sort.Strings(names)
	for _, n := range names {
		info, err := e.remote.Describe(ctx, n)
		if err != nil {
			if st.What == "CONNECTORS" {
				list.Connectors = append(list.Connectors, api.SimpleConnectorInfo{Name: n, Type: "UNKNOWN"})
			}
			list.Warnings = append(list.Warnings, api.Warning{Message: fmt.Sprintf("Could not describe connector %s: %v", n, err)})
			continue
		}
		kind := strings.ToUpper(info.Type)
		if (st.What == "SOURCE CONNECTORS" && kind != "SOURCE") || (st.What == "SINK CONNECTORS" && kind != "SINK") {
			continue
		}
		ci := api.SimpleConnectorInfo{Name: n, Type: kind, ClassName: info.Config["connector.class"]}
		if s, err := e.remote.Status(ctx, n); err == nil {
			tasks := make([]string, len(s.Tasks))
			for i, t := range s.Tasks {
				tasks[i] = t.State
			}
			ci.State = connectorSummary(s.Connector.State, tasks)
		}
		list.Connectors = append(list.Connectors, ci)
	}
	return nil
}

// describeRemoteConnector describes a connector of the cluster: its
// class, status, the topics it used (none from a cluster too old to
// say) and the streams and tables on them.
func (e *Engine) describeRemoteConnector(ctx context.Context, st *sql.Describe) (api.Entity, error) {
	s, err := e.remote.Status(ctx, st.Name)
	if err != nil {
		return nil, &stmtErr{msg: "Failed to query connector status: " + err.Error()}
	}
	info, err := e.remote.Describe(ctx, st.Name)
	if err != nil {
		return nil, &stmtErr{msg: "Failed to describe connector: " + err.Error()}
	}
	d := &api.ConnectorDescription{
		Type: "connector_description", StatementText: st.Text(), ConnectorClass: info.Config["connector.class"],
		Status: s, Sources: []api.SourceDescription{}, Topics: []string{}, Warnings: []api.Warning{},
	}
	topics, err := e.remote.Topics(ctx, st.Name)
	switch {
	case err != nil && !remote.NotFound(err):
		d.Warnings = append(d.Warnings, api.Warning{Message: "Could not list related topics due to error: " + err.Error()})
	case err == nil && topics != nil:
		d.Topics = topics
	}
	d.Sources = append(d.Sources, e.sourcesOn(ctx, d.Topics)...)
	return d, nil
}

// remoteConnectClient reads ksqlDB's ksql.connect.* settings: nil
// without ksql.connect.url. Basic credentials come from the URL's user
// info or, with basic.auth.credentials.source=FILE, from the properties
// file basic.auth.credentials.file names (username=, password=).
func remoteConnectClient(cfg map[string]string) (*remote.Client, error) {
	u := strings.TrimSpace(cfg["ksql.connect.url"])
	if u == "" {
		return nil, nil
	}
	rc := remote.Config{URL: u}
	if v := cfg["ksql.connect.request.timeout.ms"]; v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("ksql.connect.request.timeout.ms: %q is not a positive number of milliseconds", v)
		}
		rc.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch src := strings.ToUpper(strings.TrimSpace(cfg["ksql.connect.basic.auth.credentials.source"])); src {
	case "", "NONE":
	case "FILE":
		path := cfg["ksql.connect.basic.auth.credentials.file"]
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("ksql.connect.basic.auth.credentials.file: %w", err)
		}
		props, err := javaprops.Parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ksql.connect.basic.auth.credentials.file %s: %w", path, err)
		}
		rc.Username, rc.Password = props["username"], props["password"]
		if rc.Username == "" {
			return nil, fmt.Errorf("ksql.connect.basic.auth.credentials.file %s: no username", path)
		}
	default:
		return nil, fmt.Errorf("ksql.connect.basic.auth.credentials.source: %q is neither NONE nor FILE", src)
	}
	return remote.New(rc)
}

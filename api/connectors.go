package api

// ConnectorInfo is a connector's name, configuration and tasks, as Kafka
// Connect's REST API reports them.
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []ConnectorTaskID `json:"tasks"`
	Type   string            `json:"type"` // source or sink
}

// ConnectorTaskID names one task.
type ConnectorTaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// CreateConnectorEntity answers CREATE SOURCE|SINK CONNECTOR.
type CreateConnectorEntity struct {
	Type          string        `json:"@type"` // "connector_info"
	StatementText string        `json:"statementText"`
	Info          ConnectorInfo `json:"info"`
	Warnings      []Warning     `json:"warnings"`
}

// DropConnectorEntity answers DROP CONNECTOR.
type DropConnectorEntity struct {
	Type          string    `json:"@type"` // "drop_connector"
	StatementText string    `json:"statementText"`
	ConnectorName string    `json:"connectorName"`
	Warnings      []Warning `json:"warnings"`
}

// SimpleConnectorInfo is one row of SHOW CONNECTORS.
type SimpleConnectorInfo struct {
	Name      string `json:"name"`
	Type      string `json:"type"` // SOURCE or SINK
	ClassName string `json:"className"`
	State     string `json:"state"` // e.g. "RUNNING (1/1 tasks RUNNING)"
}

// ConnectorList answers SHOW [SOURCE|SINK] CONNECTORS.
type ConnectorList struct {
	Type          string                `json:"@type"` // "connector_list"
	StatementText string                `json:"statementText"`
	Connectors    []SimpleConnectorInfo `json:"connectors"`
	Warnings      []Warning             `json:"warnings"`
}

// ConnectorPluginInfo is one connector class SHOW CONNECTOR PLUGINS lists.
type ConnectorPluginInfo struct {
	ClassName string `json:"className"`
	Type      string `json:"type"` // source or sink
	Version   string `json:"version"`
}

// ConnectorPluginsList answers SHOW CONNECTOR PLUGINS; the plugins' field
// is named as ksqlDB's entity names it.
type ConnectorPluginsList struct {
	Type          string                `json:"@type"` // "connector_plugins_list"
	StatementText string                `json:"statementText"`
	Warnings      []Warning             `json:"warnings"`
	Plugins       []ConnectorPluginInfo `json:"connectorsPlugins"`
}

// ConnectorState is Kafka Connect's connector status.
type ConnectorState struct {
	Name      string               `json:"name"`
	Connector ConnectorStateDetail `json:"connector"`
	Tasks     []TaskState          `json:"tasks"`
	Type      string               `json:"type"` // source or sink
}

// ConnectorStateDetail is the connector's own state.
type ConnectorStateDetail struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// TaskState is one task's state. ErrorTime and Progress are eddy's
// additions: when the trace's error happened, and what the task reports.
type TaskState struct {
	ID        int    `json:"id"`
	State     string `json:"state"`
	WorkerID  string `json:"worker_id"`
	Trace     string `json:"trace,omitempty"`
	ErrorTime string `json:"errorTime,omitempty"`
	Progress  string `json:"progress,omitempty"`
}

// ConnectorLag is a sink's consumer lag on one partition (eddy's
// addition to the description).
type ConnectorLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed int64  `json:"committedOffset"`
	End       int64  `json:"endOffset"`
	Lag       int64  `json:"lag"`
}

// ConnectorDescription answers DESCRIBE CONNECTOR.
type ConnectorDescription struct {
	Type           string              `json:"@type"` // "connector_description"
	StatementText  string              `json:"statementText"`
	ConnectorClass string              `json:"connectorClass"`
	Status         ConnectorState      `json:"status"`
	Sources        []SourceDescription `json:"sources"`
	Topics         []string            `json:"topics"`
	Lag            []ConnectorLag      `json:"lag,omitempty"`
	Warnings       []Warning           `json:"warnings"`
}

func (e *CreateConnectorEntity) EntityType() string { return "connector_info" }
func (e *DropConnectorEntity) EntityType() string   { return "drop_connector" }
func (e *ConnectorList) EntityType() string         { return "connector_list" }
func (e *ConnectorPluginsList) EntityType() string  { return "connector_plugins_list" }
func (e *ConnectorDescription) EntityType() string  { return "connector_description" }

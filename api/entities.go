// Package api holds the wire types of eddy's ksqlDB-compatible REST API:
// the entities that /ksql returns and the rows that /query streams. The
// engine produces them, the server encodes them and the shell renders them,
// so the embedded shell and a remote one share one rendering path.
package api

// Entity is one result of a /ksql statement. Each concrete type marshals
// with the "@type" discriminator ksqlDB clients expect.
type Entity interface{ EntityType() string }

// Warning is attached to an entity.
type Warning struct {
	Message string `json:"message"`
}

// CommandStatus is the outcome of a distributed command.
type CommandStatus struct {
	Status  string `json:"status"` // QUEUED, PARSING, EXECUTING, SUCCESS, ERROR
	Message string `json:"message"`
	QueryID string `json:"queryId,omitempty"`
}

// CurrentStatus answers CREATE, DROP, TERMINATE, INSERT INTO ... SELECT.
type CurrentStatus struct {
	Type                  string        `json:"@type"`
	StatementText         string        `json:"statementText"`
	CommandID             string        `json:"commandId"`
	CommandStatus         CommandStatus `json:"commandStatus"`
	CommandSequenceNumber int64         `json:"commandSequenceNumber"`
	Warnings              []Warning     `json:"warnings"`
}

// SourceInfo is one row of SHOW STREAMS / SHOW TABLES.
type SourceInfo struct {
	Type        string `json:"type"` // STREAM or TABLE
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

// StreamsList answers SHOW STREAMS.
type StreamsList struct {
	Type          string       `json:"@type"` // "streams"
	StatementText string       `json:"statementText"`
	Streams       []SourceInfo `json:"streams"`
	Warnings      []Warning    `json:"warnings"`
}

// TablesList answers SHOW TABLES.
type TablesList struct {
	Type          string       `json:"@type"` // "tables"
	StatementText string       `json:"statementText"`
	Tables        []SourceInfo `json:"tables"`
	Warnings      []Warning    `json:"warnings"`
}

// TopicInfo is one row of SHOW TOPICS.
type TopicInfo struct {
	Name        string `json:"name"`
	ReplicaInfo []int  `json:"replicaInfo"`
}

// TopicsList answers SHOW TOPICS.
type TopicsList struct {
	Type          string      `json:"@type"` // "kafka_topics"
	StatementText string      `json:"statementText"`
	Topics        []TopicInfo `json:"topics"`
	Warnings      []Warning   `json:"warnings"`
}

// RunningQuery is one row of SHOW QUERIES.
type RunningQuery struct {
	QueryString     string         `json:"queryString"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	ID              string         `json:"id"`
	StatusCount     map[string]int `json:"statusCount"`
	QueryType       string         `json:"queryType"` // PERSISTENT or PUSH
	State           string         `json:"state"`
}

// QueriesList answers SHOW QUERIES.
type QueriesList struct {
	Type          string         `json:"@type"` // "queries"
	StatementText string         `json:"statementText"`
	Queries       []RunningQuery `json:"queries"`
	Warnings      []Warning      `json:"warnings"`
}

// SchemaInfo describes a field's type as ksqlDB's REST API does.
type SchemaInfo struct {
	Type         string         `json:"type"`
	Fields       []FieldInfo    `json:"fields"`
	MemberSchema *SchemaInfo    `json:"memberSchema"`
	Parameters   map[string]any `json:"parameters,omitempty"`
}

// FieldInfo is one column of a source description.
type FieldInfo struct {
	Name   string     `json:"name"`
	Schema SchemaInfo `json:"schema"`
	Type   string     `json:"type,omitempty"` // KEY, HEADER; empty for value columns
	// HeaderKey is the header a HEADER('k') column reads; empty for
	// HEADERS and other columns.
	HeaderKey string `json:"headerKey,omitempty"`
}

// QueryRef names a query reading or writing a source.
type QueryRef struct {
	QueryString string   `json:"queryString"`
	Sinks       []string `json:"sinks"`
	ID          string   `json:"id"`
	State       string   `json:"state"`
}

// SourceDescription is the body of DESCRIBE.
type SourceDescription struct {
	Name              string      `json:"name"`
	WindowType        string      `json:"windowType,omitempty"`
	ReadQueries       []QueryRef  `json:"readQueries"`
	WriteQueries      []QueryRef  `json:"writeQueries"`
	Fields            []FieldInfo `json:"fields"`
	Type              string      `json:"type"`
	Timestamp         string      `json:"timestamp"`
	Statistics        string      `json:"statistics"`
	ErrorStats        string      `json:"errorStats"`
	Extended          bool        `json:"extended"`
	KeyFormat         string      `json:"keyFormat"`
	ValueFormat       string      `json:"valueFormat"`
	Topic             string      `json:"topic"`
	Partitions        int         `json:"partitions"`
	Replication       int         `json:"replication"`
	Statement         string      `json:"statement"`
	SourceConstraints []string    `json:"sourceConstraints"`
}

// SourceDescriptionEntity answers DESCRIBE x.
type SourceDescriptionEntity struct {
	Type              string            `json:"@type"` // "sourceDescription"
	StatementText     string            `json:"statementText"`
	SourceDescription SourceDescription `json:"sourceDescription"`
	Warnings          []Warning         `json:"warnings"`
}

// SourceDescriptionList answers DESCRIBE STREAMS|TABLES and SHOW ... EXTENDED.
type SourceDescriptionList struct {
	Type               string              `json:"@type"` // "source_descriptions"
	StatementText      string              `json:"statementText"`
	SourceDescriptions []SourceDescription `json:"sourceDescriptions"`
	Warnings           []Warning           `json:"warnings"`
}

// Property is one row of SHOW PROPERTIES.
type Property struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
	Value string `json:"value"`
}

// PropertiesList answers SHOW PROPERTIES.
type PropertiesList struct {
	Type                  string     `json:"@type"` // "properties"
	StatementText         string     `json:"statementText"`
	Properties            []Property `json:"properties"`
	OverwrittenProperties []string   `json:"overwrittenProperties"`
	DefaultProperties     []string   `json:"defaultProperties"`
	Warnings              []Warning  `json:"warnings"`
}

// QueryDescription is the body of EXPLAIN.
type QueryDescription struct {
	ID                   string            `json:"id"`
	StatementText        string            `json:"statementText"`
	WindowType           string            `json:"windowType,omitempty"`
	Fields               []FieldInfo       `json:"fields"`
	Sources              []string          `json:"sources"`
	Sinks                []string          `json:"sinks"`
	Topology             string            `json:"topology"`
	ExecutionPlan        string            `json:"executionPlan"`
	OverriddenProperties map[string]string `json:"overriddenProperties"`
	QueryType            string            `json:"queryType"`
	State                string            `json:"state"`
	// QueryErrors are the errors that failed the query (ksqlDB's field).
	QueryErrors []QueryError `json:"queryErrors"`
	// Statistics and ErrorStats are eddy's local counters of a running
	// query, in SourceDescription's form ("messages-in: 3, messages-out:
	// 2", "processing-errors: 1"); empty for a query that is not running.
	Statistics string `json:"statistics,omitempty"`
	ErrorStats string `json:"errorStats,omitempty"`
}

// QueryError is an error that stopped a query.
type QueryError struct {
	Timestamp    int64  `json:"timestamp"`
	ErrorMessage string `json:"errorMessage"`
	Type         string `json:"type"` // USER, SYSTEM or UNKNOWN
}

// QueryDescriptionEntity answers EXPLAIN.
type QueryDescriptionEntity struct {
	Type             string           `json:"@type"` // "queryDescription"
	StatementText    string           `json:"statementText"`
	QueryDescription QueryDescription `json:"queryDescription"`
	Warnings         []Warning        `json:"warnings"`
}

// QueryDescriptionList answers SHOW QUERIES EXTENDED: EXPLAIN of every
// persistent query.
type QueryDescriptionList struct {
	Type              string             `json:"@type"` // "query_descriptions"
	StatementText     string             `json:"statementText"`
	QueryDescriptions []QueryDescription `json:"queryDescriptions"`
	Warnings          []Warning          `json:"warnings"`
}

// Variable is one session variable.
type Variable struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// VariablesList answers SHOW VARIABLES.
type VariablesList struct {
	Type          string     `json:"@type"` // "variables"
	StatementText string     `json:"statementText"`
	Variables     []Variable `json:"variables"`
	Warnings      []Warning  `json:"warnings"`
}

// FunctionNameList answers SHOW FUNCTIONS.
type FunctionNameList struct {
	Type          string         `json:"@type"` // "function_names"
	StatementText string         `json:"statementText"`
	Functions     []FunctionName `json:"functions"`
	Warnings      []Warning      `json:"warnings"`
}

// FunctionName is one row of SHOW FUNCTIONS.
type FunctionName struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // SCALAR, AGGREGATE, TABLE
	Category string `json:"category"`
}

// TopicInfoExtended is one row of SHOW TOPICS EXTENDED.
type TopicInfoExtended struct {
	Name        string `json:"name"`
	ReplicaInfo []int  `json:"replicaInfo"`
	// ConsumerCount and ConsumerGroupCount count the consumers reading
	// the topic and their distinct groups.
	ConsumerCount      int `json:"consumerCount"`
	ConsumerGroupCount int `json:"consumerGroupCount"`
}

// TopicsListExtended answers SHOW [ALL] TOPICS EXTENDED.
type TopicsListExtended struct {
	Type          string              `json:"@type"` // "kafka_topics_extended"
	StatementText string              `json:"statementText"`
	Topics        []TopicInfoExtended `json:"topics"`
	Warnings      []Warning           `json:"warnings"`
}

// FunctionArgument is one parameter of a function variation.
type FunctionArgument struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	IsVariadic  bool   `json:"isVariadic"`
}

// FunctionVariation is one signature of a function.
type FunctionVariation struct {
	Arguments []FunctionArgument `json:"arguments"`
	// ArgumentTypes is the deprecated list of the argument types.
	ArgumentTypes []string `json:"argumentTypes"`
	ReturnType    string   `json:"returnType"`
	Description   string   `json:"description"`
}

// FunctionDescription answers DESCRIBE FUNCTION.
type FunctionDescription struct {
	Type          string              `json:"@type"` // "describe_function"
	StatementText string              `json:"statementText"`
	Name          string              `json:"name"`
	Description   string              `json:"description"`
	Author        string              `json:"author"`
	Version       string              `json:"version"`
	Path          string              `json:"path"`
	FunctionType  string              `json:"type"` // SCALAR, AGGREGATE, TABLE
	Functions     []FunctionVariation `json:"functions"`
	Warnings      []Warning           `json:"warnings"`
}

// TypeList answers SHOW TYPES: each custom type by name.
type TypeList struct {
	Type          string                `json:"@type"` // "type_list"
	StatementText string                `json:"statementText"`
	Types         map[string]SchemaInfo `json:"types"`
	Warnings      []Warning             `json:"warnings"`
}

// Message is a plain informational result (SET, UNSET, DEFINE ...). It
// is shell-side in ksqlDB; eddy returns it so every front end shows it.
type Message struct {
	Type          string    `json:"@type"` // "message"
	StatementText string    `json:"statementText"`
	Message       string    `json:"message"`
	Warnings      []Warning `json:"warnings"`
}

// AssertTopicEntity answers a successful ASSERT [NOT EXISTS] TOPIC.
// Exists is true for ASSERT TOPIC, false for ASSERT NOT EXISTS TOPIC.
type AssertTopicEntity struct {
	Type          string    `json:"@type"` // "assert_topic"
	StatementText string    `json:"statementText"`
	TopicName     string    `json:"topicName"`
	Exists        bool      `json:"exists"`
	Warnings      []Warning `json:"warnings"`
}

// AssertSchemaEntity answers a successful ASSERT [NOT EXISTS] SCHEMA. The
// subject or id the statement left out is null, as ksqlDB writes it.
type AssertSchemaEntity struct {
	Type          string    `json:"@type"` // "assert_schema"
	StatementText string    `json:"statementText"`
	Subject       *string   `json:"subject"`
	ID            *int      `json:"id"`
	Exists        bool      `json:"exists"`
	Warnings      []Warning `json:"warnings"`
}

func (e *CurrentStatus) EntityType() string           { return "currentStatus" }
func (e *AssertTopicEntity) EntityType() string       { return "assert_topic" }
func (e *AssertSchemaEntity) EntityType() string      { return "assert_schema" }
func (e *StreamsList) EntityType() string             { return "streams" }
func (e *TablesList) EntityType() string              { return "tables" }
func (e *TopicsList) EntityType() string              { return "kafka_topics" }
func (e *QueriesList) EntityType() string             { return "queries" }
func (e *SourceDescriptionEntity) EntityType() string { return "sourceDescription" }
func (e *SourceDescriptionList) EntityType() string   { return "source_descriptions" }
func (e *PropertiesList) EntityType() string          { return "properties" }
func (e *QueryDescriptionEntity) EntityType() string  { return "queryDescription" }
func (e *QueryDescriptionList) EntityType() string    { return "query_descriptions" }
func (e *VariablesList) EntityType() string           { return "variables" }
func (e *FunctionNameList) EntityType() string        { return "function_names" }
func (e *Message) EntityType() string                 { return "message" }
func (e *TopicsListExtended) EntityType() string      { return "kafka_topics_extended" }
func (e *FunctionDescription) EntityType() string     { return "describe_function" }
func (e *TypeList) EntityType() string                { return "type_list" }

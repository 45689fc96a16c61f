package repl

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/api"
)

// renderer draws server results the way the ksqlDB CLI does.
type renderer struct {
	out io.Writer
	// width is the terminal width tables must fit; 0 means unlimited.
	width int
	// local holds the shell's SET properties, marked in SHOW PROPERTIES.
	local map[string]string
	// csv writes tables as CSV, header first; other text stays as it is.
	csv bool
}

// entity writes one /ksql result in TABULAR form.
func (r *renderer) entity(e api.Entity) {
	switch e := e.(type) {
	case *api.CurrentStatus:
		r.table(&table{header: []string{"Message"}, rows: [][]string{{e.CommandStatus.Message}}})
		r.warnings(e.Warnings)
	case *api.StreamsList:
		r.sources("Stream Name", e.Streams)
		r.warnings(e.Warnings)
	case *api.TablesList:
		r.sources("Table Name", e.Tables)
		r.warnings(e.Warnings)
	case *api.TopicsList:
		r.topics(e)
		r.warnings(e.Warnings)
	case *api.QueriesList:
		r.queries(e)
		r.warnings(e.Warnings)
	case *api.PropertiesList:
		r.properties(e)
		r.warnings(e.Warnings)
	case *api.VariablesList:
		t := &table{header: []string{"Variable Name", "Value"}}
		for _, v := range e.Variables {
			t.add(v.Name, v.Value)
		}
		r.table(t)
		r.warnings(e.Warnings)
	case *api.FunctionNameList:
		r.functions(e)
		r.warnings(e.Warnings)
	case *api.SourceDescriptionEntity:
		fmt.Fprintln(r.out)
		r.describe(&e.SourceDescription)
		r.warnings(e.Warnings)
	case *api.SourceDescriptionList:
		for i := range e.SourceDescriptions {
			fmt.Fprintln(r.out)
			r.describe(&e.SourceDescriptions[i])
		}
		r.warnings(e.Warnings)
	case *api.QueryDescriptionEntity:
		fmt.Fprintln(r.out)
		r.explain(&e.QueryDescription)
		r.warnings(e.Warnings)
	case *api.QueryDescriptionList:
		for i := range e.QueryDescriptions {
			fmt.Fprintln(r.out)
			r.explain(&e.QueryDescriptions[i])
		}
		r.warnings(e.Warnings)
	case *api.TopicsListExtended:
		r.topicsExtended(e)
		r.warnings(e.Warnings)
	case *api.FunctionDescription:
		r.functionDescription(e)
		r.warnings(e.Warnings)
	case *api.TypeList:
		r.types(e)
		r.warnings(e.Warnings)
	case *api.Message:
		fmt.Fprintln(r.out, e.Message)
		r.warnings(e.Warnings)
	case *api.CreateConnectorEntity:
		fmt.Fprintln(r.out)
		fmt.Fprintf(r.out, " Created connector %s\n", e.Info.Name)
		r.warnings(e.Warnings)
	case *api.DropConnectorEntity:
		fmt.Fprintln(r.out)
		fmt.Fprintf(r.out, " Dropped connector \"%s\"\n", e.ConnectorName)
		r.warnings(e.Warnings)
	case *api.ConnectorList:
		t := &table{header: []string{"Connector Name", "Type", "Class", "Status"}}
		for _, c := range e.Connectors {
			t.add(c.Name, c.Type, c.ClassName, c.State)
		}
		r.table(t)
		r.warnings(e.Warnings)
	case *api.ConnectorPluginsList:
		t := &table{header: []string{"Class", "Type", "Version"}}
		for _, p := range e.Plugins {
			t.add(p.ClassName, strings.ToUpper(p.Type), p.Version)
		}
		r.table(t)
		r.warnings(e.Warnings)
	case *api.ConnectorDescription:
		r.connectorDescription(e)
		r.warnings(e.Warnings)
	case *api.AssertTopicEntity:
		fmt.Fprintln(r.out)
		fmt.Fprintf(r.out, "Topic %s%s.\n", e.TopicName, existence(e.Exists))
		r.warnings(e.Warnings)
	case *api.AssertSchemaEntity:
		// ksqlDB's CLI says "subject", where the error says "subject name".
		what := "Schema with"
		if e.Subject != nil {
			what += " subject " + *e.Subject
		}
		if e.ID != nil {
			what += " id " + strconv.Itoa(*e.ID)
		}
		fmt.Fprintln(r.out)
		fmt.Fprintf(r.out, "%s%s.\n", what, existence(e.Exists))
		r.warnings(e.Warnings)
	default:
		// An entity this shell does not know yet: show it rather than
		// hide it.
		b, err := entitiesJSON([]api.Entity{e})
		if err != nil {
			fmt.Fprintf(r.out, "(%s entity: %v)\n", e.EntityType(), err)
			return
		}
		fmt.Fprintln(r.out, string(b))
	}
}

// existence words an ASSERT's outcome as ksqlDB's CLI does.
func existence(exists bool) string {
	if exists {
		return " exists"
	}
	return " does not exist"
}

// table writes a blank line and then t, fitted to the terminal.
func (r *renderer) table(t *table) {
	if r.csv {
		w := csv.NewWriter(r.out)
		w.Write(t.header)
		w.WriteAll(t.rows)
		return
	}
	fmt.Fprintln(r.out)
	t.render(r.out, r.width)
}

func (r *renderer) warnings(ws []api.Warning) {
	for _, w := range ws {
		fmt.Fprintln(r.out, "WARNING: "+w.Message)
	}
}

func (r *renderer) sources(nameHeader string, list []api.SourceInfo) {
	t := &table{header: []string{nameHeader, "Kafka Topic", "Key Format", "Value Format", "Windowed"}}
	for _, s := range list {
		t.add(s.Name, s.Topic, s.KeyFormat, s.ValueFormat, strconv.FormatBool(s.IsWindowed))
	}
	r.table(t)
}

func (r *renderer) topics(e *api.TopicsList) {
	t := &table{header: []string{"Kafka Topic", "Partitions", "Partition Replicas"}}
	for _, tp := range e.Topics {
		t.add(tp.Name, strconv.Itoa(len(tp.ReplicaInfo)), replicaSummary(tp.ReplicaInfo))
	}
	r.table(t)
}

// replicaSummary is one number when every partition has the same replica
// count, else the per-partition list.
func replicaSummary(replicas []int) string {
	if len(replicas) == 0 {
		return "0"
	}
	parts := make([]string, len(replicas))
	same := true
	for i, n := range replicas {
		parts[i] = strconv.Itoa(n)
		same = same && n == replicas[0]
	}
	if same {
		return parts[0]
	}
	return strings.Join(parts, ", ")
}

func (r *renderer) queries(e *api.QueriesList) {
	t := &table{header: []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}}
	for _, q := range e.Queries {
		t.add(q.ID, q.QueryType, queryStatus(q), strings.Join(q.Sinks, ","),
			strings.Join(q.SinkKafkaTopics, ","), oneLine(q.QueryString))
	}
	r.table(t)
	fmt.Fprintln(r.out, "For detailed information on a Query run: EXPLAIN <Query ID>;")
}

// queryStatus renders statusCount as ksqlDB does ("RUNNING:1"), falling
// back to the aggregate state.
func queryStatus(q api.RunningQuery) string {
	if len(q.StatusCount) == 0 {
		return q.State
	}
	keys := make([]string, 0, len(q.StatusCount))
	for k := range q.StatusCount {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.Itoa(q.StatusCount[k])
	}
	return strings.Join(parts, " ")
}

// oneLine folds whitespace runs so multi-line SQL fits a table cell.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (r *renderer) properties(e *api.PropertiesList) {
	overwritten := map[string]bool{}
	for _, n := range e.OverwrittenProperties {
		overwritten[n] = true
	}
	props := append([]api.Property(nil), e.Properties...)
	sort.SliceStable(props, func(i, j int) bool { return props[i].Name < props[j].Name })
	t := &table{header: []string{"Property", "Scope", "Default override", "Effective Value"}}
	seen := map[string]bool{}
	for _, p := range props {
		seen[p.Name] = true
		override, value := "", p.Value
		if overwritten[p.Name] {
			override = "SERVER"
		}
		if v, ok := r.local[p.Name]; ok {
			override, value = "SESSION", v
		}
		t.add(p.Name, p.Scope, override, value)
	}
	// Local properties the server did not list still apply to requests.
	var extra []string
	for k := range r.local {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.add(k, "KSQL", "SESSION", r.local[k])
	}
	r.table(t)
}

// marshalEntity encodes an entity as compact JSON, filling in "@type"
// when the producer left it empty so readers can always dispatch on it.
func marshalEntity(e api.Entity) ([]byte, error) {
	b, err := marshalJSON(e, "")
	if err != nil {
		return nil, fmt.Errorf("encode %s entity: %w", e.EntityType(), err)
	}
	if empty := []byte(`{"@type":""`); bytes.HasPrefix(b, empty) {
		b = append([]byte(`{"@type":`+strconv.Quote(e.EntityType())), b[len(empty):]...)
	}
	return b, nil
}

// entitiesJSON is the pretty JSON array the JSON output mode prints.
func entitiesJSON(es []api.Entity) ([]byte, error) {
	raw := make([]json.RawMessage, len(es))
	for i, e := range es {
		b, err := marshalEntity(e)
		if err != nil {
			return nil, err
		}
		raw[i] = b
	}
	b, err := marshalJSON(raw, "  ")
	if err != nil {
		return nil, fmt.Errorf("encode entities: %w", err)
	}
	return b, nil
}

// marshalJSON is json.Marshal (indented by indent, when not empty)
// without the escapes of <, > and & for HTML that Marshal adds: the
// shell prints types such as MAP<STRING, INT> as the server sends them.
func marshalJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

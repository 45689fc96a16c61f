package repl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/api"
)

// describe writes DESCRIBE [EXTENDED] output in the ksqlDB CLI layout.
func (r *renderer) describe(d *api.SourceDescription) {
	isTable := strings.EqualFold(d.Type, "TABLE")
	r.field("Name", d.Name)
	if !d.Extended {
		r.schema(d.Fields, d.WindowType, isTable)
		fmt.Fprintln(r.out, "For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;")
		return
	}
	r.field("Type", d.Type)
	ts := d.Timestamp
	if ts == "" {
		ts = "Not set - using <ROWTIME>"
	}
	r.field("Timestamp field", ts)
	r.field("Key format", d.KeyFormat)
	r.field("Value format", d.ValueFormat)
	if d.Topic != "" {
		topic := d.Topic
		if d.Partitions != 0 {
			topic += fmt.Sprintf(" (partitions: %d, replication: %d)", d.Partitions, d.Replication)
		}
		r.field("Kafka topic", topic)
	}
	r.field("Statement", d.Statement)
	fmt.Fprintln(r.out)
	r.schema(d.Fields, d.WindowType, isTable)

	if len(d.SourceConstraints) > 0 {
		r.section("Sources that have a DROP constraint on this source")
		for _, s := range d.SourceConstraints {
			fmt.Fprintln(r.out, s)
		}
	}
	r.queryRefs(d.ReadQueries, "Queries that read from this "+d.Type)
	r.queryRefs(d.WriteQueries, "Queries that write into this "+d.Type)
	r.section("Local runtime statistics")
	fmt.Fprintln(r.out, d.Statistics)
	fmt.Fprintln(r.out, d.ErrorStats)
	fmt.Fprintf(r.out, "(Statistics of the local eddy server interaction with the Kafka topic %s)\n", d.Topic)
}

// explain writes EXPLAIN output in the ksqlDB CLI layout.
func (r *renderer) explain(q *api.QueryDescription) {
	r.field("ID", q.ID)
	r.field("Query Type", q.QueryType)
	if q.StatementText != "" {
		r.field("SQL", q.StatementText)
	}
	if q.State != "" {
		r.field("State", q.State)
	}
	fmt.Fprintln(r.out)
	r.schema(q.Fields, q.WindowType, false)
	if len(q.Sources) > 0 {
		r.section("Sources that this query reads from: ")
		fmt.Fprintln(r.out, strings.Join(q.Sources, "\n"))
		fmt.Fprintln(r.out, "\nFor source description please run: DESCRIBE [EXTENDED] <SourceId>")
	}
	if len(q.Sinks) > 0 {
		r.section("Sinks that this query writes to: ")
		fmt.Fprintln(r.out, strings.Join(q.Sinks, "\n"))
		fmt.Fprintln(r.out, "\nFor sink description please run: DESCRIBE [EXTENDED] <SinkId>")
	}
	if q.ExecutionPlan != "" {
		r.section("Execution plan")
		fmt.Fprintln(r.out, q.ExecutionPlan)
	}
	if q.Topology != "" {
		r.section("Processing topology")
		fmt.Fprintln(r.out, q.Topology)
	}
	if len(q.OverriddenProperties) > 0 {
		r.section("Overridden Properties")
		keys := make([]string, 0, len(q.OverriddenProperties))
		for k := range q.OverriddenProperties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t := &table{header: []string{"Property", "Value"}}
		for _, k := range keys {
			t.add(k, q.OverriddenProperties[k])
		}
		t.render(r.out, r.width)
	}
	r.queryRuntime(q)
}

// field writes one `Label : value` line.
func (r *renderer) field(label, value string) {
	fmt.Fprintf(r.out, "%-20s : %s\n", label, value)
}

// section writes a blank line, a title and its dashed underline.
func (r *renderer) section(title string) {
	fmt.Fprintf(r.out, "\n%s\n%s\n", title, strings.Repeat("-", max(len(strings.TrimSpace(title)), 20)))
}

// schema writes the `Field | Type` table of a source or query.
func (r *renderer) schema(fields []api.FieldInfo, windowType string, isTable bool) {
	if len(fields) == 0 {
		return
	}
	t := &table{header: []string{"Field", "Type"}}
	for _, f := range fields {
		t.add(f.Name, fieldType(f, windowType, isTable))
	}
	t.render(r.out, r.width)
}

// fieldType is a column's type with its (key), (primary key) or header
// marker, formatted as ksqlDB's CLI does.
func fieldType(f api.FieldInfo, windowType string, isTable bool) string {
	typ := typeString(&f.Schema)
	switch f.Type {
	case "KEY":
		marker := "(key)"
		if isTable {
			marker = "(primary key)"
		}
		if windowType != "" {
			marker += " (Window type: " + windowType + ")"
		}
		return fmt.Sprintf("%-16s %s", typ, marker)
	case "HEADER":
		if f.HeaderKey != "" {
			return fmt.Sprintf("%-16s (header('%s'))", typ, f.HeaderKey)
		}
		return fmt.Sprintf("%-16s %s", typ, "(headers)")
	}
	return typ
}

// typeString renders a SchemaInfo as ksqlDB's SchemaInfo.toTypeString.
func typeString(s *api.SchemaInfo) string {
	switch s.Type {
	case "STRING":
		return "VARCHAR(STRING)"
	case "ARRAY":
		return "ARRAY<" + memberType(s) + ">"
	case "MAP":
		return "MAP<STRING, " + memberType(s) + ">"
	case "STRUCT":
		parts := make([]string, len(s.Fields))
		for i := range s.Fields {
			parts[i] = s.Fields[i].Name + " " + typeString(&s.Fields[i].Schema)
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	case "DECIMAL":
		return fmt.Sprintf("DECIMAL(%v, %v)", s.Parameters["precision"], s.Parameters["scale"])
	}
	return s.Type
}

func memberType(s *api.SchemaInfo) string {
	if s.MemberSchema == nil {
		return ""
	}
	return typeString(s.MemberSchema)
}

// queryRefs lists the queries reading or writing a source.
func (r *renderer) queryRefs(qs []api.QueryRef, title string) {
	if len(qs) == 0 {
		return
	}
	r.section(title)
	for _, q := range qs {
		state := q.State
		if state == "" {
			state = "N/A"
		}
		fmt.Fprintf(r.out, "%s (%s) : %s\n", q.ID, state, q.QueryString)
	}
	fmt.Fprintln(r.out, "\nFor query topology and execution plan please run: EXPLAIN <QueryId>")
}

package mysqlcdc

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/eddysql/eddy/connect"
)

// column is one column of a captured table, with the Connect schema its
// values get and the conversion from MySQL's value (text protocol bytes
// from the snapshot, go-mysql's decoded binlog values) to that schema.
type column struct {
	name       string
	dataType   string // information_schema DATA_TYPE, lower case
	columnType string // COLUMN_TYPE, lower case, e.g. "int(10) unsigned"
	nullable   bool
	unsigned   bool
	precision  int
	scale      int
	fsp        int   // fractional seconds precision of temporal types
	octets     int64 // CHARACTER_OCTET_LENGTH, pads BINARY(n)
	charset    string
	values     []string
	json       bool
	excluded   bool // column.exclude.list: left out of before/after
	schema     *connect.Schema
	conv       func(v any) (any, error)
}

// table is a captured table's definition and the schemas of its records.
type table struct {
	db, name string
	cols     []*column // every column, in ordinal order (binlog rows are positional)
	pk       []int     // indexes into cols, in key order
	topic    string

	keySchema, valueSchema, envelopeSchema *connect.Schema
}

func (t *table) id() string { return t.db + "." + t.name }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readTables reads the definitions of the captured tables from
// information_schema: every captured table, or those of one database, or
// one table.
func readTables(ctx context.Context, q querier, s *settings, db, name string) (map[string]*table, error) {
	where, args := "TABLE_SCHEMA NOT IN ('mysql','sys','information_schema','performance_schema')", []any{}
	if db != "" {
		where, args = "TABLE_SCHEMA = ?", append(args, db)
		if name != "" {
			where, args = where+" AND TABLE_NAME = ?", append(args, name)
		}
	}
	tables := map[string]*table{}
	var order []*table
	rows, err := q.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND "+where+" ORDER BY TABLE_SCHEMA, TABLE_NAME", args...)
	if err != nil {
		return nil, fmt.Errorf("reading table list: %w", err)
	}
	for rows.Next() {
		t := &table{}
		if err := rows.Scan(&t.db, &t.name); err != nil {
			rows.Close()
			return nil, err
		}
		if s.captures(t.db, t.name) {
			tables[t.id()] = t
			order = append(order, t)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return tables, nil
	}

	rows, err = q.QueryContext(ctx, `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
		COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COALESCE(DATETIME_PRECISION, 0),
		COALESCE(CHARACTER_OCTET_LENGTH, 0), COALESCE(CHARACTER_SET_NAME, '')
		FROM information_schema.COLUMNS WHERE `+where+` ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading columns: %w", err)
	}
	for rows.Next() {
		var tdb, tname, nullable string
		c := &column{}
		if err := rows.Scan(&tdb, &tname, &c.name, &c.dataType, &c.columnType, &nullable, &c.precision, &c.scale, &c.fsp, &c.octets, &c.charset); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading columns: %w", err)
		}
		t := tables[tdb+"."+tname]
		if t == nil {
			continue
		}
		c.dataType, c.columnType = strings.ToLower(c.dataType), strings.ToLower(c.columnType)
		c.nullable = nullable == "YES"
		c.unsigned = strings.Contains(c.columnType, "unsigned")
		if c.dataType == "enum" || c.dataType == "set" {
			c.values = parseEnumValues(c.columnType)
		}
		c.excluded = s.excludesColumn(tdb, tname, c.name)
		t.cols = append(t.cols, c)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}

	rows, err = q.QueryContext(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE CONSTRAINT_NAME = 'PRIMARY' AND "+where+" ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", args...)
	if err != nil {
		return nil, fmt.Errorf("reading primary keys: %w", err)
	}
	for rows.Next() {
		var tdb, tname, cname string
		if err := rows.Scan(&tdb, &tname, &cname); err != nil {
			rows.Close()
			return nil, err
		}
		if t := tables[tdb+"."+tname]; t != nil {
			for i, c := range t.cols {
				if c.name == cname {
					t.pk = append(t.pk, i)
				}
			}
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}

	// MariaDB's JSON is LONGTEXT with a json_valid() check; that check is
	// how a JSON column is told from text.
	if rows, err := q.QueryContext(ctx, "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CHECK_CLAUSE LIKE 'json_valid(%' AND "+strings.ReplaceAll(where, "TABLE_SCHEMA", "CONSTRAINT_SCHEMA"), args...); err == nil {
		for rows.Next() {
			var tdb, tname, clause string
			if rows.Scan(&tdb, &tname, &clause) != nil {
				break
			}
			if t := tables[tdb+"."+tname]; t != nil {
				for _, c := range t.cols {
					if strings.EqualFold(clause, "json_valid(`"+c.name+"`)") {
						c.json = true
					}
				}
			}
		}
		rows.Close()
	}

	for _, t := range order {
		if err := t.build(s); err != nil {
			return nil, err
		}
	}
	return tables, nil
}

// parseEnumValues reads the allowed values from "enum('a','b”c')".
func parseEnumValues(columnType string) []string {
	open := strings.IndexByte(columnType, '(')
	if open < 0 {
		return nil
	}
	var out []string
	s := columnType[open+1:]
	for len(s) > 0 && s[0] == '\'' {
		var b strings.Builder
		i := 1
		for i < len(s) {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				break
			}
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
			i++
		}
		out = append(out, b.String())
		s = strings.TrimLeft(s[min(i+1, len(s)):], ",")
	}
	return out
}

var unsafeSchemaChars = regexp.MustCompile(`[^A-Za-z0-9_]`)
var unsafeTopicChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// schemaNamePart makes a name usable in an Avro full name, as Debezium
// does: invalid characters become '_', a leading digit gets a '_'.
func schemaNamePart(s string) string {
	s = unsafeSchemaChars.ReplaceAllString(s, "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "_" + s
	}
	return s
}

// build derives the table's topic and record schemas from its columns.
func (t *table) build(s *settings) error {
	if len(t.cols) == 0 {
		return fmt.Errorf("table %s has no columns in information_schema (is it readable by %s?)", t.id(), s.user)
	}
	t.topic = unsafeTopicChars.ReplaceAllString(s.prefix+"."+t.db+"."+t.name, "_")
	base := schemaNamePart(s.prefix) + "." + schemaNamePart(t.db) + "." + schemaNamePart(t.name)
	for _, c := range t.cols {
		if err := c.build(s); err != nil {
			return fmt.Errorf("table %s column %s: %w", t.id(), c.name, err)
		}
	}
	t.valueSchema = &connect.Schema{Type: connect.StructT, Optional: true, Name: base + ".Value"}
	for _, c := range t.cols {
		if !c.excluded {
			t.valueSchema.Fields = append(t.valueSchema.Fields, connect.Field{Name: c.name, Schema: c.schema})
		}
	}
	t.keySchema = nil
	if len(t.pk) > 0 {
		t.keySchema = &connect.Schema{Type: connect.StructT, Name: base + ".Key"}
		for _, i := range t.pk {
			ks := *t.cols[i].schema
			ks.Optional = false
			t.keySchema.Fields = append(t.keySchema.Fields, connect.Field{Name: t.cols[i].name, Schema: &ks})
		}
	}
	t.envelopeSchema = &connect.Schema{Type: connect.StructT, Name: base + ".Envelope", Fields: []connect.Field{
		{Name: "before", Schema: t.valueSchema},
		{Name: "after", Schema: t.valueSchema},
		{Name: "source", Schema: sourceSchema},
		{Name: "op", Schema: &connect.Schema{Type: connect.String}},
		{Name: "ts_ms", Schema: &connect.Schema{Type: connect.Int64, Optional: true}},
		{Name: "transaction", Schema: transactionSchema},
	}}
	return nil
}

// sourceSchema is Debezium's MySQL source block.
var sourceSchema = &connect.Schema{Type: connect.StructT, Name: "io.debezium.connector.mysql.Source", Fields: []connect.Field{
	{Name: "version", Schema: &connect.Schema{Type: connect.String}},
	{Name: "connector", Schema: &connect.Schema{Type: connect.String}},
	{Name: "name", Schema: &connect.Schema{Type: connect.String}},
	{Name: "ts_ms", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "snapshot", Schema: &connect.Schema{Type: connect.String, Optional: true, Name: "io.debezium.data.Enum", Version: 1,
		Parameters: map[string]string{"allowed": "true,last,false,incremental"}, Default: "false"}},
	{Name: "db", Schema: &connect.Schema{Type: connect.String}},
	{Name: "table", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	{Name: "server_id", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "gtid", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	{Name: "file", Schema: &connect.Schema{Type: connect.String}},
	{Name: "pos", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "row", Schema: &connect.Schema{Type: connect.Int32}},
	{Name: "thread", Schema: &connect.Schema{Type: connect.Int64, Optional: true}},
	{Name: "query", Schema: &connect.Schema{Type: connect.String, Optional: true}},
}}

// transactionSchema is the envelope's transaction block; eddy leaves it
// null, as Debezium does without provide.transaction.metadata.
var transactionSchema = &connect.Schema{Type: connect.StructT, Optional: true, Name: "event.block", Version: 1, Fields: []connect.Field{
	{Name: "id", Schema: &connect.Schema{Type: connect.String}},
	{Name: "total_order", Schema: &connect.Schema{Type: connect.Int64}},
	{Name: "data_collection_order", Schema: &connect.Schema{Type: connect.Int64}},
}}

// Schema-change topic shapes (include.schema.changes).
var (
	schemaChangeKeySchema = &connect.Schema{Type: connect.StructT, Name: "io.debezium.connector.mysql.SchemaChangeKey", Fields: []connect.Field{
		{Name: "databaseName", Schema: &connect.Schema{Type: connect.String}},
	}}
	schemaChangeValueSchema = &connect.Schema{Type: connect.StructT, Name: "io.debezium.connector.mysql.SchemaChangeValue", Fields: []connect.Field{
		{Name: "source", Schema: sourceSchema},
		{Name: "ts_ms", Schema: &connect.Schema{Type: connect.Int64}},
		{Name: "databaseName", Schema: &connect.Schema{Type: connect.String, Optional: true}},
		{Name: "schemaName", Schema: &connect.Schema{Type: connect.String, Optional: true}},
		{Name: "ddl", Schema: &connect.Schema{Type: connect.String, Optional: true}},
	}}
)

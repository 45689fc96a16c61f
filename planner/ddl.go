package planner

import (
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Reserved names that no declared column or alias may take.
var reservedColumns = map[string]bool{"ROWTIME": true, "WINDOWSTART": true, "WINDOWEND": true, "ROWPARTITION": true, "ROWOFFSET": true}

// knownFormats are the format names eddy recognises.
var knownFormats = map[string]bool{"JSON": true, "KAFKA": true, "DELIMITED": true, "NONE": true, "AVRO": true, "JSON_SR": true, "PROTOBUF": true, "PROTOBUF_NOSR": true, "DEBEZIUM_JSON": true, "DEBEZIUM_AVRO": true}

// PlanCreateSource validates CREATE STREAM/TABLE and returns the catalog
// entry. Topic existence is the engine's business.
func (p *Planner) PlanCreateSource(st *sql.CreateSource) (*metastore.Source, error) {
	kind := "stream"
	if st.IsTable {
		kind = "table"
	}
	if st.OrReplace && st.Source {
		return nil, errorf("Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", kind, st.Name, kind)
	}
	topicExpr, ok := st.Props.Get("KAFKA_TOPIC")
	if !ok {
		return nil, errorf("Missing required property \"KAFKA_TOPIC\" which has no default value.")
	}
	topic, err := propString(topicExpr)
	if err != nil {
		return nil, errorf("Invalid value for KAFKA_TOPIC: %v", err)
	}
	schema := &types.Schema{}
	seen := map[string]bool{}
	var headers headerColumns
	for _, el := range st.Elements {
		if reservedColumns[el.Name] {
			return nil, errorf("'%s' is a reserved column name. You cannot use it as a name for a column.", el.Name)
		}
		// Stored columns were checked when inferred, where a declared
		// key column an inferred value repeats is accepted.
		if seen[el.Name] && p.Inference != InferStored {
			return nil, errorf("Duplicate column names: %s", el.Name)
		}
		seen[el.Name] = true
		t, err := p.ms.ResolveType(el.Type)
		if err != nil {
			return nil, errorf("%v", err)
		}
		col := types.Column{Name: el.Name, Type: t}
		switch {
		case el.PrimaryKey:
			if !st.IsTable {
				return nil, errorAtLine(el.P, "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", el.Name)
			}
			col.Namespace = types.KeyColumn
		case el.Key:
			if st.IsTable {
				return nil, errorAtLine(el.P, "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", el.Name)
			}
			col.Namespace = types.KeyColumn
		case el.Headers:
			if err := headers.add(el.HeaderKey); err != nil {
				return nil, err
			}
			col.Namespace = types.HeaderColumn
			col.HeaderKey = el.HeaderKey
		}
		schema.Columns = append(schema.Columns, col)
	}
	schema = keyFirst(schema)
	keyFmt, valFmt, err := p.formats(st.Props, nil)
	if err != nil {
		return nil, err
	}
	schema, inferredKey, inferredValue, err := p.inferColumns(st, schema, keyFmt, valFmt, topic)
	if err != nil {
		return nil, err
	}
	if st.IsTable && len(schema.Key()) == 0 {
		return nil, errorf("Tables require a PRIMARY KEY. Please define the PRIMARY KEY.")
	}
	if err := checkFormats(schema, keyFmt, valFmt); err != nil {
		return nil, err
	}
	src := &metastore.Source{
		Name: st.Name, IsTable: st.IsTable, IsSource: st.Source, Schema: schema, Topic: topic,
		KeyFormat: keyFmt, ValueFormat: valFmt, SQL: st.Text(),
	}
	if err := p.timestampProps(st.Props, src); err != nil {
		return nil, err
	}
	if w, ok := st.Props.Get("WINDOW_TYPE"); ok {
		wt, _ := propString(w)
		src.Window = &metastore.WindowInfo{Type: strings.ToUpper(wt)}
		if len(schema.Key()) == 0 {
			return nil, errorf("Windowed sources require a key column.")
		}
		if size, ok, err := PropString(st.Props, "WINDOW_SIZE"); err != nil {
			return nil, err
		} else if ok {
			ms, err := parseDuration(size)
			if err != nil {
				return nil, err
			}
			src.Window.SizeMs = ms
		} else if src.Window.Type != "SESSION" {
			return nil, errorf("%s windows require a WINDOW_SIZE property.", src.Window.Type)
		}
	}
	if inferredKey != nil || inferredValue != nil {
		if src.SQL, err = injectColumns(st, inferredKey, inferredValue, keyFmt, valFmt); err != nil {
			return nil, err
		}
		p.Injected = src.SQL
	}
	return src, nil
}

// injectColumns writes the columns inferred for st into it, as ksqlDB's
// DefaultSchemaInjector does (with its DefaultFormatInjector's KEY_FORMAT
// and VALUE_FORMAT when the statement left a format to the defaults): the
// text stored in the command log and shown as the source's statement, so
// that a replay reads the columns from it instead of inferring them again
// by another build's rules or from another registry. Elements are in
// ksqlDB's order, headers, keys, values, save that a header declared
// after a value column stays there, so that the replay's columns are the
// same, in the same order.
func injectColumns(st *sql.CreateSource, key, value []types.Column, keyFmt, valFmt serde.Format) (string, error) {
	out := *st
	out.Elements = nil
	var rest []sql.TableElement
	leading := true
	for _, el := range st.Elements {
		switch {
		case el.Key || el.PrimaryKey:
		case el.Headers && leading:
			out.Elements = append(out.Elements, el)
		default:
			leading = false
			rest = append(rest, el)
		}
	}
	if key == nil {
		// A declared key keeps its text (a type's name, say).
		for _, el := range st.Elements {
			if el.Key || el.PrimaryKey {
				out.Elements = append(out.Elements, el)
			}
		}
	}
	for _, c := range key {
		out.Elements = append(out.Elements, sql.TableElement{Name: c.Name, Type: c.Type, Key: !st.IsTable, PrimaryKey: st.IsTable})
	}
	out.Elements = append(out.Elements, rest...)
	for _, c := range value {
		out.Elements = append(out.Elements, sql.TableElement{Name: c.Name, Type: c.Type})
	}
	_, hasKey := st.Props.Get("KEY_FORMAT")
	_, hasValue := st.Props.Get("VALUE_FORMAT")
	_, hasBoth := st.Props.Get("FORMAT")
	if !hasBoth && (!hasKey || !hasValue) {
		out.Props = slices.DeleteFunc(slices.Clone(st.Props), func(p sql.Prop) bool { return p.Name == "KEY_FORMAT" || p.Name == "VALUE_FORMAT" })
		out.Props = append(out.Props, sql.Prop{Name: "KEY_FORMAT", Value: &sql.StringLit{Val: keyFmt.Name}}, sql.Prop{Name: "VALUE_FORMAT", Value: &sql.StringLit{Val: valFmt.Name}})
	}
	text := sql.FormatCreateSource(&out)
	// The replay must read back exactly these columns; a type the text
	// cannot carry is an error here rather than a changed source later.
	stmts, err := sql.Parse(text)
	if err == nil && len(stmts) == 1 {
		if back, ok := stmts[0].(*sql.CreateSource); ok && sameElements(back.Elements, out.Elements) {
			return text, nil
		}
	}
	return "", errorf("The inferred columns cannot be written into the statement (%s): declare them.", text)
}

// sameElements reports whether two element lists name the same columns
// with the same types and constraints.
func sameElements(a, b []sql.TableElement) bool {
	return slices.EqualFunc(a, b, func(x, y sql.TableElement) bool {
		return x.Name == y.Name && x.Type.Equal(y.Type) && x.Key == y.Key && x.PrimaryKey == y.PrimaryKey &&
			x.Headers == y.Headers && x.HeaderKey == y.HeaderKey
	})
}

// keyFirst orders key columns before the others, keeping declaration order.
func keyFirst(s *types.Schema) *types.Schema {
	out := &types.Schema{}
	out.Columns = append(out.Columns, s.Key()...)
	for _, c := range s.Columns {
		if c.Namespace != types.KeyColumn {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}

// checkFormats validates that the formats can carry the schema.
func checkFormats(schema *types.Schema, keyFmt, valFmt serde.Format) error {
	if err := serde.Check(keyFmt, schema.Key(), true); err != nil {
		return wrap(err)
	}
	if err := serde.Check(valFmt, schema.Value(), false); err != nil {
		return wrap(err)
	}
	return nil
}

// formats resolves KEY_FORMAT, VALUE_FORMAT and FORMAT, inheriting from
// a query's source when inherit is set.
func (p *Planner) formats(props sql.Props, inherit *metastore.Source) (key, value serde.Format, err error) {
	get := func(name string) (string, bool, error) {
		e, ok := props.Get(name)
		if !ok {
			return "", false, nil
		}
		s, err := propString(e)
		return strings.ToUpper(s), true, err
	}
	kf, hasK, err := get("KEY_FORMAT")
	if err != nil {
		return key, value, err
	}
	vf, hasV, err := get("VALUE_FORMAT")
	if err != nil {
		return key, value, err
	}
	f, hasF, err := get("FORMAT")
	if err != nil {
		return key, value, err
	}
	if hasF && (hasK || hasV) {
		which := "KEY_FORMAT"
		if !hasK {
			which = "VALUE_FORMAT"
		}
		return key, value, errorf("Cannot supply both '%s' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.", which)
	}
	if hasF {
		kf, vf, hasK, hasV = f, f, true, true
	}
	if !hasK {
		if inherit != nil {
			kf = inherit.KeyFormat.Name
		} else if hasV && vf == serde.DebeziumAvro {
			// A Debezium topic's key is the Avro record of the primary
			// key, beside the envelope in the registry.
			kf = serde.DebeziumAvro
		} else {
			kf = strings.ToUpper(p.cfg.Get("ksql.persistence.default.format.key", "KAFKA"))
		}
	}
	if !hasV {
		if inherit != nil {
			vf = inherit.ValueFormat.Name
		} else if d, ok := p.cfg["ksql.persistence.default.format.value"]; ok {
			vf = strings.ToUpper(d)
		} else {
			return key, value, errorf("Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.")
		}
	}
	for _, n := range []string{kf, vf} {
		if !knownFormats[n] {
			return key, value, errorf("Unknown format: %s", n)
		}
	}
	key = serde.Format{Name: kf, Props: map[string]string{}}
	value = serde.Format{Name: vf, Props: map[string]string{}}
	if inherit != nil {
		if !hasK {
			copyProps(key.Props, inherit.KeyFormat.Props)
		}
		if !hasV {
			copyProps(value.Props, inherit.ValueFormat.Props)
		}
	}
	if d, ok, err := get("KEY_DELIMITER"); err != nil {
		return key, value, err
	} else if ok {
		key.Props["DELIMITER"] = delimiter(d)
	}
	if d, ok, err := get("VALUE_DELIMITER"); err != nil {
		return key, value, err
	} else if ok {
		value.Props["DELIMITER"] = delimiter(d)
	}
	// Schema Registry settings travel with the format of their side.
	for _, name := range []string{"KEY_SCHEMA_ID", "KEY_SCHEMA_FULL_NAME", "KEY_PROTOBUF_NULLABLE_REPRESENTATION"} {
		if v, ok, err := PropString(props, name); err != nil {
			return key, value, err
		} else if ok {
			key.Props[name] = v
		}
	}
	for _, name := range []string{"VALUE_SCHEMA_ID", "VALUE_SCHEMA_FULL_NAME", "VALUE_AVRO_SCHEMA_FULL_NAME", "VALUE_PROTOBUF_NULLABLE_REPRESENTATION"} {
		if v, ok, err := PropString(props, name); err != nil {
			return key, value, err
		} else if ok {
			value.Props[name] = v
		}
	}
	if w, ok := props.Get("WRAP_SINGLE_VALUE"); ok {
		s, err := propString(w)
		if err != nil {
			return key, value, err
		}
		value.Props["WRAP_SINGLE_VALUE"] = strings.ToLower(s)
	} else if d, ok := p.cfg["ksql.persistence.wrap.single.values"]; ok {
		// The config default never raises an error, unlike an explicit
		// WRAP_SINGLE_VALUE, so serde gets it under its own key.
		delete(value.Props, "WRAP_SINGLE_VALUE")
		value.Props["ksql.persistence.wrap.single.values"] = strings.ToLower(d)
	}
	return key, value, nil
}

// copyProps copies an inherited format's properties; wrapping is a
// choice of each statement, so it is not inherited.
func copyProps(dst, src map[string]string) {
	for k, v := range src {
		switch k {
		case "WRAP_SINGLE_VALUE", "ksql.persistence.wrap.single.values",
			"KEY_SCHEMA_ID", "VALUE_SCHEMA_ID", "KEY_" + serde.PropInferredSchemaID, "VALUE_" + serde.PropInferredSchemaID, "KEY_SCHEMA_FULL_NAME", "VALUE_SCHEMA_FULL_NAME", "VALUE_AVRO_SCHEMA_FULL_NAME":
			// A sink gets its own schema and wrapping, not its source's.
		default:
			dst[k] = v
		}
	}
}

// delimiter maps the named delimiters TAB and SPACE to characters.
func delimiter(d string) string {
	switch strings.ToUpper(d) {
	case "TAB":
		return "\t"
	case "SPACE":
		return " "
	}
	return d
}

// timestampProps resolves TIMESTAMP and TIMESTAMP_FORMAT against the schema.
func (p *Planner) timestampProps(props sql.Props, src *metastore.Source) error {
	e, ok := props.Get("TIMESTAMP")
	if !ok {
		return nil
	}
	name, err := propString(e)
	if err != nil {
		return err
	}
	col := strings.ToUpper(name)
	if strings.HasPrefix(name, "`") && strings.HasSuffix(name, "`") && len(name) > 1 {
		col = name[1 : len(name)-1]
	}
	idx := src.Schema.Find(col)
	if idx < 0 {
		return errorf("The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", col)
	}
	src.Timestamp = col
	if f, ok := props.Get("TIMESTAMP_FORMAT"); ok {
		src.TimestampFormat, err = propString(f)
		if err != nil {
			return err
		}
	}
	t := src.Schema.Columns[idx].Type
	switch {
	case t.Kind == types.Bigint, t.Kind == types.Timestamp:
	case t.Kind == types.String && src.TimestampFormat != "":
	default:
		return errorf("Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", col)
	}
	return nil
}

// propString returns a WITH property's literal value as text.
func propString(e sql.Expr) (string, error) {
	switch v := e.(type) {
	case *sql.StringLit:
		return v.Val, nil
	case *sql.IntLit:
		return strconv.FormatInt(v.Val, 10), nil
	case *sql.BoolLit:
		return strconv.FormatBool(v.Val), nil
	case *sql.DecimalLit:
		return v.Text, nil
	case *sql.ColumnRef:
		return v.Name, nil
	}
	return "", errorf("unsupported property value %T", e)
}

// PropCount returns the PARTITIONS or REPLICAS WITH property: a positive
// count that fits in bits (32 for partitions, 16 for replicas, as Kafka
// stores them), refused with ksqlDB's messages otherwise.
func PropCount(props sql.Props, name string, bits int) (int, bool, error) {
	e, ok := props.Get(name)
	if !ok {
		return 0, false, nil
	}
	s, err := propString(e)
	if err != nil {
		return 0, true, err
	}
	what := strings.ToLower(name)
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return 0, true, errorf("Invalid number of %s in WITH clause: %s", what, s)
	}
	if n <= 0 {
		return 0, true, errorf("Invalid number of %s in WITH clause (must be positive): %d", what, n)
	}
	return int(n), true, nil
}

// PropString returns a string WITH property.
func PropString(props sql.Props, name string) (string, bool, error) {
	e, ok := props.Get(name)
	if !ok {
		return "", false, nil
	}
	s, err := propString(e)
	return s, true, err
}

// SinkFormats resolves a CSAS/CTAS sink's formats: WITH overrides, else the
// source's. A key format of NONE gives way to the default when the result
// has key columns (e.g. PARTITION BY on a keyless stream).
func (p *Planner) SinkFormats(props sql.Props, plan *QueryPlan) (key, value serde.Format, err error) {
	key, value, err = p.formats(props, plan.From)
	if err != nil {
		return key, value, err
	}
	_, explicitKey := props.Get("KEY_FORMAT")
	if _, both := props.Get("FORMAT"); both {
		explicitKey = true
	}
	switch {
	case plan.NumKey == 0 && explicitKey && key.Name != "NONE":
		return key, value, errorf("Key format specified for stream without key columns.")
	case plan.NumKey == 0:
		key = serde.Format{Name: "NONE", Props: map[string]string{}}
	case key.Name == "NONE" && !explicitKey:
		key = serde.Format{Name: strings.ToUpper(p.cfg.Get("ksql.persistence.default.format.key", "KAFKA")), Props: map[string]string{}}
	}
	if err := checkFormats(plan.Output, key, value); err != nil {
		return key, value, err
	}
	return key, value, nil
}

// parseDuration reads a WINDOW_SIZE such as '30 SECONDS' into ms.
func parseDuration(s string) (int64, error) {
	f := strings.Fields(strings.ToUpper(s))
	if len(f) != 2 {
		return 0, errorf("Invalid WINDOW_SIZE property : %s", s)
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, errorf("Invalid WINDOW_SIZE property : %s", s)
	}
	unit := map[string]int64{"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60000, "HOUR": 3600000, "DAY": 86400000}
	m, ok := unit[strings.TrimSuffix(f[1], "S")]
	// Within the bounds of a window's SIZE in a query.
	if !ok || n <= 0 || n > sql.MaxDurationMs/m {
		return 0, errorf("Invalid WINDOW_SIZE property : %s", s)
	}
	return n * m, nil
}

// withoutNames drops the columns whose names another list already has.
func withoutNames(cols, other []types.Column) []types.Column {
	out := cols[:0:0]
	for _, c := range cols {
		dup := false
		for _, o := range other {
			dup = dup || strings.EqualFold(o.Name, c.Name)
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// InferredKeySchemaIDProperty and InferredValueSchemaIDProperty are the
// properties the engine stores with a CREATE whose columns came from the
// Schema Registry: the ids of the schemas they came from, which writes to
// the source use. Earlier builds, which did not store the columns,
// re-infer from these ids at replay, so that the columns stay the same
// after the subject gained versions.
const (
	InferredKeySchemaIDProperty   = "eddy.inferred.key.schema.id"
	InferredValueSchemaIDProperty = "eddy.inferred.value.schema.id"
	// InferredColumnsProperty marks a command whose statement holds the
	// columns inferred when it first ran (Planner.Injected), as ksqlDB's
	// command topic does: its replay infers nothing (InferStored).
	InferredColumnsProperty = "eddy.inferred.columns"
)

// InferMode says how PlanCreateSource gets the columns a CREATE leaves to
// the Schema Registry.
type InferMode int

const (
	// InferCurrent infers them by this build's rules, as ksqlDB does, and
	// sets Planner.Injected.
	InferCurrent InferMode = iota
	// InferStored is the replay of a command whose statement holds the
	// columns inferred when it first ran: nothing is inferred.
	InferStored
	// InferLegacy is the replay of a command an earlier build stored
	// without its columns: they are inferred again from the schema ids
	// stored with it, by that build's rules (Avro's timestamp-micros and
	// time-micros as TIMESTAMP and TIME), so that an upgrade does not
	// change an existing source.
	InferLegacy
)

// inferColumns completes a CREATE's columns from the Schema Registry: the
// value columns when none are declared (or a VALUE_SCHEMA_ID is given),
// and the key columns likewise. It records the id of a schema inferred
// from a subject's latest version in the format's properties.
// It returns the columns it inferred for each side too (nil for a side
// it did not infer).
func (p *Planner) inferColumns(st *sql.CreateSource, schema *types.Schema, keyFmt, valFmt serde.Format, topic string) (out *types.Schema, key, value []types.Column, err error) {
	if p.Inference == InferStored {
		// The statement holds the columns; writes still use the
		// schemas they came from.
		if id := p.cfg[InferredKeySchemaIDProperty]; id != "" {
			keyFmt.Props["KEY_"+serde.PropInferredSchemaID] = id
		}
		if id := p.cfg[InferredValueSchemaIDProperty]; id != "" {
			valFmt.Props["VALUE_"+serde.PropInferredSchemaID] = id
		}
		return schema, nil, nil, nil
	}
	_, keyID := st.Props.Get("KEY_SCHEMA_ID")
	_, valID := st.Props.Get("VALUE_SCHEMA_ID")
	hasKey, hasValue := len(schema.Key()) > 0, len(schema.Value()) > 0
	if keyID && hasKey {
		return nil, nil, nil, errorf("Table elements and KEY_SCHEMA_ID cannot both exist for create statement.")
	}
	if valID && hasValue {
		return nil, nil, nil, errorf("Table elements and VALUE_SCHEMA_ID cannot both exist for create statement.")
	}
	env := serde.Env{Topic: topic, Registry: p.reg, LegacyMicros: p.Inference == InferLegacy}
	env.PinnedKeyID, _ = strconv.Atoi(p.cfg[InferredKeySchemaIDProperty])
	env.PinnedValueID, _ = strconv.Atoi(p.cfg[InferredValueSchemaIDProperty])
	out = &types.Schema{Columns: append([]types.Column{}, schema.Columns...)}
	if !hasKey && (keyID || serde.IsSchemaRegistryFormat(keyFmt.Name)) {
		cols, id, err := serde.Infer(keyFmt, true, env)
		if err != nil && keyID {
			return nil, nil, nil, wrap(err)
		}
		if err == nil {
			key = cols
			out.Columns = append(cols, out.Columns...)
			if !keyID {
				keyFmt.Props["KEY_"+serde.PropInferredSchemaID] = strconv.Itoa(id)
			}
		}
	}
	if !hasValue && (valID || serde.IsSchemaRegistryFormat(valFmt.Name)) {
		cols, id, err := serde.Infer(valFmt, false, env)
		if err != nil {
			return nil, nil, nil, wrap(err)
		}
		if strings.EqualFold(valFmt.Name, serde.DebeziumAvro) {
			// The after record repeats the primary key, which the key
			// already carries.
			cols = withoutNames(cols, out.Key())
		}
		value = cols
		out.Columns = append(out.Columns, cols...)
		if !valID {
			// Writes use the schema the columns came from (a
			// producer's), not one generated under ksqlDB's name.
			valFmt.Props["VALUE_"+serde.PropInferredSchemaID] = strconv.Itoa(id)
		}
	}
	if len(out.Columns) == 0 && st.Elements == nil {
		return nil, nil, nil, errorf("No columns supplied.")
	}
	// Key and value columns share one namespace: inferred key and value
	// schemas that repeat a name are refused, as ksqlDB's table elements
	// are. A declared key column an inferred value repeats stays
	// accepted, as it was (a JDBC source's ValueToKey topics, eddy's
	// attribution flow), the key column being the one queries read. A
	// CREATE replayed with its pinned schema ids was accepted before this
	// check, and keeps its source.
	exempt := env.PinnedKeyID > 0 || env.PinnedValueID > 0 || hasKey
	seen := map[string]bool{}
	var dups []string
	for _, c := range out.Columns {
		if seen[c.Name] && !slices.Contains(dups, c.Name) {
			dups = append(dups, c.Name)
		}
		seen[c.Name] = true
	}
	if len(dups) > 0 && !exempt {
		return nil, nil, nil, errorf("Duplicate column names: %s", strings.Join(dups, ", "))
	}
	if p.Inference != InferCurrent {
		return out, nil, nil, nil
	}
	return out, key, value, nil
}

// headerColumns checks a schema's header columns as ksqlDB's schema
// builder does: no column after a HEADERS column reads headers, and no
// two HEADER('k') columns read the same key (a HEADERS column after
// HEADER('k') ones is accepted, as there).
type headerColumns struct {
	all  bool
	keys map[string]bool
}

func (h *headerColumns) add(key string) error {
	if h.all {
		return errorf("Schema already contains a HEADERS column.")
	}
	if key == "" {
		h.all = true
		return nil
	}
	if h.keys[key] {
		return errorf("Schema already contains a HEADER('%s') column.", key)
	}
	if h.keys == nil {
		h.keys = map[string]bool{}
	}
	h.keys[key] = true
	return nil
}

package qtt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// scriptBackend is what the SQL test runner needs beyond a backend:
// session properties (SET) and the rows ASSERT VALUES expects.
type scriptBackend interface {
	backend
	// ExecuteProps runs one statement with session properties.
	ExecuteProps(ctx context.Context, stmt string, props map[string]string) error
	// InsertRow evaluates an INSERT VALUES statement's row as the engine
	// would write it: its target, its values in schema column order and
	// its timestamp.
	InsertRow(st *sql.InsertValues) (*sourceInfo, []any, int64, error)
}

// scriptRunner runs the tests of SQL test files, each on a fresh backend.
type scriptRunner struct {
	newBackend backendFactory
	timeout    time.Duration
}

func (r *scriptRunner) run(ctx context.Context, v *Variant) Result {
	return runGuarded(ctx, v, r.timeout, func(ctx context.Context) *caseFailure { return r.runTest(ctx, v) })
}

// scriptState is what a test's statements leave for the ones after them.
type scriptState struct {
	be    scriptBackend
	props map[string]string // SET properties
	// read counts the records each topic's ASSERT VALUES consumed.
	read map[string]int
	// dir is the test file's directory, where RUN SCRIPT looks first;
	// depth counts the RUN SCRIPTs being run, to stop a script that runs
	// itself.
	dir   string
	depth int
}

// runTest runs one test's steps in order; nil means it passed. A step
// that fails ends the test: it passes when the test expected that error.
func (r *scriptRunner) runTest(ctx context.Context, v *Variant) *caseFailure {
	t := v.Script
	props := baseProps()
	// ksqlDB's runner pipes each inserted record to the queries running
	// at that moment: a query sees only what is written after it starts.
	props["auto.offset.reset"] = "latest"
	b, err := r.newBackend(ctx, backendConfig{ServiceID: serviceID, Partitions: 1, Props: props})
	if err != nil {
		return &caseFailure{status: StatusError, msg: fmt.Sprintf("start engine: %v", err)}
	}
	defer b.Close()
	be, ok := b.(scriptBackend)
	if !ok {
		return &caseFailure{status: StatusError, msg: "the backend cannot run SQL test files"}
	}
	st := &scriptState{be: be, props: map[string]string{}, read: map[string]int{}, dir: filepath.Dir(v.File)}
	var want *exceptionSpec
	last := t.Line
	for _, step := range t.Steps {
		last = step.Line
		switch step.Directive {
		case "":
		case directiveError:
			if want == nil {
				want = &exceptionSpec{}
			}
			want.Type = step.Contents
			continue
		case directiveMessage:
			if want == nil {
				want = &exceptionSpec{}
			}
			want.Message = step.Contents
			continue
		default:
			continue // ksqlDB ignores directives it does not know
		}
		err := st.execute(ctx, step)
		if err == nil {
			continue
		}
		where := fmt.Sprintf("%s:%d", v.File, step.Line)
		var details string
		var af *assertFailure
		if errors.As(err, &af) {
			details = af.details
		}
		if errs := be.QueryErrors(); len(errs) > 0 {
			details = strings.TrimSpace(details + "\nquery errors:\n" + joinErrors(errs))
		}
		if want == nil {
			return fail(details, "%s: %s: %v", where, abbreviate(step.Text, 120), err)
		}
		if merr := matchException(want, err); merr != nil {
			return fail(details, "%s: %s: %v", where, abbreviate(step.Text, 120), merr)
		}
		return nil
	}
	if want != nil {
		return fail("", "%s:%d: expected error %s was not raised", v.File, last, describeException(want))
	}
	return nil
}

// execute runs one statement of a test.
func (s *scriptState) execute(ctx context.Context, step sqlStep) error {
	if step.Err != nil {
		return &execError{Kind: kindParse, Msg: step.Err.Error()}
	}
	switch st := step.Stmt.(type) {
	case *sql.SetProperty:
		s.props[st.Name] = st.Value
		return nil
	case *sql.UnsetProperty:
		delete(s.props, st.Name)
		return nil
	case *sql.AssertValues:
		return s.assertValues(ctx, st)
	case *sql.AssertSource:
		return s.assertSource(st)
	case *sql.RunScript:
		return s.runScript(ctx, st.Path)
	}
	return s.be.ExecuteProps(ctx, step.Text, s.props)
}

// maxScriptDepth bounds RUN SCRIPTs inside RUN SCRIPTs.
const maxScriptDepth = 8

// runScript runs the statements of a RUN SCRIPT file in order, as if
// they stood in the test. A relative path is read from the test file's
// directory; an absolute path that does not exist is looked for under the
// test file's directory and its parents, as ksqlDB's runner reads
// '/script.sql' from the root of its test resources.
func (s *scriptState) runScript(ctx context.Context, path string) error {
	if s.depth >= maxScriptDepth {
		return &execError{Kind: kindStatement, Msg: fmt.Sprintf("RUN SCRIPT '%s': scripts nest deeper than %d", path, maxScriptDepth)}
	}
	file := s.scriptFile(path)
	data, err := os.ReadFile(file)
	if err != nil {
		return &execError{Kind: kindStatement, Msg: fmt.Sprintf("RUN SCRIPT '%s': %v", path, err)}
	}
	stmts, _, err := sql.ParseTestScript(string(data))
	if err != nil {
		return &execError{Kind: kindParse, Msg: fmt.Sprintf("%s: %v", file, err)}
	}
	s.depth++
	defer func() { s.depth-- }()
	for _, st := range stmts {
		if err := s.execute(ctx, sqlStep{Line: st.Pos.Line, Text: st.Text, Stmt: st.Stmt, Err: st.Err}); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", file, st.Pos.Line, abbreviate(st.Text, 120), err)
		}
	}
	return nil
}

// scriptFile resolves a RUN SCRIPT path (see runScript).
func (s *scriptState) scriptFile(path string) string {
	if !filepath.IsAbs(path) {
		return filepath.Join(s.dir, path)
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return path
	}
	for {
		if cand := filepath.Join(dir, path); fileExists(cand) {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return path
		}
		dir = parent
	}
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// assertFailure is a failed assertion with the records behind it.
type assertFailure struct {
	*execError
	details string
}

func (f *assertFailure) Unwrap() error { return f.execError }

func assertionFailed(details, format string, args ...any) error {
	return &assertFailure{execError: &execError{Kind: kindAssertion, Msg: fmt.Sprintf(format, args...)}, details: details}
}

// assertValues compares the next record of the target's topic that no
// earlier ASSERT read with the row the statement would insert: the listed
// columns (all key and value columns when none are listed), ROWTIME when
// listed. ASSERT NULL VALUES expects a tombstone with the given key.
func (s *scriptState) assertValues(ctx context.Context, a *sql.AssertValues) error {
	src, row, ts, err := s.be.InsertRow(a.Insert())
	if err != nil {
		return err
	}
	cols := src.Schema.Columns
	names := a.Columns
	if names == nil {
		for _, c := range cols {
			if c.Namespace != types.HeaderColumn {
				names = append(names, c.Name)
			}
		}
	}
	expected := renderExpected(a.Tombstone, cols, row, ts, slices.Contains(names, "ROWTIME"))
	if a.Tombstone {
		for i, c := range cols {
			if c.Namespace == types.ValueColumn && row[i] != nil {
				return assertionFailed("", "Unexpected value columns specified in ASSERT NULL VALUES: %s", c.Name)
			}
		}
	}
	recs, err := s.be.Cluster().ReadAll(ctx, src.Topic)
	if err != nil && !errors.Is(err, kafka.ErrUnknownTopic) {
		return err
	}
	n := s.read[src.Topic]
	if n >= len(recs) {
		var b strings.Builder
		fmt.Fprintf(&b, "expected:\n  %s\nrecords of %s, all read:", expected, src.Topic)
		for _, r := range recs {
			b.WriteString("\n  " + renderRecord(r, src))
		}
		return assertionFailed(b.String(), "Expected another record, but all %d records of topic %s have already been read", len(recs), src.Topic)
	}
	s.read[src.Topic] = n + 1
	rec := recs[n]
	details := fmt.Sprintf("expected:\n  %s\nactual (record %d of topic %s):\n  %s", expected, n+1, src.Topic, renderRecord(rec, src))
	mismatch := func(err error) error {
		return assertionFailed(details, "Expected record does not match actual: %v", err)
	}
	key := rec.Key
	if src.Window != nil && key != nil {
		if key, _, err = splitWindow(key, src.Window); err != nil {
			return mismatch(err)
		}
	}
	keyVals, keyErr := decodeColumns(key, src, true)
	valVals, valErr := decodeColumns(rec.Value, src, false)
	tombstone := errors.Is(valErr, errNullRecord)
	switch {
	case a.Tombstone && !tombstone:
		if valErr != nil {
			return mismatch(valErr)
		}
		return mismatch(fmt.Errorf("expected a tombstone but was %s", render(types.StructVal(valVals), structOf(src.Schema.Value()))))
	case !a.Tombstone && tombstone:
		return mismatch(errors.New("expected values but was a tombstone"))
	case !a.Tombstone && valErr != nil:
		return mismatch(valErr)
	}
	for _, name := range names {
		if name == "ROWTIME" {
			want := ts
			if want == kafka.EpochTimestamp {
				want = 0
			}
			if want != rec.Timestamp {
				return mismatch(fmt.Errorf("ROWTIME: expected %d but was %d", want, rec.Timestamp))
			}
			continue
		}
		idx := src.Schema.Find(name)
		if idx < 0 {
			continue
		}
		c := cols[idx]
		var act any
		switch c.Namespace {
		case types.KeyColumn:
			if keyErr != nil {
				return mismatch(keyErr)
			}
			act = keyVals[sideIndex(cols, idx)]
		case types.ValueColumn:
			if a.Tombstone {
				continue
			}
			act = valVals[sideIndex(cols, idx)]
		default:
			continue
		}
		if err := compareValue(c.Name, valueNode(row[idx], c.Type), act, c.Type); err != nil {
			return mismatch(err)
		}
	}
	return nil
}

// sideIndex is the position of schema column idx among the columns of its
// namespace (key or value).
func sideIndex(cols []types.Column, idx int) int {
	n := 0
	for i := 0; i < idx; i++ {
		if cols[i].Namespace == cols[idx].Namespace {
			n++
		}
	}
	return n
}

// decodeColumns decodes one side of a record into the source's columns of
// that side. A null value decodes to errNullRecord.
func decodeColumns(data []byte, src *sourceInfo, isKey bool) ([]any, error) {
	cols := src.Schema.Value()
	if isKey {
		cols = src.Schema.Key()
	}
	vals := make([]any, len(cols))
	if data == nil {
		if isKey {
			return vals, nil
		}
		return nil, errNullRecord
	}
	if len(cols) == 0 {
		return vals, nil
	}
	c, err := src.codec(isKey)
	if err != nil {
		return nil, err
	}
	if err := c.Decode(data, vals); err != nil {
		if errors.Is(err, errNullRecord) {
			return nil, err
		}
		side := "value"
		if isKey {
			side = "key"
		}
		return nil, fmt.Errorf("cannot decode the %s (%v): %s", side, err, renderBytes(data))
	}
	return vals, nil
}

// renderExpected shows the record an ASSERT VALUES expects.
// The timestamp shows only when the statement lists ROWTIME.
func renderExpected(tombstone bool, cols []types.Column, row []any, ts int64, withTS bool) string {
	var keys, vals []any
	var keyCols, valCols []types.Column
	for i, c := range cols {
		switch c.Namespace {
		case types.KeyColumn:
			keys, keyCols = append(keys, row[i]), append(keyCols, c)
		case types.ValueColumn:
			vals, valCols = append(vals, row[i]), append(valCols, c)
		}
	}
	value := "<tombstone>"
	if !tombstone {
		value = render(types.StructVal(vals), structOf(valCols))
	}
	s := fmt.Sprintf("key=%s value=%s", render(types.StructVal(keys), structOf(keyCols)), value)
	if withTS {
		if ts == kafka.EpochTimestamp {
			ts = 0
		}
		s += fmt.Sprintf(" ts=%d", ts)
	}
	return s
}

// valueNode turns an engine value into the JSON node compareValue takes
// as the expected side: numbers as json.Number (decimals at their type's
// scale), structs and maps as objects, bytes as base64 text.
func valueNode(v any, t *types.Type) any {
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int:
		return json.Number(strconv.Itoa(x))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case decimal.Decimal:
		if t != nil && t.Kind == types.Decimal {
			return json.Number(x.StringFixed(int32(t.Scale)))
		}
		return json.Number(x.String())
	case types.DateVal:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case types.TimeVal:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case types.TimestampVal:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case []any:
		var et *types.Type
		if t != nil {
			et = t.Elem
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = valueNode(e, et)
		}
		return out
	case types.StructVal:
		out := make(map[string]any, len(x))
		for i, e := range x {
			if t == nil || i >= len(t.Fields) {
				break
			}
			out[t.Fields[i].Name] = valueNode(e, t.Fields[i].Type)
		}
		return out
	case *types.MapVal:
		var vt *types.Type
		if t != nil {
			vt = t.Elem
		}
		out := make(map[string]any, x.Len())
		for i, k := range x.Keys {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(k)
			}
			out[ks] = valueNode(x.Vals[i], vt)
		}
		return out
	}
	return fmt.Sprint(v)
}

// assertSource compares a source with an ASSERT STREAM|TABLE statement
// as ksqlDB does: kind, schema, topic and formats always (a missing
// KAFKA_TOPIC or VALUE_FORMAT expects none, a missing KEY_FORMAT expects
// KAFKA), timestamp column and format always, and the format properties
// the statement names.
func (s *scriptState) assertSource(a *sql.AssertSource) error {
	src := findSource(s.be.Sources(), a.Name)
	if src == nil {
		return &execError{Kind: kindStatement, Msg: fmt.Sprintf("%s does not exist.", a.Name)}
	}
	prop := func(names ...string) (string, error) {
		for _, n := range names {
			v, ok, err := planner.PropString(a.Props, n)
			if err != nil || ok {
				return v, err
			}
		}
		return "", nil
	}
	check := func(what, want, got string, fold bool) error {
		if want == got || fold && strings.EqualFold(want, got) {
			return nil
		}
		if want == "" {
			want = "null"
		}
		if got == "" {
			got = "null"
		}
		return &execError{Kind: kindStatement, Msg: fmt.Sprintf("Expected %s does not match actual for source %s. Expected: %s Actual: %s", what, src.Name, want, got)}
	}
	wantSchema := types.Schema{}
	var rest []types.Column
	for _, e := range a.Elements {
		c := types.Column{Name: e.Name, Type: e.Type, Namespace: types.ValueColumn}
		switch {
		case e.Key || e.PrimaryKey:
			c.Namespace = types.KeyColumn
			wantSchema.Columns = append(wantSchema.Columns, c)
			continue
		case e.Headers:
			c.Namespace, c.HeaderKey = types.HeaderColumn, e.HeaderKey
		}
		rest = append(rest, c)
	}
	wantSchema.Columns = append(wantSchema.Columns, rest...)
	if err := check("schema", wantSchema.String(), keysFirst(src.Schema).String(), false); err != nil {
		return err
	}
	kind := func(table bool) string {
		if table {
			return "TABLE"
		}
		return "STREAM"
	}
	if err := check("type", kind(a.IsTable), kind(src.IsTable), false); err != nil {
		return err
	}
	checks := []struct {
		what  string
		names []string
		def   string
		got   string
		fold  bool
	}{
		{"kafka topic", []string{"KAFKA_TOPIC"}, "", src.Topic, false},
		{"key format", []string{"KEY_FORMAT", "FORMAT"}, "KAFKA", src.KeyFormat.Name, true},
		{"value format", []string{"VALUE_FORMAT", "FORMAT"}, "", src.ValueFormat.Name, true},
		{"timestamp column", []string{"TIMESTAMP"}, "", src.Timestamp, true},
		{"timestamp format", []string{"TIMESTAMP_FORMAT"}, "", src.TimestampFormat, false},
	}
	for _, c := range checks {
		want, err := prop(c.names...)
		if err != nil {
			return &execError{Kind: kindStatement, Msg: err.Error()}
		}
		if want == "" {
			want = c.def
		}
		if c.what == "key format" && want == "KAFKA" && len(src.Schema.Key()) == 0 && strings.EqualFold(c.got, "NONE") {
			continue // a keyless source's key format is NONE
		}
		if err := check(c.what, want, c.got, c.fold); err != nil {
			return err
		}
	}
	// Format properties, where the statement names them.
	fmtProps := []struct {
		name, key string
		isKey     bool
	}{
		{"KEY_DELIMITER", "DELIMITER", true},
		{"VALUE_DELIMITER", "DELIMITER", false},
		{"KEY_SCHEMA_ID", "KEY_SCHEMA_ID", true},
		{"VALUE_SCHEMA_ID", "VALUE_SCHEMA_ID", false},
		{"KEY_SCHEMA_FULL_NAME", "KEY_SCHEMA_FULL_NAME", true},
		{"VALUE_SCHEMA_FULL_NAME", "VALUE_SCHEMA_FULL_NAME", false},
		{"VALUE_AVRO_SCHEMA_FULL_NAME", "VALUE_AVRO_SCHEMA_FULL_NAME", false},
		{"WRAP_SINGLE_VALUE", "WRAP_SINGLE_VALUE", false},
	}
	for _, p := range fmtProps {
		want, ok, err := planner.PropString(a.Props, p.name)
		if err != nil {
			return &execError{Kind: kindStatement, Msg: err.Error()}
		}
		if !ok {
			continue
		}
		f := src.ValueFormat
		if p.isKey {
			f = src.KeyFormat
		}
		got, _ := lookupProp(f.Props, p.key)
		what := strings.ToLower(strings.ReplaceAll(p.name, "_", " "))
		if p.name == "WRAP_SINGLE_VALUE" {
			// ksqlDB compares the value's serde features, which the
			// property sets.
			what, want, got = "value serde features", serdeFeatures(want), serdeFeatures(got)
		}
		if err := check(what, want, got, true); err != nil {
			return err
		}
	}
	return nil
}

// serdeFeatures renders a WRAP_SINGLE_VALUE setting as the value serde
// features ksqlDB derives from it.
func serdeFeatures(wrap string) string {
	switch strings.ToLower(wrap) {
	case "true":
		return "[WRAP_SINGLES]"
	case "false":
		return "[UNWRAP_SINGLES]"
	}
	return "[]"
}

// keysFirst orders a schema's key columns before the others, as an ASSERT
// statement's expected schema is built.
func keysFirst(s *types.Schema) *types.Schema {
	out := &types.Schema{}
	if s == nil {
		return out
	}
	out.Columns = append(out.Columns, s.Key()...)
	for _, c := range s.Columns {
		if c.Namespace != types.KeyColumn {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}

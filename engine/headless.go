package engine

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/sql"
)

// QueriesFile is the script a headless server runs (ksql.queries.file,
// --queries-file): its statements are the whole catalog. A headless
// engine keeps no command log; it runs the file again at every start, so
// the same file gives the same query ids, consumer groups and changelogs,
// and each query resumes from its committed offsets.
type QueriesFile struct {
	name  string
	stmts []fileStatement
}

// fileStatement is one statement of a queries file with the SET
// properties in force where it stands.
type fileStatement struct {
	st    sql.Statement
	props map[string]string
}

// headlessKinds are the statements a queries file may hold, as ksqlDB's
// standalone executor accepts them; everything else (queries, DROP,
// TERMINATE, connectors, DEFINE, INSERT VALUES, …) is refused.
const headlessKinds = "CREATE STREAM, CREATE TABLE, CREATE STREAM AS SELECT, CREATE TABLE AS SELECT, INSERT INTO … SELECT, CREATE TYPE, SET, UNSET"

// FileError is a statement of a queries file that cannot run: where it
// is in the file and why.
type FileError struct {
	File string
	// Pos is where in the file: the error's own position when it has
	// one, else the statement's.
	Pos sql.Pos
	Err error
}

func (e *FileError) Error() string {
	_, reason := sql.Locate(e.Err)
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, reason)
}

func (e *FileError) Unwrap() error { return e.Err }

// fileError locates err, raised by st (nil for the file as a whole), in
// the file. Positions are the file's: the file is parsed as one text.
func (f *QueriesFile) fileError(st sql.Statement, err error) error {
	pos, _ := sql.Locate(err)
	if pos.Line == 0 && st != nil {
		pos = st.Position()
	}
	if pos.Line == 0 {
		pos = sql.Pos{Line: 1, Col: 1}
	}
	return &FileError{File: f.name, Pos: pos, Err: err}
}

// ParseQueriesFile parses a queries file named name and checks, without
// reaching Kafka, that it holds only statements a headless server runs
// and at least one persistent query. The statements are checked against
// the catalog when the engine starts (Options.QueriesFile).
func ParseQueriesFile(name, text string) (*QueriesFile, error) {
	f := &QueriesFile{name: name}
	// Editors on Windows may start the file with a byte order mark.
	stmts, err := sql.Parse(strings.TrimPrefix(text, "\uFEFF"))
	if err != nil {
		return nil, f.fileError(nil, err)
	}
	props := map[string]string{}
	queries := 0
	for _, st := range stmts {
		switch s := st.(type) {
		case *sql.SetProperty:
			if err := sql.CheckPropertyName(s.Name); err != nil {
				return nil, f.fileError(st, &stmtErr{msg: err.Error()})
			}
			if err := sql.CheckProperty(s.Name, s.Value); err != nil {
				return nil, f.fileError(st, &stmtErr{msg: err.Error()})
			}
			props = maps.Clone(props)
			props[s.Name] = s.Value
			continue
		case *sql.UnsetProperty:
			props = maps.Clone(props)
			delete(props, s.Name)
			continue
		case *sql.CreateAsSelect, *sql.InsertInto:
			queries++
		case *sql.CreateSource, *sql.CreateType:
		default:
			return nil, f.fileError(st, &stmtErr{msg: fmt.Sprintf("%s is not supported in a queries file. A headless server runs only: %s.", statementKind(st), headlessKinds)})
		}
		f.stmts = append(f.stmts, fileStatement{st: st, props: props})
	}
	if queries == 0 {
		return nil, f.fileError(nil, &stmtErr{msg: "the file has no persistent query (CREATE STREAM AS SELECT, CREATE TABLE AS SELECT or INSERT INTO … SELECT); a headless server would run nothing"})
	}
	return f, nil
}

// statementKind names a statement for the refusal: its first word, and
// the second when it says what the statement is about (DROP STREAM,
// CREATE SOURCE CONNECTOR, SHOW QUERIES).
func statementKind(st sql.Statement) string {
	switch st.(type) {
	case *sql.InsertValues:
		return "INSERT INTO … VALUES"
	case *sql.Select:
		return "SELECT"
	}
	words := strings.Fields(strings.ToUpper(st.Text()))
	kind := words[:1]
	for _, w := range words[1:min(len(words), 3)] {
		switch strings.TrimSuffix(w, ";") {
		case "STREAM", "STREAMS", "TABLE", "TABLES", "TYPE", "TYPES", "SOURCE", "SINK", "CONNECTOR", "CONNECTORS",
			"QUERIES", "TOPICS", "FUNCTIONS", "PROPERTIES", "VARIABLES", "SCRIPT", "SYSTEM":
			kind = append(kind, w)
			continue
		}
		break
	}
	return strings.Join(kind, " ")
}

// validateFile runs every statement of f in a sandbox, in order, so that
// a statement that cannot run stops the start before any has run.
func (e *Engine) validateFile(ctx context.Context, f *QueriesFile) error {
	sb := e.sandbox()
	defer sb.Close()
	for _, fs := range f.stmts {
		if _, err := sb.execute(ctx, fs.st, fs.props, true); err != nil {
			return f.fileError(fs.st, err)
		}
	}
	return nil
}

// runFile executes f's statements for real, without a command log, and
// starts the queries once all have run, in the file's order.
func (e *Engine) runFile(ctx context.Context, f *QueriesFile) error {
	e.mu.Lock()
	defer e.unlock()
	e.starting = true
	for _, fs := range f.stmts {
		if _, err := e.executeLocked(ctx, fs.st, fs.props, true); err != nil {
			e.starting = false
			e.deferred = nil
			return f.fileError(fs.st, err)
		}
	}
	e.starting = false
	e.startDeferred()
	return nil
}

// Headless reports whether the engine runs a queries file.
func (e *Engine) Headless() bool { return e.opts.QueriesFile != nil }

// thisRun is what the configs topic keeps of this start.
func (e *Engine) thisRun(f *QueriesFile) metastore.HeadlessRun {
	run := metastore.HeadlessRun{File: f.name, Queries: []metastore.HeadlessQuery{}}
	for _, q := range e.ms.Queries() {
		run.Queries = append(run.Queries, metastore.HeadlessQuery{ID: q.ID, Sink: q.Sink, Statement: q.SQL})
	}
	return run
}

// runChanges says how this start's queries differ from the previous
// start's, as far as a user must know: an edit of the file that moves a
// query to a new id starts it afresh (a new consumer group reading from
// auto.offset.reset, new state) and leaves its old group and changelogs
// behind; one that changes a query under the same id resumes the new
// query from the old one's offsets and state. ksqlDB warns of neither.
func runChanges(prev *metastore.HeadlessRun, cur metastore.HeadlessRun) []string {
	if prev == nil {
		return nil
	}
	now := map[string]metastore.HeadlessQuery{}
	bySink := map[string]string{}
	for _, q := range cur.Queries {
		now[q.ID] = q
		bySink[q.Sink] = q.ID
	}
	var out []string
	for _, old := range prev.Queries {
		q, ok := now[old.ID]
		switch {
		case ok && strings.Join(strings.Fields(q.Statement), " ") != strings.Join(strings.Fields(old.Statement), " "):
			out = append(out, fmt.Sprintf("query %s changed since the previous start; it goes on from the previous query's offsets and state", old.ID))
		case ok:
		case bySink[old.Sink] != "":
			out = append(out, fmt.Sprintf("the query writing %s was %s at the previous start and is %s now: it starts afresh (a new consumer group, reading from auto.offset.reset, and new state); %s's consumer group and internal topics are left behind", old.Sink, old.ID, bySink[old.Sink], old.ID))
		default:
			out = append(out, fmt.Sprintf("query %s (writing %s) of the previous start is not in the file any more; its consumer group and internal topics are left behind", old.ID, old.Sink))
		}
	}
	return out
}

// recordRun tells the log how this start's queries differ from the
// previous start's and records this one. It is advice: a configs topic
// that cannot be read or written is logged, not fatal.
func (e *Engine) recordRun(ctx context.Context, f *QueriesFile) {
	prev, err := metastore.LastHeadlessRun(ctx, e.cluster, e.sid)
	if err != nil {
		e.opts.Logf("queries file: cannot compare with the previous start: %v", err)
		return
	}
	cur := e.thisRun(f)
	for _, c := range runChanges(prev, cur) {
		e.opts.Logf("warning: queries file %s: %s", f.name, c)
	}
	if err := metastore.RecordHeadlessRun(ctx, e.cluster, e.sid, cur); err != nil {
		e.opts.Logf("queries file: %v", err)
	}
}

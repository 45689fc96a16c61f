package migrations

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/sql"
)

// initialize is `initialize-metadata`.
func (s *session) initialize() int {
	replicas, err := s.cfg.replicas()
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	stream, table := s.cfg.streamName(), s.cfg.tableName()
	s.infof("Initializing migrations metadata")
	for _, c := range []struct {
		kind, name, sql string
		props           map[string]string
	}{
		{"stream", stream, createStreamSQL(stream, s.cfg.streamTopic(s.serviceID), replicas), nil},
		{"table", table, createTableSQL(table, stream, s.cfg.tableTopic(s.serviceID)), nil},
	} {
		s.infof("Creating %s: %s", c.kind, c.name)
		if _, err := s.execute(c.sql, c.props); err != nil {
			s.errorf("Failed to create %s %s: %v", c.kind, c.name, err)
			return 1
		}
	}
	s.infof("Migrations metadata initialized successfully")
	return 0
}

// destroy is `destroy-metadata`: the table (after its query) then the
// stream, each with its topic.
func (s *session) destroy() int {
	s.infof("Cleaning migrations metadata stream and table from the server")
	if err := s.dropMetadata(s.cfg.tableName(), true); err != nil {
		s.errorf("%v", err)
		return 1
	}
	if err := s.dropMetadata(s.cfg.streamName(), false); err != nil {
		s.errorf("%v", err)
		return 1
	}
	s.infof("Migrations metadata cleaned successfully")
	return 0
}

func (s *session) dropMetadata(name string, isTable bool) error {
	kind, list := "stream", "SHOW STREAMS;"
	if isTable {
		kind, list = "table", "SHOW TABLES;"
	}
	ents, err := s.execute(list, nil)
	if err != nil {
		return fmt.Errorf("Failed to check for presence of metadata %s '%s': %w", kind, name, err)
	}
	exists := false
	for _, e := range ents {
		var infos []api.SourceInfo
		switch l := e.(type) {
		case *api.StreamsList:
			infos = l.Streams
		case *api.TablesList:
			infos = l.Tables
		}
		for _, si := range infos {
			exists = exists || strings.EqualFold(si.Name, name)
		}
	}
	if !exists {
		s.infof("Metadata %s does not exist. Skipping cleanup.", kind)
		return nil
	}
	if isTable {
		d, err := s.describe(name)
		if err != nil {
			return fmt.Errorf("Failed to describe metadata table '%s': %w", name, err)
		}
		switch len(d.WriteQueries) {
		case 0:
			s.infof("Found 0 queries writing to the metadata table")
		case 1:
			id := d.WriteQueries[0].ID
			s.infof("Found 1 query writing to the metadata table. Query ID: %s", id)
			s.infof("Terminating query with ID: %s", id)
			if _, err := s.execute("TERMINATE "+id+";", nil); err != nil {
				return fmt.Errorf("Failed to terminate query populating metadata table. Query ID: %s. Error: %w", id, err)
			}
		default:
			ids := make([]string, len(d.WriteQueries))
			for i, q := range d.WriteQueries {
				ids[i] = q.ID
			}
			return fmt.Errorf("Found multiple queries writing to the metadata table. Query IDs: '%s'.", strings.Join(ids, "', '"))
		}
	}
	s.infof("Dropping migrations metadata %s: %s", kind, name)
	if _, err := s.execute(fmt.Sprintf("DROP %s %s DELETE TOPIC;", strings.ToUpper(kind), name), nil); err != nil {
		return fmt.Errorf("Failed to drop metadata %s '%s': %w", kind, name, err)
	}
	return nil
}

// info is `info`: the current version and a table of every file's state.
func (s *session) info() int {
	if !s.metadataInitialized() {
		return 1
	}
	cur, err := s.currentVersion()
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	s.infof("Current migration version: %s", cur)
	files, err := s.allMigrations(s.cfg.migrationsDir())
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	if len(files) == 0 {
		s.infof("No migrations files found")
		return 0
	}
	versions := make([]int, len(files))
	for i, f := range files {
		versions[i] = f.version
	}
	infos, err := s.infosFor(versions)
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	rows := make([]versionInfo, len(files))
	for i, f := range files {
		vi, ok := infos[f.version]
		if !ok {
			vi = pendingInfo(f)
		}
		rows[i] = vi
	}
	fmt.Fprint(s.out, formatInfo(rows))
	return 0
}

// formatInfo lays the versions out as ksqlDB's tool does: left-aligned
// columns separated by " | ", between dividers of '-'.
func formatInfo(rows []versionInfo) string {
	headers := []string{"Version", "Name", "State", "Previous Version", "Started On", "Completed On", "Error Reason"}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		// A reason may span lines (a parser's "Syntax Error\nExpecting
		// ..."); the table keeps one line per version.
		reason := strings.Join(strings.Fields(r.errorReason), " ")
		cells[i] = []string{strconv.Itoa(r.version), r.name, r.state, r.previous, r.displayStartedOn, r.displayCompletedOn, reason}
	}
	widths := make([]int, len(headers))
	total := 0
	for c, h := range headers {
		widths[c] = len([]rune(h))
		for _, r := range cells {
			widths[c] = max(widths[c], len([]rune(r[c])))
		}
		total += widths[c]
	}
	divider := strings.Repeat("-", total+3*len(headers)-1) + "\n"
	var b strings.Builder
	line := func(vals []string) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v + strings.Repeat(" ", widths[i]-len([]rune(v)))
		}
		b.WriteString(" " + strings.Join(parts, " | ") + " \n")
	}
	b.WriteString(divider)
	line(headers)
	b.WriteString(divider)
	for _, r := range cells {
		line(r)
	}
	b.WriteString(divider)
	return b.String()
}

// validateCommand is `validate`.
func (s *session) validateCommand() int {
	if !s.metadataInitialized() {
		return 1
	}
	ok, err := s.validate()
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	if !ok {
		return 1
	}
	s.infof("Successfully validated checksums for migrations that have already been applied")
	return 0
}

// validate walks back from the latest migrated version along the
// previous-version chain: each version must be MIGRATED, have its file,
// and the file's checksum must be the one recorded when it was applied.
func (s *session) validate() (bool, error) {
	version, err := s.latestMigrated()
	if err != nil {
		return false, err
	}
	next := ""
	dir := s.cfg.migrationsDir()
	for version != noneVersion {
		vi, err := s.infoFor(version)
		if err != nil {
			return false, err
		}
		if next != "" {
			if err := mustBeMigrated(version, vi, next); err != nil {
				return false, err
			}
		}
		n, err := strconv.Atoi(version)
		var mf *migrationFile
		if err == nil {
			mf, err = migrationForVersion(dir, n)
		}
		if err != nil || mf == nil {
			s.errorf("No migrations file found for version with status %s. Version: %s", stateMigrated, version)
			return false, nil
		}
		sum, err := checksum(mf.path)
		if err != nil {
			return false, err
		}
		if sum != vi.checksum {
			s.errorf("Migrations file found for version %s does not match the checksum saved for this version. Expected checksum: %s. Actual checksum: %s. File name: %s",
				version, vi.checksum, sum, mf.path)
			return false, nil
		}
		next, version = version, vi.previous
	}
	return true, nil
}

// apply is `apply`.
func (s *session) apply(o *options) int {
	vars, err := parseDefines(o.defines)
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	if !s.metadataInitialized() {
		return 1
	}
	if o.dryRun {
		s.infof("This is a dry run. No statements will be sent to the server.")
	}
	s.infof("Validating current migration state before applying new migrations")
	ok, err := s.validate()
	if err == nil && ok {
		err = s.applyFrom(o, vars)
	}
	if err != nil {
		s.errorf("%v", err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}

// parseDefines reads --define name=value options.
func parseDefines(defs []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, d := range defs {
		name, val, ok := strings.Cut(d, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("Variables must be defined using '=' (i.e. var=val). Got: %s", d)
		}
		vars[strings.TrimSpace(name)] = val
	}
	return vars, nil
}

// errApplyFailed says a migration failed after its error was reported.
var errApplyFailed = errors.New("migration failed")

func (s *session) applyFrom(o *options, vars map[string]string) error {
	previous, err := s.latestMigrated()
	if err != nil {
		return err
	}
	s.infof("Loading migration files")
	todo, err := s.toApply(o, previous)
	if err != nil {
		return err
	}
	if len(todo) == 0 {
		s.infof("No eligible migrations found.")
	} else {
		s.infof("%d migration file(s) loaded.", len(todo))
	}
	for _, m := range todo {
		if err := s.applyOne(o, m, previous, vars); err != nil {
			if errors.Is(err, errApplyFailed) {
				return errors.New("Migration failed. Fix the file and run apply again; it resumes at this version.")
			}
			return err
		}
		previous = strconv.Itoa(m.version)
	}
	if len(todo) > 0 && !o.dryRun {
		// Unlike ksqlDB's tool, wait until the table shows the last
		// version migrated, so that an info or apply run right after
		// this one sees it.
		if err := s.waitState(previous, stateMigrated); err != nil {
			return err
		}
	}
	return nil
}

// toApply picks the files after previous that the options select.
func (s *session) toApply(o *options, previous string) ([]migrationFile, error) {
	minimum := 1
	if previous != noneVersion {
		n, err := strconv.Atoi(previous)
		if err != nil {
			return nil, fmt.Errorf("bad version %q in the migrations metadata table", previous)
		}
		minimum = n + 1
	}
	dir := s.cfg.migrationsDir()
	if o.versionSet {
		m, err := migrationForVersion(dir, o.version)
		if err != nil {
			return nil, err
		}
		if m == nil {
			return nil, fmt.Errorf("No migration file with version %d exists.", o.version)
		}
		if o.version < minimum {
			return nil, fmt.Errorf("Version must be newer than the last version migrated. Last version migrated was %s", previous)
		}
		return []migrationFile{*m}, nil
	}
	all, err := s.allMigrations(dir)
	if err != nil {
		return nil, err
	}
	var out []migrationFile
	for _, m := range all {
		if m.version >= minimum && (!o.untilSet || m.version <= o.until) {
			out = append(out, m)
		}
	}
	if o.next {
		if len(out) == 0 {
			return nil, errors.New("No eligible migrations found.")
		}
		out = out[:1]
	}
	return out, nil
}

// applyOne applies one migration file: RUNNING, its statements, then
// MIGRATED, or ERROR with the reason.
func (s *session) applyOne(o *options, m migrationFile, previous string, defines map[string]string) error {
	s.infof("Applying migration version %d: %s", m.version, m.name)
	content, err := os.ReadFile(m.path)
	if err != nil {
		return fmt.Errorf("Failed to read %s: %w", m.path, err)
	}
	s.infof("%s contents:\n%s", m.path, content)
	if o.dryRun {
		s.infof("Dry run complete. No migrations were actually applied.")
		return nil
	}
	if err := s.waitState(previous, stateMigrated); err != nil {
		s.errorf("%v", err)
		return fmt.Errorf("Failed to verify status of version %s", previous)
	}
	started := strconv.FormatInt(s.now().UnixMilli(), 10)
	if err := s.updateState(stateRunning, started, m, previous, ""); err != nil {
		return err
	}
	fail := func(reason string, at sql.Pos) error {
		if err := s.updateState(stateError, started, m, previous, reason); err != nil {
			s.errorf("%v", err)
		} else if err := s.waitState(strconv.Itoa(m.version), stateError); err != nil {
			s.errorf("%v", err)
		}
		s.errorf("%s:%d:%d: %s", m.path, at.Line, at.Col, reason)
		return errApplyFailed
	}
	cmds, err := splitCommands(string(content))
	if err != nil {
		var pe *posError
		errors.As(err, &pe)
		return fail(fmt.Sprintf("Failed to parse sql: %s", pe.msg), pe.pos)
	}
	// First every statement is parsed (running only DEFINE and UNDEFINE,
	// whose variables later statements need), so that a file with a bad
	// statement changes nothing; then they run.
	for _, validateOnly := range []bool{true, false} {
		vars := make(map[string]string, len(defines))
		for k, v := range defines {
			vars[k] = v
		}
		props := map[string]string{}
		for _, c := range cmds {
			action := "execute"
			if validateOnly {
				action = "parse"
			}
			at, err := s.run(c, vars, props, validateOnly)
			if err != nil {
				reason := err.Error()
				if pe, ok := err.(*posError); ok {
					reason = pe.msg
				}
				return fail(fmt.Sprintf("Failed to %s sql: %s. Error: %s", action, c.text, reason), at)
			}
		}
	}
	if err := s.updateState(stateMigrated, started, m, previous, ""); err != nil {
		return err
	}
	s.infof("Successfully migrated")
	return nil
}

// run parses one command and, unless validateOnly, runs it; DEFINE and
// UNDEFINE always run. It returns where in the file an error is.
func (s *session) run(c command, vars, props map[string]string, validateOnly bool) (sql.Pos, error) {
	p, err := parseCommand(c, vars)
	if err != nil {
		return err.(*posError).pos, err
	}
	switch st := p.stmt.(type) {
	case *sql.Define:
		vars[st.Name] = st.Value
		return c.at, nil
	case *sql.Undefine:
		for k := range vars {
			if strings.EqualFold(k, st.Name) {
				delete(vars, k)
			}
		}
		return c.at, nil
	}
	if validateOnly {
		return c.at, nil
	}
	switch st := p.stmt.(type) {
	case *sql.SetProperty:
		props[st.Name] = st.Value
	case *sql.UnsetProperty:
		delete(props, st.Name)
	case *sql.InsertValues:
		return s.insertValues(c, st, p.text)
	default:
		if _, err := s.execute(p.text, props); err != nil {
			var se *repl.ServerError
			if errors.As(err, &se) && se.Pos.Line > 0 {
				return inFile(c.at, se.Pos), err
			}
			return c.at, err
		}
	}
	return c.at, nil
}

// insertValues sends INSERT VALUES through /inserts-stream, as ksqlDB's
// tool does; without a column list the values go to the source's
// columns in order.
func (s *session) insertValues(c command, st *sql.InsertValues, text string) (sql.Pos, error) {
	cols := st.Columns
	if len(cols) == 0 {
		d, err := s.describe(sql.FormatIdent(st.Target))
		if err != nil {
			return c.at, err
		}
		for _, f := range d.Fields {
			cols = append(cols, f.Name)
		}
	}
	if len(cols) != len(st.Values) {
		return c.at, fmt.Errorf("Invalid `INSERT VALUES` statement. Number of columns and values must match. Got: Columns: %d. Values: %d.", len(cols), len(st.Values))
	}
	row := make(map[string]any, len(cols))
	for i, col := range cols {
		v, err := value(st.Values[i])
		if err != nil {
			pe := err.(*posError)
			return inFile(c.at, pe.pos), errors.New(pe.msg)
		}
		row[col] = v
	}
	if err := s.insert(st.Target, row, text); err != nil {
		return c.at, err
	}
	return c.at, nil
}

// updateState records a state for CURRENT and for the version.
func (s *session) updateState(state, started string, m migrationFile, previous, reason string) error {
	completed := ""
	if state == stateMigrated || state == stateError {
		completed = strconv.FormatInt(s.now().UnixMilli(), 10)
	}
	sum, err := checksum(m.path)
	if err != nil {
		return err
	}
	for _, key := range []string{currentKey, strconv.Itoa(m.version)} {
		if err := s.writeRow(key, state, started, completed, m, previous, sum, reason); err != nil {
			return fmt.Errorf("Failed to record state %s of version %d: %w", state, m.version, err)
		}
	}
	return nil
}

// waitState waits until the table shows version in state, as ksqlDB's
// tool waits for the previous version to be MIGRATED before it applies
// the next: states are written to the stream, and the table's query
// catches up a moment later.
func (s *session) waitState(version, state string) error {
	if version == noneVersion {
		return nil
	}
	deadline := s.now().Add(10 * time.Second)
	wait := 20 * time.Millisecond
	for {
		vi, err := s.optionalInfo(version)
		switch {
		case err != nil:
		case vi == nil:
			err = fmt.Errorf("Failed to query state for migration with version %s: no such migration is present in the migrations metadata table", version)
		case vi.state != state:
			err = fmt.Errorf("Expected status %s for version %s. Got %s", state, version, vi.state)
		default:
			return nil
		}
		if s.now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

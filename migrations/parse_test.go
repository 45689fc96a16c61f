package migrations

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestSplitCommands(t *testing.T) {
	text := "-- header; not a statement\nCREATE STREAM a (v STRING) WITH (kafka_topic='a;b', partitions=1, value_format='json');\n" +
		"/* block; comment */ INSERT INTO a (v) VALUES ('x');\n\n   DEFINE x = 'y'; -- trailing"
	cmds, err := splitCommands(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 3 {
		t.Fatalf("%d commands: %+v", len(cmds), cmds)
	}
	want := []struct {
		prefix string
		at     sql.Pos
	}{
		{"CREATE STREAM a (v STRING) WITH (kafka_topic='a;b'", sql.Pos{Line: 2, Col: 1}},
		{"INSERT INTO a (v) VALUES ('x');", sql.Pos{Line: 3, Col: 22}},
		{"DEFINE x = 'y';", sql.Pos{Line: 5, Col: 4}},
	}
	for i, w := range want {
		if !strings.HasPrefix(cmds[i].text, w.prefix) || cmds[i].at != w.at {
			t.Errorf("command %d: %q at %v, want %q at %v", i, cmds[i].text, cmds[i].at, w.prefix, w.at)
		}
	}

	for text, msg := range map[string]string{
		"CREATE STREAM a;\nDROP STREAM a":  "line 2:1: Unmatched command at end of file; missing semicolon: 'DROP STREAM a'",
		"INSERT INTO a VALUES ('x);":       "line 1:23: Invalid sql - failed to find closing token '''",
		"DROP STREAM a; /* unterminated ;": "line 1:16: Invalid sql - failed to find closing token '*/'",
	} {
		if _, err := splitCommands(text); err == nil || err.Error() != msg {
			t.Errorf("%q: %v, want %s", text, err, msg)
		}
	}
}

func TestParseCommand(t *testing.T) {
	vars := map[string]string{"name": "s1"}
	p, err := parseCommand(command{text: "CREATE STREAM ${name} (v INT) WITH (kafka_topic='${name}', partitions=1, value_format='json');", at: sql.Pos{Line: 1, Col: 1}}, vars)
	if err != nil || p.stmt != nil || !strings.Contains(p.text, "STREAM s1 (") || !strings.Contains(p.text, "'s1'") {
		t.Errorf("substituted: %+v %v", p, err)
	}
	p, err = parseCommand(command{text: "INSERT INTO s1 (v) VALUES (-3);", at: sql.Pos{Line: 1, Col: 1}}, vars)
	if iv, ok := p.stmt.(*sql.InsertValues); err != nil || !ok || len(iv.Values) != 1 {
		t.Fatalf("insert: %+v %v", p, err)
	} else if v, err := value(iv.Values[0]); err != nil || v != int64(-3) {
		t.Errorf("value -3: %v %v", v, err)
	}
	for text, msg := range map[string]string{
		"select * from s1;":               "'SELECT' statements are not supported.",
		"  SHOW STREAMS;":                 "'SHOW' statements are not supported.",
		"RUN SCRIPT 'x.sql';":             "'RUN SCRIPT' statements are not supported.",
		"DROP STREAM ${missing};":         "Variable 'missing' is not defined",
		"CREATE STREAM x AS SELEKT 1;":    "Failed to parse the statement. Statement: CREATE STREAM x AS SELEKT 1;",
		"INSERT INTO s1 VALUES (ABS(1));": "",
	} {
		_, err := parseCommand(command{text: text, at: sql.Pos{Line: 3, Col: 5}}, vars)
		if msg == "" {
			if err != nil {
				t.Errorf("%q: %v", text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %s", text, err, msg)
		}
	}
	// A parse error's position is in the file: the statement starts at
	// 3:5, and SELEKT is 16 characters into it.
	_, err = parseCommand(command{text: "CREATE STREAM x AS SELEKT 1;", at: sql.Pos{Line: 3, Col: 5}}, vars)
	if pe, ok := err.(*posError); !ok || pe.pos != (sql.Pos{Line: 3, Col: 24}) {
		t.Errorf("position: %v", err)
	}
	// Only literals may be inserted, as with ksqlDB's tool.
	stmts, _ := sql.Parse("INSERT INTO s1 VALUES (ABS(1));")
	if _, err := value(stmts[0].(*sql.InsertValues).Values[0]); err == nil || !strings.Contains(err.Error(), "Expression type not recognized") {
		t.Errorf("function call inserted: %v", err)
	}
}

func TestProperties(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ksql-migrations.properties")
	write(t, path, "# comment\n! also a comment\nksql.server.url = http://h:8088\nksql.migrations.stream.name:EVENTS\n"+
		"ksql.auth.basic.password=a\\=b\\\n    c\nksql.migrations.dir.override  /tmp/m\n")
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.serverURL() != "http://h:8088" || cfg.streamName() != "EVENTS" || cfg.tableName() != defaultTableName ||
		cfg.props[keyPassword] != "a=bc" || cfg.migrationsDir() != "/tmp/m" {
		t.Errorf("parsed: %q", cfg.props)
	}
	if cfg.streamTopic("svc_") != "svc_ksql_EVENTS" || cfg.tableTopic("svc_") != "svc_ksql_MIGRATION_SCHEMA_VERSIONS" {
		t.Errorf("topics: %s %s", cfg.streamTopic("svc_"), cfg.tableTopic("svc_"))
	}
	write(t, path, "ksql.migrations.table.name=T\n")
	if _, err := loadConfig(path); err == nil || err.Error() != "Missing required property: ksql.server.url" {
		t.Errorf("no server url: %v", err)
	}
	// Without an override the directory is the config file's sibling.
	write(t, path, "ksql.server.url=http://h:8088\n")
	if cfg, err := loadConfig(path); err != nil || cfg.migrationsDir() != filepath.Join(dir, "migrations") {
		t.Errorf("default dir: %v", err)
	}
}

func TestFormatInfo(t *testing.T) {
	got := formatInfo([]versionInfo{
		{version: 1, name: "Initial setup", state: stateMigrated, previous: noneVersion, displayStartedOn: "2021-03-03 23:47:50.455 PST", displayCompletedOn: "2021-03-03 23:47:50.689 PST", errorReason: notApplied},
		pendingInfo(migrationFile{version: 2, name: "Add users"}),
	})
	want := strings.Join([]string{
		strings.Repeat("-", 130),
		" Version | Name          | State    | Previous Version | Started On                  | Completed On                | Error Reason ",
		strings.Repeat("-", 130),
		" 1       | Initial setup | MIGRATED | <none>           | 2021-03-03 23:47:50.455 PST | 2021-03-03 23:47:50.689 PST | N/A          ",
		" 2       | Add users     | PENDING  | N/A              | N/A                         | N/A                         | N/A          ",
		strings.Repeat("-", 130), "",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFilesAndArgs(t *testing.T) {
	if got := newFileName(12, `Add users: "v2"/x`); got != "V000012__Add_users___v2__x.sql" {
		t.Errorf("file name %q", got)
	}
	dir := t.TempDir()
	for _, n := range []string{"V000002__b_c.sql", "V000001__a.sql", "notes.txt"} {
		write(t, filepath.Join(dir, n), "")
	}
	var warn strings.Builder
	tl := &tool{out: &warn, errw: &warn}
	files, err := tl.allMigrations(dir)
	if err != nil || len(files) != 2 || files[0].version != 1 || files[1].name != "b c" || !strings.Contains(warn.String(), "notes.txt") {
		t.Errorf("files %+v %v %q", files, err, warn.String())
	}
	write(t, filepath.Join(dir, "V000002__dup.sql"), "")
	if _, err := tl.allMigrations(dir); err == nil || !strings.Contains(err.Error(), "Found multiple migration files with the same version. Version: 2.") {
		t.Errorf("duplicate versions: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "V000002__dup.sql")); err != nil {
		t.Fatal(err)
	}

	o, err := parseArgs([]string{"apply", "-c", "x.properties", "--until", "3", "-d", "a=1", "--define=b=2", "--dry-run"})
	if err != nil || o.configFile != "x.properties" || o.until != 3 || !o.dryRun || strings.Join(o.defines, ",") != "a=1,b=2" {
		t.Errorf("apply args: %+v %v", o, err)
	}
	for _, bad := range [][]string{
		{"apply"}, {"apply", "--all", "--next"}, {"apply", "-v", "0"}, {"apply", "-u", "x"},
		{"create"}, {"info", "extra"}, {"nosuch"}, {"-c", "a", "-c", "b", "info"}, {"info", "--all"},
	} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if code, _, errs := run(t, "info"); code != 1 || !strings.Contains(errs, "Migrations config file required but not specified") {
		t.Errorf("no config file: %d %s", code, errs)
	}
	if code, out, _ := run(t); code != 0 || !strings.Contains(out, "initialize-metadata") {
		t.Errorf("usage: %d %s", code, out)
	}
}

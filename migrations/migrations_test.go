package migrations

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/internal/testcert"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/server"
)

// eddyServer is a real eddy server (engine and REST API) over a broker
// that outlives it, so that a test can restart the server.
type eddyServer struct {
	t    *testing.T
	cl   kafka.Cluster
	addr string // host:port, the same across restarts
	eng  *engine.Engine
	srv  *server.Server
	mod  func(*server.Config)
}

func startEddy(t *testing.T) *eddyServer { return startEddyWith(t, nil) }

// startEddyWith starts a server whose config mod changes.
func startEddyWith(t *testing.T, mod func(*server.Config)) *eddyServer {
	t.Helper()
	_, cl := testenv.Kafka(t, "")
	e := &eddyServer{t: t, cl: cl, addr: "127.0.0.1:0", mod: mod}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *eddyServer) start() {
	e.t.Helper()
	eng, err := engine.New(context.Background(), engine.Options{Cluster: e.cl})
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := server.Config{Engine: eng, Listen: e.addr, Version: "test", KafkaClusterID: "eddy", Logf: e.t.Logf}
	if e.mod != nil {
		e.mod(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		eng.Close()
		e.t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		eng.Close()
		e.t.Fatal(err)
	}
	e.eng, e.srv = eng, srv
	e.addr = strings.TrimPrefix(strings.TrimPrefix(srv.URL(), "http://"), "https://")
}

func (e *eddyServer) stop() {
	if e.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("shutdown: %v", err)
	}
	e.eng.Close()
	e.srv, e.eng = nil, nil
}

// restart stops the server and starts a new one on the same address
// over the same broker: the catalog comes back from the command topic.
func (e *eddyServer) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

func (e *eddyServer) url() string { return "http://" + e.addr }

// ksql runs statements on the server directly, to look at what the tool
// did.
func (e *eddyServer) ksql(stmt string) ([]api.Entity, error) {
	c, err := repl.NewHTTPClient(e.url(), repl.HTTPOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	return c.Execute(context.Background(), stmt, nil)
}

// sources lists the server's stream and table names, sorted.
func (e *eddyServer) sources() string {
	e.t.Helper()
	var names []string
	for _, stmt := range []string{"SHOW STREAMS;", "SHOW TABLES;"} {
		ents, err := e.ksql(stmt)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, en := range ents {
			switch l := en.(type) {
			case *api.StreamsList:
				for _, s := range l.Streams {
					names = append(names, s.Name)
				}
			case *api.TablesList:
				for _, s := range l.Tables {
					names = append(names, s.Name)
				}
			}
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// run runs `eddy migrations args...`.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = Main(args, &out, &errw)
	return code, out.String(), errw.String()
}

// mustRun runs and fails the test unless the command succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("eddy migrations %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// newProject makes a project for e and initializes its metadata;
// it returns the config file and the migrations directory.
func newProject(t *testing.T, e *eddyServer) (cfg, dir string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "proj")
	mustRun(t, "new-project", root, e.url())
	cfg = filepath.Join(root, "ksql-migrations.properties")
	mustRun(t, "--config-file", cfg, "initialize-metadata")
	return cfg, filepath.Join(root, "migrations")
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// infoRow finds a version's row in info's table and returns its cells.
func infoRow(t *testing.T, out, version string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 7 && strings.TrimSpace(cells[0]) == version {
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			return cells
		}
	}
	t.Fatalf("no row for version %s in:\n%s", version, out)
	return nil
}

// TestProjectLifecycle walks a project as a user would: two migrations
// applied one then all, info before and after a server restart, and a
// changed applied file caught by validate and apply.
func TestProjectLifecycle(t *testing.T) {
	e := startEddy(t)
	root := filepath.Join(t.TempDir(), "proj")
	out := mustRun(t, "new-project", root, e.url())
	if !strings.Contains(out, "Migrations project directory created successfully") {
		t.Errorf("new-project output:\n%s", out)
	}
	cfg := filepath.Join(root, "ksql-migrations.properties")
	props, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ksql.server.url=" + e.url() + "\n", "\n# ksql.migrations.stream.name=MIGRATION_EVENTS\n",
		"\n# ksql.migrations.topic.replicas=1\n", "\n# ssl.verify.host=true\n", "\n# ksql.auth.basic.username=\n", "\n# ksql.migrations.dir.override=\n"} {
		if !strings.Contains(string(props), want) {
			t.Errorf("config file lacks %q:\n%s", want, props)
		}
	}
	// The config file may come after the command too.
	mustRun(t, "initialize-metadata", "-c", cfg)
	if got := e.sources(); got != "MIGRATION_EVENTS,MIGRATION_SCHEMA_VERSIONS" {
		t.Fatalf("sources after initialize-metadata: %s", got)
	}
	desc, err := e.ksql("DESCRIBE MIGRATION_EVENTS;")
	if err != nil || desc[0].(*api.SourceDescriptionEntity).SourceDescription.Topic != "default_ksql_MIGRATION_EVENTS" {
		t.Fatalf("metadata stream topic: %v %v", desc, err)
	}

	mustRun(t, "-c", cfg, "create", "Initial setup")
	mustRun(t, "-c", cfg, "create", "Add_users")
	dir := filepath.Join(root, "migrations")
	v1, v2 := filepath.Join(dir, "V000001__Initial_setup.sql"), filepath.Join(dir, "V000002__Add_users.sql")
	for _, f := range []string{v1, v2} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "-c", cfg, "create", "-v", "2", "again"); code != 1 || !strings.Contains(errs, "Found existing migrations file for version 2") {
		t.Errorf("create of an existing version: %d %s", code, errs)
	}
	write(t, v1, "-- first\nCREATE STREAM users (id INT KEY, name STRING)\n  WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON', PARTITIONS=1);\n")
	write(t, v2, "CREATE STREAM named AS SELECT * FROM users WHERE name IS NOT NULL;\n")

	out = mustRun(t, "-c", cfg, "info")
	if !strings.Contains(out, "Current migration version: <none>") || infoRow(t, out, "1")[2] != "PENDING" {
		t.Errorf("info before apply:\n%s", out)
	}

	out = mustRun(t, "-c", cfg, "apply", "--next")
	if !strings.Contains(out, "Applying migration version 1: Initial setup") || strings.Contains(out, "version 2") {
		t.Errorf("apply --next:\n%s", out)
	}
	if got := e.sources(); got != "MIGRATION_EVENTS,MIGRATION_SCHEMA_VERSIONS,USERS" {
		t.Errorf("sources after apply --next: %s", got)
	}
	out = mustRun(t, "-c", cfg, "info")
	r1, r2 := infoRow(t, out, "1"), infoRow(t, out, "2")
	if !strings.Contains(out, "Current migration version: 1") || r1[2] != "MIGRATED" || r1[3] != "<none>" || r2[2] != "PENDING" {
		t.Errorf("info after apply --next:\n%s", out)
	}
	// Started On as ksqlDB's tool shows it.
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+$`).MatchString(r1[4]) {
		t.Errorf("started on %q", r1[4])
	}

	// Older versions cannot be applied again; --until stops before 2.
	if code, _, errs := run(t, "-c", cfg, "apply", "-v", "1"); code != 1 || !strings.Contains(errs, "Version must be newer than the last version migrated. Last version migrated was 1") {
		t.Errorf("apply -v 1 again: %d %s", code, errs)
	}
	if out := mustRun(t, "-c", cfg, "apply", "--until", "1"); !strings.Contains(out, "No eligible migrations found.") {
		t.Errorf("apply --until 1:\n%s", out)
	}

	mustRun(t, "-c", cfg, "apply", "--all")
	check := func(when string) {
		t.Helper()
		out := mustRun(t, "-c", cfg, "info")
		r1, r2 := infoRow(t, out, "1"), infoRow(t, out, "2")
		if !strings.Contains(out, "Current migration version: 2") || r1[2] != "MIGRATED" || r2[2] != "MIGRATED" || r2[3] != "1" || r2[6] != "N/A" {
			t.Errorf("info %s:\n%s", when, out)
		}
	}
	check("after apply --all")
	// Nothing left: apply --all succeeds without doing anything.
	if out := mustRun(t, "-c", cfg, "apply", "--all"); !strings.Contains(out, "No eligible migrations found.") {
		t.Errorf("apply with nothing to do:\n%s", out)
	}

	e.restart()
	check("after a server restart")
	out = mustRun(t, "-c", cfg, "validate")
	if !strings.Contains(out, "Successfully validated checksums") {
		t.Errorf("validate:\n%s", out)
	}

	// The checksum recorded is the MD5 of the file's bytes, as ksqlDB's
	// tool records it.
	b, _ := os.ReadFile(v2)
	sum := md5.Sum(b)
	c, err := repl.NewHTTPClient(e.url(), repl.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got string
	err = c.Stream(context.Background(), "SELECT checksum FROM MIGRATION_SCHEMA_VERSIONS WHERE version_key = '2';", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			got, _ = r.Row.Columns[0].(string)
		}
		return nil
	})
	if err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("checksum %q, want %x (%v)", got, sum, err)
	}

	// An applied file changed: validate fails, and so does apply.
	write(t, v1, string(mustRead(t, v1))+"-- changed\n")
	code, _, errs := run(t, "-c", cfg, "validate")
	if code != 1 || !strings.Contains(errs, "Migrations file found for version 1 does not match the checksum saved for this version") {
		t.Errorf("validate of a changed file: %d %s", code, errs)
	}
	mustRun(t, "-c", cfg, "create", "third")
	write(t, filepath.Join(dir, "V000003__third.sql"), "CREATE STREAM third AS SELECT * FROM users;\n")
	if code, _, errs := run(t, "-c", cfg, "apply", "--all"); code != 1 || !strings.Contains(errs, "does not match the checksum") {
		t.Errorf("apply after a changed file: %d %s", code, errs)
	}
	if strings.Contains(e.sources(), "THIRD") {
		t.Error("apply ran a migration although validation failed")
	}

	// destroy-metadata drops the stream and table; the rest stays.
	mustRun(t, "-c", cfg, "destroy-metadata")
	if got := e.sources(); got != "NAMED,USERS" {
		t.Errorf("sources after destroy-metadata: %s", got)
	}
	if code, _, errs := run(t, "-c", cfg, "info"); code != 1 || !strings.Contains(errs, "Did you run `eddy migrations initialize-metadata`?") {
		t.Errorf("info without metadata: %d %s", code, errs)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFailedMigration: a statement the server refuses leaves the version
// in state ERROR with the reason, names the file, line and column; after
// the file is fixed, apply resumes at that version.
func TestFailedMigration(t *testing.T) {
	e := startEddy(t)
	cfg, dir := newProject(t, e)
	write(t, filepath.Join(dir, "V000001__base.sql"), "CREATE STREAM base (id INT KEY, v STRING) WITH (KAFKA_TOPIC='base', VALUE_FORMAT='JSON', PARTITIONS=1);\n")
	v2 := filepath.Join(dir, "V000002__derived.sql")
	write(t, v2, "CREATE STREAM one AS SELECT * FROM base;\n\nCREATE STREAM two AS\n  SELECT * FROM nosuch;\n")

	code, out, errs := run(t, "-c", cfg, "apply", "--all")
	if code != 1 || !strings.Contains(out, "Applying migration version 2") {
		t.Fatalf("apply of a failing migration: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, v2+":4:") || !strings.Contains(errs, "Failed to execute sql: CREATE STREAM two AS") || !strings.Contains(errs, "NOSUCH") {
		t.Errorf("error does not name the file, line and cause:\n%s", errs)
	}
	out = mustRun(t, "-c", cfg, "info")
	r1, r2 := infoRow(t, out, "1"), infoRow(t, out, "2")
	if !strings.Contains(out, "Current migration version: 2") || r1[2] != "MIGRATED" || r2[2] != "ERROR" || !strings.Contains(r2[6], "Failed to execute sql") {
		t.Errorf("info after the failure:\n%s", out)
	}
	// validate looks at the versions migrated only.
	mustRun(t, "-c", cfg, "validate")

	// Fixed (statements already run must be safe to run again, as with
	// ksqlDB's tool, which does not apply a file atomically).
	write(t, v2, "CREATE STREAM IF NOT EXISTS one AS SELECT * FROM base;\nCREATE STREAM two AS SELECT * FROM one;\n")
	out = mustRun(t, "-c", cfg, "apply", "--all")
	if !strings.Contains(out, "Applying migration version 2") {
		t.Errorf("apply after the fix:\n%s", out)
	}
	out = mustRun(t, "-c", cfg, "info")
	if r2 := infoRow(t, out, "2"); r2[2] != "MIGRATED" || r2[3] != "1" || r2[6] != "N/A" {
		t.Errorf("info after the fix:\n%s", out)
	}
	if got := e.sources(); !strings.Contains(got, "TWO") {
		t.Errorf("sources: %s", got)
	}

	// A statement that does not parse stops the file before anything in
	// it runs, and names where it is.
	v3 := filepath.Join(dir, "V000003__bad.sql")
	write(t, v3, "CREATE STREAM three AS SELECT * FROM base;\n  CREATE STREAM four AS SELEKT * FROM base;\n")
	code, _, errs = run(t, "-c", cfg, "apply", "--next")
	if code != 1 || !strings.Contains(errs, v3+":2:") || !strings.Contains(errs, "Failed to parse sql") {
		t.Errorf("apply of a file that does not parse: %d\n%s", code, errs)
	}
	if strings.Contains(e.sources(), "THREE") {
		t.Error("a statement before the one that does not parse ran")
	}
	// SELECT is refused, as ksqlDB's tool refuses it.
	write(t, v3, "SELECT * FROM base;\n")
	if code, _, errs := run(t, "-c", cfg, "apply", "--next"); code != 1 || !strings.Contains(errs, "'SELECT' statements are not supported.") {
		t.Errorf("apply of a SELECT: %d\n%s", code, errs)
	}
}

// TestVariablesAndDryRun: --define and DEFINE feed ${...}, SET applies to
// the statements after it, INSERT VALUES lands, and a dry run sends no
// statement.
func TestVariablesAndDryRun(t *testing.T) {
	e := startEddy(t)
	cfg, dir := newProject(t, e)
	write(t, filepath.Join(dir, "V000001__vars.sql"), `DEFINE topic_name = 'events';
CREATE STREAM ${prefix}_events (id INT KEY, v STRING, n DECIMAL(4,2), tags ARRAY<STRING>)
  WITH (KAFKA_TOPIC='${topic_name}', VALUE_FORMAT='JSON', PARTITIONS=1);
INSERT INTO ${prefix}_events (id, v, n, tags) VALUES (1, '${greeting}', -1.50, ARRAY['a', 'b']);
INSERT INTO ${prefix}_events VALUES (2, 'two', 2.25, ARRAY['c']);
SET 'auto.offset.reset' = 'earliest';
CREATE TABLE counts AS SELECT id, COUNT(*) AS c FROM ${prefix}_events GROUP BY id;
UNDEFINE topic_name;
`)
	out := mustRun(t, "-c", cfg, "apply", "--all", "--dry-run", "-d", "prefix=app", "--define", "greeting=hi")
	if !strings.Contains(out, "This is a dry run") || !strings.Contains(out, "Dry run complete. No migrations were actually applied.") || !strings.Contains(out, "CREATE STREAM ${prefix}_events") {
		t.Errorf("dry run output:\n%s", out)
	}
	if got := e.sources(); got != "MIGRATION_EVENTS,MIGRATION_SCHEMA_VERSIONS" {
		t.Errorf("a dry run created sources: %s", got)
	}
	if out := mustRun(t, "-c", cfg, "info"); !strings.Contains(out, "Current migration version: <none>") || infoRow(t, out, "1")[2] != "PENDING" {
		t.Errorf("a dry run changed the metadata:\n%s", out)
	}

	// A variable left undefined fails the file before it runs.
	code, _, errs := run(t, "-c", cfg, "apply", "--all", "-d", "prefix=app")
	if code != 1 || !strings.Contains(errs, "GREETING") && !strings.Contains(errs, "greeting") {
		t.Errorf("apply with a variable undefined: %d\n%s", code, errs)
	}
	if strings.Contains(e.sources(), "APP_EVENTS") {
		t.Error("a file with an undefined variable ran")
	}

	mustRun(t, "-c", cfg, "apply", "--all", "-d", "prefix=app", "-d", "greeting=hi")
	desc, err := e.ksql("DESCRIBE app_events;")
	if err != nil || desc[0].(*api.SourceDescriptionEntity).SourceDescription.Topic != "events" {
		t.Fatalf("stream made with variables: %v %v", desc, err)
	}
	// SET 'auto.offset.reset'='earliest' reached the CREATE TABLE: both
	// rows inserted before it are counted.
	c, err := repl.NewHTTPClient(e.url(), repl.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rows []string
		err := c.Stream(context.Background(), "SELECT * FROM counts;", nil, func(r api.StreamedRow) error {
			if r.Row != nil {
				rows = append(rows, fmtRow(r.Row.Columns))
			}
			return nil
		})
		if err == nil && len(rows) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts: %v %v", rows, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got []string
	err = c.Stream(context.Background(), "SELECT id, v, n, tags FROM app_events EMIT CHANGES LIMIT 2;", map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
		if r.Row != nil {
			got = append(got, fmtRow(r.Row.Columns))
		}
		return nil
	})
	if err != nil || strings.Join(got, ";") != "[1 hi -1.50 [a b]];[2 two 2.25 [c]]" {
		t.Errorf("inserted rows: %q %v", got, err)
	}
}

// fmtRow shows a row's columns as "[1 hi [a b]]".
func fmtRow(cols []any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		if l, ok := c.([]any); ok {
			parts[i] = fmtRow(l)
		} else {
			parts[i] = fmt.Sprint(c)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestTLSAndBasicAuth: the config file's credentials and PEM trust store
// reach an HTTPS server with basic authentication, inserts (HTTP/2 over
// TLS) included; ssl.verify.host=false accepts a certificate for another
// name but still checks its chain.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := testcert.SelfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	e := startEddyWith(t, func(c *server.Config) {
		c.TLSCertFile, c.TLSKeyFile = certFile, keyFile
		c.Users = server.Users{"ann": hash}
	})
	port := e.addr[strings.LastIndexByte(e.addr, ':')+1:]
	root := filepath.Join(dir, "proj")
	mustRun(t, "new-project", root, "https://127.0.0.1:"+port)
	cfg := filepath.Join(root, "ksql-migrations.properties")
	base := string(mustRead(t, cfg)) + "ssl.truststore.location=" + certFile + "\nksql.auth.basic.username=ann\n"

	write(t, cfg, base+"ksql.auth.basic.password=wrong\n")
	if code, _, errs := run(t, "-c", cfg, "initialize-metadata"); code != 1 || !strings.Contains(errs, "did not accept the password") {
		t.Errorf("wrong password: %d %s", code, errs)
	}
	write(t, cfg, base+"ksql.auth.basic.password=s3cret\n")
	mustRun(t, "-c", cfg, "initialize-metadata")
	write(t, filepath.Join(root, "migrations", "V000001__s.sql"),
		"CREATE STREAM s (id INT KEY) WITH (kafka_topic='s', partitions=1, value_format='json');\nINSERT INTO s (id) VALUES (1);\n")
	mustRun(t, "-c", cfg, "apply", "--all")
	if out := mustRun(t, "-c", cfg, "info"); infoRow(t, out, "1")[2] != "MIGRATED" {
		t.Errorf("info over TLS:\n%s", out)
	}

	// The certificate names 127.0.0.1, not localhost.
	byName := strings.Replace(base, "https://127.0.0.1:", "https://localhost:", 1) + "ksql.auth.basic.password=s3cret\n"
	write(t, cfg, byName)
	if code, _, errs := run(t, "-c", cfg, "info"); code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("another host name: %d %s", code, errs)
	}
	write(t, cfg, byName+"ssl.verify.host=false\n")
	mustRun(t, "-c", cfg, "info")
	// Without the trust store the chain is still checked.
	write(t, cfg, strings.Replace(byName, "ssl.truststore.location="+certFile+"\n", "", 1)+"ssl.verify.host=false\n")
	if code, _, errs := run(t, "-c", cfg, "info"); code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("no trust store: %d %s", code, errs)
	}
}

// TestMetadataFromKsqlMigrations: metadata made the way ksqlDB's tool
// makes it (its statements, a table with output caching, a version
// recorded by it) is read and carried on.
func TestMetadataFromKsqlMigrations(t *testing.T) {
	e := startEddy(t)
	root := filepath.Join(t.TempDir(), "proj")
	mustRun(t, "new-project", root, e.url())
	cfg, dir := filepath.Join(root, "ksql-migrations.properties"), filepath.Join(root, "migrations")
	for _, stmt := range []string{
		createStreamSQL("MIGRATION_EVENTS", "default_ksql_MIGRATION_EVENTS", 1),
		createTableSQL("MIGRATION_SCHEMA_VERSIONS", "MIGRATION_EVENTS", "default_ksql_MIGRATION_SCHEMA_VERSIONS"),
	} {
		if _, err := e.ksql(stmt); err != nil {
			t.Fatal(err)
		}
	}
	v1 := filepath.Join(dir, "V000001__first.sql")
	write(t, v1, "CREATE STREAM first (id INT KEY, v STRING) WITH (kafka_topic='first', partitions=1, value_format='json');\n")
	if _, err := e.ksql("CREATE STREAM first (id INT KEY, v STRING) WITH (kafka_topic='first', partitions=1, value_format='json');"); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(mustRead(t, v1))
	for _, key := range []string{"CURRENT", "1"} {
		stmt := fmt.Sprintf("INSERT INTO MIGRATION_EVENTS (VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON) "+
			"VALUES ('%s', '1', 'first', 'MIGRATED', '%x', '1614844070455', '1614844070689', '<none>', 'N/A');", key, sum)
		if _, err := e.ksql(stmt); err != nil {
			t.Fatal(err)
		}
	}
	// The table's query takes the rows in on its own time.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(mustRun(t, "-c", cfg, "info"), "Current migration version: 1") {
		if time.Now().After(deadline) {
			t.Fatal("the version recorded never showed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	mustRun(t, "-c", cfg, "validate")
	write(t, filepath.Join(dir, "V000002__second.sql"), "CREATE STREAM second AS SELECT * FROM first;\n")
	mustRun(t, "-c", cfg, "apply", "--next")
	out := mustRun(t, "-c", cfg, "info")
	if r := infoRow(t, out, "2"); r[2] != "MIGRATED" || r[3] != "1" || !strings.Contains(out, "Current migration version: 2") {
		t.Errorf("info after carrying on:\n%s", out)
	}
}

package repl

import (
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	esql "github.com/eddysql/eddy/sql"
)

// testClient is the shell's unit boundary: it records what the shell sends
// and answers with fixed results, so the tests can check dispatch and
// rendering without a server.
type testClient struct {
	mu      sync.Mutex
	calls   []call
	execute func(sql string) ([]api.Entity, error)
	// executeCtx, when set, is used instead of execute.
	executeCtx func(ctx context.Context, sql string) ([]api.Entity, error)
	stream     func(ctx context.Context, sql string, emit func(api.StreamedRow) error) error
	print      func(ctx context.Context, sql string, emit func(string) error) error
	// resubstitutes models a server that substitutes variables again.
	resubstitutes bool
}

func (c *testClient) SubstitutesVariables() bool { return c.resubstitutes }

type call struct {
	method, sql string
	props       map[string]string
}

func (c *testClient) record(method, sql string, props map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call{method, sql, maps.Clone(props)})
}

func (c *testClient) Execute(ctx context.Context, sql string, props map[string]string) ([]api.Entity, error) {
	c.record("Execute", sql, props)
	if c.executeCtx != nil {
		return c.executeCtx(ctx, sql)
	}
	if c.execute == nil {
		return nil, nil
	}
	return c.execute(sql)
}

func (c *testClient) Stream(ctx context.Context, sql string, props map[string]string, emit func(api.StreamedRow) error) error {
	c.record("Stream", sql, props)
	if c.stream == nil {
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}
	return c.stream(ctx, sql, emit)
}

func (c *testClient) Print(ctx context.Context, sql string, props map[string]string, emit func(string) error) error {
	c.record("Print", sql, props)
	if c.print == nil {
		return nil
	}
	return c.print(ctx, sql, emit)
}

func (c *testClient) sqls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, cl := range c.calls {
		out = append(out, cl.method+" "+cl.sql)
	}
	return out
}

// session runs input through Run and returns stdout and stderr.
func session(t *testing.T, c *testClient, o Options, input string) (string, string, error) {
	t.Helper()
	var out, errw strings.Builder
	o.Client, o.In, o.Out, o.Err = c, strings.NewReader(input), &out, &errw
	err := Run(context.Background(), o)
	return out.String(), errw.String(), err
}

func status(msg string) []api.Entity {
	return []api.Entity{&api.CurrentStatus{Type: "currentStatus", CommandStatus: api.CommandStatus{Status: "SUCCESS", Message: msg}}}
}

func TestDispatchAndMultiLine(t *testing.T) {
	c := &testClient{}
	input := "CREATE STREAM s (id INT KEY,\n  v STRING) -- a comment; not the end\n  WITH (kafka_topic='a;b', value_format='JSON');\n" +
		"SELECT * FROM s\nEMIT CHANGES; PRINT 'a;b' FROM BEGINNING;\n" +
		"/* only; comments */\n\nSHOW STREAMS"
	if _, stderr, err := session(t, c, Options{}, input); err != nil {
		t.Fatalf("Run: %v (stderr %q)", err, stderr)
	}
	want := []string{
		"Execute CREATE STREAM s (id INT KEY,\n  v STRING) -- a comment; not the end\n  WITH (kafka_topic='a;b', value_format='JSON');",
		"Stream SELECT * FROM s\nEMIT CHANGES;",
		"Print PRINT 'a;b' FROM BEGINNING;",
		"Execute SHOW STREAMS;",
	}
	if got := c.sqls(); !equal(got, want) {
		t.Fatalf("calls:\n%q\nwant\n%q", got, want)
	}
}

func TestInteractivePromptsAndErrors(t *testing.T) {
	c := &testClient{execute: func(sql string) ([]api.Entity, error) {
		if strings.HasPrefix(sql, "BAD") {
			return nil, &esql.Error{Pos: esql.Pos{Line: 1, Col: 1}, Msg: "mismatched input 'BAD'"}
		}
		return status("Stream created"), nil
	}}
	out, stderr, err := session(t, c, Options{Interactive: true, Banner: "hello"}, "BAD;\nCREATE STREAM x\n  AS SELECT 1;\nexit\nSHOW STREAMS;\n")
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if stderr != "line 1:1: mismatched input 'BAD'\n    1 | BAD;\n      | ^\n" {
		t.Errorf("stderr %q", stderr)
	}
	want := "hello\neddy> eddy>      > \n Message        \n----------------\n Stream created \n----------------\neddy> "
	if out != want {
		t.Errorf("out:\n%q\nwant\n%q", out, want)
	}
	if n := len(c.sqls()); n != 2 {
		t.Errorf("%d calls after exit, want 2", n)
	}
}

func TestScriptStopsAtFirstError(t *testing.T) {
	c := &testClient{execute: func(sql string) ([]api.Entity, error) {
		if strings.Contains(sql, "bad") {
			return nil, errors.New("Source BAD does not exist.")
		}
		return nil, nil
	}}
	_, stderr, err := session(t, c, Options{}, "DROP STREAM a;\nDROP STREAM bad;\nDROP STREAM c;\n")
	if !errors.Is(err, ErrStatementFailed) {
		t.Fatalf("err = %v, want ErrStatementFailed", err)
	}
	if stderr != "<stdin>:2:1: Source BAD does not exist.\n    2 | DROP STREAM bad;\n      | ^\n" {
		t.Errorf("stderr %q", stderr)
	}
	if n := len(c.sqls()); n != 2 {
		t.Errorf("%d calls, want 2 (stop at the error)", n)
	}

	c.calls = nil
	var out, errw strings.Builder
	err = RunScript(context.Background(), Options{Client: c, Out: &out, Err: &errw, ContinueOnError: true, Source: "<command line>"},
		"DROP STREAM a; DROP STREAM bad; DROP STREAM c;")
	if !errors.Is(err, ErrStatementFailed) {
		t.Fatalf("continue-on-error: %v, want ErrStatementFailed (a statement failed)", err)
	}
	if n := len(c.sqls()); n != 3 {
		t.Errorf("%d calls, want 3 with continue-on-error", n)
	}
	want := "<command line>:1:16: Source BAD does not exist.\n    1 | DROP STREAM a; DROP STREAM bad;\n      |                ^\n" +
		"\n1 of 3 statements failed:\n  <command line>:1:16: Source BAD does not exist.\n"
	if errw.String() != want {
		t.Errorf("continue-on-error stderr:\n%s\nwant\n%s", errw.String(), want)
	}
}

func TestCommandStatusErrorFails(t *testing.T) {
	c := &testClient{execute: func(string) ([]api.Entity, error) {
		return []api.Entity{&api.CurrentStatus{CommandStatus: api.CommandStatus{Status: "ERROR", Message: "boom\nstack"}}}, nil
	}}
	_, stderr, err := session(t, c, Options{}, "DROP STREAM a;")
	if !errors.Is(err, ErrStatementFailed) || stderr != "<stdin>:1:1: boom\n    1 | DROP STREAM a;\n      | ^\n" {
		t.Fatalf("err %v stderr %q", err, stderr)
	}
}

func TestSetUnset(t *testing.T) {
	c := &testClient{}
	out, stderr, err := session(t, c, Options{Interactive: true},
		"SET 'auto.offset.reset'='earliest';\nSET 'auto.offset.reset' = 'latest';\nSHOW STREAMS;\n"+
			"UNSET 'auto.offset.reset';\nUNSET 'auto.offset.reset';\nSHOW TABLES;\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Successfully changed local property 'auto.offset.reset' to 'earliest'. Use the UNSET command to revert your change.\n",
		"Successfully changed local property 'auto.offset.reset' from 'earliest' to 'latest'.\n",
		"Successfully unset local property 'auto.offset.reset' (value was 'latest').\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if stderr != "Cannot unset local property 'auto.offset.reset' which was never set in the first place\n" {
		t.Errorf("stderr %q", stderr)
	}
	if len(c.calls) != 2 || c.calls[0].props["auto.offset.reset"] != "latest" || len(c.calls[1].props) != 0 {
		t.Errorf("props sent: %+v", c.calls)
	}
}

// TestSetRefusesBadValue: a SET of a value Kafka's clients refuse fails
// at the SET, keeping the earlier value, instead of failing whatever
// statement comes next.
func TestSetRefusesBadValue(t *testing.T) {
	c := &testClient{}
	out, stderr, err := session(t, c, Options{Interactive: true},
		"SET 'auto.offset.reset'='earliest';\nSET 'auto.offset.reset'='earlist';\nSHOW STREAMS;\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Invalid value earlist for configuration auto.offset.reset: String must be one of: latest, earliest, none\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if strings.Contains(out, "'earlist'") {
		t.Errorf("the bad value was reported as set:\n%s", out)
	}
	if len(c.calls) != 1 || c.calls[0].props["auto.offset.reset"] != "earliest" {
		t.Errorf("props sent: %+v", c.calls)
	}
}

// TestSetRefusesWrongType: a SET whose value does not parse as its
// configuration's type, or that ksqlDB does not let a session override,
// fails at the SET with Kafka's or ksqlDB's message, as ksqlDB's CLI.
func TestSetRefusesWrongType(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"SET 'commit.interval.ms'='abc';", "Invalid value abc for configuration commit.interval.ms: Not a number of type LONG\n"},
		{"SET 'ksql.streams.auto.offset.reset'='foo';", "Invalid value foo for configuration auto.offset.reset: String must be one of: latest, earliest, none\n"},
		{"SET 'auto.offset.reset'='none';", "'none' is not valid for this property within KSQL\n"},
		{"SET 'bootstrap.servers'='elsewhere:9092';", "Cannot override property 'bootstrap.servers'\n"},
	} {
		cl := &testClient{}
		_, stderr, err := session(t, cl, Options{Interactive: true}, c.set+"\nSHOW STREAMS;\n")
		if err != nil {
			t.Fatal(err)
		}
		if stderr != c.want {
			t.Errorf("%s: stderr %q, want %q", c.set, stderr, c.want)
		}
		if len(cl.calls) != 1 || len(cl.calls[0].props) != 0 {
			t.Errorf("%s: props sent: %+v", c.set, cl.calls)
		}
	}
}

// TestSetRefusesUnknownName: a SET of a name ksqlDB does not recognize
// (a misspelling) fails with ksqlDB's message and is not sent, where it
// was taken and then did nothing.
func TestSetRefusesUnknownName(t *testing.T) {
	c := &testClient{}
	out, stderr, err := session(t, c, Options{Interactive: true},
		"SET 'auto.offset.rest'='earliest';\nSHOW STREAMS;\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if strings.Contains(out, "Successfully changed") {
		t.Errorf("the unknown name was reported as set:\n%s", out)
	}
	if len(c.calls) != 1 || len(c.calls[0].props) != 0 {
		t.Errorf("props sent: %+v", c.calls)
	}
}

func TestVariables(t *testing.T) {
	c := &testClient{resubstitutes: true}
	out, _, err := session(t, c, Options{Vars: map[string]string{"topic": "t1"}},
		"DEFINE name = 'S1';\nDEFINE fmt = '''JSON''';\n"+
			"CREATE STREAM ${NAME} WITH (kafka_topic='${topic}', value_format=${fmt}, x='$${topic}');\n"+
			"SHOW VARIABLES;\nUNDEFINE Name;\nUNDEFINE name;\nSELECT '$${name}' FROM s;\n")
	if err != nil {
		t.Fatal(err)
	}
	// The server substitutes what it is sent too, so a literal ${x} left
	// by $${x} goes to it escaped again, to arrive as ${x}.
	want := []string{
		"Execute CREATE STREAM S1 WITH (kafka_topic='t1', value_format='JSON', x='$${topic}');",
		"Stream SELECT '$${name}' FROM s;",
	}
	if got := c.sqls(); !equal(got, want) {
		t.Errorf("calls %q", got)
	}
	_, stderr, err := session(t, c, Options{}, "SELECT '${nope}' FROM s;")
	if !errors.Is(err, ErrStatementFailed) || stderr != "<stdin>:1:9: Variable 'nope' is not defined\n    1 | SELECT '${nope}' FROM s;\n      |         ^\n" {
		t.Errorf("undefined variable: err %v stderr %q", err, stderr)
	}
	wantOut := "\n Variable Name | Value  \n------------------------\n fmt           | 'JSON' \n name          | S1     \n topic         | t1     \n------------------------\n" +
		"Cannot undefine variable 'name' which was never defined.\n" +
		"Query Completed\n" // the SELECT's end, as a server sends it
	if out != wantOut {
		t.Errorf("out:\n%q\nwant\n%q", out, wantOut)
	}
}

func TestRunScript(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "s.sql")
	if err := os.WriteFile(f, []byte("DEFINE t = 'x';\nCREATE STREAM a WITH (kafka_topic='${t}');\nDROP STREAM a"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &testClient{}
	if _, stderr, err := session(t, c, Options{}, "RUN SCRIPT '"+f+"';\nrun script '"+f+"'\n"); err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	want := []string{"Execute CREATE STREAM a WITH (kafka_topic='x');", "Execute DROP STREAM a;"}
	if got := c.sqls(); !equal(got, append(want, want...)) {
		t.Errorf("calls %q", got)
	}

	_, stderr, err := session(t, c, Options{}, "RUN SCRIPT '"+filepath.Join(dir, "missing.sql")+"';")
	if !errors.Is(err, ErrStatementFailed) || !strings.Contains(stderr, "RUN SCRIPT:") {
		t.Errorf("missing file: err %v stderr %q", err, stderr)
	}
}

// TestSubstitutionCanBeTurnedOff: with ksql.variable.substitution.enable
// false, ${x} reaches the server as written (it was substituted anyway).
func TestSubstitutionCanBeTurnedOff(t *testing.T) {
	c := &testClient{resubstitutes: true}
	if _, stderr, err := session(t, c, Options{}, "DEFINE x = 'one';\nSELECT '${x}' FROM s;\nSET 'ksql.variable.substitution.enable' = 'false';\nSELECT '${x}' FROM s;\n"); err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	want := []string{"Stream SELECT 'one' FROM s;", "Stream SELECT '${x}' FROM s;"}
	if got := c.sqls(); !equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if p := c.calls[1].props["ksql.variable.substitution.enable"]; p != "false" {
		t.Errorf("the server was not told: %q", p)
	}
}

// TestByteOrderMark: a script an editor saved with a UTF-8 byte order
// mark runs as without one, from a file, RUN SCRIPT, stdin or -e.
func TestByteOrderMark(t *testing.T) {
	const bom = "\uFEFF"
	f := filepath.Join(t.TempDir(), "bom.sql")
	if err := os.WriteFile(f, []byte(bom+"SELECT 1 FROM s;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"Stream SELECT 1 FROM s;"}
	c := &testClient{}
	if _, stderr, err := session(t, c, Options{}, bom+"SELECT 1 FROM s;\nRUN SCRIPT '"+f+"';\n"); err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if got := c.sqls(); !equal(got, append(want, want...)) {
		t.Errorf("stdin and RUN SCRIPT: calls %q", got)
	}
	c = &testClient{}
	if err := RunScript(context.Background(), Options{Client: c, Out: io.Discard, Err: io.Discard}, bom+"SELECT 1 FROM s;"); err != nil {
		t.Fatal(err)
	}
	if got := c.sqls(); !equal(got, want) {
		t.Errorf("script text: calls %q", got)
	}
}

// TestInteractiveFailureDropsTheRestOfTheLine: statements typed on one
// line after one that fails are not run (they may depend on it); the
// next line runs.
func TestInteractiveFailureDropsTheRestOfTheLine(t *testing.T) {
	c := &testClient{execute: func(sql string) ([]api.Entity, error) {
		if strings.HasPrefix(sql, "CREATE") {
			return nil, errors.New("no")
		}
		return nil, nil
	}}
	if _, _, err := session(t, c, Options{Interactive: true}, "CREATE STREAM a (v INT) WITH (kafka_topic='a'); INSERT INTO a (v) VALUES (1);\nSHOW STREAMS;\n"); err != nil {
		t.Fatal(err)
	}
	want := []string{"Execute CREATE STREAM a (v INT) WITH (kafka_topic='a');", "Execute SHOW STREAMS;"}
	if got := c.sqls(); !equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// TestLineWithSyntaxErrorRunsNothing: statements typed (or piped) on
// one line are parsed together before any runs, as ksqlDB's shell
// handles a line, so a syntax error in the second keeps the first from
// running; the next line runs as usual.
func TestLineWithSyntaxErrorRunsNothing(t *testing.T) {
	for _, interactive := range []bool{true, false} {
		c := &testClient{}
		_, stderr, err := session(t, c, Options{Interactive: interactive}, "DROP STREAM a; SHOW STREAMZ;\nSHOW TOPICS;\n")
		if interactive != (err == nil) {
			t.Errorf("interactive %v: err %v", interactive, err)
		}
		wantErr := "<stdin>:1:21: Syntax Error" // where in the input
		if interactive {
			wantErr = "line 1:6: Syntax Error" // where in the statement, on the screen
		}
		if !strings.Contains(stderr, wantErr) {
			t.Errorf("interactive %v: stderr %q", interactive, stderr)
		}
		var want []string
		if interactive {
			want = []string{"Execute SHOW TOPICS;"}
		}
		if got := c.sqls(); !equal(got, want) {
			t.Errorf("interactive %v: calls %q, want %q", interactive, got, want)
		}
	}
}

func TestShellCommands(t *testing.T) {
	c := &testClient{execute: func(string) ([]api.Entity, error) { return status("Stream created"), nil }}
	out, _, err := session(t, c, Options{Interactive: true, Version: "1.2.3"},
		"version\nOUTPUT json\nDROP STREAM a;\noutput TABULAR;\nhistory\nhelp\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Version: 1.2.3\n",
		"Output format: JSON\n",
		"[\n  {\n    \"@type\": \"currentStatus\",\n",
		"Output format: TABULAR\n",
		"    1  version\n",
		"    5  history\n",
		"Ctrl-C stops a running query",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A command word inside a statement is SQL, not a command.
	c.calls = nil
	if _, _, err := session(t, c, Options{}, "SELECT x FROM\nexit\n;"); err != nil {
		t.Fatal(err)
	}
	if got := c.sqls(); len(got) != 1 || got[0] != "Stream SELECT x FROM\nexit\n;" {
		t.Errorf("calls %q", got)
	}
}

func TestQueryRows(t *testing.T) {
	c := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		rows := []api.StreamedRow{
			{Header: &api.QueryHeader{QueryID: "q1", Schema: "`ID` STRING, `MAP` MAP<STRING, INTEGER>, `N` DOUBLE"}},
			{Row: &api.Row{Columns: []any{"k1", map[string]any{"a": 1}, 1.0}}},
			{Row: &api.Row{Columns: []any{"k2", nil, nil}, Tombstone: true}},
			{Row: &api.Row{Columns: []any{"a-long-key-value", []any{1, "x"}, 2.5e10}}},
			{FinalMessage: "Limit Reached"},
		}
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}}
	out, _, err := session(t, c, Options{}, "SELECT * FROM t EMIT CHANGES LIMIT 3;")
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		"+----+-----+----+\n" +
		"|ID  |MAP  |N   |\n" +
		"+----+-----+----+\n" +
		"|k1  |{a=1}|1.0 |\n" + // collections as ksqlDB's shell prints them
		"|k2  |<TOMBSTONE>|<TOMBSTONE>|\n" + // not a terminal: longer values overflow, on one line
		"|a-long-key-value|[1, x]|2.5E10|\n" +
		"Limit Reached\n"
	if out != want {
		t.Errorf("out:\n%s\nwant\n%s", out, want)
	}
}

func TestQueryTerminalWidthAndEmpty(t *testing.T) {
	c := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		emit(api.StreamedRow{Header: &api.QueryHeader{Columns: []api.Column{{Name: "A"}, {Name: "B"}}}})
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}}
	var out strings.Builder
	err := RunScript(context.Background(), Options{Client: c, Out: &out, width: func() int { return 21 }}, "SELECT * FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	want := "+---------+---------+\n|A        |B        |\n+---------+---------+\nQuery Completed\n"
	if out.String() != want {
		t.Errorf("out:\n%q\nwant\n%q", out.String(), want)
	}
}

func TestQueryErrorMessage(t *testing.T) {
	c := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		emit(api.StreamedRow{Header: &api.QueryHeader{Schema: "`A` INTEGER"}})
		emit(api.StreamedRow{ErrorMessage: &api.ErrorMsg{Message: "deserialization failed"}})
		return nil
	}}
	_, stderr, err := session(t, c, Options{}, "SELECT * FROM t EMIT CHANGES;")
	if !errors.Is(err, ErrStatementFailed) || stderr != "<stdin>:1:1: deserialization failed\n    1 | SELECT * FROM t EMIT CHANGES;\n      | ^\n" {
		t.Errorf("err %v stderr %q", err, stderr)
	}
}

func TestCtrlCCancelsQuery(t *testing.T) {
	started := make(chan struct{}, 2)
	c := &testClient{
		stream: func(ctx context.Context, _ string, emit func(api.StreamedRow) error) error {
			emit(api.StreamedRow{Header: &api.QueryHeader{Schema: "`A` INTEGER"}})
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		},
		print: func(ctx context.Context, _ string, emit func(string) error) error {
			emit("rowtime: 1, key: k, value: v, partition: 0")
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		},
	}
	sig := make(chan os.Signal, 1)
	go func() {
		for range 2 {
			select {
			case <-started:
				sig <- os.Interrupt
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	out, stderr, err := session(t, c, Options{Interactive: true, interrupts: sig},
		"SELECT * FROM t EMIT CHANGES;\nPRINT 't';\nSHOW STREAMS;\n")
	if err != nil || stderr != "" {
		t.Fatalf("err %v stderr %q", err, stderr)
	}
	for _, want := range []string{"|A   |\n+----+\nQuery terminated\n", "partition: 0\nTopic printing ceased\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := len(c.sqls()); n != 3 {
		t.Errorf("%d calls: the shell must go on after Ctrl-C", n)
	}
}

func TestJSONRows(t *testing.T) {
	c := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		emit(api.StreamedRow{Row: &api.Row{Columns: []any{"a", 1}}})
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}}
	out, _, err := session(t, c, Options{Output: "json"}, "SELECT * FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"row\": {\n    \"columns\": [\n      \"a\",\n      1\n    ]\n  }\n}\n{\n  \"finalMessage\": \"Query Completed\"\n}\n"
	if out != want {
		t.Errorf("out %q", out)
	}
	if _, _, err := session(t, c, Options{Output: "xml"}, ""); err == nil {
		t.Error("unknown output format accepted")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestScriptErrorShowsNoControlCharacters: a script holding terminal
// escape sequences or bytes that are not UTF-8 (a binary file run by
// mistake) is reported with each such character as U+FFFD, one for one
// so the caret still lines up, never echoed raw to the terminal.
func TestScriptErrorShowsNoControlCharacters(t *testing.T) {
	c := &testClient{execute: func(sql string) ([]api.Entity, error) {
		return nil, &esql.Error{Pos: esql.Pos{Line: 1, Col: 9}, Msg: "mismatched input '\x1b[2J'"}
	}}
	_, stderr, err := session(t, c, Options{}, "\x1b[2J\xff\x07 ab \x1b[2J;\n")
	if !errors.Is(err, ErrStatementFailed) {
		t.Fatalf("err = %v, want ErrStatementFailed", err)
	}
	want := "<stdin>:1:9: mismatched input '\uFFFD[2J'\n    1 | \uFFFD[2J\uFFFD\uFFFD ab \uFFFD[2J;\n      |         ^\n"
	if stderr != want {
		t.Errorf("stderr\n%q\nwant\n%q", stderr, want)
	}
}

// TestStreamCutShort: a stream that ends without its final message is
// reported as the server's doing, unless the session itself was
// cancelled (SIGTERM to the shell), which ends it quietly.
func TestStreamCutShort(t *testing.T) {
	cut := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		return emit(api.StreamedRow{Header: &api.QueryHeader{Columns: []api.Column{{Name: "A"}}}})
	}}
	_, stderr, err := session(t, cut, Options{}, "SELECT * FROM t EMIT CHANGES;")
	if err == nil || !strings.Contains(stderr+err.Error(), "server closed the stream") {
		t.Errorf("cut short: err %v, stderr %q; want the server blamed", err, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := &testClient{stream: func(sctx context.Context, _ string, emit func(api.StreamedRow) error) error {
		if err := emit(api.StreamedRow{Header: &api.QueryHeader{Columns: []api.Column{{Name: "A"}}}}); err != nil {
			return err
		}
		cancel() // as SIGTERM cancels the session
		<-sctx.Done()
		return nil
	}}
	var out, errw strings.Builder
	err = Run(ctx, Options{Client: cancelled, In: strings.NewReader("SELECT * FROM t EMIT CHANGES;"), Out: &out, Err: &errw})
	if strings.Contains(errw.String(), "server closed") || (err != nil && strings.Contains(err.Error(), "server closed")) {
		t.Errorf("cancelled session: err %v, stderr %q; the server is not to blame", err, errw.String())
	}
}

// TestPositionNotRepeated: a message that ends with the position the
// shell's prefix gives (ksqlDB's "Syntax error at or near 'X' at line
// 1:8") is shown with it once; it read "<command line>:1:8: Syntax error
// at or near 'VALUES' at line 1:8".
func TestPositionNotRepeated(t *testing.T) {
	c := &testClient{execute: func(string) ([]api.Entity, error) {
		return nil, &esql.Error{Pos: esql.Pos{Line: 1, Col: 8}, Msg: "Syntax error at or near 'VALUES' at line 1:8"}
	}}
	_, stderr, err := session(t, c, Options{Source: "<command line>"}, "ASSERT VALUES s (id) VALUES (1);\n")
	want := "<command line>:1:8: Syntax error at or near 'VALUES'\n    1 | ASSERT VALUES s (id) VALUES (1);\n      |        ^\n"
	if !errors.Is(err, ErrStatementFailed) || stderr != want {
		t.Errorf("stderr %q (err %v), want %q", stderr, err, want)
	}
}

// TestScriptErrorShowsTheWholeLine: an error in a statement that starts
// after another on the same line shows that line as written, with the
// caret under the error's column, whether the shell's syntax check or
// the server refused it.
func TestScriptErrorShowsTheWholeLine(t *testing.T) {
	for _, tc := range []struct {
		name, script, want string
		refuse             bool
	}{
		{name: "syntax", script: "SHOW STREAMS;\nSHOW TOPICS;  SELEC 1;\n",
			want: "    2 | SHOW TOPICS;  SELEC 1;\n      |               ^\n"},
		{name: "server", script: "SHOW STREAMS;\n\tSHOW TOPICS; DROP STREAM nope;\n", refuse: true,
			want: "    2 | \tSHOW TOPICS; DROP STREAM nope;\n      | \t                        ^\n"},
	} {
		c := &testClient{execute: func(text string) ([]api.Entity, error) {
			if tc.refuse && strings.HasPrefix(text, "DROP") {
				return nil, &esql.Error{Pos: esql.Pos{Line: 1, Col: 12}, Msg: "Source NOPE does not exist."}
			}
			return nil, nil
		}}
		_, stderr, err := session(t, c, Options{}, tc.script)
		if !errors.Is(err, ErrStatementFailed) {
			t.Fatalf("%s: err = %v, want ErrStatementFailed", tc.name, err)
		}
		if !strings.HasSuffix(stderr, tc.want) {
			t.Errorf("%s: stderr\n%s\nwant it to end with\n%s", tc.name, stderr, tc.want)
		}
	}
}

package repl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/repl"
)

// TestNestedScriptSyntaxErrorRunsNothing: a syntax error in a script
// that a script runs (two deep here) stops the whole run before any
// statement has run, naming that file, line and column, as one in the
// outer script does.
func TestNestedScriptSyntaxErrorRunsNothing(t *testing.T) {
	dir := t.TempDir()
	create := func(name string) string {
		return "CREATE STREAM " + name + " (id INT KEY) WITH (kafka_topic='" + name + "', value_format='JSON', partitions=1);\n"
	}
	deepest := filepath.Join(dir, "deepest.sql")
	inner := filepath.Join(dir, "inner.sql")
	outer := filepath.Join(dir, "outer.sql")
	for path, text := range map[string]string{
		outer:   create("first_s") + "RUN SCRIPT '" + inner + "';\n",
		inner:   "DEFINE src = 'third_s';\n" + create("second_s") + "RUN SCRIPT '" + deepest + "';\n",
		deepest: create("third_s") + "SELECT * FROM ${src} WHER id = 1;\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url := serve(t, newEngine(t), nil)
	c := newHTTPClient(t, url, repl.HTTPOptions{})
	for _, tc := range []struct {
		name string
		run  func(o repl.Options) error
	}{
		{"-e", func(o repl.Options) error {
			o.Source = "<command line>"
			return repl.RunScript(context.Background(), o, "RUN SCRIPT '"+outer+"';")
		}},
		{"at the prompt", func(o repl.Options) error {
			o.Interactive, o.In = true, strings.NewReader("RUN SCRIPT '"+outer+"'\n")
			return repl.Run(context.Background(), o)
		}},
	} {
		var out strings.Builder
		err := tc.run(repl.Options{Client: c, Out: &out, Err: &out})
		got := out.String()
		if !strings.Contains(got, deepest+":2:27: Syntax Error") || !strings.Contains(got, "| SELECT * FROM ${src} WHER id = 1;") {
			t.Errorf("%s: %v\n%s", tc.name, err, got)
		}
		if strings.Contains(got, "Stream created") {
			t.Errorf("%s: statements ran before the syntax error was found:\n%s", tc.name, got)
		}
	}
	var shown strings.Builder
	if err := repl.RunScript(context.Background(), repl.Options{Client: c, Out: &shown}, "SHOW STREAMS;"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(shown.String(), "FIRST_S") {
		t.Errorf("streams were created:\n%s", shown.String())
	}
}

package repl_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/repl"
)

// TestErrorPositionInTheLineAsTyped: a syntax error after a ${variable}
// points at the column of the line the user typed, not of the text with
// the value substituted, and shows that line: when the script is parsed
// first, when the server finds it (--continue-on-error), and at the
// prompt.
func TestErrorPositionInTheLineAsTyped(t *testing.T) {
	url := serve(t, newEngine(t), nil)
	script := "DEFINE src = 'a_rather_long_stream_name';\nSELECT * FROM ${src} WHER id = 1;\n"
	const typed = "SELECT * FROM ${src} WHER id = 1;"
	for _, tc := range []struct {
		name string
		o    repl.Options
		want string
	}{
		{"parsed first", repl.Options{Source: "flow.sql"}, "flow.sql:2:27: "},
		{"by the server", repl.Options{Source: "flow.sql", ContinueOnError: true}, "flow.sql:2:27: "},
		{"at the prompt", repl.Options{Interactive: true}, "line 1:27: "},
	} {
		var out strings.Builder
		tc.o.Client = newHTTPClient(t, url, repl.HTTPOptions{})
		tc.o.Out, tc.o.Err = &out, &out
		var err error
		if tc.o.Interactive {
			tc.o.In = strings.NewReader(script)
			err = repl.Run(context.Background(), tc.o)
		} else {
			err = repl.RunScript(context.Background(), tc.o, script)
		}
		got := out.String()
		if tc.o.Interactive == (err != nil) || !strings.Contains(got, tc.want) || !strings.Contains(got, "| "+typed+"\n") {
			t.Errorf("%s: %v\n%s", tc.name, err, got)
			continue
		}
		// The caret is under "id" of the typed line.
		lines := strings.Split(got, "\n")
		for i, l := range lines {
			if strings.HasSuffix(l, "| "+typed) && i+1 < len(lines) {
				if caret := strings.Index(lines[i+1], "^") - strings.Index(l, "| ") - 2; caret != strings.Index(typed, "id") {
					t.Errorf("%s: caret at %d:\n%s", tc.name, caret, got)
				}
			}
		}
	}
}

package repl_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/repl"
)

// TestDefineRefusesNamesKsqlDBRefuses: DEFINE takes a name only as
// ksqlDB's grammar does (an identifier: a letter or underscore, then
// letters, digits, underscores, @; not a keyword), in the shell and in a
// request to the server, saying why; the names it takes still work.
func TestDefineRefusesNamesKsqlDBRefuses(t *testing.T) {
	url := serve(t, newEngine(t), nil)
	for _, tc := range []struct{ stmt, why string }{
		{"DEFINE `a b` = 'x';", `"a b" is not a valid variable name`},
		{`DEFINE "x-y" = 'x';`, `"x-y" is not a valid variable name`},
		{"DEFINE `abc` = 'x';", "variable name `abc` is quoted"},
		{"DEFINE 1st = 'x';", `"1st" is not a valid variable name`},
		{"DEFINE café = 'x';", `"café" is not a valid variable name`},
		{"DEFINE topic = 'x';", "topic is a keyword"},
	} {
		var out strings.Builder
		err := repl.RunScript(context.Background(), repl.Options{Client: newHTTPClient(t, url, repl.HTTPOptions{}), Out: &out, Source: "vars.sql"}, tc.stmt+"\nSHOW VARIABLES;\n")
		if err == nil || !strings.Contains(out.String(), "vars.sql:1:8: Syntax Error") || !strings.Contains(out.String(), tc.why) {
			t.Errorf("%s in the shell: %v\n%s", tc.stmt, err, out.String())
		}
		// The server refuses it in a request too.
		_, err = newHTTPClient(t, url, repl.HTTPOptions{}).Execute(context.Background(), tc.stmt, nil)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s sent to the server: %v", tc.stmt, err)
		}
	}
	var out strings.Builder
	if err := repl.RunScript(context.Background(), repl.Options{Client: newHTTPClient(t, url, repl.HTTPOptions{}), Out: &out},
		"DEFINE _a1@b = 'one';\nDEFINE topic_name = 'two';\nSHOW VARIABLES;\n"); err != nil || !strings.Contains(out.String(), "_a1@b") || !strings.Contains(out.String(), "topic_name") {
		t.Errorf("valid names: %v\n%s", err, out.String())
	}
}

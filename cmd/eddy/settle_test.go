package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScriptResultsAreThereWhenTheShellReturns: a script that creates an
// aggregation and writes its input leaves the results in the table when
// `eddy -f` returns, so the next shell's pull query reads them. The
// shell used to stop the query at once, and the next pull query saw
// none, some or all of the rows (0, 0, 0, 0, 2 and 1 of 2 in six tries
// by hand), depending on how far the query had got.
func TestScriptResultsAreThereWhenTheShellReturns(t *testing.T) {
	// The count per channel goes through a repartition topic, a second
	// step the last inserts must also take before the shell returns.
	lines := []string{
		"CREATE STREAM ratings (id INT KEY, user STRING, channel STRING, stars INT) WITH (kafka_topic='ratings', partitions=2, value_format='JSON');",
		"SET 'auto.offset.reset'='earliest';",
		"CREATE TABLE stars_per_user AS SELECT user, COUNT(*) AS n, AVG(stars) AS avg_stars FROM ratings GROUP BY user;",
		"CREATE TABLE per_channel AS SELECT channel, COUNT(*) AS n FROM ratings GROUP BY channel;",
		"INSERT INTO ratings (id, user, channel, stars) VALUES (1, 'ann', 'web', 5);",
		"INSERT INTO ratings (id, user, channel, stars) VALUES (2, 'ann', 'ios', 2);",
	}
	for i := 3; i <= 300; i++ {
		lines = append(lines, fmt.Sprintf("INSERT INTO ratings (id, user, channel, stars) VALUES (%d, 'bob', 'android', 4);", i))
	}
	script := filepath.Join(t.TempDir(), "gs.sql")
	if err := os.WriteFile(script, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	for try := range 3 {
		dir := filepath.Join(t.TempDir(), "data")
		eddy := func(args ...string) string {
			var out, errw strings.Builder
			if code := run(append([]string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", "", "--output", "CSV"}, args...),
				os.Stdin, &out, &errw); code != 0 {
				t.Fatalf("eddy %v: exit %d: %s", args, code, errw.String())
			}
			return out.String()
		}
		eddy("-f", script)
		got := eddy("-e", "SELECT user, n, avg_stars FROM stars_per_user;") + eddy("-e", "SELECT channel, n FROM per_channel;")
		for _, want := range []string{"ann,2,3.5", "bob,298,4.0", "android,298", "web,1", "ios,1"} {
			if !strings.Contains(got, want) {
				t.Fatalf("try %d: the next shell's pull query gave\n%s\nwant a row %s", try, got, want)
			}
		}
	}
}

package repl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/repl"
)

// TestSpoolCopiesWhatIsShown: between `spool FILE` and `spool OFF` the
// file receives exactly what the session showed (results, messages and
// errors, in order); before and after, nothing. A second spool appends.
func TestSpoolCopiesWhatIsShown(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "session.txt")
	var screen strings.Builder
	script := strings.Join([]string{
		"CREATE STREAM before_spool (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"spool " + file,
		"INSERT INTO before_spool (id, v) VALUES (1, 'one');",
		"SET 'auto.offset.reset'='earliest';",
		"SELECT * FROM before_spool EMIT CHANGES LIMIT 1;",
		"DROP STREAM nope;",
		"SHOW STREAMS;",
		"spool",
		"spool OFF",
		"CREATE STREAM after_spool (id INT KEY) WITH (kafka_topic='a', value_format='JSON', partitions=1);",
	}, "\n")
	err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &screen, Err: &screen, ContinueOnError: true}, script)
	if err == nil {
		t.Fatal("the DROP of a missing stream did not fail the script")
	}
	b, rerr := os.ReadFile(file)
	if rerr != nil {
		t.Fatal(rerr)
	}
	shown := screen.String()
	start := strings.Index(shown, "until 'spool OFF')\n")
	end := strings.LastIndex(shown, "Spool: OFF\n")
	if start < 0 || end < 0 {
		t.Fatalf("no spool messages:\n%s", shown)
	}
	want := shown[start+len("until 'spool OFF')\n") : end]
	if string(b) != want {
		t.Errorf("spool file differs from the screen\n--- file\n%s\n--- screen between spool and spool OFF\n%s", b, want)
	}
	for _, w := range []string{"|1 ", "one", "Limit Reached", "nope", "BEFORE_SPOOL", "Spool: " + file} {
		if !strings.Contains(string(b), w) {
			t.Errorf("spool file lacks %q:\n%s", w, b)
		}
	}
	if strings.Contains(string(b), "Stream created") {
		t.Errorf("spool file holds output from before or after the spool:\n%s", b)
	}

	// A second spool to the same file appends.
	screen.Reset()
	if err := repl.RunScript(context.Background(), repl.Options{Client: newEngine(t), Out: &screen, Err: &screen}, "spool "+file+"\nSHOW TOPICS;\n"); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(b2), string(b)) || !strings.Contains(string(b2[len(b):]), "Kafka Topic") {
		t.Errorf("second spool did not append:\n%s", b2)
	}
}

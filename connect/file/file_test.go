package file

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eddysql/eddy/connect"
)

// A sink killed in the middle of a write leaves a line without its
// newline; starting again must cut it, so the records written again
// (their offsets were never committed) are not glued to a fragment.
func TestSinkStartCutsTornLastLine(t *testing.T) {
	cases := []struct{ name, before, want string }{
		{"torn", "{\"a\":1}\n{\"a\":2}\n{\"cha", "{\"a\":1}\n{\"a\":2}\n{\"b\":3}\n"},
		{"whole", "{\"a\":1}\n", "{\"a\":1}\n{\"b\":3}\n"},
		{"empty", "", "{\"b\":3}\n"},
		{"foreign, no newline", "notes", "notes{\"b\":3}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.txt")
			if err := os.WriteFile(path, []byte(c.before), 0o644); err != nil {
				t.Fatal(err)
			}
			task := &sinkTask{path: path}
			ctx := context.Background()
			if err := task.Start(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if err := task.Put(ctx, []connect.Record{{Value: map[string]any{"b": int64(3)}}}); err != nil {
				t.Fatal(err)
			}
			if err := task.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := task.Stop(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != c.want {
				t.Fatalf("file = %q, want %q", got, c.want)
			}
		})
	}
}

// A torn tail longer than one read block is found across blocks.
func TestDropTornLineAcrossBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	tail := make([]byte, 200<<10)
	for i := range tail {
		tail[i] = 'x'
	}
	if err := os.WriteFile(path, append([]byte("kept\n"), tail...), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := dropTornLine(f); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "kept\n" {
		t.Fatalf("file holds %d bytes, want %q", len(got), "kept\n")
	}
}

package qtt

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the visible QTT corpus: $QTT_CORPUS, else the shared
// directory beside the repository (as the Makefile expects).
var corpusDir = func() string {
	if d := os.Getenv("QTT_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "qtt", "query-validation-tests")
}()

// requireCorpus skips when the corpus is absent, except on CI.
func requireCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus missing on CI: %v", err)
		}
		t.Skipf("corpus not present: %v", err)
	}
}

func TestLoadCorpus(t *testing.T) {
	requireCorpus(t)
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	total, skipped := 0, 0
	for _, f := range files {
		vs, err := LoadFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, v := range vs {
			total++
			if v.Skip != "" {
				skipped++
			}
		}
	}
	t.Logf("%d files, %d variants, %d skipped", len(files), total, skipped)
	if total == 0 {
		t.Fatal("no variants")
	}
}

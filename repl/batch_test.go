package repl

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter counts the writes that reach it.
type countingWriter struct {
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) snapshot() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes, c.buf.String()
}

// TestBatchWriterGathersRows: a query's rows reach the output in a few
// large writes (the shell wrote each row with its own write(2)), yet a
// row that is the last for a while still shows without a Flush.
func TestBatchWriterGathersRows(t *testing.T) {
	var c countingWriter
	b := newBatchWriter(&c, 20*time.Millisecond)
	row := "|" + strings.Repeat("x", 60) + "|\n"
	for range 10000 {
		b.Write([]byte(row))
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	n, s := c.snapshot()
	if s != strings.Repeat(row, 10000) {
		t.Fatalf("%d bytes out, want %d", len(s), 10000*len(row))
	}
	if n > 20 {
		t.Errorf("%d writes for 10000 rows of %d bytes", n, len(row))
	}
	b.Write([]byte("late row\n"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, s := c.snapshot(); strings.HasSuffix(s, "late row\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lone row was held back")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Concurrent rows and timed flushes (run with -race).
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				b.Write([]byte("r\n"))
				time.Sleep(time.Microsecond)
			}
		})
	}
	wg.Wait()
	b.Flush()
	if _, s := c.snapshot(); strings.Count(s, "r\n") != 4000 {
		t.Errorf("%d rows out, want 4000", strings.Count(s, "r\n"))
	}
}

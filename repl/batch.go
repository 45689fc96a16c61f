package repl

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// batchWriter gathers a query's rows into larger writes: written one
// write(2) apiece, a million rows cost seconds of system time in the
// shell, to a file or pipe and more to a terminal. What it holds goes out
// when 64 KiB gather, and at the latest wait after the first of them, so
// that a push query's rows still show as they come. Safe for concurrent
// use: the in-process engine may emit rows on its own goroutine while the
// timer flushes.
type batchWriter struct {
	mu    sync.Mutex
	w     *bufio.Writer
	wait  time.Duration
	timer *time.Timer // a flush pending
}

func newBatchWriter(w io.Writer, wait time.Duration) *batchWriter {
	return &batchWriter{w: bufio.NewWriterSize(w, 64<<10), wait: wait}
}

func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if b.w.Buffered() > 0 && b.timer == nil {
		b.timer = time.AfterFunc(b.wait, func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.timer = nil
			b.w.Flush()
		})
	}
	return n, err
}

// Flush writes out what is held, as before a message to another writer
// that shares the screen.
func (b *batchWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	return b.w.Flush()
}

// Package file holds Kafka Connect's file connectors: FileStreamSink
// appends each record's value to a file as one line, FileStreamSource
// writes each new line of a file to a topic.
package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
)

// Class names.
const (
	SinkClass   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	SourceClass = "org.apache.kafka.connect.file.FileStreamSourceConnector"
)

// Register adds both file connectors to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class: SinkClass, Aliases: []string{"FileStreamSink", "filesink"}, Kind: connect.Sink, Version: "eddy",
		Doc: "Appends each record's value to a file, one line per record: strings as they are, structs and maps as JSON. A flush syncs the file to disk before offsets are committed; a start cuts a last line left without its newline by a killed process (its records are written again).",
		Spec: []connect.ConfigField{
			{Name: "file", Type: connect.TypeString, Required: true, Doc: "The file to append to (created when missing; not a named pipe)."},
		},
		Validate: func(_ context.Context, cfg connect.Config) error {
			dir := filepath.Dir(cfg["file"])
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return fmt.Errorf("file: directory %s does not exist", dir)
			}
			return nil
		},
		NewSink: func(cfg connect.Config) (connect.SinkTask, error) {
			return &sinkTask{path: cfg["file"]}, nil
		},
	})
	r.Register(&connect.Plugin{
		Class: SourceClass, Aliases: []string{"FileStreamSource", "filesource"}, Kind: connect.Source, Version: "eddy",
		Doc: "Writes each line of a file to a topic as a string value, following the file as it grows; the byte position is the source offset, so a restart continues after the last line written.",
		Spec: []connect.ConfigField{
			{Name: "file", Type: connect.TypeString, Required: true, Doc: "The file to read: a regular file, whose lines are at most 16 MiB (a longer one fails the task)."},
			{Name: "topic", Type: connect.TypeString, Required: true, Doc: "The topic to write to (created when missing)."},
			{Name: "batch.size", Type: connect.TypeInt, Default: "2000", Doc: "Most lines returned by one poll."},
		},
		NewSource: func(cfg connect.Config) (connect.SourceTask, error) {
			return &sourceTask{path: cfg["file"], topic: cfg["topic"], batch: int(cfg.Int("batch.size", 2000))}, nil
		},
	})
}

type sinkTask struct {
	path string
	mu   sync.Mutex
	f    *os.File
	buf  []byte // lines put since the last flush; written only by Flush
}

func (t *sinkTask) Start(context.Context, connect.TaskContext) error {
	// Writes to a named pipe nobody reads block once its buffer is full,
	// and the task's Stop (DROP CONNECTOR, and the engine behind it)
	// with them.
	if st, err := os.Stat(t.path); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		return fmt.Errorf("file: %s is a named pipe", t.path)
	}
	f, err := os.OpenFile(t.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if err := dropTornLine(f); err != nil {
		f.Close()
		return fmt.Errorf("file: %s: %w", t.path, err)
	}
	t.f = f
	return nil
}

// dropTornLine cuts a last line that has no newline: the tail of a write
// the process was killed in. Its records' offsets were never committed
// (a flush syncs before the commit), so they are written again whole. A
// file with no newline at all was not written by this sink and is left
// as it is.
func dropTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end := st.Size()
	buf := make([]byte, 64<<10)
	for pos := end; pos > 0; {
		n := int64(len(buf))
		if pos < n {
			n = pos
		}
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				if cut := pos + i + 1; cut < end {
					return f.Truncate(cut)
				}
				return nil
			}
		}
	}
	return nil
}

func (t *sinkTask) Put(_ context.Context, recs []connect.Record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		if r.Value == nil {
			t.buf = append(t.buf, "null\n"...)
			continue
		}
		t.buf = append(t.buf, convert.Text(r.Value)...)
		t.buf = append(t.buf, '\n')
	}
	return nil
}

func (t *sinkTask) Flush(context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > 0 {
		if _, err := t.f.Write(t.buf); err != nil {
			return err
		}
		t.buf = t.buf[:0]
	}
	return t.f.Sync()
}

func (t *sinkTask) Stop() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return nil
	}
	// Unflushed lines are dropped: their offsets were not committed, so
	// they are read again.
	return t.f.Close()
}

// MaxLine is the longest line FileStreamSource reads; a longer one
// fails the task rather than grow its buffer without bound.
const MaxLine = 16 << 20

type sourceTask struct {
	path, topic string
	batch       int
	pos         int64
	f           *os.File
	r           *bufio.Reader
	partial     []byte
}

func (t *sourceTask) Start(_ context.Context, _ connect.TaskContext, offsets func(map[string]any) (map[string]any, bool)) error {
	if off, ok := offsets(map[string]any{"filename": t.path}); ok {
		if p, ok := off["position"].(int64); ok {
			t.pos = p
		}
	}
	return nil
}

func (t *sourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.f == nil {
		st, err := os.Stat(t.path)
		if errors.Is(err, os.ErrNotExist) {
			waitPoll(ctx)
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		// Opening a FIFO blocks until a writer comes (and DROP CONNECTOR
		// with it); a device such as /dev/zero has no lines.
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", t.path)
		}
		f, err := os.Open(t.path)
		if err != nil {
			return nil, err
		}
		if _, err := f.Seek(t.pos, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		t.f, t.r = f, bufio.NewReader(f)
	}
	var out []connect.Record
	for len(out) < t.batch {
		chunk, err := t.r.ReadSlice('\n')
		t.partial = append(t.partial, chunk...)
		if len(t.partial) > MaxLine {
			return out, fmt.Errorf("%s: the line at byte %d is longer than %d bytes", t.path, t.pos, MaxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		line := t.partial
		t.partial = nil
		t.pos += int64(len(line))
		text := string(line[:len(line)-1])
		out = append(out, connect.Record{
			Topic: t.topic, Partition: -1,
			ValueSchema: &connect.Schema{Type: connect.String}, Value: text,
			SourcePartition: map[string]any{"filename": t.path},
			SourceOffset:    map[string]any{"position": t.pos},
		})
	}
	if len(out) == 0 {
		waitPoll(ctx)
	}
	return out, nil
}

func waitPoll(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-timeAfter():
	}
}

func (t *sourceTask) Commit(context.Context) error { return nil }

func (t *sourceTask) Stop() error {
	if t.f != nil {
		return t.f.Close()
	}
	return nil
}

package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// spool is the file the `spool` command copies the session's output to.
type spool struct {
	mu   sync.Mutex
	f    *os.File // nil: not spooling
	name string
	err  error // the first failed write, reported by `spool`
}

// spoolWriter writes to w and, while spooling, to the spool file too.
type spoolWriter struct {
	w  io.Writer
	sp *spool
}

func (s *spoolWriter) Write(p []byte) (int, error) {
	s.sp.mu.Lock()
	if s.sp.f != nil && s.sp.err == nil {
		if _, err := s.sp.f.Write(p); err != nil {
			s.sp.err = err
		}
	}
	s.sp.mu.Unlock()
	return s.w.Write(p)
}

// stop closes the spool file, if any.
func (sp *spool) stop() error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.f == nil {
		return nil
	}
	err := sp.f.Close()
	if sp.err != nil {
		err = sp.err
	}
	sp.f, sp.err = nil, nil
	return err
}

// spoolCommand is `spool`: with no argument it says where output is
// copied; `spool FILE` copies everything the session shows (results,
// messages and errors) to FILE, appending, from then on; `spool OFF`
// stops.
func (s *shell) spoolCommand(args []string) error {
	if len(args) == 0 {
		s.spool.mu.Lock()
		name := s.spool.name
		if s.spool.f == nil {
			name = ""
		}
		s.spool.mu.Unlock()
		if name == "" {
			fmt.Fprintln(s.out, "Spool: OFF")
		} else {
			fmt.Fprintf(s.out, "Spool: %s\n", name)
		}
		return nil
	}
	name := strings.Join(args, " ")
	if len(name) >= 2 && (name[0] == '\'' || name[0] == '"') && name[len(name)-1] == name[0] {
		name = name[1 : len(name)-1]
	}
	if strings.EqualFold(name, "OFF") {
		err := s.spool.stop()
		fmt.Fprintln(s.out, "Spool: OFF")
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		return nil
	}
	if name == "" {
		return errors.New("spool: name a file, or OFF")
	}
	if err := s.spool.stop(); err != nil {
		fmt.Fprintln(s.errw, "spool:", err)
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	// Said before the copy starts: the file holds what follows.
	fmt.Fprintf(s.out, "Spool: %s (output is copied there until 'spool OFF')\n", name)
	s.spool.mu.Lock()
	s.spool.f, s.spool.name = f, name
	s.spool.mu.Unlock()
	return nil
}

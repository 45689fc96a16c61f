// Package testenv gives tests the real servers `make test` starts
// (../shared/testinfra/up): a test that needs one and finds its variable
// unset fails under CI=true and is skipped otherwise.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// need returns the named variable or ends the test.
func need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := name + " is not set: this test needs " + what + ` (eval "$(../shared/testinfra/up ...)")`
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// MySQL returns MYSQL_DSN, a go-sql-driver DSN of a MariaDB with the
// binary log on (ROW, FULL), root without password, database demo.
func MySQL(t testing.TB) string { return need(t, "MYSQL_DSN", "MariaDB with the binary log") }

// Postgres returns PG_DSN, a PostgreSQL URL (postgres://user@host:port/db)
// of a server where the user may create and drop schemas and databases.
func Postgres(t testing.TB) string { return need(t, "PG_DSN", "PostgreSQL") }

// Mongo returns MONGO_URL, a MongoDB-compatible server (FerretDB).
func Mongo(t testing.TB) string { return need(t, "MONGO_URL", "a MongoDB-compatible server") }

// ES returns ES_URL, an Elasticsearch-compatible API (ZincSearch).
func ES(t testing.TB) string { return need(t, "ES_URL", "an Elasticsearch-compatible server") }

// Server is a private instance of a test server that a test may stop
// and start again (on the same port, with the same data), to see what a
// client does while its target is down.
type Server struct {
	t       testing.TB
	name    string
	args    []string
	env     []string
	port    int
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
}

// Port is the port the server listens on.
func (s *Server) Port() int { return s.port }

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.t.Fatalf("start %s: %v", s.name, err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("%s exited at start; see %s", s.name, s.logPath)
		default:
		}
	}
	s.t.Fatalf("%s did not listen on %s within 30s; see %s", s.name, addr, s.logPath)
}

// Stop kills the server (SIGKILL: a crash, not a clean shutdown) and
// waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	continueProcess(s.cmd.Process) // a paused process dies on SIGKILL too, but say so
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP, see signal_unix.go): connections
// still open, but nothing answers, as with a server that hangs.
func (s *Server) Pause() {
	if s.cmd == nil {
		return
	}
	pauseProcess(s.t, s.cmd.Process)
}

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() {
	if s.cmd != nil {
		continueProcess(s.cmd.Process)
	}
}

// ZincServer starts a private ZincSearch from the testinfra cache and
// returns it with its ES_URL-style address.
func ZincServer(t testing.TB) (*Server, string) {
	ES(t) // the shared servers' presence decides skip or fail
	bin := cacheBin(t, "zinc")
	dir := t.TempDir()
	s := &Server{t: t, name: "zinc", args: []string{bin}, port: freePort(t), logPath: filepath.Join(dir, "log")}
	s.env = []string{"ZINC_FIRST_ADMIN_USER=admin", "ZINC_FIRST_ADMIN_PASSWORD=admin", "ZINC_DATA_PATH=" + filepath.Join(dir, "data"),
		"ZINC_SERVER_ADDRESS=127.0.0.1", "ZINC_SERVER_PORT=" + strconv.Itoa(s.port), "ZINC_TELEMETRY=false"}
	s.Start()
	t.Cleanup(s.Stop)
	return s, "http://admin:admin@127.0.0.1:" + strconv.Itoa(s.port) + "/es"
}

// FerretServer starts a private FerretDB from the testinfra cache and
// returns it with its MONGO_URL-style address.
func FerretServer(t testing.TB) (*Server, string) {
	Mongo(t)
	bin := cacheBin(t, "ferretdb")
	dir := t.TempDir()
	port := freePort(t)
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, name: "ferretdb", args: []string{bin, "127.0.0.1:" + strconv.Itoa(port), data}, port: port, logPath: filepath.Join(dir, "log")}
	s.Start()
	t.Cleanup(s.Stop)
	return s, "mongodb://127.0.0.1:" + strconv.Itoa(port) + "/"
}

func cacheBin(t testing.TB, name string) string {
	t.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	bin := filepath.Join(cache, "testinfra", "bin", name)
	if _, err := os.Stat(bin); err != nil {
		msg := bin + " is missing; ../shared/testinfra/up builds it"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

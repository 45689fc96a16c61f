package kafka

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEmbeddedAcceptsAfterRunningOutOfFiles: a connection that arrives
// while the process has no file descriptor left fails to be accepted,
// but once descriptors are free again the broker accepts connections:
// kfake stopped listening at the first failed Accept, so a burst of
// connections at the open files limit left the broker unreachable until
// a restart.
func TestEmbeddedAcceptsAfterRunningOutOfFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts open files in /proc/self/fd")
	}
	e, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
			t.Fatal(err)
		}
	}
	defer restore()
	fds, err := os.ReadDir("/proc/self/fd") // its own descriptor is closed again
	if err != nil {
		t.Fatal(err)
	}
	// Room for the dialed connection, none for its accepted end.
	tight := saved
	tight.Cur = uint64(len(fds))
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &tight); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", e.Addr())
	if err != nil {
		restore()
		t.Fatalf("dial at the limit: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the broker's Accept fails meanwhile
	conn.Close()
	restore()

	cl, err := Security{}.brokerClient(e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl); err != nil {
		t.Fatalf("the broker no longer serves once files are free again: %v", err)
	}
}

// TestPatientListenerRetries: Accept waits out a lack of descriptors and
// returns the next connection, and returns any other error at once.
func TestPatientListenerRetries(t *testing.T) {
	want := &net.TCPConn{}
	inner := &scriptedListener{errs: []error{
		&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.EMFILE)},
		&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.ENFILE)},
		nil,
		net.ErrClosed,
	}, conn: want}
	var waits []time.Duration
	l := patientListener{Listener: inner, logf: t.Logf, sleep: func(d time.Duration) { waits = append(waits, d) }}
	if c, err := l.Accept(); err != nil || c != want {
		t.Fatalf("Accept = %v, %v; want the connection after the failures", c, err)
	}
	if len(waits) != 2 || waits[1] <= waits[0] {
		t.Fatalf("waits %v; want two, growing", waits)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed listener = %v; want net.ErrClosed at once", err)
	}
}

type scriptedListener struct {
	net.Listener
	errs []error
	conn net.Conn
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	err := l.errs[0]
	l.errs = l.errs[1:]
	if err != nil {
		return nil, err
	}
	return l.conn, nil
}

package kafka

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// kfake's broker serves connections until its listener's Accept returns
// an error, and then stops listening for good. An Accept that fails
// because the process is out of file descriptors (EMFILE: kfake keeps
// two open per written partition, so a few thousand partitions reach a
// common 20,000 limit and a 1,024 one much sooner) therefore left the
// broker unreachable, to its clients and to eddy's own, until a restart,
// even once the descriptors were back. patientListener waits and
// accepts again on such errors, as net/http's Server does.

// acceptRetryMax is the longest wait between accepts that keep failing
// for want of resources.
const acceptRetryMax = time.Second

type patientListener struct {
	net.Listener
	logf func(string, ...any)
	// sleep is time.Sleep but in tests.
	sleep func(time.Duration)
}

func (l patientListener) Accept() (net.Conn, error) {
	var wait time.Duration
	for {
		conn, err := l.Listener.Accept()
		if err == nil || !retryableAccept(err) {
			return conn, err
		}
		if wait == 0 {
			wait = 5 * time.Millisecond
			l.logf("embedded broker: accept a connection: %v; retrying (raise the open files limit, ulimit -n, if this recurs)", err)
		} else {
			wait = min(2*wait, acceptRetryMax)
		}
		l.sleep(wait)
	}
}

// retryableAccept reports whether an Accept error is a lack of
// resources, or a connection dropped before it was accepted, which a
// later Accept may not meet.
func retryableAccept(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

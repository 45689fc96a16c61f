package kafka

import (
	"encoding/binary"
	"net"
	"sync"
)

// kfake answers a SaslHandshake it accepts with an empty list of enabled
// mechanisms; Apache Kafka always lists them (sasl.enabled.mechanisms),
// and KafkaJS checks the list for its own mechanism before it
// authenticates ("SASL PLAIN mechanism is not supported by the
// server"), so no KafkaJS client could connect to an embedded broker
// with --auth-file. saslMechanismsListener's connections fill the list
// of that answer with the one mechanism the broker's users have (PLAIN:
// the auth file keeps bcrypt hashes, which SCRAM cannot use). kfake
// writes each response in one Write, and the handshake is the last
// request a connection makes before it authenticates, so the requests
// are scanned only until it and the answer is rewritten only then.
type saslMechanismsListener struct{ net.Listener }

func (l saslMechanismsListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return conn, err
	}
	return &saslMechanismsConn{Conn: conn}, nil
}

// saslHandshakeKey is SaslHandshake's API key.
const saslHandshakeKey = 17

type saslMechanismsConn struct {
	net.Conn
	mu      sync.Mutex
	hdr     []byte // the start of a request: size, key, version, correlation ID
	skip    int    // bytes of the current request still to pass
	stop    bool   // no longer scanning requests
	pending bool   // a handshake awaits its answer
	corr    uint32 // the handshake's correlation ID
}

func (c *saslMechanismsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.scan(p[:n])
	c.mu.Unlock()
	return n, err
}

// scan follows the requests in b, a piece of what the client sent, up to
// the first handshake.
func (c *saslMechanismsConn) scan(b []byte) {
	for len(b) > 0 && !c.stop {
		if c.skip > 0 {
			k := min(c.skip, len(b))
			c.skip -= k
			b = b[k:]
			continue
		}
		k := min(12-len(c.hdr), len(b))
		c.hdr = append(c.hdr, b[:k]...)
		b = b[k:]
		if len(c.hdr) < 12 {
			return
		}
		size := int(int32(binary.BigEndian.Uint32(c.hdr)))
		if size < 8 {
			c.stop = true // not Kafka's protocol; kfake will say so
			return
		}
		if int16(binary.BigEndian.Uint16(c.hdr[4:])) == saslHandshakeKey {
			c.pending, c.corr, c.stop = true, binary.BigEndian.Uint32(c.hdr[8:]), true
		}
		c.skip, c.hdr = size-8, c.hdr[:0]
	}
}

func (c *saslMechanismsConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	rewrite := c.pending && len(p) == 14 && binary.BigEndian.Uint32(p) == 10 && binary.BigEndian.Uint32(p[4:]) == c.corr &&
		binary.BigEndian.Uint16(p[8:]) == 0 && binary.BigEndian.Uint32(p[10:]) == 0 // no error, no mechanisms
	if c.pending && len(p) >= 8 && binary.BigEndian.Uint32(p[4:]) == c.corr {
		c.pending = false
	}
	c.mu.Unlock()
	if !rewrite {
		return c.Conn.Write(p)
	}
	out := make([]byte, 0, 14+2+len(SASLPlain))
	out = binary.BigEndian.AppendUint32(out, uint32(10+2+len(SASLPlain)))
	out = append(out, p[4:10]...)               // correlation ID, error code
	out = binary.BigEndian.AppendUint32(out, 1) // one mechanism
	out = binary.BigEndian.AppendUint16(out, uint16(len(SASLPlain)))
	out = append(out, SASLPlain...)
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

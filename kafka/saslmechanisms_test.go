package kafka

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// roundTrip writes req, as a client with correlation ID corr, on conn and
// reads its answer into resp.
func roundTrip(t *testing.T, conn net.Conn, corr int32, req kmsg.Request, resp kmsg.Response) {
	t.Helper()
	msg := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	msg = binary.BigEndian.AppendUint16(msg, uint16(req.GetVersion()))
	msg = binary.BigEndian.AppendUint32(msg, uint32(corr))
	msg = binary.BigEndian.AppendUint16(msg, 4) // client ID
	msg = append(msg, "walk"...)
	msg = req.AppendTo(msg) // SaslHandshake and SaslAuthenticate v1 are not flexible
	if _, err := conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg...)); err != nil {
		t.Fatal(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatal(err)
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != corr {
		t.Fatalf("correlation ID %d, want %d", got, corr)
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body[4:]); err != nil {
		t.Fatal(err)
	}
}

// TestSASLHandshakeListsMechanisms: the embedded broker's answer to a
// SaslHandshake lists its enabled mechanisms, as Apache Kafka's does;
// KafkaJS authenticates only when its mechanism is in that list. Over TLS
// too, and the connection then authenticates and is served.
func TestSASLHandshakeListsMechanisms(t *testing.T) {
	_, cert := testCA(t, "127.0.0.1")
	for name, tc := range map[string]*tls.Config{
		"plaintext": nil,
		"TLS":       {Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	} {
		t.Run(name, func(t *testing.T) {
			e := authBroker(t, tc)
			var conn net.Conn
			var err error
			if tc == nil {
				conn, err = net.Dial("tcp", e.Addr())
			} else {
				conn, err = tls.Dial("tcp", e.Addr(), &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}

			hs := kmsg.NewPtrSASLHandshakeRequest()
			hs.Version, hs.Mechanism = 1, SASLPlain
			hsResp := kmsg.NewPtrSASLHandshakeResponse()
			roundTrip(t, conn, 1, hs, hsResp)
			if hsResp.ErrorCode != 0 || !slices.Contains(hsResp.SupportedMechanisms, SASLPlain) {
				t.Fatalf("SaslHandshake v1 PLAIN: error %d, mechanisms %q; want no error and PLAIN listed", hsResp.ErrorCode, hsResp.SupportedMechanisms)
			}

			auth := kmsg.NewPtrSASLAuthenticateRequest()
			auth.Version, auth.SASLAuthBytes = 1, []byte("\x00alice\x00alice-secret")
			authResp := kmsg.NewPtrSASLAuthenticateResponse()
			roundTrip(t, conn, 2, auth, authResp)
			if authResp.ErrorCode != 0 {
				t.Fatalf("SaslAuthenticate: error %d %v", authResp.ErrorCode, authResp.ErrorMessage)
			}
			md := kmsg.NewPtrMetadataRequest()
			md.Version = 1
			mdResp := kmsg.NewPtrMetadataResponse()
			roundTrip(t, conn, 3, md, mdResp)
			if len(mdResp.Brokers) != 1 {
				t.Fatalf("metadata after authenticating: %+v", mdResp.Brokers)
			}
		})
	}
}

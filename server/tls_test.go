package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Over HTTPS the server speaks HTTP/2 as well as HTTP/1.1 (ALPN), so the
// HTTP/2-only endpoints work there: an insert through /inserts-stream
// over TLS is acknowledged (the server offered HTTP/1.1 alone, and
// answered 40004).
func TestHTTPSServesHTTP2(t *testing.T) {
	certFile, keyFile, pool := testCertificate(t)
	ts := startMem(t, func(c *Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })

	p := new(http.Protocols)
	p.SetHTTP2(true)
	h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: p}}
	t.Cleanup(h2.CloseIdleConnections)
	res, err := h2.Get(ts.url + "/info")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("GET /info over TLS answered %s, want HTTP/2", res.Proto)
	}
	if status, _, body := ts.do(t, h2, "POST", "/ksql", "", ksqlBody("CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);")); status != http.StatusOK {
		t.Fatalf("create over TLS: %d %s", status, body)
	}
	status, _, body := ts.do(t, h2, "POST", "/inserts-stream", "", `{"target":"S"}`+"\n"+`{"ID":1,"V":"a"}`+"\n")
	if status != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("insert over TLS: %d %s", status, body)
	}
}

// testCertificate writes a self-signed certificate for 127.0.0.1 and its
// key, and returns a pool that trusts it.
func testCertificate(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "eddy test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

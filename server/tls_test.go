package server

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/testcert"
)

// Over HTTPS the server speaks HTTP/2 as well as HTTP/1.1 (ALPN), so the
// HTTP/2-only endpoints work there: an insert through /inserts-stream
// over TLS is acknowledged (the server offered HTTP/1.1 alone, and
// answered 40004).
func TestHTTPSServesHTTP2(t *testing.T) {
	certFile, keyFile, pool := testcert.SelfSigned(t, t.TempDir())
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

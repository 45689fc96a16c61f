package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eddysql/eddy/internal/testcert"
)

// TestServerAndRemoteShell runs `eddy server` as a process with basic
// authentication and TLS, drives it with `eddy --server`, stops it with
// SIGTERM while a push query streams, and restarts it: the push query's
// stream ends cleanly, the server exits 0, and the persistent query's
// offsets were committed (no record is processed twice).
func TestServerAndRemoteShell(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := buildEddy(t)
	dir := t.TempDir()
	kafkaAddr, apiAddr := freeAddr(t), freeAddr(t)
	certFile, keyFile, ca := testcert.SelfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "users")
	if err := os.WriteFile(authFile, []byte("# users\nann:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "https://" + apiAddr
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca}}}
	defer client.CloseIdleConnections()

	startServer := func() (*exec.Cmd, *bytes.Buffer) {
		var logs bytes.Buffer
		cmd := exec.Command(bin, "server", "--data-dir", filepath.Join(dir, "data"), "--kafka-listen", kafkaAddr, "--registry-listen", "",
			"--listen", apiAddr, "--auth-file", authFile, "--tls-cert", certFile, "--tls-key", keyFile)
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := client.Get(url + "/chc/ready")
			if err == nil {
				res.Body.Close()
				return cmd, &logs
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not come up: %v\n%s", err, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	shell := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, append([]string{"--data-dir", filepath.Join(dir, "shell"), "--server", url, "--tls-ca", filepath.Join(dir, "ca.pem")}, args...)...)
		var out, errw bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errw
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errw.String()
	}

	server, logs := startServer()
	// Without credentials nothing runs.
	code, _, stderr := shell("-e", "CREATE STREAM nope (id INT KEY) WITH (kafka_topic='nope', value_format='JSON', partitions=1);")
	if code != 1 || !strings.Contains(stderr, "--user") {
		t.Fatalf("no credentials: %d %q", code, stderr)
	}
	code, out, stderr := shell("--user", "ann", "--password", "s3cret", "-e", strings.Join([]string{
		"SET 'auto.offset.reset'='earliest';",
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"CREATE STREAM doubled AS SELECT id, v + v AS vv FROM s;",
		"INSERT INTO s (id, v) VALUES (1, 'a');",
		"INSERT INTO s (id, v) VALUES (2, 'b');",
		"SELECT id, vv FROM doubled EMIT CHANGES LIMIT 2;",
		"SHOW STREAMS;",
	}, "\n"))
	if code != 0 || !strings.Contains(out, "Limit Reached") || !strings.Contains(out, "bb") || strings.Contains(out, "NOPE") {
		t.Fatalf("remote script: %d\n%s\n%s", code, out, stderr)
	}

	// A push query is streaming when SIGTERM arrives.
	req, _ := http.NewRequest("POST", url+"/query", strings.NewReader(`{"ksql":"SELECT * FROM s EMIT CHANGES;","streamsProperties":{"auto.offset.reset":"earliest"}}`))
	req.SetBasicAuth("ann", "s3cret")
	res, err := client.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("push query: %v %v", res, err)
	}
	rd := bufio.NewReader(res.Body)
	for range 3 { // header and the two rows
		if _, err := rd.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(rd)
	res.Body.Close()
	if err != nil || !strings.HasSuffix(strings.TrimLeft(string(rest), "\n"), "]\n") {
		t.Errorf("push stream at shutdown: %q %v", rest, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("server exit: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not stop\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}

	// Second life: one more record; the sink holds each exactly once.
	server, logs = startServer()
	code, out, stderr = shell("--user", "ann", "--password", "s3cret", "-e", strings.Join([]string{
		"SET 'auto.offset.reset'='earliest';",
		"INSERT INTO s (id, v) VALUES (3, 'c');",
		"SELECT id, vv FROM doubled EMIT CHANGES LIMIT 3;",
		"SELECT * FROM doubled;",
	}, "\n"))
	if code != 0 || strings.Count(out, "|aa ") != 2 || strings.Count(out, "|cc ") != 2 {
		t.Fatalf("after restart (each row once per query): %d\n%s\n%s\n%s", code, out, stderr, logs.String())
	}
	server.Process.Signal(syscall.SIGTERM)
	server.Wait()

	// No server: a clear message, after a few retries.
	code, _, stderr = shell("-e", "SHOW STREAMS;")
	if code != 1 || !strings.Contains(stderr, "Could not reach the eddy server at "+url) {
		t.Fatalf("unreachable: %d %q", code, stderr)
	}
}

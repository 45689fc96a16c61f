package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// consoleDir is the web console's source, from this package.
const consoleDir = "../../console"

// TestConsoleInBrowser opens the web console of a real eddy server in
// headless Chromium (console/test/e2e.mjs, through playwright-core):
// statements, a streaming push query and its stop, a syntax error marked
// at its line, a persistent query's topology and counters; then, against
// a server with --auth-file, that the console asks for credentials and
// nothing runs without them. It writes the README's screenshots to
// docs/images. Chromium and node are needed: missing, the test fails
// under CI=true and skips otherwise.
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	chromium := "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		requireOrSkip(t, "the console browser test needs /usr/bin/chromium (apt-get install -y chromium)")
	}
	node := nodeModules(t, "the console browser test", consoleDir, "playwright-core")
	bin := buildEddy(t)
	shots, err := filepath.Abs("../../docs/images")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("console", func(t *testing.T) {
		// The script kills this server (kill -9) in its last step.
		url, pid := startConsoleServerPid(t, bin)
		runConsoleScript(t, node, chromium, "EDDY_URL="+url, "EDDY_PID="+strconv.Itoa(pid), "SCREENSHOT_DIR="+shots)
	})
	t.Run("credentials", func(t *testing.T) {
		dir := t.TempDir()
		hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		authFile := filepath.Join(dir, "users")
		if err := os.WriteFile(authFile, []byte("ann:"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		url := startConsoleServer(t, bin, "--auth-file", authFile)
		runConsoleScript(t, node, chromium, "EDDY_URL="+url, "EDDY_USER=ann", "EDDY_PASS=s3cret")
	})
}

// requireOrSkip fails the test under CI=true, where everything a test
// needs is installed, and skips it otherwise (a bare laptop).
func requireOrSkip(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// nodeModules returns node's path once dir's npm packages are installed
// (npm ci when dir/node_modules lacks probe).
func nodeModules(t *testing.T, what, dir, probe string) string {
	t.Helper()
	node, nodeErr := exec.LookPath("node")
	npm, npmErr := exec.LookPath("npm")
	if nodeErr != nil || npmErr != nil {
		requireOrSkip(t, what+" needs node and npm (apt-get install -y nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", probe)); err != nil {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return node
}

// startConsoleServer starts `eddy server` on an embedded broker and
// returns its URL once it is ready.
func startConsoleServer(t *testing.T, bin string, args ...string) string {
	t.Helper()
	url, _ := startConsoleServerPid(t, bin, args...)
	return url
}

// startConsoleServerPid is startConsoleServer, also returning the
// server's process id.
func startConsoleServerPid(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	apiAddr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, append([]string{"server", "--data-dir", filepath.Join(dir, "data"), "--kafka-listen", freeAddr(t),
		"--listen", apiAddr, "--registry-listen", ""}, args...)...)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	url := "http://" + apiAddr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(url + "/chc/ready")
		if err == nil {
			res.Body.Close()
			return url, cmd.Process.Pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runConsoleScript(t *testing.T, node, chromium string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "test/e2e.mjs")
	cmd.Dir = consoleDir
	cmd.Env = append(os.Environ(), append(env, "CHROMIUM="+chromium)...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("console browser test: %v", err)
	}
}

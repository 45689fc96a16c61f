package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestChooseGCPolicy(t *testing.T) {
	const mem = 8 << 30
	known := func() (int64, bool) { return mem, true }
	unknown := func() (int64, bool) { return 0, false }
	given := func(n int64) byteSize { return byteSize{bytes: n, set: true} }
	cases := []struct {
		name      string
		env       map[string]string
		flag      byteSize
		available func() (int64, bool)
		want      gcPolicy
	}{
		{"defaults", nil, byteSize{}, known, gcPolicy{percent: gcPercent, limit: mem / 4 * 3}},
		{"flag", nil, given(2 << 30), known, gcPolicy{percent: gcPercent, limit: 2 << 30}},
		{"flag, memory unknown", nil, given(2 << 30), unknown, gcPolicy{percent: gcPercent, limit: 2 << 30}},
		{"flag 0", nil, given(0), known, gcPolicy{}},
		{"memory unknown", nil, byteSize{}, unknown, gcPolicy{}},
		{"GOGC", map[string]string{"GOGC": "150"}, byteSize{}, known, gcPolicy{}},
		{"GOGC over the flag", map[string]string{"GOGC": "off"}, given(2 << 30), known, gcPolicy{}},
		{"GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1GiB"}, byteSize{}, known, gcPolicy{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := chooseGCPolicy(func(k string) string { return c.env[k] }, c.flag, c.available)
			if got.percent != c.want.percent || got.limit != c.want.limit {
				t.Errorf("GOGC %d, limit %d; want %d, %d (%s)", got.percent, got.limit, c.want.percent, c.want.limit, got.why)
			}
			if got.why == "" {
				t.Error("no reason for the log")
			}
		})
	}
}

func TestHeapLimitFlag(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "512MiB": 512 << 20, "2 GiB": 2 << 30, "1TiB": 1 << 40, "64KiB": 64 << 10, "100B": 100} {
		var h byteSize
		if err := h.Set(in); err != nil || !h.set || h.bytes != want {
			t.Errorf("%q: %d (set %v), %v; want %d", in, h.bytes, h.set, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "2GB", "1.5GiB", "lots", "9999999TiB"} {
		var h byteSize
		if err := h.Set(bad); err == nil {
			t.Errorf("%q accepted as %d", bad, h.bytes)
		}
	}
	if got := formatBytes(3 << 29); got != "1.5 GiB" {
		t.Errorf("formatBytes(1.5 GiB) = %q", got)
	}
}

// gcChildEnv carries, to the child process of TestGCPolicyApplied, the
// eddy arguments it runs.
const gcChildEnv = "EDDY_TEST_GC_CHILD"

// TestGCPolicyApplied runs an eddy script in child processes (the Go
// runtime reads GOGC and GOMEMLIMIT once, at process start) and checks the
// collector's settings in effect after it: eddy's pace and limit by
// default or with --heap-limit, Go's defaults with --heap-limit 0, and
// exactly the user's settings when GOGC or GOMEMLIMIT is in the
// environment.
func TestGCPolicyApplied(t *testing.T) {
	if args := os.Getenv(gcChildEnv); args != "" {
		runGCChild(t, args)
		return
	}
	mem, ok := availableMemory()
	if !ok {
		t.Skip("the memory available is unknown here")
	}
	const noLimit = math.MaxInt64
	cases := []struct {
		name    string
		env     []string
		args    []string
		percent int64
		limit   int64
	}{
		{"defaults", nil, nil, gcPercent, int64(float64(mem) * heapLimitShare)},
		{"flag", nil, []string{"--heap-limit", "1GiB"}, gcPercent, 1 << 30},
		{"flag 0", nil, []string{"--heap-limit", "0"}, 100, noLimit},
		{"GOGC wins", []string{"GOGC=150"}, []string{"--heap-limit", "1GiB"}, 150, noLimit},
		{"GOMEMLIMIT wins", []string{"GOMEMLIMIT=3GiB"}, nil, 100, 3 << 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--data-dir", t.TempDir(), "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}, c.args...)
			enc, err := json.Marshal(append(args, "-e", "SHOW STREAMS;"))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestGCPolicyApplied$", "-test.v")
			cmd.Env = append(withoutGCEnv(os.Environ()), append(c.env, gcChildEnv+"="+string(enc))...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			_, line, found := strings.Cut(string(out), "GC in effect:")
			var percent, limit int64
			if _, err := fmt.Sscanf(line, "%d %d", &percent, &limit); !found || err != nil {
				t.Fatalf("child output %q: %v", out, err)
			}
			if percent != c.percent || limit != c.limit {
				t.Errorf("GOGC %d, limit %d; want %d, %d", percent, limit, c.percent, c.limit)
			}
		})
	}
}

// runGCChild runs eddy with the JSON-encoded args and prints the
// collector's settings after it.
func runGCChild(t *testing.T, enc string) {
	var args []string
	if err := json.Unmarshal([]byte(enc), &args); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	if code := run(args, os.Stdin, &out, &errw); code != 0 {
		t.Fatalf("eddy %q: exit %d: %s%s", args, code, out.String(), errw.String())
	}
	percent, limit := runtimeGC()
	fmt.Printf("GC in effect: %d %d\n", percent, limit)
}

func withoutGCEnv(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, gcChildEnv+"=") {
			kept = append(kept, kv)
		}
	}
	return kept
}

package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
)

// gcPercent is the collector's pace eddy sets when the user has not set
// GOGC or GOMEMLIMIT: the heap may grow to 5× the live heap between
// cycles instead of Go's 2×. A server's live heap is small (tens of MB:
// the broker keeps records in files) while a query allocates about
// 1.6 KB per record, so at Go's default the collector ran every ~20k
// records and took 20–36% of the CPU of Nexmark q0; at 400, 5–9%
// (make bench-server; docs/operations.md).
const gcPercent = 400

// heapLimitShare is the part of the memory available to the process
// (its cgroup's limit, else the machine's) that is the default soft
// heap limit. eddy then collects more often than Go's default pace only
// when the live heap passes half the limit (3/8 of the memory), where
// that pace would already let the heap reach 3/4 of the memory.
const heapLimitShare = 0.75

// gcPolicy is what eddy sets on the Go runtime's garbage collector.
type gcPolicy struct {
	percent int   // 0: leave GOGC as it is
	limit   int64 // soft memory limit in bytes; 0: leave it as it is
	why     string
}

// chooseGCPolicy decides the collector's settings. A GOGC or GOMEMLIMIT
// in the environment wins: the runtime has read it, and eddy changes
// nothing. Otherwise --heap-limit, when given, is the soft limit (0: keep
// Go's defaults), else heapLimitShare of the memory available; when that
// is unknown too, Go's defaults stay, as a higher pace with no bound could
// outgrow the machine.
func chooseGCPolicy(getenv func(string) string, flag byteSize, available func() (int64, bool)) gcPolicy {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		if getenv(v) != "" {
			why := v + " is set in the environment"
			if flag.set {
				why += "; --heap-limit ignored"
			}
			return gcPolicy{why: why}
		}
	}
	if flag.set {
		if flag.bytes == 0 {
			return gcPolicy{why: "--heap-limit 0: Go's defaults"}
		}
		return gcPolicy{percent: gcPercent, limit: flag.bytes, why: "--heap-limit"}
	}
	mem, ok := available()
	if !ok {
		return gcPolicy{why: "the memory available is unknown (set --heap-limit)"}
	}
	return gcPolicy{percent: gcPercent, limit: int64(float64(mem) * heapLimitShare),
		why: fmt.Sprintf("the default: 3/4 of the %s available; see --heap-limit", formatBytes(mem))}
}

// apply sets the policy on the runtime. It runs once, before the broker
// and the engine start.
func (p gcPolicy) apply() {
	if p.percent > 0 {
		debug.SetGCPercent(p.percent)
	}
	if p.limit > 0 {
		debug.SetMemoryLimit(p.limit)
	}
}

// runtimeGC reads the collector's settings back from the runtime, as
// they are in effect.
func runtimeGC() (percent int64, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// describeGC says what the collector's settings are, for the log.
func describeGC(p gcPolicy) string {
	percent, limit := runtimeGC()
	pace := "GOGC=" + strconv.FormatInt(percent, 10)
	if percent < 0 { // GOGC=off reads as -1
		pace = "GOGC=off"
	}
	if p.percent > 100 {
		pace += fmt.Sprintf(" (lower, down to 100, once the live heap passes %s, so the heap grows at most %s past it)",
			formatBytes(100*gcHeadroom/int64(p.percent)), formatBytes(gcHeadroom))
	}
	bound := "no soft memory limit"
	if limit != math.MaxInt64 {
		bound = "soft memory limit " + formatBytes(limit)
	}
	return fmt.Sprintf("garbage collector: %s, %s (%s)", pace, bound, p.why)
}

// availableMemory is the memory the process may use: its cgroup's limit
// when it has one, else the machine's. Linux only; elsewhere unknown.
func availableMemory() (int64, bool) {
	total, ok := meminfoTotal()
	if !ok {
		return 0, false
	}
	if limit, ok := cgroupLimit(); ok && limit < total {
		return limit, true
	}
	return total, true
}

func meminfoTotal() (int64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil && kb > 0
		}
	}
	return 0, false
}

// cgroupLimit is the memory limit of the process's cgroup (v2, else v1);
// "max" or v1's page-rounded maximum mean none.
func cgroupLimit() (int64, bool) {
	var paths []string
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rel, ok := strings.CutPrefix(line, "0::"); ok {
				paths = append(paths, "/sys/fs/cgroup"+strings.TrimSuffix(rel, "/")+"/memory.max")
			}
		}
	}
	paths = append(paths, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0, false // "max", or v1's "no limit"
		}
		return n, true
	}
	return 0, false
}

// byteSize is a size flag (--heap-limit, --fetch-buffer): bytes, with
// GOMEMLIMIT's suffixes (B, KiB, MiB, GiB, TiB).
type byteSize struct {
	bytes int64
	set   bool
}

func (h *byteSize) String() string {
	if h == nil || !h.set {
		return ""
	}
	return formatBytes(h.bytes)
}

func (h *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	h.bytes, h.set = n, true
	return nil
}

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// parseBytes reads a size as GOMEMLIMIT does: an integer with an optional
// B, KiB, MiB, GiB or TiB.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num, shift := s, uint(0)
	for _, u := range byteUnits {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = strings.TrimSpace(v), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, errors.New("want a size such as 2GiB or 512MiB (B, KiB, MiB, GiB, TiB)")
	}
	return n << shift, nil
}

// formatBytes writes a size in the largest unit it is at least 1 of.
func formatBytes(n int64) string {
	for _, u := range byteUnits {
		if u.shift > 0 && n >= 1<<u.shift {
			return strconv.FormatFloat(float64(n)/float64(int64(1)<<u.shift), 'f', 1, 64) + " " + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + " B"
}

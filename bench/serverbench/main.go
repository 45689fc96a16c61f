// Command serverbench measures Nexmark q0 the way a user runs it: a real
// `eddy server` process (its embedded broker in-process) on a fresh data
// directory, bids produced into it by this process, and the query
// submitted over the REST API. Each run's figure is the server process's
// CPU time (/proc/PID/stat, user+system) from the submission until the
// query's consumer group has committed every bid, so it counts the broker
// and the engine, as BenchmarkNexmark does, but with the server's own
// heap: no generated events held live beside them. With gctrace on, it
// also reports the GC cycles and GC CPU that fell into each run, and the
// process's peak RSS.
//
//	make bench-server    # or:
//	make build && go run ./bench/serverbench -bids 1000000 -runs 3 [-env GOGC=200 ...]
//
// Without -env the server runs with eddy's own collector settings
// (docs/operations.md); -env GOGC=100 measures Go's default pace.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eddysql/eddy/bench"
	"github.com/eddysql/eddy/kafka"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// partitions matches BenchmarkNexmark's input topics.
const partitions = 2

// poll is how often a run asks whether its group is done (as the bench).
const poll = 25 * time.Millisecond

type options struct {
	bin     string
	bids    int
	runs    int
	env     envList
	keep    bool
	timeout time.Duration
}

// envList collects repeated -env NAME=VALUE flags for the server.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }
func (e *envList) Set(s string) error {
	if name, _, ok := strings.Cut(s, "="); !ok || name == "" {
		return errors.New("want NAME=VALUE")
	}
	*e = append(*e, s)
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "./bin/eddy", "the eddy binary (make build)")
	flag.IntVar(&o.bids, "bids", 1_000_000, "about how many Nexmark bids to load (the generator's first events until this many bids)")
	flag.IntVar(&o.runs, "runs", 3, "q0 runs in the one server, one after the other, each a fresh query and output topic")
	flag.Var(&o.env, "env", "`NAME=VALUE` added to the server's environment (repeatable), e.g. GOGC=200 or GOMEMLIMIT=512MiB")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory and the server's log")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "serverbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "serverbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	srv, err := startServer(ctx, o, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("eddy server pid %d, env %v, data %s\n", srv.cmd.Process.Pid, []string(o.env), dir)

	n, err := loadBids(ctx, srv.kafka, o.bids)
	if err != nil {
		return err
	}
	st, err := readProc(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("loaded %d bids; server after the load: %v CPU, RSS %d MB (peak %d MB), %d GC cycles\n",
		n, st.cpu, st.rssKB>>10, st.hwmKB>>10, srv.gc.snapshot().cycles)
	if _, err := srv.ksql(ctx, bidDDL); err != nil {
		return err
	}
	offs, err := bench.DialOffsets(srv.kafka)
	if err != nil {
		return err
	}
	defer offs.Close()
	var rates []float64
	for i := 1; i <= o.runs; i++ {
		r, err := runQ0(ctx, srv, offs, i, n)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		rates = append(rates, r.perCPU())
		fmt.Printf("run %d: %s\n", i, r)
	}
	fmt.Printf("q0 events/CPU-s over %d runs: %s\n", len(rates), rangeK(rates))
	return nil
}

// bidDDL declares the bids as BenchmarkNexmark does.
const bidDDL = `CREATE STREAM BID (AUCTION BIGINT KEY, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING, URL STRING, DATETIME TIMESTAMP, EXTRA STRING)
  WITH (KAFKA_TOPIC='` + bench.NexmarkBidTopic + `', VALUE_FORMAT='JSON');`

// loadBids produces the bids among the first Nexmark events (as the bench
// generates them) until about want bids, and returns how many.
func loadBids(ctx context.Context, broker string, want int) (int, error) {
	// Bids are 46 of every 50 events.
	d, err := bench.GenerateNexmark(want * 50 / 46)
	if err != nil {
		return 0, err
	}
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{broker}, ClientID: "serverbench-load"})
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: bench.NexmarkBidTopic, Partitions: partitions, Replicas: 1}); err != nil {
		return 0, err
	}
	recs := d.Records[bench.NexmarkBidTopic]
	if _, err := bench.Load(ctx, cl, bench.Workload{Records: recs}); err != nil {
		return 0, err
	}
	return len(recs), nil
}

// result is one q0 run as the server process saw it.
type result struct {
	events     int
	wall, cpu  time.Duration
	gc         gcStats // the cycles that ended during the run
	rssKB      int64   // at the end of the run
	hwmKB      int64   // the process's peak so far
	lastHeapMB int     // live heap after the run's last cycle
}

func (r result) perCPU() float64 { return float64(r.events) / r.cpu.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("%.0fk events/CPU-s (%.0fk events/s): %v wall, %v CPU; %d GC cycles, GC CPU %v (%.1f%% of the process's), live heap after the last %d MB; RSS %d MB, peak %d MB",
		r.perCPU()/1000, float64(r.events)/r.wall.Seconds()/1000, r.wall.Round(time.Millisecond), r.cpu,
		r.gc.cycles, r.gc.cpu.Round(time.Millisecond), 100*r.gc.cpu.Seconds()/r.cpu.Seconds(), r.lastHeapMB, r.rssKB>>10, r.hwmKB>>10)
}

// runQ0 runs q0 once, measures it, checks the output's size and drops
// the query and its topic.
func runQ0(ctx context.Context, srv *server, offs *bench.Offsets, seq, bids int) (result, error) {
	name := fmt.Sprintf("Q0_%d", seq)
	out := fmt.Sprintf("serverbench_q0_%d", seq)
	stmt := fmt.Sprintf(`CREATE STREAM %s WITH (KAFKA_TOPIC='%s') AS SELECT AUCTION, BIDDER, PRICE, DATETIME, EXTRA FROM BID;`, name, out)
	pid := srv.cmd.Process.Pid
	gc0 := srv.gc.snapshot()
	p0, err := readProc(pid)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	id, err := srv.ksql(ctx, stmt)
	if err != nil {
		return result{}, err
	}
	group := "_confluent-ksql-default_query_" + id
	for {
		done, err := offs.GroupDone(ctx, group, group, []string{bench.NexmarkBidTopic})
		if err == nil && done {
			break
		}
		if ctx.Err() != nil {
			return result{}, fmt.Errorf("%s not done (last error %v): %w", id, err, ctx.Err())
		}
		time.Sleep(poll)
	}
	wall := time.Since(start)
	p1, err := readProc(pid)
	if err != nil {
		return result{}, err
	}
	gc1 := srv.gc.snapshot()
	got, err := offs.End(ctx, out)
	if err != nil {
		return result{}, err
	}
	if got != int64(bids) {
		return result{}, fmt.Errorf("%s wrote %d records, want %d", out, got, bids)
	}
	if _, err := srv.ksql(ctx, fmt.Sprintf("TERMINATE %s; DROP STREAM %s DELETE TOPIC;", id, name)); err != nil {
		return result{}, err
	}
	return result{events: bids, wall: wall, cpu: p1.cpu - p0.cpu, gc: gc1.minus(gc0),
		rssKB: p1.rssKB, hwmKB: p1.hwmKB, lastHeapMB: gc1.liveMB}, nil
}

// server is a running `eddy server` child.
type server struct {
	cmd   *exec.Cmd
	rest  string // http://host:port
	kafka string
	gc    *gcTrace
	log   *os.File
	done  chan struct{} // closed when the stderr reader has finished
}

// startServer starts the server on free ports with gctrace on, and waits
// for its REST API.
func startServer(ctx context.Context, o options, dir string) (*server, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	rest, broker, registry := ports[0], ports[1], ports[2]
	cmd := exec.Command(o.bin, "server", "--data-dir", filepath.Join(dir, "data"),
		"--listen", rest, "--kafka-listen", broker, "--registry-listen", registry)
	cmd.Env = append(append(os.Environ(), "GODEBUG=gctrace=1"), o.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout = log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, rest: "http://" + rest, kafka: broker, gc: &gcTrace{}, log: log, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.gc.scan(stderr, log)
	}()
	for {
		resp, err := http.Get(s.rest + "/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			s.stop()
			return nil, fmt.Errorf("the server exited (log %s)", log.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends the server with SIGTERM and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
	_ = s.cmd.Wait()
	s.log.Close()
}

// ksql posts statements to /ksql with auto.offset.reset=earliest and
// returns the id of the query the last one started, if any.
func (s *server) ksql(ctx context.Context, stmts string) (string, error) {
	body, err := json.Marshal(map[string]any{"ksql": stmts, "streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.rest+"/ksql", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST /ksql %q: %s: %s", stmts, resp.Status, data)
	}
	var entities []struct {
		CommandStatus struct {
			QueryID string `json:"queryId"`
		} `json:"commandStatus"`
	}
	if err := json.Unmarshal(data, &entities); err != nil {
		return "", fmt.Errorf("POST /ksql: %w: %s", err, data)
	}
	id := ""
	for _, e := range entities {
		if e.CommandStatus.QueryID != "" {
			id = e.CommandStatus.QueryID
		}
	}
	return id, nil
}

func freePorts(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// procStats is what /proc says about a process.
type procStats struct {
	cpu          time.Duration // user+system
	rssKB, hwmKB int64
}

func readProc(pid int) (procStats, error) {
	var p procStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th of them.
	rest := stat[bytes.LastIndexByte(stat, ')')+2:]
	f := strings.Fields(string(rest))
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return p, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	p.cpu = time.Duration(ut+st) * time.Second / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			p.rssKB = kb
		case "VmHWM":
			p.hwmKB = kb
		}
	}
	return p, nil
}

// gcTrace counts the server's GODEBUG=gctrace=1 lines.
type gcTrace struct {
	mu    sync.Mutex
	stats gcStats
}

// gcStats are the totals of the cycles traced so far.
type gcStats struct {
	cycles int
	cpu    time.Duration // the cycles' CPU: both pauses, assist, background and idle marking
	liveMB int           // live heap after the latest cycle
}

func (a gcStats) minus(b gcStats) gcStats {
	return gcStats{cycles: a.cycles - b.cycles, cpu: a.cpu - b.cpu, liveMB: a.liveMB}
}

func (t *gcTrace) snapshot() gcStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// scan reads the server's stderr, copying every line to log and counting
// the gctrace lines:
//
//	gc 7 @1.2s 3%: 0.02+1.1+0.01 ms clock, 0.05+0.3/1.0/0.2+0.02 ms cpu, 8->9->4 MB, 9 MB goal, ...
func (t *gcTrace) scan(r io.Reader, log io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(log, line)
		if !strings.HasPrefix(line, "gc ") {
			continue
		}
		cpu, live, ok := parseGCLine(line)
		if !ok {
			continue
		}
		t.mu.Lock()
		t.stats.cycles++
		t.stats.cpu += cpu
		t.stats.liveMB = live
		t.mu.Unlock()
	}
}

// parseGCLine returns a gctrace line's CPU time and live heap.
func parseGCLine(line string) (time.Duration, int, bool) {
	parts := strings.Split(line, ", ")
	if len(parts) < 3 || !strings.HasSuffix(parts[1], " ms cpu") {
		return 0, 0, false
	}
	var ms float64
	for _, f := range strings.FieldsFunc(strings.TrimSuffix(parts[1], " ms cpu"), func(r rune) bool { return r == '+' || r == '/' }) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, 0, false
		}
		ms += v
	}
	heap := strings.Split(strings.TrimSuffix(parts[2], " MB"), "->")
	live, err := strconv.Atoi(heap[len(heap)-1])
	if err != nil {
		return 0, 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), live, true
}

// rangeK formats rates as "lo–hik".
func rangeK(rates []float64) string {
	if len(rates) == 0 {
		return "none"
	}
	lo, hi := rates[0], rates[0]
	for _, r := range rates {
		lo, hi = min(lo, r), max(hi, r)
	}
	return fmt.Sprintf("%.0f–%.0fk", lo/1000, hi/1000)
}

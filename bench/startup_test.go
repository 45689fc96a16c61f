package bench

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// startupDefaultBytes is how much record data the start-up benchmark's
// data directory retains unless EDDY_BENCH_RETAINED_MB says otherwise.
const startupDefaultBytes = 1 << 30

// BenchmarkStartupRetained measures what a user pays to open the shell on
// a data directory that has accumulated history: `eddy -e "SHOW
// STREAMS;"` on a directory whose embedded broker retains about 1 GB of
// 200-byte JSON records (EDDY_BENCH_RETAINED_MB changes the size), with a
// stream declared over them. It reports the wall
// time of the whole command and its peak resident memory. The directory
// is built once and kept under the system temp dir between runs, since
// producing a gigabyte takes longer than the start-up it measures.
// It runs twice: over records produced uncompressed (eddy's and Kafka's
// producer default, about 1.2 GB on disk) and over records produced
// with lz4 (about a third of that), since the broker reads and checks
// every retained byte when it starts.
func BenchmarkStartupRetained(b *testing.B) {
	for _, compression := range retainedCompressions {
		b.Run("records="+compression, func(b *testing.B) {
			bin, dir, mb := retainedDir(b, compression)
			measureStartups(b, bin, dir, mb, "start-up", func() {})
		})
	}
}

// retainedCompressions are the producer compressions the start-up
// benchmarks fill their data directories with.
var retainedCompressions = []string{"none", "lz4"}

// BenchmarkStartupAfterKill is BenchmarkStartupRetained after a kill -9:
// before each start the partitions' snapshots, which the broker writes
// at a clean stop, are removed and its running marker left, as a killed
// server leaves them. kfake alone replayed such a partition holding all
// its batches in memory (1.2 GB of RSS over the 1 GB directory); the
// embedded broker now rebuilds the snapshots from the batch headers
// first.
func BenchmarkStartupAfterKill(b *testing.B) {
	for _, compression := range retainedCompressions {
		b.Run("records="+compression, func(b *testing.B) {
			bin, dir, mb := retainedDir(b, compression)
			measureStartups(b, bin, dir, mb, "start-up after a kill", func() {
				broker := filepath.Join(dir, "kafka")
				snaps, err := filepath.Glob(filepath.Join(broker, "partitions", "*", "snapshot.json"))
				if err != nil {
					b.Fatal(err)
				}
				for _, s := range snaps {
					if err := os.Remove(s); err != nil {
						b.Fatal(err)
					}
				}
				if err := os.WriteFile(filepath.Join(broker, "eddy-broker-running"), nil, 0o644); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// retainedDir builds eddy and the data directory the start-up
// benchmarks open (fillRetained), of EDDY_BENCH_RETAINED_MB megabytes
// produced with the given compression.
func retainedDir(b *testing.B, compression string) (bin, dir string, mb int) {
	mb, err := intFromEnv("EDDY_BENCH_RETAINED_MB", startupDefaultBytes>>20)
	if err != nil {
		b.Fatal(err)
	}
	bin = filepath.Join(b.TempDir(), "eddy")
	if out, err := osexec.Command("go", "build", "-o", bin, "../cmd/eddy").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("eddy-bench-retained-%dmb-%s", mb, compression))
	if err := fillRetained(b, bin, dir, int64(mb)<<20, compression); err != nil {
		b.Fatal(err)
	}
	return bin, dir, mb
}

// gnuTime runs a command and writes its peak resident set size in KB
// to a file. The child's own rusage cannot give it: Go starts children
// with vfork semantics, and Linux carries the parent's peak RSS into the
// child's at exec, so a benchmark process that had grown to 2.5 GB
// reported 2.5 GB for a 125 MB eddy. GNU time forks from its own small
// process.
const gnuTime = "/usr/bin/time"

// measureStartups times b.N runs of `eddy -e "SHOW STREAMS;"` on dir,
// each after prepare (untimed), and reports their wall and CPU time and
// the peak resident memory.
func measureStartups(b *testing.B, bin, dir string, mb int, what string, prepare func()) {
	if _, err := os.Stat(gnuTime); err != nil {
		b.Fatalf("the start-up benchmarks measure peak memory with GNU time (apt-get install time): %v", err)
	}
	rssFile := filepath.Join(b.TempDir(), "rss")
	b.ResetTimer()
	var wall, cpu time.Duration
	var rss int64
	for range b.N {
		b.StopTimer()
		prepare()
		b.StartTimer()
		start := time.Now()
		cmd := osexec.Command(gnuTime, "-f", "%M", "-o", rssFile, bin, "--data-dir", dir, "--kafka-listen", "127.0.0.1:0",
			"--registry-listen", "", "-e", "SHOW STREAMS;")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("eddy -e: %v\n%s", err, out)
		}
		wall += time.Since(start)
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		kb, err := os.ReadFile(rssFile)
		if err != nil {
			b.Fatal(err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(kb)), 10, 64)
		if err != nil {
			b.Fatalf("peak RSS from %s: %v", gnuTime, err)
		}
		rss = max(rss, n<<10)
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/start")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/start")
	b.ReportMetric(float64(rss)/(1<<20), "MB-peak-RSS")
	b.Logf("%s over %d MB of retained records: %.2f s (%.2f s of CPU), peak RSS %.0f MB",
		what, mb, wall.Seconds()/float64(b.N), cpu.Seconds()/float64(b.N), float64(rss)/(1<<20))
}

// fillRetained builds dir once: an embedded broker's data directory
// holding size bytes of record values in topic "retained", produced with
// the given compression and declared as a stream.
func fillRetained(b *testing.B, bin, dir string, size int64, compression string) error {
	done := filepath.Join(dir, ".filled")
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	ctx := context.Background()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: filepath.Join(dir, "kafka"), Listen: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, Compression: compression})
	if err != nil {
		emb.Close()
		return err
	}
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "retained", Partitions: 4, Replicas: 1}); err != nil {
		cl.Close()
		emb.Close()
		return err
	}
	var written int64
	now := time.Now().UnixMilli()
	for i := 0; written < size; {
		batch := make([]kafka.Record, 0, 20_000)
		for range cap(batch) {
			r := MakeRow(i)
			v := r.Value()
			written += int64(len(v))
			// Recent timestamps, so the default retention keeps them.
			batch = append(batch, kafka.Record{Topic: "retained", Partition: -1, Key: []byte(r.Key), Value: v, Timestamp: now})
			i++
		}
		if err := cl.Produce(ctx, batch...); err != nil {
			cl.Close()
			emb.Close()
			return fmt.Errorf("fill %s: %w", dir, err)
		}
	}
	cl.Close()
	if err := emb.Close(); err != nil {
		return err
	}
	b.Logf("filled %s with %d MB of records", dir, written>>20)
	cmd := osexec.Command(bin, "--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", "",
		"-e", SourceDDL("retained"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("declare stream: %v\n%s", err, out)
	}
	return os.WriteFile(done, nil, 0o644)
}

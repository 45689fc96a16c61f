package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIdempotentProducerSurvivesAKill: a librdkafka producer with
// enable.idempotence writes to the embedded broker through a clean
// restart and then a kill -9 of its server. Every record is delivered
// and no fatal error ends the producer: the broker reloaded, after the
// kill, the sequence state of the clean stop before it, and answered
// OUT_OF_ORDER_SEQUENCE_NUMBER, fatal to an idempotent producer.
func TestIdempotentProducerSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	python := pythonWith(t, "confluent_kafka", "the idempotent producer test needs python3 with confluent_kafka (apt-get install -y python3-confluent-kafka)")
	bin, dir := buildEddy(t), t.TempDir()
	kafkaAddr, apiAddr, registryAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	var server *exec.Cmd
	start := func() {
		t.Helper()
		server = exec.Command(bin, "server", "--data-dir", dir, "--listen", apiAddr, "--kafka-listen", kafkaAddr, "--registry-listen", registryAddr)
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, apiAddr)
	}
	stop := func(sig syscall.Signal) {
		t.Helper()
		_ = server.Process.Signal(sig)
		_ = server.Wait()
	}
	start()
	t.Cleanup(func() { stop(syscall.SIGKILL) })
	ksql(t, apiAddr, "CREATE STREAM idem (i INT) WITH (KAFKA_TOPIC='idem', VALUE_FORMAT='JSON', PARTITIONS=2);")

	const records = 3000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	producer := exec.CommandContext(ctx, python, "idempotent_producer.py", kafkaAddr, "idem", strconv.Itoa(records), "12")
	producer.Dir = pyClientsDir
	var out, stderr strings.Builder
	producer.Stdout, producer.Stderr = &out, &stderr
	if err := producer.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	stop(syscall.SIGTERM) // a clean restart: the broker writes its producer state
	start()
	time.Sleep(3 * time.Second)
	stop(syscall.SIGKILL) // a kill: the state on disk is the clean stop's
	start()
	if err := producer.Wait(); err != nil {
		t.Fatalf("idempotent_producer.py: %v\n%s", err, stderr.String())
	}
	var st struct {
		Delivered, Failed int
		Fatal             *string
	}
	if err := json.Unmarshal([]byte(out.String()), &st); err != nil {
		t.Fatalf("idempotent_producer.py printed %q: %v", out.String(), err)
	}
	if st.Fatal != nil || st.Delivered != records || st.Failed != 0 {
		fatal := ""
		if st.Fatal != nil {
			fatal = *st.Fatal
		}
		t.Fatalf("%d of %d records delivered, %d failed, fatal error %q", st.Delivered, records, st.Failed, fatal)
	}
}

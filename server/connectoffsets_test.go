package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// kcOffsetsReply is GET /connectors/{name}/offsets, decoded.
type kcOffsetsReply struct {
	Offsets []struct {
		Partition map[string]any `json:"partition"`
		Offset    map[string]any `json:"offset"`
	} `json:"offsets"`
}

func getOffsets(t *testing.T, ts *testServer, name string) kcOffsetsReply {
	t.Helper()
	var out kcOffsetsReply
	kcGet(t, ts, "/connectors/"+name+"/offsets", &out)
	return out
}

// kcGet decodes the reply to a GET of path on the Connect API into out,
// failing the test unless it is a 200.
func kcGet(t *testing.T, ts *testServer, path string, out any) {
	t.Helper()
	if code := kc(t, ts, ts.ConnectURL(), "GET", path, "", out); code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, code)
	}
}

// datagenIteration is gen-1's stored current.iteration, -1 for none.
func datagenIteration(t *testing.T, ts *testServer) float64 {
	t.Helper()
	offs := getOffsets(t, ts, "gen-1").Offsets
	if len(offs) == 0 {
		return -1
	}
	if len(offs) != 1 || offs[0].Partition["task.id"] != float64(0) {
		t.Fatalf("datagen offsets %+v, want one of partition {task.id: 0}", offs)
	}
	return offs[0].Offset["current.iteration"].(float64)
}

func topicRecords(t *testing.T, cl kafka.Cluster, topic string) []kafka.Record {
	t.Helper()
	recs, err := cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func connectorState(t *testing.T, ts *testServer, name string) kcStateInfo {
	t.Helper()
	var st kcStateInfo
	kcGet(t, ts, "/connectors/"+name+"/status", &st)
	return st
}

// TestConnectAPIStopAndSourceOffsets: a datagen's offset grows in GET
// offsets; offsets cannot be reset while it runs (Kafka's 400); PUT stop
// leaves it STOPPED with no tasks and writing nothing, across a server
// restart too; DELETE offsets then RESUME starts it over.
func TestConnectAPIStopAndSourceOffsets(t *testing.T) {
	cl := embeddedCluster(t)
	ts := startConnectOn(t, cl)
	base := ts.ConnectURL()
	if code := kc(t, ts, base, "POST", "/connectors", datagenBody, nil); code != http.StatusCreated {
		t.Fatalf("POST /connectors: %d", code)
	}
	waitFor(t, "a stored offset", func() bool { return datagenIteration(t, ts) > 0 })
	first := datagenIteration(t, ts)
	waitFor(t, "the offset to grow", func() bool { return datagenIteration(t, ts) > first })

	notStopped := "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/gen-1/stop' endpoint"
	var kerr kcErrorMessage
	code := kc(t, ts, base, "DELETE", "/connectors/gen-1/offsets", "", &kerr)
	kcErrorIs(t, "DELETE offsets while running", code, kerr, http.StatusBadRequest, notStopped)
	code = kc(t, ts, base, "PATCH", "/connectors/gen-1/offsets", `{"offsets":[{"partition":{"task.id":0},"offset":{"current.iteration":0}}]}`, &kerr)
	kcErrorIs(t, "PATCH offsets while running", code, kerr, http.StatusBadRequest, notStopped)
	code = kc(t, ts, base, "GET", "/connectors/nope/offsets", "", &kerr)
	kcErrorIs(t, "GET offsets of an unknown connector", code, kerr, http.StatusNotFound, "Connector nope not found")

	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/stop", "", nil); code != http.StatusNoContent {
		t.Fatalf("PUT stop: %d", code)
	}
	if st := connectorState(t, ts, "gen-1"); st.Connector.State != "STOPPED" || len(st.Tasks) != 0 {
		t.Fatalf("status after stop: %+v, want STOPPED without tasks", st)
	}
	written := len(topicRecords(t, cl, "views"))
	time.Sleep(300 * time.Millisecond)
	if n := len(topicRecords(t, cl, "views")); n != written {
		t.Fatalf("a stopped datagen wrote %d more records", n-written)
	}
	if got := datagenIteration(t, ts); got != float64(written) {
		t.Errorf("stored offset %v, want the %d records written", got, written)
	}

	// A restarted server replays STOP CONNECTOR: still stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ts.eng.Close(); err != nil {
		t.Fatal(err)
	}
	ts = startConnectOn(t, cl)
	base = ts.ConnectURL()
	if st := connectorState(t, ts, "gen-1"); st.Connector.State != "STOPPED" || len(st.Tasks) != 0 {
		t.Fatalf("status after a restart: %+v, want STOPPED without tasks", st)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(topicRecords(t, cl, "views")); n != written {
		t.Fatalf("a restarted stopped datagen wrote %d more records", n-written)
	}

	var msg kcMessage
	if code := kc(t, ts, base, "DELETE", "/connectors/gen-1/offsets", "", &msg); code != http.StatusOK ||
		msg.Message != "The offsets for this connector have been reset successfully" {
		t.Fatalf("DELETE offsets: %d %+v", code, msg)
	}
	var raw json.RawMessage
	kc(t, ts, base, "GET", "/connectors/gen-1/offsets", "", &raw)
	if string(raw) != `{"offsets":[]}` {
		t.Fatalf("offsets after the reset: %s", raw)
	}
	if code := kc(t, ts, base, "PUT", "/connectors/gen-1/resume", "", nil); code != http.StatusAccepted {
		t.Fatalf("PUT resume: %d", code)
	}
	waitFor(t, "records after the resume", func() bool { return len(topicRecords(t, cl, "views")) >= written+3 })
	recs := topicRecords(t, cl, "views")
	for i := range 3 {
		if string(recs[written+i].Value) != string(recs[i].Value) {
			t.Fatalf("record %d after the reset is %s, want %s (started over)", i, recs[written+i].Value, recs[i].Value)
		}
	}
	if st := connectorState(t, ts, "gen-1"); st.Connector.State != "RUNNING" || len(st.Tasks) != 1 {
		t.Errorf("status after resume: %+v", st)
	}
}

// TestConnectAPIAlterSinkOffsets: a file sink's offsets are its group's,
// in Kafka Connect's shape; PATCHed back while stopped, the resumed
// sink writes the records from there again.
func TestConnectAPIAlterSinkOffsets(t *testing.T) {
	cl := embeddedCluster(t)
	ts := startConnectOn(t, cl)
	base := ts.ConnectURL()
	ctx := context.Background()
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "words", Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for i := range 5 {
		vals = append(vals, "w"+strconv.Itoa(i))
		if err := cl.Produce(ctx, kafka.Record{Topic: "words", Partition: 0, Value: []byte(vals[i]), Timestamp: time.Now().UnixMilli()}); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "words.txt")
	body := `{"name":"fs","config":{"connector.class":"FileStreamSink","topics":"words","file":` + strconv.Quote(out) + `,
		"value.converter":"org.apache.kafka.connect.storage.StringConverter"}}`
	if code := kc(t, ts, base, "POST", "/connectors", body, nil); code != http.StatusCreated {
		t.Fatalf("POST /connectors: %d", code)
	}
	var raw json.RawMessage
	waitFor(t, "offset 5 committed", func() bool {
		kc(t, ts, base, "GET", "/connectors/fs/offsets", "", &raw)
		return string(raw) == `{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"words"},"offset":{"kafka_offset":5}}]}`
	})
	back := `{"offsets":[{"partition":{"kafka_topic":"words","kafka_partition":0},"offset":{"kafka_offset":2}}]}`
	var kerr kcErrorMessage
	code := kc(t, ts, base, "PATCH", "/connectors/fs/offsets", back, &kerr)
	kcErrorIs(t, "PATCH offsets while running", code, kerr, http.StatusBadRequest, "Connectors must be in the STOPPED state")
	if code := kc(t, ts, base, "PUT", "/connectors/fs/stop", "", nil); code != http.StatusNoContent {
		t.Fatalf("PUT stop: %d", code)
	}
	code = kc(t, ts, base, "PATCH", "/connectors/fs/offsets", `{"offsets":[{"partition":{"kafka_topic":"words"},"offset":{"kafka_offset":2}}]}`, &kerr)
	kcErrorIs(t, "PATCH without kafka_partition", code, kerr, http.StatusBadRequest, "invalid offsets")
	code = kc(t, ts, base, "PATCH", "/connectors/fs/offsets", `{"offsets":[]}`, &kerr)
	kcErrorIs(t, "PATCH of nothing", code, kerr, http.StatusBadRequest, "The offsets to be modified must not be null or empty")
	var msg kcMessage
	if code := kc(t, ts, base, "PATCH", "/connectors/fs/offsets", back, &msg); code != http.StatusOK ||
		msg.Message != "The offsets for this connector have been altered successfully" {
		t.Fatalf("PATCH offsets: %d %+v", code, msg)
	}
	kc(t, ts, base, "GET", "/connectors/fs/offsets", "", &raw)
	if string(raw) != `{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"words"},"offset":{"kafka_offset":2}}]}` {
		t.Fatalf("offsets after the PATCH: %s", raw)
	}
	if code := kc(t, ts, base, "PUT", "/connectors/fs/resume", "", nil); code != http.StatusAccepted {
		t.Fatalf("PUT resume: %d", code)
	}
	want := append(slices.Clone(vals), "w2", "w3", "w4")
	waitFor(t, "the records from offset 2 again", func() bool { return len(fileLines(t, out)) >= len(want) })
	time.Sleep(300 * time.Millisecond)
	if got := fileLines(t, out); !slices.Equal(got, want) {
		t.Fatalf("the file holds %v, want %v", got, want)
	}
}

// fileLines reads a file sink's lines (none before it exists).
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

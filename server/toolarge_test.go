package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestInsertTooLargeIsBadStatement: a row larger than its topic takes
// (max.message.bytes, about 1 MB by default) is the client's to fix: an
// INSERT VALUES of one gets a 400 statement error saying so, not a 500
// server error, and on /inserts-stream its error ack has a 4xx code and
// the rows after it still land.
func TestInsertTooLargeIsBadStatement(t *testing.T) {
	ts := startEmbedded(t, nil)
	ts.ksql(t, createClicks)
	big := strings.Repeat("x", 2<<20)

	code, _, body := ts.do(t, ts.http, "POST", "/ksql", "", ksqlBody("INSERT INTO clicks (uid, url) VALUES ('u1', '"+big+"');"))
	var e struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%d %.300s: %v", code, body, err)
	}
	if code != http.StatusBadRequest || e.ErrorCode != codeBadStatement || !strings.Contains(e.Message, "max.message.bytes") {
		t.Fatalf("INSERT VALUES of a 2 MiB row: %d %d %q, want 400 %d naming max.message.bytes", code, e.ErrorCode, e.Message, codeBadStatement)
	}

	rows := `{"target":"CLICKS"}` + "\n" + `{"UID":"u1","URL":"` + big + `"}` + "\n" + `{"UID":"u2","URL":"/b"}` + "\n"
	code, _, body = ts.do(t, ts.h2c, "POST", "/inserts-stream", "application/json", rows)
	var acks []struct {
		Status    string `json:"status"`
		Seq       int64  `json:"seq"`
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &acks); err != nil {
		t.Fatalf("%d %.300s: %v", code, body, err)
	}
	if code != http.StatusOK || len(acks) != 2 {
		t.Fatalf("inserts-stream: %d %s", code, body)
	}
	if a := acks[0]; a.Status != "error" || a.ErrorCode != codeBadStatement || !strings.Contains(a.Message, "max.message.bytes") {
		t.Fatalf("ack of the 2 MiB row: %+v, want an error %d naming max.message.bytes", a, codeBadStatement)
	}
	if a := acks[1]; a.Status != "ok" || a.Seq != 1 {
		t.Fatalf("ack of the row after it: %+v, want ok seq 1", a)
	}
}

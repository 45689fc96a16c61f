package server

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/serde"
)

// protoReply is a protobuf query reply, its rows decoded with the
// header's schema.
type protoReply struct {
	contentType string
	header      map[string]any
	rows        []*dynamicpb.Message
	final       string
}

// sameRows compares rows with the expected ones in protobuf text form.
func (r protoReply) sameRows(t *testing.T, want ...string) bool {
	t.Helper()
	if len(r.rows) != len(want) {
		return false
	}
	for i, w := range want {
		m := dynamicpb.NewMessage(r.rows[i].Descriptor())
		if err := prototext.Unmarshal([]byte(w), m); err != nil {
			t.Fatalf("expected row %q: %v", w, err)
		}
		if !proto.Equal(m, r.rows[i]) {
			return false
		}
	}
	return true
}

// queryProto posts a query asking for protobuf rows and decodes the reply.
func queryProto(t *testing.T, ts *testServer, path, body string) protoReply {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.url+path, strings.NewReader(body))
	req.Header.Set("Accept", mediaProtobuf)
	res, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", path, res.StatusCode)
	}
	out := protoReply{contentType: res.Header.Get("Content-Type")}
	var decode func(b []byte) *dynamicpb.Message
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "[")
		line = strings.TrimSuffix(strings.TrimSuffix(line, "]"), ",")
		if line == "" {
			continue
		}
		var elem struct {
			Header *map[string]any `json:"header"`
			Row    *struct {
				ProtobufBytes []byte `json:"protobufBytes"`
			} `json:"row"`
			FinalMessage string          `json:"finalMessage"`
			ErrorMessage json.RawMessage `json:"errorMessage"`
		}
		if err := json.Unmarshal([]byte(line), &elem); err != nil {
			t.Fatalf("bad element %q: %v", line, err)
		}
		switch {
		case elem.Header != nil:
			out.header = *elem.Header
			schema, _ := out.header["protoSchema"].(string)
			md, err := serde.ProtoMessageOf(schema)
			if err != nil {
				t.Fatalf("protoSchema %q: %v", schema, err)
			}
			decode = func(b []byte) *dynamicpb.Message {
				m := dynamicpb.NewMessage(md)
				if err := proto.Unmarshal(b, m); err != nil {
					t.Fatalf("row %x: %v", b, err)
				}
				return m
			}
		case elem.Row != nil:
			if decode == nil {
				t.Fatalf("row before the header: %s", line)
			}
			out.rows = append(out.rows, decode(elem.Row.ProtobufBytes))
		case elem.FinalMessage != "":
			out.final = elem.FinalMessage
		case elem.ErrorMessage != nil:
			t.Fatalf("error in the stream: %s", elem.ErrorMessage)
		}
	}
	return out
}

// TestQueryStreamProtobuf serves a pull query's rows as protobuf: the
// header's proto3 schema (ksqlDB's: maps as repeated entry messages,
// structs as nested messages) decodes every row, nulls left unset.
func TestQueryStreamProtobuf(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM things (id BIGINT KEY, name STRING, score DOUBLE, ok BOOLEAN, tags ARRAY<STRING>, attrs MAP<STRING, INT>, addr STRUCT<city STRING, zip INT>, blob BYTES, ts TIMESTAMP, amount DECIMAL(4, 2)) WITH (kafka_topic='things', value_format='JSON', partitions=1);")
	ts.ksql(t, "CREATE TABLE by_id AS SELECT id, LATEST_BY_OFFSET(name) AS name FROM things GROUP BY id;")
	ts.ksql(t, "INSERT INTO things (id, name, score, ok, tags, attrs, addr, blob, ts, amount) VALUES (1, 'one', 1.5, true, ARRAY['a', 'b'], MAP('x' := 1, 'y' := 2), STRUCT(city := 'Oslo', zip := 150), TO_BYTES('IQ==', 'base64'), FROM_UNIXTIME(1500), 12.34);")
	ts.ksql(t, "INSERT INTO things (id, name) VALUES (2, 'two');")

	const wantSchema = `syntax = "proto3";

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";

message ConnectDefault1 {
  int64 ID = 1;
  string NAME = 2;
  double SCORE = 3;
  bool OK = 4;
  repeated string TAGS = 5;
  repeated ConnectDefault2Entry ATTRS = 6;
  ConnectDefault3 ADDR = 7;
  bytes BLOB = 8;
  google.protobuf.Timestamp TS = 9;
  confluent.type.Decimal AMOUNT = 10 [(confluent.field_meta) = { params: [{ key: "precision", value: "4" }, { key: "scale", value: "2" }] }];

  message ConnectDefault2Entry {
    string key = 1;
    int32 value = 2;
  }

  message ConnectDefault3 {
    string CITY = 1;
    int32 ZIP = 2;
  }
}
`
	wantRows := []string{
		`ID: 1 NAME: "one" SCORE: 1.5 OK: true TAGS: "a" TAGS: "b" ATTRS: { key: "x" value: 1 } ATTRS: { key: "y" value: 2 } ADDR: { CITY: "Oslo" ZIP: 150 } BLOB: "!" TS: { seconds: 1 nanos: 500000000 } AMOUNT: { value: "\x04\xd2" precision: 4 scale: 2 }`,
		`ID: 2 NAME: "two"`,
	}
	check := func(name string, r protoReply, wantFinal string) {
		t.Helper()
		if r.contentType != mediaProtobuf {
			t.Errorf("%s: content type %q", name, r.contentType)
		}
		if got := r.header["protoSchema"]; got != wantSchema {
			t.Errorf("%s: protoSchema\n%v\nwant\n%s", name, got, wantSchema)
		}
		if got := r.header["schema"]; !strings.HasPrefix(got.(string), "`ID` BIGINT") {
			t.Errorf("%s: schema %v", name, got)
		}
		if !r.sameRows(t, wantRows...) {
			t.Errorf("%s: rows\n%v\nwant\n%s", name, r.rows, strings.Join(wantRows, "\n"))
		}
		if r.final != wantFinal {
			t.Errorf("%s: final message %q, want %q", name, r.final, wantFinal)
		}
	}
	check("/query-stream", queryProto(t, ts, "/query-stream", streamBody("SELECT * FROM things;")), "Query Completed")
	check("/query", queryProto(t, ts, "/query", queryBody("SELECT * FROM things;")), "Query Completed")

	// A table pull closes the array without a final message, as in JSON.
	r := queryProto(t, ts, "/query-stream", streamBody("SELECT * FROM by_id WHERE id = 2;"))
	if want := "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n  int64 ID = 1;\n  string NAME = 2;\n}\n"; r.header["protoSchema"] != want {
		t.Errorf("table pull: protoSchema %q, want %q", r.header["protoSchema"], want)
	}
	if !r.sameRows(t, `ID: 2 NAME: "two"`) || r.final != "" {
		t.Errorf("table pull: rows %q, final %q", r.rows, r.final)
	}
}

// TestQueryStreamProtobufUnsupported refuses, before any output, a
// result PROTOBUF cannot carry.
func TestQueryStreamProtobufUnsupported(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM nested (id INT KEY, v ARRAY<ARRAY<INT>>) WITH (kafka_topic='nested', value_format='JSON', partitions=1);")
	code, hdr, body := ts.do(t, ts.http, "POST", "/query-stream", mediaProtobuf, streamBody("SELECT * FROM nested;"))
	if code != http.StatusBadRequest || !strings.Contains(body, "cannot be served as protobuf") || !strings.Contains(hdr.Get("Content-Type"), "json") {
		t.Errorf("got %d %s %s", code, hdr.Get("Content-Type"), body)
	}
}

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/serde"
)

// pushRows runs a push query with a LIMIT and returns its rows' columns
// as text.
func pushRows(t *testing.T, e *Engine, q string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var rows []string
	err := e.Stream(ctx, q, nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, fmt.Sprintf("%v", r.Row.Columns))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v (rows %v)", q, err, rows)
	}
	return rows
}

// protobufSinkThroughInference makes PROTOBUF sink (its topic the
// upper-cased name) selecting columns from two records of s1, waits
// until both are in its topic, then declares stream x over the topic by
// schema inference and returns the rows of read from it.
func protobufSinkThroughInference(t *testing.T, e *Engine, sink, columns, read string) []string {
	t.Helper()
	mustExec(t, e, "CREATE STREAM s1 (id BIGINT) WITH (kafka_topic='s1', value_format='JSON', partitions=1);")
	mustExec(t, e, "INSERT INTO s1 (id) VALUES (1);")
	mustExec(t, e, "INSERT INTO s1 (id) VALUES (2);")
	mustExec(t, e, "CREATE STREAM "+sink+" WITH (VALUE_FORMAT='PROTOBUF') AS SELECT "+columns+" FROM s1;")
	pushRows(t, e, "SELECT * FROM "+sink+" EMIT CHANGES LIMIT 2;")
	mustExec(t, e, "CREATE STREAM x WITH (kafka_topic='"+strings.ToUpper(sink)+"', value_format='PROTOBUF');")
	return pushRows(t, e, read)
}

// decimalMapSink makes a PROTOBUF sink with a MAP of DECIMAL values and
// reads the map's values through a stream inferred over its topic.
func decimalMapSink(t *testing.T, e *Engine) []string {
	t.Helper()
	return protobufSinkThroughInference(t, e, "s2",
		"id, MAP('a' := CAST(1.5 AS DECIMAL(4,2)), 'b' := CAST(id * 0.25 AS DECIMAL(4,2))) AS m",
		"SELECT id, m['a'] AS a, m['b'] AS b FROM x EMIT CHANGES LIMIT 2;")
}

// TestProtobufDecimalMapThroughInference: a stream inferred over a
// PROTOBUF sink with a MAP<STRING, DECIMAL(4,2)> column reads the map's
// values as DECIMAL(4,2), exactly (it read DECIMAL(64,0): 1.50 became 2).
func TestProtobufDecimalMapThroughInference(t *testing.T) {
	e, _, _ := registryEngine(t, nil)
	got := decimalMapSink(t, e)
	want := []string{"[1 1.50 0.25]", "[2 1.50 0.50]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if d, _ := json.Marshal(mustExec(t, e, "DESCRIBE x;")); !strings.Contains(string(d), "DECIMAL(4, 2)") {
		t.Errorf("X described as %s, want a MAP of DECIMAL(4, 2)", d)
	}
}

// TestProtobufDecimalMapKeepsLegacySchema: a sink whose value subject
// already holds the schema eddy registered before (map<string,
// confluent.type.Decimal> with the options on the map field), as after a
// restart that replays the CREATE ... AS SELECT, keeps that schema (the
// entry-message shape is not BACKWARD compatible with it, so the
// registration was refused) and a stream inferred over its topic reads
// the values exactly.
func TestProtobufDecimalMapKeepsLegacySchema(t *testing.T) {
	e, _, rc := registryEngine(t, nil)
	legacy := "syntax = \"proto3\";\n\nimport \"confluent/meta.proto\";\nimport \"confluent/type/decimal.proto\";\n\nmessage ConnectDefault1 {\n  int64 ID = 1;\n  map<string, confluent.type.Decimal> M = 2 [(confluent.field_meta) = { params: [{ key: \"precision\", value: \"4\" }, { key: \"scale\", value: \"2\" }] }];\n}\n"
	id, err := rc.Register("S2-value", serde.RegSchema{Type: "PROTOBUF", Schema: legacy})
	if err != nil {
		t.Fatal(err)
	}
	got := decimalMapSink(t, e)
	want := []string{"[1 1.50 0.25]", "[2 1.50 0.50]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if latest, _, err := rc.Latest("S2-value"); err != nil || latest != id {
		t.Fatalf("latest value schema id %d (%v), want the legacy one %d", latest, err, id)
	}
}

// mapSink makes a PROTOBUF sink S3 with a MAP of strings and a STRUCT
// after it and reads them through a stream inferred over its topic.
func mapSink(t *testing.T, e *Engine) []string {
	t.Helper()
	return protobufSinkThroughInference(t, e, "s3",
		"id, MAP('a' := 'x', 'b' := CAST(id AS STRING)) AS m, STRUCT(n := CAST(id AS INT)) AS s",
		"SELECT id, m['a'] AS a, m['b'] AS b, s->n AS n FROM x EMIT CHANGES LIMIT 2;")
}

// TestProtobufMapSinkOverKsqlDBSubject: a sink whose value subject holds
// the schema ksqlDB registered for it (each map a repeated
// ConnectDefaultNEntry message, which takes a number, so the struct after
// it is ConnectDefault3), as when a ksqlDB deployment's queries move to
// eddy, is made: eddy declares maps as ksqlDB does. It declared
// map<string, string> and named the struct ConnectDefault2, which the
// registry refused as not BACKWARD compatible.
func TestProtobufMapSinkOverKsqlDBSubject(t *testing.T) {
	e, _, rc := registryEngine(t, nil)
	const ksqldb = `syntax = "proto3";

message ConnectDefault1 {
  int64 ID = 1;
  repeated ConnectDefault2Entry M = 2;
  ConnectDefault3 S = 3;

  message ConnectDefault2Entry {
    string key = 1;
    string value = 2;
  }
  message ConnectDefault3 {
    int32 N = 1;
  }
}
`
	if _, err := rc.Register("S3-value", serde.RegSchema{Type: "PROTOBUF", Schema: ksqldb}); err != nil {
		t.Fatal(err)
	}
	got := mapSink(t, e)
	want := []string{"[1 x 1 1]", "[2 x 2 2]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	_, rs, err := rc.Latest("S3-value")
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range []string{"repeated ConnectDefault2Entry M = 2;", "ConnectDefault3 S = 3;"} {
		if !strings.Contains(rs.Schema, decl) {
			t.Errorf("latest S3-value schema lacks %q:\n%s", decl, rs.Schema)
		}
	}
}

// TestProtobufMapSinkKeepsNativeMaps: a sink whose value subject holds
// the map<string, string> an earlier eddy registered keeps declaring its
// maps so (a restart replaying the CREATE ... AS SELECT over a data
// directory of that eddy): the entries would be refused.
func TestProtobufMapSinkKeepsNativeMaps(t *testing.T) {
	e, _, rc := registryEngine(t, nil)
	const earlier = `syntax = "proto3";

message ConnectDefault1 {
  int64 ID = 1;
  map<string, string> M = 2;
  ConnectDefault2 S = 3;

  message ConnectDefault2 {
    int32 N = 1;
  }
}
`
	id, err := rc.Register("S3-value", serde.RegSchema{Type: "PROTOBUF", Schema: earlier})
	if err != nil {
		t.Fatal(err)
	}
	got := mapSink(t, e)
	want := []string{"[1 x 1 1]", "[2 x 2 2]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if latest, _, err := rc.Latest("S3-value"); err != nil || latest != id {
		t.Fatalf("latest value schema id %d (%v), want the earlier one %d", latest, err, id)
	}
}

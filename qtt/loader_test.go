package qtt

import (
	"strings"
	"testing"
)

const loaderJSON = `{
  "comments": ["x"],
  "tests": [
    // a comment line
    {
      "name": "plain",
      "statements": ["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='{FORMAT}');"],
      "inputs": [{"topic": "t", "value": {"ID": 1.10}, "timestamp": 5}],
      "outputs": [{"topic": "t", "value": {"ID": 1.10}}]
    },
    {
      "name": "formats",
      "format": ["JSON", "AVRO"],
      "config": ["true", "false"],
      "properties": {"ksql.new.query.planner.enabled": "{CONFIG}", "ksql.functions.collect_set.limit": 1, "b": false},
      "statements": ["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='{FORMAT}');"]
    },
    {
      "name": "off",
      "enabled": false,
      "statements": ["x"]
    }
  ]
}`

func TestLoaderExpansion(t *testing.T) {
	vs, err := parseFile("dir/my-file.json", []byte(loaderJSON))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	want := []string{
		"my-file - plain",
		"my-file - formats - JSON - ksql.new.query.planner.enabled=true",
		"my-file - formats - JSON - ksql.new.query.planner.enabled=false",
		"my-file - formats - AVRO - ksql.new.query.planner.enabled=true",
		"my-file - formats - AVRO - ksql.new.query.planner.enabled=false",
		"my-file - off",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ids:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(vs[0].Statements[0], formatPlaceholderError) {
		t.Errorf("missing format list should poison {FORMAT}: %s", vs[0].Statements[0])
	}
	if got := vs[3].Statements[0]; !strings.Contains(got, "value_format='AVRO'") {
		t.Errorf("format not substituted: %s", got)
	}
	p := vs[2].Properties
	if p["ksql.new.query.planner.enabled"] != "false" || p["ksql.functions.collect_set.limit"] != "1" || p["b"] != "false" {
		t.Errorf("properties: %v", p)
	}
	if vs[5].Skip != "disabled" || vs[0].Skip != "" {
		t.Errorf("skip: %q %q", vs[5].Skip, vs[0].Skip)
	}
	in := vs[0].Case.Inputs[0]
	if string(in.Value) != `{"ID": 1.10}` || in.Timestamp == nil || *in.Timestamp != 5 {
		t.Errorf("input kept as raw text: %s %v", in.Value, in.Timestamp)
	}
}

func TestStripComments(t *testing.T) {
	in := "{\n  // c1\n\t// c2\n  \"a\": \"http://x\" // not a line comment\n}"
	got := string(stripComments([]byte(in)))
	if strings.Contains(got, "c1") || strings.Contains(got, "c2") || !strings.Contains(got, "http://x") {
		t.Fatalf("got %q", got)
	}
	if strings.Count(got, "\n") != strings.Count(in, "\n") {
		t.Errorf("line count changed")
	}
}

func TestLoaderBadJSON(t *testing.T) {
	if _, err := parseFile("x.json", []byte(`{"tests": [`)); err == nil {
		t.Fatal("expected an error")
	}
}

package qtt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/types"
)

func TestNormalizeSchema(t *testing.T) {
	same := [][2]string{
		{"ID BIGINT KEY, V STRING", "`ID` BIGINT KEY, `V` STRING"},
		{"id int key, `v` varchar", "`ID` INTEGER KEY, `v` STRING"},
		{"FOO MAP<STRING, INT>", "`FOO` MAP<STRING, INTEGER>"},
		{"S STRUCT<A INT, `b` VARCHAR>, D DECIMAL(4,2)", "`S` STRUCT<`A` INTEGER, `b` STRING>, `D` DECIMAL(4, 2)"},
		{"`INT` INT", "`INT` INTEGER"},
		{"K INT PRIMARY KEY, V INT", "`K` INTEGER KEY, `V` INTEGER"},
		{"A ARRAY<STRUCT<X INT>>, H BYTES HEADER('k')", "`A` ARRAY<STRUCT<`X` INTEGER>>, `H` BYTES HEADER('k')"},
	}
	for _, c := range same {
		if a, b := normalizeSchema(c[0]), normalizeSchema(c[1]); a != b {
			t.Errorf("%q vs %q:\n %s\n %s", c[0], c[1], a, b)
		}
	}
	differ := [][2]string{
		{"`v` STRING", "`V` STRING"},
		{"ID INT KEY", "ID INT"},
		{"D DECIMAL(4,2)", "D DECIMAL(4,1)"},
	}
	for _, c := range differ {
		if normalizeSchema(c[0]) == normalizeSchema(c[1]) {
			t.Errorf("%q and %q should differ", c[0], c[1])
		}
	}
}

func TestNormalizeSchemaMatchesTypesString(t *testing.T) {
	s := &types.Schema{Columns: []types.Column{
		{Name: "K", Type: types.StringType, Namespace: types.KeyColumn},
		{Name: "m", Type: types.MapOf(types.StringType, types.DecimalOf(4, 2))},
	}}
	if normalizeSchema("K STRING KEY, `m` MAP<VARCHAR, DECIMAL(4, 2)>") != normalizeSchema(s.String()) {
		t.Fatalf("mismatch with %s", s.String())
	}
}

func postFrom(t *testing.T, s string) *postSpec {
	t.Helper()
	var p postSpec
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestCheckPost(t *testing.T) {
	srcs := []*sourceInfo{{
		Name:    "OUTPUT",
		IsTable: true,
		Topic:   "OUTPUT",
		Schema: &types.Schema{Columns: []types.Column{
			{Name: "ID", Type: types.IntType, Namespace: types.KeyColumn},
			{Name: "COUNT", Type: types.BigintType},
		}},
		KeyFormat:   format{Name: "KAFKA"},
		ValueFormat: format{Name: "JSON", Props: map[string]string{"WRAP_SINGLE_VALUE": "false"}},
		Window:      &windowInfo{Type: "TUMBLING", SizeMs: 30000},
	}}
	topics := []kafka.TopicInfo{{Name: "OUTPUT", Partitions: 4}, {Name: "_confluent-ksql-some.ksql.service.idquery_CTAS_OUTPUT_0-Aggregate-Materialize-changelog", Partitions: 4}}
	good := `{"sources": [{"name": "OUTPUT", "type": "table", "schema": "ID INT KEY, COUNT BIGINT",
	  "keyFormat": {"format": "KAFKA", "windowType": "TUMBLING", "windowSize": 30000}, "valueFormat": "JSON",
	  "valueFeatures": ["UNWRAP_SINGLES"], "keyFeatures": []}],
	  "topics": {"blacklist": ".*-repartition", "topics": [{"name": "OUTPUT", "partitions": 4,
	  "keyFormat": {"format": "KAFKA", "windowInfo": {"type": "TUMBLING", "size": 30.0}}}]}}`
	if err := checkPost(postFrom(t, good), srcs, topics, nil, nil); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"missing":    `{"sources": [{"name": "NOPE"}]}`,
		"type":       `{"sources": [{"name": "OUTPUT", "type": "stream"}]}`,
		"schema":     `{"sources": [{"name": "OUTPUT", "schema": "ID INT KEY, COUNT INT"}]}`,
		"format":     `{"sources": [{"name": "OUTPUT", "valueFormat": "AVRO"}]}`,
		"window":     `{"sources": [{"name": "OUTPUT", "keyFormat": {"format": "KAFKA", "windowType": "SESSION"}}]}`,
		"blacklist":  `{"topics": {"blacklist": ".*-changelog"}}`,
		"topic":      `{"topics": {"topics": [{"name": "OTHER"}]}}`,
		"partitions": `{"topics": {"topics": [{"name": "OUTPUT", "partitions": 1}]}}`,
		"features":   `{"sources": [{"name": "OUTPUT", "valueFeatures": []}]}`,
	}
	for name, s := range bad {
		if err := checkPost(postFrom(t, s), srcs, topics, nil, nil); err == nil {
			t.Errorf("%s: expected a failure", name)
		} else if !strings.HasPrefix(err.Error(), "post ") {
			t.Errorf("%s: message %q", name, err)
		}
	}
}

package planner

import (
	"strings"
	"testing"
)

// An aggregate whose intermediate state is an ARRAY, MAP or STRUCT cannot
// be stored in a format that has no such types (DELIMITED); one with a
// primitive state can, and other formats hold any state.
func TestPlannerIntermediateStateFormat(t *testing.T) {
	ms := catalog(t, `
CREATE STREAM d (id STRING KEY, v INT, x DOUBLE, name STRING) WITH (kafka_topic='d', value_format='DELIMITED', partitions=1);
CREATE STREAM j (id STRING KEY, v INT, x DOUBLE, name STRING) WITH (kafka_topic='j', value_format='JSON', partitions=1);
CREATE STREAM dj (id STRING KEY, w INT) WITH (kafka_topic='dj', value_format='DELIMITED', partitions=1);
`)
	const msg = "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format."
	for _, q := range []string{
		"CREATE TABLE out AS SELECT id, AVG(v) AS a FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, CORRELATION(x, x) AS c FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, COUNT(*) AS n, TOPK(v, 3) AS t FROM d GROUP BY id;",
		// A join's aggregation stores state in its leftmost source's format.
		"CREATE TABLE out AS SELECT d.id, AVG(d.v) AS a FROM d JOIN j WITHIN 1 HOUR ON d.id = j.id GROUP BY d.id;",
	} {
		if _, err := planCSAS(t, ms, q); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", q, err, msg)
		}
	}
	for _, q := range []string{
		"CREATE TABLE out AS SELECT id, SUM(v) AS s, COUNT(*) AS n, MAX(name) AS m FROM d GROUP BY id;",
		"CREATE TABLE out AS SELECT id, AVG(v) AS a FROM j GROUP BY id;",
		"CREATE TABLE out AS SELECT j.id, AVG(j.v) AS a FROM j JOIN dj WITHIN 1 HOUR ON j.id = dj.id GROUP BY j.id;",
	} {
		if _, err := planCSAS(t, ms, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

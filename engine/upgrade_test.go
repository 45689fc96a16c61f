package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// CREATE OR REPLACE refuses what ksqlDB refuses, before touching the
// running query: a changed key, a value column removed, moved or
// retyped, another topic, a changed aggregation, and any change to a
// join, a windowed aggregation or a table function. The refused
// statement leaves the old query and catalog entry as they were.
func TestCreateOrReplaceRefusesIncompatibleUpgrades(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM a (id INT KEY, col1 INT, col2 INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE t (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM b AS SELECT id, col1, col2 FROM a;")
	mustExec(t, e, "CREATE TABLE cnt AS SELECT id, COUNT(*) AS n FROM a GROUP BY id;")
	mustExec(t, e, "CREATE STREAM j AS SELECT a.id, a.col1, t.v FROM a JOIN t ON a.id = t.id;")
	mustExec(t, e, "CREATE TABLE w AS SELECT id, COUNT(*) AS n FROM a WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY id;")
	mustExec(t, e, "CREATE STREAM x AS SELECT id, EXPLODE(ARRAY[col1]) AS e FROM a;")
	expectPlanErrors(t, e, map[string]string{
		"CREATE OR REPLACE STREAM b AS SELECT id, col2, col1 FROM a;":                                                                "Cannot upgrade data source: DataSource 'B' has schema = `ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER which is not upgradeable to `ID` INTEGER KEY, `COL2` INTEGER, `COL1` INTEGER. (The following columns are changed, missing or reordered: [`COL1` INTEGER, `COL2` INTEGER])",
		"CREATE OR REPLACE STREAM b AS SELECT id, col1 FROM a;":                                                                      "Cannot upgrade data source: DataSource 'B' has schema = `ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER which is not upgradeable to `ID` INTEGER KEY, `COL1` INTEGER. (The following columns are changed, missing or reordered: [`COL2` INTEGER])",
		"CREATE OR REPLACE STREAM b AS SELECT id, col1, CAST(col2 AS STRING) AS col2 FROM a;":                                        "Cannot upgrade data source: DataSource 'B' has schema = `ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER which is not upgradeable to `ID` INTEGER KEY, `COL1` INTEGER, `COL2` STRING. (The following columns are changed, missing or reordered: [`COL2` INTEGER])",
		"CREATE OR REPLACE STREAM b AS SELECT * FROM a PARTITION BY col1;":                                                           "Cannot upgrade data source: DataSource 'B' has schema = `ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER which is not upgradeable to `COL1` INTEGER KEY, `COL2` INTEGER, `ID` INTEGER. (Key columns must be identical. The following key columns are changed, missing or reordered: [`ID` INTEGER KEY])",
		"CREATE OR REPLACE STREAM b WITH (KAFKA_TOPIC='elsewhere') AS SELECT * FROM a;":                                              "Cannot upgrade data source: DataSource 'B' has topic = B (key KAFKA, value JSON) which is not upgradeable to elsewhere (key KAFKA, value JSON)",
		"CREATE OR REPLACE TABLE cnt AS SELECT id, COUNT(col1) AS n FROM a GROUP BY id;":                                             "Query is not upgradeable. Plan step of type StreamAggregate must have matching columns not part of aggregate. Values differ: [`ID`, `ROWTIME`] vs. [`ID`, `COL1`]",
		"CREATE OR REPLACE TABLE cnt AS SELECT id, COUNT(*) AS n FROM a WHERE col2 > 0 GROUP BY id;":                                 "Query is not upgradeable. Plan step of type StreamAggregate must have matching columns not part of aggregate. Values differ: [`ID`, `ROWTIME`] vs. [`ID`, `ROWTIME`, `COL2`]",
		"CREATE OR REPLACE STREAM j AS SELECT a.id, a.col1, t.v FROM a JOIN t ON a.id = t.id WHERE a.col1 > 0;":                      "Upgrades not yet supported for StreamTableJoin",
		"CREATE OR REPLACE TABLE w AS SELECT id, COUNT(*) AS n FROM a WINDOW TUMBLING (SIZE 30 SECONDS) WHERE col1 > 0 GROUP BY id;": "Upgrades not yet supported for StreamWindowedAggregate",
		"CREATE OR REPLACE STREAM x AS SELECT id, EXPLODE(ARRAY[col1, col2]) AS e FROM a;":                                           "Upgrades not yet supported for StreamFlatMap",
	})
	expectExecErrors(t, e, map[string]string{
		"CREATE OR REPLACE STREAM a (id INT KEY, col1 INT) WITH (kafka_topic='a', value_format='JSON');": "Cannot upgrade data source: DataSource 'A' has schema = `ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER which is not upgradeable to `ID` INTEGER KEY, `COL1` INTEGER. (The following columns are changed, missing or reordered: [`COL2` INTEGER])",
	})
	if got := e.Metastore().Source("B").Schema.String(); got != "`ID` INTEGER KEY, `COL1` INTEGER, `COL2` INTEGER" {
		t.Errorf("after refused upgrades B is %s", got)
	}
}

// What ksqlDB lets CREATE OR REPLACE change, it changes in place: a
// stream's filter and trailing columns, an aggregation's filter over the
// columns it already reads, and a source's trailing columns; the
// aggregation goes on counting from its state.
func TestCreateOrReplaceUpgradesInPlace(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM a (id STRING KEY, col1 INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM b AS SELECT id, col1 FROM a;")
	mustExec(t, e, "CREATE TABLE cnt AS SELECT id, COUNT(col1) AS n FROM a GROUP BY id;")
	mustExec(t, e, "INSERT INTO a (id, col1) VALUES ('k', 0);")
	waitValue(t, cl, "CNT", `k|{"N":1}`)

	mustExec(t, e, "CREATE OR REPLACE STREAM a (id STRING KEY, col1 INT, col2 INT) WITH (kafka_topic='a', value_format='JSON');")
	mustExec(t, e, "CREATE OR REPLACE STREAM b AS SELECT id, col1, col2 FROM a WHERE col1 > 0;")
	mustExec(t, e, "CREATE OR REPLACE TABLE cnt AS SELECT id, COUNT(col1) AS n FROM a WHERE col1 > 0 GROUP BY id;")
	mustExec(t, e, "INSERT INTO a (id, col1, col2) VALUES ('k', 0, 5);")
	mustExec(t, e, "INSERT INTO a (id, col1, col2) VALUES ('k', 7, 8);")
	waitValue(t, cl, "B", `k|{"COL1":7,"COL2":8}`)
	waitValue(t, cl, "CNT", `k|{"N":2}`)
	time.Sleep(100 * time.Millisecond) // a wrongly passed record would follow
	if got := values(t, cl, "B"); !slices.Equal(got, []string{`k|{"COL1":0}`, `k|{"COL1":7,"COL2":8}`}) {
		t.Errorf("B holds %q: the replaced filter let a row through or lost one", got)
	}
	if got := e.Metastore().Source("B").Schema.String(); got != "`ID` STRING KEY, `COL1` INTEGER, `COL2` INTEGER" {
		t.Errorf("B is %s after its upgrade", got)
	}
}

// waitValue polls topic until one of its records reads want (key|value)
// or a minute passes (a bound on a hang, not a speed assertion).
func waitValue(t *testing.T, cl kafka.Cluster, topic, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !slices.Contains(values(t, cl, topic), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no record %s in %q", topic, want, values(t, cl, topic))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A CAST names a type CREATE TYPE made, alone or inside a collection, in
// a query and in INSERT VALUES, as ksqlDB resolves them; an unknown name
// fails with ksqlDB's message.
func TestCastToCustomType(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE TYPE pair AS STRUCT<a STRING, b STRING>;")
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v STRING) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM o AS SELECT k, CAST(STRUCT(a := v) AS pair) AS p, CAST(ARRAY[STRUCT(b := v)] AS ARRAY<pair>) AS ps FROM s;")
	mustExec(t, e, "INSERT INTO s (k, v) VALUES ('x', CAST(STRUCT(a := 'q') AS pair)->a);")
	waitValue(t, cl, "O", `x|{"P":{"A":"q","B":null},"PS":[{"A":null,"B":"q"}]}`)
	expectPlanErrors(t, e, map[string]string{
		"CREATE STREAM bad AS SELECT CAST(v AS nope) AS p FROM s;": "Cannot resolve unknown type: NOPE",
	})
}

package planner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
)

const keyFormatsDDL = `
CREATE STREAM SK (ID INT KEY, A STRING) WITH (kafka_topic='sk', key_format='KAFKA', value_format='JSON', partitions=2);
CREATE STREAM SD (ID INT KEY, B STRING) WITH (kafka_topic='sd', key_format='DELIMITED', value_format='JSON', partitions=2);
CREATE STREAM SJ (ID INT KEY, C STRING) WITH (kafka_topic='sj', key_format='JSON', value_format='JSON', partitions=2);
CREATE STREAM SN (ID INT, D STRING) WITH (kafka_topic='sn', key_format='NONE', value_format='JSON', partitions=2);
CREATE TABLE TK (ID INT PRIMARY KEY, E STRING) WITH (kafka_topic='tk', key_format='KAFKA', value_format='JSON', partitions=2);
CREATE TABLE TD (ID INT PRIMARY KEY, F STRING) WITH (kafka_topic='td', key_format='DELIMITED', value_format='JSON', partitions=2);
`

// internalSuffixes are the plan's internal topics without the query's
// prefix.
func internalSuffixes(plan *QueryPlan) []string {
	var out []string
	for _, t := range plan.InternalTopics {
		out = append(out, strings.TrimPrefix(t, "_confluent-ksql-test_query_OUT-"))
	}
	return out
}

// joinStores lists the store names the plan's joins give the runtime.
func joinStores(plan *QueryPlan) [][]string {
	var out [][]string
	seen := map[*runtime.JoinSpec]bool{}
	var walk func(op runtime.Op)
	walk = func(op runtime.Op) {
		for op != nil {
			var j *runtime.JoinSpec
			switch v := op.(type) {
			case *runtime.JoinLeft:
				j = v.J
			case *runtime.JoinRight:
				j = v.J
			case *runtime.Repartition:
				return
			}
			if j != nil {
				if seen[j] {
					return
				}
				seen[j] = true
				out = append(out, j.Stores)
			}
			next := runtime.NextOps(op)
			op = nil
			if len(next) == 1 {
				op = next[0]
			}
		}
	}
	for _, in := range plan.Inputs {
		if in.Internal != nil {
			walk(in.Internal.Next)
		} else {
			walk(in.Next)
		}
	}
	return out
}

// TestJoinKeyFormatRepartitions: a join side whose key format differs from
// the join's (the left side's when it is read as it is) is repartitioned
// into the join's format, under ksqlDB's topic names.
func TestJoinKeyFormatRepartitions(t *testing.T) {
	ms := catalog(t, keyFormatsDDL)
	for _, c := range []struct {
		query string
		want  []string
	}{
		// Same key format: co-partitioned as they are.
		{"CREATE STREAM OUT AS SELECT SK.ID, A FROM SK JOIN SK2 WITHIN 1 SECOND ON SK.ID = SK2.ID;", nil},
		// The right side takes the left's format.
		{"CREATE STREAM OUT AS SELECT SD.ID, A FROM SD JOIN SK WITHIN 1 SECOND ON SD.ID = SK.ID;", []string{"Join-right-repartition"}},
		{"CREATE STREAM OUT AS SELECT SD.ID, E FROM SD JOIN TK ON SD.ID = TK.ID;", []string{"RightSourceKeyed-SelectKey-repartition"}},
		{"CREATE TABLE OUT AS SELECT TK.ID, F FROM TK JOIN TD ON TK.ID = TD.ID;", []string{"RightSourceKeyed-SelectKey-repartition"}},
		// A re-keyed left side has no preference: it takes the right's.
		{"CREATE STREAM OUT AS SELECT SN.ID, B FROM SN JOIN SD WITHIN 1 SECOND ON SN.ID = SD.ID;", []string{"Join-left-repartition"}},
		// Three sources: the inner join shares the outer one's format.
		{"CREATE STREAM OUT AS SELECT SK.ID, B, C FROM SK JOIN SD WITHIN 1 SECOND ON SK.ID = SD.ID JOIN SJ WITHIN 1 SECOND ON SK.ID = SJ.ID;",
			[]string{"L_Join-right-repartition", "Join-right-repartition"}},
	} {
		src := strings.ReplaceAll(c.query, "SK2", "SKB")
		ms2 := ms
		if strings.Contains(c.query, "SK2") {
			ms2 = catalog(t, keyFormatsDDL+"CREATE STREAM SKB (ID INT KEY, G STRING) WITH (kafka_topic='skb', key_format='KAFKA', value_format='JSON', partitions=2);")
		}
		plan := mustPlan(t, ms2, src)
		if got := internalSuffixes(plan); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\ninternal topics %v, want %v", src, got, c.want)
		}
	}
}

// TestJoinStoreNames: stream-stream joins keep a store per side named by
// Kafka Streams' node counter; a repartitioned table side's store is named
// for it.
func TestJoinStoreNames(t *testing.T) {
	ms := catalog(t, keyFormatsDDL)
	for _, c := range []struct {
		query string
		want  [][]string
	}{
		{"CREATE STREAM OUT AS SELECT SD.ID, C FROM SD JOIN SJ WITHIN 1 SECOND ON SD.ID = SJ.ID;",
			[][]string{{"KSTREAM-JOINTHIS-0000000012-store", "KSTREAM-JOINOTHER-0000000013-store"}}},
		{"CREATE STREAM OUT AS SELECT SD.ID, C FROM SD LEFT JOIN SJ WITHIN 1 SECOND ON SD.ID = SJ.ID;",
			[][]string{{"KSTREAM-JOINTHIS-0000000012-store", "KSTREAM-OUTEROTHER-0000000013-store"}}},
		{"CREATE STREAM OUT AS SELECT ROWKEY, B FROM SN FULL JOIN SD WITHIN 1 SECOND ON SN.ID = SD.ID;",
			[][]string{{"KSTREAM-OUTERTHIS-0000000012-store", "KSTREAM-OUTEROTHER-0000000013-store"}}},
		{"CREATE STREAM OUT AS SELECT SD.ID, E FROM SD JOIN TK ON SD.ID = TK.ID;",
			[][]string{{"RightSourceKeyed-Materialize"}}},
		{"CREATE TABLE OUT AS SELECT TK.ID, F FROM TK JOIN TD ON TK.ID = TD.ID;",
			[][]string{{"KafkaTopic_Left-Reduce", "RightSourceKeyed-Materialize"}}},
	} {
		plan := mustPlan(t, ms, c.query)
		if got := joinStores(plan); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\nstores %v, want %v", c.query, got, c.want)
		}
	}
}

// TestJoinCriteriaChecks: every join's criteria are validated before any
// join is planned, with ksqlDB's messages.
func TestJoinCriteriaChecks(t *testing.T) {
	ms := catalog(t, keyFormatsDDL+`
CREATE TABLE T2 (ID INT PRIMARY KEY, V0 BIGINT) WITH (kafka_topic='t2', value_format='JSON', partitions=2);
CREATE TABLE T3 (ID INT PRIMARY KEY, V0 BIGINT) WITH (kafka_topic='t3', value_format='JSON', partitions=3);`)
	for _, c := range []struct{ query, want string }{
		{"CREATE STREAM OUT AS SELECT * FROM SK JOIN T2 ON SK.A = T2.V0 JOIN T3 ON SK.A = SK.A;",
			"Each side of the join must reference exactly one source and not the same source. Left side references `SK` and right references `SK`"},
		{"CREATE STREAM OUT AS SELECT * FROM SK JOIN T2 ON SK.ID = T2.ID JOIN T3 ON SK.ID = T2.ID;",
			"A join criteria is expected to reference the source (`T3`) in the FROM clause, instead the right source references `T2` and the left source references `SK`"},
		{"CREATE STREAM OUT AS SELECT * FROM T2 JOIN T3 ON T2.ID = T3.ID JOIN SK ON T2.ID = SK.ID;",
			"Invalid join order: table-stream joins are not supported; only stream-table joins. Got T2 [INNER] JOIN SK."},
	} {
		_, err := planCSAS(t, ms, c.query)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\nerror %v, want %q", c.query, err, c.want)
		}
	}
	// Partition counts are checked when the planner can see them.
	stmts := "CREATE STREAM OUT AS SELECT * FROM SK JOIN T2 ON SK.ID = T2.ID JOIN T3 ON SK.ID = T3.ID;"
	parts := map[string]int32{"sk": 2, "t2": 2, "t3": 3}
	_, err := planCSASWith(t, ms, stmts, func(topic string) (int32, bool) { n, ok := parts[topic]; return n, ok })
	want := "Can't join `SK` with `T3` since the number of partitions don't match. `SK` partitions = 2; `T3` partitions = 3. Please repartition either one so that the number of partitions match."
	if err == nil || err.Error() != want {
		t.Errorf("partition mismatch: error %v, want %q", err, want)
	}
}

// planCSASWith is planCSAS with the topics' partition counts known.
func planCSASWith(t *testing.T, ms *metastore.Metastore, text string, parts func(string) (int32, bool)) (*QueryPlan, error) {
	t.Helper()
	stmts, err := sql.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p := New(ms, expr.NewRegistry(), nil, nil)
	p.AppID = "_confluent-ksql-test_query_OUT"
	p.Partitions = parts
	return p.PlanQuery(stmts[0].(*sql.CreateAsSelect).Query, Persistent, "OUT")
}

// TestSyntheticJoinKeyName: a synthetic join key is named ROWKEY, or the
// first ROWKEY_n no source column is called; and a key equal to an
// earlier join's column is not synthetic.
func TestSyntheticJoinKeyName(t *testing.T) {
	ms := catalog(t, `
CREATE TABLE L (ROWKEY INT PRIMARY KEY, ROWKEY_1 INT, ROWKEY_2 INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE TABLE R (ROWKEY_3 INT PRIMARY KEY, ROWKEY_4 INT, ROWKEY_5 INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM S1 (ID INT KEY, V0 BIGINT) WITH (kafka_topic='s1', value_format='JSON', partitions=1);
CREATE STREAM S2 (ID INT KEY, V0 BIGINT) WITH (kafka_topic='s2', value_format='JSON', partitions=1);
CREATE STREAM S3 (ID INT KEY, V0 BIGINT) WITH (kafka_topic='s3', value_format='JSON', partitions=1);`)
	plan := mustPlan(t, ms, "CREATE TABLE OUT AS SELECT ROWKEY_6, L.ROWKEY, R.ROWKEY_3 FROM L FULL OUTER JOIN R ON L.ROWKEY = R.ROWKEY_3;")
	if got := keyNames(plan); got != "ROWKEY_6" {
		t.Errorf("synthetic key %q, want ROWKEY_6", got)
	}
	plan = mustPlan(t, ms, "CREATE STREAM OUT AS SELECT S1.ID, S1.V0, S2.V0, S3.V0 FROM S1 JOIN S2 WITHIN 10 SECONDS ON S1.ID = ABS(S2.ID) JOIN S3 WITHIN 10 SECONDS ON ABS(S2.ID) = ABS(S3.ID);")
	if got := keyNames(plan); got != "S1_ID" {
		t.Errorf("key %q, want S1_ID (S1.ID equals ABS(S2.ID), the last join's key)", got)
	}
}

// TestWindowBoundsChecks: a persistent query selecting a pseudo column
// under its own name is rejected before its GROUP BY is resolved, and an
// aggregation over a join resolves no window bounds in its projection.
func TestWindowBoundsChecks(t *testing.T) {
	ms := catalog(t, keyFormatsDDL)
	for _, c := range []struct{ query, want string }{
		{"CREATE TABLE OUT AS SELECT ID, WINDOWSTART, COUNT(*) AS N FROM SK GROUP BY WINDOWSTART;",
			"Reserved column name in select: `WINDOWSTART`. Please remove or alias the column."},
		{"CREATE TABLE OUT AS SELECT SK.ID, COUNT(*), WINDOWSTART AS WS FROM SK JOIN TK ON SK.ID = TK.ID WINDOW TUMBLING (SIZE 10 MILLISECONDS) GROUP BY SK.ID;",
			"SELECT column 'WINDOWSTART' cannot be resolved."},
	} {
		_, err := planCSAS(t, ms, c.query)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\nerror %v, want %q", c.query, err, c.want)
		}
	}
}

// TestPreparationErrors: an unknown qualifier anywhere in the statement,
// and an unqualified column several join sources have, are reported
// first, with the stage of ksqlDB's statement preparation that finds them.
func TestPreparationErrors(t *testing.T) {
	ms := catalog(t, keyFormatsDDL)
	for _, c := range []struct{ query, want string }{
		{"CREATE TABLE OUT AS SELECT TK.ID, F FROM TK JOIN TD ON ID = UNKNOWN.ID;",
			"Failed to prepare statement: 'UNKNOWN' is not a valid stream/table name or alias."},
		{"CREATE TABLE OUT AS SELECT TK.ID, F FROM TK JOIN TD ON ID = ID;",
			"Exception while preparing statement: Line: 1, Col: 56: Column 'ID' is ambiguous. Could be TK.ID or TD.ID."},
	} {
		_, err := planCSAS(t, ms, c.query)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\nerror %v, want %q", c.query, err, c.want)
		}
	}
}

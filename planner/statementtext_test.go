package planner

import (
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
)

// TestStatementText: a query-making statement is quoted as ksqlDB's
// formatter prints its rewritten form: every column qualified by its
// source's alias (the name when none), every projection named (a column
// by its name, s->f by F, others KSQL_COL_n skipping names in use), a
// clause a line, the window as ksqlDB's window expressions print (units
// as written, plural), EMIT CHANGES when none was written.
func TestStatementText(t *testing.T) {
	ms := catalog(t, `
CREATE STREAM ORDERS (ID INT KEY, REGION VARCHAR, AMOUNT DOUBLE, KSQL_COL_0 INT, ADDR STRUCT<CITY VARCHAR>) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE CUSTOMERS (ID INT PRIMARY KEY, NAME VARCHAR) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM ARCHIVE (ID INT KEY, NAME VARCHAR) WITH (kafka_topic='archive', value_format='JSON', partitions=1);`)
	for _, c := range []struct{ stmt, want string }{
		{"CREATE TABLE totals WITH (key_format='KAFKA') AS SELECT region, o.id AS k, SUM(amount * 2), COUNT(*) FROM orders o WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 60 SECONDS, GRACE PERIOD 1 HOUR) WHERE amount > 0 GROUP BY region, o.id HAVING COUNT(*) > 1;",
			"CREATE TABLE TOTALS WITH (KEY_FORMAT='KAFKA') AS SELECT\n  O.REGION REGION,\n  O.ID K,\n  SUM((O.AMOUNT * 2)) KSQL_COL_1,\n  COUNT(*) KSQL_COL_2\n" +
				"FROM ORDERS O\nWINDOW HOPPING ( SIZE 10 MINUTES , ADVANCE BY 60 SECONDS , GRACE PERIOD 1 HOURS ) \nWHERE (O.AMOUNT > 0)\nGROUP BY O.REGION, O.ID\nHAVING (COUNT(*) > 1)\nEMIT CHANGES"},
		{"CREATE OR REPLACE STREAM cities AS SELECT addr->city FROM orders PARTITION BY addr->city EMIT CHANGES;",
			"CREATE OR REPLACE STREAM CITIES AS SELECT ORDERS.ADDR->CITY CITY\nFROM ORDERS ORDERS\nPARTITION BY ORDERS.ADDR->CITY\nEMIT CHANGES"},
		{"INSERT INTO archive SELECT o.id, name FROM orders o LEFT JOIN customers c ON o.id = c.id;",
			"INSERT INTO ARCHIVE SELECT\n  O.ID ID,\n  C.NAME NAME\nFROM ORDERS O\nLEFT OUTER JOIN CUSTOMERS C ON ((O.ID = C.ID))\nEMIT CHANGES"},
		{"CREATE STREAM everything AS SELECT * FROM orders;",
			"CREATE STREAM EVERYTHING AS SELECT *\nFROM ORDERS ORDERS\nEMIT CHANGES"},
	} {
		stmts, err := sql.Parse(c.stmt)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := New(ms, expr.NewRegistry(), nil, nil).StatementText(stmts[0])
		if !ok || got != c.want {
			t.Errorf("%s\ngot  %q\nwant %q", c.stmt, got, c.want)
		}
	}
}

package engine

import (
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/mysqlcdc"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/internal/testenv"
)

// TestMySQLSourceConnectorEndToEnd runs the ratings flow's MySQL connector
// statement against MariaDB: Debezium envelope, unwrapped and keyed by id,
// Avro in the Schema Registry, a table over the topic that answers pull
// queries, and an UPDATE in MariaDB visible there within a second. Its
// server id is not ratings.sql's 42: docs/examples/ratings runs that
// script against the same MariaDB at the same time, and MariaDB drops a
// binlog reader when another connects with its id. The one addition to
// ratings.sql's options is drop.tombstones=false: with
// ExtractNewRecordState's default a delete never reaches the topic (as
// with Debezium under Kafka Connect), here it removes the customer.
func TestMySQLSourceConnectorEndToEnd(t *testing.T) {
	dsn := testenv.MySQL(t)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(mc.Addr)
	mc.MultiStatements = true
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DROP TABLE IF EXISTS demo.E2E_CUSTOMERS",
		`CREATE TABLE demo.E2E_CUSTOMERS (id INT PRIMARY KEY, first_name VARCHAR(50), last_name VARCHAR(50),
			email VARCHAR(50), club_status VARCHAR(8), comments VARCHAR(90))`,
		`INSERT INTO demo.E2E_CUSTOMERS VALUES (1, 'Rica', 'Blaisdell', 'rblaisdell0@rambler.ru', 'bronze', 'Universal'),
			(2, 'Ruthie', 'Brockherst', 'rbrockherst1@ow.ly', 'platinum', 'Reverse-engineered'),
			(3, 'Mariejeanne', 'Cocci', 'mcocci2@techcrunch.com', 'bronze', 'Multi-tiered')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	ctx := t.Context()
	cl, reg := testenv.Broker(t, "")
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	mysqlcdc.Register(plugins)
	e, err := New(ctx, Options{Cluster: cl, Registry: reg.Client(), Connectors: plugins, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}

	mustExec(t, e, `CREATE SOURCE CONNECTOR SOURCE_MYSQL_01 WITH (
  'connector.class'    = 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname'  = '`+host+`',
  'database.port'      = '`+port+`',
  'database.user'      = '`+mc.User+`',
  'database.password'  = '`+mc.Passwd+`',
  'database.server.id' = '4242',
  'database.server.name' = 'asgard',
  'table.whitelist'    = 'demo.e2e_customers',
  'include.schema.changes' = 'false',
  'transforms'         = 'unwrap,extractkey',
  'transforms.unwrap.type' = 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.drop.tombstones' = 'false',
  'transforms.extractkey.type' = 'org.apache.kafka.connect.transforms.ExtractField$Key',
  'transforms.extractkey.field' = 'id',
  'key.converter'      = 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter'    = 'io.confluent.connect.avro.AvroConverter'
);`)
	// The topic and its Avro schema appear once the snapshot is written.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := e.Execute(ctx, `CREATE SOURCE TABLE CUSTOMERS (CUSTOMER_ID VARCHAR PRIMARY KEY)
  WITH (KAFKA_TOPIC='asgard.demo.E2E_CUSTOMERS', VALUE_FORMAT='AVRO');`, nil); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("CREATE TABLE over the CDC topic: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	status := func(id string) string {
		res, err := runPull(t, e, "SELECT CLUB_STATUS FROM CUSTOMERS WHERE CUSTOMER_ID='"+id+"';", nil)
		if err != nil || len(res.rows) == 0 {
			return ""
		}
		return res.rows[0]
	}
	waitFor := func(what string, within time.Duration, ok func() bool) {
		t.Helper()
		end := time.Now().Add(within)
		for !ok() {
			if time.Now().After(end) {
				res, err := runPull(t, e, "SELECT * FROM CUSTOMERS;", nil)
				t.Logf("table rows %q %v", res.rows, err)
				t.Fatalf("%s: not within %s", what, within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the snapshot in the table", 30*time.Second, func() bool { return status("2") == "platinum" })
	res := mustPull(t, e, "SELECT * FROM CUSTOMERS WHERE CUSTOMER_ID='1';", nil)
	if !strings.Contains(res.schema, "`FIRST_NAME` STRING") || !strings.Contains(res.schema, "`CLUB_STATUS` STRING") || len(res.rows) != 1 || !strings.Contains(res.rows[0], "Rica") {
		t.Errorf("customer 1: %q %q", res.schema, res.rows)
	}

	if _, err := db.Exec("UPDATE demo.E2E_CUSTOMERS SET club_status = 'bronze' WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor("the update", 10*time.Second, func() bool { return status("2") == "bronze" })
	// A speed figure, not an assertion (those belong in benchmarks).
	t.Logf("update visible in a pull query after %s", time.Since(start).Round(time.Millisecond))

	if _, err := db.Exec("DELETE FROM demo.E2E_CUSTOMERS WHERE id = 3"); err != nil {
		t.Fatal(err)
	}
	waitFor("the delete", 10*time.Second, func() bool { return status("3") == "" })

	// The same table read straight off Debezium's envelope, no transforms:
	// DEBEZIUM_JSON keys and values, JsonConverter with schemas.
	mustExec(t, e, `CREATE SOURCE CONNECTOR SOURCE_MYSQL_RAW WITH (
  'connector.class' = 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname' = '`+host+`', 'database.port' = '`+port+`',
  'database.user' = '`+mc.User+`', 'database.password' = '`+mc.Passwd+`',
  'database.server.id' = '4243', 'topic.prefix' = 'raw',
  'table.include.list' = 'demo.e2e_customers', 'include.schema.changes' = 'false',
  'key.converter' = 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter' = 'org.apache.kafka.connect.json.JsonConverter'
);`)
	deadline = time.Now().Add(30 * time.Second)
	for {
		if _, err := e.Execute(ctx, `CREATE SOURCE TABLE RAW_CUSTOMERS (ID INT PRIMARY KEY, FIRST_NAME STRING, CLUB_STATUS STRING)
  WITH (KAFKA_TOPIC='raw.demo.E2E_CUSTOMERS', KEY_FORMAT='DEBEZIUM_JSON', VALUE_FORMAT='DEBEZIUM_JSON');`, nil); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("CREATE TABLE over the raw CDC topic: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	raw := func(id string) string {
		res, err := runPull(t, e, "SELECT CLUB_STATUS FROM RAW_CUSTOMERS WHERE ID="+id+";", nil)
		if err != nil || len(res.rows) == 0 {
			return ""
		}
		return res.rows[0]
	}
	waitFor("the raw snapshot", 30*time.Second, func() bool { return raw("2") == "bronze" && raw("1") == "bronze" })
	if got := raw("3"); got != "" {
		t.Errorf("customer 3 was deleted before the snapshot, yet the raw table has %q", got)
	}
	if _, err := db.Exec("UPDATE demo.E2E_CUSTOMERS SET club_status = 'gold' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	waitFor("the update through DEBEZIUM_JSON", 10*time.Second, func() bool { return raw("1") == "gold" })
	if _, err := db.Exec("DELETE FROM demo.E2E_CUSTOMERS WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	waitFor("the delete through DEBEZIUM_JSON", 10*time.Second, func() bool { return raw("2") == "" })

	desc := mustExec(t, e, "DESCRIBE CONNECTOR SOURCE_MYSQL_01;")[0].(*api.ConnectorDescription)
	if len(desc.Status.Tasks) != 1 || desc.Status.Tasks[0].State != "RUNNING" || !strings.Contains(desc.Status.Tasks[0].Progress, "snapshot done: 3 rows") {
		t.Errorf("DESCRIBE CONNECTOR: %+v", desc.Status)
	}
}

package engine

import (
	"database/sql"
	"net"
	"slices"
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

// TestMySQLDebeziumAvroTable puts a table straight on the topic of a
// MySqlConnector writing Debezium's envelope with AvroConverter keys and
// values, declared without columns: they and the PRIMARY KEY come from the
// registry. Rows of the snapshot, an insert and an update while streaming
// show in pull queries; a delete removes the row.
func TestMySQLDebeziumAvroTable(t *testing.T) {
	dsn := testenv.MySQL(t)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(mc.Addr)
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("DROP TABLE IF EXISTS demo.DBZAVRO_CUSTOMERS")
	exec(`CREATE TABLE demo.DBZAVRO_CUSTOMERS (id INT PRIMARY KEY, first_name VARCHAR(50), last_name VARCHAR(50),
		club_status VARCHAR(8), score DECIMAL(5,2))`)
	exec(`INSERT INTO demo.DBZAVRO_CUSTOMERS VALUES (1, 'Rica', 'Blaisdell', 'bronze', 9.5),
		(2, 'Ruthie', 'Brockherst', 'platinum', 7.25), (3, 'Mariejeanne', 'Cocci', 'bronze', NULL)`)

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
	// Server id 4251: unique among the tests sharing this MariaDB.
	mustExec(t, e, `CREATE SOURCE CONNECTOR SOURCE_MYSQL_AVRO WITH (
  'connector.class' = 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname' = '`+host+`', 'database.port' = '`+port+`',
  'database.user' = '`+mc.User+`', 'database.password' = '`+mc.Passwd+`',
  'database.server.id' = '4251', 'topic.prefix' = 'dbzavro',
  'table.include.list' = 'demo.dbzavro_customers', 'include.schema.changes' = 'false',
  'key.converter' = 'io.confluent.connect.avro.AvroConverter',
  'value.converter' = 'io.confluent.connect.avro.AvroConverter'
);`)
	// The subjects appear once the snapshot is written.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := e.Execute(ctx, `CREATE SOURCE TABLE CUSTOMERS WITH (KAFKA_TOPIC='dbzavro.demo.DBZAVRO_CUSTOMERS', VALUE_FORMAT='DEBEZIUM_AVRO');`, nil)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CREATE TABLE over the CDC topic: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	desc := mustExec(t, e, "DESCRIBE CUSTOMERS;")[0].(*api.SourceDescriptionEntity).SourceDescription
	var cols []string
	for _, f := range desc.Fields {
		c := f.Name + " " + f.Schema.Type
		if f.Type != "" {
			c += " " + f.Type
		}
		cols = append(cols, c)
	}
	if got, want := strings.Join(cols, ", "), "ID INTEGER KEY, FIRST_NAME STRING, LAST_NAME STRING, CLUB_STATUS STRING, SCORE DECIMAL"; got != want {
		t.Errorf("inferred columns\n got %s\nwant %s", got, want)
	}
	if desc.KeyFormat != "DEBEZIUM_AVRO" || desc.ValueFormat != "DEBEZIUM_AVRO" {
		t.Errorf("formats %s / %s", desc.KeyFormat, desc.ValueFormat)
	}

	row := func(id string) string {
		res, err := runPull(t, e, "SELECT FIRST_NAME, CLUB_STATUS, SCORE FROM CUSTOMERS WHERE ID="+id+";", nil)
		if err != nil || len(res.rows) == 0 {
			return ""
		}
		return res.rows[0]
	}
	waitFor := func(what string, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > 30*time.Second {
				res, err := runPull(t, e, "SELECT * FROM CUSTOMERS;", nil)
				t.Fatalf("%s: not within 30s; table rows %q %v", what, res.rows, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitFor("the snapshot", func() bool { return row("3") != "" })
	for id, want := range map[string]string{"1": "Rica bronze 9.50", "2": "Ruthie platinum 7.25", "3": "Mariejeanne bronze <nil>"} {
		if got := row(id); got != want {
			t.Errorf("customer %s: %s, want %s", id, got, want)
		}
	}

	exec("INSERT INTO demo.DBZAVRO_CUSTOMERS VALUES (4, 'Hashim', 'Rumke', 'platinum', 1.5)")
	took := waitFor("the insert", func() bool { return row("4") != "" })
	if got := row("4"); got != "Hashim platinum 1.50" {
		t.Errorf("inserted customer: %s", got)
	}
	t.Logf("insert visible in a pull query after %s", took.Round(time.Millisecond))
	exec("UPDATE demo.DBZAVRO_CUSTOMERS SET club_status = 'bronze' WHERE id = 2")
	took = waitFor("the update", func() bool { return row("2") == "Ruthie bronze 7.25" })
	// A speed figure, not an assertion (those belong in benchmarks).
	t.Logf("update visible in a pull query after %s", took.Round(time.Millisecond))
	exec("DELETE FROM demo.DBZAVRO_CUSTOMERS WHERE id = 3")
	took = waitFor("the delete", func() bool { return row("3") == "" })
	t.Logf("delete visible in a pull query after %s", took.Round(time.Millisecond))
	// A query over the table writes DEBEZIUM_AVRO too (the formats are
	// inherited): create events under its own subjects, which a table
	// declared without columns reads back.
	mustExec(t, e, "CREATE TABLE BRONZE WITH (KAFKA_TOPIC='dbzavro_bronze') AS SELECT ID, FIRST_NAME FROM CUSTOMERS WHERE CLUB_STATUS = 'bronze';")
	waitFor("the query's output", func() bool {
		_, err := e.Execute(ctx, "CREATE SOURCE TABLE BRONZE_COPY WITH (KAFKA_TOPIC='dbzavro_bronze', VALUE_FORMAT='DEBEZIUM_AVRO');", nil)
		return err == nil
	})
	bronze := func() string {
		res, _ := runPull(t, e, "SELECT ID, FIRST_NAME FROM BRONZE_COPY;", nil)
		slices.Sort(res.rows)
		return strings.Join(res.rows, ",")
	}
	waitFor("the bronze customers read back", func() bool { return bronze() == "1 Rica,2 Ruthie" })

	res := mustPull(t, e, "SELECT ID FROM CUSTOMERS;", nil)
	slices.Sort(res.rows)
	if got := strings.Join(res.rows, ","); got != "1,2,4" {
		t.Errorf("rows after the delete: %s, want 1,2,4", got)
	}
}

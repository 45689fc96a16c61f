package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
)

// TestConnectURLManagesAnotherCluster: a server whose ksql.connect.url
// names a Kafka Connect cluster (here another eddy server's Connect
// REST API, a real HTTP server) creates, lists, describes, pauses and
// drops connectors there, as ksqlDB does with its Connect cluster; the
// connector runs in the cluster, and the statements stay out of the
// server's command log, so its restart neither repeats nor loses them.
func TestConnectURLManagesAnotherCluster(t *testing.T) {
	worker := startConnect(t)
	cfg := map[string]string{"ksql.connect.url": worker.ConnectURL(), "auto.offset.reset": "earliest"}
	open := func() *engine.Engine {
		e, err := engine.New(context.Background(), engine.Options{Cluster: worker.cluster, ServiceID: "client_", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ksql := open()
	run := func(text string) (api.Entity, error) {
		ents, err := ksql.Execute(context.Background(), text, nil)
		if err != nil || len(ents) == 0 {
			return nil, err
		}
		return ents[0], nil
	}
	must := func(text string) api.Entity {
		t.Helper()
		ent, err := run(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return ent
	}
	refused := func(text, want string) {
		t.Helper()
		if _, err := run(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", text, err, want)
		}
	}
	workerHas := func() []string { return worker.eng.ConnectRuntime().Names() }

	plugins := must("SHOW CONNECTOR PLUGINS;").(*api.ConnectorPluginsList)
	if !strings.Contains(fmt.Sprint(plugins.Plugins), "io.confluent.kafka.connect.datagen.DatagenConnector source") {
		t.Errorf("SHOW CONNECTOR PLUGINS lists the cluster's %v", plugins.Plugins)
	}

	must("CREATE STREAM views (viewtime BIGINT, userid STRING, pageid STRING) WITH (kafka_topic='views', value_format='JSON', partitions=1);")
	const create = `CREATE SOURCE CONNECTOR gen WITH ('connector.class'='io.confluent.kafka.connect.datagen.DatagenConnector',
		'kafka.topic'='views', 'quickstart'='pageviews', 'max.interval'='10',
		'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');`
	created, ok := must(create).(*api.CreateConnectorEntity)
	if !ok || created.Info.Name != "GEN" || created.Info.Type != "source" || len(created.Info.Tasks) != 1 {
		t.Fatalf("CREATE answered %#v", created)
	}
	if names := workerHas(); len(names) != 1 || names[0] != "GEN" {
		t.Fatalf("the Connect cluster runs %v, want [GEN]", names)
	}
	waitFor(t, "the connector's records", func() bool {
		recs, err := worker.cluster.ReadAll(context.Background(), "views")
		return err == nil && len(recs) >= 5
	})

	refused(create, "Connector GEN already exists")
	if m, ok := must(strings.Replace(create, "CONNECTOR gen", "CONNECTOR IF NOT EXISTS gen", 1)).(*api.Message); !ok || m.Message != "Connector GEN already exists" {
		t.Errorf("CREATE IF NOT EXISTS answered %#v", m)
	}
	// The cluster's validation names the option; nothing is created.
	refused(`CREATE SOURCE CONNECTOR bad WITH ('connector.class'='io.confluent.kafka.connect.datagen.DatagenConnector', 'kafka.topic'='v2', 'quickstart'='pageviews', 'max.interval'='soon');`,
		"Validation error: max.interval - Invalid value soon")
	refused(`CREATE SOURCE CONNECTOR bad WITH ('kafka.topic'='x');`, "contains no connector type")
	if names := workerHas(); len(names) != 1 {
		t.Errorf("after refused CREATEs the cluster runs %v", names)
	}

	list := must("SHOW CONNECTORS;").(*api.ConnectorList)
	if len(list.Connectors) != 1 || list.Connectors[0] != (api.SimpleConnectorInfo{Name: "GEN", Type: "SOURCE",
		ClassName: "io.confluent.kafka.connect.datagen.DatagenConnector", State: "RUNNING (1/1 tasks RUNNING)"}) {
		t.Errorf("SHOW CONNECTORS: %+v", list.Connectors)
	}
	if sinks := must("SHOW SINK CONNECTORS;").(*api.ConnectorList); len(sinks.Connectors) != 0 {
		t.Errorf("SHOW SINK CONNECTORS: %+v", sinks.Connectors)
	}
	d := must("DESCRIBE CONNECTOR gen;").(*api.ConnectorDescription)
	if d.ConnectorClass != "io.confluent.kafka.connect.datagen.DatagenConnector" || d.Status.Connector.State != "RUNNING" ||
		fmt.Sprint(d.Topics) != "[views]" || len(d.Sources) != 1 || d.Sources[0].Name != "VIEWS" {
		t.Errorf("DESCRIBE CONNECTOR: class %s, state %s, topics %v, %d sources", d.ConnectorClass, d.Status.Connector.State, d.Topics, len(d.Sources))
	}
	refused("DESCRIBE CONNECTOR nope;", "Failed to query connector status: ")

	// No command status: a client must find no sequence number to wait
	// for (the shell's next statement waited for command 0 and timed out).
	if m, ok := must("PAUSE gen;").(*api.Message); !ok || m.Message != "Connector GEN paused." {
		t.Errorf("PAUSE answered %#v", m)
	}
	if st, _ := worker.eng.ConnectRuntime().Status(context.Background(), "GEN", false); st.State != "PAUSED" {
		t.Errorf("after PAUSE the cluster says %s", st.State)
	}
	if m, ok := must("STOP CONNECTOR gen;").(*api.Message); !ok || m.Message != "Connector GEN stopped." {
		t.Errorf("STOP CONNECTOR answered %#v", m)
	}
	if st, _ := worker.eng.ConnectRuntime().Status(context.Background(), "GEN", false); st.State != "STOPPED" {
		t.Errorf("after STOP CONNECTOR the cluster says %s", st.State)
	}
	refused("STOP CONNECTOR nope;", "Connector NOPE does not exist.")
	must("RESUME gen;")
	if st, _ := worker.eng.ConnectRuntime().Status(context.Background(), "GEN", false); st.State != "RUNNING" {
		t.Errorf("after RESUME the cluster says %s", st.State)
	}

	// Out of the command log: a restart neither creates it again nor
	// forgets it (the cluster keeps it).
	if err := ksql.Close(); err != nil {
		t.Fatal(err)
	}
	ksql = open()
	defer ksql.Close()
	if list := must("SHOW CONNECTORS;").(*api.ConnectorList); len(list.Connectors) != 1 || list.Connectors[0].Name != "GEN" {
		t.Errorf("SHOW CONNECTORS after a restart: %+v", list.Connectors)
	}
	if names := workerHas(); len(names) != 1 {
		t.Errorf("after the restart the cluster runs %v", names)
	}

	if dc, ok := must("DROP CONNECTOR gen;").(*api.DropConnectorEntity); !ok || dc.ConnectorName != "GEN" {
		t.Errorf("DROP answered %#v", dc)
	}
	if names := workerHas(); len(names) != 0 {
		t.Errorf("after DROP the cluster runs %v", names)
	}
	if m, ok := must("DROP CONNECTOR IF EXISTS gen;").(*api.Message); !ok || m.Message != "Connector 'GEN' does not exist." {
		t.Errorf("DROP IF EXISTS answered %#v", m)
	}
	refused("DROP CONNECTOR gen;", "Failed to drop connector: ")
}

// TestConnectURLDown: a Connect cluster that cannot be reached fails the
// statement with where it was looked for; the server goes on.
func TestConnectURLDown(t *testing.T) {
	ts := startMem(t, nil)
	e, err := engine.New(context.Background(), engine.Options{Cluster: ts.cluster, ServiceID: "down_",
		Config: map[string]string{"ksql.connect.url": "http://127.0.0.1:1", "ksql.connect.request.timeout.ms": "500"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_, err = e.Execute(context.Background(), "SHOW CONNECTORS;", nil)
	if err == nil || !strings.Contains(err.Error(), "Failed to list connectors: Kafka Connect at http://127.0.0.1:1: ") {
		t.Errorf("SHOW CONNECTORS with the cluster down: %v", err)
	}
	if _, err := engine.New(context.Background(), engine.Options{Cluster: ts.cluster, ServiceID: "bad_",
		Config: map[string]string{"ksql.connect.url": "connect:8083"}}); err == nil || !strings.Contains(err.Error(), "ksql.connect.url") {
		t.Errorf("a URL without a scheme: %v", err)
	}
}

// TestConnectURLBasicAuth: ksqlDB's FILE credentials source sends the
// file's user to a Connect cluster that requires one; a wrong password
// fails with the cluster's 401, and a bad source setting fails the start.
func TestConnectURLBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	worker := startConnect(t, func(c *Config) { c.Users = Users{"connect-user": hash} })
	creds := filepath.Join(t.TempDir(), "connect.credentials")
	client := func(password string) *engine.Engine {
		t.Helper()
		if err := os.WriteFile(creds, []byte("username=connect-user\npassword="+password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(context.Background(), engine.Options{Cluster: worker.cluster, ServiceID: "auth_" + password + "_", Config: map[string]string{
			"ksql.connect.url": worker.ConnectURL(), "ksql.connect.basic.auth.credentials.source": "FILE",
			"ksql.connect.basic.auth.credentials.file": creds}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	if _, err := client("s3cret").Execute(context.Background(), "SHOW CONNECTOR PLUGINS;", nil); err != nil {
		t.Errorf("with the file's credentials: %v", err)
	}
	_, err = client("wrong").Execute(context.Background(), "SHOW CONNECTORS;", nil)
	if err == nil || !strings.Contains(err.Error(), "Failed to list connectors: ") || !strings.Contains(err.Error(), "401") {
		t.Errorf("with a wrong password: %v", err)
	}
	_, err = engine.New(context.Background(), engine.Options{Cluster: worker.cluster, ServiceID: "src_", Config: map[string]string{
		"ksql.connect.url": worker.ConnectURL(), "ksql.connect.basic.auth.credentials.source": "USER_INFO"}})
	if err == nil || !strings.Contains(err.Error(), "neither NONE nor FILE") {
		t.Errorf("an unknown credentials source: %v", err)
	}
}

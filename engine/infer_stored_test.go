package engine

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/serde"
)

// lastCommand is the last command in the default service's command topic.
func lastCommand(t *testing.T, e *Engine) metastore.Command {
	t.Helper()
	_, cmds, _, err := metastore.OpenCommandLog(context.Background(), e.cluster, "default_", nil)
	if err != nil || len(cmds) == 0 {
		t.Fatalf("command log: %d commands, %v", len(cmds), err)
	}
	return cmds[len(cmds)-1]
}

// TestInferredColumnsAreStored: a CREATE whose columns come from the
// Schema Registry is stored in the command topic with them written in,
// as ksqlDB's DefaultSchemaInjector writes it (key format injected,
// properties sorted), and answered and described with that text; a
// restart reads the columns from it, inferring nothing: it replays while
// the registry does not answer, and keeps its columns after the subject
// gained a version with other fields.
func TestInferredColumnsAreStored(t *testing.T) {
	ctx := context.Background()
	cl, rc := memRegistry(t)
	reg := &outageRegistry{Registry: rc}
	opts := Options{Cluster: cl, Registry: reg, RegistryRetry: 10 * time.Millisecond, Config: map[string]string{"auto.offset.reset": "earliest"}}
	e, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rc.Register("ev-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: microsSchema})
	if err != nil {
		t.Fatal(err)
	}
	produceMicros(t, cl, id, 1, 1796605200123, 1796605200123456, 3723123456, 1796605200124, 1796605200124567)
	const want = "CREATE STREAM INFERRED (ID INTEGER, MS TIMESTAMP, US BIGINT, TU BIGINT, LMS BIGINT, LUS BIGINT) " +
		"WITH (KAFKA_TOPIC='ev', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO')"
	ents := mustExec(t, e, "CREATE STREAM inferred WITH (value_format='AVRO', kafka_topic='ev');")
	if cs, ok := ents[0].(*api.CurrentStatus); !ok || cs.StatementText != want {
		t.Errorf("answer %+v, want statementText %s", ents[0], want)
	}
	cmd := lastCommand(t, e)
	if cmd.Statement != want || cmd.Props[planner.InferredColumnsProperty] != "true" || cmd.Props[planner.InferredValueSchemaIDProperty] != strconv.Itoa(id) {
		t.Errorf("command %q %v, want %q with the marker and schema id %d", cmd.Statement, cmd.Props, want, id)
	}
	if got := e.Metastore().Source("INFERRED").SQL; got != want {
		t.Errorf("DESCRIBE's statement %q, want %q", got, want)
	}
	schema := e.Metastore().Source("INFERRED").Schema.String()
	valueFormat := e.Metastore().Source("INFERRED").ValueFormat
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Another version, which inference would give other columns.
	if _, err := rc.Register("ev-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: strings.Replace(microsSchema,
		`{"name":"id","type":"int"},`, `{"name":"id","type":"int"},{"name":"extra","type":"string","default":""},`, 1)}); err != nil {
		t.Fatal(err)
	}
	reg.down.Store(true)
	e2, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	src := e2.Metastore().Source("INFERRED")
	if src == nil {
		t.Fatalf("INFERRED missing after the restart; command failures: %v", e2.cmdFailures)
	}
	if got := src.Schema.String(); got != schema {
		t.Errorf("columns after the restart %s, want %s", got, schema)
	}
	if b1, b2 := mustJSON(t, valueFormat), mustJSON(t, src.ValueFormat); b1 != b2 {
		t.Errorf("value format after the restart %s, want %s", b2, b1)
	}
	if src.SQL != want {
		t.Errorf("statement after the restart %q, want %q", src.SQL, want)
	}
	reg.down.Store(false)
	res := mustPull(t, e2, "SELECT id, us, tu FROM inferred;", nil)
	if got, want := strings.Join(res.rows, "; "), "1 1796605200123456 3723123456"; got != want {
		t.Errorf("rows after the restart %s, want %s", got, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLegacyInferredCommandKeepsColumns: commands as earlier builds wrote
// them (the statement without columns; with the inferred schema's id, or
// without it, or naming VALUE_SCHEMA_ID) replay with those builds'
// inference, so an upgrade keeps their micros fields TIMESTAMP and TIME,
// read in milliseconds; a new CREATE over the same topic infers BIGINT.
func TestLegacyInferredCommandKeepsColumns(t *testing.T) {
	ctx := context.Background()
	cl, rc := memRegistry(t)
	id, err := rc.Register("ev-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: microsSchema})
	if err != nil {
		t.Fatal(err)
	}
	produceMicros(t, cl, id, 1, 1796605200123, 1796605200123456, 3723123456, 1796605200124, 1796605200124567)
	log, _, _, err := metastore.OpenCommandLog(ctx, cl, "default_", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []metastore.Command{
		{Statement: "CREATE STREAM pinned WITH (kafka_topic='ev', value_format='AVRO');", Props: map[string]string{planner.InferredValueSchemaIDProperty: strconv.Itoa(id)}},
		{Statement: "CREATE STREAM latest WITH (kafka_topic='ev', value_format='AVRO');"},
		{Statement: "CREATE STREAM by_id WITH (kafka_topic='ev', value_format='AVRO', value_schema_id=" + strconv.Itoa(id) + ");"},
	} {
		name := strings.Fields(c.Statement)[2]
		if _, err := log.Append(ctx, "stream/"+strings.ToUpper(name)+"/create", c); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(ctx, Options{Cluster: cl, Registry: rc, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if fs := e.CommandFailures(); len(fs) != 0 {
		t.Fatalf("commands not replayed: %v", fs)
	}
	for name, want := range map[string]string{
		"PINNED": "`ID` INTEGER, `MS` TIMESTAMP, `US` TIMESTAMP, `TU` TIME, `LMS` BIGINT, `LUS` BIGINT",
		"LATEST": "`ID` INTEGER, `MS` TIMESTAMP, `US` TIMESTAMP, `TU` TIME, `LMS` BIGINT, `LUS` BIGINT",
		"BY_ID":  "`id` INTEGER, `ms` TIMESTAMP, `us` TIMESTAMP, `tu` TIME, `lms` BIGINT, `lus` BIGINT",
	} {
		if got := e.Metastore().Source(name).Schema.String(); got != want {
			t.Errorf("%s replayed with %s, want %s", name, got, want)
		}
	}
	for _, q := range []string{"SELECT id, UNIX_TIMESTAMP(us) FROM pinned;", "SELECT `id`, UNIX_TIMESTAMP(`us`) FROM by_id;"} {
		res := mustPull(t, e, q, nil)
		if got, want := strings.Join(res.rows, "; "), "1 1796605200123"; got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	mustExec(t, e, "CREATE STREAM fresh WITH (kafka_topic='ev', value_format='AVRO');")
	if got, want := e.Metastore().Source("FRESH").Schema.String(), "`ID` INTEGER, `MS` TIMESTAMP, `US` BIGINT, `TU` BIGINT, `LMS` BIGINT, `LUS` BIGINT"; got != want {
		t.Errorf("a new stream inferred %s, want %s", got, want)
	}
}

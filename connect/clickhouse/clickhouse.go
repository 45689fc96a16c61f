// Package clickhouse is the ClickHouse sink connector, configured as
// ClickHouse's own Kafka Connect sink
// (com.clickhouse.kafka.connect.ClickHouseSinkConnector) is: hostname,
// port, database, credentials, one existing table per topic. It inserts
// each batch over ClickHouse's HTTP interface as INSERT … FORMAT
// JSONEachRow, which every server from 18.16 (Debian's package) on
// accepts, converting each record to the table's column types.
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/internal/options"
)

// Class is the Kafka Connect class name.
const Class = "com.clickhouse.kafka.connect.ClickHouseSinkConnector"

const (
	optHostname      = "hostname"
	optPort          = "port"
	optSSL           = "ssl"
	optUsername      = "username"
	optPassword      = "password"
	optDatabase      = "database"
	optTopic2Table   = "topic2TableMap"
	optSettings      = "clickhouseSettings"
	optRefresh       = "tableRefreshInterval"
	optExactlyOnce   = "exactlyOnce"
	optJDBCProps     = "jdbcConnectionProperties"
	optBypassRowBin  = "bypassRowBinary"
	optIgnoreParts   = "ignorePartitionsWhenBatching"
	optTolerateState = "tolerateStateMismatch"
	optTimeout       = "insert.timeout.ms"
	optBatchRows     = "insert.max.rows"
)

var spec = []connect.ConfigField{
	{Name: optHostname, Type: connect.TypeString, Required: true, Doc: "Host name or IP address of the ClickHouse server."},
	{Name: optPort, Type: connect.TypeInt, Default: "8443", Doc: "The server's HTTP(S) port: 8443 is ClickHouse's HTTPS default, 8123 its plain HTTP one (set ssl=false with it)."},
	{Name: optSSL, Type: connect.TypeBoolean, Default: "true", Doc: "true: HTTPS; false: plain HTTP."},
	{Name: optUsername, Type: connect.TypeString, Default: "default", Doc: "ClickHouse user."},
	{Name: optPassword, Type: connect.TypePassword, Default: "", Doc: "The user's password (sent with HTTP basic authentication). ClickHouse's connector requires it; the Debian package's `default` user has none, so eddy accepts it empty."},
	{Name: optDatabase, Type: connect.TypeString, Default: "default", Doc: "Database of the target tables."},
	{Name: optTopic2Table, Type: connect.TypeString, Doc: "topic=table pairs, comma-separated, naming a topic's table (default: a table named as the topic). Tables must exist: the connector reads their columns from system.columns and never creates or alters one."},
	{Name: optSettings, Type: connect.TypeString, Doc: "ClickHouse settings for the inserts, setting=value pairs, comma-separated (e.g. insert_quorum=2,max_partitions_per_insert_block=500); sent as URL parameters."},
	{Name: optRefresh, Type: connect.TypeLong, Default: "0", Doc: "Seconds after which a table's columns are read again; 0: read once, and again when an insert fails because a column or the table changed."},
	{Name: optExactlyOnce, Type: connect.TypeBoolean, Default: "false", Doc: "Must be false: ClickHouse's exactly-once mode keeps its state in a KeeperMap table, which needs ClickHouse 23.3 or later. Delivery is at-least-once: a record is inserted again only when eddy stopped after its insert and before its offset commit; a ReplacingMergeTree table keyed on the record's identity makes such a repeat vanish."},
	{Name: optJDBCProps, Type: connect.TypeString, Default: "", Doc: "Accepted for compatibility and ignored: eddy talks HTTP, not JDBC."},
	{Name: optBypassRowBin, Type: connect.TypeBoolean, Default: "false", Doc: "Accepted for compatibility: inserts are always JSONEachRow."},
	{Name: optIgnoreParts, Type: connect.TypeBoolean, Default: "false", Doc: "Accepted for compatibility: each batch goes to a table in one insert whatever its partitions."},
	{Name: optTolerateState, Type: connect.TypeBoolean, Default: "false", Doc: "Accepted for compatibility (it concerns the exactly-once state, which eddy does not keep)."},
	{Name: optTimeout, Type: connect.TypeLong, Default: "30000", Doc: "eddy's addition: milliseconds one insert may take, connecting included, before it counts as failed and is retried; a server that hangs then shows in the task's status instead of stalling it."},
	{Name: optBatchRows, Type: connect.TypeInt, Default: "100000", Doc: "eddy's addition: most rows in one INSERT. A batch with more goes in several inserts; each is one block, written all or nothing."},
}

// Register adds the ClickHouse sink and its KeyToValue transform to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class:   Class,
		Aliases: []string{"clickhouse"},
		Kind:    connect.Sink,
		Version: "1.0.0",
		Doc: "Inserts records into ClickHouse tables, one table per topic (named as the topic, or by topic2TableMap), through the HTTP interface as `INSERT INTO table (columns) FORMAT JSONEachRow`, one insert per table per batch. " +
			"It works with ClickHouse 18.16 (Debian's `clickhouse-server`, which it is tested against) and later. HTTP, like ClickHouse's own sink, rather than the native protocol: clickhouse-go v2.51 does reach 18.16, but only for inserts that name their columns (see docs/performance.md). " +
			"Tables must exist; the connector reads their columns and writes each record's fields into the columns of the same name (matched exactly, else ignoring case; fields without a column are dropped, a column without a field gets null when Nullable, its DEFAULT when it has one, and otherwise rejects the record). Values are converted to the column's type: " +
			"integers, floats, booleans (1/0) and numeric strings into Int*/UInt*; numbers into Float*; Decimal logical values, numbers and numeric strings into Decimal exactly at the column's scale; Timestamp into DateTime as Unix seconds (integers into DateTime are taken as Unix seconds, strings are parsed by the server in its time zone), into DateTime64 with its precision (servers from 20.1; not tested here), into Int64/UInt64 as epoch milliseconds; Date and Timestamp into Date as the UTC day; strings as they are and bytes byte for byte into String/FixedString/Enum/UUID, numbers and booleans as their text, structs, maps and arrays as JSON text; arrays element by element into Array(T); LowCardinality(T) as T. " +
			"Record keys are not written (the transform com.clickhouse.kafka.connect.transforms.KeyToValue copies a key into the value); tombstones (null values) are skipped: ClickHouse's sink does not delete. A record whose value does not fit its column is rejected on its own (errors.tolerance decides) while the rest of the batch is inserted. A server that is down, hangs, lacks the table or refuses the credentials is retried with backoff, with the reason in DESCRIBE CONNECTOR; offsets are committed only after ClickHouse acknowledged the insert.",
		Spec:     spec,
		Validate: validate,
		NewSink:  func(cfg connect.Config) (connect.SinkTask, error) { return newTask(cfg) },
	})
	registerKeyToValue(r)
}

// settings is a parsed configuration.
type settings struct {
	hostname, username, password, database string
	port                                   int
	ssl                                    bool
	tables                                 map[string]string
	chSettings                             [][2]string
	refresh                                time.Duration
	timeout                                time.Duration
	batchRows                              int
}

func parse(cfg connect.Config) (*settings, error) {
	r := options.New(cfg, spec)
	s := &settings{
		hostname:  r.String(optHostname),
		port:      int(r.Int(optPort)),
		ssl:       r.Bool(optSSL),
		username:  r.String(optUsername),
		password:  r.String(optPassword),
		database:  r.String(optDatabase),
		tables:    map[string]string{},
		refresh:   time.Duration(r.Int(optRefresh)) * time.Second,
		timeout:   time.Duration(r.Int(optTimeout)) * time.Millisecond,
		batchRows: int(r.Int(optBatchRows)),
	}
	r.Bool(optBypassRowBin)
	r.Bool(optIgnoreParts)
	r.Bool(optTolerateState)
	if s.hostname == "" {
		r.Fail("Missing required configuration %q which has no default value.", optHostname)
	}
	if strings.Contains(s.hostname, "/") || strings.Contains(s.hostname, ":") && !strings.HasPrefix(s.hostname, "[") {
		r.Fail("Invalid value %s for configuration %s: a host name or address, without scheme or port (the port goes in %s)", s.hostname, optHostname, optPort)
	}
	if s.port < 1 || s.port > 65535 {
		r.Fail("Invalid value %d for configuration %s: not a TCP port", s.port, optPort)
	}
	if s.database == "" {
		s.database = "default"
	}
	if r.Bool(optExactlyOnce) {
		r.Fail("Invalid value true for configuration %s: exactly-once needs ClickHouse's KeeperMap (23.3 and later); eddy's ClickHouse sink delivers at least once", optExactlyOnce)
	}
	for _, pair := range splitPairs(r.String(optTopic2Table)) {
		topic, table, ok := strings.Cut(pair, "=")
		topic, table = strings.TrimSpace(topic), strings.TrimSpace(table)
		if !ok || topic == "" || table == "" {
			r.Fail("Invalid value %s for configuration %s: expected topic=table pairs, comma-separated", pair, optTopic2Table)
			continue
		}
		s.tables[topic] = table
	}
	for _, pair := range splitPairs(r.String(optSettings)) {
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			r.Fail("Invalid value %s for configuration %s: expected setting=value pairs, comma-separated", pair, optSettings)
			continue
		}
		s.chSettings = append(s.chSettings, [2]string{k, v})
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.batchRows < 1 {
		r.Fail("Invalid value %d for configuration %s: must be at least 1", s.batchRows, optBatchRows)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func splitPairs(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// table names a topic's table.
func (s *settings) table(topic string) string {
	if t, ok := s.tables[topic]; ok {
		return t
	}
	return topic
}

// validate checks at CREATE time that the server answers, takes the
// credentials and has the database.
func validate(ctx context.Context, cfg connect.Config) error {
	s, err := parse(cfg)
	if err != nil {
		return err
	}
	c := newClient(s)
	defer c.close()
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 10*time.Second))
	defer cancel()
	out, err := c.query(ctx, "SELECT count() FROM system.databases WHERE name = "+quoteString(s.database), nil)
	var se *serverError
	if errors.As(err, &se) && se.code == 81 || err == nil && strings.TrimSpace(string(out)) == "0" {
		return fmt.Errorf("ClickHouse at %s has no database %s", c.base, s.database)
	}
	if err != nil {
		return fmt.Errorf("ClickHouse at %s: %w", c.base, err)
	}
	return nil
}

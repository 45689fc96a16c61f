// Package mysqlcdc is eddy's built-in MySQL/MariaDB change-data-capture
// source, registered as io.debezium.connector.mysql.MySqlConnector: a
// consistent initial snapshot read in primary-key chunks, then the binary
// log from exactly the snapshot's position, producing records shaped the
// way Debezium's MySQL connector shapes them (topics, key and envelope
// schemas, source block, type mapping, tombstones).
package mysqlcdc

import (
	"context"

	"github.com/eddysql/eddy/connect"
)

// Class is the Kafka Connect class name the connector answers to.
const Class = "io.debezium.connector.mysql.MySqlConnector"

// connectorVersion is reported in the source block's version field and by
// SHOW CONNECTOR PLUGINS.
const connectorVersion = "2.x-compatible (eddy)"

// Register adds the MySQL CDC source to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class:   Class,
		Aliases: []string{"mysql-cdc", "mysql", "debezium-mysql"},
		Kind:    connect.Source,
		Version: connectorVersion,
		Doc: "Change-data-capture from MySQL and MariaDB, compatible with Debezium's MySQL connector " +
			"(1.x and 2.x configuration keys, record shapes and type mapping). It takes a consistent " +
			"snapshot of the captured tables, read in primary-key chunks so large tables stream " +
			"without being held in memory, then follows the binary log from exactly that position " +
			"(by GTID where the server has GTIDs, by file and position otherwise). Each change " +
			"becomes a record on `<topic.prefix>.<database>.<table>` with the primary key as the key " +
			"and a `before`/`after`/`source`/`op`/`ts_ms` envelope as the value, followed by a " +
			"tombstone after a delete; an UPDATE that changes the primary key becomes, as in " +
			"Debezium, a delete of the old key (and its tombstone) then a create of the new one; " +
			"the delete and its tombstone carry a `__debezium.newkey` header with the new key, the " +
			"create a `__debezium.oldkey` header with the old one, written as Kafka Connect's default " +
			"SimpleHeaderConverter writes the key struct (`{\"id\":101}`) whatever the key and value converters. " +
			"The server needs `log_bin` on, `binlog_format=ROW` and " +
			"`binlog_row_image=FULL`; the user needs SELECT, RELOAD, SHOW DATABASES, REPLICATION " +
			"SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB). No schema-history topic is " +
			"needed: eddy reads table definitions from information_schema at the snapshot, follows " +
			"ALTER/CREATE/DROP/RENAME TABLE in the binary log and keeps the definitions in its offsets, " +
			"so each change is read with the columns its table had when it was written, even after a " +
			"restart behind later DDL.",
		Spec: spec,
		Validate: func(ctx context.Context, cfg connect.Config) error {
			s, err := parseSettings(cfg)
			if err != nil {
				return err
			}
			db, err := s.open()
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = checkServer(ctx, db, s)
			return err
		},
		NewSource: func(cfg connect.Config) (connect.SourceTask, error) {
			s, err := parseSettings(cfg)
			if err != nil {
				return nil, err
			}
			return &task{s: s}, nil
		},
	})
}

// Option names.
const (
	optHost             = "database.hostname"
	optPort             = "database.port"
	optUser             = "database.user"
	optPassword         = "database.password"
	optServerID         = "database.server.id"
	optPrefix           = "topic.prefix"
	optDBInclude        = "database.include.list"
	optDBExclude        = "database.exclude.list"
	optTableInclude     = "table.include.list"
	optTableExclude     = "table.exclude.list"
	optColumnExclude    = "column.exclude.list"
	optSnapshotMode     = "snapshot.mode"
	optLockingMode      = "snapshot.locking.mode"
	optFetchSize        = "snapshot.fetch.size"
	optSchemaChanges    = "include.schema.changes"
	optTombstones       = "tombstones.on.delete"
	optDecimalMode      = "decimal.handling.mode"
	optTimeMode         = "time.precision.mode"
	optBigintMode       = "bigint.unsigned.handling.mode"
	optBinaryMode       = "binary.handling.mode"
	optMaxBatch         = "max.batch.size"
	optMaxQueue         = "max.queue.size"
	optConnectTimeoutMs = "connect.timeout.ms"
)

// jvmOnlyPrefixes are option families that configure Kafka Connect's
// schema-history topic. eddy keeps table definitions itself, so they are
// accepted and ignored with a warning.
var jvmOnlyPrefixes = []string{"database.history", "schema.history.internal"}

var spec = []connect.ConfigField{
	{Name: optHost, Type: connect.TypeString, Required: true,
		Doc: "Host name or IP address of the MySQL or MariaDB server."},
	{Name: optPort, Type: connect.TypeInt, Default: "3306",
		Doc: "Port of the MySQL or MariaDB server."},
	{Name: optUser, Type: connect.TypeString, Required: true,
		Doc: "User to connect as. It needs SELECT on the captured tables, RELOAD (MySQL's snapshot lock), " +
			"SHOW DATABASES, REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB)."},
	{Name: optPassword, Type: connect.TypePassword,
		Doc: "Password of database.user."},
	{Name: optServerID, Type: connect.TypeLong,
		Doc: "Replica server id the connector uses to read the binary log; it must differ from every " +
			"other server and replica of the same primary. Default: a number between 5400 and 6400 " +
			"derived from topic.prefix."},
	{Name: optPrefix, Type: connect.TypeString, Required: true, Aliases: []string{"database.server.name"},
		Doc: "Logical name of the captured server: the prefix of every topic (`<prefix>.<db>.<table>`), " +
			"the name of the schema-change topic, the `name` in each record's source block and the key " +
			"under which offsets are stored. Debezium 1.x calls it database.server.name."},
	{Name: optDBInclude, Type: connect.TypeList, Aliases: []string{"database.whitelist"},
		Doc: "Comma-separated regular expressions matched against whole database names " +
			"(case-insensitively); only matching databases are captured. Default: all but the system databases."},
	{Name: optDBExclude, Type: connect.TypeList, Aliases: []string{"database.blacklist"},
		Doc: "Comma-separated regular expressions for databases not to capture. Not with database.include.list."},
	{Name: optTableInclude, Type: connect.TypeList, Aliases: []string{"table.whitelist"},
		Doc: "Comma-separated regular expressions matched against whole `<db>.<table>` names " +
			"(case-insensitively), e.g. `demo.customers,demo\\.orders_.*`; only matching tables are captured."},
	{Name: optTableExclude, Type: connect.TypeList, Aliases: []string{"table.blacklist"},
		Doc: "Comma-separated regular expressions for `<db>.<table>` names not to capture. Not with table.include.list."},
	{Name: optColumnExclude, Type: connect.TypeList, Aliases: []string{"column.blacklist"},
		Doc: "Comma-separated regular expressions matched against whole `<db>.<table>.<column>` names; " +
			"matching columns are left out of before/after (primary-key columns stay in the key)."},
	{Name: optSnapshotMode, Type: connect.TypeString, Default: "initial",
		Enum: []string{"initial", "initial_only", "when_needed", "never", "schema_only", "no_data"},
		Doc: "When to snapshot: `initial` snapshots the captured tables when no offset is stored, then " +
			"streams the binary log; `initial_only` snapshots and stops; `when_needed` also snapshots when " +
			"the stored binlog position has been purged from the server; `never` streams the binary log from " +
			"its oldest file without a snapshot; `schema_only` (2.x: `no_data`) streams from the current " +
			"position without reading existing rows. An interrupted snapshot starts over, and streaming then " +
			"begins where the interrupted one began, so rows it wrote that were deleted or changed meanwhile " +
			"get their delete or change (unless that binlog has been purged)."},
	{Name: optLockingMode, Type: connect.TypeString, Default: "minimal", Enum: []string{"minimal", "none"},
		Doc: "MySQL only: `minimal` holds FLUSH TABLES WITH READ LOCK for the instant it takes to start the " +
			"snapshot transaction and read the binlog position; `none` takes no lock (only safe when no DDL " +
			"runs during the snapshot). MariaDB needs no lock: it reports the snapshot's binlog position itself."},
	{Name: optFetchSize, Type: connect.TypeInt, Default: "10000",
		Doc: "Rows per primary-key chunk of the snapshot query."},
	{Name: optSchemaChanges, Type: connect.TypeBoolean, Default: "true",
		Doc: "Write each DDL statement seen in the binary log that touches a captured database to the " +
			"topic named topic.prefix, keyed by database name (value fields source, ts_ms, databaseName, " +
			"schemaName, ddl)."},
	{Name: optTombstones, Type: connect.TypeBoolean, Default: "true",
		Doc: "Follow each delete event with a tombstone (same key, null value) so compacted topics can drop the key."},
	{Name: optDecimalMode, Type: connect.TypeString, Default: "precise", Enum: []string{"precise", "double", "string"},
		Doc: "DECIMAL/NUMERIC columns as Connect Decimal (`precise`, exact), as float64 (`double`) or as strings (`string`)."},
	{Name: optTimeMode, Type: connect.TypeString, Default: "adaptive_time_microseconds",
		Enum: []string{"adaptive_time_microseconds", "adaptive", "connect"},
		Doc: "Temporal columns: `adaptive_time_microseconds` maps DATE to io.debezium.time.Date (days), " +
			"TIME to io.debezium.time.MicroTime (µs), DATETIME(0-3) to io.debezium.time.Timestamp (ms) and " +
			"DATETIME(4-6) to io.debezium.time.MicroTimestamp (µs); `adaptive` also maps TIME(0-3) to " +
			"io.debezium.time.Time (ms); `connect` uses Kafka Connect's Date, Time and Timestamp (ms precision). " +
			"TIMESTAMP is always io.debezium.time.ZonedTimestamp, an ISO-8601 string in UTC."},
	{Name: optBigintMode, Type: connect.TypeString, Default: "long", Enum: []string{"long", "precise"},
		Doc: "BIGINT UNSIGNED as int64 (`long`; values above 2^63-1 wrap) or as Connect Decimal with scale 0 (`precise`)."},
	{Name: optBinaryMode, Type: connect.TypeString, Default: "bytes", Enum: []string{"bytes", "base64", "base64-url-safe", "hex"},
		Doc: "BINARY, VARBINARY and BLOB columns as bytes or as base64, URL-safe base64 or hex strings."},
	{Name: optMaxBatch, Type: connect.TypeInt, Default: "2048",
		Doc: "Most records one poll returns."},
	{Name: optMaxQueue, Type: connect.TypeInt, Default: "8192",
		Doc: "Most records read ahead of the runtime; bounds the connector's memory."},
	{Name: optConnectTimeoutMs, Type: connect.TypeLong, Default: "30000",
		Doc: "How long to wait for the database to accept a connection, in milliseconds."},
	{Name: "database.history.*", Type: connect.TypeString,
		Doc: "Debezium 1.x schema-history options (database.history.kafka.bootstrap.servers, " +
			"database.history.kafka.topic, …): accepted and ignored with a warning, since eddy keeps " +
			"table definitions in its offsets and needs no schema-history topic."},
	{Name: "schema.history.internal.*", Type: connect.TypeString,
		Doc: "Debezium 2.x schema-history options (schema.history.internal.kafka.topic, …): accepted and " +
			"ignored with a warning, as database.history.*."},
}

// Package jdbc holds the JDBC sink and source connectors, compatible with
// Confluent's io.confluent.connect.jdbc.JdbcSinkConnector and
// JdbcSourceConnector: the same options and defaults, with the JDBC URL
// translated to a Go driver — github.com/jackc/pgx/v5 (through its
// database/sql adapter) for PostgreSQL and github.com/go-sql-driver/mysql
// for MySQL and MariaDB.
package jdbc

import (
	"context"
	"fmt"
	"time"

	"github.com/eddysql/eddy/connect"
)

// Class names, as Kafka Connect names them.
const (
	SinkClass   = "io.confluent.connect.jdbc.JdbcSinkConnector"
	SourceClass = "io.confluent.connect.jdbc.JdbcSourceConnector"
)

// Options both connectors share.
const (
	optURL          = "connection.url"
	optUser         = "connection.user"
	optPassword     = "connection.password"
	optAttempts     = "connection.attempts"
	optBackoff      = "connection.backoff.ms"
	optQuoteIdents  = "quote.sql.identifiers"
	optDialect      = "dialect.name"
	optDBTimezone   = "db.timezone"
	urlDoc          = "The JDBC URL of the database: jdbc:postgresql://host[:port]/database (driven by github.com/jackc/pgx/v5), jdbc:mysql://host[:port]/database or jdbc:mariadb://… (driven by github.com/go-sql-driver/mysql). user and password may be URL properties; sslmode, ssl=true and currentSchema are understood for PostgreSQL, useSSL=true for MySQL; other JDBC properties are ignored."
	quoteIdentsDoc  = "always: table and column names are quoted, so they keep their case (a ksqlDB column ORDER_ID makes a column \"ORDER_ID\"); never: they are written bare, so PostgreSQL folds them to lower case (order_id)."
	connectionCheck = 10 * time.Second
)

func commonSpec() []connect.ConfigField {
	return []connect.ConfigField{
		{Name: optURL, Type: connect.TypeString, Required: true, Doc: urlDoc},
		{Name: optUser, Type: connect.TypeString, Doc: "The database user."},
		{Name: optPassword, Type: connect.TypePassword, Doc: "The user's password."},
		{Name: optAttempts, Type: connect.TypeInt, Default: "3", Doc: "Accepted for compatibility: a database that cannot be reached is retried with backoff until it answers, and the task's status says why meanwhile."},
		{Name: optBackoff, Type: connect.TypeLong, Default: "10000", Doc: "Accepted for compatibility (see connection.attempts)."},
		{Name: optDialect, Type: connect.TypeString, Doc: "Accepted for compatibility; the dialect follows from connection.url."},
		{Name: optDBTimezone, Type: connect.TypeString, Default: "UTC", Enum: []string{"UTC"}, Doc: "Time zone of timestamp columns without one. Only UTC is supported: timestamps are written and read as UTC."},
		{Name: optQuoteIdents, Type: connect.TypeString, Default: "always", Enum: []string{"always", "never"}, Doc: quoteIdentsDoc},
	}
}

// Register adds the JDBC sink and source to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class:   SinkClass,
		Aliases: []string{"jdbc-sink", "JdbcSinkConnector"},
		Kind:    connect.Sink,
		Version: "10.7.0-eddy",
		Doc: "Writes records to PostgreSQL, MySQL or MariaDB tables, one table per topic (table.name.format), as Confluent's JDBC sink does. " +
			"Each batch the consumer hands over is written in one database transaction with multi-row statements of up to batch.size rows; the connector's Kafka offsets are committed only after that transaction commits, so a crash replays at most the uncommitted batch, which insert.mode=upsert (INSERT … ON CONFLICT DO UPDATE on PostgreSQL, INSERT … ON DUPLICATE KEY UPDATE on MySQL) writes again without duplicates. " +
			"A database that is down, a table that is missing (without auto.create) or gone for a while, a privilege revoked, or a table another session keeps locked past lock.timeout.ms (10 s) is retried with backoff and the task's status shows the error; a record the database refuses for good (a constraint, a value that does not fit) is isolated from its batch and handled by errors.tolerance while the rest is written. " +
			"With auto.create and auto.evolve, tables are created and columns added from the record schema (see the type mapping under auto.create). Values must be structs with a schema (Avro, Protobuf, JSON Schema, or JSON with schemas.enable=true) or schemaless JSON objects, whose column types are inferred from the values.",
		Spec:     append(commonSpec(), sinkSpec...),
		Validate: validateConnection,
		NewSink:  func(cfg connect.Config) (connect.SinkTask, error) { return newSinkTask(cfg) },
	})
	r.Register(&connect.Plugin{
		Class:   SourceClass,
		Aliases: []string{"jdbc-source", "JdbcSourceConnector"},
		Kind:    connect.Source,
		Version: "10.7.0-eddy",
		Doc: "Reads PostgreSQL, MySQL or MariaDB tables (or one query) into topics named topic.prefix plus the table name, as Confluent's JDBC source does: the whole table every poll.interval.ms (mode=bulk), or only new rows by a strictly increasing column (incrementing), by a last-modified timestamp (timestamp), or both (timestamp+incrementing). " +
			"Each record's value is a struct whose schema follows the column types (INT2/SMALLINT int16, INT/INTEGER int32, BIGINT int64, REAL float32, DOUBLE float64, BOOLEAN boolean, NUMERIC/DECIMAL Decimal (or int64/float64 with numeric.mapping=best_fit), DATE Date, TIME Time, TIMESTAMP/DATETIME Timestamp, BYTEA/BLOB bytes, text and everything else string; a nullable column is optional), so the Avro, Protobuf and JSON converters write what Confluent's would. Keys are null. " +
			"The position reached (the last incrementing value and timestamp) is stored per table in the connect offsets topic after the records are written, and a restart resumes after it.",
		Spec:     append(commonSpec(), sourceSpec...),
		Validate: validateConnection,
		NewSource: func(cfg connect.Config) (connect.SourceTask, error) {
			return newSourceTask(cfg)
		},
	})
}

// validateConnection checks at CREATE time that the URL parses and the
// database answers with these credentials.
func validateConnection(ctx context.Context, cfg connect.Config) error {
	tg, err := parseURL(cfg[optURL], cfg[optUser], cfg[optPassword])
	if err != nil {
		return err
	}
	db, err := tg.open()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, connectionCheck)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("cannot connect to %s at %s: %w", tg.dialect.name(), tg.display, err)
	}
	return nil
}

package jdbc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/connect"
)

var timeUTC = time.UTC

// tableID names a table, with its schema (PostgreSQL) or database (MySQL)
// when one was given.
type tableID struct{ schema, name string }

// parseTableID reads "table", "schema.table" or "catalog.schema.table".
func parseTableID(s string) tableID {
	parts := strings.Split(strings.TrimSpace(s), ".")
	t := tableID{name: parts[len(parts)-1]}
	if len(parts) > 1 {
		t.schema = parts[len(parts)-2]
	}
	return t
}

func (t tableID) String() string {
	if t.schema == "" {
		return t.name
	}
	return t.schema + "." + t.name
}

// dialect is what differs between PostgreSQL and MySQL/MariaDB.
type dialect interface {
	name() string
	quoteIdent(s string) string
	param(i int) string // placeholder of the i-th (1-based) parameter
	// sqlType is the column type for a Connect schema (key: the column is
	// part of the primary key).
	sqlType(s *connect.Schema, key bool) (string, error)
	// upsertSuffix ends a multi-row INSERT so that rows whose key exists
	// update it instead.
	upsertSuffix(q func(string) string, keys, rest []string) string
	// columnsQuery lists a table's column names.
	columnsQuery(t tableID) (string, []any)
	// tablesQuery lists the base tables of the connection's schema or
	// database.
	tablesQuery() string
	// foldsUnquoted: the database stores unquoted identifiers lower-cased.
	foldsUnquoted() bool
	// caseInsensitiveColumns: column names match regardless of case.
	caseInsensitiveColumns() bool
	// permanent reports a server error that retrying will not cure (bad
	// data, a constraint, a missing column), as opposed to a lost
	// connection, a deadlock, a server shutting down, or a table or
	// privilege gone for a while (which every record would meet, so
	// errors.tolerance must not take them).
	permanent(err error) bool
	// maxParams is the most bind parameters one statement may carry.
	maxParams() int
	// lockTimeout is the statement that bounds the current transaction's
	// lock waits by d (d > 0).
	lockTimeout(d time.Duration) string
	// lockTimedOut reports the error of a lock wait that lockTimeout ended.
	lockTimedOut(err error) bool
}

type postgres struct{}

func (postgres) name() string { return "PostgreSQL" }
func (postgres) quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
func (postgres) param(i int) string { return "$" + strconv.Itoa(i) }
func (postgres) maxParams() int     { return 65535 }
func (postgres) foldsUnquoted() bool {
	return true
}
func (postgres) caseInsensitiveColumns() bool { return false }

func (postgres) sqlType(s *connect.Schema, key bool) (string, error) {
	switch s.Name {
	case connect.LogicalDecimal:
		return "DECIMAL", nil
	case connect.LogicalDate:
		return "DATE", nil
	case connect.LogicalTime:
		return "TIME", nil
	case connect.LogicalTimestamp:
		return "TIMESTAMP", nil
	}
	switch s.Type {
	case connect.Int8, connect.Int16:
		return "SMALLINT", nil
	case connect.Int32:
		return "INT", nil
	case connect.Int64:
		return "BIGINT", nil
	case connect.Float32:
		return "REAL", nil
	case connect.Float64:
		return "DOUBLE PRECISION", nil
	case connect.Boolean:
		return "BOOLEAN", nil
	case connect.String:
		return "TEXT", nil
	case connect.Bytes:
		return "BYTEA", nil
	}
	return "", fmt.Errorf("no PostgreSQL column type for a %s field", s.Type)
}

func (postgres) upsertSuffix(q func(string) string, keys, rest []string) string {
	qk := make([]string, len(keys))
	for i, k := range keys {
		qk[i] = q(k)
	}
	if len(rest) == 0 {
		return " ON CONFLICT (" + strings.Join(qk, ",") + ") DO NOTHING"
	}
	set := make([]string, len(rest))
	for i, c := range rest {
		set[i] = q(c) + "=EXCLUDED." + q(c)
	}
	return " ON CONFLICT (" + strings.Join(qk, ",") + ") DO UPDATE SET " + strings.Join(set, ",")
}

func (postgres) columnsQuery(t tableID) (string, []any) {
	return `SELECT column_name FROM information_schema.columns
		WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2`, []any{t.schema, t.name}
}

func (postgres) tablesQuery() string {
	return `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
}

// lock_timeout ends a wait for any lock (a table's, a row's) with
// SQLSTATE 55P03; SET LOCAL keeps it to the transaction, which also
// suits a pooler that shares connections (PgBouncer).
func (postgres) lockTimeout(d time.Duration) string {
	return "SET LOCAL lock_timeout = " + strconv.FormatInt(max(1, d.Milliseconds()), 10)
}

func (postgres) lockTimedOut(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}

func (d postgres) permanent(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return false
	}
	if d.lockTimedOut(err) {
		return false // another session's lock: it goes, the write is tried again
	}
	switch pe.Code[:2] {
	case "08", "40", "53", "57", "58", "XX": // connection, rollback/deadlock, resources, shutdown, system
		return false
	case "28", "3D", "3F": // authorization, a missing database or schema: every record's, until fixed
		return false
	}
	switch pe.Code {
	case "42P01", "42501": // a missing table, a privilege revoked: likewise
		return false
	}
	return true
}

type mysqlDialect struct{}

func (mysqlDialect) name() string { return "MySQL" }
func (mysqlDialect) quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
func (mysqlDialect) param(int) string             { return "?" }
func (mysqlDialect) maxParams() int               { return 65535 }
func (mysqlDialect) foldsUnquoted() bool          { return false }
func (mysqlDialect) caseInsensitiveColumns() bool { return true }

func (mysqlDialect) sqlType(s *connect.Schema, key bool) (string, error) {
	switch s.Name {
	case connect.LogicalDecimal:
		scale := 0
		if v, err := strconv.Atoi(s.Parameters["scale"]); err == nil {
			scale = v
		}
		return fmt.Sprintf("DECIMAL(65,%d)", min(scale, 30)), nil
	case connect.LogicalDate:
		return "DATE", nil
	case connect.LogicalTime:
		return "TIME(3)", nil
	case connect.LogicalTimestamp:
		return "DATETIME(3)", nil
	}
	switch s.Type {
	case connect.Int8:
		return "TINYINT", nil
	case connect.Int16:
		return "SMALLINT", nil
	case connect.Int32:
		return "INT", nil
	case connect.Int64:
		return "BIGINT", nil
	case connect.Float32:
		return "FLOAT", nil
	case connect.Float64:
		return "DOUBLE", nil
	case connect.Boolean:
		return "TINYINT", nil
	case connect.String:
		if key { // a key column needs a bounded length
			return "VARCHAR(256)", nil
		}
		return "TEXT", nil
	case connect.Bytes:
		if key {
			return "VARBINARY(256)", nil
		}
		return "BLOB", nil
	}
	return "", fmt.Errorf("no MySQL column type for a %s field", s.Type)
}

func (mysqlDialect) upsertSuffix(q func(string) string, keys, rest []string) string {
	cols := rest
	if len(cols) == 0 {
		cols = keys // nothing else to update: a no-op assignment
	}
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = q(c) + "=VALUES(" + q(c) + ")"
	}
	return " ON DUPLICATE KEY UPDATE " + strings.Join(set, ",")
}

func (mysqlDialect) columnsQuery(t tableID) (string, []any) {
	return `SELECT column_name FROM information_schema.columns
		WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ?`, []any{t.schema, t.name}
}

func (mysqlDialect) tablesQuery() string {
	return `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name`
}

// lock_wait_timeout bounds waits for a table's metadata lock (LOCK
// TABLES, DDL), innodb_lock_wait_timeout those for rows; both end with
// error 1205 and count whole seconds. They stay on the connection, which
// only this task's writes use.
func (mysqlDialect) lockTimeout(d time.Duration) string {
	s := strconv.FormatInt(int64(max(time.Second, d+time.Second-1)/time.Second), 10)
	return "SET SESSION lock_wait_timeout = " + s + ", innodb_lock_wait_timeout = " + s
}

func (mysqlDialect) lockTimedOut(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1205
}

func (mysqlDialect) permanent(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1040, 1053, 1205, 1213, 1152, 1158, 1159, 1160, 1161, 1927, 2002, 2003, 2006, 2013:
		return false // too many connections, shutdown, lock wait, deadlock, network
	case 1044, 1045, 1049, 1142, 1146:
		return false // access denied, a missing database or table: every record's, until fixed
	}
	return true
}

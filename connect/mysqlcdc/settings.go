package mysqlcdc

import (
	"database/sql"
	"fmt"
	"hash/fnv"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/connect"
)

// settings is a validated connector configuration.
type settings struct {
	host, user, password string
	port                 int
	serverID             uint32
	prefix               string

	dbInclude, dbExclude       []*regexp.Regexp
	tableInclude, tableExclude []*regexp.Regexp
	columnExclude              []*regexp.Regexp

	snapshotMode   string
	lockingMode    string
	fetchSize      int
	schemaChanges  bool
	tombstones     bool
	decimalMode    string
	timeMode       string
	bigintMode     string
	binaryMode     string
	maxBatch       int
	maxQueue       int
	connectTimeout time.Duration
	ignoredJVMKeys []string
	partition      map[string]any
}

// lookup returns an option by its canonical name or any alias, so the
// task works the same whether or not the runtime resolved aliases.
func lookup(cfg connect.Config, name string) (string, bool) {
	if v, ok := cfg[name]; ok && v != "" {
		return v, true
	}
	for _, f := range spec {
		if f.Name != name {
			continue
		}
		for _, a := range f.Aliases {
			if v, ok := cfg[a]; ok && v != "" {
				return v, true
			}
		}
		if f.Default != "" {
			return f.Default, true
		}
	}
	return "", false
}

func parseSettings(cfg connect.Config) (*settings, error) {
	s := &settings{}
	var errs []string
	str := func(name string) string { v, _ := lookup(cfg, name); return strings.TrimSpace(v) }
	num := func(name string, min int64) int64 {
		v := str(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole number ≥ %d", name, v, min))
		}
		return n
	}
	boolean := func(name string) bool {
		v := str(name)
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is neither true nor false", name, v))
		}
		return b
	}
	enum := func(name string) string {
		v := strings.ToLower(str(name))
		for _, f := range spec {
			if f.Name == name {
				for _, e := range f.Enum {
					if v == e {
						return v
					}
				}
				errs = append(errs, fmt.Sprintf("%s: %q is not one of %s", name, v, strings.Join(f.Enum, ", ")))
			}
		}
		return v
	}
	regexes := func(name string) []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, p := range splitList(str(name)) {
			re, err := regexp.Compile(`^(?i:` + p + `)$`)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a regular expression: %v", name, p, err))
				continue
			}
			out = append(out, re)
		}
		return out
	}

	s.host = str(optHost)
	s.user = str(optUser)
	s.password, _ = lookup(cfg, optPassword)
	s.prefix = str(optPrefix)
	for _, req := range []struct{ name, v string }{{optHost, s.host}, {optUser, s.user}, {optPrefix, s.prefix}} {
		if req.v == "" {
			errs = append(errs, req.name+" is required")
		}
	}
	if s.prefix != "" && !validTopicName.MatchString(s.prefix) {
		errs = append(errs, fmt.Sprintf("%s: %q may only hold letters, digits, '.', '_' and '-'", optPrefix, s.prefix))
	}
	s.port = int(num(optPort, 1))
	if s.port > 65535 {
		errs = append(errs, fmt.Sprintf("%s: %d is not a port", optPort, s.port))
	}
	if id := num(optServerID, 1); id > 0 {
		if id > 1<<32-1 {
			errs = append(errs, fmt.Sprintf("%s: %d does not fit in 32 bits", optServerID, id))
		}
		s.serverID = uint32(id)
	} else {
		h := fnv.New32a()
		h.Write([]byte(s.prefix))
		s.serverID = 5400 + h.Sum32()%1001
	}
	s.dbInclude, s.dbExclude = regexes(optDBInclude), regexes(optDBExclude)
	s.tableInclude, s.tableExclude = regexes(optTableInclude), regexes(optTableExclude)
	s.columnExclude = regexes(optColumnExclude)
	if len(s.dbInclude) > 0 && len(s.dbExclude) > 0 {
		errs = append(errs, optDBInclude+" and "+optDBExclude+" cannot both be set")
	}
	if len(s.tableInclude) > 0 && len(s.tableExclude) > 0 {
		errs = append(errs, optTableInclude+" and "+optTableExclude+" cannot both be set")
	}
	s.snapshotMode = enum(optSnapshotMode)
	if s.snapshotMode == "no_data" {
		s.snapshotMode = "schema_only"
	}
	s.lockingMode = enum(optLockingMode)
	s.fetchSize = int(num(optFetchSize, 1))
	s.schemaChanges = boolean(optSchemaChanges)
	s.tombstones = boolean(optTombstones)
	s.decimalMode = enum(optDecimalMode)
	s.timeMode = enum(optTimeMode)
	s.bigintMode = enum(optBigintMode)
	s.binaryMode = enum(optBinaryMode)
	s.maxBatch = int(num(optMaxBatch, 1))
	s.maxQueue = int(num(optMaxQueue, 1))
	s.connectTimeout = time.Duration(num(optConnectTimeoutMs, 1)) * time.Millisecond
	for k, v := range cfg {
		for _, p := range jvmOnlyPrefixes {
			if strings.HasPrefix(k, p+".") && v != "" {
				s.ignoredJVMKeys = append(s.ignoredJVMKeys, k)
			}
		}
	}
	sort.Strings(s.ignoredJVMKeys)
	if len(errs) > 0 {
		return nil, fmt.Errorf("mysql connector: %s", strings.Join(errs, "; "))
	}
	s.partition = map[string]any{"server": s.prefix}
	return s, nil
}

var validTopicName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// splitList splits a comma-separated option; `\,` keeps a comma inside a
// regular expression, as Debezium allows.
func splitList(v string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ',':
			cur.WriteByte(',')
			i++
		case v[i] == ',':
			if p := strings.TrimSpace(cur.String()); p != "" {
				out = append(out, p)
			}
			cur.Reset()
		default:
			cur.WriteByte(v[i])
		}
	}
	if p := strings.TrimSpace(cur.String()); p != "" {
		out = append(out, p)
	}
	return out
}

func (s *settings) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// open returns a connection pool whose sessions read TIMESTAMP columns in
// UTC, so snapshot and binlog values agree.
func (s *settings) open() (*sql.DB, error) {
	c := mysql.NewConfig()
	c.User, c.Passwd = s.user, s.password
	c.Net, c.Addr = "tcp", s.addr()
	c.Timeout = s.connectTimeout
	c.Loc = time.UTC
	c.InterpolateParams = true
	c.Params = map[string]string{"time_zone": "'+00:00'"}
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: %s: %w", s.addr(), err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	return db, nil
}

var systemDatabases = map[string]bool{"mysql": true, "sys": true, "information_schema": true, "performance_schema": true}

// captures reports whether a table is captured, matching the include and
// exclude lists as Debezium does: whole names, case-insensitively.
func (s *settings) captures(db, table string) bool {
	if systemDatabases[strings.ToLower(db)] {
		return false
	}
	if !s.capturesDB(db) {
		return false
	}
	full := db + "." + table
	if len(s.tableInclude) > 0 {
		return matchAny(s.tableInclude, full)
	}
	return !matchAny(s.tableExclude, full)
}

func (s *settings) capturesDB(db string) bool {
	if systemDatabases[strings.ToLower(db)] {
		return false
	}
	if len(s.dbInclude) > 0 {
		return matchAny(s.dbInclude, db)
	}
	return !matchAny(s.dbExclude, db)
}

func (s *settings) excludesColumn(db, table, column string) bool {
	return matchAny(s.columnExclude, db+"."+table+"."+column)
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

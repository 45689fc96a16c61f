package mysqlcdc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// serverInfo is what the connector needs to know about the server.
type serverInfo struct {
	version string
	mariaDB bool
	// gtids: the server tracks GTIDs the connector can resume from
	// (always on MariaDB; gtid_mode=ON on MySQL).
	gtids bool
}

func (i serverInfo) flavor() string {
	if i.mariaDB {
		return "mariadb"
	}
	return "mysql"
}

// checkServer verifies that the server is reachable and can be captured:
// the binary log on, in ROW format with full row images, and the user
// allowed to read it. Each failure says what to change.
func checkServer(ctx context.Context, db *sql.DB, s *settings) (serverInfo, error) {
	var info serverInfo
	ctx, cancel := context.WithTimeout(ctx, s.connectTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1045 {
			return info, fmt.Errorf("mysql connector: %s refused user %q: %s", s.addr(), s.user, me.Message)
		}
		return info, fmt.Errorf("mysql connector: cannot reach MySQL at %s: %w", s.addr(), err)
	}
	var logBin int
	var format, image string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@log_bin, @@binlog_format, @@binlog_row_image").Scan(&info.version, &logBin, &format, &image); err != nil {
		return info, fmt.Errorf("mysql connector: reading server settings of %s: %w", s.addr(), err)
	}
	info.mariaDB = strings.Contains(strings.ToLower(info.version), "mariadb")
	if logBin == 0 {
		return info, fmt.Errorf("mysql connector: the binary log is off on %s; start the server with log_bin (e.g. --log-bin=binlog) and binlog_format=ROW", s.addr())
	}
	if !strings.EqualFold(format, "ROW") {
		return info, fmt.Errorf("mysql connector: binlog_format is %s on %s; change data capture needs ROW (SET GLOBAL binlog_format=ROW, or binlog_format=ROW in the server's configuration)", format, s.addr())
	}
	if !strings.EqualFold(image, "FULL") {
		return info, fmt.Errorf("mysql connector: binlog_row_image is %s on %s; change data capture needs FULL so that every event carries whole rows", image, s.addr())
	}
	if info.mariaDB {
		info.gtids = true
	} else {
		var mode string
		if db.QueryRowContext(ctx, "SELECT @@gtid_mode").Scan(&mode) == nil && strings.EqualFold(mode, "ON") {
			info.gtids = true
		}
	}
	if _, _, _, err := binlogPosition(ctx, db, info); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && (me.Number == 1227 || me.Number == 1142) {
			priv := "REPLICATION CLIENT"
			if info.mariaDB {
				priv = "BINLOG MONITOR (REPLICATION CLIENT)"
			}
			return info, fmt.Errorf("mysql connector: user %q on %s lacks the %s privilege needed to read the binary log position: %s", s.user, s.addr(), priv, me.Message)
		}
		return info, fmt.Errorf("mysql connector: reading the binary log position of %s: %w", s.addr(), err)
	}
	if ok, err := canReplicate(ctx, db); err != nil {
		return info, fmt.Errorf("mysql connector: reading the grants of %q on %s: %w", s.user, s.addr(), err)
	} else if !ok {
		return info, fmt.Errorf("mysql connector: user %q on %s lacks the REPLICATION SLAVE privilege needed to stream the binary log; GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the user", s.user, s.addr())
	}
	return info, nil
}

// canReplicate reads the current user's grants for REPLICATION SLAVE (or
// ALL PRIVILEGES on *.*). Grants through roles are not expanded; a user
// with roles is given the benefit of the doubt.
func canReplicate(ctx context.Context, db *sql.DB) (bool, error) {
	rows, err := db.QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return false, err
		}
		u := strings.ToUpper(g)
		onAll := strings.Contains(u, " ON *.* ")
		switch {
		case onAll && (strings.Contains(u, "ALL PRIVILEGES") || strings.Contains(u, "REPLICATION SLAVE") || strings.Contains(u, "REPLICATION REPLICA")):
			return true, nil
		case strings.HasPrefix(u, "GRANT `") && !strings.Contains(u, " ON "):
			return true, nil // a role
		}
	}
	return false, rows.Err()
}

// binlogPosition reads the server's current binary log file, position and
// GTID set.
func binlogPosition(ctx context.Context, q querier, info serverInfo) (file string, pos uint32, gtids string, err error) {
	rows, err := q.QueryContext(ctx, "SHOW MASTER STATUS")
	if err != nil {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1064 {
			return "", 0, "", err
		}
		// MySQL 8.4 renamed it.
		if rows, err = q.QueryContext(ctx, "SHOW BINARY LOG STATUS"); err != nil {
			return "", 0, "", err
		}
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", 0, "", err
		}
		return "", 0, "", errors.New("SHOW MASTER STATUS returned nothing: is the binary log on?")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", 0, "", err
	}
	file = vals[0].String
	var p uint64
	fmt.Sscan(vals[1].String, &p)
	pos = uint32(p)
	if len(cols) >= 5 {
		gtids = cleanGTIDs(vals[4].String)
	}
	rows.Close()
	if info.mariaDB {
		err = q.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", file, pos).Scan((*nullString)(&gtids))
	}
	return file, pos, gtids, err
}

// nullString scans NULL as "".
type nullString string

func (n *nullString) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n = ""
	case []byte:
		*n = nullString(x)
	case string:
		*n = nullString(x)
	default:
		*n = nullString(fmt.Sprint(x))
	}
	return nil
}

func cleanGTIDs(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// binlogFiles lists the binary log files the server still has.
func binlogFiles(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var files []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		files = append(files, vals[0].String)
	}
	return files, rows.Err()
}

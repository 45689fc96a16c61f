package jdbc

import (
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// target is a connection.url translated for a Go driver.
type target struct {
	driver  string // database/sql driver name: "pgx" or "mysql"
	dsn     string // never logged: it may hold the password
	display string // host:port/database, for messages
	dialect dialect
}

// parseURL translates a JDBC URL (jdbc:postgresql://, jdbc:mysql://,
// jdbc:mariadb://) and the connection.user/password options into a DSN
// of github.com/jackc/pgx/v5 or github.com/go-sql-driver/mysql. JDBC
// properties the Go drivers have no use for are dropped rather than
// passed on, since both drivers would send unknown ones to the server as
// session settings.
func parseURL(raw, user, password string) (*target, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(raw), "jdbc:")
	if !ok {
		return nil, fmt.Errorf("connection.url %q is not a JDBC URL (jdbc:postgresql://host:5432/db, jdbc:mysql://host:3306/db or jdbc:mariadb://…)", raw)
	}
	scheme, _, _ := strings.Cut(rest, ":")
	switch scheme {
	case "postgresql", "postgres", "mysql", "mariadb":
	default:
		return nil, fmt.Errorf("connection.url %q: unsupported database %q; eddy's JDBC connectors speak postgresql, mysql and mariadb", raw, scheme)
	}
	u, err := url.Parse(rest)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("connection.url %q: expected jdbc:%s://host[:port]/database", raw, scheme)
	}
	q := u.Query()
	if user == "" {
		user = q.Get("user")
	}
	if password == "" {
		password = q.Get("password")
	}
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
		}
		if p, set := u.User.Password(); set && password == "" {
			password = p
		}
	}
	db := strings.TrimPrefix(u.Path, "/")
	switch scheme {
	case "postgresql", "postgres":
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "5432")
		}
		out := url.URL{Scheme: "postgres", Host: host, Path: "/" + db}
		if user != "" {
			out.User = url.UserPassword(user, password)
			if password == "" {
				out.User = url.User(user)
			}
		}
		p := url.Values{}
		// Timestamps without a time zone are read and written as UTC.
		p.Set("timezone", "UTC")
		switch {
		case q.Get("sslmode") != "":
			p.Set("sslmode", q.Get("sslmode"))
		case strings.EqualFold(q.Get("ssl"), "true"):
			p.Set("sslmode", "require")
		}
		if s := q.Get("currentSchema"); s != "" {
			p.Set("search_path", s)
		}
		if a := q.Get("ApplicationName"); a != "" {
			p.Set("application_name", a)
		}
		if t := q.Get("connectTimeout"); t != "" {
			p.Set("connect_timeout", t)
		} else {
			p.Set("connect_timeout", "10")
		}
		out.RawQuery = p.Encode()
		return &target{driver: "pgx", dsn: out.String(), display: host + "/" + db, dialect: postgres{}}, nil
	case "mysql", "mariadb":
		c := mysql.NewConfig()
		c.Net = "tcp"
		c.Addr = u.Host
		if u.Port() == "" {
			c.Addr = net.JoinHostPort(u.Hostname(), "3306")
		}
		c.User, c.Passwd, c.DBName = user, password, db
		c.ParseTime = true
		c.Loc = timeUTC
		// DATETIME and TIMESTAMP columns hold UTC, as Confluent's connector
		// writes them with db.timezone=UTC.
		c.Params = map[string]string{"time_zone": "'+00:00'"}
		if strings.EqualFold(q.Get("useSSL"), "true") || strings.EqualFold(q.Get("sslMode"), "REQUIRED") {
			c.TLSConfig = "skip-verify"
		}
		return &target{driver: "mysql", dsn: c.FormatDSN(), display: c.Addr + "/" + db, dialect: mysqlDialect{}}, nil
	}
	return nil, fmt.Errorf("connection.url %q: unsupported database %q; eddy's JDBC connectors speak postgresql, mysql and mariadb", raw, scheme)
}

// open returns a connection pool (nothing is dialled yet).
func (t *target) open() (*sql.DB, error) {
	db, err := sql.Open(t.driver, t.dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", t.display, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	return db, nil
}

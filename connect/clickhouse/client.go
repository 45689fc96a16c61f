package clickhouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// client talks to ClickHouse's HTTP interface.
type client struct {
	s    *settings
	base string // scheme://host:port, for requests and messages
	hc   *http.Client
}

func newClient(s *settings) *client {
	scheme := "http"
	if s.ssl {
		scheme = "https"
	}
	dialer := &net.Dialer{Timeout: min(s.timeout, 10*time.Second)}
	return &client{
		s:    s,
		base: scheme + "://" + net.JoinHostPort(strings.Trim(s.hostname, "[]"), strconv.Itoa(s.port)),
		hc: &http.Client{Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 4,
			// ClickHouse closes idle connections after keep_alive_timeout
			// (3 s by default); reusing one it has just closed fails the
			// request, so keep them for less.
			IdleConnTimeout: 2 * time.Second,
		}},
	}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// serverError is an exception ClickHouse answered with.
type serverError struct {
	status int
	code   int // ClickHouse's error code, 0 when the answer had none
	msg    string
}

func (e *serverError) Error() string {
	if e.code != 0 {
		return fmt.Sprintf("ClickHouse error %d (HTTP %d): %s", e.code, e.status, e.msg)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.msg)
}

var (
	codeRx  = regexp.MustCompile(`^Code: (\d+)`)
	rowRx   = regexp.MustCompile(`\(at row (\d+)\)`)
	cleanRx = regexp.MustCompile(`, e\.what\(\) = DB::Exception\s*$`)
)

// query runs sql with body as its data (an INSERT's rows) and returns
// the answer; params are extra URL parameters (settings).
func (c *client) query(ctx context.Context, sql string, body []byte, params ...[2]string) ([]byte, error) {
	q := url.Values{}
	q.Set("database", c.s.database)
	q.Set("query", sql)
	for _, p := range params {
		q.Set(p[0], p[1])
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/?"+q.Encode(), rd)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.s.username, c.s.password)
	res, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL carries the query, not worth repeating
		}
		return nil, fmt.Errorf("%s does not answer: %w", c.base, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", c.base, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, parseServerError(res.StatusCode, out)
	}
	return out, nil
}

func parseServerError(status int, body []byte) *serverError {
	msg := strings.TrimSpace(string(body))
	e := &serverError{status: status}
	if m := codeRx.FindStringSubmatch(msg); m != nil {
		e.code, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(msg, m[0])
		msg = strings.TrimPrefix(msg, ", e.displayText() = DB::Exception: ")
		msg = strings.TrimPrefix(msg, ", e.displayText() = ")
	}
	msg = cleanRx.ReplaceAllString(msg, "")
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	e.msg = msg
	return e
}

// row returns the 1-based row an insert error names, or 0.
func (e *serverError) row() int {
	if m := rowRx.FindStringSubmatch(e.msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// dataErrors are ClickHouse error codes that mean the inserted data does
// not fit the table: the same rows will fail again.
var dataErrors = map[int]bool{
	6:   true, // CANNOT_PARSE_TEXT
	26:  true, // CANNOT_PARSE_QUOTED_STRING
	27:  true, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
	38:  true, // CANNOT_PARSE_DATE
	41:  true, // CANNOT_PARSE_DATETIME
	49:  true, // unknown Enum element (reported as LOGICAL_ERROR by 18.16)
	53:  true, // TYPE_MISMATCH
	69:  true, // ARGUMENT_OUT_OF_BOUND
	70:  true, // CANNOT_CONVERT_TYPE
	72:  true, // CANNOT_PARSE_NUMBER
	117: true, // INCORRECT_DATA
	131: true, // TOO_LARGE_STRING_SIZE
	190: true, // SIZES_OF_ARRAYS_DOESNT_MATCH
	349: true, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
}

// schemaErrors mean the table is not what the connector read: read its
// columns again before the retry.
var schemaErrors = map[int]bool{
	16: true, // NO_SUCH_COLUMN_IN_TABLE
	47: true, // UNKNOWN_IDENTIFIER
	60: true, // UNKNOWN_TABLE
	81: true, // UNKNOWN_DATABASE
}

func isDataError(err error) (*serverError, bool) {
	var se *serverError
	if errors.As(err, &se) && dataErrors[se.code] {
		return se, true
	}
	return nil, false
}

func isSchemaError(err error) bool {
	var se *serverError
	return errors.As(err, &se) && schemaErrors[se.code]
}

// quoteIdent quotes a table or column name.
func quoteIdent(s string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
}

// quoteString quotes a string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

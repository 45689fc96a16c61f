package repl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
)

// HTTPOptions configure an HTTPClient.
type HTTPOptions struct {
	// User and Password are sent as HTTP basic credentials when User is
	// set.
	User, Password string
	// TLS configures https:// servers; nil uses the system roots.
	TLS *tls.Config
	// Headers are sent with every request (ksql-migrations' --headers).
	Headers map[string]string
	// Retries is how many more times a request is tried when the server
	// cannot be reached (the request was never delivered, so retrying is
	// safe); default 3. RetryWait is the first pause, doubled each time;
	// default 500 ms.
	Retries   int
	RetryWait time.Duration
	// InfoTimeout bounds the first request (Info), so an address whose
	// port accepts connections but never answers in HTTP fails instead
	// of holding the shell; default 15 s.
	InfoTimeout time.Duration
	// Unreachable, when set, replaces the advice to start a server in
	// the message for a server that cannot be reached (a client of
	// another eddy on the same data directory says what to do when that
	// one has exited).
	Unreachable string
}

// HTTPClient is a Client for a remote eddy server (or any server with
// ksqlDB's REST API): statements go to /ksql, queries and PRINT to
// /query.
type HTTPClient struct {
	base string
	hc   *http.Client
	opts HTTPOptions

	mu      sync.Mutex
	lastSeq int64 // highest commandSequenceNumber seen; -1 before any
	// pipelining: requests do not carry lastSeq, so the server does not
	// wait for earlier commands (the shell's request-pipelining ON).
	pipelining bool
	h2         *http.Client // for /inserts-stream, made on first use
	// cluster is the service and Kafka cluster /info named: servers
	// sharing them share the command log and its sequence numbers.
	cluster string
}

var _ Client = (*HTTPClient)(nil)

// NewHTTPClient returns a client for the server at serverURL
// (http://host:port or https://host:port).
func NewHTTPClient(serverURL string, o HTTPOptions) (*HTTPClient, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server address %q: want http://host:port or https://host:port", serverURL)
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 500 * time.Millisecond
	}
	if o.InfoTimeout <= 0 {
		o.InfoTimeout = 15 * time.Second
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     o.TLS,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		IdleConnTimeout:     90 * time.Second,
	}
	return &HTTPClient{base: strings.TrimRight(u.String(), "/"), hc: &http.Client{Transport: tr}, opts: o, lastSeq: -1}, nil
}

// SetRequestPipelining turns request pipelining on or off. Off (the
// default, as in ksqlDB's CLI), every request carries the sequence number
// of the last command this client ran, and the server answers only once
// it has applied that command; on, requests carry none and are answered
// at once.
func (c *HTTPClient) SetRequestPipelining(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pipelining = on
}

// continueFrom carries prev's last command sequence number over to c
// when both serve the same cluster: a command this session ran through
// prev is then one c must have applied before it answers. Another
// cluster numbers its commands apart.
func (c *HTTPClient) continueFrom(prev *HTTPClient) {
	prev.mu.Lock()
	seq, cluster := prev.lastSeq, prev.cluster
	prev.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cluster != "" && cluster == c.cluster {
		c.lastSeq = max(c.lastSeq, seq)
	}
}

// SubstitutesVariables says that the server substitutes variables in the
// statements it is sent, as ksqlDB's does.
func (c *HTTPClient) SubstitutesVariables() bool { return true }

// Close releases idle connections.
func (c *HTTPClient) Close() {
	c.hc.CloseIdleConnections()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h2 != nil {
		c.h2.CloseIdleConnections()
	}
}

// URL is the server's address.
func (c *HTTPClient) URL() string { return c.base }

// commandSequenceHeader, on an eddy server's /info, is the last command
// the server has applied.
const commandSequenceHeader = "X-Eddy-Command-Sequence"

// positionHeader is where an eddy server says at which line and column of
// the statement an error is ("3:8"); the body keeps ksqlDB's shape.
const positionHeader = "X-Eddy-Error-Position"

// ServerError is an error reply: ksqlDB's error object and the status.
type ServerError struct {
	Status    int
	Code      int    `json:"error_code"`
	Message   string `json:"message"`
	Statement string `json:"statementText"`
	// Pos is where in the statement, from the server's position header
	// (zero when it sent none).
	Pos sql.Pos
	// entities are those of the statements that succeeded before.
	entities []api.Entity
}

func (e *ServerError) Error() string { return e.Message }

// Position is where in the statement the error is.
func (e *ServerError) Position() sql.Pos { return e.Pos }

// Reason is the message without what ksqlDB's wording adds around it:
// the position the header already gave, and the quoted statement.
func (e *ServerError) Reason() string {
	msg := strings.TrimSuffix(e.Message, "\nStatement: "+e.Statement)
	if e.Pos.Line != 0 {
		for _, prefix := range []string{
			fmt.Sprintf("Failed to prepare statement: line %d:%d: ", e.Pos.Line, e.Pos.Col),
			fmt.Sprintf("line %d:%d: ", e.Pos.Line, e.Pos.Col),
			fmt.Sprintf("Line: %d, Col: %d: ", e.Pos.Line, e.Pos.Col),
		} {
			if m, ok := strings.CutPrefix(msg, prefix); ok {
				return m
			}
		}
	}
	return msg
}

// UnreachableError says the server could not be reached at all.
type UnreachableError struct {
	URL string
	Err error
	// Advice replaces "Is it running? (start one with 'eddy server')".
	Advice string
}

func (e *UnreachableError) Error() string {
	advice := e.Advice
	if advice == "" {
		advice = "Is it running? (start one with 'eddy server')"
	}
	return fmt.Sprintf("Could not reach the eddy server at %s: %v. %s", e.URL, e.Err, advice)
}

// cannotReach is the error for a request that never reached the server.
func (c *HTTPClient) cannotReach(err error) *UnreachableError {
	return &UnreachableError{URL: c.base, Err: err, Advice: c.opts.Unreachable}
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ServerInfo is what GET /info reports.
type ServerInfo struct {
	Version        string `json:"version"`
	KafkaClusterID string `json:"kafkaClusterId"`
	ServiceID      string `json:"ksqlServiceId"`
	ServerStatus   string `json:"serverStatus"`
}

// Info fetches /info; it is how the shell checks that the server is up.
func (c *HTTPClient) Info(ctx context.Context) (*ServerInfo, error) {
	ictx, cancel := context.WithTimeout(ctx, c.opts.InfoTimeout)
	defer cancel()
	silent := func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return c.cannotReach(fmt.Errorf("no HTTP reply within %s", c.opts.InfoTimeout))
		}
		return err
	}
	res, err := c.send(ictx, "GET", "/info", "", nil)
	if err != nil {
		return nil, silent(err)
	}
	defer res.Body.Close()
	var body struct {
		Info ServerInfo `json:"KsqlServerInfo"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("read /info from %s: %w", c.base, silent(err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A client new to this server (the shell's `server` command) waits
	// for what the server has applied, not for nothing; a ksqlDB server
	// sends no such header.
	if seq, err := strconv.ParseInt(res.Header.Get(commandSequenceHeader), 10, 64); err == nil {
		c.lastSeq = max(c.lastSeq, seq)
	}
	c.cluster = body.Info.ServiceID + "\x00" + body.Info.KafkaClusterID
	return &body.Info, nil
}

// request is the body of /ksql and /query.
type request struct {
	KSQL                  string            `json:"ksql"`
	StreamsProperties     map[string]string `json:"streamsProperties"`
	CommandSequenceNumber *int64            `json:"commandSequenceNumber,omitempty"`
}

func (c *HTTPClient) newRequest(sql string, props map[string]string) ([]byte, error) {
	if props == nil {
		props = map[string]string{}
	}
	r := request{KSQL: sql, StreamsProperties: props}
	c.mu.Lock()
	if c.lastSeq >= 0 && !c.pipelining {
		seq := c.lastSeq
		r.CommandSequenceNumber = &seq
	}
	c.mu.Unlock()
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return b, nil
}

// Execute runs statements through /ksql. On a failed statement it returns
// the entities of the ones before it with the error.
func (c *HTTPClient) Execute(ctx context.Context, sql string, props map[string]string) ([]api.Entity, error) {
	body, err := c.newRequest(sql, props)
	if err != nil {
		return nil, err
	}
	res, err := c.send(ctx, "POST", "/ksql", "application/vnd.ksql.v1+json", body)
	var se *ServerError
	if errors.As(err, &se) {
		return se.entities, se
	}
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var raws []json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&raws); err != nil {
		return nil, fmt.Errorf("read /ksql reply from %s: %w", c.base, err)
	}
	return c.entities(raws)
}

// Stream runs a SELECT through /query and emits each message as it
// arrives, until the server ends the stream or ctx is cancelled.
func (c *HTTPClient) Stream(ctx context.Context, sql string, props map[string]string, emit func(api.StreamedRow) error) error {
	body, err := c.newRequest(sql, props)
	if err != nil {
		return err
	}
	res, err := c.send(ctx, "POST", "/query", "application/vnd.ksql.v1+json", body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var doubles []bool // DOUBLE columns, whose whole numbers JSON writes as "1"
	// closed: the array ended; ended: with a final or error message. A
	// pull query on a table ends the array without one.
	closed, ended := false, false
	err = readLines(res.Body, func(line []byte) error {
		line = bytes.TrimSpace(line)
		line = bytes.TrimPrefix(line, []byte("["))
		closed = closed || bytes.HasSuffix(line, []byte("]"))
		line = bytes.TrimSuffix(line, []byte("]"))
		line = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte(",")))
		if len(line) == 0 {
			return nil // a keep-alive, or the end of the array
		}
		row, err := decodeRow(line)
		if err != nil {
			return fmt.Errorf("read /query stream from %s: %w", c.base, err)
		}
		if row.Header != nil {
			row.Header.Columns = schemaTypes(row.Header.Schema)
			doubles = make([]bool, len(row.Header.Columns))
			for i, col := range row.Header.Columns {
				doubles[i] = col.Type == "DOUBLE"
			}
		}
		if row.Row != nil {
			for i, v := range row.Row.Columns {
				if n, ok := v.(json.Number); ok && i < len(doubles) && doubles[i] {
					if f, err := n.Float64(); err == nil {
						row.Row.Columns[i] = f
					}
				}
			}
		}
		ended = ended || row.FinalMessage != "" || row.ErrorMessage != nil
		return emit(row)
	})
	if ctx.Err() != nil {
		return nil // cancelled by the caller (Ctrl-C): not an error
	}
	if err == nil && closed && !ended {
		// Complete, as the in-process engine says of every pull query.
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}
	return err
}

// Print runs PRINT through /query, emitting each text line.
func (c *HTTPClient) Print(ctx context.Context, sql string, props map[string]string, emit func(line string) error) error {
	body, err := c.newRequest(sql, props)
	if err != nil {
		return err
	}
	res, err := c.send(ctx, "POST", "/query", "application/vnd.ksql.v1+json", body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	err = readLines(res.Body, func(line []byte) error {
		s := strings.TrimRight(string(line), "\r\n")
		if strings.TrimSpace(s) == "" {
			return nil // keep-alive
		}
		return emit(s)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Insert writes rows (column name to JSON value) to the stream or table
// target through /inserts-stream, as ksqlDB's Java client's insertInto
// does, and returns the first row the server refused as a *ServerError.
// That endpoint only speaks HTTP/2, so an http:// server is reached over
// cleartext HTTP/2.
func (c *HTTPClient) Insert(ctx context.Context, target string, rows []map[string]any) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	if err := enc.Encode(map[string]any{"target": target, "properties": map[string]any{}}); err != nil {
		return fmt.Errorf("encode insert: %w", err)
	}
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("encode insert: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/inserts-stream", &body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.ksqlapi.delimited.v1")
	c.setAuth(req)
	res, err := c.http2().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.cannotReach(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return c.serverError(res)
	}
	acked := 0
	err = readLines(res.Body, func(line []byte) error {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return nil
		}
		var ack struct {
			Status  string `json:"status"`
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(line, &ack); err != nil {
			return fmt.Errorf("read /inserts-stream reply from %s: bad message %.200q", c.base, line)
		}
		if ack.Status != "ok" {
			return &ServerError{Status: res.StatusCode, Code: ack.Code, Message: ack.Message}
		}
		acked++
		return nil
	})
	if err != nil {
		return err
	}
	if acked != len(rows) {
		return fmt.Errorf("%s acknowledged %d of %d inserted rows", c.base, acked, len(rows))
	}
	return nil
}

// http2 is the client for HTTP/2-only endpoints.
func (c *HTTPClient) http2() *http.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h2 == nil {
		p := new(http.Protocols)
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
		tr := &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     c.opts.TLS,
			TLSHandshakeTimeout: 10 * time.Second,
			Protocols:           p,
			IdleConnTimeout:     90 * time.Second,
		}
		c.h2 = &http.Client{Transport: tr}
	}
	return c.h2
}

// readLines calls fn for each line of r until EOF.
func readLines(r io.Reader, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stream: %w", err)
		}
	}
}

// streamedMessage is one /query message as read: the row's columns
// kept as their JSON text, decoded one by one by decodeColumn.
type streamedMessage struct {
	Header *api.QueryHeader `json:"header"`
	Row    *struct {
		Columns   []json.RawMessage `json:"columns"`
		Tombstone bool              `json:"tombstone"`
	} `json:"row"`
	FinalMessage string        `json:"finalMessage"`
	ErrorMessage *api.ErrorMsg `json:"errorMessage"`
}

// decodeRow decodes one /query message in one pass: a push query's rows
// are most of what the shell reads, and it drew no faster than it parsed
// each row twice.
func decodeRow(b []byte) (api.StreamedRow, error) {
	var m streamedMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return api.StreamedRow{}, fmt.Errorf("bad message %.200q: %w", b, err)
	}
	row := api.StreamedRow{Header: m.Header, FinalMessage: m.FinalMessage, ErrorMessage: m.ErrorMessage}
	if m.Row != nil {
		cols := make([]any, len(m.Row.Columns))
		for i, col := range m.Row.Columns {
			v, err := decodeColumn(col)
			if err != nil {
				return api.StreamedRow{}, fmt.Errorf("bad message %.200q: %w", b, err)
			}
			cols[i] = v
		}
		row.Row = &api.Row{Columns: cols, Tombstone: m.Row.Tombstone}
	}
	return row, nil
}

// decodeColumn decodes one column's JSON text (already checked by
// json.Unmarshal): numbers as json.Number, so that BIGINTs and DECIMALs
// keep every digit, and each STRUCT's fields in the order the server
// wrote them (a map would print them sorted).
func decodeColumn(col []byte) (any, error) {
	col = bytes.TrimSpace(col)
	if len(col) == 0 {
		return nil, errors.New("empty column")
	}
	switch col[0] {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		if s := col[1 : len(col)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return string(s), nil // nothing escaped: the text is the string
		}
		var s string
		err := json.Unmarshal(col, &s)
		return s, err
	case '{', '[':
		if bytes.IndexByte(col, '{') >= 0 {
			return api.DecodeOrdered(col)
		}
		dec := json.NewDecoder(bytes.NewReader(col))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	default:
		return json.Number(col), nil
	}
}

// send makes a request, retrying while the server cannot be reached. A
// non-2xx reply becomes a *ServerError.
func (c *HTTPClient) send(ctx context.Context, method, path, accept string, body []byte) (*http.Response, error) {
	wait := c.opts.RetryWait
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("build request: %w", err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		c.setAuth(req)
		res, err := c.hc.Do(req)
		if err == nil {
			if res.StatusCode/100 == 2 {
				return res, nil
			}
			defer res.Body.Close()
			return nil, c.serverError(res)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !unreachable(err) || attempt >= c.opts.Retries {
			return nil, c.cannotReach(err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// setAuth adds the credentials and custom headers to a request.
func (c *HTTPClient) setAuth(req *http.Request) {
	for k, v := range c.opts.Headers {
		req.Header.Set(k, v)
	}
	if c.opts.User != "" {
		req.SetBasicAuth(c.opts.User, c.opts.Password)
	}
}

// unreachable reports an error from before the request was sent:
// connecting failed, so a retry cannot run anything twice.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// serverError reads an error reply.
func (c *HTTPClient) serverError(res *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	se := &ServerError{Status: res.StatusCode}
	if h := res.Header.Get(positionHeader); h != "" {
		l, c, _ := strings.Cut(h, ":")
		se.Pos.Line, _ = strconv.Atoi(l)
		se.Pos.Col, _ = strconv.Atoi(c)
	}
	var body struct {
		ServerError
		Entities []json.RawMessage `json:"entities"`
	}
	if json.Unmarshal(b, &body) == nil && body.Message != "" {
		se.Code, se.Message, se.Statement = body.Code, body.Message, body.Statement
		se.entities, _ = c.entities(body.Entities)
	} else {
		se.Message = strings.TrimSpace(string(b))
		if se.Message == "" {
			se.Message = http.StatusText(res.StatusCode)
		}
		se.Message = fmt.Sprintf("%s (HTTP %d from %s)", se.Message, res.StatusCode, c.base)
	}
	if res.StatusCode == http.StatusUnauthorized {
		if c.opts.User == "" {
			se.Message = "The server requires a user name and password: use --user and --password."
		} else {
			se.Message = fmt.Sprintf("The server did not accept the password of user %q.", c.opts.User)
		}
	}
	return se
}

// entities decodes /ksql entities by their @type, remembering the last
// command sequence number for the next request.
func (c *HTTPClient) entities(raws []json.RawMessage) ([]api.Entity, error) {
	out := make([]api.Entity, 0, len(raws))
	for _, raw := range raws {
		e, err := decodeEntity(raw)
		if err != nil {
			return out, err
		}
		if cs, ok := e.(*api.CurrentStatus); ok {
			c.mu.Lock()
			c.lastSeq = max(c.lastSeq, cs.CommandSequenceNumber)
			c.mu.Unlock()
		}
		out = append(out, e)
	}
	return out, nil
}

// decodeEntity picks the concrete type from "@type". Types this shell
// does not render become a message with their JSON.
func decodeEntity(raw json.RawMessage) (api.Entity, error) {
	var head struct {
		Type          string `json:"@type"`
		StatementText string `json:"statementText"`
		Message       string `json:"message"`
		QueryID       string `json:"queryId"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("bad entity %.200q: %w", raw, err)
	}
	var e api.Entity
	switch head.Type {
	case "currentStatus":
		e = &api.CurrentStatus{}
	case "streams":
		e = &api.StreamsList{}
	case "tables":
		e = &api.TablesList{}
	case "kafka_topics":
		e = &api.TopicsList{}
	case "queries":
		e = &api.QueriesList{}
	case "sourceDescription":
		e = &api.SourceDescriptionEntity{}
	case "source_descriptions":
		e = &api.SourceDescriptionList{}
	case "properties":
		e = &api.PropertiesList{}
	case "queryDescription":
		e = &api.QueryDescriptionEntity{}
	case "query_descriptions":
		e = &api.QueryDescriptionList{}
	case "variables":
		e = &api.VariablesList{}
	case "function_names":
		e = &api.FunctionNameList{}
	case "kafka_topics_extended":
		e = &api.TopicsListExtended{}
	case "describe_function":
		e = &api.FunctionDescription{}
	case "type_list":
		e = &api.TypeList{}
	case "message":
		e = &api.Message{}
	case "connector_info":
		e = &api.CreateConnectorEntity{}
	case "drop_connector":
		e = &api.DropConnectorEntity{}
	case "connector_list":
		e = &api.ConnectorList{}
	case "connector_plugins_list":
		e = &api.ConnectorPluginsList{}
	case "connector_description":
		e = &api.ConnectorDescription{}
	case "assert_topic":
		e = &api.AssertTopicEntity{}
	case "assert_schema":
		e = &api.AssertSchemaEntity{}
	case "warning_entity":
		return &api.Message{Type: "message", StatementText: head.StatementText, Message: "WARNING: " + head.Message, Warnings: []api.Warning{}}, nil
	case "terminate_query":
		return &api.Message{Type: "message", StatementText: head.StatementText, Message: "Query " + head.QueryID + " terminated.", Warnings: []api.Warning{}}, nil
	default:
		var pretty bytes.Buffer
		if json.Indent(&pretty, raw, "", "  ") != nil {
			pretty.Reset()
			pretty.Write(raw)
		}
		return &api.Message{Type: "message", StatementText: head.StatementText, Message: pretty.String(), Warnings: []api.Warning{}}, nil
	}
	if err := json.Unmarshal(raw, e); err != nil {
		return nil, fmt.Errorf("bad %s entity: %w", head.Type, err)
	}
	return e, nil
}

// schemaTypes parses a header schema ("`ID` STRING, `M` MAP<STRING, INT>")
// into columns.
func schemaTypes(schema string) []api.Column {
	var cols []api.Column
	depth, start := 0, 0
	inQuote := false
	for i := 0; i <= len(schema); i++ {
		if i < len(schema) {
			switch ch := schema[i]; {
			case ch == '`':
				inQuote = !inQuote
				continue
			case inQuote:
				continue
			case ch == '<' || ch == '(':
				depth++
				continue
			case ch == '>' || ch == ')':
				depth--
				continue
			case ch != ',' || depth > 0:
				continue
			}
		}
		if col := strings.TrimSpace(schema[start:i]); col != "" {
			typ := strings.TrimSuffix(strings.TrimSpace(col[nameEnd(col):]), " KEY")
			cols = append(cols, api.Column{Name: columnName(col), Type: typ})
		}
		start = i + 1
	}
	return cols
}

// nameEnd is the index just past the column name that starts col.
func nameEnd(col string) int {
	if !strings.HasPrefix(col, "`") {
		if i := strings.IndexByte(col, ' '); i >= 0 {
			return i
		}
		return len(col)
	}
	for i := 1; i < len(col); i++ {
		if col[i] != '`' {
			continue
		}
		if i+1 < len(col) && col[i+1] == '`' {
			i++
			continue
		}
		return i + 1
	}
	return len(col)
}

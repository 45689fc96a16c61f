package qtt

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/server"
)

// restRunner runs RQTT variants (qtt-format.md §2): each on a fresh
// backend served by eddy's REST handlers over a local HTTP server.
// Admin statements go to /ksql one at a time, then the inputs are
// produced, then each SELECT goes to /query; the replies are checked
// against the expected responses and error, and the topics against the
// expected outputs.
type restRunner struct {
	newBackend backendFactory
	timeout    time.Duration
	// idle bounds the wait for the next element of a query stream that
	// has not delivered every expected element; default restIdleWait.
	idle time.Duration
}

// restIdleWait is how long a query stream may stay silent before the
// elements read so far are taken as its response. The cluster is
// synchronous, so every row a query will produce arrives at once.
const restIdleWait = 2 * time.Second

// restEngine exposes the engine to the REST runner.
func (b *engineBackend) restEngine() server.Backend { return b.eng }

// restBackend is a backend that can be served by the REST API.
type restBackend interface {
	backend
	restEngine() server.Backend
}

var reSelect = regexp.MustCompile(`(?is)^\s*SELECT\s`)

// run runs one REST variant with a timeout, turning panics into errors.
func (r *restRunner) run(ctx context.Context, v *Variant, rc *restCase) Result {
	return runGuarded(ctx, v, r.timeout, func(ctx context.Context) *caseFailure { return r.runVariant(ctx, v, rc) })
}

// splitRESTStatements splits the statements into the admin prefix and
// the queries: every statement from the first SELECT on must be one.
func splitRESTStatements(stmts []string) (admin, queries []string, err error) {
	for i, s := range stmts {
		if reSelect.MatchString(s) {
			admin, queries = stmts[:i], stmts[i:]
			break
		}
	}
	if queries == nil {
		return stmts, nil, nil
	}
	for _, q := range queries {
		if !reSelect.MatchString(q) {
			return nil, nil, fmt.Errorf("statement after the first SELECT is not a SELECT: %s", abbreviate(q, 80))
		}
	}
	return admin, queries, nil
}

// restSession is one variant's server and client.
type restSession struct {
	client *http.Client
	url    string
	props  map[string]string // request properties: the case's
}

// post sends a statement to path and returns the response; the caller
// closes its body.
func (s *restSession) post(ctx context.Context, path, stmt string) (*http.Response, error) {
	body, err := json.Marshal(map[string]any{"ksql": stmt, "streamsProperties": s.props})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	req.Header.Set("Accept", "application/vnd.ksql.v1+json")
	return s.client.Do(req)
}

// postProto sends a query to /query-stream asking for protobuf rows.
func (s *restSession) postProto(ctx context.Context, stmt string) (*http.Response, error) {
	body, err := json.Marshal(map[string]any{"sql": stmt, "properties": s.props})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/query-stream", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", protoMedia)
	return s.client.Do(req)
}

// readError reads an error reply.
func readError(resp *http.Response) *restError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &restError{Status: resp.StatusCode, Body: strings.TrimSpace(string(data))}
	if v, err := decodeJSON(data); err == nil {
		e.Body = v
	}
	return e
}

// runVariant runs one REST variant; nil means it passed.
func (r *restRunner) runVariant(ctx context.Context, v *Variant, rc *restCase) *caseFailure {
	tc := v.Case
	withProto := false // testPullWithProtoFormat: the queries run again for protobuf
	for _, resp := range rc.Responses {
		if _, ok := resp["queryProto"]; ok {
			withProto = true
		}
	}
	admin, queries, err := splitRESTStatements(v.Statements)
	if err != nil {
		return &caseFailure{status: StatusError, msg: err.Error()}
	}
	props := baseProps()
	for k, val := range v.Properties {
		props[k] = val
	}
	// ksqlDB's REST harness runs with scalable push queries enabled.
	serverProps := baseProps()
	serverProps["ksql.query.push.v2.enabled"] = "true"
	be, err := r.newBackend(ctx, backendConfig{ServiceID: serviceID, Partitions: defaultPartitions, Props: serverProps})
	if err != nil {
		return &caseFailure{status: StatusError, msg: fmt.Sprintf("start engine: %v", err)}
	}
	defer be.Close()
	rb, ok := be.(restBackend)
	if !ok {
		return &caseFailure{status: StatusError, msg: "the backend cannot be served over REST"}
	}
	cluster := be.Cluster()
	if err := createTopics(ctx, cluster, v); err != nil {
		return &caseFailure{status: StatusError, msg: err.Error()}
	}
	store := be.Schemas()
	var declared map[string]int
	if store != nil {
		if declared, err = registerTopicSchemas(ctx, store, tc.Topics, derivedSchemas(v, props)); err != nil {
			return &caseFailure{status: StatusError, msg: err.Error()}
		}
	}

	srv, err := server.New(server.Config{Engine: rb.restEngine(), MaxPushQueries: -1})
	if err != nil {
		return &caseFailure{status: StatusError, msg: fmt.Sprintf("start server: %v", err)}
	}
	ts := httptest.NewServer(srv.Handler())
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // ends the push streams
		ts.CloseClientConnections()
		ts.Close()
	}()
	sess := &restSession{client: ts.Client(), url: ts.URL, props: v.Properties}
	if sess.props == nil {
		sess.props = map[string]string{}
	}
	want := rc.ExpectedError

	// errorOutcome settles a case on an error reply.
	errorOutcome := func(what string, got *restError) *caseFailure {
		if want == nil {
			return fail(got.String(), "%s failed: %s", what, oneLine(firstNonEmpty(got.field("message"), got.String())))
		}
		if err := matchRESTError(want, got); err != nil {
			return fail(got.String(), "%s: %v", what, err)
		}
		return nil
	}

	var actual []any // admin entities, then each query's elements
	for i, stmt := range admin {
		resp, err := sess.post(ctx, "/ksql", stmt)
		if err != nil {
			return fail("", "statement %d: %v", i+1, err)
		}
		if resp.StatusCode != http.StatusOK {
			got := readError(resp)
			resp.Body.Close()
			return errorOutcome(fmt.Sprintf("statement %d (%s)", i+1, abbreviate(stmt, 80)), got)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fail("", "statement %d: read reply: %v", i+1, err)
		}
		node, err := decodeJSON(data)
		ents, ok := node.([]any)
		if err != nil || !ok {
			return fail(string(data), "statement %d: the reply is not a JSON array of entities", i+1)
		}
		actual = append(actual, ents...)
	}

	produce := func() *caseFailure {
		srcs := be.Sources()
		for _, s := range srcs {
			s.DeclaredIDs = declared
		}
		for i := range tc.Inputs {
			in := &tc.Inputs[i]
			rec, err := encodeInput(in, sourceForTopic(srcs, in.Topic))
			if err != nil {
				return fail(renderSpec(in), "input %d (topic %s): %v", i+1, in.Topic, err)
			}
			if err := cluster.Produce(ctx, rec); err != nil {
				return fail(renderSpec(in), "produce input %d (topic %s): %v", i+1, in.Topic, err)
			}
		}
		return nil
	}
	waitForPush := rc.InputConditions != nil && rc.InputConditions.WaitForActivePushQuery && len(queries) > 0
	if !waitForPush {
		if f := produce(); f != nil {
			return f
		}
	}

	answered, raised := 0, false
	for j, stmt := range queries {
		idx := len(admin) + j
		expected := -1 // elements to read before closing an endless stream
		if idx < len(rc.Responses) {
			if raw, ok := rc.Responses[idx]["query"]; ok {
				var elems []json.RawMessage
				if json.Unmarshal(raw, &elems) == nil {
					expected = len(elems)
				}
			}
		}
		var onHeader func() *caseFailure
		if waitForPush && j == 0 {
			onHeader = func() *caseFailure {
				// The header comes just before the query subscribes.
				time.Sleep(200 * time.Millisecond)
				return produce()
			}
		}
		elems, qerr, f := r.query(ctx, sess, stmt, false, expected, onHeader)
		if f != nil {
			return f
		}
		if qerr != nil {
			// A failed query has no response; the case goes on, as in
			// ksqlDB's harness.
			if f := errorOutcome(fmt.Sprintf("query %d (%s)", j+1, abbreviate(stmt, 80)), qerr); f != nil {
				return f
			}
			raised = true
			continue
		}
		actual = append(actual, elems)
		answered++
	}
	if withProto {
		// Then each query again over /query-stream, with protobuf rows.
		for j, stmt := range queries {
			idx := len(admin) + len(queries) + j
			expected := -1
			if idx < len(rc.Responses) {
				var elems []json.RawMessage
				if json.Unmarshal(rc.Responses[idx]["queryProto"], &elems) == nil {
					expected = len(elems)
				}
			}
			elems, qerr, f := r.query(ctx, sess, stmt, true, expected, nil)
			if f != nil {
				return f
			}
			if qerr != nil {
				if f := errorOutcome(fmt.Sprintf("protobuf query %d (%s)", j+1, abbreviate(stmt, 80)), qerr); f != nil {
					return f
				}
				raised = true
				continue
			}
			actual = append(actual, elems)
			answered++
		}
	}
	vacuous := ""
	if want != nil {
		switch {
		case answered > 0:
			return fail(renderJSON(actual), "expected error %s was not raised", describeRESTError(want))
		case !raised:
			// ksqlDB's harness checks that the error was raised only
			// when a query answered; without queries the case goes on
			// to its outputs and responses.
			vacuous = fmt.Sprintf("expected error %s was not raised (not checked without queries, as in ksqlDB's harness)", describeRESTError(want))
		}
	}

	if f := r.verifyResponses(rc, v.Statements, actual); f != nil {
		return f
	}
	if f := checkOutputs(ctx, cluster, be.Sources(), tc.Outputs, false); f != nil {
		if errs := be.QueryErrors(); len(errs) > 0 {
			f.details = strings.TrimSpace(f.details + "\nquery errors:\n" + joinErrors(errs))
		}
		return f
	}
	if vacuous != "" {
		return &caseFailure{status: StatusPass, msg: vacuous}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// query sends one SELECT to /query (or, for proto, to /query-stream
// asking for protobuf rows) and reads its streamed elements: until the
// stream ends, or once expected elements arrived (an endless push
// query), or after the stream has been idle. A failed request or a
// streamed error message is returned as a restError. onHeader, when
// set, runs once the header arrived.
func (r *restRunner) query(ctx context.Context, sess *restSession, stmt string, proto bool, expected int, onHeader func() *caseFailure) ([]any, *restError, *caseFailure) {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var resp *http.Response
	var err error
	if proto {
		resp, err = sess.postProto(qctx, stmt)
	} else {
		resp, err = sess.post(qctx, "/query", stmt)
	}
	if err != nil {
		return nil, nil, fail("", "query %s: %v", abbreviate(stmt, 80), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp), nil
	}
	type item struct {
		elem any
		err  error
		end  bool
	}
	items := make(chan item)
	go func() {
		defer close(items)
		send := func(it item) bool {
			select {
			case items <- it:
				return true
			case <-qctx.Done():
				return false
			}
		}
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadBytes('\n')
			elem, last, perr := parseStreamLine(line)
			if perr != nil {
				send(item{err: perr})
				return
			}
			if elem != nil && !send(item{elem: elem}) {
				return
			}
			if last {
				send(item{end: true})
				return
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					send(item{err: err})
				} else {
					send(item{end: true})
				}
				return
			}
		}
	}()
	idle := r.idle
	if idle <= 0 {
		idle = restIdleWait
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	var elems []any
	for {
		if expected >= 0 && len(elems) >= expected {
			return elems, nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, fail(renderJSON(elems), "timeout reading query %s", abbreviate(stmt, 80))
		case <-timer.C:
			return elems, nil, nil // idle: take what arrived
		case it, ok := <-items:
			if !ok || it.end {
				return elems, nil, nil
			}
			if it.err != nil {
				return nil, nil, fail(renderJSON(elems), "read query stream: %v", it.err)
			}
			if o, ok := it.elem.(map[string]any); ok {
				if em, ok := o["errorMessage"].(map[string]any); ok {
					status := 0
					if n, ok := em["error_code"].(json.Number); ok {
						if c, err := n.Int64(); err == nil {
							status = int(c / 100)
						}
					}
					return nil, &restError{Status: status, Body: em}, nil
				}
				if _, ok := o["header"]; ok && onHeader != nil {
					if f := onHeader(); f != nil {
						return nil, nil, f
					}
					onHeader = nil
				}
			}
			elems = append(elems, it.elem)
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(idle)
		}
	}
}

// parseStreamLine decodes one line of the legacy /query reply: a JSON
// array of StreamedRow objects written one per line ("[" before the
// first, "," after each but the last, "]" after it). Blank lines are
// keep-alives. last reports the closing bracket.
func parseStreamLine(line []byte) (elem any, last bool, err error) {
	s := bytes.TrimSpace(line)
	s = bytes.TrimPrefix(s, []byte("["))
	switch {
	case bytes.HasSuffix(s, []byte("]")):
		last = true
		s = s[:len(s)-1]
	case bytes.HasSuffix(s, []byte(",")):
		s = s[:len(s)-1]
	}
	s = bytes.TrimSpace(s)
	if len(s) == 0 {
		return nil, last, nil
	}
	v, err := decodeJSON(s)
	if err != nil {
		return nil, false, fmt.Errorf("bad stream element %q: %w", s, err)
	}
	return v, last, nil
}

// verifyResponses matches the expected responses with the actual ones
// by position: there must be at least as many actual responses.
func (r *restRunner) verifyResponses(rc *restCase, stmts []string, actual []any) *caseFailure {
	if len(actual) < len(rc.Responses) {
		return fail(renderJSON(actual), "expected %d responses but was %d", len(rc.Responses), len(actual))
	}
	ordered := rc.OutputConditions != nil && rc.OutputConditions.VerifyOrder
	for i, resp := range rc.Responses {
		if len(resp) != 1 {
			return &caseFailure{status: StatusError, msg: fmt.Sprintf("response %d must have exactly one key", i+1)}
		}
		m := restMatcher{}
		if i < len(stmts) {
			m.stmt = stmts[i]
		}
		for kind, raw := range resp {
			exp, err := decodeJSON(raw)
			if err != nil {
				return &caseFailure{status: StatusError, msg: fmt.Sprintf("response %d: %v", i+1, err)}
			}
			switch kind {
			case "admin":
				if err := m.match("", exp, actual[i]); err != nil {
					return fail("expected: "+renderJSON(exp)+"\nactual:   "+renderJSON(actual[i]), "response %d (admin): %v", i+1, err)
				}
			case "query", "queryProto":
				el, ok1 := exp.([]any)
				al, ok2 := actual[i].([]any)
				if !ok1 {
					return &caseFailure{status: StatusError, msg: fmt.Sprintf("response %d: a query response must be a list", i+1)}
				}
				if !ok2 {
					return fail(renderJSON(actual[i]), "response %d: expected a query response but was an admin one", i+1)
				}
				if kind == "queryProto" {
					var err error
					if el, al, err = protoRowsAsColumns(el, al); err != nil {
						return fail(listElements(el, al), "response %d (queryProto): %v", i+1, err)
					}
				}
				if err := m.matchQueryResponse(el, al, ordered); err != nil {
					return fail(listElements(el, al), "response %d (%s): %v", i+1, kind, err)
				}
			default:
				return &caseFailure{status: StatusError, msg: fmt.Sprintf("response %d: unknown response type %q", i+1, kind)}
			}
		}
	}
	return nil
}

// listElements renders expected and actual query elements for details.
func listElements(exp, act []any) string {
	var b strings.Builder
	b.WriteString("expected:\n")
	for _, e := range exp {
		b.WriteString("  " + renderJSON(e) + "\n")
	}
	b.WriteString("actual:\n")
	for _, a := range act {
		b.WriteString("  " + renderJSON(a) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// protoMedia is the Accept type of protobuf query results.
const protoMedia = "application/vnd.ksql.v1+protobuf"

// protoRowsAsColumns prepares a queryProto response for matching: the
// rows, in protobuf text form in exp and as base64 message bytes in act,
// are read as messages of the actual header's protoSchema and both
// become {"row":{"columns":[T]}} with T the same canonical text for
// equal messages (repeated map entries sorted by key, as ksqlDB writes
// them in hash order). Headers and final messages are left as they are.
func protoRowsAsColumns(exp, act []any) (expOut, actOut []any, err error) {
	schema := ""
	for _, a := range act {
		if h, ok := elemField(a, "header").(map[string]any); ok {
			schema, _ = h["protoSchema"].(string)
			break
		}
	}
	if schema == "" {
		return exp, act, errors.New("the reply has no header with a protoSchema")
	}
	md, err := serde.ProtoMessageOf(schema)
	if err != nil {
		return exp, act, fmt.Errorf("the reply's protoSchema: %w", err)
	}
	convert := func(elems []any, read func(row any) (proto.Message, error)) ([]any, error) {
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = e
			row := elemField(e, "row")
			if row == nil {
				continue
			}
			m, err := read(row)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			sortProtoEntries(m.ProtoReflect())
			out[i] = map[string]any{"row": map[string]any{"columns": []any{prototext.Format(m)}}}
		}
		return out, nil
	}
	expOut, err = convert(exp, func(row any) (proto.Message, error) {
		text, ok := row.(string)
		if !ok {
			return nil, fmt.Errorf("an expected protobuf row must be a string in text form, not %s", renderJSON(row))
		}
		m := dynamicpb.NewMessage(md)
		if err := prototext.Unmarshal([]byte(text), m); err != nil {
			return nil, fmt.Errorf("expected row %q: %w", text, err)
		}
		return m, nil
	})
	if err != nil {
		return exp, act, err
	}
	actOut, err = convert(act, func(row any) (proto.Message, error) {
		obj, _ := row.(map[string]any)
		enc, ok := obj["protobufBytes"].(string)
		if !ok {
			return nil, fmt.Errorf("a protobuf row needs \"protobufBytes\": %s", renderJSON(row))
		}
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("protobufBytes: %w", err)
		}
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(b, m); err != nil {
			return nil, fmt.Errorf("protobufBytes: %w", err)
		}
		return m, nil
	})
	if err != nil {
		return expOut, act, err
	}
	return expOut, actOut, nil
}

// elemField returns field k of a stream element object, or nil.
func elemField(elem any, k string) any {
	if o, ok := elem.(map[string]any); ok {
		return o[k]
	}
	return nil
}

// sortProtoEntries sorts, through m, every repeated field of map-entry
// messages (…Entry with fields key and value) by key.
func sortProtoEntries(m protoreflect.Message) {
	var fields []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.Message() != nil {
			fields = append(fields, fd)
		}
		return true
	})
	for _, fd := range fields {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				m.Get(fd).Map().Range(func(_ protoreflect.MapKey, v protoreflect.Value) bool {
					sortProtoEntries(v.Message())
					return true
				})
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			vals := make([]protoreflect.Value, l.Len())
			for i := range vals {
				vals[i] = l.Get(i)
				sortProtoEntries(vals[i].Message())
			}
			md := fd.Message()
			key, value := md.Fields().ByName("key"), md.Fields().ByName("value")
			if !strings.HasSuffix(string(md.Name()), "Entry") || md.Fields().Len() != 2 || key == nil || value == nil {
				continue
			}
			text := func(v protoreflect.Value) string { return prototext.Format(v.Message().Interface()) }
			sort.SliceStable(vals, func(i, j int) bool {
				ki, kj := fmt.Sprint(vals[i].Message().Get(key).Interface()), fmt.Sprint(vals[j].Message().Get(key).Interface())
				if ki != kj {
					return ki < kj
				}
				return text(vals[i]) < text(vals[j])
			})
			for i, v := range vals {
				l.Set(i, v)
			}
		default:
			sortProtoEntries(m.Mutable(fd).Message())
		}
	}
}

package qtt

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// Status is the outcome of one variant.
type Status string

const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusError Status = "error"
	StatusSkip  Status = "skip"
)

// Result is the outcome of one variant.
type Result struct {
	File     string
	Name     string // the test id
	Status   Status
	Message  string
	Details  string // extra lines shown with -v
	Duration time.Duration
}

const (
	serviceID         = "some.ksql.service.id"
	defaultPartitions = 4
)

// baseProps are the harness defaults (qtt-format.md §1.7 step 3).
func baseProps() map[string]string {
	return map[string]string{
		"auto.offset.reset":            "earliest",
		"cache.max.bytes.buffering":    "0",
		"ksql.service.id":              serviceID,
		"ksql.headers.columns.enabled": "true",
	}
}

// runner runs variants, each on a fresh backend.
type runner struct {
	newBackend backendFactory
	timeout    time.Duration
}

// caseFailure ends a variant with a status and message.
type caseFailure struct {
	status  Status
	msg     string
	details string
}

func (f *caseFailure) Error() string { return f.msg }

func fail(details, format string, args ...any) *caseFailure {
	return &caseFailure{status: StatusFail, msg: fmt.Sprintf(format, args...), details: details}
}

// run runs one variant with a timeout, turning panics into errors. A
// variant that times out is abandoned: its cluster is private.
func (r *runner) run(ctx context.Context, v *Variant) Result {
	return runGuarded(ctx, v, r.timeout, func(ctx context.Context) *caseFailure { return r.runVariant(ctx, v) })
}

// runGuarded runs one variant's body with a timeout, turning a panic into
// an error result; skipped variants do not run.
func runGuarded(ctx context.Context, v *Variant, timeout time.Duration, body func(context.Context) *caseFailure) Result {
	res := Result{File: v.File, Name: v.ID}
	if v.Skip != "" {
		res.Status, res.Message = StatusSkip, v.Skip
		return res
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan *caseFailure, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- &caseFailure{status: StatusError, msg: fmt.Sprintf("panic: %v", p), details: string(debug.Stack())}
			}
		}()
		done <- body(ctx)
	}()
	select {
	case f := <-done:
		res.Status = StatusPass
		if f != nil {
			res.Status, res.Message, res.Details = f.status, f.msg, f.details
		}
	case <-ctx.Done():
		res.Status, res.Message = StatusFail, fmt.Sprintf("timeout after %s", timeout)
	}
	res.Duration = time.Since(start)
	return res
}

var (
	reKafkaTopic = regexp.MustCompile(`(?i)\bKAFKA_TOPIC\s*=\s*'((?:[^']|'')*)'`)
	rePartitions = regexp.MustCompile(`(?i)\bPARTITIONS\s*=\s*(\d+)`)
	reAsSelect   = regexp.MustCompile(`(?is)\bAS\s+SELECT\b`)
	reCreate     = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?(STREAM|TABLE)\b`)
	reInsertVals = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\b.*\bVALUES\s*\(`)
)

// runVariant runs one variant; nil means it passed.
func (r *runner) runVariant(ctx context.Context, v *Variant) *caseFailure {
	tc := v.Case
	props := baseProps()
	for k, val := range v.Properties {
		props[k] = val
	}
	be, err := r.newBackend(ctx, backendConfig{ServiceID: serviceID, Partitions: defaultPartitions, Props: props})
	if err != nil {
		return &caseFailure{status: StatusError, msg: fmt.Sprintf("start engine: %v", err)}
	}
	defer be.Close()
	cluster := be.Cluster()

	if err := createTopics(ctx, cluster, v); err != nil {
		return &caseFailure{status: StatusError, msg: err.Error()}
	}
	store := be.Schemas()
	for _, t := range tc.Topics {
		if t.needsSR() && store == nil {
			return fail("", "topic %s declares a schema but the backend has no Schema Registry", t.Name)
		}
	}
	var declared map[string]int
	if store != nil {
		var err error
		if declared, err = registerTopicSchemas(ctx, store, tc.Topics, derivedSchemas(v, props)); err != nil {
			return &caseFailure{status: StatusError, msg: err.Error()}
		}
	}

	want := tc.ExpectedException
	line := 0 // lines before the statement in the joined script
	for i, stmt := range v.Statements {
		err := be.Execute(ctx, stmt)
		offset := line
		line += strings.Count(stmt, "\n") + 1
		if err == nil {
			continue
		}
		err = shiftParseLine(err, offset)
		if want != nil {
			if merr := matchException(want, err); merr != nil {
				return fail(fmt.Sprintf("statement %d: %s", i+1, stmt), "%v", merr)
			}
			return nil
		}
		return fail("", "statement %d failed: %s: %v", i+1, abbreviate(stmt, 120), err)
	}

	srcs := be.Sources()
	for _, s := range srcs {
		s.DeclaredIDs = declared
	}
	var prodErr error
	for i := range tc.Inputs {
		in := &tc.Inputs[i]
		rec, err := encodeInput(in, sourceForTopic(srcs, in.Topic))
		if err != nil {
			return fail(renderSpec(in), "input %d (topic %s): %v", i+1, in.Topic, err)
		}
		// ksqlDB's harness feeds every input through partition 0, so
		// ROWPARTITION is 0 whatever the key.
		rec.Partition = 0
		if err := cluster.Produce(ctx, rec); err != nil {
			if want != nil {
				prodErr = err
				break
			}
			return fail(renderSpec(in), "produce input %d (topic %s): %v", i+1, in.Topic, err)
		}
	}
	if ctx.Err() != nil {
		return fail("", "timeout")
	}

	if want != nil {
		errs := be.QueryErrors()
		if prodErr != nil {
			errs = append([]error{&execError{Kind: kindRuntime, Msg: prodErr.Error()}}, errs...)
		}
		var msgs []string
		for _, e := range errs {
			if matchException(want, e) == nil {
				return nil
			}
			msgs = append(msgs, e.Error())
		}
		return fail(strings.Join(msgs, "\n"), "expected exception %s was not raised", describeException(want))
	}
	anyZeroTS := len(tc.Inputs) == 0 && hasInsertValues(v.Statements)
	if f := checkOutputs(ctx, cluster, be.Sources(), tc.Outputs, anyZeroTS); f != nil {
		if errs := be.QueryErrors(); len(errs) > 0 {
			f.details = strings.TrimSpace(f.details + "\nquery errors:\n" + joinErrors(errs))
		}
		return f
	}

	if tc.Post != nil {
		topics, err := cluster.Topics(ctx)
		if err != nil {
			return &caseFailure{status: StatusError, msg: fmt.Sprintf("list topics: %v", err)}
		}
		var reg serde.Registry
		if store != nil {
			reg = store
		}
		if err := checkPost(tc.Post, be.Sources(), topics, props, reg); err != nil {
			return fail("", "%v", err)
		}
	}
	return nil
}

var (
	reLinePrefix    = regexp.MustCompile(`^((?:Failed to prepare statement: )?)line (\d+):`)
	reLineColPrefix = regexp.MustCompile(`^((?:Exception while preparing statement: )?)Line: (\d+), Col:`)
)

// shiftParseLine makes a parse error's "line N:" count from the start of
// the whole script, as ksqlDB's harness parses the statements joined by
// newlines.
func shiftParseLine(err error, offset int) error {
	var ee *execError
	if offset == 0 || !errors.As(err, &ee) {
		return err
	}
	if m := reLineColPrefix.FindStringSubmatch(ee.Msg); m != nil {
		n, _ := strconv.Atoi(m[2])
		return &execError{Kind: ee.Kind, Msg: fmt.Sprintf("%sLine: %d, Col:", m[1], n+offset) + ee.Msg[len(m[0]):]}
	}
	if ee.Kind != kindParse {
		return err
	}
	m := reLinePrefix.FindStringSubmatch(ee.Msg)
	if m == nil {
		return err
	}
	n, _ := strconv.Atoi(m[2])
	return &execError{Kind: ee.Kind, Msg: fmt.Sprintf("%sline %d:", m[1], n+offset) + ee.Msg[len(m[0]):]}
}

func joinErrors(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("  " + e.Error() + "\n")
	}
	return b.String()
}

// createTopics creates the pre-declared topics, the topics of CREATE
// statements that declare a source over an existing topic, and the input
// topics, as the ksqlDB harness does.
func createTopics(ctx context.Context, c kafka.Cluster, v *Variant) error {
	seen := map[string]bool{}
	create := func(name string, parts int32, reps int16) error {
		if name == "" || seen[name] {
			return nil
		}
		seen[name] = true
		if parts <= 0 {
			parts = defaultPartitions
		}
		if reps <= 0 {
			reps = 1
		}
		if err := c.CreateTopic(ctx, kafka.TopicInfo{Name: name, Partitions: parts, Replicas: reps}); err != nil {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
		return nil
	}
	for _, t := range v.Case.Topics {
		if err := create(t.Name, t.Partitions, t.Replicas); err != nil {
			return err
		}
	}
	for _, s := range v.Statements {
		if !reCreate.MatchString(s) || reAsSelect.MatchString(s) {
			continue
		}
		m := reKafkaTopic.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		parts := int32(0)
		if pm := rePartitions.FindStringSubmatch(s); pm != nil {
			if n, err := strconv.Atoi(pm[1]); err == nil {
				parts = int32(n)
			}
		}
		if err := create(strings.ReplaceAll(m[1], "''", "'"), parts, 0); err != nil {
			return err
		}
	}
	for _, in := range v.Case.Inputs {
		if err := create(in.Topic, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

func hasInsertValues(stmts []string) bool {
	for _, s := range stmts {
		if reInsertVals.MatchString(s) {
			return true
		}
	}
	return false
}

// sourceForTopic picks the source whose topic is name, preferring one
// named like the topic (a query's sink) when several share it.
func sourceForTopic(srcs []*sourceInfo, name string) *sourceInfo {
	var found *sourceInfo
	for _, s := range srcs {
		if s.Topic != name {
			continue
		}
		if strings.EqualFold(s.Name, name) {
			return s
		}
		if found == nil {
			found = s
		}
	}
	return found
}

// checkOutputs compares each expected topic's records in order.
func checkOutputs(ctx context.Context, c kafka.Cluster, srcs []*sourceInfo, outs []recordSpec, anyZeroTS bool) *caseFailure {
	var order []string
	byTopic := map[string][]*recordSpec{}
	for i := range outs {
		t := outs[i].Topic
		if _, ok := byTopic[t]; !ok {
			order = append(order, t)
		}
		byTopic[t] = append(byTopic[t], &outs[i])
	}
	for _, topic := range order {
		exp := byTopic[topic]
		act, err := c.ReadAll(ctx, topic)
		if err != nil {
			return fail("", "read topic %s: %v", topic, err)
		}
		src := sourceForTopic(srcs, topic)
		if len(act) != len(exp) {
			return fail(listRecords(exp, act, src), "topic %s: expected %d records but was %d", topic, len(exp), len(act))
		}
		for i := range exp {
			if err := compareRecord(exp[i], act[i], src, anyZeroTS); err != nil {
				return fail(listRecords(exp, act, src), "topic %s record %d: %v", topic, i+1, err)
			}
		}
	}
	return nil
}

// listRecords renders expected and actual records side by side.
func listRecords(exp []*recordSpec, act []kafka.Record, src *sourceInfo) string {
	var b strings.Builder
	b.WriteString("expected:\n")
	for _, e := range exp {
		b.WriteString("  " + renderSpec(e) + "\n")
	}
	b.WriteString("actual:\n")
	for _, a := range act {
		b.WriteString("  " + renderRecord(a, src) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// exceptionKinds maps Java exception types to the engine error kinds they
// stand for. ParseFailedException is a KsqlStatementException, and
// KsqlException is the base of both.
var exceptionKinds = map[string][]errKind{
	"ParseFailedException":   {kindParse},
	"KsqlStatementException": {kindStatement, kindParse},
	"KsqlException":          {kindStatement, kindParse, kindRuntime},
	"StreamsException":       {kindRuntime},
	"AssertionError":         {kindAssertion},
}

// matchException checks an error against an expectedException: message
// (and causeMessage) as substrings, type by category.
func matchException(want *exceptionSpec, err error) error {
	kind := kindUnknown
	var ee *execError
	if errors.As(err, &ee) {
		kind = ee.Kind
	}
	msg := err.Error()
	if want.Message != "" && !strings.Contains(msg, want.Message) {
		return fmt.Errorf("expected error message containing %q but was %q (%s)", want.Message, msg, kind)
	}
	if want.CauseMessage != "" && !strings.Contains(msg, want.CauseMessage) {
		return fmt.Errorf("expected cause message containing %q but was %q", want.CauseMessage, msg)
	}
	if want.Type != "" && kind != kindUnknown {
		short := want.Type[strings.LastIndex(want.Type, ".")+1:]
		if kinds, ok := exceptionKinds[short]; ok {
			match := false
			for _, k := range kinds {
				match = match || k == kind
			}
			if !match {
				return fmt.Errorf("expected %s but was a %s: %s", short, kind, msg)
			}
		}
	}
	return nil
}

func describeException(e *exceptionSpec) string {
	s := e.Type[strings.LastIndex(e.Type, ".")+1:]
	if e.Message != "" {
		s += fmt.Sprintf(" %q", e.Message)
	}
	return strings.TrimSpace(s)
}

func abbreviate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

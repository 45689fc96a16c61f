package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
)

// Server settings giving the wait of an ASSERT without TIMEOUT, as in
// ksqlDB. They are read from the server's configuration only: ksqlDB
// ignores session overrides of them.
const (
	AssertTopicTimeoutProperty  = "ksql.assert.topic.default.timeout.ms"
	AssertSchemaTimeoutProperty = "ksql.assert.schema.default.timeout.ms"
)

const (
	// defaultAssertTimeoutMS is ksqlDB's default of both settings.
	defaultAssertTimeoutMS = 1000
	// assertRetry is how often a failing assertion is checked again;
	// ksqlDB checks every 100 ms, timeout/100 more times after the first.
	assertRetry = 100 * time.Millisecond
)

// assertErr is a failed ASSERT: ksqlDB answers it with HTTP 417 and a
// generic error carrying msg. err is the cause when a check could not
// be made (the cluster or registry failed).
type assertErr struct {
	msg string
	err error
}

func (e *assertErr) Error() string { return e.msg }
func (e *assertErr) Unwrap() error { return e.err }

// assert runs ASSERT TOPIC or ASSERT SCHEMA. It changes nothing, so it
// neither takes the catalog lock nor goes to the command log; it waits
// until the assertion holds, its timeout passes, or ctx ends.
func (e *Engine) assert(ctx context.Context, st sql.Statement) (api.Entity, error) {
	switch s := st.(type) {
	case *sql.AssertTopic:
		timeout, err := e.assertTimeout(s.TimeoutMS, AssertTopicTimeoutProperty)
		if err != nil {
			return nil, err
		}
		if err := waitAssert(ctx, timeout, func(ctx context.Context) error {
			return checkTopic(ctx, e.cluster, s)
		}); err != nil {
			return nil, err
		}
		return &api.AssertTopicEntity{Type: "assert_topic", StatementText: s.Text(), TopicName: s.Name,
			Exists: !s.NotExists, Warnings: []api.Warning{}}, nil
	case *sql.AssertSchema:
		timeout, err := e.assertTimeout(s.TimeoutMS, AssertSchemaTimeoutProperty)
		if err != nil {
			return nil, err
		}
		reg := e.opts.Registry
		if reg == nil {
			// ksqlDB retries this until the timeout; no wait can change it.
			return nil, &assertErr{msg: "Cannot check schema existence: KSQL is not configured to use a schema registry. To enable it, please set ksql.schema.registry.url"}
		}
		if err := waitAssert(ctx, timeout, func(context.Context) error {
			return checkSchema(reg, s)
		}); err != nil {
			return nil, err
		}
		ent := &api.AssertSchemaEntity{Type: "assert_schema", StatementText: s.Text(), Subject: s.Subject,
			Exists: !s.NotExists, Warnings: []api.Warning{}}
		if s.ID != nil {
			id := int(*s.ID)
			ent.ID = &id
		}
		return ent, nil
	}
	return nil, &stmtErr{msg: "unsupported statement"}
}

// assertTimeout is the statement's TIMEOUT, else the server setting,
// else ksqlDB's default, in milliseconds.
func (e *Engine) assertTimeout(stmt *int64, property string) (int64, error) {
	if stmt != nil {
		return *stmt, nil
	}
	v, ok := e.cfg[property]
	if !ok {
		return defaultAssertTimeoutMS, nil
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, &stmtErr{msg: fmt.Sprintf("Invalid value %s for configuration %s: Not a number of type INT", v, property)}
	}
	return ms, nil
}

// waitAssert runs check, then again every assertRetry while it fails, as
// many times as ksqlDB would within timeoutMS, and returns its last
// error. A ctx that ends (a client that hung up) stops the wait.
func waitAssert(ctx context.Context, timeoutMS int64, check func(context.Context) error) error {
	// In milliseconds: a TIMEOUT in days would overflow a Duration.
	retries := timeoutMS / assertRetry.Milliseconds()
	for i := int64(0); ; i++ {
		err := check(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("stopped waiting for the assertion (%v): %w", err, context.Cause(ctx))
		}
		if i >= retries {
			return err
		}
		t := time.NewTimer(assertRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("stopped waiting for the assertion (%v): %w", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// checkTopic checks an ASSERT TOPIC once.
func checkTopic(ctx context.Context, cl kafka.Cluster, s *sql.AssertTopic) error {
	info, exists, err := cl.Topic(ctx, s.Name)
	if err != nil {
		return &assertErr{msg: "Cannot check topic existence: " + err.Error(), err: err}
	}
	if s.NotExists {
		// ksqlDB ignores WITH here (it logs that it does).
		if exists {
			return &assertErr{msg: "Topic " + s.Name + " exists"}
		}
		return nil
	}
	if !exists {
		return &assertErr{msg: "Topic " + s.Name + " does not exist"}
	}
	var problems []string
	for _, p := range s.Props {
		var actual int
		switch strings.ToLower(p.Name) {
		case "partitions":
			actual = int(info.Partitions)
		case "replicas":
			actual = int(info.Replicas)
		default:
			problems = append(problems, "Cannot assert unknown topic property: "+p.Name)
			continue
		}
		// Only an INT literal can match: ksqlDB compares an Integer, so
		// PARTITIONS='3' reports "expected 3 got 3".
		if n, ok := p.Value.(*sql.IntLit); ok && n.Val <= math.MaxInt32 && int(n.Val) == actual {
			continue
		}
		problems = append(problems, fmt.Sprintf("Mismatched configuration for topic %s: For config %s, expected %s got %d",
			s.Name, strings.ToLower(p.Name), literalText(p.Value), actual))
	}
	if len(problems) > 0 {
		return &assertErr{msg: strings.Join(problems, "\n")}
	}
	return nil
}

// literalText is a WITH value as Java's toString of its value shows it.
func literalText(e sql.Expr) string {
	if s, ok := e.(*sql.StringLit); ok {
		return s.Val
	}
	return sql.FormatExpr(e)
}

// checkSchema checks an ASSERT SCHEMA once against the registry: the
// subject's latest version, the id, or both (the subject is among those
// using the id).
func checkSchema(reg serde.Registry, s *sql.AssertSchema) error {
	exists, err := schemaExists(reg, s.Subject, s.ID)
	if err != nil {
		return &assertErr{msg: "Cannot check schema existence: " + err.Error(), err: err}
	}
	what := "Schema with"
	if s.Subject != nil {
		what += " subject name " + *s.Subject
	}
	if s.ID != nil {
		what += " id " + strconv.FormatInt(*s.ID, 10)
	}
	switch {
	case s.NotExists && exists:
		return &assertErr{msg: what + " exists"}
	case !s.NotExists && !exists:
		return &assertErr{msg: what + " does not exist"}
	}
	return nil
}

func schemaExists(reg serde.Registry, subject *string, id *int64) (bool, error) {
	var err error
	switch {
	case subject != nil && id != nil:
		sl, ok := reg.(serde.SubjectLister)
		if !ok {
			return false, errors.New("the Schema Registry client cannot list the subjects of a schema id")
		}
		var subjects []string
		if subjects, err = sl.SubjectsByID(int(*id)); err == nil {
			return slices.Contains(subjects, *subject), nil
		}
	case id != nil:
		_, err = reg.ByID(int(*id))
	case subject != nil:
		_, _, err = reg.Latest(*subject)
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, serde.ErrSchemaNotFound), errors.Is(err, serde.ErrSubjectNotFound):
		return false, nil
	}
	return false, err
}

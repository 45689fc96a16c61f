package repl

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
)

// TestRenderAssert: the shell decodes /ksql's assert_topic and
// assert_schema entities and prints them as ksqlDB's CLI does (which says
// "subject" where the server's error says "subject name").
func TestRenderAssert(t *testing.T) {
	for raw, want := range map[string]string{
		`{"@type":"assert_topic","statementText":"ASSERT TOPIC t","topicName":"t","exists":true,"warnings":[]}`:              "\nTopic t exists.\n",
		`{"@type":"assert_topic","statementText":"ASSERT NOT EXISTS TOPIC t","topicName":"t","exists":false,"warnings":[]}`:  "\nTopic t does not exist.\n",
		`{"@type":"assert_schema","statementText":"s","subject":"abc","id":55,"exists":true,"warnings":[]}`:                  "\nSchema with subject abc id 55 exists.\n",
		`{"@type":"assert_schema","statementText":"s","subject":null,"id":55,"exists":false,"warnings":[]}`:                  "\nSchema with id 55 does not exist.\n",
		`{"@type":"assert_schema","statementText":"s","subject":"abc","id":null,"exists":true,"warnings":[{"message":"w"}]}`: "\nSchema with subject abc exists.\nWARNING: w\n",
	} {
		e, err := decodeEntity([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.(*api.Message); ok {
			t.Fatalf("%s decoded as an unknown entity", raw)
		}
		check(t, raw, renderOne(e, 0, nil), want)
	}
}

// TestCtrlCStopsAssert: Ctrl-C while an ASSERT waits cancels its request
// and fails the statement; the shell goes on with the next one.
func TestCtrlCStopsAssert(t *testing.T) {
	started := make(chan struct{}, 1)
	c := &testClient{executeCtx: func(ctx context.Context, sql string) ([]api.Entity, error) {
		if !strings.HasPrefix(sql, "ASSERT") {
			return nil, nil
		}
		started <- struct{}{}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
			return nil, errors.New("never interrupted")
		}
	}}
	sig := make(chan os.Signal, 1)
	go func() {
		select {
		case <-started:
			sig <- os.Interrupt
		case <-time.After(10 * time.Second):
		}
	}()
	_, stderr, err := session(t, c, Options{Interactive: true, interrupts: sig},
		"ASSERT TOPIC t TIMEOUT 1 HOUR;\nSHOW STREAMS;\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "Stopped waiting for the assertion (Ctrl-C).") {
		t.Errorf("stderr %q", stderr)
	}
	if got := c.sqls(); len(got) != 2 || got[1] != "Execute SHOW STREAMS;" {
		t.Errorf("calls %q: the shell must go on after Ctrl-C", got)
	}
}

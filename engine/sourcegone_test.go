package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSourceTopicDeletedKeepsQueryInError: a persistent query whose
// source topic a foreign admin deleted fails, and stays in ERROR saying
// the topic does not exist while it is missing (restarted, it would wait
// for the topic in RUNNING, reading nothing); once the topic is made
// again, a retry runs it and it reads the new records.
func TestSourceTopicDeletedKeepsQueryInError(t *testing.T) {
	f := startBigOrders(t, map[string]string{RetryBackoffInitialProperty: "200", RetryBackoffMaxProperty: "1000"})
	e, produce, adm := f.e, f.produce, f.adm
	if resp, err := adm.DeleteTopics(context.Background(), "orders"); err != nil || resp.Error() != nil {
		t.Fatalf("delete orders: %v %v", err, resp.Error())
	}
	const id = "CSAS_BIG_ORDERS_0"
	state := func() string { return f.state(t, id) }
	missing := func() bool {
		for _, f := range e.failures.of(id) {
			if strings.Contains(f.ErrorMessage, "source topic orders does not exist") {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(time.Minute); !missing(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("state %s, errors %+v a minute after the source topic was deleted; want one saying it does not exist", state(), e.failures.of(id))
		}
	}
	if s := state(); s != "ERROR" {
		t.Errorf("state %s while the source topic is missing, want ERROR", s)
	}
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "orders"); err != nil {
		t.Fatalf("create orders: %v", err)
	}
	produce(10, 20)
	seen := f.written(t, 20)
	for i := 10; i < 20; i++ {
		if !seen[i] {
			t.Errorf("order %d of the topic made again never written", i)
		}
	}
	if s := state(); s != "RUNNING" {
		t.Errorf("state %s after the topic came back, want RUNNING", s)
	}
}

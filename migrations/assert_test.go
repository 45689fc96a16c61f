package migrations

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestAssertInMigration: ASSERT statements in a migration file go to the
// server, which waits for them: a topic another client makes while the
// file is applied lets it migrate, one that never comes fails the
// version with the file's line and ksqlDB's message.
func TestAssertInMigration(t *testing.T) {
	e := startEddy(t)
	cfg, dir := newProject(t, e)
	write(t, filepath.Join(dir, "V000001__wait.sql"), "ASSERT NOT EXISTS TOPIC orders;\n"+
		"CREATE STREAM orders (id INT KEY) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON', PARTITIONS=1);\n"+
		"ASSERT TOPIC orders WITH (PARTITIONS=1) TIMEOUT 5 SECONDS;\n"+
		"ASSERT TOPIC late TIMEOUT 10 SECONDS;\n")
	go func() {
		time.Sleep(300 * time.Millisecond)
		if err := e.cl.CreateTopic(context.Background(), kafka.TopicInfo{Name: "late", Partitions: 1, Replicas: 1}); err != nil {
			t.Error(err)
		}
	}()
	mustRun(t, "-c", cfg, "apply", "--next")

	v2 := filepath.Join(dir, "V000002__never.sql")
	write(t, v2, "\n  ASSERT TOPIC never TIMEOUT 200 MILLISECONDS;\n")
	code, _, errs := run(t, "-c", cfg, "apply", "--next")
	if code != 1 || !strings.Contains(errs, v2+":2:3:") || !strings.Contains(errs, "Topic never does not exist") {
		t.Errorf("apply of a failing ASSERT: %d\n%s", code, errs)
	}
	out := mustRun(t, "-c", cfg, "info")
	if r1, r2 := infoRow(t, out, "1"), infoRow(t, out, "2"); r1[2] != "MIGRATED" || r2[2] != "ERROR" {
		t.Errorf("info:\n%s", out)
	}
}

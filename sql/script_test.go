package sql

import (
	"strings"
	"testing"
)

func TestParseTestScript(t *testing.T) {
	src := `--@test: one
CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
-- a plain comment; '--@not: a directive' below is in a string
INSERT INTO S (ID, V) VALUES (1, '--@x: y');
ASSERT VALUES s (rowtime, id, v) VALUES (0, 1, 2);
ASSERT NULL VALUES s (id) KEY (1);
ASSERT TABLE t (id INT PRIMARY KEY, v STRING) WITH (kafka_topic='t');
CREATE STREAM oops (;
ASSERT STREAM s;
ASSERT VALUES s VALUES (1, 2)`
	stmts, comments, err := ParseTestScript(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 2 || comments[0].Text != "@test: one" || comments[0].Pos != (Pos{1, 1}) || comments[1].Pos.Line != 3 {
		t.Fatalf("comments: %+v", comments)
	}
	if len(stmts) != 8 {
		t.Fatalf("got %d statements: %+v", len(stmts), stmts)
	}
	av, ok := stmts[2].Stmt.(*AssertValues)
	if !ok || av.Tombstone || av.Target != "S" || strings.Join(av.Columns, ",") != "ROWTIME,ID,V" || len(av.Values) != 3 || stmts[2].Pos.Line != 5 {
		t.Fatalf("assert values: %+v", stmts[2])
	}
	if tv, ok := stmts[3].Stmt.(*AssertValues); !ok || !tv.Tombstone || len(tv.Values) != 1 {
		t.Fatalf("assert null values: %+v", stmts[3])
	}
	as, ok := stmts[4].Stmt.(*AssertSource)
	if !ok || !as.IsTable || as.Name != "T" || len(as.Elements) != 2 || !as.Elements[0].PrimaryKey || len(as.Props) != 1 {
		t.Fatalf("assert table: %+v", stmts[4])
	}
	bad := stmts[5]
	if bad.Stmt != nil || bad.Err == nil || !strings.HasPrefix(bad.Err.Error(), "line 8:") || bad.Text != "CREATE STREAM oops (" {
		t.Fatalf("bad statement: %+v (%v)", bad, bad.Err)
	}
	if s, ok := stmts[6].Stmt.(*AssertSource); !ok || s.IsTable || s.Elements != nil || stmts[6].Pos.Line != 9 {
		t.Fatalf("assert stream: %+v", stmts[6])
	}
	if v, ok := stmts[7].Stmt.(*AssertValues); !ok || v.Columns != nil || len(v.Values) != 2 {
		t.Fatalf("last: %+v", stmts[7])
	}
}

// The ASSERT forms of test scripts are not statements: Parse, which
// servers and the shell use, refuses them with a position.
func TestParseRefusesTestAsserts(t *testing.T) {
	for _, s := range []string{
		"ASSERT VALUES s (id) VALUES (1);",
		"ASSERT NULL VALUES s (id) KEY (1);",
		"ASSERT STREAM s (id INT KEY);",
		"ASSERT TABLE t WITH (kafka_topic='t');",
	} {
		_, err := Parse(s)
		if err == nil || !strings.Contains(err.Error(), "line 1:8") {
			t.Errorf("%s: got %v", s, err)
		}
	}
}

package planner

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/runtime"
)

// TestReadOnlySourceColumns: a stream source decodes only the value
// columns some clause reads (the others stay nil in the row); a star, a
// table source and the source's TIMESTAMP column keep theirs.
func TestReadOnlySourceColumns(t *testing.T) {
	ms := catalog(t, testDDL+`
CREATE STREAM timed (k STRING KEY, a INT, b STRING, ts BIGINT) WITH (kafka_topic='timed', value_format='JSON', timestamp='ts', partitions=2);
`)
	clicks := `{"URL":"u","MS":5}`
	cases := []struct {
		query, topic, value, want string
	}{
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks;", "clicks", clicks, "[u <nil>]"},
		{"CREATE STREAM out AS SELECT user_id, ms * 2 AS m FROM clicks;", "clicks", clicks, "[<nil> 5]"},
		{"CREATE STREAM out AS SELECT user_id, 1 AS one FROM clicks WHERE ms > 1;", "clicks", clicks, "[<nil> 5]"},
		{"CREATE STREAM out AS SELECT url, user_id FROM clicks PARTITION BY url;", "clicks", clicks, "[u <nil>]"},
		{"CREATE STREAM out AS SELECT * FROM clicks;", "clicks", clicks, "[u 5]"},
		{"CREATE STREAM out AS SELECT clicks.* FROM clicks;", "clicks", clicks, "[u 5]"},
		{"CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id;", "clicks", clicks, "[<nil> <nil>]"},
		{"CREATE TABLE out AS SELECT url, MAX(ms) AS m FROM clicks GROUP BY url HAVING COUNT(*) > 1;", "clicks", clicks, "[u 5]"},
		{"CREATE TABLE out AS SELECT id, name FROM users;", "users", `{"NAME":"n","COUNTRY_ID":1}`, "[n 1]"},
		{"CREATE STREAM out AS SELECT k, a FROM timed;", "timed", `{"A":1,"B":"b","TS":7}`, "[1 <nil> 7]"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.user_id = u.id;", "clicks", clicks, "[u <nil>]"},
		{"CREATE STREAM out AS SELECT c.user_id, c.url, u.name FROM clicks c JOIN users u ON c.user_id = u.id;", "users", `{"NAME":"n","COUNTRY_ID":1}`, "[n 1]"},
	}
	for _, c := range cases {
		plan := mustPlan(t, ms, c.query)
		var src *runtime.Source
		for _, in := range plan.Inputs {
			if in.Source != nil && in.Source.Topic == c.topic {
				src = in.Source
			}
		}
		if src == nil {
			t.Fatalf("%s: no input reads %s", c.query, c.topic)
		}
		row := make([]any, src.NumValue)
		if err := src.ValueSerde.Decode([]byte(c.value), row); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got := fmt.Sprint(row); got != c.want {
			t.Errorf("%s: %s decodes as %s, want %s", c.query, c.topic, got, c.want)
		}
		// An unread column is still checked.
		if err := src.ValueSerde.Decode([]byte(`{"URL":"u","MS":"x","COUNTRY_ID":"x","B":[}`), row); err == nil {
			t.Errorf("%s: a bad value decodes", c.query)
		}
	}
}

// TestNoRowMeta: a stream query leaves ROWTIME, ROWPARTITION and
// ROWOFFSET unfilled only when no clause names them and it does not
// aggregate (engine's TestRowMetaWhereRead checks the values where read).
func TestNoRowMeta(t *testing.T) {
	ms := catalog(t, testDDL)
	cases := []struct {
		query string
		want  bool
	}{
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks;", true},
		{"CREATE STREAM out AS SELECT * FROM clicks WHERE ms > 1;", true},
		{"CREATE STREAM out AS SELECT user_id, ROWTIME AS t FROM clicks;", false},
		{"CREATE STREAM out AS SELECT user_id, url FROM clicks WHERE ROWPARTITION = 0;", false},
		{"CREATE STREAM out AS SELECT c.user_id, c.ROWOFFSET + 1 AS o FROM clicks c;", false},
		{"CREATE STREAM out AS SELECT ROWTIME AS t, url FROM clicks PARTITION BY ROWTIME;", false},
		{"CREATE TABLE out AS SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id;", false},
		{"CREATE TABLE out AS SELECT id, name FROM users;", false},
	}
	for _, c := range cases {
		plan := mustPlan(t, ms, c.query)
		if got := plan.Inputs[0].Source.NoRowMeta; got != c.want {
			t.Errorf("%s: NoRowMeta %v, want %v", c.query, got, c.want)
		}
	}
}

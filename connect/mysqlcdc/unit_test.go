package mysqlcdc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/connect"
)

// These tests need no server.

func TestParseEnumValues(t *testing.T) {
	for in, want := range map[string][]string{
		"enum('small','medium','large')": {"small", "medium", "large"},
		"set('a','b''c','d,e')":          {"a", "b'c", "d,e"},
		"enum('')":                       {""},
	} {
		if got := parseEnumValues(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for in, want := range map[string]int64{
		"00:00:00":         0,
		"12:34:56":         (12*3600 + 34*60 + 56) * 1e6,
		"-12:34:56.5":      -((12*3600+34*60+56)*1e6 + 500000),
		"838:59:59.000001": (838*3600+59*60+59)*1e6 + 1,
	} {
		if got, err := parseTimeOfDay(in); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12:34", "aa:bb:cc", "1:2:3.x"} {
		if _, err := parseTimeOfDay(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestZeroDates(t *testing.T) {
	for _, nullable := range []bool{true, false} {
		c := &column{name: "d", dataType: "datetime", nullable: nullable}
		if err := c.build(&settings{timeMode: "adaptive_time_microseconds"}); err != nil {
			t.Fatal(err)
		}
		got, err := c.conv("0000-00-00 00:00:00")
		var want any
		if !nullable {
			want = int64(0)
		}
		if err != nil || got != want {
			t.Errorf("nullable=%v: zero datetime is %v %v, want %v", nullable, got, err, want)
		}
	}
}

func TestSplitList(t *testing.T) {
	got := splitList(` demo.a , demo\.b{1\,3},, x `)
	if want := []string{"demo.a", `demo\.b{1,3}`, "x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestOffsetRoundTrip(t *testing.T) {
	p := position{file: "binlog.000003", pos: 1234, gtids: "0-1-5", event: 2, row: 7}
	b, _ := json.Marshal(p.offset())
	var m map[string]any
	json.Unmarshal(b, &m) // numbers become float64, as after a trip through a topic
	got, err := parseOffset(m)
	if err != nil || got != p {
		t.Errorf("%+v %v, want %+v", got, err, p)
	}
	s := position{file: "binlog.000001", pos: 4, snapshot: true}
	if got, _ := parseOffset(s.offset()); got != s {
		t.Errorf("%+v, want %+v", got, s)
	}
	if _, err := parseOffset(map[string]any{"pos": 3}); err == nil {
		t.Error("an offset without a file was accepted")
	}
}

func TestSettingsAliasesAndDefaults(t *testing.T) {
	s, err := parseSettings(connect.Config{
		"database.hostname": "db", "database.user": "u", "database.server.name": "asgard",
		"table.whitelist": "demo.customers", "database.whitelist": "demo",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.prefix != "asgard" || s.port != 3306 || s.snapshotMode != "initial" || !s.tombstones || !s.schemaChanges ||
		s.decimalMode != "precise" || s.timeMode != "adaptive_time_microseconds" || s.serverID < 5400 || s.serverID > 6400 {
		t.Errorf("%+v", s)
	}
	if !s.captures("demo", "CUSTOMERS") || s.captures("demo", "customers2") || s.captures("other", "customers") {
		t.Error("table.whitelist should match whole names, case-insensitively")
	}
	if _, err := parseSettings(connect.Config{"database.user": "u"}); err == nil ||
		!strings.Contains(err.Error(), "database.hostname is required") || !strings.Contains(err.Error(), "topic.prefix is required") {
		t.Errorf("missing keys: %v", err)
	}
}

func TestSpecDocumentsEveryOption(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range spec {
		if f.Doc == "" || f.Type == "" {
			t.Errorf("%s has no doc or type", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("%s declared twice", f.Name)
		}
		seen[f.Name] = true
		if f.Default != "" && f.Enum != nil {
			ok := false
			for _, e := range f.Enum {
				ok = ok || e == f.Default
			}
			if !ok {
				t.Errorf("%s: default %q not among %v", f.Name, f.Default, f.Enum)
			}
		}
	}
}

package mysqlcdc

import (
	"errors"
	"strings"
	"testing"
)

// render lists a definition as name type [not null], then the key.
func render(d tableDef) string {
	var parts []string
	for _, c := range d.Cols {
		s := c.Name + " " + c.ColumnType
		if !c.Nullable {
			s += " not null"
		}
		if c.Charset != "" {
			s += " " + c.Charset
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ") + " | pk " + strings.Join(d.PK, ",")
}

func captureAll(db, table string) bool { return db == "demo" }

func TestHistoryFollowsDDL(t *testing.T) {
	base := tableDef{Cols: []colDef{
		{Name: "id", DataType: "int", ColumnType: "int(11)"},
		{Name: "name", DataType: "varchar", ColumnType: "varchar(20)", Nullable: true, Charset: "latin1"},
		{Name: "n", DataType: "int", ColumnType: "int(11)", Nullable: true},
	}, PK: []string{"id"}}
	for _, c := range []struct{ ddl, want string }{
		{"ALTER TABLE t ADD COLUMN c DECIMAL(5,2) UNSIGNED NOT NULL DEFAULT 0 AFTER id",
			"id int(11) not null, c decimal(5,2) unsigned not null, name varchar(20) latin1, n int(11) | pk id"},
		{"alter table `demo`.`t` add x enum('a','b''c') first, drop column name",
			"x enum('a','b''c') latin1, id int(11) not null, n int(11) | pk id"},
		{"ALTER TABLE t ADD (p DATETIME(3), q BIT(4)), MODIFY n BIGINT NOT NULL",
			"id int(11) not null, name varchar(20) latin1, n bigint not null, p datetime(3), q bit(4) | pk id"},
		{"ALTER TABLE t CHANGE COLUMN name full_name TEXT CHARACTER SET utf8mb4 COMMENT 'who, really' FIRST",
			"full_name text utf8mb4, id int(11) not null, n int(11) | pk id"},
		{"ALTER TABLE t RENAME COLUMN id TO ident, ADD INDEX (n), ENGINE=InnoDB",
			"ident int(11) not null, name varchar(20) latin1, n int(11) | pk ident"},
		{"ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)",
			"id int(11) not null, name varchar(20) latin1, n int(11) not null | pk id,n"},
		{"ALTER TABLE t ADD COLUMN IF NOT EXISTS n INT, DROP COLUMN IF EXISTS zz /* nothing */",
			"id int(11) not null, name varchar(20) latin1, n int(11) | pk id"},
		{"ALTER TABLE t ALTER COLUMN n SET DEFAULT 3", "id int(11) not null, name varchar(20) latin1, n int(11) | pk id"},
	} {
		h := newHistory()
		h.put("demo.t", base)
		st, err := parseDDL(c.ddl, "demo")
		if err != nil {
			t.Errorf("%s: %v", c.ddl, err)
			continue
		}
		touched, err := h.apply(st, false, captureAll)
		if err != nil || len(touched) == 0 {
			t.Errorf("%s: touched %v, %v", c.ddl, touched, err)
			continue
		}
		d, _ := h.get("demo.t")
		if got := render(d); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.ddl, got, c.want)
		}
	}
}

func TestHistoryCreateRenameDrop(t *testing.T) {
	h := newHistory()
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS t2 (id BIGINT UNSIGNED AUTO_INCREMENT, doc JSON, flag BOOLEAN DEFAULT FALSE, " +
			"s VARCHAR(5), CONSTRAINT pk PRIMARY KEY (id), KEY k (s(3))) ENGINE=InnoDB DEFAULT CHARSET=latin1",
		"RENAME TABLE t2 TO t3",
	} {
		st, err := parseDDL(q, "demo")
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if _, err := h.apply(st, true, captureAll); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, ok := h.get("demo.t2"); ok {
		t.Error("t2 still known after RENAME TABLE")
	}
	d, ok := h.get("demo.t3")
	if want := "id bigint unsigned not null, doc longtext latin1, flag tinyint(1), s varchar(5) latin1 | pk id"; !ok || render(d) != want {
		t.Errorf("created table\n got %s\nwant %s", render(d), want)
	}
	if !d.Cols[1].JSON {
		t.Error("MariaDB's JSON column is not marked as JSON")
	}
	st, _ := parseDDL("DROP TABLE IF EXISTS demo.t3, other", "demo")
	h.apply(st, true, captureAll)
	if _, ok := h.get("demo.t3"); ok || h.encoded != "" {
		t.Errorf("after DROP TABLE: %q", h.encoded)
	}
	// Statements that change no columns leave the history alone.
	for _, q := range []string{"CREATE INDEX i ON t (n)", "GRANT SELECT ON demo.* TO x", "TRUNCATE TABLE t", "CREATE TEMPORARY TABLE tmp (a INT)"} {
		if st, err := parseDDL(q, "demo"); err != nil || st.alter != nil || st.create != nil || st.drops != nil {
			t.Errorf("%s: %+v %v", q, st, err)
		}
	}
}

func TestHistoryRefusesWhatItCannotFollow(t *testing.T) {
	for _, q := range []string{
		"ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
		"CREATE TABLE t2 AS SELECT * FROM t",
		"CREATE TABLE t2 LIKE t",
		"ALTER TABLE t FROBNICATE x",
	} {
		if _, err := parseDDL(q, "demo"); !errors.Is(err, errUnsupportedDDL) {
			t.Errorf("%s: %v, want errUnsupportedDDL", q, err)
		}
	}
	// A statement that contradicts the definition held drops it.
	h := newHistory()
	h.put("demo.t", tableDef{Cols: []colDef{{Name: "id", DataType: "int", ColumnType: "int(11)"}}})
	st, _ := parseDDL("ALTER TABLE t DROP COLUMN missing", "demo")
	if _, err := h.apply(st, false, captureAll); err == nil {
		t.Error("dropping an unknown column was accepted")
	}
	if _, ok := h.get("demo.t"); ok {
		t.Error("the contradicted definition was kept")
	}
}

package mysqlcdc

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The schema history. A binlog row image is positional and carries no
// column names, so it must be read with the table's definition as of that
// event, not as of now: a connector that is behind, or was stopped, while
// ALTER TABLE added or dropped columns would otherwise pair values with
// the wrong columns. The task keeps the definition of every captured
// table as of its stream position: read from information_schema at the
// snapshot (or on first sight of a table), then changed by each DDL
// statement the binlog carries, and stored in every offset, so a restart
// resumes with the definitions of its resume position.

// tableDef is a table's definition as the history stores it.
type tableDef struct {
	Cols []colDef `json:"cols"`
	PK   []string `json:"pk,omitempty"`
}

// colDef is one column as information_schema.COLUMNS describes it.
type colDef struct {
	Name       string `json:"name"`
	DataType   string `json:"type"`
	ColumnType string `json:"column_type"`
	Nullable   bool   `json:"nullable,omitempty"`
	Precision  int    `json:"precision,omitempty"`
	Scale      int    `json:"scale,omitempty"`
	FSP        int    `json:"fsp,omitempty"`
	Octets     int64  `json:"octets,omitempty"`
	Charset    string `json:"charset,omitempty"`
	JSON       bool   `json:"json,omitempty"`
}

func defOf(tb *table) tableDef {
	d := tableDef{Cols: make([]colDef, len(tb.cols))}
	for i, c := range tb.cols {
		d.Cols[i] = colDef{Name: c.name, DataType: c.dataType, ColumnType: c.columnType, Nullable: c.nullable,
			Precision: c.precision, Scale: c.scale, FSP: c.fsp, Octets: c.octets, Charset: c.charset, JSON: c.json}
	}
	for _, i := range tb.pk {
		d.PK = append(d.PK, tb.cols[i].name)
	}
	return d
}

// tableOf builds a captured table from its stored definition.
func tableOf(s *settings, db, name string, d tableDef) (*table, error) {
	tb := &table{db: db, name: name}
	for _, cd := range d.Cols {
		c := &column{name: cd.Name, dataType: cd.DataType, columnType: cd.ColumnType, nullable: cd.Nullable,
			precision: cd.Precision, scale: cd.Scale, fsp: cd.FSP, octets: cd.Octets, charset: cd.Charset, json: cd.JSON}
		c.unsigned = strings.Contains(c.columnType, "unsigned")
		if c.dataType == "enum" || c.dataType == "set" {
			c.values = parseEnumValues(c.columnType)
		}
		c.excluded = s.excludesColumn(db, name, c.name)
		tb.cols = append(tb.cols, c)
	}
	for _, k := range d.PK {
		if i := d.index(k); i >= 0 {
			tb.pk = append(tb.pk, i)
		}
	}
	if err := tb.build(s); err != nil {
		return nil, err
	}
	return tb, nil
}

// index finds a column by name; MySQL column names ignore case.
func (d *tableDef) index(name string) int {
	for i, c := range d.Cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// history is the task's table definitions by "db.table", with their
// encoding for offsets kept ready (records copy the string, not the map).
type history struct {
	defs    map[string]tableDef
	encoded string
}

func newHistory() *history { return &history{defs: map[string]tableDef{}} }

// parseHistory reads the definitions stored in an offset.
func parseHistory(text string) (*history, error) {
	h := newHistory()
	if text == "" {
		return h, nil
	}
	if err := json.Unmarshal([]byte(text), &h.defs); err != nil {
		return nil, fmt.Errorf("stored table definitions: %w", err)
	}
	h.encoded = text
	return h, nil
}

func (h *history) get(id string) (tableDef, bool) {
	d, ok := h.defs[id]
	return d, ok
}

func (h *history) put(id string, d tableDef) {
	h.defs[id] = d
	h.encode()
}

func (h *history) remove(id string) {
	if _, ok := h.defs[id]; ok {
		delete(h.defs, id)
		h.encode()
	}
}

func (h *history) encode() {
	if len(h.defs) == 0 {
		h.encoded = ""
		return
	}
	b, _ := json.Marshal(h.defs) // map keys come out sorted
	h.encoded = string(b)
}

// apply follows one DDL statement. It returns the ids of the tables whose
// definitions it changed or dropped, for the task to rebuild, and an
// error when the statement does not fit the definition it has of a table
// (that definition is then dropped, to be read again from
// information_schema).
func (h *history) apply(st ddlStmt, mariaDB bool, captures func(db, table string) bool) ([]string, error) {
	var touched []string
	if st.dropDB != "" {
		for id := range h.defs {
			if strings.HasPrefix(id, st.dropDB+".") {
				touched = append(touched, id)
			}
		}
	}
	for _, n := range st.drops {
		touched = append(touched, n.id())
	}
	for _, id := range touched {
		delete(h.defs, id)
	}
	for _, r := range st.renames {
		from, to := r[0].id(), r[1].id()
		d, ok := h.defs[from]
		delete(h.defs, from)
		delete(h.defs, to)
		if ok && captures(r[1].db, r[1].table) {
			h.defs[to] = d
		}
		touched = append(touched, from, to)
	}
	if c := st.create; c != nil {
		id := c.table.id()
		touched = append(touched, id)
		delete(h.defs, id)
		if captures(c.table.db, c.table.table) {
			d := tableDef{}
			for _, cs := range c.specs {
				d.Cols = append(d.Cols, cs.def(c.charset, mariaDB))
			}
			setPK(&d, c.pk)
			h.defs[id] = d
		}
	}
	var err error
	if a := st.alter; a != nil {
		id := a.table.id()
		touched = append(touched, id)
		if d, ok := h.defs[id]; ok {
			var nd tableDef
			to := a.table
			if nd, to, err = alterDef(d, a, mariaDB); err != nil {
				delete(h.defs, id)
			} else {
				delete(h.defs, id)
				if captures(to.db, to.table) {
					h.defs[to.id()] = nd
				}
				touched = append(touched, to.id())
			}
		}
	}
	h.encode()
	return touched, err
}

// alterDef applies an ALTER TABLE's column changes to a definition, in
// order, and returns it with the table's name (RENAME TO changes it).
func alterDef(d tableDef, a *alterStmt, mariaDB bool) (tableDef, qname, error) {
	out := tableDef{Cols: slices.Clone(d.Cols), PK: slices.Clone(d.PK)}
	name := a.table
	charset := ""
	for _, c := range d.Cols {
		if c.Charset != "" {
			charset = c.Charset
			break
		}
	}
	place := func(c colDef, s alterSpec, at int) error {
		switch {
		case s.first:
			at = 0
		case s.after != "":
			i := out.index(s.after)
			if i < 0 {
				return fmt.Errorf("AFTER %s: no such column", s.after)
			}
			at = i + 1
		}
		out.Cols = slices.Insert(out.Cols, at, c)
		return nil
	}
	for _, s := range a.specs {
		switch s.kind {
		case specAddColumn:
			if out.index(s.colSpec.name) >= 0 {
				if s.ifMaybe {
					continue
				}
				return d, name, fmt.Errorf("ADD COLUMN %s: the column already exists", s.colSpec.name)
			}
			if err := place(s.colSpec.def(charset, mariaDB), s, len(out.Cols)); err != nil {
				return d, name, err
			}
			if s.colSpec.primary {
				setPK(&out, []string{s.colSpec.name})
			}
		case specDropColumn, specModifyColumn, specRenameColumn:
			i := out.index(s.old)
			if i < 0 {
				if s.ifMaybe {
					continue
				}
				return d, name, fmt.Errorf("column %s: no such column", s.old)
			}
			old := out.Cols[i]
			switch s.kind {
			case specDropColumn:
				out.Cols = slices.Delete(out.Cols, i, i+1)
				out.PK = slices.DeleteFunc(out.PK, func(k string) bool { return strings.EqualFold(k, old.Name) })
			case specRenameColumn:
				out.Cols[i].Name = s.colSpec.name
				renamePK(&out, old.Name, s.colSpec.name)
			default:
				cs := charset
				if old.Charset != "" {
					cs = old.Charset
				}
				nc := s.colSpec.def(cs, mariaDB)
				out.Cols = slices.Delete(out.Cols, i, i+1)
				if err := place(nc, s, i); err != nil {
					return d, name, err
				}
				renamePK(&out, old.Name, nc.Name)
				if s.colSpec.primary {
					setPK(&out, []string{nc.Name})
				}
			}
		case specAddPK:
			setPK(&out, s.pk)
		case specDropPK:
			out.PK = nil
		case specRenameTable:
			name = s.newName
		}
	}
	setPK(&out, out.PK)
	return out, name, nil
}

// setPK makes names the primary key, spelt as the columns are, and its
// columns NOT NULL.
func setPK(d *tableDef, names []string) {
	d.PK = nil
	for _, k := range names {
		if i := d.index(k); i >= 0 {
			d.PK = append(d.PK, d.Cols[i].Name)
			d.Cols[i].Nullable = false
		}
	}
}

func renamePK(d *tableDef, from, to string) {
	for i, k := range d.PK {
		if strings.EqualFold(k, from) {
			d.PK[i] = to
		}
	}
}

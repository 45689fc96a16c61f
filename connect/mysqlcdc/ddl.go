package mysqlcdc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A small reader of the DDL statements that change captured tables'
// columns, so the schema history can follow them without asking
// information_schema (which only knows the newest definition): ALTER TABLE
// (ADD, DROP, MODIFY, CHANGE and RENAME COLUMN, primary keys, RENAME TO),
// CREATE TABLE with column definitions, DROP TABLE, RENAME TABLE and DROP
// DATABASE. What it cannot read it reports, and the task falls back to
// information_schema for the tables the statement names.

type tokKind byte

const (
	tWord   tokKind = 'w' // bare word: keyword or identifier
	tQuoted tokKind = 'q' // `quoted identifier`
	tString tokKind = 's' // 'string' or "string"
	tNumber tokKind = 'n'
	tPunct  tokKind = 'p'
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits a statement into tokens, dropping comments.
func tokenize(q string) ([]token, error) {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || (c == '-' && strings.HasPrefix(q[i:], "-- ")):
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += end + 4
		case c == '`' || c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(q); j++ {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				if q[j] == '\\' && c != '`' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, errors.New("unterminated quote")
			}
			kind := tString
			if c == '`' {
				kind = tQuoted
			}
			out = append(out, token{kind, b.String()})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.') {
				j++
			}
			out = append(out, token{tNumber, q[i:j]})
			i = j
		case c == '_' || c == '$' || c >= 0x80 || (c|0x20) >= 'a' && (c|0x20) <= 'z':
			j := i
			for j < len(q) && (q[j] == '_' || q[j] == '$' || q[j] >= 0x80 || (q[j]|0x20) >= 'a' && (q[j]|0x20) <= 'z' || q[j] >= '0' && q[j] <= '9') {
				j++
			}
			out = append(out, token{tWord, q[i:j]})
			i = j
		default:
			out = append(out, token{tPunct, string(c)})
			i++
		}
	}
	return out, nil
}

type ddlParser struct {
	toks []token
	i    int
}

func (p *ddlParser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{}
}

func (p *ddlParser) done() bool {
	return p.i >= len(p.toks) || p.peek().text == ";" && p.i == len(p.toks)-1
}

// is reports whether the next token is one of the keywords.
func (p *ddlParser) is(words ...string) bool {
	t := p.peek()
	if t.kind != tWord {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

// accept consumes the keywords in sequence if they all come next.
func (p *ddlParser) accept(words ...string) bool {
	for k, w := range words {
		if p.i+k >= len(p.toks) {
			return false
		}
		t := p.toks[p.i+k]
		if t.kind != tWord || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	p.i += len(words)
	return true
}

func (p *ddlParser) punct(s string) bool {
	if t := p.peek(); t.kind == tPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *ddlParser) ident() (string, error) {
	t := p.peek()
	if t.kind != tWord && t.kind != tQuoted {
		return "", fmt.Errorf("expected a name, found %q", t.text)
	}
	p.i++
	return t.text, nil
}

// tableName reads [db.]table.
func (p *ddlParser) tableName(defaultDB string) (qname, error) {
	a, err := p.ident()
	if err != nil {
		return qname{}, err
	}
	if p.punct(".") {
		b, err := p.ident()
		return qname{a, b}, err
	}
	return qname{defaultDB, a}, nil
}

// skipGroup skips tokens up to a comma or closing parenthesis at this
// nesting level (or the end), leaving that token next.
func (p *ddlParser) skipGroup() {
	depth := 0
	for ; p.i < len(p.toks); p.i++ {
		t := p.toks[p.i]
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(":
			depth++
		case ")":
			if depth == 0 {
				return
			}
			depth--
		case ",", ";":
			if depth == 0 {
				return
			}
		}
	}
}

type qname struct{ db, table string }

func (n qname) id() string { return n.db + "." + n.table }

// ddlStmt is what a statement does to table definitions.
type ddlStmt struct {
	alter   *alterStmt
	create  *createStmt
	drops   []qname    // DROP TABLE
	renames [][2]qname // RENAME TABLE, or ALTER TABLE … RENAME TO
	dropDB  string     // DROP DATABASE
}

type alterStmt struct {
	table qname
	specs []alterSpec
}

type createStmt struct {
	table   qname
	specs   []colSpec
	pk      []string
	charset string
}

type specKind int

const (
	specAddColumn specKind = iota
	specDropColumn
	specModifyColumn // MODIFY and CHANGE
	specRenameColumn
	specAddPK
	specDropPK
	specRenameTable
)

type alterSpec struct {
	kind    specKind
	colSpec colSpec
	old     string // DROP, CHANGE, RENAME COLUMN: the column named
	ifMaybe bool   // IF [NOT] EXISTS
	first   bool
	after   string
	pk      []string
	newName qname
}

// colSpec is a column definition as written, resolved into a colDef
// once the table's default character set is known.
type colSpec struct {
	name     string
	typeName string
	args     []token
	unsigned bool
	zerofill bool
	charset  string
	notNull  bool
	nullSet  bool
	primary  bool
}

var errUnsupportedDDL = errors.New("statement form not followed")

// parseDDL reads a statement run with defaultDB as the current database.
// A statement that changes no table definition returns a zero ddlStmt.
func parseDDL(q, defaultDB string) (ddlStmt, error) {
	toks, err := tokenize(q)
	if err != nil {
		return ddlStmt{}, err
	}
	p := &ddlParser{toks: toks}
	switch {
	case p.accept("ALTER"):
		p.accept("ONLINE")
		p.accept("IGNORE")
		if !p.accept("TABLE") {
			return ddlStmt{}, nil // ALTER DATABASE, VIEW, USER, …
		}
		return p.alterTable(defaultDB)
	case p.accept("CREATE"):
		p.accept("OR", "REPLACE")
		if p.accept("TEMPORARY") {
			return ddlStmt{}, nil // never in a row-based binlog's tables
		}
		if !p.accept("TABLE") {
			return ddlStmt{}, nil // CREATE INDEX, VIEW, DATABASE, …
		}
		return p.createTable(defaultDB)
	case p.accept("DROP"):
		if p.accept("TEMPORARY") {
			return ddlStmt{}, nil
		}
		if p.accept("DATABASE") || p.accept("SCHEMA") {
			p.accept("IF", "EXISTS")
			db, err := p.ident()
			return ddlStmt{dropDB: db}, err
		}
		if !p.accept("TABLE") && !p.accept("TABLES") {
			return ddlStmt{}, nil
		}
		p.accept("IF", "EXISTS")
		var st ddlStmt
		for {
			n, err := p.tableName(defaultDB)
			if err != nil {
				return ddlStmt{}, err
			}
			st.drops = append(st.drops, n)
			if !p.punct(",") {
				return st, nil
			}
		}
	case p.accept("RENAME"):
		if !p.accept("TABLE") && !p.accept("TABLES") {
			return ddlStmt{}, nil
		}
		var st ddlStmt
		for {
			from, err := p.tableName(defaultDB)
			if err != nil {
				return ddlStmt{}, err
			}
			if !p.accept("TO") {
				return ddlStmt{}, errUnsupportedDDL
			}
			to, err := p.tableName(defaultDB)
			if err != nil {
				return ddlStmt{}, err
			}
			st.renames = append(st.renames, [2]qname{from, to})
			if !p.punct(",") {
				return st, nil
			}
		}
	}
	return ddlStmt{}, nil
}

func (p *ddlParser) alterTable(defaultDB string) (ddlStmt, error) {
	p.accept("IF", "EXISTS")
	name, err := p.tableName(defaultDB)
	if err != nil {
		return ddlStmt{}, err
	}
	st := &alterStmt{table: name}
	out := ddlStmt{alter: st}
	for !p.done() {
		specs, err := p.alterSpec(defaultDB)
		if err != nil {
			return ddlStmt{}, err
		}
		st.specs = append(st.specs, specs...)
		if !p.punct(",") {
			break
		}
	}
	if !p.done() {
		return ddlStmt{}, fmt.Errorf("%w: unexpected %q", errUnsupportedDDL, p.peek().text)
	}
	return out, nil
}

func (p *ddlParser) position(s *alterSpec) error {
	if p.accept("FIRST") {
		s.first = true
	} else if p.accept("AFTER") {
		var err error
		s.after, err = p.ident()
		return err
	}
	return nil
}

func (p *ddlParser) alterSpec(defaultDB string) ([]alterSpec, error) {
	switch {
	case p.accept("ADD"):
		if p.accept("CONSTRAINT") {
			if !p.is("PRIMARY", "UNIQUE", "FOREIGN", "CHECK") {
				p.i++ // the constraint's name
			}
		}
		if p.accept("PRIMARY", "KEY") {
			cols, err := p.keyColumns()
			return []alterSpec{{kind: specAddPK, pk: cols}}, err
		}
		if p.is("INDEX", "KEY", "UNIQUE", "FULLTEXT", "SPATIAL", "FOREIGN", "CHECK", "PARTITION", "PERIOD", "SYSTEM") {
			p.skipGroup()
			return nil, nil
		}
		p.accept("COLUMN")
		ifMaybe := p.accept("IF", "NOT", "EXISTS")
		if p.punct("(") {
			var out []alterSpec
			for {
				cs, err := p.columnSpec()
				if err != nil {
					return nil, err
				}
				out = append(out, alterSpec{kind: specAddColumn, colSpec: cs, ifMaybe: ifMaybe})
				if p.punct(")") {
					return out, nil
				}
				if !p.punct(",") {
					return nil, fmt.Errorf("%w: unexpected %q in ADD COLUMN (…)", errUnsupportedDDL, p.peek().text)
				}
			}
		}
		s := alterSpec{kind: specAddColumn, ifMaybe: ifMaybe}
		var err error
		if s.colSpec, err = p.columnSpec(); err != nil {
			return nil, err
		}
		err = p.position(&s)
		return []alterSpec{s}, err
	case p.accept("DROP"):
		if p.accept("PRIMARY", "KEY") {
			return []alterSpec{{kind: specDropPK}}, nil
		}
		if p.is("INDEX", "KEY", "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION", "PERIOD", "SYSTEM") {
			p.skipGroup()
			return nil, nil
		}
		p.accept("COLUMN")
		s := alterSpec{kind: specDropColumn, ifMaybe: p.accept("IF", "EXISTS")}
		var err error
		s.old, err = p.ident()
		p.accept("RESTRICT")
		p.accept("CASCADE")
		return []alterSpec{s}, err
	case p.accept("MODIFY"):
		p.accept("COLUMN")
		s := alterSpec{kind: specModifyColumn, ifMaybe: p.accept("IF", "EXISTS")}
		var err error
		if s.colSpec, err = p.columnSpec(); err != nil {
			return nil, err
		}
		s.old = s.colSpec.name
		err = p.position(&s)
		return []alterSpec{s}, err
	case p.accept("CHANGE"):
		p.accept("COLUMN")
		s := alterSpec{kind: specModifyColumn, ifMaybe: p.accept("IF", "EXISTS")}
		var err error
		if s.old, err = p.ident(); err != nil {
			return nil, err
		}
		if s.colSpec, err = p.columnSpec(); err != nil {
			return nil, err
		}
		err = p.position(&s)
		return []alterSpec{s}, err
	case p.accept("RENAME"):
		if p.accept("COLUMN") {
			s := alterSpec{kind: specRenameColumn}
			var err error
			if s.old, err = p.ident(); err != nil {
				return nil, err
			}
			if !p.accept("TO") {
				return nil, errUnsupportedDDL
			}
			s.colSpec.name, err = p.ident()
			return []alterSpec{s}, err
		}
		if p.is("INDEX", "KEY") {
			p.skipGroup()
			return nil, nil
		}
		if !p.accept("TO") {
			p.accept("AS")
		}
		n, err := p.tableName(defaultDB)
		return []alterSpec{{kind: specRenameTable, newName: n}}, err
	case p.accept("ALTER"):
		// ALTER [COLUMN] c SET DEFAULT …, DROP DEFAULT, [NOT] INVISIBLE;
		// ALTER INDEX …: no column changes.
		p.skipGroup()
		return nil, nil
	case p.is("CONVERT"):
		// CONVERT TO CHARACTER SET re-encodes existing columns; a plain
		// DEFAULT CHARSET (below) only concerns columns added later.
		return nil, fmt.Errorf("%w: character set conversion", errUnsupportedDDL)
	case p.is("ENGINE", "COMMENT", "AUTO_INCREMENT", "ROW_FORMAT", "ALGORITHM", "LOCK", "FORCE", "ORDER",
		"KEY_BLOCK_SIZE", "ENABLE", "DISABLE", "DEFAULT", "COLLATE", "CHARACTER", "CHARSET", "STATS_PERSISTENT",
		"STATS_AUTO_RECALC", "STATS_SAMPLE_PAGES", "PAGE_CHECKSUM", "TRANSACTIONAL", "CHECKSUM", "MAX_ROWS", "MIN_ROWS",
		"PACK_KEYS", "DELAY_KEY_WRITE", "WAIT", "NOWAIT", "ANALYZE", "OPTIMIZE", "REBUILD", "REPAIR", "TRUNCATE",
		"COALESCE", "REORGANIZE", "EXCHANGE", "REMOVE", "PARTITION", "ENCRYPTED", "ENCRYPTION_KEY_ID"):
		p.skipGroup()
		return nil, nil
	}
	return nil, fmt.Errorf("%w: ALTER TABLE … %s", errUnsupportedDDL, p.peek().text)
}

// keyColumns reads (a, b(10), c DESC).
func (p *ddlParser) keyColumns() ([]string, error) {
	for p.is("USING") {
		p.i += 2
	}
	if !p.punct("(") {
		return nil, fmt.Errorf("%w: expected a column list", errUnsupportedDDL)
	}
	var cols []string
	for {
		c, err := p.ident()
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
		p.skipGroup()
		if p.punct(")") {
			p.skipGroup() // index options
			return cols, nil
		}
		if !p.punct(",") {
			return nil, errUnsupportedDDL
		}
	}
}

// columnSpec reads "name type [attributes]" up to the next comma or
// closing parenthesis of the enclosing list.
func (p *ddlParser) columnSpec() (colSpec, error) {
	var cs colSpec
	var err error
	if cs.name, err = p.ident(); err != nil {
		return cs, err
	}
	t := p.peek()
	if t.kind != tWord {
		return cs, fmt.Errorf("%w: column %s has no type", errUnsupportedDDL, cs.name)
	}
	p.i++
	cs.typeName = strings.ToLower(t.text)
	switch {
	case cs.typeName == "national" && p.peek().kind == tWord:
		cs.typeName = strings.ToLower(p.peek().text)
		p.i++
	case cs.typeName == "long" && p.is("VARCHAR", "VARBINARY"):
		if p.is("VARBINARY") {
			cs.typeName = "mediumblob"
		} else {
			cs.typeName = "mediumtext"
		}
		p.i++
	}
	if cs.typeName == "double" {
		p.accept("PRECISION")
	} else if (cs.typeName == "character" || cs.typeName == "char" || cs.typeName == "nchar") && p.accept("VARYING") {
		cs.typeName = "varchar"
	}
	if p.punct("(") {
		for !p.punct(")") {
			if p.i >= len(p.toks) {
				return cs, errors.New("unterminated type arguments")
			}
			if t := p.peek(); t.kind != tPunct || t.text != "," {
				cs.args = append(cs.args, t)
			}
			p.i++
		}
	}
	depth := 0
	for ; p.i < len(p.toks); p.i++ {
		t := p.toks[p.i]
		if t.kind == tPunct {
			switch t.text {
			case "(":
				depth++
			case ")":
				if depth == 0 {
					return cs, nil
				}
				depth--
			case ",", ";":
				if depth == 0 {
					return cs, nil
				}
			}
			continue
		}
		if depth > 0 || t.kind != tWord {
			continue
		}
		next := func(w string) bool {
			return p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tWord && strings.EqualFold(p.toks[p.i+1].text, w)
		}
		switch strings.ToUpper(t.text) {
		case "FIRST", "AFTER":
			return cs, nil // ALTER TABLE's position, read by the caller
		case "UNSIGNED":
			cs.unsigned = true
		case "ZEROFILL":
			cs.unsigned, cs.zerofill = true, true
		case "NOT":
			if next("NULL") {
				cs.notNull, cs.nullSet = true, true
				p.i++
			}
		case "NULL":
			cs.nullSet = true
		case "DEFAULT", "COMMENT", "COLLATE", "ON":
			// DEFAULT NULL, ON UPDATE …: the value is not an attribute (a
			// parenthesized one is skipped by the nesting count).
			if strings.EqualFold(t.text, "ON") {
				p.i++
			}
			if p.i+1 < len(p.toks) && p.toks[p.i+1].text != "(" {
				p.i++
			}
		case "PRIMARY":
			cs.primary = true
		case "KEY":
			if p.i > 0 && !strings.EqualFold(p.toks[p.i-1].text, "UNIQUE") && !strings.EqualFold(p.toks[p.i-1].text, "PRIMARY") {
				cs.primary = true // a lone KEY attribute means PRIMARY KEY
			}
		case "CHARSET":
			if p.i+1 < len(p.toks) {
				cs.charset = strings.ToLower(p.toks[p.i+1].text)
				p.i++
			}
		case "CHARACTER":
			if next("SET") && p.i+2 < len(p.toks) {
				cs.charset = strings.ToLower(p.toks[p.i+2].text)
				p.i += 2
			}
		}
	}
	return cs, nil
}

func (p *ddlParser) createTable(defaultDB string) (ddlStmt, error) {
	p.accept("IF", "NOT", "EXISTS")
	name, err := p.tableName(defaultDB)
	if err != nil {
		return ddlStmt{}, err
	}
	if !p.punct("(") {
		return ddlStmt{}, fmt.Errorf("%w: CREATE TABLE without a column list", errUnsupportedDDL)
	}
	st := &createStmt{table: name}
	var specs []colSpec
	for {
		switch {
		case p.accept("CONSTRAINT"):
			if !p.is("PRIMARY", "UNIQUE", "FOREIGN", "CHECK") {
				p.i++
			}
			if !p.accept("PRIMARY", "KEY") {
				p.skipGroup()
				break
			}
			fallthrough
		case p.accept("PRIMARY", "KEY"):
			if st.pk, err = p.keyColumns(); err != nil {
				return ddlStmt{}, err
			}
		case p.is("INDEX", "KEY", "UNIQUE", "FULLTEXT", "SPATIAL", "FOREIGN", "CHECK", "PERIOD"):
			p.skipGroup()
		case p.is("LIKE"):
			return ddlStmt{}, fmt.Errorf("%w: CREATE TABLE … LIKE", errUnsupportedDDL)
		default:
			cs, err := p.columnSpec()
			if err != nil {
				return ddlStmt{}, err
			}
			specs = append(specs, cs)
			if cs.primary {
				st.pk = []string{cs.name}
			}
		}
		if p.punct(")") {
			break
		}
		if !p.punct(",") {
			return ddlStmt{}, fmt.Errorf("%w: unexpected %q in CREATE TABLE", errUnsupportedDDL, p.peek().text)
		}
	}
	// Table options: the default character set of its text columns; a
	// CREATE TABLE … SELECT has columns the statement does not spell out.
	for ; p.i < len(p.toks); p.i++ {
		t := p.toks[p.i]
		switch {
		case t.kind == tWord && (strings.EqualFold(t.text, "SELECT") || strings.EqualFold(t.text, "AS")):
			return ddlStmt{}, fmt.Errorf("%w: CREATE TABLE … SELECT", errUnsupportedDDL)
		case t.kind == tWord && strings.EqualFold(t.text, "CHARSET"):
			st.charset = optionValue(p.toks, p.i+1)
		case t.kind == tWord && strings.EqualFold(t.text, "CHARACTER") && p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1].text, "SET"):
			st.charset = optionValue(p.toks, p.i+2)
		}
	}
	st.specs = specs
	return ddlStmt{create: st}, nil
}

// optionValue reads the value of a table option, after an optional "=".
func optionValue(toks []token, i int) string {
	if i < len(toks) && toks[i].text == "=" {
		i++
	}
	if i < len(toks) {
		return strings.ToLower(toks[i].text)
	}
	return ""
}

// Type name aliases, to the DATA_TYPE information_schema shows.
var typeAliases = map[string]string{
	"integer": "int", "int1": "tinyint", "int2": "smallint", "int3": "mediumint", "int4": "int", "int8": "bigint",
	"middleint": "mediumint", "dec": "decimal", "numeric": "decimal", "fixed": "decimal", "real": "double",
	"float4": "float", "float8": "double", "character": "char", "nchar": "char", "nvarchar": "varchar",
}

// def resolves a column definition into what information_schema would
// show for it, given the table's default character set (blank: unknown).
// MariaDB's JSON is LONGTEXT with a JSON check.
func (cs colSpec) def(tableCharset string, mariaDB bool) colDef {
	d := colDef{Name: cs.name, DataType: cs.typeName, Nullable: !cs.notNull && !cs.primary}
	if a, ok := typeAliases[d.DataType]; ok {
		d.DataType = a
	}
	args := make([]string, len(cs.args))
	for i, a := range cs.args {
		args[i] = a.text
	}
	num := func(i, def int) int {
		if i < len(args) {
			if n, err := strconv.Atoi(args[i]); err == nil {
				return n
			}
		}
		return def
	}
	switch d.DataType {
	case "bool", "boolean":
		d.DataType, args = "tinyint", []string{"1"}
	case "serial":
		d.DataType, cs.unsigned, d.Nullable = "bigint", true, false
	case "decimal":
		d.Precision, d.Scale = num(0, 10), num(1, 0)
		args = []string{strconv.Itoa(d.Precision), strconv.Itoa(d.Scale)}
	case "bit":
		d.Precision = num(0, 1)
	case "datetime", "time", "timestamp":
		d.FSP = num(0, 0)
	case "binary":
		d.Octets = int64(num(0, 1))
	case "json":
		if mariaDB {
			d.DataType, d.JSON = "longtext", true
		}
	}
	switch d.DataType {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		d.Charset = cs.charset
		if d.Charset == "" {
			d.Charset = tableCharset
		}
		if d.Charset == "" {
			d.Charset = "utf8mb4"
		}
	}
	d.ColumnType = d.DataType
	if d.DataType == "longtext" && d.JSON {
		args = nil
	}
	if len(args) > 0 {
		if d.DataType == "enum" || d.DataType == "set" {
			quoted := make([]string, len(args))
			for i, a := range args {
				quoted[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
			}
			args = quoted
		}
		d.ColumnType += "(" + strings.Join(args, ",") + ")"
	}
	if cs.unsigned && slices.Contains([]string{"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double"}, d.DataType) {
		d.ColumnType += " unsigned"
	}
	if cs.zerofill {
		d.ColumnType += " zerofill"
	}
	return d
}

package sql

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/eddysql/eddy/types"
)

// keywords are ksqlDB's lexer keywords. reserved holds those that may not
// be used as unquoted identifiers; the rest (nonReserved) may.
var keywords = []string{
	"EMIT", "CHANGES", "FINAL", "SELECT", "FROM", "AS", "ALL", "DISTINCT", "WHERE",
	"WITHIN", "WINDOW", "GROUP", "BY", "HAVING", "LIMIT", "AT", "OR", "AND", "IN",
	"NOT", "EXISTS", "BETWEEN", "LIKE", "ESCAPE", "IS", "NULL", "TRUE", "FALSE",
	"INTEGER", "DATE", "TIME", "TIMESTAMP", "INTERVAL", "YEAR", "MONTH", "DAY",
	"HOUR", "MINUTE", "SECOND", "MILLISECOND", "YEARS", "MONTHS", "DAYS", "HOURS",
	"MINUTES", "SECONDS", "MILLISECONDS", "ZONE", "TUMBLING", "HOPPING", "SIZE",
	"ADVANCE", "RETENTION", "GRACE", "PERIOD", "CASE", "WHEN", "THEN", "ELSE", "END",
	"JOIN", "FULL", "OUTER", "INNER", "LEFT", "RIGHT", "ON", "PARTITION", "STRUCT",
	"WITH", "VALUES", "CREATE", "TABLE", "TOPIC", "STREAM", "STREAMS", "INSERT",
	"DELETE", "INTO", "DESCRIBE", "EXTENDED", "PRINT", "EXPLAIN", "ANALYZE", "TYPE",
	"TYPES", "CAST", "SHOW", "LIST", "TABLES", "TOPICS", "QUERY", "QUERIES",
	"TERMINATE", "PAUSE", "RESUME", "LOAD", "COLUMNS", "COLUMN", "PARTITIONS",
	"FUNCTIONS", "FUNCTION", "DROP", "TO", "RENAME", "ARRAY", "MAP", "SET", "DEFINE",
	"UNDEFINE", "RESET", "SESSION", "SAMPLE", "EXPORT", "CATALOG", "PROPERTIES",
	"BEGINNING", "UNSET", "RUN", "SCRIPT", "DECIMAL", "KEY", "CONNECTOR",
	"CONNECTORS", "SINK", "SOURCE", "NAMESPACE", "MATERIALIZED", "VIEW", "PRIMARY",
	"REPLACE", "ASSERT", "ADD", "ALTER", "VARIABLES", "PLUGINS", "HEADERS", "HEADER",
	"SYSTEM", "IF", "TIMEOUT", "SCHEMA", "SUBJECT", "ID",
}

var nonReserved = []string{
	"SHOW", "TABLES", "COLUMNS", "COLUMN", "PARTITIONS", "FUNCTIONS", "FUNCTION",
	"SESSION", "STRUCT", "MAP", "ARRAY", "PARTITION", "INTEGER", "DATE", "TIME",
	"TIMESTAMP", "INTERVAL", "ZONE", "STRING", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE",
	"SECOND", "EXPLAIN", "ANALYZE", "TYPE", "TYPES", "SET", "RESET", "IF", "SOURCE",
	"SINK", "PRIMARY", "KEY", "EMIT", "CHANGES", "FINAL", "ESCAPE", "REPLACE",
	"ASSERT", "ALTER", "ADD", "HEADER", "HEADERS", "GRACE", "PERIOD", "DEFINE",
	"UNDEFINE", "VARIABLES", "PLUGINS", "SYSTEM", "TIMEOUT", "SCHEMA", "SUBJECT", "ID",
}

var reserved = func() map[string]bool {
	m := make(map[string]bool, len(keywords))
	for _, k := range keywords {
		m[k] = true
	}
	for _, k := range nonReserved {
		delete(m, k)
	}
	return m
}()

// unitMillis maps window and timeout units to milliseconds.
var unitMillis = map[string]int64{
	"DAY": 86400000, "DAYS": 86400000,
	"HOUR": 3600000, "HOURS": 3600000,
	"MINUTE": 60000, "MINUTES": 60000,
	"SECOND": 1000, "SECONDS": 1000,
	"MILLISECOND": 1, "MILLISECONDS": 1,
}

// pluralUnits are the reserved unit words that a function argument may be
// (TIMESTAMPADD(MILLISECONDS, ...)); singular forms are ordinary
// identifiers there, as in ksqlDB.
var pluralUnits = map[string]bool{
	"DAYS": true, "HOURS": true, "MINUTES": true, "SECONDS": true, "MILLISECONDS": true,
}

// bailout carries a parse error up through panic; the entry points
// recover it.
type bailout struct{ err *Error }

type parser struct {
	src  string
	toks []token
	i    int
	// expected lists what was looked for at token expIdx, for messages.
	expIdx   int
	expected []string
	// lambdas is the stack of lambda parameter scopes being parsed.
	lambdas [][]string
	// depth is how deeply the expression or type being parsed nests.
	depth int
	// durationText is the last duration parsed as ksqlDB prints it
	// ("10 SECONDS"), kept by windows and join windows for quoting.
	durationText string
	// testForms admits the ASSERT statements of test scripts
	// (ParseTestScript), which no server accepts.
	testForms bool
}

// MaxNesting bounds how deeply expressions and types nest (parentheses,
// operator chains, subscripts, nested types), so that a hostile statement
// ends with an error instead of exhausting the stack, in the parser and in
// everything that walks the tree after it.
const MaxNesting = 1000

// nest enters one level of nesting at pos and returns 1, for unnest.
func (p *parser) nest(pos Pos) int {
	p.depth++
	if p.depth > MaxNesting {
		p.fail(pos, fmt.Sprintf("Expression nested too deeply: more than %d levels of nesting.", MaxNesting))
	}
	return 1
}

// unnest leaves n levels.
func (p *parser) unnest(n int) { p.depth -= n }

func newParser(src string) (*parser, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, toks: toks, expIdx: -1}, nil
}

// run calls f, turning a bailout panic into an error.
func (p *parser) run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			err = b.err
		}
	}()
	f()
	return nil
}

func (p *parser) cur() token         { return p.toks[p.i] }
func (p *parser) peekAt(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }
func (p *parser) prev() token        { return p.toks[max(p.i-1, 0)] }
func (p *parser) atEOF() bool        { return p.cur().Kind == tEOF }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// want records that s would have been accepted at the current token.
func (p *parser) want(s string) {
	if p.expIdx != p.i {
		p.expIdx = p.i
		p.expected = p.expected[:0]
	}
	for _, e := range p.expected {
		if e == s {
			return
		}
	}
	p.expected = append(p.expected, s)
}

func (p *parser) fail(pos Pos, msg string) {
	panic(bailout{&Error{Pos: pos, Msg: msg}})
}

// failBare reports a syntax error at pos with no detail, as ksqlDB does
// for a word after a statement that could end before it, keeping what
// was expected there as the error's Hint.
func (p *parser) failBare(pos Pos) {
	e := &Error{Pos: pos, Msg: "Syntax Error\n"}
	if exp := p.expectedText(); exp != "<nothing>" {
		e.Hint = "Expecting " + exp
	}
	panic(bailout{e})
}

// failSemantic reports an error in well-formed text (see Error.Semantic).
func (p *parser) failSemantic(pos Pos, msg string) {
	panic(bailout{&Error{Pos: pos, Msg: msg, Semantic: true}})
}

// failExpecting reports a mismatched input at the current token, listing
// what was looked for there.
func (p *parser) failExpecting(extra ...string) {
	for _, e := range extra {
		p.want(e)
	}
	t := p.cur()
	if t.Kind == tWord && reserved[t.Val] && p.expIdx == p.i && slices.Contains(p.expected, "IDENTIFIER") {
		p.fail(t.Pos, "Syntax Error\n'"+t.Raw+"' is a reserved keyword and it can't be used as an identifier. Quote it with back-quotes to use it as one")
	}
	if p.expIdx != p.i || len(p.expected) == 0 {
		p.fail(t.Pos, "Syntax Error\nno viable alternative at input '"+t.display()+"'")
	}
	exp := p.expectedText()
	if t.Kind == tEOF {
		p.fail(t.Pos, "Syntax Error\nmismatched input '<EOF>' expecting "+exp)
	}
	p.fail(t.Pos, "Syntax Error\nExpecting "+exp)
}

// expectedText renders the expected set at the current token as ANTLR
// does: a bare item, or a braced list.
func (p *parser) expectedText() string {
	if p.expIdx != p.i || len(p.expected) == 0 {
		return "<nothing>"
	}
	if len(p.expected) == 1 {
		return p.expected[0]
	}
	return "{" + strings.Join(p.expected, ", ") + "}"
}

// isKw reports whether the current token is the keyword kw, recording it
// as expected otherwise.
func (p *parser) isKw(kw string) bool {
	t := p.cur()
	if t.Kind == tWord && t.Val == kw {
		return true
	}
	p.want("'" + kw + "'")
	return false
}

// peekKw is isKw at offset n without recording anything.
func (p *parser) peekKw(n int, kw string) bool {
	t := p.peekAt(n)
	return t.Kind == tWord && t.Val == kw
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) expectKw(kws ...string) token {
	var first token
	for i, kw := range kws {
		if !p.isKw(kw) {
			p.failExpecting()
		}
		t := p.advance()
		if i == 0 {
			first = t
		}
	}
	return first
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	if t.Kind == tOp && t.Val == op {
		return true
	}
	p.want("'" + op + "'")
	return false
}

func (p *parser) peekOp(n int, op string) bool {
	t := p.peekAt(n)
	return t.Kind == tOp && t.Val == op
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.advance()
		return true
	}
	return false
}

// expectOp consumes op, or fails with ANTLR-style recovery wording: an
// extra token before op is "extraneous", a missing closer is "missing".
func (p *parser) expectOp(op string) token {
	if p.isOp(op) {
		return p.advance()
	}
	t := p.cur()
	if p.peekOp(1, op) && t.Kind != tEOF {
		p.fail(t.Pos, "Syntax Error\nextraneous input '"+t.display()+"' expecting "+p.expectedText())
	}
	if (op == ")" || op == "]" || op == ">") && t.Kind == tOp && (t.Val == "," || t.Val == ";") {
		p.fail(t.Pos, "Syntax Error\nmissing '"+op+"' at '"+t.display()+"'")
	}
	p.failExpecting()
	return token{}
}

// identOK reports whether t can be an identifier.
func identOK(t token) bool {
	switch t.Kind {
	case tQuoted, tDigitID:
		return true
	case tWord:
		return !reserved[t.Val]
	}
	return false
}

func (p *parser) isIdent() bool {
	if identOK(p.cur()) {
		return true
	}
	p.want("IDENTIFIER")
	return false
}

// ident consumes an identifier and returns its normalised name.
func (p *parser) ident() (string, Pos) {
	if !p.isIdent() {
		p.failExpecting()
	}
	t := p.advance()
	return t.Val, t.Pos
}

// rawIdent consumes an identifier or string and returns it with its
// original case: topic names are case-sensitive.
func (p *parser) rawIdentOrString() string {
	t := p.cur()
	if t.Kind == tString || t.Kind == tQuoted {
		p.advance()
		return t.Val
	}
	p.want("STRING")
	if !p.isIdent() {
		p.failExpecting()
	}
	p.advance()
	return t.Raw
}

// variableName parses a DEFINE/UNDEFINE name, keeping its case: ${name}
// lookups are case-insensitive. ksqlDB's grammar takes only an unquoted
// identifier that is not a keyword; a name it refuses is refused here
// too, so that a script that runs here runs on ksqlDB.
func (p *parser) variableName() string {
	t := p.cur()
	switch t.Kind {
	case tWord, tDigitID, tQuoted:
		name := t.Raw
		if t.Kind == tQuoted {
			name = t.Val
		}
		if err := CheckVariableName(name); err != nil || t.Kind == tQuoted {
			if err == nil {
				err = fmt.Errorf("variable name %s is quoted; a variable name is a bare identifier (as in ksqlDB): write %s", t.Raw, name)
			}
			p.fail(t.Pos, "Syntax Error\n"+err.Error())
		}
		p.advance()
		return name
	}
	p.failExpecting("IDENTIFIER")
	return ""
}

// CheckVariableName says why name cannot be a variable's (DEFINE,
// --define): as in ksqlDB, a name starts with a letter (A to Z, either
// case) or an underscore, goes on with letters, digits, underscores and
// @, and is not a keyword.
func CheckVariableName(name string) error {
	shape := name != ""
	for i, r := range name {
		letter := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '_'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '@')) {
			shape = false
			break
		}
	}
	if !shape {
		return fmt.Errorf("%q is not a valid variable name: a name starts with a letter or an underscore and goes on with letters, digits, underscores and @ (as in ksqlDB)", name)
	}
	if up := strings.ToUpper(name); slices.Contains(keywords, up) || up == "STRING" {
		return fmt.Errorf("%s is a keyword, which ksqlDB does not take as a variable name: choose another (%s_name, say)", name, strings.ToLower(name))
	}
	return nil
}

func (p *parser) str() string {
	t := p.cur()
	if t.Kind != tString {
		p.failExpecting("STRING")
	}
	p.advance()
	return t.Val
}

func (p *parser) integer() int64 {
	t := p.cur()
	if t.Kind != tInt {
		p.failExpecting("INTEGER_VALUE")
	}
	p.advance()
	return p.intValue(t, false)
}

// ---------------------------------------------------------------------------
// Entry points

// Parse parses every statement in text. Each statement must end with ';'
// except the last, for which it is optional.
func Parse(text string) ([]Statement, error) {
	p, err := newParser(text)
	if err != nil {
		return nil, err
	}
	var out []Statement
	err = p.run(func() {
		for !p.atEOF() {
			if p.acceptOp(";") {
				continue
			}
			out = append(out, p.statementWithText())
			if !p.atEOF() && !p.acceptOp(";") {
				// A word left over after a complete statement is where
				// ANTLR finds no viable alternative (e.g. ORDER BY, ORDER
				// having been taken as an alias); ksqlDB reports that
				// without detail.
				if t := p.cur(); t.Kind == tWord || t.Kind == tQuoted || t.Kind == tDigitID {
					p.failBare(t.Pos)
				}
				p.failExpecting()
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseExpr parses a single expression.
func ParseExpr(text string) (Expr, error) {
	p, err := newParser(text)
	if err != nil {
		return nil, err
	}
	var e Expr
	err = p.run(func() {
		e = p.expr()
		if !p.atEOF() {
			p.failExpecting("<EOF>")
		}
	})
	return e, err
}

// ParseType parses a SQL type such as STRUCT<A INT, B ARRAY<STRING>>.
func ParseType(text string) (*types.Type, error) {
	p, err := newParser(text)
	if err != nil {
		return nil, err
	}
	var t *types.Type
	err = p.run(func() {
		t = p.typ()
		if !p.atEOF() {
			p.failExpecting("<EOF>")
		}
	})
	return t, err
}

// setBase fills in the statement text and position after parsing.
func (b *Base) setBase(pos Pos, src string) {
	b.P = pos
	b.Src = src
}

type baseSetter interface{ setBase(Pos, string) }

func (p *parser) statementWithText() Statement {
	start := p.cur()
	st := p.statement()
	end := p.prev().End
	st.(baseSetter).setBase(start.Pos, p.src[start.Off:end])
	return st
}

// ---------------------------------------------------------------------------
// Statements

func (p *parser) statement() Statement {
	t := p.cur()
	if t.Kind == tWord {
		switch t.Val {
		case "SELECT":
			return &Select{Query: p.query()}
		case "CREATE":
			return p.create()
		case "INSERT":
			return p.insert()
		case "DROP":
			return p.drop()
		case "TERMINATE":
			p.advance()
			if p.acceptKw("ALL") {
				return &Terminate{All: true}
			}
			id, _ := p.ident()
			return &Terminate{QueryID: id}
		case "PAUSE", "RESUME":
			p.advance()
			s := &PauseResume{Resume: t.Val == "RESUME"}
			if p.acceptKw("ALL") {
				s.All = true
			} else {
				s.QueryID, _ = p.ident()
			}
			return s
		case "STOP":
			// eddy's own: Kafka Connect's PUT /connectors/{name}/stop as
			// a statement, so that the command log keeps it.
			p.advance()
			p.expectKw("CONNECTOR")
			s := &StopConnector{}
			s.Name, _ = p.ident()
			return s
		case "SHOW", "LIST":
			return p.show()
		case "DESCRIBE":
			return p.describe()
		case "EXPLAIN":
			p.advance()
			if p.startsStatement() {
				return &Explain{Statement: p.statementWithText()}
			}
			id, _ := p.ident()
			return &Explain{QueryID: id}
		case "SET":
			p.advance()
			name := p.str()
			p.expectOp("=")
			return &SetProperty{Name: name, Value: p.str()}
		case "UNSET":
			p.advance()
			return &UnsetProperty{Name: p.str()}
		case "ALTER":
			return p.alter()
		case "DEFINE":
			p.advance()
			name := p.variableName()
			p.expectOp("=")
			return &Define{Name: name, Value: p.str()}
		case "UNDEFINE":
			p.advance()
			name := p.variableName()
			return &Undefine{Name: name}
		case "RUN":
			p.advance()
			p.expectKw("SCRIPT")
			return &RunScript{Path: p.str()}
		case "PRINT":
			return p.print()
		case "ASSERT":
			return p.assert()
		}
	}
	p.fail(t.Pos, "Syntax Error\nUnknown statement '"+t.display()+"'")
	return nil
}

// startsStatement reports whether the current token begins a statement
// rather than a query id (for EXPLAIN).
func (p *parser) startsStatement() bool {
	t := p.cur()
	if t.Kind != tWord {
		return false
	}
	switch t.Val {
	case "SELECT", "CREATE", "INSERT", "DROP", "SHOW", "LIST", "DESCRIBE", "PRINT", "TERMINATE":
		return true
	}
	return false
}

func (p *parser) create() Statement {
	p.expectKw("CREATE")
	orReplace := false
	if p.acceptKw("OR") {
		p.expectKw("REPLACE")
		orReplace = true
	}
	if (p.peekKw(0, "SOURCE") || p.peekKw(0, "SINK")) && p.peekKw(1, "CONNECTOR") && !orReplace {
		return p.createConnector()
	}
	if !orReplace && p.acceptKw("TYPE") {
		s := &CreateType{}
		s.IfNotExists = p.ifNotExists()
		s.Name, _ = p.ident()
		p.expectKw("AS")
		s.Type = p.typ()
		return s
	}
	source := p.acceptKw("SOURCE")
	var isTable bool
	switch {
	case p.acceptKw("STREAM"):
	case p.acceptKw("TABLE"):
		isTable = true
	default:
		if !orReplace && !source {
			p.want("'TYPE'")
			p.want("'SOURCE'")
			p.want("'SINK'")
		}
		p.failExpecting()
	}
	ifNotExists := p.ifNotExists()
	name, _ := p.ident()
	var elems []TableElement
	if p.isOp("(") {
		elems = p.tableElements(isTable)
	}
	var props Props
	if p.acceptKw("WITH") {
		props = p.props()
	}
	if elems == nil && !source && p.acceptKw("AS") {
		return &CreateAsSelect{OrReplace: orReplace, IsTable: isTable, IfNotExists: ifNotExists,
			Name: name, Props: props, Query: p.query()}
	}
	if err := checkWindowProps(props); err != "" {
		p.fail(p.cur().Pos, err)
	}
	return &CreateSource{OrReplace: orReplace, Source: source, IsTable: isTable,
		IfNotExists: ifNotExists, Name: name, Elements: elems, Props: props}
}

// checkWindowProps applies the WITH-clause window checks that ksqlDB
// makes while parsing.
func checkWindowProps(props Props) string {
	wt, ok := props.Get("WINDOW_TYPE")
	if !ok {
		return ""
	}
	s, ok := wt.(*StringLit)
	if !ok {
		return ""
	}
	if _, hasSize := props.Get("WINDOW_SIZE"); hasSize && strings.EqualFold(s.Val, "SESSION") {
		return "'WINDOW_SIZE' should not be set for SESSION windows."
	}
	return ""
}

func (p *parser) ifNotExists() bool {
	if p.acceptKw("IF") {
		p.expectKw("NOT", "EXISTS")
		return true
	}
	return false
}

func (p *parser) ifExists() bool {
	if p.acceptKw("IF") {
		p.expectKw("EXISTS")
		return true
	}
	return false
}

func (p *parser) tableElements(isTable bool) []TableElement {
	p.expectOp("(")
	elems := []TableElement{}
	for {
		name, pos := p.ident()
		e := TableElement{P: pos, Name: name, Type: p.typ()}
		switch {
		case p.peekKw(0, "PRIMARY"):
			p.advance()
			p.expectKw("KEY")
			e.PrimaryKey = true
			if !isTable {
				p.fail(pos, "Line: "+itoa(pos.Line)+", Col: "+itoa(pos.Col)+": Column "+
					types.QuoteIdent(name)+" is a 'PRIMARY KEY' column: please use 'KEY' for streams.")
			}
		case p.peekKw(0, "KEY"):
			p.advance()
			e.Key = true
			if isTable {
				p.fail(pos, "Line: "+itoa(pos.Line)+", Col: "+itoa(pos.Col)+": Column "+
					types.QuoteIdent(name)+" is a 'KEY' column: please use 'PRIMARY KEY' for tables.")
			}
		case p.peekKw(0, "HEADERS"):
			p.advance()
			e.Headers = true
		case p.peekKw(0, "HEADER"):
			p.advance()
			p.expectOp("(")
			e.Headers = true
			e.HeaderKey = p.str()
			p.expectOp(")")
		}
		elems = append(elems, e)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return elems
}

// props parses a parenthesised WITH list. Names are upper-cased whether
// given as identifiers or strings.
func (p *parser) props() Props {
	p.expectOp("(")
	var props Props
	for {
		var name string
		if t := p.cur(); t.Kind == tString {
			p.advance()
			name = t.Val
		} else {
			p.want("STRING")
			name, _ = p.ident()
		}
		p.expectOp("=")
		props = append(props, Prop{Name: strings.ToUpper(name), Value: p.literal()})
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return props
}

// literal parses NULL, TRUE, FALSE, a string or an optionally negative
// number.
func (p *parser) literal() Expr {
	t := p.cur()
	switch {
	case t.Kind == tString:
		p.advance()
		return &StringLit{P: t.Pos, Val: t.Val}
	case t.Kind == tInt || t.Kind == tDecimal || t.Kind == tDouble:
		return p.number(false)
	case t.Kind == tOp && t.Val == "-" && isNumber(p.peekAt(1)):
		p.advance()
		return p.number(true)
	case t.Kind == tWord && t.Val == "NULL":
		p.advance()
		return &NullLit{P: t.Pos}
	case t.Kind == tWord && (t.Val == "TRUE" || t.Val == "FALSE"):
		p.advance()
		return &BoolLit{P: t.Pos, Val: t.Val == "TRUE"}
	}
	p.failExpecting("'NULL'", "'TRUE'", "'FALSE'", "STRING", "INTEGER_VALUE", "DECIMAL_VALUE", "FLOATING_POINT_VALUE")
	return nil
}

func (p *parser) createConnector() Statement {
	s := &CreateConnector{Sink: p.advance().Val == "SINK"}
	p.expectKw("CONNECTOR")
	s.IfNotExists = p.ifNotExists()
	s.Name, _ = p.ident()
	p.expectKw("WITH")
	p.expectOp("(")
	s.Config = map[string]string{}
	for {
		var name string
		if t := p.cur(); t.Kind == tString {
			p.advance()
			name = t.Val
		} else {
			p.want("STRING")
			name, _ = p.ident()
		}
		p.expectOp("=")
		s.Config[name] = literalString(p.literal())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return s
}

// literalString renders a WITH literal as connector configuration text.
func literalString(e Expr) string {
	switch v := e.(type) {
	case *StringLit:
		return v.Val
	case *NullLit:
		return "null"
	}
	return FormatExpr(e)
}

// columnNames parses `name, ...)` after an opening parenthesis: an
// INSERT's or an ASSERT VALUES' column list.
func (p *parser) columnNames() []string {
	var cols []string
	for {
		c, _ := p.ident()
		cols = append(cols, c)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return cols
}

func (p *parser) insert() Statement {
	p.expectKw("INSERT", "INTO")
	targetPos := p.cur().Pos
	target, _ := p.ident()
	if p.isOp("(") {
		p.advance()
		cols := p.columnNames()
		p.expectKw("VALUES")
		return &InsertValues{Target: target, Columns: cols, Values: p.valuesList()}
	}
	if p.acceptKw("VALUES") {
		return &InsertValues{Target: target, Values: p.valuesList()}
	}
	var props Props
	if p.acceptKw("WITH") {
		props = p.props()
	}
	if !p.isKw("SELECT") {
		p.failExpecting()
	}
	return &InsertInto{Target: target, TargetPos: targetPos, Props: props, Query: p.query()}
}

func (p *parser) valuesList() []Expr {
	p.expectOp("(")
	vals := []Expr{}
	if p.acceptOp(")") {
		return vals
	}
	for {
		vals = append(vals, p.valueExpr())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return vals
}

func (p *parser) drop() Statement {
	p.expectKw("DROP")
	switch {
	case p.acceptKw("STREAM"), p.isKw("TABLE"):
		s := &DropSource{IsTable: p.acceptKw("TABLE")}
		s.IfExists = p.ifExists()
		s.Name, _ = p.ident()
		if p.acceptKw("DELETE") {
			p.expectKw("TOPIC")
			s.DeleteTopic = true
		}
		return s
	case p.acceptKw("TYPE"):
		s := &DropType{}
		s.IfExists = p.ifExists()
		s.Name, _ = p.ident()
		return s
	case p.acceptKw("CONNECTOR"):
		s := &DropConnector{}
		s.IfExists = p.ifExists()
		s.Name, _ = p.ident()
		return s
	}
	p.failExpecting()
	return nil
}

func (p *parser) show() Statement {
	p.advance()
	s := &Show{}
	extended := func() { s.Extended = p.acceptKw("EXTENDED") }
	switch {
	case p.acceptKw("PROPERTIES"):
		s.What = "PROPERTIES"
	case p.acceptKw("ALL"):
		p.expectKw("TOPICS")
		s.What, s.All = "TOPICS", true
		extended()
	case p.acceptKw("TOPICS"):
		s.What = "TOPICS"
		extended()
	case p.acceptKw("STREAMS"):
		s.What = "STREAMS"
		extended()
	case p.acceptKw("TABLES"):
		s.What = "TABLES"
		extended()
	case p.acceptKw("QUERIES"):
		s.What = "QUERIES"
		extended()
	case p.acceptKw("FUNCTIONS"):
		s.What = "FUNCTIONS"
	case p.acceptKw("TYPES"):
		s.What = "TYPES"
	case p.acceptKw("VARIABLES"):
		s.What = "VARIABLES"
	case p.acceptKw("CONNECTORS"):
		s.What = "CONNECTORS"
	case p.acceptKw("SOURCE"):
		p.expectKw("CONNECTORS")
		s.What = "SOURCE CONNECTORS"
	case p.acceptKw("SINK"):
		p.expectKw("CONNECTORS")
		s.What = "SINK CONNECTORS"
	case p.acceptKw("CONNECTOR"):
		p.expectKw("PLUGINS")
		s.What = "CONNECTOR PLUGINS"
	default:
		p.failExpecting()
	}
	return s
}

func (p *parser) describe() Statement {
	p.expectKw("DESCRIBE")
	s := &Describe{}
	switch {
	case p.peekKw(0, "STREAMS") && !p.peekOp(1, "."):
		p.advance()
		s.Streams = true
	case p.peekKw(0, "TABLES") && (p.peekKw(1, "EXTENDED") || p.peekOp(1, ";") || p.peekAt(1).Kind == tEOF):
		p.advance()
		s.Tables = true
	case p.peekKw(0, "FUNCTION") && identOK(p.peekAt(1)):
		p.advance()
		s.Function = true
		s.Name, _ = p.ident()
		return s
	case p.peekKw(0, "CONNECTOR") && identOK(p.peekAt(1)):
		p.advance()
		s.Connector = true
		s.Name, _ = p.ident()
		return s
	case p.peekKw(0, "EXTENDED") && identOK(p.peekAt(1)):
		// KSQL 5's order, still in walkthroughs such as the ratings flow.
		p.advance()
		s.Name, _ = p.ident()
		s.Extended = true
		return s
	default:
		s.Name, _ = p.ident()
	}
	s.Extended = p.acceptKw("EXTENDED")
	return s
}

func (p *parser) alter() Statement {
	p.expectKw("ALTER")
	if p.acceptKw("SYSTEM") {
		name := p.str()
		p.expectOp("=")
		return &AlterSystem{Name: name, Value: p.str()}
	}
	s := &AlterSource{}
	switch {
	case p.acceptKw("STREAM"):
	case p.acceptKw("TABLE"):
		s.IsTable = true
	default:
		p.failExpecting()
	}
	s.Name, _ = p.ident()
	for {
		p.expectKw("ADD")
		p.acceptKw("COLUMN")
		name, pos := p.ident()
		s.Add = append(s.Add, TableElement{P: pos, Name: name, Type: p.typ()})
		if !p.acceptOp(",") {
			break
		}
	}
	return s
}

func (p *parser) print() Statement {
	p.expectKw("PRINT")
	s := &Print{Topic: p.rawIdentOrString()}
	if p.acceptKw("FROM") {
		p.expectKw("BEGINNING")
		s.FromBeginning = true
	}
	if p.acceptKw("INTERVAL") || p.acceptKw("SAMPLE") {
		s.Interval = int(p.integer())
	}
	if p.acceptKw("LIMIT") {
		n := p.limit()
		s.Limit = &n
	}
	return s
}

func (p *parser) assert() Statement {
	p.expectKw("ASSERT")
	notExists := false
	if p.acceptKw("NOT") {
		p.expectKw("EXISTS")
		notExists = true
	}
	switch {
	case p.acceptKw("TOPIC"):
		s := &AssertTopic{NotExists: notExists, Name: p.rawIdentOrString()}
		if p.acceptKw("WITH") {
			s.Props = p.props()
		}
		s.TimeoutMS = p.timeout()
		return s
	case p.acceptKw("SCHEMA"):
		s := &AssertSchema{NotExists: notExists}
		if p.acceptKw("SUBJECT") {
			sub := p.rawIdentOrString()
			s.Subject = &sub
		}
		if p.acceptKw("ID") {
			// ksqlDB takes any literal here and then wants an INT one.
			n, ok := p.literal().(*IntLit)
			if !ok || n.Val > math.MaxInt32 || n.Val < math.MinInt32 {
				p.failSemantic(Pos{}, "ID must be an integer")
			}
			s.ID = &n.Val
		}
		if s.Subject == nil && s.ID == nil {
			// ksqlDB's wording, typo included.
			p.failSemantic(Pos{}, "ASSERT SCHEMA statements much include a subject name or an id")
		}
		s.TimeoutMS = p.timeout()
		return s
	}
	if p.testForms && !notExists {
		if s := p.assertTestForm(); s != nil {
			return s
		}
	}
	// The test-only ASSERT VALUES / STREAM / TABLE forms are not statements
	// a server accepts; ksqlDB words this error differently.
	t := p.cur()
	p.fail(t.Pos, "Syntax error at or near '"+t.display()+"' at line "+itoa(t.Pos.Line)+":"+itoa(t.Pos.Col))
	return nil
}

func (p *parser) timeout() *int64 {
	if !p.acceptKw("TIMEOUT") {
		return nil
	}
	ms := p.duration()
	return &ms
}

// duration parses `n unit` into milliseconds.
func (p *parser) duration() int64 {
	pos := p.cur().Pos
	n := p.integer()
	t := p.cur()
	mult, ok := unitMillis[t.Val]
	if t.Kind != tWord || !ok {
		p.failExpecting("'MILLISECONDS'", "'SECONDS'", "'MINUTES'", "'HOURS'", "'DAYS'")
	}
	p.advance()
	unit := t.Val
	if !strings.HasSuffix(unit, "S") {
		unit += "S"
	}
	p.durationText = fmt.Sprintf("%d %s", n, unit)
	if n > MaxDurationMs/mult {
		p.failSemantic(pos, fmt.Sprintf("Duration out of range: %d %s is more than %d milliseconds (about 36 million years).", n, t.Raw, int64(MaxDurationMs)))
	}
	return n * mult
}

// positiveDuration parses a duration that must be larger than zero; msg
// is the error, at the duration, when it is not.
func (p *parser) positiveDuration(msg string) int64 {
	pos := p.cur().Pos
	d := p.duration()
	if d <= 0 {
		p.failSemantic(pos, msg)
	}
	return d
}

// MaxDurationMs bounds a duration so that a window's end, its grace
// period and its retention added to a record's time cannot overflow:
// a larger one wrapped around (a GRACE PERIOD of 2^63-1 ms closed every
// window at once, dropping every record as late).
const MaxDurationMs = 1 << 60

// ---------------------------------------------------------------------------
// Queries

func (p *parser) query() *Query {
	q := &Query{P: p.expectKw("SELECT").Pos}
	for {
		q.Select = append(q.Select, p.selectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectKw("FROM")
	q.From = p.relation()
	if p.acceptKw("WINDOW") {
		q.Window = p.window()
	}
	if p.acceptKw("WHERE") {
		q.Where = p.expr()
	}
	if p.acceptKw("GROUP") {
		p.expectKw("BY")
		q.GroupBy = p.groupingList()
	}
	if p.isKw("PARTITION") && p.peekKw(1, "BY") {
		p.advance()
		p.advance()
		q.PartitionBy = p.groupingList()
	}
	if p.acceptKw("HAVING") {
		q.Having = p.expr()
	}
	if p.acceptKw("EMIT") {
		switch {
		case p.acceptKw("CHANGES"):
			q.Emit = EmitChanges
		case p.acceptKw("FINAL"):
			q.Emit = EmitFinal
		default:
			p.failExpecting()
		}
	}
	if p.acceptKw("LIMIT") {
		n := p.limit()
		q.Limit = &n
	}
	return q
}

// limit parses a LIMIT count. The grammar takes any number, so that a
// decimal gets ksqlDB's specific error and a negative count is left for
// the engine to reject.
func (p *parser) limit() int {
	t := p.cur()
	neg := false
	if p.peekOp(0, "-") && isNumber(p.peekAt(1)) {
		p.advance()
		neg = true
	} else if !isNumber(t) {
		p.failExpecting("INTEGER_VALUE")
	}
	n, ok := p.number(neg).(*IntLit)
	if !ok || n.Val != int64(int(n.Val)) {
		p.failSemantic(Pos{}, "Value must be integer for command: LIMIT")
	}
	return int(n.Val)
}

func (p *parser) selectItem() SelectItem {
	t := p.cur()
	if p.isOp("*") {
		p.advance()
		return SelectItem{P: t.Pos, Star: true}
	}
	if identOK(t) && p.peekOp(1, ".") && p.peekOp(2, "*") {
		p.advance()
		p.advance()
		p.advance()
		return SelectItem{P: t.Pos, Star: true, StarQualifier: t.Val}
	}
	e := p.expr()
	if p.peekOp(0, "->") && p.peekOp(1, "*") {
		p.advance()
		p.advance()
		return SelectItem{P: t.Pos, Expr: e, Star: true}
	}
	item := SelectItem{P: t.Pos, Expr: e}
	if p.acceptKw("AS") {
		item.Alias, _ = p.ident()
	} else if p.isIdent() {
		item.Alias, _ = p.ident()
	}
	return item
}

// groupingList parses GROUP BY / PARTITION BY items: value expressions
// separated by commas, or one parenthesised (possibly empty) list.
func (p *parser) groupingList() []Expr {
	if p.peekOp(0, "(") && p.parenIsList() {
		p.advance()
		list := []Expr{}
		if p.acceptOp(")") {
			return list
		}
		for {
			list = append(list, p.valueExpr())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		return list
	}
	var list []Expr
	for {
		list = append(list, p.valueExpr())
		if !p.acceptOp(",") {
			break
		}
	}
	return list
}

// parenIsList reports whether the parenthesis at the current token holds
// an empty or comma-separated list rather than one expression.
func (p *parser) parenIsList() bool {
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		t := p.toks[j]
		if t.Kind == tEOF {
			return false
		}
		if t.Kind != tOp {
			continue
		}
		switch t.Val {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
			if depth == 0 {
				return j == p.i+1
			}
		case ",":
			if depth == 1 {
				return true
			}
		case ";":
			return false
		}
	}
	return false
}

func (p *parser) relation() Relation {
	var rel Relation = p.aliasedTable()
	for {
		t := p.cur()
		var kind JoinKind
		switch {
		case p.acceptKw("JOIN"):
			kind = InnerJoin
		case p.acceptKw("INNER"):
			p.expectKw("JOIN")
			kind = InnerJoin
		case p.acceptKw("LEFT"):
			kind = LeftJoin
		case p.acceptKw("RIGHT"):
			kind = RightJoin
		case p.acceptKw("FULL"):
			kind = FullJoin
		default:
			return rel
		}
		if kind != InnerJoin {
			p.acceptKw("OUTER")
			p.expectKw("JOIN")
		}
		j := &Join{P: t.Pos, Kind: kind, Left: rel, Right: p.aliasedTable()}
		if p.acceptKw("WITHIN") {
			j.Within = p.within()
		}
		p.expectKw("ON")
		j.On = p.expr()
		rel = j
	}
}

func (p *parser) aliasedTable() *Table {
	name, pos := p.ident()
	t := &Table{P: pos, Name: name}
	if p.acceptKw("AS") {
		t.Alias, _ = p.ident()
		return t
	}
	// EMIT and PARTITION are non-reserved but start the next clause.
	if p.isIdent() && !(p.peekKw(0, "EMIT") && (p.peekKw(1, "CHANGES") || p.peekKw(1, "FINAL"))) &&
		!(p.peekKw(0, "PARTITION") && p.peekKw(1, "BY")) {
		t.Alias, _ = p.ident()
	}
	return t
}

func (p *parser) within() *Within {
	w := &Within{}
	if p.acceptOp("(") {
		w.Before = p.duration()
		w.Text.Before = p.durationText
		p.expectOp(",")
		w.After = p.duration()
		w.Text.After = p.durationText
		p.expectOp(")")
	} else {
		w.Before = p.duration()
		w.After = w.Before
		w.Text.Before, w.Text.After = p.durationText, p.durationText
	}
	if p.acceptKw("GRACE") {
		p.expectKw("PERIOD")
		g := p.duration()
		w.Grace = &g
		w.Text.Grace = p.durationText
	}
	return w
}

func (p *parser) window() *Window {
	// An optional window name precedes the kind; it has no meaning.
	if p.isIdent() && !p.peekKw(0, "SESSION") {
		p.advance()
	}
	w := &Window{P: p.cur().Pos}
	switch {
	case p.acceptKw("TUMBLING"):
		w.Kind = Tumbling
	case p.acceptKw("HOPPING"):
		w.Kind = Hopping
	case p.acceptKw("SESSION"):
		w.Kind = Session
	default:
		p.failExpecting()
	}
	p.expectOp("(")
	if w.Kind == Session {
		w.Size = p.positiveDuration("A session window's gap must be larger than zero.")
		w.Text.Size = p.durationText
	} else {
		p.expectKw("SIZE")
		w.Size = p.positiveDuration("A window's SIZE must be larger than zero.")
		w.Text.Size = p.durationText
		if w.Kind == Hopping {
			p.expectOp(",")
			p.expectKw("ADVANCE", "BY")
			pos := p.cur().Pos
			w.Advance = p.duration()
			w.Text.Advance = p.durationText
			if msg := hopProblem(w.Size, w.Advance); msg != "" {
				p.failSemantic(pos, msg)
			}
		}
	}
	for p.acceptOp(",") {
		switch {
		case w.Retention == nil && p.acceptKw("RETENTION"):
			w.RetentionPos = p.cur().Pos
			r := p.duration()
			w.Retention = &r
			w.Text.Retention = p.durationText
		case w.Grace == nil && p.acceptKw("GRACE"):
			p.expectKw("PERIOD")
			g := p.duration()
			w.Grace = &g
			w.Text.Grace = p.durationText
		default:
			p.failExpecting()
		}
	}
	p.expectOp(")")
	return w
}

// maxHopsPerRecord bounds how many windows of a HOPPING window one record
// falls in (SIZE / ADVANCE BY): each is an aggregate updated, and kept,
// for every record. A day advancing by the second (86,400) fits; a year
// advancing by the millisecond would be 31.5 billion updates a record.
const maxHopsPerRecord = 100_000

// hopProblem says what is wrong with a HOPPING window's ADVANCE BY, or "".
func hopProblem(size, advance int64) string {
	if advance <= 0 || advance > size {
		return fmt.Sprintf("A HOPPING window's ADVANCE BY must be larger than zero and at most its SIZE (%d ms), but is %d ms.", size, advance)
	}
	hops := size / advance
	if size%advance != 0 {
		hops++
	}
	if hops > maxHopsPerRecord {
		return fmt.Sprintf("A HOPPING window of SIZE %d ms advancing by %d ms puts every record in %d windows; at most %d are allowed (SIZE / ADVANCE BY).",
			size, advance, hops, maxHopsPerRecord)
	}
	return ""
}

// ---------------------------------------------------------------------------
// Types

var baseTypes = map[string]*types.Type{
	"BOOLEAN":   types.BooleanType,
	"INT":       types.IntType,
	"INTEGER":   types.IntType,
	"BIGINT":    types.BigintType,
	"DOUBLE":    types.DoubleType,
	"STRING":    types.StringType,
	"VARCHAR":   types.StringType,
	"BYTES":     types.BytesType,
	"DATE":      types.DateType,
	"TIME":      types.TimeType,
	"TIMESTAMP": types.TimestampType,
}

func (p *parser) typ() *types.Type {
	t := p.cur()
	defer p.unnest(p.nest(t.Pos))
	if t.Kind == tWord {
		switch t.Val {
		case "ARRAY":
			if p.peekOp(1, "<") {
				p.advance()
				p.advance()
				elem := p.typ()
				p.closeAngle()
				return types.ArrayOf(elem)
			}
		case "MAP":
			if p.peekOp(1, "<") {
				p.advance()
				p.advance()
				k := p.typ()
				p.expectOp(",")
				v := p.typ()
				p.closeAngle()
				return types.MapOf(k, v)
			}
		case "STRUCT":
			if p.peekOp(1, "<>") {
				p.advance()
				p.advance()
				return types.StructOf()
			}
			if p.peekOp(1, "<") {
				p.advance()
				p.advance()
				fields := []types.Field{}
				if p.peekOp(0, ">") {
					p.advance()
					return types.StructOf(fields...)
				}
				for {
					name, pos := p.ident()
					// A STRUCT's fields are looked up by name: ksqlDB
					// refuses a name twice, as its constructor does.
					if slices.ContainsFunc(fields, func(f types.Field) bool { return f.Name == name }) {
						p.failSemantic(pos, fmt.Sprintf("Duplicate field names found in STRUCT: '%s'", name))
					}
					fields = append(fields, types.Field{Name: name, Type: p.typ()})
					if !p.acceptOp(",") {
						break
					}
				}
				p.closeAngle()
				return types.StructOf(fields...)
			}
		case "DECIMAL":
			pos := t.Pos
			p.advance()
			p.expectOp("(")
			prec := p.integer()
			p.expectOp(",")
			scale := p.integer()
			p.expectOp(")")
			// ksqlDB's checks on a DECIMAL's parameters, in its order
			// and words (the grammar admits no negative scale).
			switch {
			case prec < 1:
				p.failSemantic(pos, fmt.Sprintf("DECIMAL precision must be >= 1: DECIMAL(%d,%d)", prec, scale))
			case scale < 0:
				p.failSemantic(pos, fmt.Sprintf("DECIMAL scale must be >= 0: DECIMAL(%d,%d)", prec, scale))
			case prec < scale:
				p.failSemantic(pos, fmt.Sprintf("DECIMAL precision must be >= scale: DECIMAL(%d,%d)", prec, scale))
			}
			return types.DecimalOf(int(prec), int(scale))
		}
	}
	name, _ := p.ident()
	// ksqlDB's grammar accepts type parameters on any base type; only
	// DECIMAL uses them.
	if p.acceptOp("(") {
		for {
			switch {
			case p.isKw("STRING"):
				p.advance()
			case p.cur().Kind == tInt:
				p.advance()
			default:
				p.failExpecting("INTEGER_VALUE")
			}
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	if t.Kind == tWord {
		if bt, ok := baseTypes[name]; ok {
			return bt
		}
	}
	return &types.Type{Kind: types.Named, Name: name}
}

// closeAngle consumes the '>' closing a type argument list.
func (p *parser) closeAngle() {
	p.expectOp(">")
}

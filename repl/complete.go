package repl

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/chzyer/readline"
	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/sql"
)

// Tab completion for the line editor: keywords, and the names of streams,
// tables, topics, queries and functions that the server reports through
// the shell's Client (SHOW ... statements), cached.

// Cache timings: names are refetched when older than completionMaxAge or
// after a statement ran; a Tab waits at most completionWait for a fetch in
// flight, and a fetch gives up after completionFetchTimeout.
const (
	completionMaxAge       = 5 * time.Second
	completionWait         = 300 * time.Millisecond
	completionFetchTimeout = 2 * time.Second
)

// completer implements readline.AutoCompleter.
type completer struct {
	names *nameCache
	// show prints a list of completions above the prompt; width is the
	// terminal's width. Both are set with the line editor.
	show  func(text string)
	width func() int

	mu      sync.Mutex
	pending string // earlier lines of the statement being typed
	// columns caches each source's column names (DESCRIBE), until a
	// statement runs.
	columns map[string][]string
	// hint is a note for the user about the last completion's context.
	hint string
}

var _ readline.AutoCompleter = (*completer)(nil)

func newCompleter(c Client) *completer {
	comp := &completer{names: newNameCache(c), width: func() int { return 0 }}
	if w, ok := c.(*switchable); ok {
		w.onSwitch(comp.serverChanged)
	}
	return comp
}

// serverChanged forgets every name: they were the old server's, and
// must not be offered while the new server's are fetched (or if it
// refuses to list some).
func (c *completer) serverChanged() {
	c.names.reset()
	c.mu.Lock()
	c.columns = nil
	c.mu.Unlock()
}

// setPending tells the completer the unfinished statement that the next
// line continues, so that context spans lines.
func (c *completer) setPending(text string) {
	c.mu.Lock()
	c.pending = text
	c.mu.Unlock()
}

// statementDone marks the cached names stale (a statement may have
// created or dropped some) and refetches them in the background.
func (c *completer) statementDone() {
	c.names.invalidate(true)
	c.mu.Lock()
	c.columns = nil
	c.mu.Unlock()
}

// sourceColumns returns the columns of the named sources, asking the
// server (DESCRIBE) for those not cached; a source it cannot describe
// adds none.
func (c *completer) sourceColumns(sources []string) []string {
	var out []string
	for _, src := range sources {
		c.mu.Lock()
		cols, ok := c.columns[src]
		c.mu.Unlock()
		if !ok {
			cols = c.describe(src)
			c.mu.Lock()
			if c.columns == nil {
				c.columns = map[string][]string{}
			}
			c.columns[src] = cols
			c.mu.Unlock()
		}
		out = append(out, cols...)
	}
	return out
}

func (c *completer) describe(src string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), c.names.deadline)
	defer cancel()
	ents, err := c.names.client.Execute(ctx, "DESCRIBE "+sql.FormatIdent(src)+";", nil)
	if err != nil {
		return nil
	}
	var cols []string
	for _, e := range ents {
		if d, ok := e.(*api.SourceDescriptionEntity); ok {
			for _, f := range d.SourceDescription.Fields {
				cols = append(cols, f.Name)
			}
		}
	}
	return cols
}

// catalog is one snapshot of the server's names.
type catalog struct {
	streams, tables, topics, queries, functions []string
}

// nameCache holds the last catalog and refreshes it at most one fetch at a
// time, never making a Tab wait longer than wait.
type nameCache struct {
	client                 Client
	maxAge, wait, deadline time.Duration
	now                    func() time.Time

	mu       sync.Mutex
	cat      catalog
	fetched  time.Time     // when the last fetch ended (zero: never)
	stale    bool          // a statement ran since
	inflight chan struct{} // closed when the running fetch ends
	// gen counts resets: a fetch started before one is of another
	// server, and is dropped.
	gen int
}

// reset drops the names and any fetch in flight, and fetches anew.
func (n *nameCache) reset() {
	n.mu.Lock()
	n.cat, n.fetched, n.stale, n.inflight = catalog{}, time.Time{}, true, nil
	n.gen++
	n.mu.Unlock()
	n.refresh()
}

func newNameCache(c Client) *nameCache {
	return &nameCache{
		client: c, maxAge: completionMaxAge, wait: completionWait,
		deadline: completionFetchTimeout, now: time.Now,
	}
}

// invalidate marks the names stale, optionally starting a fetch now.
func (n *nameCache) invalidate(prefetch bool) {
	n.mu.Lock()
	n.stale = true
	n.mu.Unlock()
	if prefetch {
		n.refresh()
	}
}

// get returns the names, first refreshing them if they are old, waiting
// for that at most n.wait; a slow or failing server leaves the old ones.
func (n *nameCache) get() catalog {
	if done := n.refresh(); done != nil {
		select {
		case <-done:
		case <-time.After(n.wait):
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cat
}

// refresh starts a fetch unless the names are fresh, returning a channel
// closed when the fetch in flight (if any) ends.
func (n *nameCache) refresh() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inflight != nil {
		return n.inflight
	}
	if !n.stale && !n.fetched.IsZero() && n.now().Sub(n.fetched) < n.maxAge {
		return nil
	}
	done := make(chan struct{})
	n.inflight, n.stale = done, false
	gen := n.gen
	go func() {
		defer close(done)
		cat, ok := n.fetch()
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.gen != gen {
			return // the names of a server the shell has left
		}
		if ok {
			n.cat = cat
		}
		n.fetched = n.now() // a failure is not retried before maxAge either
		n.inflight = nil
	}()
	return done
}

// fetch asks the server for each kind of name; a kind that fails keeps
// the cached names of that kind. ok is false when every request failed.
func (n *nameCache) fetch() (catalog, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), n.deadline)
	defer cancel()
	n.mu.Lock()
	cat := n.cat
	n.mu.Unlock()
	ok := false
	run := func(stmt string, use func(api.Entity) bool) {
		if ctx.Err() != nil {
			return
		}
		es, err := n.client.Execute(ctx, stmt, nil)
		if err != nil {
			return
		}
		for _, e := range es {
			if use(e) {
				ok = true
				return
			}
		}
	}
	run("SHOW STREAMS;", func(e api.Entity) bool {
		l, is := e.(*api.StreamsList)
		if is {
			cat.streams = sourceNames(l.Streams)
		}
		return is
	})
	run("SHOW TABLES;", func(e api.Entity) bool {
		l, is := e.(*api.TablesList)
		if is {
			cat.tables = sourceNames(l.Tables)
		}
		return is
	})
	run("SHOW TOPICS;", func(e api.Entity) bool {
		l, is := e.(*api.TopicsList)
		if is {
			cat.topics = nil
			for _, t := range l.Topics {
				cat.topics = append(cat.topics, t.Name)
			}
		}
		return is
	})
	run("SHOW QUERIES;", func(e api.Entity) bool {
		l, is := e.(*api.QueriesList)
		if is {
			cat.queries = nil
			for _, q := range l.Queries {
				cat.queries = append(cat.queries, q.ID)
			}
		}
		return is
	})
	run("SHOW FUNCTIONS;", func(e api.Entity) bool {
		l, is := e.(*api.FunctionNameList)
		if is {
			cat.functions = nil
			for _, f := range l.Functions {
				cat.functions = append(cat.functions, f.Name)
			}
		}
		return is
	})
	return cat, ok
}

func sourceNames(infos []api.SourceInfo) []string {
	out := make([]string, 0, len(infos))
	for _, s := range infos {
		out = append(out, s.Name)
	}
	return out
}

// Keywords offered where no narrower context applies. Phrases complete as
// a whole once their first word is recognised.
var generalKeywords = []string{
	"ADVANCE BY", "ALL", "AND", "AS", "ASC", "BETWEEN", "BY", "CASE", "CAST", "CHANGES",
	"CREATE", "DELETE", "DESC", "DESCRIBE", "DISTINCT", "DROP", "ELSE", "EMIT CHANGES",
	"EMIT FINAL", "END", "EXISTS", "EXPLAIN", "EXTENDED", "FALSE", "FROM", "FULL OUTER JOIN",
	"GRACE PERIOD", "GROUP BY", "HAVING", "HOPPING", "IF EXISTS", "IF NOT EXISTS", "IN",
	"INNER JOIN", "INSERT INTO", "INTERVAL", "IS", "JOIN", "KEY", "LEFT JOIN", "LIKE",
	"LIMIT", "NOT", "NULL", "ON", "OR", "OR REPLACE", "PARTITION BY", "PRIMARY KEY",
	"PRINT", "RETENTION", "RIGHT JOIN", "SELECT", "SESSION", "SET", "SHOW", "SIZE",
	"STREAM", "TABLE", "TERMINATE", "THEN", "TRUE", "TUMBLING", "UNSET", "VALUES",
	"WHEN", "WHERE", "WINDOW", "WINDOW HOPPING", "WINDOW SESSION", "WINDOW TUMBLING",
	"WITH", "WITHIN",
	"DAY", "DAYS", "HOUR", "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS",
	"MILLISECOND", "MILLISECONDS",
	"KAFKA_TOPIC", "KEY_FORMAT", "VALUE_FORMAT", "FORMAT", "PARTITIONS", "REPLICAS",
	"TIMESTAMP", "TIMESTAMP_FORMAT", "WRAP_SINGLE_VALUE",
	"BOOLEAN", "INT", "INTEGER", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "STRING",
	"BYTES", "DATE", "TIME", "ARRAY", "MAP", "STRUCT",
}

// statementStarts are offered at the start of a statement.
var statementStarts = []string{
	"CREATE", "SELECT", "INSERT INTO", "SHOW", "LIST", "DESCRIBE", "PRINT", "DROP",
	"TERMINATE", "EXPLAIN", "SET", "UNSET", "DEFINE", "UNDEFINE", "RUN SCRIPT",
	"ALTER", "PAUSE", "RESUME", "STOP CONNECTOR",
}

// shellCommands are the shell's own commands, always lower case.
var shellCommands = []string{"help", "exit", "quit", "output", "history", "version", "clear", "server", "spool", "request-pipelining"}

// nextWords are offered right after a keyword.
var nextWords = map[string][]string{
	"CREATE":    {"STREAM", "TABLE", "OR REPLACE", "SOURCE CONNECTOR", "SINK CONNECTOR", "TYPE"},
	"REPLACE":   {"STREAM", "TABLE"},
	"SHOW":      {"STREAMS", "TABLES", "TOPICS", "ALL TOPICS", "QUERIES", "FUNCTIONS", "PROPERTIES", "VARIABLES", "CONNECTORS", "TYPES"},
	"LIST":      {"STREAMS", "TABLES", "TOPICS", "ALL TOPICS", "QUERIES", "FUNCTIONS", "PROPERTIES", "VARIABLES", "CONNECTORS", "TYPES"},
	"DROP":      {"STREAM", "TABLE", "TYPE", "CONNECTOR"},
	"EMIT":      {"CHANGES", "FINAL"},
	"GROUP":     {"BY"},
	"PARTITION": {"BY"},
	"ORDER":     {"BY"},
	"INSERT":    {"INTO"},
	"RUN":       {"SCRIPT"},
	"WINDOW":    {"TUMBLING", "HOPPING", "SESSION"},
	"TUMBLING":  {"(SIZE"},
	"HOPPING":   {"(SIZE"},
	"SESSION":   {"("},
	"LEFT":      {"JOIN", "OUTER JOIN"},
	"RIGHT":     {"JOIN", "OUTER JOIN"},
	"FULL":      {"OUTER JOIN"},
	"INNER":     {"JOIN"},
	"OUTER":     {"JOIN"},
	"SOURCE":    {"CONNECTOR"},
	"SINK":      {"CONNECTOR"},
	"STOP":      {"CONNECTOR"},
	"IF":        {"EXISTS", "NOT EXISTS"},
	"NOT":       {"EXISTS", "NULL", "LIKE", "IN", "BETWEEN"},
	"IS":        {"NULL", "NOT NULL"},
}

// ctoken is one lexical item of the statement before the word being
// completed: an upper-cased word, a quoted literal ("'"), or punctuation.
type ctoken struct {
	text   string // upper-cased word, or the punctuation
	word   bool
	quoted bool // a '...' or `...` literal
	lower  bool // a word typed with lower-case letters only
}

// Do implements readline.AutoCompleter: line is the whole line and pos
// the cursor. It returns at most one candidate, which readline inserts:
// the only completion, or the start that all completions share. When
// they share nothing, it lists them above the prompt (through show) and
// returns none, as bash does. Never handing readline several candidates
// keeps it out of its completion-select mode, where chzyer/readline
// v1.5.1 divides by zero on Ctrl-K (CompleteRefresh with no candidates)
// and takes the shell down.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	pos = min(max(pos, 0), len(line))
	cands, n := c.suggest(line, pos)
	c.mu.Lock()
	hint := c.hint
	c.mu.Unlock()
	if hint != "" && c.show != nil {
		c.show(hint + "\n")
	}
	switch {
	case len(cands) == 0:
		return nil, 0
	case len(cands) == 1:
		return [][]rune{[]rune(cands[0])}, n
	}
	if common := commonPrefix(cands); common != "" {
		return [][]rune{[]rune(common)}, n
	}
	if c.show != nil {
		word := string(line[pos-n : pos])
		c.show(listCandidates(word, cands, c.width()))
	}
	return nil, 0
}

// suggest returns the suffixes that may follow the word before the cursor,
// sorted, and that word's length in runes.
func (c *completer) suggest(line []rune, pos int) ([]string, int) {
	pos = min(max(pos, 0), len(line))
	c.mu.Lock()
	pending := c.pending
	c.mu.Unlock()
	before := string(line[:pos])
	text := before
	if pending != "" {
		text = pending + "\n" + before
	}
	toks, word, ok := scanForCompletion(text)
	if !ok {
		return nil, 0
	}
	// The statement's sources may be named after the cursor
	// ("SELECT | FROM s"): read on to its end.
	after := string(line[pos:])
	if i := strings.IndexByte(after, ';'); i >= 0 {
		after = after[:i]
	}
	rest, _, _ := scanForCompletion(after + " ")
	// Shell commands are whole lines, recognised only outside a statement.
	firstLine := pending == "" && !strings.ContainsRune(before, ';')
	cands := c.candidatesIn(toks, word, firstLine, statementSources(append(slices.Clone(toks), rest...)))
	return cands, len([]rune(word))
}

// statementSources are the names after FROM and JOIN in a statement.
func statementSources(toks []ctoken) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].word && !toks[i].quoted && (toks[i].text == "FROM" || toks[i].text == "JOIN") && toks[i+1].word {
			out = append(out, toks[i+1].text)
		}
	}
	return out
}

// inExpression reports whether the cursor is where a column may go: in
// the SELECT list, or in WHERE, HAVING, ON, GROUP BY or PARTITION BY.
func inExpression(toks []ctoken) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if !t.word || t.quoted {
			continue
		}
		switch t.text {
		case "SELECT", "WHERE", "HAVING", "ON":
			return true
		case "BY":
			return i > 0 && (toks[i-1].text == "GROUP" || toks[i-1].text == "PARTITION")
		case "FROM", "JOIN", "WITH", "WINDOW", "EMIT", "LIMIT", "WITHIN", "INTO", "TABLE", "STREAM", "VALUES":
			return false
		}
	}
	return false
}

// withProperty says whether the cursor is where a property name of a
// WITH (…) goes: right after its "(" or a ","; connector is set for a
// connector's WITH, whose keys are quoted strings.
func withProperty(toks []ctoken) (at, connector bool) {
	n := len(toks)
	if n == 0 || (toks[n-1].text != "(" && toks[n-1].text != ",") || toks[n-1].word {
		return false, false
	}
	for i := n - 1; i > 0; i-- {
		switch {
		case toks[i].text == ")" && !toks[i].word:
			return false, false
		case toks[i].text == "(" && !toks[i].word && toks[i-1].word && toks[i-1].text == "WITH":
			for _, t := range toks[:i] {
				if t.word && t.text == "CONNECTOR" {
					return true, true
				}
			}
			return true, false
		}
	}
	return false, false
}

func withPropertyConnector(toks []ctoken) bool { at, conn := withProperty(toks); return at && conn }
func withPropertySource(toks []ctoken) bool    { at, conn := withProperty(toks); return at && !conn }

// expressionKeywords are offered beside columns and functions in an
// expression.
var expressionKeywords = []string{
	"AND", "OR", "NOT", "AS", "IS", "NULL", "IN", "LIKE", "BETWEEN", "TRUE", "FALSE",
	"CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "DISTINCT", "INTERVAL",
	"FROM", "WHERE", "GROUP BY", "PARTITION BY", "HAVING", "WINDOW", "EMIT CHANGES", "EMIT FINAL", "LIMIT",
	"JOIN", "INNER JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL OUTER JOIN", "ON", "WITHIN",
}

// typeNames follow AS in a CAST.
var typeNames = []string{
	"BOOLEAN", "INT", "INTEGER", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "STRING",
	"BYTES", "DATE", "TIME", "TIMESTAMP", "ARRAY", "MAP", "STRUCT",
}

// withProperties are the properties of CREATE STREAM/TABLE … WITH (…).
var withProperties = []string{
	"KAFKA_TOPIC", "KEY_FORMAT", "VALUE_FORMAT", "FORMAT", "PARTITIONS", "REPLICAS",
	"TIMESTAMP", "TIMESTAMP_FORMAT", "WRAP_SINGLE_VALUE", "KEY_DELIMITER", "VALUE_DELIMITER",
	"WINDOW_TYPE", "WINDOW_SIZE", "KEY_SCHEMA_ID", "VALUE_SCHEMA_ID",
	"KEY_SCHEMA_FULL_NAME", "VALUE_SCHEMA_FULL_NAME", "RETENTION_MS",
}

// describeExtendedHint is shown when the old word order is typed.
const describeExtendedHint = "Hint: DESCRIBE <name> EXTENDED is the word order (DESCRIBE EXTENDED <name> is the old one)."

// commonPrefix is the longest start that all of ss share, whole runes.
func commonPrefix(ss []string) string {
	p := []rune(ss[0])
	for _, s := range ss[1:] {
		rs := []rune(s)
		i := 0
		for i < len(p) && i < len(rs) && p[i] == rs[i] {
			i++
		}
		p = p[:i]
	}
	return string(p)
}

// completionListMax bounds how many completions one Tab lists.
const completionListMax = 200

// listCandidates lays the completions of word out in columns for a
// terminal width (0: 80), ending with a newline.
func listCandidates(word string, cands []string, width int) string {
	if width <= 0 {
		width = 80
	}
	more := 0
	if len(cands) > completionListMax {
		more = len(cands) - completionListMax
		cands = cands[:completionListMax]
	}
	items := make([]string, len(cands))
	colw := 0
	for i, c := range cands {
		items[i] = strings.TrimRight(word+c, " ")
		if w := len([]rune(items[i])); w > colw {
			colw = w
		}
	}
	colw += 2
	cols := max(1, (width-1)/colw)
	rows := (len(items) + cols - 1) / cols
	var b strings.Builder
	for r := 0; r < rows; r++ {
		line := ""
		for col := 0; col < cols; col++ {
			i := col*rows + r // down the columns, like ls
			if i >= len(items) {
				break
			}
			line += items[i] + strings.Repeat(" ", colw-len([]rune(items[i])))
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	if more > 0 {
		fmt.Fprintf(&b, "... and %d more\n", more)
	}
	return b.String()
}

// candidatesIn is candidates for a statement that reads sources.
func (c *completer) candidatesIn(toks []ctoken, word string, firstLine bool, sourcesOf []string) []string {
	c.mu.Lock()
	c.hint = ""
	c.mu.Unlock()
	var prev, prev2 string
	if n := len(toks); n > 0 && toks[n-1].word {
		prev = toks[n-1].text
		if n > 1 && toks[n-2].word {
			prev2 = toks[n-2].text
		}
	}
	lower := wantLower(word, toks)
	s := &suggestions{word: word, lower: lower}
	// Names are fetched only where a context needs them.
	var cat *catalog
	names := func() catalog {
		if cat == nil {
			got := c.names.get()
			cat = &got
		}
		return *cat
	}
	sources := func() {
		s.identifiers(names().streams)
		s.identifiers(names().tables)
	}

	switch {
	case len(toks) == 0:
		s.keywords(statementStarts)
		if firstLine {
			s.fixed(shellCommands)
		}
	case prev == "OUTPUT" && len(toks) == 1 && firstLine:
		s.keywords([]string{OutputJSON, OutputTabular, OutputCSV})
	case prev == "FROM" || prev == "JOIN":
		sources()
	case prev == "INTO" && prev2 == "INSERT":
		s.identifiers(names().streams)
	case withPropertyConnector(toks):
		// a connector's keys are quoted: nothing to offer
	case withPropertySource(toks):
		for _, p := range withProperties {
			if hasFoldPrefix(p, word) && !strings.HasPrefix(word, "'") {
				s.add(s.cased(p)[len(word):] + "=")
			}
		}
	case prev == "DESCRIBE":
		sources()
		s.keywords([]string{"FUNCTION", "CONNECTOR", "STREAMS", "TABLES"})
	case prev == "EXTENDED" && prev2 == "DESCRIBE":
		sources()
		c.mu.Lock()
		c.hint = describeExtendedHint
		c.mu.Unlock()
	case prev2 == "DESCRIBE" && prev != "FUNCTION" && prev != "CONNECTOR" && prev != "STREAMS" && prev != "TABLES":
		s.keywords([]string{"EXTENDED"})
	case prev == "FUNCTION" && prev2 == "DESCRIBE":
		s.identifiers(names().functions)
	case prev == "PRINT":
		s.topics(names().topics)
	case prev == "TERMINATE":
		s.identifiers(names().queries)
		s.keywords([]string{"ALL"})
	case prev == "EXPLAIN":
		s.identifiers(names().queries)
		s.keywords([]string{"SELECT", "CREATE", "INSERT INTO"})
	case dropTarget(toks) != "":
		switch dropTarget(toks) {
		case "STREAM":
			s.identifiers(names().streams)
		case "TABLE":
			s.identifiers(names().tables)
		}
		if prev == "STREAM" || prev == "TABLE" {
			s.keywords([]string{"IF EXISTS"})
		}
	case (prev == "STREAMS" || prev == "TABLES" || prev == "QUERIES" || prev == "TOPICS" || prev == "FUNCTIONS") &&
		(prev2 == "SHOW" || prev2 == "LIST" || prev2 == "ALL"):
		s.keywords([]string{"EXTENDED"})
	case nextWords[prev] != nil:
		s.keywords(nextWords[prev])
	case inExpression(toks) && len(sourcesOf) > 0:
		s.identifiers(c.sourceColumns(sourcesOf))
		if prev == "AS" {
			s.keywords(typeNames)
		}
		if word != "" {
			s.functions(names().functions)
			s.keywords(expressionKeywords)
		}
	default:
		s.keywords(generalKeywords)
		sources()
		if word != "" {
			s.functions(names().functions)
		}
	}
	return s.result()
}

// dropTarget is STREAM or TABLE when the statement so far is DROP STREAM
// [IF EXISTS] or DROP TABLE [IF EXISTS], the name still to come; "-" for
// another DROP needing no source; "" otherwise.
func dropTarget(toks []ctoken) string {
	if len(toks) < 2 || !toks[0].word || toks[0].text != "DROP" {
		return ""
	}
	rest := toks[1:]
	kind := rest[0].text
	rest = rest[1:]
	if len(rest) >= 2 && rest[0].text == "IF" && rest[1].text == "EXISTS" {
		rest = rest[2:]
	}
	if len(rest) != 0 {
		return ""
	}
	switch kind {
	case "STREAM", "TABLE":
		return kind
	case "TYPE", "CONNECTOR":
		return "-"
	}
	return ""
}

// wantLower tells whether completions are lower case: as the last letter
// of the word typed, else as the last keyword typed before it.
func wantLower(word string, toks []ctoken) bool {
	rs := []rune(word)
	for i := len(rs) - 1; i >= 0; i-- {
		if unicode.IsLetter(rs[i]) {
			return unicode.IsLower(rs[i])
		}
	}
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].word && !toks[i].quoted && strings.IndexFunc(toks[i].text, unicode.IsLetter) >= 0 {
			return toks[i].lower
		}
	}
	return false
}

// suggestions collects completion suffixes for one word.
type suggestions struct {
	word  string
	lower bool
	seen  map[string]bool
	out   []string
}

func (s *suggestions) add(suffix string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[suffix] {
		s.seen[suffix] = true
		s.out = append(s.out, suffix)
	}
}

func (s *suggestions) result() []string {
	sort.Strings(s.out)
	return s.out
}

// cased renders a keyword or plain identifier in the typed case.
func (s *suggestions) cased(w string) string {
	if s.lower {
		return strings.ToLower(w)
	}
	return strings.ToUpper(w)
}

// keywords adds the keywords (or phrases) that the word begins, matched
// regardless of case and completed in the typed case.
func (s *suggestions) keywords(kws []string) {
	if strings.HasPrefix(s.word, "'") || strings.HasPrefix(s.word, "`") {
		return
	}
	for _, kw := range kws {
		if hasFoldPrefix(kw, s.word) {
			s.add(s.cased(kw)[len(s.word):] + " ")
		}
	}
}

// fixed adds words completed exactly as given (the shell's commands).
func (s *suggestions) fixed(words []string) {
	for _, w := range words {
		if strings.HasPrefix(w, s.word) {
			s.add(w[len(s.word):])
		}
	}
}

// identifiers adds names of sources or queries. A name that reads back
// unchanged unquoted matches regardless of case and completes in the typed
// case; one that needs back-quotes completes only when the word is empty
// or starts with a back-quote, matching case exactly.
func (s *suggestions) identifiers(names []string) {
	s.names(names, " ")
}

func (s *suggestions) functions(names []string) {
	s.names(names, "(")
}

func (s *suggestions) names(names []string, after string) {
	for _, name := range names {
		if name == "" {
			continue
		}
		if sql.FormatIdent(name) == name {
			if !strings.HasPrefix(s.word, "`") && hasFoldPrefix(name, s.word) {
				s.add(s.cased(name)[len(s.word):] + after)
			}
			continue
		}
		quoted := "`" + strings.ReplaceAll(name, "`", "``") + "`"
		if (s.word == "" || strings.HasPrefix(s.word, "`")) && strings.HasPrefix(quoted, s.word) {
			s.add(quoted[len(s.word):] + after)
		}
	}
}

// topics adds topic names as string literals, matched case-sensitively:
// 'name' after an opening quote or nothing, the bare rest after an
// unquoted start (for names that are one word).
func (s *suggestions) topics(names []string) {
	for _, name := range names {
		if name == "" {
			continue
		}
		lit := "'" + strings.ReplaceAll(name, "'", "''") + "'"
		switch {
		case s.word == "" || strings.HasPrefix(s.word, "'"):
			if strings.HasPrefix(lit, s.word) {
				s.add(lit[len(s.word):] + " ")
			}
		case !strings.HasPrefix(s.word, "`") && strings.HasPrefix(name, s.word) &&
			strings.IndexFunc(name, func(r rune) bool { return !isWordRune(r) }) < 0:
			s.add(name[len(s.word):] + " ")
		}
	}
}

// hasFoldPrefix is strings.HasPrefix ignoring ASCII case; keywords and
// plain identifiers are ASCII, so byte offsets stay aligned.
func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scanForCompletion splits the text of the current statement before the
// cursor into the tokens before the word being typed and that word (which
// may begin with an opening quote). ok is false inside a comment, after a
// '.' (qualified names are not completed) or inside a "..." literal.
func scanForCompletion(text string) (toks []ctoken, word string, ok bool) {
	rs := []rune(text)
	i := 0
	for i < len(rs) {
		r := rs[i]
		switch {
		case r == ';':
			toks = toks[:0]
			i++
		case r == '-' && i+1 < len(rs) && rs[i+1] == '-':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			if i == len(rs) {
				return nil, "", false // in a line comment
			}
		case r == '/' && i+1 < len(rs) && rs[i+1] == '*':
			j := i + 2
			for j+1 < len(rs) && (rs[j] != '*' || rs[j+1] != '/') {
				j++
			}
			if j+1 >= len(rs) {
				return nil, "", false // in a block comment
			}
			i = j + 2
		case r == '\'' || r == '`' || r == '"':
			j := i + 1
			closed := false
			for j < len(rs) {
				if rs[j] == r {
					if j+1 < len(rs) && rs[j+1] == r { // doubled: an escaped quote
						j += 2
						continue
					}
					closed = true
					break
				}
				j++
			}
			if !closed {
				if r == '"' {
					return nil, "", false
				}
				return toks, string(rs[i:]), true // the word being typed
			}
			if j+1 == len(rs) {
				// The cursor is right after a closing quote: nothing to add.
				return nil, "", false
			}
			if r == '`' {
				toks = append(toks, ctoken{text: string(rs[i+1 : j]), word: true, quoted: true})
			} else {
				toks = append(toks, ctoken{text: "'", quoted: true})
			}
			i = j + 1
		case isWordRune(r):
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			w := string(rs[i:j])
			if j == len(rs) {
				if i > 0 && rs[i-1] == '.' {
					return nil, "", false
				}
				return toks, w, true
			}
			toks = append(toks, ctoken{
				text:  strings.ToUpper(w),
				word:  true,
				lower: strings.ToLower(w) == w && strings.ToUpper(w) != w,
			})
			i = j
		case unicode.IsSpace(r):
			i++
		default:
			toks = append(toks, ctoken{text: string(r)})
			i++
		}
	}
	if len(rs) > 0 && rs[len(rs)-1] == '.' {
		return nil, "", false
	}
	return toks, "", true
}

func isWordRune(r rune) bool {
	return r == '_' || r == '@' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
)

// catalogClient answers the SHOW statements the completer sends from a
// fixed catalog, counting them; delay or fail simulate a slow or broken
// server.
type catalogClient struct {
	mu       sync.Mutex
	streams  []string
	tables   []string
	topics   []string
	queries  []string
	funcs    []string
	columns  map[string][]string // DESCRIBE answers
	shows    int
	delay    time.Duration
	fail     bool
	released chan struct{} // when set, each request waits for it (or ctx)
}

func newCatalogClient() *catalogClient {
	return &catalogClient{
		streams: []string{"RATINGS", "RATINGS_LIVE", "RATINGS_WITH_CUSTOMER_DATA", "lower_case_stream"},
		tables:  []string{"CUSTOMERS", "RATINGS_BY_CLUB_STATUS"},
		topics:  []string{"ratings", "ratings-enriched", "Mixed.Case", "asgard.demo.CUSTOMERS"},
		queries: []string{"CSAS_RATINGS_LIVE_1", "CTAS_RATINGS_BY_CLUB_STATUS_5", "transient_RATINGS_42"},
		funcs:   []string{"ABS", "CAST_AS_LIST", "COLLECT_LIST", "COUNT", "LCASE", "TIMESTAMPTOSTRING"},
		columns: map[string][]string{
			"RATINGS":   {"RATING_ID", "USER_ID", "STARS", "CHANNEL", "MESSAGE"},
			"CUSTOMERS": {"ID", "FIRST_NAME", "CLUB_STATUS", "Mixed Case"},
		},
	}
}

func (c *catalogClient) set(f func(c *catalogClient)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

func (c *catalogClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shows
}

func (c *catalogClient) Execute(ctx context.Context, stmt string, _ map[string]string) ([]api.Entity, error) {
	c.mu.Lock()
	c.shows++
	delay, fail, released := c.delay, c.fail, c.released
	c.mu.Unlock()
	if released != nil {
		select {
		case <-released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail {
		return nil, errors.New("server unreachable")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	srcs := func(names []string, kind string) []api.SourceInfo {
		var out []api.SourceInfo
		for _, n := range names {
			out = append(out, api.SourceInfo{Type: kind, Name: n})
		}
		return out
	}
	if name, ok := strings.CutPrefix(stmt, "DESCRIBE "); ok {
		cols, ok := c.columns[strings.TrimSuffix(name, ";")]
		if !ok {
			return nil, errors.New("Could not find STREAM/TABLE '" + name + "' in the Metastore")
		}
		d := &api.SourceDescriptionEntity{}
		for _, col := range cols {
			d.SourceDescription.Fields = append(d.SourceDescription.Fields, api.FieldInfo{Name: col})
		}
		return []api.Entity{d}, nil
	}
	switch stmt {
	case "SHOW STREAMS;":
		return []api.Entity{&api.StreamsList{Streams: srcs(c.streams, "STREAM")}}, nil
	case "SHOW TABLES;":
		return []api.Entity{&api.TablesList{Tables: srcs(c.tables, "TABLE")}}, nil
	case "SHOW TOPICS;":
		l := &api.TopicsList{}
		for _, t := range c.topics {
			l.Topics = append(l.Topics, api.TopicInfo{Name: t})
		}
		return []api.Entity{l}, nil
	case "SHOW QUERIES;":
		l := &api.QueriesList{}
		for _, q := range c.queries {
			l.Queries = append(l.Queries, api.RunningQuery{ID: q})
		}
		return []api.Entity{l}, nil
	case "SHOW FUNCTIONS;":
		l := &api.FunctionNameList{}
		for _, f := range c.funcs {
			l.Functions = append(l.Functions, api.FunctionName{Name: f, Type: "SCALAR"})
		}
		return []api.Entity{l}, nil
	}
	return nil, errors.New("unexpected statement " + stmt)
}

func (c *catalogClient) Stream(context.Context, string, map[string]string, func(api.StreamedRow) error) error {
	return errors.New("not used")
}

func (c *catalogClient) Print(context.Context, string, map[string]string, func(string) error) error {
	return errors.New("not used")
}

// complete returns the lines that Tab at the end of line could give: the
// line with each candidate suffix applied, checking the reported length.
func complete(t *testing.T, c *completer, line string) []string {
	t.Helper()
	rs := []rune(line)
	cands, n := c.suggest(rs, len(rs))
	var out []string
	for _, cand := range cands {
		out = append(out, line+cand)
	}
	if len(cands) > 0 {
		// n is the length of the word being completed: every candidate
		// shown must begin with it.
		word := string(rs[len(rs)-n:])
		if strings.TrimSpace(word) != word {
			t.Errorf("%q: completed word %q includes spaces", line, word)
		}
	}
	return out
}

func wantCompletions(t *testing.T, c *completer, line string, want ...string) {
	t.Helper()
	got := complete(t, c, line)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Tab after %q:\n got  %q\n want %q", line, got, want)
	}
}

func wantIncludes(t *testing.T, c *completer, line string, want []string, not []string) {
	t.Helper()
	got := complete(t, c, line)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Tab after %q: want %q among %q", line, w, got)
		}
	}
	for _, w := range not {
		if slices.Contains(got, w) {
			t.Errorf("Tab after %q: did not want %q among %q", line, w, got)
		}
	}
}

func TestCompleteKeywordsKeepTypedCase(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantCompletions(t, c, "SEL", "SELECT ")
	wantCompletions(t, c, "sel", "select ")
	wantCompletions(t, c, "Sel", "Select ")
	wantCompletions(t, c, "sELE", "sELECT ")
	wantCompletions(t, c, "desc", "describe ")
	wantCompletions(t, c, "te", "terminate ")
	wantCompletions(t, c, "RUN", "RUN SCRIPT ")
	wantCompletions(t, c, "ins", "insert into ")
	// Several starts share "S": all offered, and the shell commands too.
	wantIncludes(t, c, "s", []string{"select ", "show ", "set "}, []string{"SELECT "})
	wantIncludes(t, c, "", []string{"CREATE ", "SHOW ", "PRINT ", "help", "exit"}, nil)
	wantCompletions(t, c, "he", "help")
	// Phrases, and the word after a keyword.
	wantIncludes(t, c, "SELECT * FROM RATINGS EM", []string{"SELECT * FROM RATINGS EMIT CHANGES "}, nil)
	wantIncludes(t, c, "select * from ratings em", []string{"select * from ratings emit changes "}, nil)
	wantCompletions(t, c, "select * from ratings emit ", "select * from ratings emit changes ", "select * from ratings emit final ")
	wantCompletions(t, c, "SELECT COUNT(*) FROM RATINGS GROUP ", "SELECT COUNT(*) FROM RATINGS GROUP BY ")
	wantIncludes(t, c, "SELECT * FROM RATINGS PART", []string{"SELECT * FROM RATINGS PARTITION BY "}, nil)
	wantIncludes(t, c, "SELECT * FROM RATINGS WINDOW TU", []string{"SELECT * FROM RATINGS WINDOW TUMBLING "}, nil)
	wantIncludes(t, c, "select * from ratings window ", []string{"select * from ratings window tumbling ", "select * from ratings window hopping "}, nil)
	wantIncludes(t, c, "SELECT * FROM RATINGS WH", []string{"SELECT * FROM RATINGS WHERE "}, nil)
	wantIncludes(t, c, "CREATE ", []string{"CREATE STREAM ", "CREATE TABLE ", "CREATE OR REPLACE "}, []string{"CREATE SELECT "})
	wantIncludes(t, c, "create s", []string{"create stream ", "create source connector ", "create sink connector "}, nil)
	wantIncludes(t, c, "SHOW ", []string{"SHOW STREAMS ", "SHOW TABLES ", "SHOW TOPICS ", "SHOW QUERIES ", "SHOW FUNCTIONS "}, nil)
	wantCompletions(t, c, "show str", "show streams ")
	wantCompletions(t, c, "SHOW STREAMS ", "SHOW STREAMS EXTENDED ")
	wantCompletions(t, c, "DROP ", "DROP CONNECTOR ", "DROP STREAM ", "DROP TABLE ", "DROP TYPE ")
	wantCompletions(t, c, "sto", "stop connector ")
	wantCompletions(t, c, "STOP ", "STOP CONNECTOR ")
	wantCompletions(t, c, "output ", "output csv ", "output json ", "output tabular ")
	wantCompletions(t, c, "OUTPUT J", "OUTPUT JSON ")
	// After an empty word, the case follows the last keyword typed.
	wantCompletions(t, c, "insert ", "insert into ")
	wantCompletions(t, c, "INSERT ", "INSERT INTO ")
}

func TestCompleteSourcesAfterFrom(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantCompletions(t, c, "SELECT * FROM RAT",
		"SELECT * FROM RATINGS ", "SELECT * FROM RATINGS_BY_CLUB_STATUS ",
		"SELECT * FROM RATINGS_LIVE ", "SELECT * FROM RATINGS_WITH_CUSTOMER_DATA ")
	wantCompletions(t, c, "select * from ratings_l", "select * from ratings_live ")
	wantCompletions(t, c, "select * from Cu", "select * from Customers ")
	// No keywords or functions after FROM; a name that needs back-quotes
	// is offered quoted.
	wantCompletions(t, c, "SELECT * FROM ",
		"SELECT * FROM CUSTOMERS ", "SELECT * FROM RATINGS ", "SELECT * FROM RATINGS_BY_CLUB_STATUS ",
		"SELECT * FROM RATINGS_LIVE ", "SELECT * FROM RATINGS_WITH_CUSTOMER_DATA ",
		"SELECT * FROM `lower_case_stream` ")
	wantCompletions(t, c, "SELECT * FROM `low", "SELECT * FROM `lower_case_stream` ")
	wantCompletions(t, c, "SELECT * FROM low")
	// JOIN, INSERT INTO (streams only), DROP STREAM / TABLE.
	wantCompletions(t, c, "SELECT * FROM RATINGS R LEFT JOIN CU", "SELECT * FROM RATINGS R LEFT JOIN CUSTOMERS ")
	wantCompletions(t, c, "INSERT INTO RATINGS_",
		"INSERT INTO RATINGS_LIVE ", "INSERT INTO RATINGS_WITH_CUSTOMER_DATA ")
	wantCompletions(t, c, "DROP TABLE RAT", "DROP TABLE RATINGS_BY_CLUB_STATUS ")
	wantCompletions(t, c, "drop stream if exists ratings_w", "drop stream if exists ratings_with_customer_data ")
	wantIncludes(t, c, "DROP STREAM ", []string{"DROP STREAM IF EXISTS ", "DROP STREAM RATINGS "}, []string{"DROP STREAM CUSTOMERS "})
	// Elsewhere names mix with keywords and functions.
	wantIncludes(t, c, "SELECT CO",
		[]string{"SELECT COUNT(", "SELECT COLLECT_LIST("}, []string{"SELECT CUSTOMERS "})
	wantIncludes(t, c, "select lc", []string{"select lcase("}, nil)
	wantIncludes(t, c, "SELECT * FROM RATINGS WHERE CO", []string{"SELECT * FROM RATINGS WHERE COUNT("}, nil)
}

// TestCompleteColumnsOfTheStatementsSources: after SELECT and in WHERE
// (and the other expression clauses) the columns of the sources the
// statement reads are offered, in the case typed, also when FROM comes
// after the cursor.
func TestCompleteColumnsOfTheStatementsSources(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantCompletions(t, c, "SELECT * FROM RATINGS WHERE ",
		"SELECT * FROM RATINGS WHERE CHANNEL ", "SELECT * FROM RATINGS WHERE MESSAGE ", "SELECT * FROM RATINGS WHERE RATING_ID ",
		"SELECT * FROM RATINGS WHERE STARS ", "SELECT * FROM RATINGS WHERE USER_ID ")
	wantCompletions(t, c, "select * from ratings where st", "select * from ratings where stars ")
	wantIncludes(t, c, "SELECT * FROM RATINGS R JOIN CUSTOMERS C ON R.USER_ID = C.ID WHERE CL",
		[]string{"SELECT * FROM RATINGS R JOIN CUSTOMERS C ON R.USER_ID = C.ID WHERE CLUB_STATUS "}, nil)
	wantIncludes(t, c, "SELECT * FROM RATINGS R JOIN CUSTOMERS C ON R.USER_ID = C.ID WHERE ",
		[]string{"SELECT * FROM RATINGS R JOIN CUSTOMERS C ON R.USER_ID = C.ID WHERE `Mixed Case` "}, nil)
	wantIncludes(t, c, "SELECT USER_ID, COUNT(*) FROM RATINGS GROUP BY US", []string{"SELECT USER_ID, COUNT(*) FROM RATINGS GROUP BY USER_ID "}, nil)
	// The cursor before FROM: the rest of the line names the source.
	line := []rune("SELECT st FROM ratings;")
	cands, n := c.suggest(line, len("SELECT st"))
	if !equal(cands, []string{"ars "}) || n != 2 { // in the case typed
		t.Errorf("SELECT st| FROM ratings: %q (%d)", cands, n)
	}
	// Not a column context: the WINDOW clause, FROM.
	wantIncludes(t, c, "SELECT * FROM RATINGS WINDOW TU", []string{"SELECT * FROM RATINGS WINDOW TUMBLING "}, nil)
	wantIncludes(t, c, "SELECT * FROM RATINGS WINDOW ", nil, []string{"SELECT * FROM RATINGS WINDOW STARS "})
}

// TestCompleteWithProperties: after WITH ( and after a comma inside it,
// the property names, in the case typed.
func TestCompleteWithProperties(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantIncludes(t, c, "CREATE STREAM s (id INT KEY) WITH (",
		[]string{"CREATE STREAM s (id INT KEY) WITH (KAFKA_TOPIC=", "CREATE STREAM s (id INT KEY) WITH (VALUE_FORMAT="}, nil)
	wantCompletions(t, c, "create stream s (id int key) with (kafka_topic='s', value_f",
		"create stream s (id int key) with (kafka_topic='s', value_format=")
	wantCompletions(t, c, "CREATE TABLE T WITH (KAFKA_TOPIC='t', PART", "CREATE TABLE T WITH (KAFKA_TOPIC='t', PARTITIONS=")
	// Not in a connector's WITH, whose keys are quoted strings.
	wantCompletions(t, c, "CREATE SOURCE CONNECTOR c WITH (")
}

func TestCompletePrintTopicsQuoted(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantCompletions(t, c, "PRINT ",
		"PRINT 'Mixed.Case' ", "PRINT 'asgard.demo.CUSTOMERS' ", "PRINT 'ratings' ", "PRINT 'ratings-enriched' ")
	wantCompletions(t, c, "print 'ratings", "print 'ratings' ", "print 'ratings-enriched' ")
	wantCompletions(t, c, "PRINT 'ratings-e", "PRINT 'ratings-enriched' ")
	wantCompletions(t, c, "PRINT 'asgard.demo.", "PRINT 'asgard.demo.CUSTOMERS' ")
	// Topic names are case-sensitive.
	wantCompletions(t, c, "PRINT 'RAT")
	wantCompletions(t, c, "print 'mixed")
	wantCompletions(t, c, "print 'Mixed", "print 'Mixed.Case' ")
	// Unquoted, the rest is added as is, for names that need no quotes.
	wantCompletions(t, c, "print rat", "print ratings ")
}

func TestCompleteQueryIDs(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantCompletions(t, c, "TERMINATE ",
		"TERMINATE ALL ", "TERMINATE CSAS_RATINGS_LIVE_1 ", "TERMINATE CTAS_RATINGS_BY_CLUB_STATUS_5 ",
		"TERMINATE `transient_RATINGS_42` ")
	wantCompletions(t, c, "terminate cs", "terminate csas_ratings_live_1 ")
	wantCompletions(t, c, "TERMINATE CT", "TERMINATE CTAS_RATINGS_BY_CLUB_STATUS_5 ")
	wantIncludes(t, c, "EXPLAIN ", []string{"EXPLAIN CSAS_RATINGS_LIVE_1 ", "EXPLAIN SELECT "}, []string{"EXPLAIN RATINGS "})
	wantCompletions(t, c, "explain ctas", "explain ctas_ratings_by_club_status_5 ")
}

func TestCompleteDescribe(t *testing.T) {
	c := newCompleter(newCatalogClient())
	wantIncludes(t, c, "DESCRIBE ",
		[]string{"DESCRIBE RATINGS ", "DESCRIBE CUSTOMERS ", "DESCRIBE FUNCTION "},
		[]string{"DESCRIBE COUNT(", "DESCRIBE CSAS_RATINGS_LIVE_1 ", "DESCRIBE EXTENDED "})
	wantCompletions(t, c, "describe ratings_l", "describe ratings_live ")
	// EXTENDED comes after the name; the old order still completes, with
	// a hint to the right one.
	wantCompletions(t, c, "describe ratings ", "describe ratings extended ")
	var shown strings.Builder
	c.show = func(text string) { shown.WriteString(text) }
	if got, _ := c.Do([]rune("DESCRIBE EXTENDED CUS"), len("DESCRIBE EXTENDED CUS")); len(got) != 1 || string(got[0]) != "TOMERS " {
		t.Errorf("DESCRIBE EXTENDED CUS: %q", got)
	}
	if !strings.Contains(shown.String(), "DESCRIBE <name> EXTENDED") {
		t.Errorf("no hint to the word order: %q", shown.String())
	}
	c.show = nil
	wantCompletions(t, c, "DESCRIBE F", "DESCRIBE FUNCTION ")
	wantCompletions(t, c, "DESCRIBE FUNCTION CO", "DESCRIBE FUNCTION COLLECT_LIST ", "DESCRIBE FUNCTION COUNT ")
	wantCompletions(t, c, "describe function timest", "describe function timestamptostring ")
}

func TestCompleteContextAcrossLinesAndStatements(t *testing.T) {
	c := newCompleter(newCatalogClient())
	// The statement began on an earlier line.
	c.setPending("SELECT *\n  FROM")
	wantCompletions(t, c, "  RATINGS_W", "  RATINGS_WITH_CUSTOMER_DATA ")
	c.setPending("")
	// Only the statement after the last ';' counts.
	wantCompletions(t, c, "SHOW STREAMS; PRINT 'ratings-", "SHOW STREAMS; PRINT 'ratings-enriched' ")
	wantCompletions(t, c, "SHOW TABLES; sel", "SHOW TABLES; select ")
	// Shell commands only on a line of their own.
	wantCompletions(t, c, "SHOW TABLES; he")
	// Nothing inside comments, double-quoted text, after a qualifier or a
	// closed literal.
	wantCompletions(t, c, "SELECT * FROM RATINGS -- FR")
	wantCompletions(t, c, "SELECT * /* FR")
	wantIncludes(t, c, "SELECT * /* x */ FROM RAT", []string{"SELECT * /* x */ FROM RATINGS "}, nil)
	wantCompletions(t, c, "SELECT R.RA")
	wantCompletions(t, c, "PRINT 'ratings'")
	// Literals and back-quoted names before the word are skipped over.
	wantCompletions(t, c, "SELECT 'it''s; FROM' AS `x;y` FROM RATINGS_L", "SELECT 'it''s; FROM' AS `x;y` FROM RATINGS_LIVE ")
}

func TestCompleteNamesCachedAndRefreshed(t *testing.T) {
	cl := newCatalogClient()
	c := newCompleter(cl)
	now := time.Unix(1000, 0)
	var clock sync.Mutex
	c.names.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	advance := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }

	wantCompletions(t, c, "SELECT * FROM CU", "SELECT * FROM CUSTOMERS ")
	if n := cl.count(); n != 5 {
		t.Fatalf("first completion sent %d SHOW statements, want 5", n)
	}
	// Keyword-only contexts fetch nothing; fresh names are not refetched.
	complete(t, c, "SEL")
	wantCompletions(t, c, "SELECT * FROM CU", "SELECT * FROM CUSTOMERS ")
	if n := cl.count(); n != 5 {
		t.Fatalf("cached completions sent %d SHOW statements in all, want 5", n)
	}

	// A statement ran: the names are refetched at once, in the background.
	cl.set(func(c *catalogClient) { c.tables = append(c.tables, "CUSTOMERS_BY_CITY") })
	c.statementDone()
	wantCompletions(t, c, "SELECT * FROM CU", "SELECT * FROM CUSTOMERS ", "SELECT * FROM CUSTOMERS_BY_CITY ")
	if n := cl.count(); n != 10 {
		t.Fatalf("after a statement: %d SHOW statements in all, want 10", n)
	}

	// Names older than the maximum age are refetched on the next Tab.
	cl.set(func(c *catalogClient) { c.tables = []string{"CUSTOMERS"} })
	advance(completionMaxAge - time.Second)
	wantCompletions(t, c, "SELECT * FROM CU", "SELECT * FROM CUSTOMERS ", "SELECT * FROM CUSTOMERS_BY_CITY ")
	advance(2 * time.Second)
	wantCompletions(t, c, "SELECT * FROM CU", "SELECT * FROM CUSTOMERS ")
}

func TestCompleteNeverBlocksOnSlowServer(t *testing.T) {
	cl := newCatalogClient()
	release := make(chan struct{})
	cl.set(func(c *catalogClient) { c.released = release })
	c := newCompleter(cl)
	c.names.wait = 50 * time.Millisecond

	// The server does not answer: Tab gives keywords at once and no names.
	start := time.Now()
	wantCompletions(t, c, "SELECT * FROM CU")
	wantIncludes(t, c, "SELECT * FROM RATINGS WH", []string{"SELECT * FROM RATINGS WHERE "}, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("completion took %v with a silent server", d)
	}
	// One fetch at a time, however often Tab is pressed.
	if n := cl.count(); n != 1 {
		t.Fatalf("%d requests in flight, want 1", n)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := complete(t, c, "SELECT * FROM CU")
		if len(got) == 1 && got[0] == "SELECT * FROM CUSTOMERS " {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("names never arrived: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCompleteFetchTimeoutAndFailureKeepOldNames(t *testing.T) {
	cl := newCatalogClient()
	c := newCompleter(cl)
	wantCompletions(t, c, "DROP TABLE CU", "DROP TABLE CUSTOMERS ")

	// A failing server leaves the names known before.
	cl.set(func(c *catalogClient) { c.fail = true })
	c.statementDone()
	waitIdle(t, c.names)
	wantCompletions(t, c, "DROP TABLE CU", "DROP TABLE CUSTOMERS ")

	// A server slower than the fetch deadline too.
	cl.set(func(c *catalogClient) { c.fail = false; c.delay = time.Hour; c.tables = nil })
	c.names.deadline = 50 * time.Millisecond
	c.statementDone()
	waitIdle(t, c.names)
	wantCompletions(t, c, "DROP TABLE CU", "DROP TABLE CUSTOMERS ")
}

// waitIdle waits until no fetch is in flight.
func waitIdle(t *testing.T, n *nameCache) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n.mu.Lock()
		done := n.inflight
		n.mu.Unlock()
		if done == nil {
			return
		}
		select {
		case <-done:
		case <-time.After(time.Until(deadline)):
			t.Fatal("fetch still in flight")
		}
	}
}

// TestCompleterFollowsPrompts checks the hook between the shell's prompts
// and the completer: continuation lines become context, and the main
// prompt after input marks the names stale.
func TestCompleterFollowsPrompts(t *testing.T) {
	cl := newCatalogClient()
	c := newCompleter(cl)
	r := &readlineReader{comp: c}
	r.prompted(prompt)
	if n := cl.count(); n != 0 {
		t.Fatalf("the first prompt fetched %d times", n)
	}
	r.lines = append(r.lines, "SELECT * FROM RATINGS")
	r.prompted(contPrompt)
	wantIncludes(t, c, "  WH", []string{"  WHERE "}, nil)
	r.lines = append(r.lines, "  LEFT JOIN")
	r.prompted(contPrompt)
	wantCompletions(t, c, "  CUSTOM", "  CUSTOMERS ")
	fetches := cl.count()
	r.lines = append(r.lines, "  CUSTOMERS ON 1=1 EMIT CHANGES;")
	r.prompted(prompt) // the statement ran
	waitIdle(t, c.names)
	if n := cl.count(); n != fetches+5 {
		t.Fatalf("after a statement: %d fetches, want %d", n, fetches+5)
	}
	// The new statement has no earlier lines.
	wantCompletions(t, c, "sel", "select ")
	// An empty line is no statement.
	r.lines = append(r.lines, "  ")
	r.prompted(prompt)
	if n := cl.count(); n != fetches+5 {
		t.Fatalf("after an empty line: %d fetches, want %d", n, fetches+5)
	}
}

// TestCompleteDoInsertsOrLists checks what readline gets: one candidate
// (the completion, or the start all share) or none, the list then shown
// above the prompt.
func TestCompleteDoInsertsOrLists(t *testing.T) {
	c := newCompleter(newCatalogClient())
	var shown []string
	c.show = func(s string) { shown = append(shown, s) }
	c.width = func() int { return 40 }
	do := func(line string) (string, int) {
		t.Helper()
		rs := []rune(line)
		cands, n := c.Do(rs, len(rs))
		if len(cands) > 1 {
			t.Fatalf("Do(%q) gave readline %d candidates", line, len(cands))
		}
		if len(cands) == 0 {
			return "", n
		}
		return string(cands[0]), n
	}
	if got, n := do("sel"); got != "ect " || n != 3 {
		t.Errorf("sel: %q %d", got, n)
	}
	if got, _ := do("req"); got != "uest-pipelining" {
		t.Errorf("req: %q", got)
	}
	// RATINGS, RATINGS_LIVE, ... share "RATINGS".
	if got, n := do("SELECT * FROM RAT"); got != "INGS" || n != 3 {
		t.Errorf("common start: %q %d", got, n)
	}
	if len(shown) != 0 {
		t.Fatalf("listed %q", shown)
	}
	// Nothing shared: nothing inserted, the list shown in columns.
	if got, _ := do("SELECT * FROM RATINGS_"); got != "" {
		t.Errorf("no common start: inserted %q", got)
	}
	want := "RATINGS_BY_CLUB_STATUS\nRATINGS_LIVE\nRATINGS_WITH_CUSTOMER_DATA\n"
	if len(shown) != 1 || shown[0] != want {
		t.Errorf("list:\n%q\nwant\n%q", shown, want)
	}
	shown = nil
	c.width = func() int { return 80 }
	do("s")
	if len(shown) != 1 || shown[0] != "select          set             spool\nserver          show            stop connector\n" {
		t.Errorf("list of statements: %q", shown)
	}
	if got, n := do("SELECT * FROM RATINGS -- x"); got != "" || n != 0 {
		t.Errorf("in a comment: %q %d", got, n)
	}
}

func TestListCandidatesColumnsAndLimit(t *testing.T) {
	var cands []string
	for i := range 7 {
		cands = append(cands, fmt.Sprintf("%c ", 'a'+i))
	}
	got := listCandidates("x", cands, 13) // three 4-wide columns fit in 12
	want := "xa  xd  xg\nxb  xe\nxc  xf\n"
	if got != want {
		t.Errorf("columns:\n%s\nwant\n%s", got, want)
	}
	cands = nil
	for i := range completionListMax + 5 {
		cands = append(cands, fmt.Sprint(i))
	}
	if got := listCandidates("", cands, 0); !strings.HasSuffix(got, "... and 5 more\n") {
		t.Errorf("long list ends %q", got[len(got)-40:])
	}
}

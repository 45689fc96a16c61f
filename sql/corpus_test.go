package sql

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var corpusDirs = []string{
	"/work/shared/qtt/query-validation-tests",
	"/work/shared/qtt/rest-query-validation-tests",
}

// knownCorpusFailures lists corpus statements (case name → reason) that
// ksqlDB accepts but this parser deliberately does not. Keep it empty.
var knownCorpusFailures = map[string]string{}

type corpusCase struct {
	Name       string   `json:"name"`
	Statements []string `json:"statements"`
	Expected   *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"expectedException"`
	// ExpectedError is the REST tests' form of Expected.
	ExpectedError *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"expectedError"`
}

// parseFailure returns the message of a parse-time failure this case
// expects, if it expects one.
func (c corpusCase) parseFailure() (string, bool) {
	if c.Expected != nil && strings.Contains(c.Expected.Type, "ParseFailedException") {
		return c.Expected.Message, true
	}
	if c.ExpectedError != nil && (strings.Contains(c.ExpectedError.Message, "Syntax Error") ||
		strings.Contains(c.ExpectedError.Message, "Value must be integer")) {
		return c.ExpectedError.Message, true
	}
	return "", false
}

// stripJSONComments removes // comments outside JSON strings.
func stripJSONComments(s string) string {
	var b strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
		} else if c == '/' && i+1 < len(s) && s[i+1] == '/' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func loadCorpus(t *testing.T) map[string][]corpusCase {
	out := map[string][]corpusCase{}
	for _, dir := range corpusDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Tests []corpusCase `json:"tests"`
			}
			if err := json.Unmarshal([]byte(stripJSONComments(string(data))), &doc); err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			out[f] = doc.Tests
		}
	}
	return out
}

// TestCorpusParses parses every statement of every conformance case that
// ksqlDB accepts, and checks that the parse failures ksqlDB reports are
// reproduced with a matching message.
func TestCorpusParses(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) == 0 {
		t.Skip("conformance corpus not present")
	}
	total, ok := 0, 0
	var failures []string
	files := make([]string, 0, len(corpus))
	for f := range corpus {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		for _, c := range corpus[f] {
			text := strings.ReplaceAll(strings.Join(c.Statements, "\n"), "{FORMAT}", "JSON")
			if want, ok := c.parseFailure(); ok {
				_, err := Parse(text)
				if err == nil {
					if c.Name == "should not parse RUN SCRIPT" {
						continue // the server rejects RunScript; see ErrRunScriptNotAllowed
					}
					t.Errorf("%s / %s: parsed, want error containing %q", filepath.Base(f), c.Name, want)
				} else if msg := strings.TrimPrefix(want, "Failed to prepare statement: "); !errorMatches(err, c.Statements, strings.Split(msg, "\nStatement: ")[0]) {
					t.Errorf("%s / %s: error %q, want it to contain %q", filepath.Base(f), c.Name, err, want)
				}
				continue
			}
			if _, skip := knownCorpusFailures[c.Name]; skip {
				continue
			}
			for _, s := range c.Statements {
				s = strings.ReplaceAll(s, "{FORMAT}", "JSON")
				total++
				if _, err := Parse(s); err != nil {
					failures = append(failures, filepath.Base(f)+" / "+c.Name+": "+err.Error()+"\n  "+s)
					continue
				}
				ok++
			}
		}
	}
	for _, fl := range failures {
		t.Error(fl)
	}
	t.Logf("corpus: %d/%d statements parse", ok, total)
}

// errorMatches reports whether err, or the error from parsing the last
// statement alone (the REST tests send statements one by one), contains
// want.
func errorMatches(err error, stmts []string, want string) bool {
	if strings.Contains(err.Error(), want) {
		return true
	}
	_, err = Parse(stmts[len(stmts)-1])
	return err != nil && strings.Contains(err.Error(), want)
}

// TestCorpusFormatRoundTrip formats every expression of every corpus
// query, parses the text back and checks that it formats the same.
func TestCorpusFormatRoundTrip(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) == 0 {
		t.Skip("conformance corpus not present")
	}
	n := 0
	check := func(e Expr) {
		if e == nil {
			return
		}
		n++
		s := FormatExpr(e)
		back, err := ParseExpr(s)
		if err != nil {
			t.Errorf("ParseExpr(FormatExpr) of %q: %v", s, err)
			return
		}
		if s2 := FormatExpr(back); s2 != s {
			t.Errorf("round trip: %q became %q", s, s2)
		}
	}
	for _, cases := range corpus {
		for _, c := range cases {
			for _, text := range c.Statements {
				stmts, err := Parse(strings.ReplaceAll(text, "{FORMAT}", "JSON"))
				if err != nil {
					continue
				}
				for _, st := range stmts {
					var q *Query
					switch s := st.(type) {
					case *Select:
						q = s.Query
					case *CreateAsSelect:
						q = s.Query
					case *InsertInto:
						q = s.Query
					case *InsertValues:
						for _, v := range s.Values {
							check(v)
						}
					}
					if q == nil {
						continue
					}
					for _, it := range q.Select {
						check(it.Expr)
					}
					check(q.Where)
					check(q.Having)
					for _, e := range append(q.GroupBy, q.PartitionBy...) {
						check(e)
					}
					for r := q.From; r != nil; {
						j, ok := r.(*Join)
						if !ok {
							break
						}
						check(j.On)
						r = j.Left
					}
				}
			}
		}
	}
	t.Logf("%d expressions round-tripped", n)
}

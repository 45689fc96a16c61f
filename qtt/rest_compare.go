package qtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// startsWithSuffix marks an expected key whose actual string value need
// only start with the expected one (e.g. "queryId|starts_with").
const startsWithSuffix = "|starts_with"

// statementPlaceholder in an expected string stands for the text of the
// statement that produced the response.
const statementPlaceholder = "{STATEMENT}"

// restMatcher compares expected response JSON (decoded with UseNumber)
// with actual response JSON.
type restMatcher struct {
	// stmt replaces {STATEMENT} in expected strings.
	stmt string
}

// match checks exp against act. Objects are matched as subsets: every
// expected key must be present and match, other actual keys are
// ignored. Arrays must have the same length and match element-wise.
// Numbers match by value, but an integer never matches a number written
// with a fraction or exponent (as Java's Integer never equals a Double).
func (m restMatcher) match(path string, exp, act any) error {
	switch e := exp.(type) {
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok {
			return m.mismatch(path, exp, act)
		}
		for _, k := range sortedKeys(e) {
			name, prefix := strings.CutSuffix(k, startsWithSuffix)
			av, present := a[name]
			if !present {
				return fmt.Errorf("%s: missing %q in %s", pathOrRoot(path), name, renderJSON(act))
			}
			if prefix {
				want, ok := e[k].(string)
				if !ok {
					return fmt.Errorf("%s: %s wants a string, not %s", pathOrRoot(path), k, renderJSON(e[k]))
				}
				want = m.expand(want)
				got, ok := av.(string)
				if !ok || !strings.HasPrefix(got, want) {
					return fmt.Errorf("%s.%s: expected a string starting with %q but was %s", pathOrRoot(path), name, want, renderJSON(av))
				}
				continue
			}
			if err := m.match(path+"."+name, e[k], av); err != nil {
				return err
			}
		}
		return nil
	case []any:
		a, ok := act.([]any)
		if !ok || len(a) != len(e) {
			return m.mismatch(path, exp, act)
		}
		for i := range e {
			if err := m.match(fmt.Sprintf("%s[%d]", path, i), e[i], a[i]); err != nil {
				return err
			}
		}
		return nil
	case string:
		if a, ok := act.(string); ok && a == m.expand(e) {
			return nil
		}
		return m.mismatch(path, m.expand(e), act)
	case json.Number:
		if a, ok := act.(json.Number); ok && numbersEqual(e, a) {
			return nil
		}
		return m.mismatch(path, exp, act)
	case bool:
		if a, ok := act.(bool); ok && a == e {
			return nil
		}
		return m.mismatch(path, exp, act)
	case nil:
		if act == nil {
			return nil
		}
		return m.mismatch(path, exp, act)
	}
	return fmt.Errorf("%s: unsupported expected value %T", pathOrRoot(path), exp)
}

func (m restMatcher) expand(s string) string {
	return strings.ReplaceAll(s, statementPlaceholder, m.stmt)
}

func (m restMatcher) mismatch(path string, exp, act any) error {
	return fmt.Errorf("%s: expected %s but was %s", pathOrRoot(path), renderJSON(exp), renderJSON(act))
}

// numbersEqual compares JSON numbers by value; integers only equal
// integers.
func numbersEqual(a, b json.Number) bool {
	if isIntegral(a) != isIntegral(b) {
		return false
	}
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

// renderJSON renders a decoded JSON node compactly.
func renderJSON(v any) string { return renderExp(v) }

// decodeJSON decodes JSON keeping number text.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// matchQueryResponse compares a query's expected elements (header, rows,
// final message…) with the actual streamed rows, element by element and
// as subsets, as admin responses are. Unless ordered, the rows' columns
// are taken out of that comparison and compared as a multiset: every
// other field keeps its position.
func (m restMatcher) matchQueryResponse(exp, act []any, ordered bool) error {
	if len(exp) != len(act) {
		return fmt.Errorf("expected %d elements but was %d", len(exp), len(act))
	}
	var expCols, actCols []any
	for i := range exp {
		path := fmt.Sprintf("[%d]", i)
		e, ok := exp[i].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: an expected query element must be an object, not %s", path, renderJSON(exp[i]))
		}
		if !ordered {
			var ec, ac any
			var has bool
			if e, ec, has = withoutColumns(e); has {
				a, ok := act[i].(map[string]any)
				if !ok {
					return m.mismatch(path, exp[i], act[i])
				}
				var aHas bool
				if a, ac, aHas = withoutColumns(a); !aHas {
					return fmt.Errorf("%s: missing \"columns\" in %s", path, renderJSON(act[i]))
				}
				expCols, actCols = append(expCols, ec), append(actCols, ac)
				if err := m.match(path, e, a); err != nil {
					return err
				}
				continue
			}
		}
		if err := m.match(path, e, act[i]); err != nil {
			return err
		}
	}
	return m.matchMultiset(expCols, actCols)
}

// withoutColumns returns a copy of a row element without its row's
// columns, and the columns.
func withoutColumns(elem map[string]any) (map[string]any, any, bool) {
	row, ok := elem["row"].(map[string]any)
	if !ok {
		return elem, nil, false
	}
	cols, ok := row["columns"]
	if !ok {
		return elem, nil, false
	}
	rest := make(map[string]any, len(row))
	for k, v := range row {
		if k != "columns" {
			rest[k] = v
		}
	}
	out := make(map[string]any, len(elem))
	for k, v := range elem {
		out[k] = v
	}
	out["row"] = rest
	return out, cols, true
}

// matchMultiset matches each expected row's columns with a distinct
// actual row's columns, in any order.
func (m restMatcher) matchMultiset(exp, act []any) error {
	used := make([]bool, len(act))
	for _, e := range exp {
		found := false
		for j, a := range act {
			if !used[j] && m.match("", e, a) == nil {
				used[j], found = true, true
				break
			}
		}
		if !found {
			var rest []string
			for j, a := range act {
				if !used[j] {
					rest = append(rest, renderJSON(a))
				}
			}
			return fmt.Errorf("expected row columns %s not found among the unmatched actual rows %s", renderJSON(e), strings.Join(rest, ", "))
		}
	}
	return nil
}

// restErrorKinds maps the Java error body types to the @type values
// that satisfy them: a statement error is also a KsqlErrorMessage.
var restErrorKinds = map[string][]string{
	"KsqlErrorMessage":          {"generic_error", "statement_error"},
	"KsqlStatementErrorMessage": {"statement_error"},
}

// restError is an error reply: its HTTP status and decoded body.
type restError struct {
	Status int
	Body   any // decoded JSON, or the raw text when not JSON
}

func (e *restError) field(name string) string {
	if o, ok := e.Body.(map[string]any); ok {
		if s, ok := o[name].(string); ok {
			return s
		}
	}
	return ""
}

func (e *restError) String() string {
	return fmt.Sprintf("status %d: %s", e.Status, renderJSON(e.Body))
}

// matchRESTError checks an error reply against expectedError: status
// when given, type by @type, message as a substring.
func matchRESTError(want *restErrorSpec, got *restError) error {
	if want.Status != 0 && want.Status != got.Status {
		return fmt.Errorf("expected error status %d but was %s", want.Status, got)
	}
	if want.Type != "" {
		short := want.Type[strings.LastIndex(want.Type, ".")+1:]
		if kinds, ok := restErrorKinds[short]; ok {
			t := got.field("@type")
			match := false
			for _, k := range kinds {
				match = match || k == t
			}
			if !match {
				return fmt.Errorf("expected a %s but was %s", short, got)
			}
		}
	}
	if want.Message != "" {
		msg := got.field("message")
		if msg == "" {
			if s, ok := got.Body.(string); ok {
				msg = s
			}
		}
		if !strings.Contains(msg, want.Message) {
			return fmt.Errorf("expected error message containing %q but was %q (status %d)", want.Message, msg, got.Status)
		}
	}
	return nil
}

func describeRESTError(e *restErrorSpec) string {
	s := e.Type[strings.LastIndex(e.Type, ".")+1:]
	if e.Message != "" {
		s += fmt.Sprintf(" %q", e.Message)
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" (status %d)", e.Status)
	}
	return strings.TrimSpace(s)
}

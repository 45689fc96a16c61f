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

// matchStreamedRow compares one expected element of a query response
// with one actual StreamedRow. A header is matched as a subset (the
// query id is only checked when expected); a row must have exactly the
// expected columns and tombstone flag (absent means false).
func (m restMatcher) matchStreamedRow(path string, exp, act any) error {
	e, ok := exp.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: an expected query element must be an object, not %s", pathOrRoot(path), renderJSON(exp))
	}
	a, ok := act.(map[string]any)
	if !ok {
		return m.mismatch(path, exp, act)
	}
	er, eRow := e["row"]
	ar, aRow := a["row"]
	if eRow != aRow {
		return m.mismatch(path, exp, act)
	}
	if !eRow {
		return m.match(path, exp, act)
	}
	eo, ok1 := er.(map[string]any)
	ao, ok2 := ar.(map[string]any)
	if !ok1 || !ok2 {
		return m.mismatch(path, exp, act)
	}
	if tombstone(eo) != tombstone(ao) {
		return m.mismatch(path, exp, act)
	}
	ec, eHas := eo["columns"]
	ac := ao["columns"]
	if !eHas {
		return nil
	}
	if err := m.match(path+".row.columns", ec, ac); err != nil {
		return fmt.Errorf("%s: expected %s but was %s", pathOrRoot(path), renderJSON(exp), renderJSON(act))
	}
	return nil
}

func tombstone(row map[string]any) bool {
	b, _ := row["tombstone"].(bool)
	return b
}

func isRowElement(v any) bool {
	o, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = o["row"]
	return ok
}

// matchQueryResponse compares a query's expected elements with the
// actual streamed rows. Unless ordered, the rows are compared as a
// multiset while the other elements (header, final message, errors)
// keep their order.
func (m restMatcher) matchQueryResponse(exp, act []any, ordered bool) error {
	if len(exp) != len(act) {
		return fmt.Errorf("expected %d elements but was %d", len(exp), len(act))
	}
	if ordered {
		for i := range exp {
			if err := m.matchStreamedRow(fmt.Sprintf("[%d]", i), exp[i], act[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var expRows, actRows []int
	var expOther, actOther []int
	for i := range exp {
		if isRowElement(exp[i]) {
			expRows = append(expRows, i)
		} else {
			expOther = append(expOther, i)
		}
		if isRowElement(act[i]) {
			actRows = append(actRows, i)
		} else {
			actOther = append(actOther, i)
		}
	}
	if len(expRows) != len(actRows) {
		return fmt.Errorf("expected %d rows but was %d", len(expRows), len(actRows))
	}
	for j := range expOther {
		i, k := expOther[j], actOther[j]
		if err := m.matchStreamedRow(fmt.Sprintf("[%d]", k), exp[i], act[k]); err != nil {
			return err
		}
	}
	used := make([]bool, len(actRows))
	for _, i := range expRows {
		found := false
		for j, k := range actRows {
			if used[j] {
				continue
			}
			if m.matchStreamedRow("", exp[i], act[k]) == nil {
				used[j], found = true, true
				break
			}
		}
		if !found {
			var unmatched []string
			for j, k := range actRows {
				if !used[j] {
					unmatched = append(unmatched, renderJSON(act[k]))
				}
			}
			return fmt.Errorf("expected row %s not found among the unmatched actual rows %s", renderJSON(exp[i]), strings.Join(unmatched, ", "))
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

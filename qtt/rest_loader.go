package qtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// restDirName is the corpus directory of the REST cases (RQTT).
const restDirName = "rest-query-validation-tests"

// restFile is the top-level shape of an RQTT file.
type restFile struct {
	Tests []restCase `json:"tests"`
}

// restCase is one RQTT case (qtt-format.md §2.1): a QTT case plus the
// expected REST responses and error.
type restCase struct {
	testCase
	Responses        []map[string]json.RawMessage `json:"responses"`
	ExpectedError    *restErrorSpec               `json:"expectedError"`
	InputConditions  *restInputConditions         `json:"inputConditions"`
	OutputConditions *restOutputConditions        `json:"outputConditions"`
}

// restErrorSpec is an expected REST error: the Java type of the error
// body, a message substring and the HTTP status.
type restErrorSpec struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

type restInputConditions struct {
	WaitForActivePushQuery bool `json:"waitForActivePushQuery"`
}

type restOutputConditions struct {
	VerifyOrder bool `json:"verifyOrder"`
}

// restSuite maps the variants of REST cases to their cases: a Variant
// carries the embedded testCase, whose address identifies the case.
type restSuite map[*testCase]*restCase

// lookup returns v's REST case, or nil when v is a QTT variant.
func (s restSuite) lookup(v *Variant) *restCase {
	if s == nil || v.Case == nil {
		return nil
	}
	return s[v.Case]
}

// inRESTDir reports whether path lives under the RQTT corpus directory.
func inRESTDir(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(abs)), "/") {
		if part == restDirName {
			return true
		}
	}
	return false
}

// loadRESTFile reads a file as RQTT. ok is false when the file is not a
// REST file (it lives outside the RQTT directory and no case has
// responses or an expectedError): the caller then loads it as QTT.
func loadRESTFile(path string, suite restSuite) (vs []Variant, ok bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if inRESTDir(path) {
			return nil, true, fmt.Errorf("read %s: %w", path, err)
		}
		return nil, false, nil
	}
	var f restFile
	dec := json.NewDecoder(bytes.NewReader(stripTrailingComments(stripComments(data))))
	dec.UseNumber()
	if derr := dec.Decode(&f); derr != nil {
		if inRESTDir(path) {
			return nil, true, fmt.Errorf("load %s: %w", path, derr)
		}
		return nil, false, nil
	}
	rest := inRESTDir(path)
	for i := range f.Tests {
		rest = rest || f.Tests[i].Responses != nil || f.Tests[i].ExpectedError != nil
	}
	if !rest {
		return nil, false, nil
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for i := range f.Tests {
		rc := &f.Tests[i]
		cvs, err := expand(path, stem, &rc.testCase)
		if err != nil {
			return nil, true, fmt.Errorf("load %s: test %d (%q): %w", path, i, rc.Name, err)
		}
		suite[&rc.testCase] = rc
		vs = append(vs, cvs...)
	}
	return vs, true, nil
}

// stripTrailingComments blanks "//" comments that follow JSON on the same
// line (outside strings), which the RQTT files use and Jackson accepts.
// Line comments were already removed by stripComments.
func stripTrailingComments(data []byte) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	inStr, esc, inComment := false, false, false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inComment:
			if c == '\n' {
				inComment = false
			} else {
				out[i] = ' '
			}
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			inComment = true
			out[i] = ' '
		}
	}
	return out
}

// Package qtt runs ksqlDB query-validation-test (QTT) files against eddy:
// every case and format variant runs its statements on a fresh engine over
// an in-memory cluster, feeds the inputs and checks outputs, post
// conditions and expected errors.
package qtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// testFile is the top-level shape of a QTT file.
type testFile struct {
	Tests []testCase `json:"tests"`
}

// testCase is one case as written; see qtt-format.md §1.1.
type testCase struct {
	Name              string                     `json:"name"`
	Statements        []string                   `json:"statements"`
	Inputs            []recordSpec               `json:"inputs"`
	Outputs           []recordSpec               `json:"outputs"`
	Post              *postSpec                  `json:"post"`
	ExpectedException *exceptionSpec             `json:"expectedException"`
	Format            []string                   `json:"format"`
	Config            []string                   `json:"config"`
	Topics            []topicSpec                `json:"topics"`
	Properties        map[string]json.RawMessage `json:"properties"`
	Enabled           *bool                      `json:"enabled"`
}

// exceptionSpec is an expectedException.
type exceptionSpec struct {
	Type         string `json:"type"`
	Message      string `json:"message"`
	Cause        string `json:"cause"`
	CauseMessage string `json:"causeMessage"`
}

// topicSpec is a pre-declared topic.
type topicSpec struct {
	Name          string          `json:"name"`
	KeyFormat     string          `json:"keyFormat"`
	ValueFormat   string          `json:"valueFormat"`
	KeySchema     json.RawMessage `json:"keySchema"`
	ValueSchema   json.RawMessage `json:"valueSchema"`
	KeySchemaID   *int            `json:"keySchemaId"`
	ValueSchemaID *int            `json:"valueSchemaId"`
	// Schemas the key and value schemas import.
	KeySchemaReferences   []refSpec `json:"keySchemaReferences"`
	ValueSchemaReferences []refSpec `json:"valueSchemaReferences"`
	Partitions            int32     `json:"partitions"`
	Replicas              int16     `json:"replicas"`
}

// needsSR reports whether the topic declares Schema Registry schemas.
func (t topicSpec) needsSR() bool {
	return isSet(t.KeySchema) || isSet(t.ValueSchema) || t.KeySchemaID != nil || t.ValueSchemaID != nil
}

func isSet(m json.RawMessage) bool {
	s := bytes.TrimSpace(m)
	return len(s) > 0 && !bytes.Equal(s, []byte("null"))
}

// Variant is one executable expansion of a case.
type Variant struct {
	File       string // path of the file
	ID         string // <file-stem> - <name>[ - <FORMAT>][ - <prop>=<cfg>]
	Name       string // the case name as written
	Skip       string // non-empty: why the variant is skipped
	Statements []string
	Properties map[string]string
	Case       *testCase
	// Script is the test of a SQL test file; Case is nil then.
	Script *sqlTest
}

// formatPlaceholderError replaces {FORMAT} in cases without a format
// list, so that parsing fails as it does in ksqlDB.
const formatPlaceholderError = "<format placeholder used without a 'format' list in the test case>"

// stripComments removes lines whose first non-blank characters are "//".
func stripComments(data []byte) []byte {
	lines := bytes.Split(data, []byte("\n"))
	out := lines[:0]
	for _, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("//")) {
			out = append(out, nil) // keep line numbers stable
			continue
		}
		out = append(out, l)
	}
	return bytes.Join(out, []byte("\n"))
}

// LoadFile reads a QTT file and expands its cases into variants.
func LoadFile(path string) ([]Variant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	vs, err := parseFile(path, data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return vs, nil
}

// parseFile decodes file content and expands it.
func parseFile(path string, data []byte) ([]Variant, error) {
	var f testFile
	dec := json.NewDecoder(bytes.NewReader(stripComments(data)))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var out []Variant
	for i := range f.Tests {
		vs, err := expand(path, stem, &f.Tests[i])
		if err != nil {
			return nil, fmt.Errorf("test %d (%q): %w", i, f.Tests[i].Name, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// expand builds the format × config variants of one case.
func expand(path, stem string, tc *testCase) ([]Variant, error) {
	props, cfgKey, err := caseProperties(tc.Properties)
	if err != nil {
		return nil, err
	}
	base := stem + " - " + tc.Name
	if tc.Enabled != nil && !*tc.Enabled {
		return []Variant{{File: path, ID: base, Name: tc.Name, Skip: "disabled", Case: tc}}, nil
	}
	formats := tc.Format
	if len(formats) == 0 {
		formats = []string{""}
	}
	configs := tc.Config
	if len(configs) == 0 || cfgKey == "" {
		configs = []string{""}
	}
	var out []Variant
	for _, f := range formats {
		for _, c := range configs {
			v := Variant{File: path, Name: tc.Name, Case: tc, ID: base}
			repl := formatPlaceholderError
			if f != "" {
				v.ID += " - " + f
				repl = f
			}
			v.Properties = make(map[string]string, len(props))
			for k, val := range props {
				v.Properties[k] = val
			}
			if cfgKey != "" && c != "" {
				v.ID += " - " + cfgKey + "=" + c
				v.Properties[cfgKey] = c
			}
			for _, s := range tc.Statements {
				v.Statements = append(v.Statements, strings.ReplaceAll(s, "{FORMAT}", repl))
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// caseProperties renders the properties as strings and returns the key
// whose value is the "{CONFIG}" placeholder, if any.
func caseProperties(raw map[string]json.RawMessage) (map[string]string, string, error) {
	props := make(map[string]string, len(raw))
	cfgKey := ""
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw[k]))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, "", fmt.Errorf("property %s: %w", k, err)
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case nil:
			continue
		default:
			s = strings.TrimSpace(string(raw[k]))
		}
		if s == "{CONFIG}" {
			cfgKey = k
			continue
		}
		props[k] = s
	}
	return props, cfgKey, nil
}

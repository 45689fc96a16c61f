package qtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// The older ksql-test-runner form takes three files: the statements, the
// input records ({"inputs": [...]}) and the expected output records
// ({"outputs": [...]}), with records shaped as in QTT files. Together
// they are one QTT case.

// tripleCaseName names the case of the three files, as ksqlDB does.
const tripleCaseName = "KSQL_Test"

// recordsFile is an input or output file of the three-file form.
type recordsFile struct {
	Inputs  []recordSpec `json:"inputs"`
	Outputs []recordSpec `json:"outputs"`
}

// loadTriple builds the QTT case of a statements file, an optional input
// file and an output file.
func loadTriple(sqlPath, inPath, outPath string) ([]Variant, error) {
	text, err := os.ReadFile(sqlPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sqlPath, err)
	}
	stmts, err := sql.Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", sqlPath, err)
	}
	tc := &testCase{Name: tripleCaseName}
	for _, st := range stmts {
		tc.Statements = append(tc.Statements, st.Text()+";")
	}
	if inPath != "" {
		in, err := readRecordsFile(inPath)
		if err != nil {
			return nil, err
		}
		tc.Inputs = in.Inputs
	}
	out, err := readRecordsFile(outPath)
	if err != nil {
		return nil, err
	}
	tc.Outputs = out.Outputs
	stem := strings.TrimSuffix(filepath.Base(sqlPath), filepath.Ext(sqlPath))
	return expand(sqlPath, stem, tc)
}

func readRecordsFile(path string) (*recordsFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f recordsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return &f, nil
}

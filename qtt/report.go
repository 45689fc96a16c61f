package qtt

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// reporter prints results as they complete, in input order.
type reporter struct {
	out     io.Writer
	errOut  io.Writer
	json    bool
	verbose bool

	passed, failed, skipped int
	files                   []string
	perFile                 map[string]*fileTally
}

type fileTally struct{ passed, total int }

func newReporter(out, errOut io.Writer, jsonOut, verbose bool) *reporter {
	return &reporter{out: out, errOut: errOut, json: jsonOut, verbose: verbose, perFile: map[string]*fileTally{}}
}

// jsonResult is one line of --format json output.
type jsonResult struct {
	File    string `json:"file"`
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
}

// add records and prints one result.
func (r *reporter) add(res Result) {
	ft := r.perFile[res.File]
	if ft == nil {
		ft = &fileTally{}
		r.perFile[res.File] = ft
		r.files = append(r.files, res.File)
	}
	switch res.Status {
	case StatusPass:
		r.passed++
		ft.passed++
		ft.total++
	case StatusSkip:
		r.skipped++
	default:
		r.failed++
		ft.total++
	}
	if r.json {
		msg := res.Message
		if r.verbose && res.Details != "" {
			msg += "\n" + res.Details
		}
		b, err := json.Marshal(jsonResult{File: res.File, Name: res.Name, Status: res.Status, Message: msg})
		if err != nil {
			fmt.Fprintf(r.errOut, "encode result: %v\n", err)
			return
		}
		fmt.Fprintf(r.out, "%s\n", b)
		return
	}
	line := fmt.Sprintf("%-5s %s", strings.ToUpper(string(res.Status)), res.Name)
	if res.Message != "" {
		line += ": " + oneLine(res.Message)
	}
	fmt.Fprintln(r.out, line)
	if r.verbose && res.Status != StatusPass && res.Status != StatusSkip {
		if res.Message != oneLine(res.Message) {
			fmt.Fprintln(r.out, indent(res.Message))
		}
		if res.Details != "" {
			fmt.Fprintln(r.out, indent(res.Details))
		}
	}
}

// finish prints the per-file tally (text mode) and the summary line,
// which is always last. In JSON mode the summary goes to errOut so that
// stdout stays one JSON object per line.
func (r *reporter) finish() {
	summary := fmt.Sprintf("%d passed, %d failed, %d skipped", r.passed, r.failed, r.skipped)
	if r.json {
		fmt.Fprintln(r.errOut, summary)
		return
	}
	if len(r.files) > 0 {
		fmt.Fprintln(r.out)
		for _, f := range r.files {
			t := r.perFile[f]
			fmt.Fprintf(r.out, "%s: %d/%d\n", filepath.Base(f), t.passed, t.total)
		}
	}
	fmt.Fprintln(r.out, summary)
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

package repl

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/types"
)

// rowPrinter draws a streamed query result as rows arrive: a boxed header
// of column names, then one `|v1 |v2 |` line per row, then the final
// message. Nothing is buffered beyond the current row, and the header.
type rowPrinter struct {
	out io.Writer
	// termWidth > 0 sizes columns to share the terminal, so the header can
	// be drawn at once, and wraps longer values; 0 (not a terminal) sizes
	// them from the header and the first row and never wraps, so that
	// every row stays one line for the tools reading it.
	termWidth int
	// screen: the rows go to a terminal, which is shown control
	// characters as \xHH rather than sent them.
	screen bool
	// colWidth > 0 makes every column that wide (set cli COLUMN-WIDTH);
	// clip cuts values at their column's width so that each row stays
	// one line (set cli WRAP OFF).
	colWidth int
	clip     bool
	json     bool
	// csv writes a header line and one CSV record per row; messages such
	// as "Limit Reached" go to info instead, keeping out the CSV.
	csv  bool
	info io.Writer
	csvw *csv.Writer
	// hold (a pull query) keeps the header back until the first row or
	// the final message, even where it could be drawn at once, so that
	// a query failing after its header (its source's topic gone) shows
	// only the error. A push query's header is drawn at once on a
	// terminal: it may wait long for its first row.
	hold bool

	columns  []string
	widths   []int
	drawn    bool // header box written
	rows     int
	errorMsg string // an errorMessage row, reported by the caller
	// ended: a final message came (a query's normal end: completed, its
	// limit reached, or terminated).
	ended bool
}

func (p *rowPrinter) emit(r api.StreamedRow) error {
	if r.FinalMessage != "" {
		p.ended = true
	}
	if p.json {
		return p.emitJSON(r)
	}
	if p.csv {
		return p.emitCSV(r)
	}
	switch {
	case r.Header != nil:
		p.columns = headerColumns(r.Header)
		switch {
		case p.colWidth > 0:
			p.widths = make([]int, len(p.columns))
			for i := range p.widths {
				p.widths[i] = p.colWidth
			}
		case p.termWidth > 0:
			p.widths = terminalWidths(len(p.columns), p.termWidth)
		}
		if p.widths != nil && !p.hold {
			p.drawHeader()
		}
	case r.Row != nil:
		cells := rowCells(r.Row, formatCell)
		if p.screen {
			for i, c := range cells {
				cells[i] = visibleControls(c)
			}
		}
		if !p.drawn {
			if p.widths == nil {
				p.sizeFrom(cells)
			}
			p.drawHeader()
		}
		p.writeLine(cells)
		p.rows++
	case r.ErrorMessage != nil:
		p.errorMsg = r.ErrorMessage.Message
	case r.FinalMessage != "":
		p.finish()
		fmt.Fprintln(p.out, r.FinalMessage)
	}
	return nil
}

// finish draws the header if no row ever arrived to trigger it; the
// caller skips it when the query failed.
func (p *rowPrinter) finish() {
	if p.csv {
		p.csvHeader()
		return
	}
	if !p.drawn && p.columns != nil && !p.json {
		if p.widths == nil {
			p.sizeFrom(nil)
		}
		p.drawHeader()
	}
}

// csvHeader writes the CSV header line if it is still to be written.
func (p *rowPrinter) csvHeader() {
	if p.drawn || p.columns == nil {
		return
	}
	p.drawn = true
	if p.csvw == nil {
		p.csvw = csv.NewWriter(p.out)
	}
	p.csvw.Write(p.columns)
	p.csvw.Flush()
}

func (p *rowPrinter) emitCSV(r api.StreamedRow) error {
	if p.csvw == nil {
		p.csvw = csv.NewWriter(p.out)
	}
	switch {
	case r.Header != nil:
		p.columns = headerColumns(r.Header)
		if !p.hold {
			p.csvHeader()
		}
	case r.Row != nil:
		p.csvHeader()
		p.csvw.Write(rowCells(r.Row, formatValue))
		p.rows++
	case r.ErrorMessage != nil:
		p.errorMsg = r.ErrorMessage.Message
	case r.FinalMessage != "" && p.info != nil:
		p.csvHeader()
		p.csvw.Flush()
		if f, ok := p.out.(interface{ Flush() error }); ok {
			f.Flush() // the rows before the message, on a shared screen
		}
		fmt.Fprintln(p.info, r.FinalMessage)
	}
	// Flushed per row: a push query's rows are wanted as they come.
	p.csvw.Flush()
	return p.csvw.Error()
}

func (p *rowPrinter) emitJSON(r api.StreamedRow) error {
	if r.Row != nil && slices.ContainsFunc(r.Row.Columns, isFloat) {
		// A DOUBLE as ksqlDB's CLI writes it (Java's Double.toString):
		// 2.0 and 1.0E7, where Go's encoder would write 2 and 10000000,
		// integers to whoever reads the JSON.
		row := *r.Row
		row.Columns = slices.Clone(row.Columns)
		for i, v := range row.Columns {
			if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				row.Columns[i] = json.Number(types.FormatDouble(f))
			}
		}
		r.Row = &row
	}
	b, err := marshalJSON(r, "  ")
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	if r.ErrorMessage != nil {
		p.errorMsg = r.ErrorMessage.Message
	}
	_, err = fmt.Fprintln(p.out, string(b))
	return err
}

func isFloat(v any) bool {
	_, ok := v.(float64)
	return ok
}

// sizeFrom sets natural column widths from the header and the first row.
func (p *rowPrinter) sizeFrom(first []string) {
	p.widths = make([]int, len(p.columns))
	for i, c := range p.columns {
		p.widths[i] = max(textWidth(c), minColumnWidth)
		if i < len(first) {
			p.widths[i] = max(p.widths[i], textWidth(first[i]))
		}
	}
}

// terminalWidths shares the terminal evenly between n columns, as the
// ksqlDB CLI does.
func terminalWidths(n, termWidth int) []int {
	w := make([]int, n)
	for i := range w {
		if n > 0 {
			w[i] = max(minColumnWidth, (termWidth-1)/n-1)
		}
	}
	return w
}

func (p *rowPrinter) drawHeader() {
	p.drawn = true
	rule := p.rule()
	io.WriteString(p.out, rule)
	p.writeLine(p.columns)
	io.WriteString(p.out, rule)
}

func (p *rowPrinter) rule() string {
	var b strings.Builder
	for _, w := range p.widths {
		b.WriteByte('+')
		b.WriteString(strings.Repeat("-", w))
	}
	b.WriteString("+\n")
	return b.String()
}

// writeLine writes one row, on a terminal wrapping cells longer than their
// column.
func (p *rowPrinter) writeLine(cells []string) {
	wrapped := make([][]string, len(p.widths))
	height := 1
	for i, w := range p.widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		switch {
		case p.clip:
			wrapped[i] = wrapCell(c, w)[:1] // its first line, cut at the column
		case p.termWidth > 0:
			wrapped[i] = wrapCell(c, w)
		default:
			wrapped[i] = []string{c} // longer than the column: it overflows, on its line
		}
		height = max(height, len(wrapped[i]))
	}
	var b strings.Builder
	for line := 0; line < height; line++ {
		for i, w := range p.widths {
			part := ""
			if line < len(wrapped[i]) {
				part = wrapped[i][line]
			}
			b.WriteByte('|')
			b.WriteString(part)
			for n := displayWidth(part); n < w; n++ {
				b.WriteByte(' ') // pad, without building the padded cell
			}
		}
		b.WriteString("|\n")
	}
	io.WriteString(p.out, b.String())
}

// headerColumns takes the column names from the header, parsing the
// schema text ("`ID` STRING, `COUNT` BIGINT") when Columns is not set, as
// happens when the header came over HTTP.
func headerColumns(h *api.QueryHeader) []string {
	if len(h.Columns) > 0 {
		names := make([]string, len(h.Columns))
		for i, c := range h.Columns {
			names[i] = c.Name
		}
		return names
	}
	return schemaColumns(h.Schema)
}

// schemaColumns splits a header schema at top-level commas and returns
// each column's name.
func schemaColumns(schema string) []string {
	var names []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i <= len(schema); i++ {
		if i < len(schema) {
			switch c := schema[i]; {
			case c == '`':
				inQuote = !inQuote
				continue
			case inQuote:
				continue
			case c == '<' || c == '(':
				depth++
				continue
			case c == '>' || c == ')':
				depth--
				continue
			case c != ',' || depth > 0:
				continue
			}
		}
		if col := strings.TrimSpace(schema[start:i]); col != "" {
			names = append(names, columnName(col))
		}
		start = i + 1
	}
	return names
}

// columnName is the leading (possibly back-quoted) name of "`N` TYPE".
func columnName(col string) string {
	if strings.HasPrefix(col, "`") {
		for i := 1; i < len(col); i++ {
			if col[i] != '`' {
				continue
			}
			if i+1 < len(col) && col[i+1] == '`' {
				i++ // an escaped back-quote
				continue
			}
			return strings.ReplaceAll(col[1:i], "``", "`")
		}
	}
	if i := strings.IndexByte(col, ' '); i > 0 {
		return col[:i]
	}
	return col
}

// rowCells renders a row's values with format; a tombstone's null value
// columns show as <TOMBSTONE>. Tables format with formatCell, CSV with
// formatValue (arrays, maps and structs as JSON, which other tools read
// back).
func rowCells(r *api.Row, format func(any) string) []string {
	cells := make([]string, len(r.Columns))
	for i, v := range r.Columns {
		if v == nil && r.Tombstone {
			cells[i] = "<TOMBSTONE>"
			continue
		}
		cells[i] = format(v)
	}
	return cells
}

// formatCell renders a value as ksqlDB's shell shows it in a table: as
// formatValue, except that arrays, maps and structs print as Java prints
// the lists and maps the shell reads them into: [2, 3], {A=v, B=5},
// their strings bare.
func formatCell(v any) string {
	var b strings.Builder
	appendCell(&b, v)
	return b.String()
}

// appendEntries writes a struct's or map's entries as Java prints a
// map: {K=v, K2=v2}.
func appendEntries(b *strings.Builder, keys []string, value func(int) any) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		appendCell(b, value(i))
	}
	b.WriteByte('}')
}

func appendCell(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			appendCell(b, e)
		}
		b.WriteByte(']')
	case api.Object:
		appendEntries(b, v.Keys, func(i int) any { return v.Values[i] })
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		appendEntries(b, keys, func(i int) any { return v[keys[i]] })
	default:
		b.WriteString(formatValue(v))
	}
}

// formatValue renders one JSON-ready value: strings bare, null as
// "null", doubles as Java prints them, arrays and maps as JSON.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return types.FormatDouble(v)
	case float32:
		return types.FormatDouble(float64(v))
	case json.Number:
		return v.String()
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v)
	case fmt.Stringer:
		return v.String()
	}
	b, err := marshalJSON(v, "")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

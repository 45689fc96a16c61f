package repl

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// minColumnWidth is the narrowest a column gets when a table is squeezed
// into the terminal.
const minColumnWidth = 4

// table is the ksqlDB CLI's entity table: ` A | B ` rows under a header,
// a dashed rule below the header and after the last row.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// render writes the table; maxWidth > 0 squeezes the columns into that
// many characters, wrapping cells onto extra lines.
func (t *table) render(w io.Writer, maxWidth int) {
	n := len(t.header)
	widths := make([]int, n)
	for i, h := range t.header {
		widths[i] = textWidth(h)
	}
	for _, r := range t.rows {
		for i := 0; i < n && i < len(r); i++ {
			widths[i] = max(widths[i], textWidth(r[i]))
		}
	}
	if maxWidth > 0 {
		headers := make([]int, n)
		for i, h := range t.header {
			headers[i] = textWidth(h)
		}
		fitWidths(widths, headers, maxWidth-(3*n-1))
	}
	lineWidth := 3*n - 1
	for _, cw := range widths {
		lineWidth += cw
	}
	rule := strings.Repeat("-", lineWidth) + "\n"

	var b strings.Builder
	t.writeRow(&b, t.header, widths)
	b.WriteString(rule)
	for _, r := range t.rows {
		t.writeRow(&b, r, widths)
	}
	b.WriteString(rule)
	io.WriteString(w, b.String())
}

// writeRow writes one logical row, spread over as many lines as its
// tallest wrapped cell needs.
func (t *table) writeRow(b *strings.Builder, cells []string, widths []int) {
	wrapped := make([][]string, len(widths))
	height := 1
	for i := range widths {
		cell := ""
		if i < len(cells) {
			cell = cells[i]
		}
		wrapped[i] = wrapCell(cell, widths[i])
		height = max(height, len(wrapped[i]))
	}
	for line := 0; line < height; line++ {
		b.WriteByte(' ')
		for i, cw := range widths {
			if i > 0 {
				b.WriteString(" | ")
			}
			part := ""
			if line < len(wrapped[i]) {
				part = wrapped[i][line]
			}
			b.WriteString(pad(part, cw))
		}
		b.WriteString(" \n")
	}
}

// fitWidths lowers the widest columns until the total fits avail. Columns
// keep at least their header's width if that is possible, else at least
// minColumnWidth (or their own width if that is smaller).
func fitWidths(widths, headers []int, avail int) {
	floors := make([]int, len(widths))
	sum := 0
	for i, w := range widths {
		floors[i] = min(w, max(headers[i], minColumnWidth))
		sum += floors[i]
	}
	if sum > avail {
		for i, w := range widths {
			floors[i] = min(w, minColumnWidth)
		}
	}
	capped := func(c int) int {
		s := 0
		for i, w := range widths {
			s += max(floors[i], min(w, c))
		}
		return s
	}
	hi := 0
	for _, w := range widths {
		hi = max(hi, w)
	}
	if capped(hi) <= avail {
		return
	}
	// The largest cap c with a total that fits (or the floors if none does).
	lo := 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if capped(mid) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for i, w := range widths {
		widths[i] = max(floors[i], min(w, lo))
	}
}

// textWidth is the width of the widest line of s, in terminal columns.
func textWidth(s string) int {
	w := 0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, displayWidth(line))
	}
	return w
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters two, combining marks and other zero-width
// characters none, the rest one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r >= 0x20 && r < 0x7f {
		return 1 // printable ASCII, most of what a table holds: no table look-ups
	}
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// wrapCell splits s at newlines and then into chunks of at most width
// columns (a wide character that does not fit starts the next chunk).
func wrapCell(s string, cols int) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if cols <= 0 || displayWidth(line) <= cols {
			out = append(out, line)
			continue
		}
		start, used := 0, 0
		for i, r := range line {
			w := runeWidth(r)
			if used+w > cols && used > 0 {
				out = append(out, line[start:i])
				start, used = i, 0
			}
			used += w
		}
		out = append(out, line[start:])
	}
	return out
}

// pad left-aligns s in a field of width columns.
func pad(s string, cols int) string {
	if n := displayWidth(s); n < cols {
		return s + strings.Repeat(" ", cols-n)
	}
	return s
}

// visibleControls shows each control character of s (C0 but newline,
// which a table cell lays out, DEL and C1) as \xHH, for a terminal: a
// value holding an escape sequence must not recolour, clear or retitle
// the user's screen, nor a carriage return overwrite the row. A carriage
// return before a newline is dropped, as a line end.
func visibleControls(s string) string {
	if strings.IndexFunc(s, isHiddenControl) < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case isHiddenControl(r):
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isHiddenControl(r rune) bool {
	return (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f)
}

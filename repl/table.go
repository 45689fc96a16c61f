package repl

import (
	"io"
	"strings"
	"unicode/utf8"
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

// textWidth is the width of the widest line of s, in runes.
func textWidth(s string) int {
	w := 0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}

// wrapCell splits s at newlines and then into chunks of at most width runes.
func wrapCell(s string, width int) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		r := []rune(line)
		if width <= 0 || len(r) <= width {
			out = append(out, line)
			continue
		}
		for len(r) > width {
			out = append(out, string(r[:width]))
			r = r[width:]
		}
		out = append(out, string(r))
	}
	return out
}

// pad left-aligns s in a field of width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

package serde

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/eddysql/eddy/types"
)

// delimSerde is the DELIMITED format: one CSV record of primitive fields,
// in column order, without a header. It reads and writes what ksqlDB's CSV
// library does with its default dialect: '"' quotes, "" inside quotes is a
// quote, an empty field is null, and quoting on write is "minimal".
type delimSerde struct {
	cols  []types.Column
	delim []byte
	bufs  sync.Pool // *[]byte scratch for Encode
}

func newDelimited(cols []types.Column, delim string) *delimSerde {
	d := &delimSerde{cols: cols, delim: []byte(delim)}
	d.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return d
}

// Decode implements Serde.
func (d *delimSerde) Decode(data []byte, dst []any) error {
	n := len(d.cols)
	clear(dst[:n])
	if data == nil || n == 0 {
		return nil
	}
	if len(data) == 0 {
		// No record at all; for a single column that is how a null is
		// written, so read it back as one.
		if n == 1 {
			return nil
		}
		return fmt.Errorf("expected %d delimited fields, got 0", n)
	}
	pos, col := 0, 0
	var scratch []byte
	for {
		field, next, err := d.field(data, pos, &scratch)
		if err != nil {
			return err
		}
		if col < n && len(field) > 0 {
			v, err := fromText(string(field), d.cols[col].Type)
			if err != nil {
				return colErr(d.cols[col], err)
			}
			dst[col] = v
		}
		col++
		pos = next
		if pos < len(data) && d.isDelim(data, pos) {
			pos += len(d.delim)
			continue // a trailing delimiter still opens one more (empty) field
		}
		break
	}
	// Only line ends may follow the record; blank lines are ignored.
	for ; pos < len(data); pos++ {
		if c := data[pos]; c != '\r' && c != '\n' {
			return fmt.Errorf("expected one delimited record, found more after offset %d", pos)
		}
	}
	if col != n {
		return fmt.Errorf("expected %d delimited fields, got %d", n, col)
	}
	return nil
}

func (d *delimSerde) isDelim(data []byte, pos int) bool {
	if len(d.delim) == 1 {
		return data[pos] == d.delim[0]
	}
	return bytes.HasPrefix(data[pos:], d.delim)
}

// field reads one field starting at pos and returns its text and the
// position after it (at a delimiter, a line end or the end of data).
func (d *delimSerde) field(data []byte, pos int, scratch *[]byte) ([]byte, int, error) {
	if pos >= len(data) || data[pos] != '"' {
		start := pos
		for pos < len(data) && data[pos] != '\n' && data[pos] != '\r' && !d.isDelim(data, pos) {
			pos++
		}
		return data[start:pos], pos, nil
	}
	// Quoted: runs to the closing quote, may hold delimiters and newlines.
	out := (*scratch)[:0]
	pos++
	start := pos
	for {
		if pos >= len(data) {
			return nil, 0, fmt.Errorf("delimited data ends inside a quoted field")
		}
		if data[pos] != '"' {
			pos++
			continue
		}
		out = append(out, data[start:pos]...)
		if pos+1 < len(data) && data[pos+1] == '"' {
			out = append(out, '"')
			pos += 2
			start = pos
			continue
		}
		pos++
		break
	}
	*scratch = out
	// Blanks may follow the closing quote; anything else is malformed.
	for pos < len(data) && data[pos] != '\n' && data[pos] != '\r' && !d.isDelim(data, pos) {
		if c := data[pos]; c != ' ' && c != '\t' && c != '\f' && c != '\v' {
			return nil, 0, fmt.Errorf("unexpected character %q after a quoted field at offset %d", c, pos)
		}
		pos++
	}
	return out, pos, nil
}

// Encode implements Serde.
func (d *delimSerde) Encode(vals []any) ([]byte, error) {
	if len(d.cols) == 0 {
		return nil, nil
	}
	bp := d.bufs.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for i, c := range d.cols {
		if i > 0 {
			buf = append(buf, d.delim...)
		}
		if vals[i] == nil {
			continue // null is an empty, unquoted field
		}
		var s string
		if s, err = textOf(vals[i], c.Type); err != nil {
			err = colErr(c, err)
			break
		}
		if d.needsQuotes(s, i == 0) {
			buf = appendCSVQuoted(buf, s)
		} else {
			buf = append(buf, s...)
		}
	}
	var out []byte
	if err == nil {
		out = make([]byte, len(buf))
		copy(out, buf)
	}
	if cap(buf) <= 64<<10 {
		*bp = buf
		d.bufs.Put(bp)
	}
	return out, err
}

// needsQuotes applies the CSV library's minimal-quoting rule that ksqlDB's
// output shows: an empty first field, a first field not starting with a
// letter or digit (so "-10" is quoted there), a field starting with a
// character up to '#', one holding a quote, line break or the delimiter,
// or one ending in a blank or control character.
func (d *delimSerde) needsQuotes(s string, first bool) bool {
	if len(s) == 0 {
		return first
	}
	c := s[0]
	if first && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return true
	}
	if c <= '#' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\n', '\r':
			return true
		}
		if s[i] == d.delim[0] && (len(d.delim) == 1 || bytes.HasPrefix([]byte(s[i:]), d.delim)) {
			return true
		}
	}
	return s[len(s)-1] <= ' '
}

// appendCSVQuoted writes s in quotes, doubling the quotes inside.
func appendCSVQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

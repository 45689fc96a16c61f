// Package javaprops reads Java .properties files, the format of
// ksqlDB's server configuration and of its migrations tool's project
// file, so that files written for ksqlDB read the same in eddy.
package javaprops

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Parse reads r as Java's Properties.load does: blank lines and lines
// starting with '#' or '!' are skipped; a property is key=value,
// key:value or key value (blanks around the separator dropped); a line
// ending in an odd number of backslashes continues on the next one
// (whose leading blanks are dropped); \t, \n, \r, \f, \uXXXX and \x for
// any other x are unescaped in keys and values. A property with no key
// is an error naming its line.
func Parse(r io.Reader) (map[string]string, error) {
	props := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var logical strings.Builder
	continued := false
	start := 0
	add := func() error {
		k, v := split(logical.String())
		logical.Reset()
		if k == "" {
			return fmt.Errorf("line %d: want key=value", start)
		}
		props[k] = v
		return nil
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if !continued {
			if line == "" || line[0] == '#' || line[0] == '!' {
				continue
			}
			start = n
		}
		trailing := len(line) - len(strings.TrimRight(line, `\`))
		continued = trailing%2 == 1
		if continued {
			line = line[:len(line)-1]
		}
		logical.WriteString(line)
		if !continued {
			if err := add(); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if continued {
		if err := add(); err != nil {
			return nil, err
		}
	}
	return props, nil
}

// split splits a logical line at its first unescaped '=', ':' or blank,
// and unescapes both halves.
func split(line string) (string, string) {
	i := 0
	for ; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if strings.IndexByte("=: \t\f", line[i]) >= 0 {
			break
		}
	}
	key := line[:min(i, len(line))]
	rest := ""
	if i < len(line) {
		sep := line[i]
		rest = strings.TrimLeft(line[i+1:], " \t\f")
		// "key = value": blanks, then the separator.
		if sep != '=' && sep != ':' && rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
	}
	return unescape(key), unescape(rest)
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

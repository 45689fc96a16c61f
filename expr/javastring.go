package expr

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Java's String methods, which ksqlDB's string functions call.

// javaUpper is String.toUpperCase: full case mapping, so ß becomes SS.
// A Caser keeps state, so each call makes its own.
func javaUpper(s string) string {
	if asciiOnly(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

// javaLower is String.toLowerCase: full case mapping (İ becomes i and a
// combining dot) with the Greek final sigma.
func javaLower(s string) string {
	if asciiOnly(s) {
		return strings.ToLower(s)
	}
	return cases.Lower(language.Und).String(s)
}

// javaSpace is Java's regex \s: ASCII whitespace only.
func javaSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// initCap is ksqlDB's INITCAP: it lower-cases the text, then matches
// [^\s]+\s* and upper-cases each match's first UTF-16 unit. Leading
// whitespace matches nothing and is dropped; a word starting outside the
// BMP keeps its first letter (a lone surrogate has no upper case).
func initCap(s string) string {
	s = javaLower(s)
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) && javaSpace(s[i]) {
		i++
	}
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x10000 {
			b.WriteString(javaUpper(s[i : i+n]))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
		// the rest of the word and the whitespace after it (bytes of a
		// multi-byte rune are never ASCII whitespace)
		j := i
		for j < len(s) && !javaSpace(s[j]) {
			j++
		}
		for j < len(s) && javaSpace(s[j]) {
			j++
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// utf16Len is String.length(): a character outside the BMP counts twice.
func utf16Len(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 { // ASCII, eight bytes at a time
		if binary.LittleEndian.Uint64([]byte(s[i:i+8]))&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			break
		}
	}
	if i == len(s) {
		return len(s)
	}
	n := i
	for _, r := range s[i:] {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// utf16Units is s as Java holds it.
func utf16Units(s string) []uint16 { return utf16.Encode([]rune(s)) }

// fromUnits turns UTF-16 units back into a string. Half of a surrogate
// pair (left by a cut through a character outside the BMP) cannot be
// held in UTF-8 and becomes U+FFFD.
func fromUnits(u []uint16) string { return string(utf16.Decode(u)) }

package serde

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// quotedByByte is appendQuoted one byte at a time, as it was before it
// read eight: the reference its output must match byte for byte.
func quotedByByte(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscape(dst, c)
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func checkQuoted(t *testing.T, s string) {
	t.Helper()
	if got, want := appendQuoted([]byte("x"), s), quotedByByte([]byte("x"), s); string(got) != string(want) {
		t.Fatalf("appendQuoted(%q) = %q, want %q", s, got, want)
	}
}

// TestAppendQuotedMatchesByteByByte: every byte that needs escaping or
// UTF-8 checking, at every position around the eight-byte steps, in
// strings of every length up to 40, comes out as the byte-by-byte
// encoder writes it.
func TestAppendQuotedMatchesByteByByte(t *testing.T) {
	specials := []string{"\"", "\\", "\x00", "\x1f", "\n", "\t", "\x7f", "é", "€", "😀", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80"}
	for n := 0; n <= 40; n++ {
		plain := strings.Repeat("abcdefgh", 5)[:n]
		checkQuoted(t, plain)
		for _, sp := range specials {
			for at := 0; at <= n; at++ {
				checkQuoted(t, plain[:at]+sp+plain[at:])
				checkQuoted(t, plain[:at]+sp+plain[at:]+sp)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, 100)
	for range 20000 {
		b = b[:0]
		for range r.IntN(100) {
			switch r.IntN(8) {
			case 0:
				b = append(b, byte(r.IntN(256)))
			case 1:
				b = append(b, specials[r.IntN(len(specials))]...)
			default:
				b = append(b, byte(0x20+r.IntN(0x5f)))
			}
		}
		checkQuoted(t, string(b))
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "plain ascii text", "a\"b\\c\nd\x00e", "héllo wörld €", "\xff\xfe bad utf-8", "0123456789abcdef\x01"} {
		f.Add(s)
	}
	f.Fuzz(checkQuoted)
}

// BenchmarkAppendQuoted quotes a Nexmark-like EXTRA column: plain ASCII.
func BenchmarkAppendQuoted(b *testing.B) {
	s := strings.Repeat("lorem ipsum dolor sit amet ", 8)
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		dst = appendQuoted(dst[:0], s)
	}
}

package expr

import "testing"

// SUBSTRING slices an ASCII string in place and gives what counting
// runes gives, for every position and length, negative ones included.
func TestSubstringCountsCharacters(t *testing.T) {
	byRunes := func(s string, pos int32, length int, toEnd bool) string {
		rs := []rune(s)
		if toEnd {
			length = len(rs)
		}
		st, end := substrBounds(len(rs), pos, length)
		return string(rs[st:end])
	}
	for _, s := range []string{"", "a", "channel-9768", "héllo wörld", "日本語のテキスト", "mixed ascii and ü"} {
		for pos := int32(-20); pos <= 20; pos++ {
			for length := -2; length <= 20; length++ {
				if got, want := substring(s, pos, length, false), byRunes(s, pos, length, false); got != want {
					t.Fatalf("SUBSTRING(%q, %d, %d) = %q, want %q", s, pos, length, got, want)
				}
			}
			if got, want := substring(s, pos, 0, true), byRunes(s, pos, 0, true); got != want {
				t.Fatalf("SUBSTRING(%q, %d) = %q, want %q", s, pos, got, want)
			}
		}
	}
	url := "https://www.nexmark.com/yrv/yajj/slxd/item.htm?query=1"
	if n := testing.AllocsPerRun(100, func() { substring(url, 9, 10, false) }); n != 0 {
		t.Errorf("SUBSTRING of an ASCII string: %v allocations, want none", n)
	}
}

// INSTR searches ASCII text in place and finds what the UTF-16 search
// finds, for every start position and occurrence.
func TestInstrASCIIMatchesRunes(t *testing.T) {
	texts := []string{"", "a", "aaa", "abcabcabc", "https://www.nexmark.com/a/b/item.htm?query=1"}
	subs := []string{"", "a", "b", "abc", "ca", "/", "item", "zzz", "aaaa"}
	for _, s := range texts {
		for _, sub := range subs {
			for pos := -12; pos <= 12; pos++ {
				for occ := -1; occ <= 4; occ++ {
					got, want := instrASCII(s, sub, pos, occ), instrOf(utf16Units(s), utf16Units(sub), pos, occ)
					if got != want {
						t.Fatalf("INSTR(%q, %q, %d, %d) = %d, want %d", s, sub, pos, occ, got, want)
					}
				}
			}
		}
	}
}

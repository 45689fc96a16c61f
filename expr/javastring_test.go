package expr

import "testing"

// UCASE, LCASE and INITCAP follow Java's String.toUpperCase and
// toLowerCase: full case mappings (ß becomes SS, İ becomes i and a
// combining dot) and Greek final sigma. INITCAP splits words on ASCII
// whitespace only (Java's \s), drops leading whitespace, and upper-cases
// the first UTF-16 unit of each word, so a word starting outside the BMP
// keeps its first letter.
func TestJavaCaseMapping(t *testing.T) {
	expectRendered(t, []renderCase{
		{"UCASE('straße')", "string:STRASSE"},
		{"UCASE('ﬁx ŉ')", "string:FIX ʼN"},
		{"UCASE('𐐨')", "string:𐐀"},
		{"LCASE('İ')", "string:i\u0307"},
		{"LCASE('ΟΔΟΣ ΣΑ')", "string:οδος σα"},
		{"LCASE('MiXeD')", "string:mixed"},
		{"INITCAP('ßa ﬁx')", "string:SSa FIx"},
		{"INITCAP('ΟΔΟΣ')", "string:Οδος"},
		{"INITCAP('  lead\u00a0nbsp')", "string:Lead\u00a0nbsp"},
		{"INITCAP('𐐨𐐨 a')", "string:𐐨𐐨 A"},
		{"INITCAP('   ')", "string:"},
		{"INITCAP('spacing   kept  here')", "string:Spacing   Kept  Here"},
	})
}

// LEN, SUBSTRING, INSTR, LPAD and RPAD count UTF-16 code units, as
// Java's String does: a character outside the BMP counts twice. A cut
// through such a character leaves half of it, which becomes U+FFFD.
func TestUTF16Positions(t *testing.T) {
	expectRendered(t, []renderCase{
		{"LEN('héllo😀')", "int32:7"},
		{"LEN('😀')", "int32:2"},
		{"LEN('abcdefghijklmnopq')", "int32:17"},
		{"LEN('abcdefghij😀kl')", "int32:14"},
		{"LEN('abcdefgh😀')", "int32:10"},
		{"SUBSTRING('a😀b', 4)", "string:b"},
		{"SUBSTRING('a😀b', 2, 2)", "string:😀"},
		{"SUBSTRING('a😀b', 3)", "string:\ufffdb"},
		{"SUBSTRING('a😀b', -1)", "string:b"},
		{"SUBSTRING('a😀b', -3, 2)", "string:😀"},
		{"SUBSTRING('héllo', 2, 3)", "string:éll"},
		{"INSTR('😀ab', 'a')", "int32:3"},
		{"INSTR('😀ab😀b', 'b', 4, 2)", "int32:7"},
		{"INSTR('😀ab😀b', 'b', -1, 2)", "int32:4"},
		{"INSTR('😀ab', 'a', 5)", "int32:0"},
		{"INSTR('😀ab', '😀', -3)", "int32:1"},
		{"INSTR('😀ab', '😀', -4)", "int32:0"}, // reversed, the search starts mid-pair
		// the whole match must lie in the first len+pos+1 units
		{"INSTR('CORPORATE FLOOR', 'OR', -2)", "int32:5"},
		{"INSTR('CORPORATE FLOOR', 'OR', -1)", "int32:14"},
		{"INSTR('abc', '', 1, 2)", "int32:1"},
		{"INSTR('abc', '', -1, 3)", "int32:4"},
		{"INSTR('abc', '', 4)", "int32:0"},
		{"LPAD('😀', 3, 'x')", "string:x😀"},
		{"RPAD('😀', 3, 'x')", "string:😀x"},
		{"RPAD('ab', 3, '😀')", "string:ab\ufffd"},
		{"LPAD('😀😀', 3, 'x')", "string:😀\ufffd"},
		{"LPAD('é', 3, 'ü')", "string:üüé"},
	})
}

// renderCase is an expression and its value as render writes it.
type renderCase struct{ expr, want string }

// expectRendered evaluates each expression, expecting its value and no
// reported error.
func expectRendered(t *testing.T, cases []renderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, errs := eval(t, tc.expr)
			if got := render(v); got != tc.want || len(errs) > 0 {
				t.Errorf("= %s %v, want %s", got, errs, tc.want)
			}
		})
	}
}

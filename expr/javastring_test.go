package expr

import "testing"

// UCASE, LCASE and INITCAP follow Java's String.toUpperCase and
// toLowerCase: full case mappings (ß becomes SS, İ becomes i and a
// combining dot) and Greek final sigma. INITCAP splits words on ASCII
// whitespace only (Java's \s), drops leading whitespace, and upper-cases
// the first UTF-16 unit of each word, so a word starting outside the BMP
// keeps its first letter.
func TestJavaCaseMapping(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
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
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, _, errs := eval(t, tc.expr)
			if got := render(v); got != tc.want || len(errs) > 0 {
				t.Errorf("= %s %v, want %s", got, errs, tc.want)
			}
		})
	}
}

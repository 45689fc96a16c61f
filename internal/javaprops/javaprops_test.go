package javaprops

import (
	"maps"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := "! comment\n# another\n  a = 1\nb:2\nc 3\nd=x\\\n   y\\\\\ne=\\u0041\\=\nf=\n" +
		"g = one \\\n  # not a comment\nkey\\ with\\ blanks : v\n"
	got, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "2", "c": "3", "d": `xy\`, "e": "A=", "f": "",
		"g": "one # not a comment", "key with blanks": "v"}
	if !maps.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := Parse(strings.NewReader("a=1\n\n=2\n")); err == nil || err.Error() != "line 3: want key=value" {
		t.Errorf("a property without a key: %v", err)
	}
}

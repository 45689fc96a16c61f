package expr

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// decodedField is EXTRACTJSONFIELD by decoding the whole text, the path
// extractScalar must agree with.
func decodedField(text string, steps []jsonStep) any {
	v, ok := jsonAt(text, steps)
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		return s
	}
	return compactJSON(v)
}

// randomJSON writes a random document: objects with repeated keys,
// arrays, escaped and non-ASCII strings, numbers in every form, blanks.
func randomJSON(r *rand.Rand, b *strings.Builder, depth int) {
	blank := func() {
		if r.IntN(4) == 0 {
			b.WriteString([]string{" ", "\n\t", "  "}[r.IntN(3)])
		}
	}
	blank()
	switch k := r.IntN(10); {
	case depth < 3 && k < 3:
		b.WriteString("{")
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteString(",")
			}
			blank()
			b.WriteString([]string{`"a"`, `"b"`, `"c\"d"`, `"é"`, `"a"`, `""`}[r.IntN(6)])
			blank()
			b.WriteString(":")
			randomJSON(r, b, depth+1)
		}
		blank()
		b.WriteString("}")
	case depth < 3 && k < 5:
		b.WriteString("[")
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteString(",")
			}
			randomJSON(r, b, depth+1)
		}
		b.WriteString("]")
	default:
		b.WriteString([]string{`"x"`, `"a\nb"`, `"\u00e9t\u00e9"`, `"日本"`, `12`, `-0.5`, `1e3`, `-2.50E-2`, `true`, `false`, `null`, `""`, `"\\"`, `"a/b"`}[r.IntN(14)])
	}
	blank()
}

// extractScalar agrees with decoding the whole text wherever it answers,
// over random documents and paths, damaged documents included, and
// answers for most plain scalar fields.
func TestExtractScalarMatchesDecoding(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	answered, scalars := 0, 0
	for range 20000 {
		var b strings.Builder
		randomJSON(r, &b, 0)
		text := b.String()
		switch r.IntN(10) {
		case 0:
			text = text[:r.IntN(len(text)+1)] // cut short
		case 1:
			text += " x" // trailing text: decoding reads only the first value
		}
		var path strings.Builder
		path.WriteString("$")
		for range r.IntN(4) {
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&path, "[%d]", r.IntN(3))
			case 1:
				path.WriteString("['c\"d']")
			default:
				path.WriteString([]string{".a", ".b", ".é", "['']"}[r.IntN(4)])
			}
		}
		steps, ok := parseJSONPath(path.String())
		if !ok {
			t.Fatalf("path %s does not parse", path.String())
		}
		want := decodedField(text, steps)
		if _, isStr := want.(string); isStr && !strings.HasPrefix(fmt.Sprint(want), "{") && !strings.HasPrefix(fmt.Sprint(want), "[") {
			scalars++
		}
		v, null, ok := extractScalar(text, steps)
		if !ok {
			continue
		}
		var got any = v
		if null {
			got = nil
		}
		answered++
		if got != want {
			t.Fatalf("EXTRACTJSONFIELD(%q, %q) = %#v, decoding gives %#v", text, path.String(), got, want)
		}
	}
	if answered < scalars {
		t.Errorf("extractScalar answered %d times for %d scalar results", answered, scalars)
	}
}

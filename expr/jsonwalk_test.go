package expr

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// decodedField is EXTRACTJSONFIELD by decoding the text's first value
// into a tree that keeps each object's members in order, the reference
// extractJSONField must agree with: a member looked up is the last of
// its key, and an object or array is written back compactly, members in
// order, strings through Go's encoder.
func decodedField(text string, steps []jsonStep) any {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	cur, err := decodeOrdered(d)
	if err != nil {
		return nil
	}
	for _, st := range steps {
		switch v := cur.(type) {
		case []any:
			if st.index < 0 || st.index >= len(v) {
				return nil
			}
			cur = v[st.index]
		case orderedObject:
			found := false
			for _, m := range v {
				if st.index < 0 && m.key == st.key {
					cur, found = m.value, true
				}
			}
			if !found {
				return nil
			}
		default:
			return nil
		}
	}
	switch v := cur.(type) {
	case nil: // a JSON null the path reached: Jackson's NullNode, as text
		return "null"
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	}
	var b strings.Builder
	writeOrdered(&b, cur)
	return b.String()
}

type orderedMember struct {
	key   string
	value any
}

type orderedObject []orderedMember

func decodeOrdered(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := orderedObject{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			obj = append(obj, orderedMember{k.(string), v})
		}
		_, err = d.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for d.More() {
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = d.Token()
		return arr, err
	}
	return tok, nil
}

func writeOrdered(b *strings.Builder, v any) {
	switch v := v.(type) {
	case orderedObject:
		b.WriteString("{")
		for i, m := range v {
			if i > 0 {
				b.WriteString(",")
			}
			writeOrdered(b, m.key)
			b.WriteString(":")
			writeOrdered(b, m.value)
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",")
			}
			writeOrdered(b, e)
		}
		b.WriteString("]")
	case string:
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		b.WriteString(strings.TrimSuffix(sb.String(), "\n"))
	case nil:
		b.WriteString("null")
	default:
		fmt.Fprint(b, v)
	}
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

// extractJSONField agrees with decoding the first value into an ordered
// tree, over random documents and paths, damaged documents and trailing
// text included.
func TestExtractJSONFieldMatchesDecoding(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	objects := 0
	for range 20000 {
		var b strings.Builder
		randomJSON(r, &b, 0)
		text := b.String()
		switch r.IntN(10) {
		case 0:
			text = text[:r.IntN(len(text)+1)] // cut short
		case 1:
			text += " x" // trailing text: only the first value counts
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
		v, ok := extractJSONField(text, steps)
		var got any = v
		if !ok {
			got = nil
		}
		if got != want {
			t.Fatalf("EXTRACTJSONFIELD(%q, %q) = %#v, decoding gives %#v", text, path.String(), got, want)
		}
		if s, _ := want.(string); strings.HasPrefix(s, "{\"") {
			objects++
		}
	}
	if objects < 100 {
		t.Errorf("only %d results were non-empty objects", objects)
	}
}

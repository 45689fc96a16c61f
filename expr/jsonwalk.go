package expr

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// extractScalar is extractJSONField for the common case, walking text in
// place instead of decoding all of it into maps: text is one valid JSON
// value and steps lead to a string without escapes, a number, a boolean
// or null. It answers ok false wherever the decoding path could answer
// differently (invalid or trailing text, escaped keys or strings,
// objects and arrays, which that path writes with sorted keys), and the
// caller takes that path.
//
// v is the field's text and null whether it is NULL (a JSON null or no
// such field).
func extractScalar(text string, steps []jsonStep) (v string, null, ok bool) {
	if !json.Valid(unsafe.Slice(unsafe.StringData(text), len(text))) { // read only
		return "", false, false
	}
	i := skipBlanks(text, 0)
	for _, st := range steps {
		var ok bool
		if st.index >= 0 {
			i, ok = elementAt(text, i, st.index)
		} else {
			i, ok = memberAt(text, i, st.key)
		}
		if !ok {
			return "", true, i == -1 // -1: not found, as the decoding path finds; else unsure
		}
	}
	switch c := text[i]; c {
	case '"':
		end := jsonValueEnd(text, i)
		body := text[i+1 : end-1]
		if strings.IndexByte(body, '\\') >= 0 || !utf8.ValidString(body) { // decoding unescapes, and replaces bad UTF-8
			return "", false, false
		}
		return body, false, true
	case 'n':
		return "", true, true
	case 't':
		return "true", false, true
	case 'f':
		return "false", false, true
	case '{', '[':
		return "", false, false
	default: // a number: json.Number keeps its text
		return text[i:jsonValueEnd(text, i)], false, true
	}
}

// memberAt returns where the value of key starts in the object at
// text[i:] (the last one, as decoding into a map keeps), or -1 with ok
// false when it is not an object or has no such key, or i with ok false
// for a key with escapes.
func memberAt(text string, i int, key string) (int, bool) {
	if text[i] != '{' {
		return -1, false
	}
	found := -1
	i = skipBlanks(text, i+1)
	for text[i] != '}' {
		end := jsonValueEnd(text, i) // the key, a string
		k := text[i+1 : end-1]
		if strings.IndexByte(k, '\\') >= 0 {
			return i, false
		}
		i = skipBlanks(text, skipBlanks(text, end)+1) // past the colon
		if k == key {
			found = i
		}
		i = skipBlanks(text, jsonValueEnd(text, i))
		if text[i] == ',' {
			i = skipBlanks(text, i+1)
		}
	}
	return found, found >= 0
}

// elementAt returns where element n starts in the array at text[i:], or
// -1 with ok false when it is not an array or is shorter.
func elementAt(text string, i, n int) (int, bool) {
	if text[i] != '[' {
		return -1, false
	}
	i = skipBlanks(text, i+1)
	for k := 0; text[i] != ']'; k++ {
		if k == n {
			return i, true
		}
		i = skipBlanks(text, jsonValueEnd(text, i))
		if text[i] == ',' {
			i = skipBlanks(text, i+1)
		}
	}
	return -1, false
}

// jsonValueEnd returns the end of the JSON value at text[i:], which is
// valid JSON.
func jsonValueEnd(text string, i int) int {
	switch text[i] {
	case '"':
		for i++; ; i++ {
			switch text[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch text[i] {
			case '"':
				i = jsonValueEnd(text, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(text) { // a number or literal ends at a delimiter or blank
		switch text[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

func skipBlanks(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
		i++
	}
	return i
}

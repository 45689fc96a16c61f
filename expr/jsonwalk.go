package expr

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// extractJSONField is EXTRACTJSONFIELD: the string, number or boolean
// at steps as text, an object or array as compact JSON in the document's
// order (as Jackson's tree writes it), NULL for a JSON null, a missing
// field or text that is not JSON. Text after the first JSON value is
// ignored, as Jackson's reader ignores it. It walks the text in place
// instead of decoding it into maps.
func extractJSONField(text string, steps []jsonStep) (string, bool) {
	if !json.Valid(unsafe.Slice(unsafe.StringData(text), len(text))) { // read only
		var first json.RawMessage
		if json.NewDecoder(strings.NewReader(text)).Decode(&first) != nil {
			return "", false
		}
		text = string(first)
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
			return "", false
		}
	}
	switch c := text[i]; c {
	case '"':
		return jsonString(text[i:jsonValueEnd(text, i)]), true
	case 'n':
		return "null", true // Jackson's NullNode, written as text, as ksqlDB returns it
	case 't':
		return "true", true
	case 'f':
		return "false", true
	case '{', '[':
		raw := text[i:jsonValueEnd(text, i)]
		if !strings.ContainsAny(raw, " \t\r\n\\") {
			return raw, true // already compact, escapes as written
		}
		return string(appendCompactJSON(nil, raw)), true
	default: // a number keeps its text
		return text[i:jsonValueEnd(text, i)], true
	}
}

// jsonString returns the value of a valid JSON string token.
func jsonString(tok string) string {
	body := tok[1 : len(tok)-1]
	if strings.IndexByte(body, '\\') < 0 && utf8.ValidString(body) {
		return body
	}
	var s string
	_ = json.Unmarshal([]byte(tok), &s) // valid; unescapes, and replaces bad UTF-8
	return s
}

// appendCompactJSON appends the valid JSON value raw without blanks,
// its strings escaped as Jackson escapes them (quotes, backslashes and
// control characters only) and its numbers as written.
func appendCompactJSON(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case ' ', '\t', '\r', '\n':
			i++
		case '"':
			end := jsonValueEnd(raw, i)
			dst = appendJSONString(dst, jsonString(raw[i:end]))
			i = end
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// appendJSONString appends s as a JSON string, escaping what JSON
// requires and nothing else.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// memberAt returns where the value of key starts in the object at
// text[i:] (the last one, as Jackson's tree keeps), or -1 with ok false
// when it is not an object or has no such key.
func memberAt(text string, i int, key string) (int, bool) {
	if text[i] != '{' {
		return -1, false
	}
	found := -1
	i = skipBlanks(text, i+1)
	for text[i] != '}' {
		end := jsonValueEnd(text, i) // the key, a string
		k := jsonString(text[i:end])
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

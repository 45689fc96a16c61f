package registry

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/internal/jsonref"
)

// jsonDoc is a parsed JSON Schema document: its decoded root, where it
// is filed among its schema's documents, the base URI its relative
// "$ref"s resolve against (its "$id", else where it is filed), and the
// documents of its schema's references, shared by all of them.
type jsonDoc struct {
	root any
	key  string // "" for the registered schema itself, else its URI
	base string
	refs *jsonref.Docs[*jsonDoc]
}

// parseJSONSchema checks that text is a JSON Schema document: an object
// or a boolean, whose "type", "properties", "required" and "items"
// keywords, where present, have the right shapes. It does not resolve
// $ref; the document has no references (see parseJSON).
func parseJSONSchema(text string) (*jsonDoc, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("JSON schema: %w", err)
	}
	if err := validateJSONSchema(v, ""); err != nil {
		return nil, fmt.Errorf("JSON schema: %w", err)
	}
	d := &jsonDoc{root: v, base: jsonref.Base("", jsonID(v)), refs: &jsonref.Docs[*jsonDoc]{}}
	if d.base != "" {
		d.refs.Add(d.base, d.base, d) // an absolute "$ref" to itself
	}
	return d, nil
}

// jsonID is a document's "$id", "" without one.
func jsonID(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["$id"].(string)
	return id
}

// parseJSON parses a JSON schema with the documents its references name,
// each at the version it pins, as Confluent resolves them: depth first,
// transitively, into one set by name, the first of a name winning.
func parseJSON(s Schema, res resolver) (*jsonDoc, error) {
	root, err := parseJSONSchema(s.Schema)
	if err != nil {
		return nil, err
	}
	if err := addJSONRefs(root, s.References, res, map[string]bool{}, 0); err != nil {
		return nil, err
	}
	return root, nil
}

func addJSONRefs(root *jsonDoc, refs []Reference, res resolver, seen map[string]bool, depth int) error {
	if depth > maxReferenceDepth {
		return fmt.Errorf("references nested deeper than %d (a cycle?)", maxReferenceDepth)
	}
	for _, ref := range refs {
		sv, ok := res.lookupVersion(ref.Subject, ref.Version)
		if !ok {
			return noReference(ref)
		}
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		if sv.Schema.Type != JSON {
			return fmt.Errorf("reference %q: %s/%d is a %s schema, not JSON", ref.Name, ref.Subject, ref.Version, sv.Schema.Type)
		}
		if err := addJSONRefs(root, sv.Schema.References, res, seen, depth+1); err != nil {
			return fmt.Errorf("reference %q: %w", ref.Name, err)
		}
		d, err := parseJSONSchema(sv.Schema.Schema)
		if err != nil {
			return fmt.Errorf("reference %q (%s/%d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		d.key = jsonref.Resolve(root.base, ref.Name)
		d.base, d.refs = jsonref.Base(d.key, jsonID(d.root)), root.refs
		root.refs.Add(root.base, ref.Name, d)
	}
	return nil
}

var jsonTypes = []string{"null", "boolean", "object", "array", "number", "string", "integer"}

func validateJSONSchema(v any, path string) error {
	switch s := v.(type) {
	case bool:
		return nil
	case map[string]any:
		if t, ok := s["type"]; ok {
			ts, ok := jsonTypeSet(t)
			if !ok {
				return fmt.Errorf("at %s: \"type\" must be a type name or an array of them", orRoot(path))
			}
			for _, name := range ts {
				if !slices.Contains(jsonTypes, name) {
					return fmt.Errorf("at %s: unknown type %q", orRoot(path), name)
				}
			}
		}
		if p, ok := s["properties"]; ok {
			props, ok := p.(map[string]any)
			if !ok {
				return fmt.Errorf("at %s: \"properties\" must be an object", orRoot(path))
			}
			for name, sub := range props {
				if err := validateJSONSchema(sub, path+"/properties/"+name); err != nil {
					return err
				}
			}
		}
		if r, ok := s["required"]; ok {
			if _, ok := stringList(r); !ok {
				return fmt.Errorf("at %s: \"required\" must be an array of strings", orRoot(path))
			}
		}
		for _, k := range []string{"items", "additionalProperties", "not"} {
			if sub, ok := s[k]; ok {
				if _, isList := sub.([]any); isList && k == "items" {
					continue // tuple form
				}
				if err := validateJSONSchema(sub, path+"/"+k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("at %s: a schema must be an object or a boolean", orRoot(path))
}

func orRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func jsonTypeSet(t any) ([]string, bool) {
	switch t := t.(type) {
	case string:
		return []string{t}, true
	case []any:
		return stringList(t)
	}
	return nil, false
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// checkJSONSchema lists why documents valid under writer may be rejected
// by reader; nil means compatible. It is a deliberately simple rule set,
// not a full JSON Schema containment check:
//
//   - "type": every writer type must be allowed by the reader ("integer"
//     is allowed by "number"); a writer without "type" allows anything, so
//     a reader with "type" is then incompatible.
//   - "enum" and "const": the reader's values must include the writer's.
//   - "required": every property the reader requires must be required by
//     the writer.
//   - "properties": common properties are compared recursively. A writer
//     property the reader lacks is fine unless the reader's
//     "additionalProperties" is false (or a schema it fails). A reader
//     property the writer lacks is fine (an optional addition) unless the
//     writer's "additionalProperties" is a schema the reader's property
//     cannot accept.
//   - "additionalProperties": false in the reader needs false in the
//     writer.
//   - "items" (single schema) is compared recursively.
//   - maxLength, maxItems, maxProperties, maximum, exclusiveMaximum may not
//     shrink; minLength, minItems, minProperties, minimum,
//     exclusiveMinimum may not grow; a bound the writer lacks may not
//     appear.
//   - Boolean schemas: reader true accepts all; reader false accepts only
//     writer false.
//
// A "$ref" is replaced by the schema it names, in the reader against
// the reader's documents and in the writer against the writer's: a JSON
// pointer into the same document ("#/$defs/Order", as Go's
// invopop/jsonschema writes every struct), or into a document of a
// schema reference ("address.json", "address.json#/$defs/Zip"), read at
// the version the reference pins; keywords beside it are ignored. A
// pair of references met again below itself (a recursive type) is taken
// as compatible there.
//
// A reference that names nothing, allOf, anyOf, oneOf, not,
// patternProperties, pattern and format are not analysed: they must be
// equal in both, or the check reports it.
func checkJSONSchema(reader, writer *jsonDoc) []string {
	c := &jsonCompat{expanding: map[[2]string]bool{}}
	c.node(reader, reader.root, writer, writer.root, "")
	return c.msgs
}

type jsonCompat struct {
	msgs      []string
	expanding map[[2]string]bool // reader and writer $ref targets being compared
}

// maxJSONRefHops bounds a chain of references to references.
const maxJSONRefHops = 32

// derefJSON follows the references of n, a schema within doc; it returns
// the schema reached, the document it is in, and where the first
// reference followed leads ("" when none).
func derefJSON(doc *jsonDoc, n any) (*jsonDoc, any, string) {
	first := ""
	for range maxJSONRefHops {
		m, _ := n.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		uri, frag := jsonref.Split(ref)
		to := doc
		if uri != "" {
			if to, ok = doc.refs.Find(doc.base, uri); !ok {
				break
			}
		}
		target, ok := jsonPointer(to.root, frag)
		if !ok {
			break
		}
		if first == "" {
			first = to.key + "#" + frag
		}
		doc, n = to, target
	}
	return doc, n, first
}

// jsonPointer finds what an RFC 6901 pointer (a URI fragment, so
// percent-encoded) names in a decoded JSON document.
func jsonPointer(root any, ptr string) (any, bool) {
	ptr, err := url.PathUnescape(ptr)
	if err != nil || (ptr != "" && !strings.HasPrefix(ptr, "/")) {
		return nil, false
	}
	n := root
	if ptr == "" {
		return n, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := n.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			n = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			n = v[i]
		default:
			return nil, false
		}
	}
	return n, true
}

// node compares reader, a schema within the reader's document rd, with
// writer, within wd.
func (c *jsonCompat) node(rd *jsonDoc, reader any, wd *jsonDoc, writer any, path string) {
	fail := func(format string, args ...any) {
		c.msgs = append(c.msgs, fmt.Sprintf("at %s: ", orRoot(path))+fmt.Sprintf(format, args...))
	}
	rd, reader, rref := derefJSON(rd, reader)
	wd, writer, wref := derefJSON(wd, writer)
	if rref != "" || wref != "" {
		pair := [2]string{rref, wref}
		if c.expanding[pair] {
			return
		}
		c.expanding[pair] = true
		defer delete(c.expanding, pair)
	}
	if rb, ok := reader.(bool); ok {
		if !rb {
			if wb, ok := writer.(bool); !ok || wb {
				fail("reader schema is false but the writer accepts documents")
			}
		}
		return
	}
	r, _ := reader.(map[string]any)
	var w map[string]any
	switch wv := writer.(type) {
	case bool:
		if !wv {
			return // the writer writes nothing
		}
		w = map[string]any{}
	case map[string]any:
		w = wv
	}
	if len(r) == 0 {
		return // reader accepts anything
	}

	// type
	if rt, ok := r["type"]; ok {
		rts, _ := jsonTypeSet(rt)
		wt, ok := w["type"]
		if !ok {
			fail("reader restricts type to %v, writer allows any type", rts)
		} else {
			wts, _ := jsonTypeSet(wt)
			for _, t := range wts {
				if !slices.Contains(rts, t) && !(t == "integer" && slices.Contains(rts, "number")) {
					fail("writer type %q is not allowed by reader types %v", t, rts)
				}
			}
		}
	}
	// enum, const
	if re, ok := r["enum"].([]any); ok {
		we, ok := w["enum"].([]any)
		if !ok {
			if wc, ok := w["const"]; ok {
				we = []any{wc}
			}
		}
		if we == nil {
			fail("reader restricts values to an enum, writer does not")
		} else {
			for _, v := range we {
				if !slices.ContainsFunc(re, func(x any) bool { return reflect.DeepEqual(x, v) }) {
					fail("writer enum value %v is not in the reader's enum", v)
				}
			}
		}
	}
	if rc, ok := r["const"]; ok {
		if wc, ok := w["const"]; !ok || !reflect.DeepEqual(rc, wc) {
			fail("reader requires const %v, writer does not", rc)
		}
	}
	// required
	if rr, ok := stringList(r["required"]); ok {
		wr, _ := stringList(w["required"])
		for _, name := range rr {
			if !slices.Contains(wr, name) {
				fail("property %q is required by the reader but not by the writer", name)
			}
		}
	}
	// properties
	rprops, _ := r["properties"].(map[string]any)
	wprops, _ := w["properties"].(map[string]any)
	rAdd, rHasAdd := r["additionalProperties"]
	wAdd, wHasAdd := w["additionalProperties"]
	for _, name := range sortedKeys(wprops) {
		wp := wprops[name]
		if rp, ok := rprops[name]; ok {
			c.node(rd, rp, wd, wp, path+"/properties/"+name)
			continue
		}
		if rHasAdd {
			if b, ok := rAdd.(bool); ok && !b {
				fail("writer property %q is not allowed by the reader (additionalProperties is false)", name)
				continue
			}
			c.node(rd, rAdd, wd, wp, path+"/properties/"+name)
		}
	}
	for _, name := range sortedKeys(rprops) {
		if _, ok := wprops[name]; ok {
			continue
		}
		if wa, ok := wAdd.(map[string]any); ok {
			c.node(rd, rprops[name], wd, wa, path+"/properties/"+name)
		}
	}
	if rHasAdd {
		if b, ok := rAdd.(bool); ok && !b {
			if wb, ok := wAdd.(bool); !wHasAdd || !ok || wb {
				fail("reader forbids additional properties, writer allows them")
			}
		}
	}
	// items
	if ri, ok := r["items"]; ok {
		if _, tuple := ri.([]any); !tuple {
			wi, ok := w["items"]
			if !ok {
				wi = true
			}
			c.node(rd, ri, wd, wi, path+"/items")
		}
	}
	// bounds
	for _, k := range []string{"maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum"} {
		if rv, ok := r[k].(float64); ok {
			wv, ok := w[k].(float64)
			if !ok || wv > rv {
				fail("reader %s %v is stricter than the writer's", k, rv)
			}
		}
	}
	for _, k := range []string{"minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum"} {
		if rv, ok := r[k].(float64); ok {
			wv, ok := w[k].(float64)
			if !ok || wv < rv {
				fail("reader %s %v is stricter than the writer's", k, rv)
			}
		}
	}
	// not analysed: must be equal
	for _, k := range []string{"$ref", "allOf", "anyOf", "oneOf", "not", "patternProperties", "pattern", "format"} {
		rv, rok := r[k]
		wv, wok := w[k]
		if rok && (!wok || !reflect.DeepEqual(rv, wv)) {
			fail("%s differs between reader and writer (not analysed, must be equal)", k)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}

// Package jsonref finds the documents a JSON Schema's "$ref"s name when
// the schema sits in a Schema Registry: each reference of the registered
// schema (name, subject, version) is a document that a "$ref" reaches at
// its name, resolved against the referring document's base URI (its
// "$id"), as Confluent's serdes load them. The registry and the serdes
// share it so that both read a "$ref" the same way.
package jsonref

import (
	"net/url"
	"path"
	"strings"
)

// Split cuts a "$ref" into the URI of its document ("" for the document
// it is in) and the fragment (a JSON pointer, or "" for the root).
func Split(ref string) (uri, fragment string) {
	uri, fragment, _ = strings.Cut(ref, "#")
	return uri, fragment
}

// Resolve resolves ref against base as RFC 3986 does when base is an
// absolute URI. Registered names are mostly relative ("address.json"),
// and so is the base of a schema without "$id": then relative paths
// resolve among themselves ("a/b.json" and "c.json" give "a/c.json",
// "./c.json" is "c.json") instead of against "/".
func Resolve(base, ref string) string {
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	if b.IsAbs() {
		return b.ResolveReference(r).String()
	}
	if r.Host != "" || r.Path == "" || strings.HasPrefix(r.Path, "/") {
		return ref
	}
	return path.Join(path.Dir(b.Path), r.Path)
}

// Base is the base URI of a document filed at uri whose "$id" is id
// ("" when it has none).
func Base(uri, id string) string {
	if id == "" {
		return uri
	}
	return Resolve(uri, id)
}

// Docs files documents (of the caller's parsed form) by URI.
type Docs[T any] struct {
	byURI map[string]T
}

// Add files doc under name, a reference's name in a schema whose base
// is rootBase: at the name resolved against that base, and at the name
// alone, as Confluent registers it with either loader. A name filed
// already keeps its document (references are resolved depth first, the
// first one of a name winning).
func (d *Docs[T]) Add(rootBase, name string, doc T) {
	if d.byURI == nil {
		d.byURI = map[string]T{}
	}
	for _, key := range []string{Resolve(rootBase, name), Resolve("", name)} {
		if _, ok := d.byURI[key]; !ok {
			d.byURI[key] = doc
		}
	}
}

// Find returns the document that the URI part of a "$ref" names, read
// in a document whose base URI is base.
func (d *Docs[T]) Find(base, uri string) (T, bool) {
	if doc, ok := d.byURI[Resolve(base, uri)]; ok {
		return doc, true
	}
	doc, ok := d.byURI[Resolve("", uri)]
	return doc, ok
}

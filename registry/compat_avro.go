package registry

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hamba/avro/v2"
)

// avroSchema is a parsed Avro schema (hamba/avro's model).
type avroSchema = avro.Schema

// parseAvro parses an Avro schema after its references, depth first, into
// a cache of its own, so that named types from referenced schemas
// resolve. hamba/avro validates names, defaults and symbols.
func parseAvro(s Schema, res resolver) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	done := make(map[string]bool)
	if err := parseAvroRefs(s, res, cache, done, 0); err != nil {
		return nil, err
	}
	a, err := parseAvroText(s.Schema, cache)
	if err != nil {
		return nil, err
	}
	if err := checkAvroRules(a, make(map[string]bool)); err != nil {
		return nil, err
	}
	return a, nil
}

// parseAvroText parses with hamba/avro, whose parser panics on some
// legal schemas (a recursive field with a default): that is an invalid
// schema here, not a request that leaves the registry's lock held.
func parseAvroText(text string, cache *avro.SchemaCache) (s avro.Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("the Avro parser failed on the schema (%v)", p)
		}
	}()
	return avro.ParseWithCache(text, "", cache)
}

// checkAvroRules rejects what hamba/avro accepts but the Avro
// specification (and Confluent's registry, with its Java parser) refuses:
// enums with a repeated symbol, fixed types of a negative size.
func checkAvroRules(s avro.Schema, seen map[string]bool) error {
	switch s := s.(type) {
	case *avro.FixedSchema:
		if s.Size() < 0 {
			return fmt.Errorf("fixed %s: invalid fixed size: %d", s.FullName(), s.Size())
		}
	case *avro.EnumSchema:
		syms := make(map[string]bool, len(s.Symbols()))
		for _, sym := range s.Symbols() {
			if syms[sym] {
				return fmt.Errorf("enum %s: duplicate symbol %q", s.FullName(), sym)
			}
			syms[sym] = true
		}
	case *avro.RecordSchema:
		if seen[s.FullName()] {
			return nil
		}
		seen[s.FullName()] = true
		for _, f := range s.Fields() {
			if err := checkAvroRules(f.Type(), seen); err != nil {
				return err
			}
		}
	case *avro.ArraySchema:
		return checkAvroRules(s.Items(), seen)
	case *avro.MapSchema:
		return checkAvroRules(s.Values(), seen)
	case *avro.UnionSchema:
		for _, b := range s.Types() {
			if err := checkAvroRules(b, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseAvroRefs(s Schema, res resolver, cache *avro.SchemaCache, done map[string]bool, depth int) error {
	if depth > maxReferenceDepth {
		return fmt.Errorf("references nested deeper than %d (a cycle?)", maxReferenceDepth)
	}
	for _, ref := range s.References {
		key := fmt.Sprintf("%s\x00%d", ref.Subject, ref.Version)
		if done[key] {
			continue
		}
		sv, ok := res.lookupVersion(ref.Subject, ref.Version)
		if !ok {
			return noReference(ref)
		}
		if sv.Schema.Type != Avro {
			return fmt.Errorf("reference %q: %s/%d is a %s schema, not AVRO", ref.Name, ref.Subject, ref.Version, sv.Schema.Type)
		}
		if err := parseAvroRefs(sv.Schema, res, cache, done, depth+1); err != nil {
			return fmt.Errorf("reference %q: %w", ref.Name, err)
		}
		if _, err := parseAvroText(sv.Schema.Schema, cache); err != nil {
			return fmt.Errorf("reference %q (%s/%d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		done[key] = true
	}
	return nil
}

// checkAvro lists why data written with writer cannot be read with reader
// under Avro's schema resolution rules; nil means compatible.
//
// Rules: the same primitive, or a promotion (int to long, float or
// double; long to float or double; float to double; string to bytes and
// back). Records match by name (or a reader alias); every reader field
// needs a writer field of the same name (or a reader field alias) whose
// type it can read, or a default; writer fields the reader lacks are
// skipped. Enums match by name; every writer symbol must be a reader
// symbol unless the reader has a default symbol. Fixed types match by
// name and size. Arrays and maps compare their items and values. A writer
// union needs every branch readable; a reader union needs one branch
// that reads the writer type. Logical types are not compared.
func checkAvro(reader, writer avro.Schema) []string {
	c := &avroChecker{inProgress: make(map[[2]string]bool), done: make(map[[2]string]bool)}
	c.check(reader, writer, "")
	return c.msgs
}

type avroChecker struct {
	// inProgress holds the (reader, writer) record pairs being compared,
	// so recursive types terminate: a pair met again is assumed
	// compatible, its first comparison decides.
	inProgress map[[2]string]bool
	// done holds the record pairs compared, and whether they were
	// compatible, so a pair met again is not compared again: a named
	// type reused twice at each of n levels would take 2^n comparisons.
	// Shared with the quiet checkers of union branches.
	done map[[2]string]bool
	msgs []string
}

func (c *avroChecker) fail(path, format string, args ...any) {
	if path == "" {
		path = "/"
	}
	c.msgs = append(c.msgs, fmt.Sprintf("at %s: ", path)+fmt.Sprintf(format, args...))
}

// compatible checks quietly, for choosing a union branch.
func (c *avroChecker) compatible(reader, writer avro.Schema) bool {
	sub := &avroChecker{inProgress: maps.Clone(c.inProgress), done: c.done}
	sub.check(reader, writer, "")
	return len(sub.msgs) == 0
}

func deref(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}

func avroTypeName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return string(s.Type()) + " " + n.FullName()
	}
	return string(s.Type())
}

func (c *avroChecker) check(reader, writer avro.Schema, path string) {
	reader, writer = deref(reader), deref(writer)
	if wu, ok := writer.(*avro.UnionSchema); ok {
		for i, wb := range wu.Types() {
			c.checkBranch(reader, wb, fmt.Sprintf("%s/%d", path, i))
		}
		return
	}
	if _, ok := reader.(*avro.UnionSchema); ok {
		c.checkBranch(reader, writer, path)
		return
	}
	switch w := writer.(type) {
	case *avro.RecordSchema:
		r, ok := reader.(*avro.RecordSchema)
		if !ok {
			c.fail(path, "reader type %s cannot read writer type %s", avroTypeName(reader), avroTypeName(writer))
			return
		}
		c.checkRecord(r, w, path)
	case *avro.EnumSchema:
		r, ok := reader.(*avro.EnumSchema)
		if !ok {
			c.fail(path, "reader type %s cannot read writer type %s", avroTypeName(reader), avroTypeName(writer))
			return
		}
		if !sameAvroName(r, w) {
			c.fail(path, "enum name %s does not match writer's %s", r.FullName(), w.FullName())
			return
		}
		var missing []string
		for _, sym := range w.Symbols() {
			if !slices.Contains(r.Symbols(), sym) {
				missing = append(missing, sym)
			}
		}
		if len(missing) > 0 && !r.HasDefault() {
			c.fail(path, "reader enum %s lacks writer symbols [%s] and has no default symbol",
				r.FullName(), strings.Join(missing, ", "))
		}
	case *avro.FixedSchema:
		r, ok := reader.(*avro.FixedSchema)
		if !ok {
			c.fail(path, "reader type %s cannot read writer type %s", avroTypeName(reader), avroTypeName(writer))
			return
		}
		if !sameAvroName(r, w) {
			c.fail(path, "fixed name %s does not match writer's %s", r.FullName(), w.FullName())
			return
		}
		if r.Size() != w.Size() {
			c.fail(path, "fixed %s has size %d, writer's has %d", r.FullName(), r.Size(), w.Size())
		}
	case *avro.ArraySchema:
		r, ok := reader.(*avro.ArraySchema)
		if !ok {
			c.fail(path, "reader type %s cannot read writer type array", avroTypeName(reader))
			return
		}
		c.check(r.Items(), w.Items(), path+"/items")
	case *avro.MapSchema:
		r, ok := reader.(*avro.MapSchema)
		if !ok {
			c.fail(path, "reader type %s cannot read writer type map", avroTypeName(reader))
			return
		}
		c.check(r.Values(), w.Values(), path+"/values")
	default:
		if !avroPromotes(writer.Type(), reader.Type()) {
			c.fail(path, "reader type %s cannot read writer type %s", avroTypeName(reader), avroTypeName(writer))
		}
	}
}

// checkBranch checks that reader (a union or not) reads one writer type
// that is not a union.
func (c *avroChecker) checkBranch(reader, writer avro.Schema, path string) {
	reader, writer = deref(reader), deref(writer)
	ru, ok := reader.(*avro.UnionSchema)
	if !ok {
		c.check(reader, writer, path)
		return
	}
	for _, rb := range ru.Types() {
		if c.compatible(rb, writer) {
			return
		}
	}
	c.fail(path, "no branch of reader union %s can read writer type %s", ru.String(), avroTypeName(writer))
}

func (c *avroChecker) checkRecord(r, w *avro.RecordSchema, path string) {
	if !sameAvroName(r, w) {
		c.fail(path, "record name %s does not match writer's %s", r.FullName(), w.FullName())
		return
	}
	pair := [2]string{r.FullName(), w.FullName()}
	if c.inProgress[pair] {
		return
	}
	if ok, seen := c.done[pair]; seen {
		if !ok {
			c.fail(path, "record %s cannot read writer record %s (as above)", r.FullName(), w.FullName())
		}
		return
	}
	c.inProgress[pair] = true
	before := len(c.msgs)
	defer func() {
		delete(c.inProgress, pair)
		c.done[pair] = len(c.msgs) == before
	}()

	byName := make(map[string]*avro.Field, len(w.Fields()))
	for _, f := range w.Fields() {
		byName[f.Name()] = f
	}
	for _, rf := range r.Fields() {
		wf := byName[rf.Name()]
		for _, alias := range rf.Aliases() {
			if wf != nil {
				break
			}
			wf = byName[alias]
		}
		fpath := path + "/fields/" + rf.Name()
		if wf == nil {
			if !rf.HasDefault() {
				c.fail(fpath, "reader field '%s' has no default value and is missing from the writer schema", rf.Name())
			}
			continue
		}
		c.check(rf.Type(), wf.Type(), fpath+"/type")
	}
}

// sameAvroName reports whether a reader named type accepts the writer's:
// same full or short name, or a reader alias naming the writer's.
func sameAvroName(r, w avro.NamedSchema) bool {
	if r.FullName() == w.FullName() || r.Name() == w.Name() {
		return true
	}
	for _, a := range r.Aliases() {
		if a == w.FullName() || a == w.Name() {
			return true
		}
	}
	return false
}

// avroPromotes reports whether a reader of type r reads values written as
// type w (both primitive).
func avroPromotes(w, r avro.Type) bool {
	if w == r {
		return true
	}
	switch w {
	case avro.Int:
		return r == avro.Long || r == avro.Float || r == avro.Double
	case avro.Long:
		return r == avro.Float || r == avro.Double
	case avro.Float:
		return r == avro.Double
	case avro.String:
		return r == avro.Bytes
	case avro.Bytes:
		return r == avro.String
	}
	return false
}

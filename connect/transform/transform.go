// Package transform holds Kafka Connect's single message transforms and
// predicates, and Debezium's ExtractNewRecordState. Register adds them to
// a connect.Registry; the runtime chains them as `transforms` lists them.
package transform

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/connect"
)

const pkg = "org.apache.kafka.connect.transforms."

// side selects a record's key or value.
type side bool

const (
	keySide   side = true
	valueSide side = false
)

func (s side) get(r connect.Record) (*connect.Schema, any) {
	if s == keySide {
		return r.KeySchema, r.Key
	}
	return r.ValueSchema, r.Value
}

func (s side) set(r connect.Record, sc *connect.Schema, v any) connect.Record {
	if s == keySide {
		r.KeySchema, r.Key = sc, v
	} else {
		r.ValueSchema, r.Value = sc, v
	}
	return r
}

func (s side) String() string {
	if s == keySide {
		return "key"
	}
	return "value"
}

// fn adapts a function to connect.Transformation.
type fn func(connect.Record) (connect.Record, bool, error)

func (f fn) Apply(r connect.Record) (connect.Record, bool, error) { return f(r) }

// registerBoth registers Class$Key and Class$Value variants.
func registerBoth(r *connect.Registry, name, doc string, spec []connect.ConfigField, build func(cfg map[string]string, s side) (connect.Transformation, error)) {
	for _, s := range []side{keySide, valueSide} {
		suffix := "$Value"
		if s == keySide {
			suffix = "$Key"
		}
		s := s
		r.RegisterTransform(&connect.TransformPlugin{
			Class: pkg + name + suffix, Doc: doc + " (on the record's " + s.String() + ")", Spec: spec,
			New: func(cfg map[string]string) (connect.Transformation, error) { return build(cfg, s) },
		})
	}
}

// Register adds every transform and predicate to r.
func Register(r *connect.Registry) {
	registerInsertField(r)
	registerExtractField(r)
	registerReplaceField(r)
	registerMaskField(r)
	registerTimestampConverter(r)
	registerCast(r)
	registerRouting(r)
	registerPredicates(r)
	registerDebezium(r)
	registerMore(r)
}

// structOrMap reads a struct-or-map value for field access.
func fieldsOf(v any) (st *connect.Struct, m map[string]any, err error) {
	switch x := v.(type) {
	case *connect.Struct:
		return x, nil, nil
	case map[string]any:
		return nil, x, nil
	}
	return nil, nil, fmt.Errorf("only Struct or Map objects supported, found %T", v)
}

// copyStruct returns a new struct of schema sc with the given values.
func newStruct(sc *connect.Schema) *connect.Struct {
	return &connect.Struct{Schema: sc, Values: make(map[string]any, len(sc.Fields))}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// cloneSchema copies a struct schema's header (not its fields).
func cloneSchema(sc *connect.Schema) *connect.Schema {
	c := *sc
	c.Fields = nil
	return &c
}

func listOpt(v string) []string { return connect.ListValue(v) }

func splitPairs(v string) (map[string]string, []string, error) {
	out := map[string]string{}
	var order []string
	for _, p := range listOpt(v) {
		a, b, ok := strings.Cut(p, ":")
		if !ok || strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
			return nil, nil, fmt.Errorf("invalid pair %q: expected name:value", p)
		}
		a = strings.TrimSpace(a)
		out[a] = strings.TrimSpace(b)
		order = append(order, a)
	}
	return out, order, nil
}

package transform

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/connect"
)

// ExtractNewRecordStateClass is Debezium's unwrap transform.
const ExtractNewRecordStateClass = "io.debezium.transforms.ExtractNewRecordState"

func registerDebezium(r *connect.Registry) {
	r.RegisterTransform(&connect.TransformPlugin{
		Class: ExtractNewRecordStateClass, Aliases: []string{"io.debezium.transforms.UnwrapFromEnvelope"},
		Doc: "Replaces a Debezium change event (before, after, source, op, ts_ms) with the row state after the change.",
		Spec: []connect.ConfigField{
			{Name: "drop.tombstones", Type: connect.TypeBoolean, Default: "true", Doc: "Drop the tombstones Debezium writes after deletes."},
			{Name: "delete.handling.mode", Type: connect.TypeString, Default: "drop", Enum: []string{"drop", "rewrite", "none"}, Doc: "drop: drop delete events; rewrite: keep the row before the delete with __deleted=true (others get __deleted=false); none: pass a null value."},
			{Name: "add.fields", Type: connect.TypeList, Doc: "Envelope or source fields to add, e.g. op,table,source.ts_ms (named with add.fields.prefix, dots as underscores)."},
			{Name: "add.fields.prefix", Type: connect.TypeString, Default: "__", Doc: "Prefix of added fields."},
			{Name: "add.headers", Type: connect.TypeList, Doc: "Envelope or source fields to add as headers."},
			{Name: "add.headers.prefix", Type: connect.TypeString, Default: "__", Doc: "Prefix of added headers."},
		},
		New: newExtractNewRecordState,
	})
}

func newExtractNewRecordState(cfg map[string]string) (connect.Transformation, error) {
	dropTomb := !strings.EqualFold(cfg["drop.tombstones"], "false")
	mode := strings.ToLower(cfg["delete.handling.mode"])
	fields, headers := listOpt(cfg["add.fields"]), listOpt(cfg["add.headers"])
	prefix, hprefix := cfg["add.fields.prefix"], cfg["add.headers.prefix"]
	return fn(func(rec connect.Record) (connect.Record, bool, error) {
		if rec.Value == nil {
			return rec, !dropTomb, nil
		}
		env, m, err := fieldsOf(rec.Value)
		if err != nil {
			return rec, false, fmt.Errorf("ExtractNewRecordState: %w", err)
		}
		get := func(name string) any {
			if m != nil {
				return m[name]
			}
			return env.Get(name)
		}
		schemaOf := func(name string) *connect.Schema {
			if m != nil {
				return nil
			}
			sc := rec.ValueSchema
			if sc == nil {
				sc = env.Schema
			}
			return sc.Field(name)
		}
		if _, isEnvelope := envelopeHas(env, m, "op"); !isEnvelope {
			return rec, true, nil // not a change event (e.g. a schema change): pass
		}
		op, _ := get("op").(string)
		state, stateName := get("after"), "after"
		deleted := op == "d"
		if deleted {
			switch mode {
			case "drop":
				return rec, false, nil
			case "none":
				rec.ValueSchema, rec.Value = nil, nil
				return rec, true, nil
			}
			state, stateName = get("before"), "before"
		}
		if state == nil {
			return rec, false, nil
		}
		// envelope field or source field lookup for add.fields/headers
		lookup := func(f string) (any, *connect.Schema) {
			path := f
			if strings.HasPrefix(f, "source.") {
				path = strings.TrimPrefix(f, "source.")
				return sub(get("source"), schemaOf("source"), path)
			}
			if v, ok := envelopeHas(env, m, f); ok {
				return v, schemaOf(f)
			}
			return sub(get("source"), schemaOf("source"), path)
		}
		stSchema := schemaOf(stateName)
		var out any
		var outSchema *connect.Schema
		adds := map[string]any{}
		var addOrder []string
		var addSchemas []*connect.Schema
		for _, f := range fields {
			v, sc := lookup(f)
			name := prefix + strings.ReplaceAll(f, ".", "_")
			adds[name] = v
			addOrder = append(addOrder, name)
			if sc == nil {
				sc = optString
			}
			c := *sc
			c.Optional = true
			addSchemas = append(addSchemas, &c)
		}
		if mode == "rewrite" {
			name := prefix + "deleted"
			if deleted {
				adds[name] = "true"
			} else {
				adds[name] = "false"
			}
			addOrder = append(addOrder, name)
			addSchemas = append(addSchemas, optString)
		}
		switch s := state.(type) {
		case *connect.Struct:
			sc := stSchema
			if sc == nil {
				sc = s.Schema
			}
			if len(addOrder) == 0 {
				out, outSchema = s, sc
				break
			}
			ns := cloneSchema(sc)
			ns.Fields = append(ns.Fields, sc.Fields...)
			st := newStruct(ns)
			for k, v := range s.Values {
				st.Values[k] = v
			}
			for i, n := range addOrder {
				ns.Fields = append(ns.Fields, connect.Field{Name: n, Schema: addSchemas[i]})
				st.Values[n] = adds[n]
			}
			out, outSchema = st, ns
		case map[string]any:
			o := copyMap(s)
			for k, v := range adds {
				o[k] = v
			}
			out = o
		default:
			return rec, false, fmt.Errorf("ExtractNewRecordState: %s is a %T, not a struct", stateName, state)
		}
		for _, h := range headers {
			v, _ := lookup(h)
			if v != nil {
				rec.Headers = append(rec.Headers, connect.Header{Key: hprefix + strings.ReplaceAll(h, ".", "_"), Value: []byte(fmt.Sprint(v))})
			}
		}
		rec.ValueSchema, rec.Value = outSchema, out
		return rec, true, nil
	}), nil
}

func envelopeHas(st *connect.Struct, m map[string]any, name string) (any, bool) {
	if m != nil {
		v, ok := m[name]
		return v, ok
	}
	sc := st.Schema
	if sc != nil && sc.Field(name) != nil {
		return st.Get(name), true
	}
	v, ok := st.Values[name]
	return v, ok
}

func sub(v any, sc *connect.Schema, name string) (any, *connect.Schema) {
	switch x := v.(type) {
	case *connect.Struct:
		if sc == nil {
			sc = x.Schema
		}
		return x.Get(name), sc.Field(name)
	case map[string]any:
		return x[name], nil
	}
	return nil, nil
}

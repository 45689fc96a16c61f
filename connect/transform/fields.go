package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
)

var (
	optString    = &connect.Schema{Type: connect.String, Optional: true}
	optInt32     = &connect.Schema{Type: connect.Int32, Optional: true}
	optInt64     = &connect.Schema{Type: connect.Int64, Optional: true}
	optTimestamp = &connect.Schema{Type: connect.Int64, Optional: true, Name: connect.LogicalTimestamp, Version: 1}
)

func registerInsertField(r *connect.Registry) {
	spec := []connect.ConfigField{
		{Name: "topic.field", Type: connect.TypeString, Doc: "Field for the record's topic (suffix ! for required, ? for optional)."},
		{Name: "partition.field", Type: connect.TypeString, Doc: "Field for the record's partition."},
		{Name: "offset.field", Type: connect.TypeString, Doc: "Field for the record's offset (sinks only)."},
		{Name: "timestamp.field", Type: connect.TypeString, Doc: "Field for the record's timestamp."},
		{Name: "static.field", Type: connect.TypeString, Doc: "Field for a fixed value."},
		{Name: "static.value", Type: connect.TypeString, Doc: "The fixed value of static.field."},
	}
	registerBoth(r, "InsertField", "Adds fields with the record's topic, partition, offset, timestamp or a fixed value", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		name := func(k string) string { return strings.TrimRight(cfg[k], "!?") }
		topicF, partF, offF, tsF, staticF := name("topic.field"), name("partition.field"), name("offset.field"), name("timestamp.field"), name("static.field")
		staticV := cfg["static.value"]
		if staticF != "" && staticV == "" {
			return nil, fmt.Errorf("static.value is required with static.field")
		}
		if topicF+partF+offF+tsF+staticF == "" {
			return nil, fmt.Errorf("set at least one of topic.field, partition.field, offset.field, timestamp.field, static.field")
		}
		type add struct {
			name string
			sc   *connect.Schema
			val  func(connect.Record) any
		}
		var adds []add
		if topicF != "" {
			adds = append(adds, add{topicF, optString, func(r connect.Record) any { return r.Topic }})
		}
		if partF != "" {
			adds = append(adds, add{partF, optInt32, func(r connect.Record) any { return r.Partition }})
		}
		if offF != "" {
			adds = append(adds, add{offF, optInt64, func(r connect.Record) any { return r.Offset }})
		}
		if tsF != "" {
			adds = append(adds, add{tsF, optTimestamp, func(r connect.Record) any {
				if r.Timestamp.IsZero() {
					return nil
				}
				return r.Timestamp.UTC()
			}})
		}
		if staticF != "" {
			adds = append(adds, add{staticF, optString, func(connect.Record) any { return staticV }})
		}
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("InsertField: %w", err)
			}
			if m != nil {
				out := copyMap(m)
				for _, a := range adds {
					x := a.val(rec)
					if t, ok := x.(time.Time); ok {
						x = t.UnixMilli()
					}
					out[a.name] = x
				}
				return s.set(rec, sc, out), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			ns := cloneSchema(sc)
			ns.Fields = append(ns.Fields, sc.Fields...)
			out := newStruct(ns)
			for k, x := range st.Values {
				out.Values[k] = x
			}
			for _, a := range adds {
				ns.Fields = append(ns.Fields, connect.Field{Name: a.name, Schema: a.sc})
				out.Values[a.name] = a.val(rec)
			}
			return s.set(rec, ns, out), true, nil
		}), nil
	})
}

func registerExtractField(r *connect.Registry) {
	spec := []connect.ConfigField{{Name: "field", Type: connect.TypeString, Required: true, Doc: "The field to extract."}}
	registerBoth(r, "ExtractField", "Replaces a struct or map with one of its fields", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		field := cfg["field"]
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("ExtractField: %w", err)
			}
			if m != nil {
				return s.set(rec, nil, m[field]), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			fs := sc.Field(field)
			if fs == nil {
				return rec, false, fmt.Errorf("ExtractField: unknown field: %s", field)
			}
			return s.set(rec, fs, st.Get(field)), true, nil
		}), nil
	})
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "ValueToKey", Doc: "Replaces the key with a struct (or map) of the given fields of the value.",
		Spec: []connect.ConfigField{{Name: "fields", Type: connect.TypeList, Required: true, Doc: "Value fields that make up the key."}},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			fields := listOpt(cfg["fields"])
			if len(fields) == 0 {
				return nil, fmt.Errorf("fields must name at least one field")
			}
			return fn(func(rec connect.Record) (connect.Record, bool, error) {
				if rec.Value == nil {
					return rec, true, nil
				}
				st, m, err := fieldsOf(rec.Value)
				if err != nil {
					return rec, false, fmt.Errorf("ValueToKey: %w", err)
				}
				if m != nil {
					k := make(map[string]any, len(fields))
					for _, f := range fields {
						k[f] = m[f]
					}
					rec.KeySchema, rec.Key = nil, k
					return rec, true, nil
				}
				sc := rec.ValueSchema
				if sc == nil {
					sc = st.Schema
				}
				ks := &connect.Schema{Type: connect.StructT}
				key := &connect.Struct{Schema: ks, Values: map[string]any{}}
				for _, f := range fields {
					fs := sc.Field(f)
					if fs == nil {
						return rec, false, fmt.Errorf("ValueToKey: field does not exist: %s", f)
					}
					ks.Fields = append(ks.Fields, connect.Field{Name: f, Schema: fs})
					key.Values[f] = st.Get(f)
				}
				rec.KeySchema, rec.Key = ks, key
				return rec, true, nil
			}), nil
		},
	})
}

func registerReplaceField(r *connect.Registry) {
	spec := []connect.ConfigField{
		{Name: "exclude", Type: connect.TypeList, Aliases: []string{"blacklist"}, Doc: "Fields to drop."},
		{Name: "include", Type: connect.TypeList, Aliases: []string{"whitelist"}, Doc: "Fields to keep (all others are dropped)."},
		{Name: "renames", Type: connect.TypeList, Doc: "Renames as old:new pairs."},
	}
	registerBoth(r, "ReplaceField", "Drops, keeps or renames fields", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		exclude, include := set(listOpt(cfg["exclude"])), set(listOpt(cfg["include"]))
		renames, _, err := splitPairs(cfg["renames"])
		if err != nil {
			return nil, fmt.Errorf("renames: %w", err)
		}
		keep := func(f string) bool {
			return !exclude[f] && (len(include) == 0 || include[f])
		}
		rename := func(f string) string {
			if n, ok := renames[f]; ok {
				return n
			}
			return f
		}
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("ReplaceField: %w", err)
			}
			if m != nil {
				out := make(map[string]any, len(m))
				for k, x := range m {
					if keep(k) {
						out[rename(k)] = x
					}
				}
				return s.set(rec, sc, out), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			ns := cloneSchema(sc)
			out := newStruct(ns)
			for _, f := range sc.Fields {
				if keep(f.Name) {
					n := rename(f.Name)
					ns.Fields = append(ns.Fields, connect.Field{Name: n, Schema: f.Schema})
					out.Values[n] = st.Values[f.Name]
				}
			}
			return s.set(rec, ns, out), true, nil
		}), nil
	})
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func registerMaskField(r *connect.Registry) {
	spec := []connect.ConfigField{
		{Name: "fields", Type: connect.TypeList, Required: true, Doc: "Fields to mask."},
		{Name: "replacement", Type: connect.TypeString, Doc: "The replacement (read as the field's type); empty: the type's empty value (0, \"\", false)."},
	}
	registerBoth(r, "MaskField", "Replaces fields with an empty value or a replacement", spec, func(cfg map[string]string, s side) (connect.Transformation, error) {
		fields := listOpt(cfg["fields"])
		repl, hasRepl := cfg["replacement"], cfg["replacement"] != ""
		mask := func(x any) (any, error) {
			switch x.(type) {
			case nil:
				return nil, nil
			case string:
				if hasRepl {
					return repl, nil
				}
				return "", nil
			case bool:
				return false, nil
			case []any:
				return []any{}, nil
			case map[string]any:
				return map[string]any{}, nil
			case time.Time:
				return time.UnixMilli(0).UTC(), nil
			}
			if !hasRepl {
				return castTo(connect.Type(kindOf(x)), int64(0))
			}
			f, err := strconv.ParseFloat(repl, 64)
			if err != nil {
				return nil, fmt.Errorf("replacement %q is not a number for a %T field", repl, x)
			}
			return castTo(connect.Type(kindOf(x)), f)
		}
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("MaskField: %w", err)
			}
			var vals map[string]any
			if m != nil {
				vals = copyMap(m)
			} else {
				vals = copyMap(st.Values)
			}
			for _, f := range fields {
				if x, ok := vals[f]; ok {
					if vals[f], err = mask(x); err != nil {
						return rec, false, fmt.Errorf("MaskField %s: %w", f, err)
					}
				}
			}
			if m != nil {
				return s.set(rec, sc, vals), true, nil
			}
			return s.set(rec, sc, &connect.Struct{Schema: st.Schema, Values: vals}), true, nil
		}), nil
	})
}

func kindOf(x any) string {
	switch x.(type) {
	case int8:
		return "int8"
	case int16:
		return "int16"
	case int32:
		return "int32"
	case int64, int:
		return "int64"
	case float32:
		return "float32"
	}
	return "float64"
}

package transform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/connect"
)

func registerMore(r *connect.Registry) {
	registerBoth(r, "SetSchemaMetadata", "Sets the schema's name and version (the Avro record name a Schema Registry converter writes)", []connect.ConfigField{
		{Name: "schema.name", Type: connect.TypeString, Doc: "The schema name."},
		{Name: "schema.version", Type: connect.TypeInt, Doc: "The schema version."},
	}, func(cfg map[string]string, s side) (connect.Transformation, error) {
		name, ver := cfg["schema.name"], cfg["schema.version"]
		if name == "" && ver == "" {
			return nil, fmt.Errorf("set schema.name or schema.version")
		}
		v, _ := strconv.Atoi(ver)
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, val := s.get(rec)
			if sc == nil {
				return rec, false, fmt.Errorf("SetSchemaMetadata: the record's %s has no schema", s)
			}
			ns := *sc
			if name != "" {
				ns.Name = name
			}
			if ver != "" {
				ns.Version = v
			}
			if st, ok := val.(*connect.Struct); ok {
				val = &connect.Struct{Schema: &ns, Values: st.Values}
			}
			return s.set(rec, &ns, val), true, nil
		}), nil
	})
	registerBoth(r, "HoistField", "Wraps the key or value in a struct (or map) with one field", []connect.ConfigField{
		{Name: "field", Type: connect.TypeString, Required: true, Doc: "The field the old key or value becomes."},
	}, func(cfg map[string]string, s side) (connect.Transformation, error) {
		field := cfg["field"]
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if sc == nil {
				return s.set(rec, nil, map[string]any{field: v}), true, nil
			}
			ns := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{{Name: field, Schema: sc}}}
			return s.set(rec, ns, &connect.Struct{Schema: ns, Values: map[string]any{field: v}}), true, nil
		}), nil
	})
	registerBoth(r, "Flatten", "Flattens nested structs and maps into top-level fields named with the delimiter", []connect.ConfigField{
		{Name: "delimiter", Type: connect.TypeString, Default: ".", Doc: "Joins the names of nested fields."},
	}, func(cfg map[string]string, s side) (connect.Transformation, error) {
		delim := cfg["delimiter"]
		return fn(func(rec connect.Record) (connect.Record, bool, error) {
			sc, v := s.get(rec)
			if v == nil {
				return rec, true, nil
			}
			st, m, err := fieldsOf(v)
			if err != nil {
				return rec, false, fmt.Errorf("Flatten: %w", err)
			}
			if m != nil {
				out := map[string]any{}
				flattenMap(out, "", delim, m)
				return s.set(rec, sc, out), true, nil
			}
			if sc == nil {
				sc = st.Schema
			}
			ns := cloneSchema(sc)
			out := newStruct(ns)
			flattenStruct(ns, out, "", delim, sc, st, false)
			return s.set(rec, ns, out), true, nil
		}), nil
	})
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "TimestampRouter", Doc: "Renames the topic from topic.format, where ${topic} is the topic and ${timestamp} the record's timestamp in timestamp.format.",
		Spec: []connect.ConfigField{
			{Name: "topic.format", Type: connect.TypeString, Default: "${topic}-${timestamp}", Doc: "The new topic name."},
			{Name: "timestamp.format", Type: connect.TypeString, Default: "yyyyMMdd", Doc: "A SimpleDateFormat pattern for ${timestamp} (UTC)."},
		},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			format, layout := cfg["topic.format"], javaLayout(cfg["timestamp.format"])
			return fn(func(rec connect.Record) (connect.Record, bool, error) {
				if rec.Timestamp.IsZero() {
					return rec, false, fmt.Errorf("TimestampRouter: the record has no timestamp")
				}
				rec.Topic = strings.NewReplacer("${topic}", rec.Topic, "${timestamp}", rec.Timestamp.UTC().Format(layout)).Replace(format)
				return rec, true, nil
			}), nil
		},
	})
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "InsertHeader", Doc: "Adds a header with a fixed value.",
		Spec: []connect.ConfigField{
			{Name: "header", Type: connect.TypeString, Required: true, Doc: "Header name."},
			{Name: "value.literal", Type: connect.TypeString, Required: true, Doc: "Header value."},
		},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			h, v := cfg["header"], []byte(cfg["value.literal"])
			return fn(func(rec connect.Record) (connect.Record, bool, error) {
				rec.Headers = append(append([]connect.Header(nil), rec.Headers...), connect.Header{Key: h, Value: v})
				return rec, true, nil
			}), nil
		},
	})
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "DropHeaders", Doc: "Removes headers by name.",
		Spec: []connect.ConfigField{{Name: "headers", Type: connect.TypeList, Required: true, Doc: "Header names."}},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			drop := set(listOpt(cfg["headers"]))
			return fn(func(rec connect.Record) (connect.Record, bool, error) {
				var keep []connect.Header
				for _, h := range rec.Headers {
					if !drop[h.Key] {
						keep = append(keep, h)
					}
				}
				rec.Headers = keep
				return rec, true, nil
			}), nil
		},
	})
}

func flattenMap(out map[string]any, prefix, delim string, m map[string]any) {
	for k, v := range m {
		name := k
		if prefix != "" {
			name = prefix + delim + k
		}
		if sub, ok := v.(map[string]any); ok {
			flattenMap(out, name, delim, sub)
			continue
		}
		if st, ok := v.(*connect.Struct); ok {
			flattenMap(out, name, delim, st.Values)
			continue
		}
		out[name] = v
	}
}

func flattenStruct(ns *connect.Schema, out *connect.Struct, prefix, delim string, sc *connect.Schema, st *connect.Struct, optional bool) {
	for _, f := range sc.Fields {
		name := f.Name
		if prefix != "" {
			name = prefix + delim + f.Name
		}
		var v any
		if st != nil {
			v = st.Values[f.Name]
		}
		if f.Schema.Type == connect.StructT {
			sub, _ := v.(*connect.Struct)
			flattenStruct(ns, out, name, delim, f.Schema, sub, optional || f.Schema.Optional)
			continue
		}
		fs := *f.Schema
		fs.Optional = fs.Optional || optional
		ns.Fields = append(ns.Fields, connect.Field{Name: name, Schema: &fs})
		out.Values[name] = v
	}
}

package clickhouse

import (
	"fmt"

	"github.com/eddysql/eddy/connect"
)

// KeyToValueClass is ClickHouse's transform that copies a record's key
// into its value, since the sink writes values only.
const KeyToValueClass = "com.clickhouse.kafka.connect.transforms.KeyToValue"

func registerKeyToValue(r *connect.Registry) {
	r.RegisterTransform(&connect.TransformPlugin{
		Class: KeyToValueClass,
		Doc:   "ClickHouse's transform: copies the record key into the value as one more field (a struct value gets a field with the key's schema, a JSON object value one more member), so that the ClickHouse sink, which writes values only, can store it. A null value stays a tombstone; any other value that is not a struct or object is an error.",
		Spec: []connect.ConfigField{
			{Name: "field", Type: connect.TypeString, Default: "_key", Doc: "Name of the value field that receives the key."},
		},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			field := cfg["field"]
			if field == "" {
				field = "_key"
			}
			return keyToValue(field), nil
		},
	})
}

type keyToValue string

func (f keyToValue) Apply(rec connect.Record) (connect.Record, bool, error) {
	field := string(f)
	switch v := rec.Value.(type) {
	case nil:
		return rec, true, nil
	case map[string]any:
		out := make(map[string]any, len(v)+1)
		for k, x := range v {
			out[k] = x
		}
		out[field] = rec.Key
		rec.Value = out
		return rec, true, nil
	case *connect.Struct:
		s := v.Schema
		if s == nil {
			s = rec.ValueSchema
		}
		ks := rec.KeySchema
		if ks == nil {
			ks = &connect.Schema{Type: connect.String, Optional: true}
			if rec.Key != nil {
				if _, ok := rec.Key.(string); !ok {
					return rec, false, fmt.Errorf("KeyToValue: a schemaless %T key cannot go into a struct value; give the key a schema (a converter that reads one)", rec.Key)
				}
			}
		}
		ns := &connect.Schema{Type: connect.StructT, Name: s.Name, Version: s.Version, Doc: s.Doc, Optional: s.Optional,
			Fields: append(append([]connect.Field(nil), s.Fields...), connect.Field{Name: field, Schema: ks})}
		out := &connect.Struct{Schema: ns, Values: make(map[string]any, len(v.Values)+1)}
		for k, x := range v.Values {
			out.Values[k] = x
		}
		out.Values[field] = rec.Key
		rec.ValueSchema, rec.Value = ns, out
		return rec, true, nil
	}
	return rec, false, fmt.Errorf("KeyToValue: a %s value is not a struct or JSON object", describe(rec.ValueSchema, rec.Value))
}

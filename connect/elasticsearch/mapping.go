package elasticsearch

import (
	"math"

	"github.com/eddysql/eddy/connect"
)

// mapping builds an index mapping from a record value's schema, as the
// Confluent connector does with schema.ignore=false: integer widths to
// byte/short/integer/long, floats to float/double, strings to text with a
// keyword sub-field, bytes to binary, temporal logical types to date,
// structs to properties. Decimals go to scaled_float (scaling_factor
// 10^scale) where that holds every digit, else keyword; Confluent maps
// them to double, which loses digits.
func mapping(s *connect.Schema, compactMaps bool) map[string]any {
	if s == nil || s.Type != connect.StructT {
		return nil
	}
	return map[string]any{"properties": properties(s, compactMaps)}
}

func properties(s *connect.Schema, compactMaps bool) map[string]any {
	props := make(map[string]any, len(s.Fields))
	for _, f := range s.Fields {
		if m := fieldMapping(f.Schema, compactMaps); m != nil {
			props[f.Name] = m
		}
	}
	return props
}

func fieldMapping(s *connect.Schema, compactMaps bool) map[string]any {
	if s == nil {
		return nil
	}
	switch s.Name {
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		return map[string]any{"type": "date"}
	case connect.LogicalDecimal:
		if decimalAsKeyword(s) {
			return map[string]any{"type": "keyword"}
		}
		return map[string]any{"type": "scaled_float", "scaling_factor": math.Pow10(decimalScale(s))}
	}
	switch s.Type {
	case connect.Int8:
		return map[string]any{"type": "byte"}
	case connect.Int16:
		return map[string]any{"type": "short"}
	case connect.Int32:
		return map[string]any{"type": "integer"}
	case connect.Int64:
		return map[string]any{"type": "long"}
	case connect.Float32:
		return map[string]any{"type": "float"}
	case connect.Float64:
		return map[string]any{"type": "double"}
	case connect.Boolean:
		return map[string]any{"type": "boolean"}
	case connect.String:
		return map[string]any{"type": "text", "fields": map[string]any{
			"keyword": map[string]any{"type": "keyword", "ignore_above": 256}}}
	case connect.Bytes:
		return map[string]any{"type": "binary"}
	case connect.Array:
		// Elasticsearch has no array type: a field holds one or many values.
		return fieldMapping(s.ValueSchema, compactMaps)
	case connect.Map:
		if compactMaps {
			return map[string]any{"type": "object"}
		}
		props := map[string]any{}
		if m := fieldMapping(s.KeySchema, compactMaps); m != nil {
			props["key"] = m
		}
		if m := fieldMapping(s.ValueSchema, compactMaps); m != nil {
			props["value"] = m
		}
		return map[string]any{"properties": props}
	case connect.StructT:
		return map[string]any{"properties": properties(s, compactMaps)}
	}
	return nil
}

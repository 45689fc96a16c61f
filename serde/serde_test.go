package serde

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

func col(name string, t *types.Type) types.Column { return types.Column{Name: name, Type: t} }

func keyCol(name string, t *types.Type) types.Column {
	return types.Column{Name: name, Type: t, Namespace: types.KeyColumn}
}

func fmtOf(name string, kv ...string) Format {
	f := Format{Name: name, Props: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Props[kv[i]] = kv[i+1]
	}
	return f
}

func mustNew(t *testing.T, f Format, cols []types.Column, isKey bool) Serde {
	t.Helper()
	s, err := New(f, cols, isKey)
	if err != nil {
		t.Fatalf("New(%s): %v", f.Name, err)
	}
	return s
}

// Messages from the QTT corpus (kafka.json, elements.json, key-schemas.json,
// formats.json, serdes.json, group-by.json): ours must contain them.
func TestCheckErrors(t *testing.T) {
	mapT := types.MapOf(types.IntType, types.DoubleType)
	structT := types.StructOf(types.Field{Name: "F1", Type: types.DoubleType})
	cases := []struct {
		name  string
		f     Format
		cols  []types.Column
		isKey bool
		want  string
	}{
		{"unknown", fmtOf("FOO"), nil, false, "Unknown format: FOO"},
		{"avro map key", fmtOf("AVRO"), []types.Column{col("A", mapT)}, false, "Avro only supports MAPs with STRING keys"},
		{"protobuf map key", fmtOf("PROTOBUF_NOSR"), []types.Column{col("A", mapT)}, false, "PROTOBUF format only supports MAP types with STRING keys"},
		{"kafka wrap true", fmtOf("KAFKA", "WRAP_SINGLE_VALUE", "true"), []types.Column{col("FOO", types.IntType)}, false,
			"Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{"delimited wrap true", fmtOf("DELIMITED", "WRAP_SINGLE_VALUE", "true"), []types.Column{col("FOO", types.IntType)}, false,
			"Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{"kafka array", fmtOf("KAFKA"), []types.Column{col("FOO", types.ArrayOf(types.IntType))}, false,
			"The 'KAFKA' format does not support type 'ARRAY'"},
		{"kafka map value", fmtOf("KAFKA"), []types.Column{col("FOO", mapT)}, false,
			"The 'KAFKA' format does not support type 'MAP'"},
		{"kafka struct", fmtOf("KAFKA"), []types.Column{col("FOO", structT)}, false,
			"The 'KAFKA' format does not support type 'STRUCT'"},
		{"kafka boolean", fmtOf("KAFKA"), []types.Column{col("V0", types.BooleanType)}, false,
			"The 'KAFKA' format does not support type 'BOOLEAN'"},
		{"kafka multi value", fmtOf("KAFKA"), []types.Column{col("V0", types.IntType), col("V1", types.StringType)}, false,
			"The 'KAFKA' format only supports a single field. Got: [`V0` INTEGER, `V1` STRING]"},
		{"kafka multi key", fmtOf("KAFKA"), []types.Column{keyCol("ID", types.IntType), keyCol("AGE", types.IntType)}, true,
			"Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`ID` INTEGER KEY, `AGE` INTEGER KEY], features=[]}\nreason: The 'KAFKA' format only supports a single field. Got: [`ID` INTEGER KEY, `AGE` INTEGER KEY]"},
		{"kafka boolean key", fmtOf("KAFKA"), []types.Column{keyCol("K", types.BooleanType)}, true,
			"Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` BOOLEAN KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'BOOLEAN'"},
		{"kafka decimal key", fmtOf("KAFKA"), []types.Column{keyCol("K", types.DecimalOf(21, 19))}, true,
			"Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` DECIMAL(21, 19) KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'DECIMAL'"},
		{"map key", fmtOf("KAFKA"), []types.Column{keyCol("K", mapT)}, true,
			"Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `K`. Column type: MAP<INTEGER, DOUBLE>. See https://github.com/confluentinc/ksql/issues/6621 for more."},
		{"nested map key", fmtOf("JSON"), []types.Column{keyCol("K", types.ArrayOf(mapT))}, true,
			"Key column name: `K`. Column type: ARRAY<MAP<INTEGER, DOUBLE>>."},
		{"delimited array", fmtOf("DELIMITED"), []types.Column{col("V0", types.ArrayOf(types.IntType))}, false,
			"format does not support type 'ARRAY'"},
		{"delimited map", fmtOf("DELIMITED"), []types.Column{col("V0", types.MapOf(types.StringType, types.IntType))}, false,
			"format does not support type 'MAP'"},
		{"delimited struct key", fmtOf("DELIMITED"), []types.Column{keyCol("ROWKEY", structT)}, true,
			"The 'DELIMITED' format does not support type 'STRUCT', column: `ROWKEY`"},
		{"none with columns", fmtOf("NONE"), []types.Column{keyCol("K", types.IntType)}, true,
			"The 'NONE' format can only be used when no columns are defined. Got: [`K` INTEGER KEY]"},
		{"none with value columns", fmtOf("NONE"), []types.Column{col("A", types.IntType), col("B", types.StringType)}, false,
			"The 'NONE' format can only be used when no columns are defined. Got: [`A` INTEGER, `B` STRING]"},
		{"wrap multi true", fmtOf("JSON", "WRAP_SINGLE_VALUE", "true"), []types.Column{col("F0", types.StringType), col("F1", types.StringType)}, false,
			"'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
		{"wrap multi false", fmtOf("JSON", "WRAP_SINGLE_VALUE", "false"), []types.Column{col("F0", types.StringType), col("F1", types.StringType)}, false,
			"'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
		{"bad delimiter", fmtOf("DELIMITED", "DELIMITER", "ab"), []types.Column{col("A", types.IntType)}, false, "Invalid delimiter"},
		{"empty delimiter", fmtOf("DELIMITED", "DELIMITER", ""), []types.Column{col("A", types.IntType)}, false, "Delimiter cannot be empty"},
		{"unresolved", fmtOf("JSON"), []types.Column{col("A", &types.Type{Kind: types.Named, Name: "ADDRESS"})}, false, "unresolved type ADDRESS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.f, c.cols, c.isKey)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q\ndoes not contain %q", err, c.want)
			}
			if _, err2 := New(c.f, c.cols, c.isKey); err2 == nil {
				t.Fatalf("New accepted what Check rejects")
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	cases := []struct {
		name  string
		f     Format
		cols  []types.Column
		isKey bool
	}{
		{"kafka unwrapped explicit", fmtOf("KAFKA", "WRAP_SINGLE_VALUE", "false"), []types.Column{col("FOO", types.IntType)}, false},
		{"kafka keyless", fmtOf("KAFKA"), nil, true},
		{"kafka bytes", fmtOf("KAFKA"), []types.Column{col("B", types.BytesType)}, false},
		{"none empty", fmtOf("NONE"), nil, true},
		{"json multi key", fmtOf("JSON"), []types.Column{keyCol("A", types.IntType), keyCol("B", types.StringType)}, true},
		{"json struct key", fmtOf("JSON"), []types.Column{keyCol("K", types.StructOf(types.Field{Name: "A", Type: types.IntType}))}, true},
		{"config default ignored for multi", fmtOf("JSON", "ksql.persistence.wrap.single.values", "false"),
			[]types.Column{col("F0", types.StringType), col("F1", types.StringType)}, false},
		{"lower-case names", Format{Name: "json", Props: map[string]string{"wrap_single_value": "false"}}, []types.Column{col("A", types.IntType)}, false},
		{"delimited tab", fmtOf("DELIMITED", "DELIMITER", "TAB"), []types.Column{col("A", types.IntType), col("B", types.DecimalOf(4, 2))}, false},
		{"delimited all primitives", fmtOf("DELIMITED"), []types.Column{
			col("A", types.BooleanType), col("B", types.DateType), col("C", types.TimeType), col("D", types.TimestampType), col("E", types.BytesType)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Check(c.f, c.cols, c.isKey); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSchemaErrorIsTyped(t *testing.T) {
	err := Check(fmtOf("KAFKA"), []types.Column{col("V", types.BooleanType)}, false)
	var se *SchemaError
	if !errors.As(err, &se) || se.Key || se.Reason != "The 'KAFKA' format does not support type 'BOOLEAN'" {
		t.Fatalf("got %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "Value format does not support schema.") {
		t.Fatalf("got %q", err)
	}
}

func TestNone(t *testing.T) {
	s := mustNew(t, fmtOf("NONE"), nil, true)
	if err := s.Decode([]byte("ignored"), nil); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Encode(nil); b != nil || err != nil {
		t.Fatalf("got %q, %v", b, err)
	}
}

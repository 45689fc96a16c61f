// Package convert holds Kafka Connect's converters: StringConverter,
// ByteArrayConverter, JsonConverter (with and without its schema
// envelope) and the Schema Registry converters for Avro, Protobuf and
// JSON Schema, which use the same serde code as queries. Register adds
// them to a connect.Registry.
package convert

import (
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/serde"
)

// Class names.
const (
	StringClass     = "org.apache.kafka.connect.storage.StringConverter"
	ByteArrayClass  = "org.apache.kafka.connect.converters.ByteArrayConverter"
	JSONClass       = "org.apache.kafka.connect.json.JsonConverter"
	AvroClass       = "io.confluent.connect.avro.AvroConverter"
	ProtobufClass   = "io.confluent.connect.protobuf.ProtobufConverter"
	JSONSchemaClass = "io.confluent.connect.json.JsonSchemaConverter"
)

// Register adds every converter to r.
func Register(r *connect.Registry) {
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: StringClass, Aliases: []string{"string"},
		Doc:  "Keys or values as UTF-8 text; numbers and booleans are written in their text form.",
		Spec: []connect.ConfigField{{Name: "encoding", Type: connect.TypeString, Default: "UTF8", Enum: []string{"UTF8", "UTF-8"}, Doc: "Character encoding (UTF-8 only)."}},
		New: func(map[string]string, bool, connect.ConverterEnv) (connect.Converter, error) {
			return stringConverter{}, nil
		},
	})
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: ByteArrayClass, Aliases: []string{"bytearray"},
		Doc: "Keys or values passed through as raw bytes.",
		New: func(map[string]string, bool, connect.ConverterEnv) (connect.Converter, error) {
			return byteArrayConverter{}, nil
		},
	})
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: JSONClass, Aliases: []string{"json"},
		Doc: "JSON; with schemas.enable=true each message is Kafka Connect's {\"schema\":…,\"payload\":…} envelope.",
		Spec: []connect.ConfigField{
			{Name: "schemas.enable", Type: connect.TypeBoolean, Default: "true", Doc: "Write and expect the schema envelope."},
			{Name: "decimal.format", Type: connect.TypeString, Default: "BASE64", Enum: []string{"BASE64", "NUMERIC"}, Doc: "How DECIMAL values are written: base64 of the unscaled bytes, or a JSON number."},
			{Name: "schemas.cache.size", Type: connect.TypeInt, Default: "1000", Doc: "Accepted for compatibility."},
			{Name: "replace.null.with.default", Type: connect.TypeBoolean, Default: "true", Doc: "Write a field's schema default in place of null."},
		},
		New: newJSONConverter,
	})
	srSpec := []connect.ConfigField{
		{Name: "schema.registry.url", Type: connect.TypeString, Doc: "The Schema Registry; empty or eddy's own registry URL uses the service's registry in-process."},
		{Name: "basic.auth.credentials.source", Type: connect.TypeString, Doc: "USER_INFO to send basic.auth.user.info."},
		{Name: "basic.auth.user.info", Type: connect.TypePassword, Doc: "user:password for the Schema Registry."},
		{Name: "auto.register.schemas", Type: connect.TypeBoolean, Default: "true", Doc: "Register the writer's schema under <topic>-key / <topic>-value."},
	}
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: AvroClass, Aliases: []string{"avro"}, Spec: srSpec,
		Doc: "Avro in the Schema Registry wire format (magic byte, schema id, body).",
		New: srFactory("AVRO"),
	})
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: ProtobufClass, Aliases: []string{"protobuf"}, Spec: srSpec,
		Doc: "Protobuf in the Schema Registry wire format.",
		New: srFactory("PROTOBUF"),
	})
	r.RegisterConverter(&connect.ConverterPlugin{
		Class: JSONSchemaClass, Aliases: []string{"json_sr", "jsonschema"}, Spec: srSpec,
		Doc: "JSON with a JSON Schema in the Schema Registry wire format.",
		New: srFactory("JSON_SR"),
	})
	registerNumbers(r)
}

// NewAvro returns an AvroConverter over reg, for programs and tests that
// read or write what connectors do.
func NewAvro(reg serde.Registry, isKey bool) connect.Converter {
	c, _ := srFactory(serde.Avro)(nil, isKey, connect.ConverterEnv{Registry: reg})
	return c
}

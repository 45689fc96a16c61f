package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Object is a JSON object whose fields keep their order. ksqlDB writes a
// STRUCT's fields in its schema's order (Connect's JsonConverter builds
// the object field by field), and users read them in that order, so a
// Go map, which encoding/json writes sorted, would not do.
type Object struct {
	Keys   []string
	Values []any
}

// Get returns the value of the field named key.
func (o Object) Get(key string) (any, bool) {
	for i, k := range o.Keys {
		if k == key {
			return o.Values[i], true
		}
	}
	return nil, false
}

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.Keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		v, err := json.Marshal(o.Values[i])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// DecodeOrdered decodes JSON text as encoding/json does with UseNumber,
// except that objects become Objects with their fields in the text's
// order.
func DecodeOrdered(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("decode %.40q: text after the value", text)
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var o Object
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o.Keys = append(o.Keys, key.(string))
			o.Values = append(o.Values, v)
		}
		_, err = dec.Token() // '}'
		return o, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = dec.Token() // ']'
		return arr, err
	}
	return tok, nil
}

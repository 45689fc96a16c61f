package convert

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/eddysql/eddy/connect"
)

var (
	optionalString = &connect.Schema{Type: connect.String, Optional: true}
	optionalBytes  = &connect.Schema{Type: connect.Bytes, Optional: true}
)

type stringConverter struct{}

func (stringConverter) FromConnect(_ string, _ *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return []byte(Text(v)), nil
}

func (stringConverter) ToConnect(_ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return optionalString, nil, nil
	}
	return optionalString, string(data), nil
}

// Text renders a Connect value as StringConverter writes it.
func Text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case int8:
		return strconv.Itoa(int(v))
	case int16:
		return strconv.Itoa(int(v))
	case int32:
		return strconv.Itoa(int(v))
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case *big.Rat:
		return v.FloatString(10)
	case *connect.Struct:
		b, err := encodeSchemaless(v)
		if err != nil {
			return fmt.Sprint(v.Values)
		}
		return string(b)
	}
	b, err := encodeSchemaless(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

type byteArrayConverter struct{}

func (byteArrayConverter) FromConnect(_ string, _ *connect.Schema, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("ByteArrayConverter is not compatible with objects of type %T", v)
}

func (byteArrayConverter) ToConnect(_ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return optionalBytes, nil, nil
	}
	return optionalBytes, data, nil
}

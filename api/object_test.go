package api

import (
	"encoding/json"
	"testing"
)

func TestDecodeOrderedKeepsFieldOrder(t *testing.T) {
	const text = `{"z":1,"a":[{"y":2.50,"b":null},"s",true],"m":{}}`
	v, err := DecodeOrdered([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	o, ok := v.(Object)
	if !ok || len(o.Keys) != 3 || o.Keys[0] != "z" || o.Keys[1] != "a" || o.Keys[2] != "m" {
		t.Fatalf("decoded %#v", v)
	}
	if n, _ := o.Get("z"); n != json.Number("1") {
		t.Errorf("z = %#v, want the number 1 as text", n)
	}
	if _, ok := o.Get("nope"); ok {
		t.Error("Get found a field that is not there")
	}
	b, err := json.Marshal(o)
	if err != nil || string(b) != `{"z":1,"a":[{"y":2.50,"b":null},"s",true],"m":{}}` {
		t.Errorf("round trip: %s, %v", b, err)
	}
	for _, bad := range []string{`{"a":1`, `{"a":1} 2`, `[1,}`, ``} {
		if _, err := DecodeOrdered([]byte(bad)); err == nil {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}

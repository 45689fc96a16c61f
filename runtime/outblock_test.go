package runtime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// Records encoded into shared blocks keep their own bytes: each equals
// what Encode returns, an append to one (a windowed key) does not write
// into the next, a null unwrapped value stays nil, and records larger
// than a block's free space still come out whole.
func TestOutBlockEncode(t *testing.T) {
	cols := []types.Column{{Name: "ID", Type: types.BigintType}, {Name: "NAME", Type: types.StringType}}
	js, err := serde.New(serde.Format{Name: serde.JSON}, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := serde.New(serde.Format{Name: "KAFKA"}, cols[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	var b outBlock
	type enc struct{ key, val, want []byte }
	var outs []enc
	for i := range 3000 {
		row := []any{int64(i), fmt.Sprintf("name-%d-%s", i, strings.Repeat("x", i%7*1000))}
		k, err := b.encode(ks, row[:1])
		if err != nil {
			t.Fatal(err)
		}
		v, err := b.encode(js, row)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := js.Encode(row)
		k = append(k, "@window"...) // as AppendWindow does
		outs = append(outs, enc{k, v, want})
	}
	for i, o := range outs {
		wantKey, _ := ks.Encode([]any{int64(i)})
		if !bytes.Equal(o.val, o.want) || !bytes.Equal(o.key, append(wantKey, "@window"...)) {
			t.Fatalf("record %d: key %q value %q, want %q", i, o.key, o.val, o.want)
		}
	}
	unwrapped, err := serde.New(serde.Format{Name: serde.JSON, Props: map[string]string{"WRAP_SINGLE_VALUE": "false"}}, cols[1:], false)
	if err != nil {
		t.Skip("no unwrapped JSON serde:", err)
	}
	if v, err := b.encode(unwrapped, []any{nil}); err != nil || v != nil {
		t.Errorf("null unwrapped value = %q, %v; want nil bytes", v, err)
	}
	if _, err := b.encode(js, []any{"not a number", "x"}); err == nil {
		t.Error("a value of the wrong type encoded without an error")
	}
}

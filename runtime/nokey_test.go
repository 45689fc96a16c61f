package runtime

import (
	"testing"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// A record without key bytes is written without a key, even by a key
// format that would write a present record for null key columns; a record
// whose key columns are null but present keeps a key.
func TestSinkKeepsANullKeyNull(t *testing.T) {
	cols := []types.Column{{Name: "K1", Type: types.IntType}, {Name: "K2", Type: types.StringType}}
	ks, err := serde.New(serde.Format{Name: serde.JSON}, cols, true)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := serde.New(serde.Format{Name: serde.JSON}, []types.Column{{Name: "V", Type: types.IntType}}, false)
	if err != nil {
		t.Fatal(err)
	}
	sink := &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 2}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	for _, tc := range []struct {
		noKey bool
		row   []any
		want  string // "" for no key
	}{
		{true, []any{nil, nil, int32(1)}, ""},
		{false, []any{nil, nil, int32(1)}, `{"K1":null,"K2":null}`},
		{true, []any{int32(1), nil, int32(1)}, `{"K1":1,"K2":null}`},
	} {
		tk.pending = tk.pending[:0]
		sink.Process(tk, &Rec{Row: tc.row, NoKey: tc.noKey})
		got := tk.pending[0].Key
		if (tc.want == "") != (got == nil) || string(got) != tc.want {
			t.Errorf("NoKey=%v %v: key %q, want %q", tc.noKey, tc.row, got, tc.want)
		}
	}
}

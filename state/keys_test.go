package state

import (
	"bytes"
	"cmp"
	"math"
	"math/rand"
	"testing"
)

// The byte order of (bytes, int64) encodings equals the tuples' order,
// for random tuples biased towards zero bytes and shared prefixes.
func TestCompositeKeyOrder(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := []byte{0x00, 0x01, 0xFE, 0xFF, 'a'}
	randBytes := func() []byte {
		b := make([]byte, r.Intn(5))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		return b
	}
	ints := []int64{math.MinInt64, -1, 0, 1, math.MaxInt64}
	randInt := func() int64 {
		if r.Intn(2) == 0 {
			return ints[r.Intn(len(ints))]
		}
		return r.Int63() - r.Int63()
	}
	type tuple struct {
		k []byte
		v int64
	}
	enc := func(x tuple) []byte { return AppendInt64(AppendBytes(nil, x.k), x.v) }
	for i := 0; i < 100_000; i++ {
		a, b := tuple{randBytes(), randInt()}, tuple{randBytes(), randInt()}
		want := bytes.Compare(a.k, b.k)
		if want == 0 {
			want = cmp.Compare(a.v, b.v)
		}
		if got := bytes.Compare(enc(a), enc(b)); got != want {
			t.Fatalf("(%x, %d) vs (%x, %d): encodings compare %d, tuples %d", a.k, a.v, b.k, b.v, got, want)
		}
		// And they decode back.
		k, rest, err := ReadBytes(enc(a))
		if err != nil || !bytes.Equal(k, a.k) || len(rest) != 8 || ReadInt64(rest) != a.v {
			t.Fatalf("decode (%x, %d) = %x, %x, %v", a.k, a.v, k, rest, err)
		}
	}
}

func TestReadBytesRejectsMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, {'a'}, {'a', 0x00}, {0x00, 0x02}, {'a', 0x00, 0xFF}} {
		if k, _, err := ReadBytes(b); err == nil {
			t.Errorf("ReadBytes(%x) = %x, want an error", b, k)
		}
	}
	// The key is a copy: it does not alias the input.
	in := AppendBytes(nil, []byte("abc"))
	k, _, _ := ReadBytes(in)
	k[0] = 'X'
	if in[0] != 'a' {
		t.Error("ReadBytes aliases its input")
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct{ in, want []byte }{
		{[]byte("ab"), []byte("ac")},
		{[]byte{'a', 0xFF, 0xFF}, []byte("b")},
		{[]byte{0xFF}, nil},
		{nil, nil},
	} {
		if got := PrefixEnd(c.in); !bytes.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", c.in, got, c.want)
		}
	}
	// Every key with the prefix sorts below the end, and the end itself
	// does not have the prefix.
	p := []byte{0x00, 0x07, 0xFF}
	end := PrefixEnd(p)
	for _, k := range [][]byte{p, append(p, 0xFF, 0xFF), append(p, 0)} {
		if bytes.Compare(k, end) >= 0 {
			t.Errorf("%x is not below PrefixEnd %x", k, end)
		}
	}
	if bytes.HasPrefix(end, p) {
		t.Errorf("PrefixEnd %x has the prefix", end)
	}
}

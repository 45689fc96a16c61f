package serde

import (
	"math/rand/v2"
	"testing"
)

// TestPlainChunksStopsAtTheFirstSpecialByte checks the vector scan
// against a byte-by-byte one over every length and position up to a few
// chunks, with each kind of byte that must stop it.
func TestPlainChunksStopsAtTheFirstSpecialByte(t *testing.T) {
	special := func(c byte, ascii bool) bool {
		return c == '"' || c == '\\' || c < 0x20 || (ascii && c >= 0x80)
	}
	stops := []byte{'"', '\\', 0x00, 0x1f, 0x80, 0xc3, 0xff}
	plain := []byte{' ', '!', '#', '[', ']', 'a', '~', 0x7f}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 80)
	for n := 0; n <= 70; n++ {
		for at := -1; at < n; at++ {
			for _, stop := range stops {
				for _, ascii := range []bool{true, false} {
					b := buf[:n]
					for i := range b {
						b[i] = plain[rng.IntN(len(plain))]
					}
					if at >= 0 {
						b[at] = stop
					}
					want := n
					for i, c := range b {
						if special(c, ascii) {
							want = i
							break
						}
					}
					got := plainChunks(b, ascii)
					if got > n {
						t.Fatalf("n=%d at=%d stop=%#x ascii=%v: %d past the end", n, at, stop, ascii, got)
					}
					for _, c := range b[:got] {
						if special(c, ascii) {
							t.Fatalf("n=%d at=%d stop=%#x ascii=%v: skipped %#x before %d", n, at, stop, ascii, c, got)
						}
					}
					if !vectorScan {
						continue
					}
					// Whole chunks only: a stop in the partial tail is
					// left to the caller's word loop.
					if full := n / 16 * 16; want > full {
						want = full
					}
					if got != want {
						t.Fatalf("n=%d at=%d stop=%#x ascii=%v: got %d, want %d", n, at, stop, ascii, got, want)
					}
				}
			}
		}
	}
}

package runtime

import (
	"github.com/eddysql/eddy/internal/blocks"
	"github.com/eddysql/eddy/serde"
)

// outBlock packs the encoded keys and values of a task's output records
// into shared blocks: one allocation per block instead of two per record.
// Each record's bytes are a capped slice of a block (an append to them
// copies). A full block is not written again until the task recycles
// it, once every record encoded into it has been produced (see
// Task.recycle); until then it lives as long as a record uses it.
type outBlock struct {
	buf  []byte
	pool blocks.Pool[byte]
}

const (
	outBlockSize = 64 << 10
	// outBlockRoom is the free space below which the next encoding starts
	// a new block, so that a record rarely outgrows the block it is
	// written into (which would copy the block).
	outBlockRoom = 4 << 10
	// outBlockKeep bounds the blocks a recycling task keeps (2 MiB).
	outBlockKeep = 32
)

// encode returns what s.Encode(vals) returns, written into the block when
// s can append.
func (b *outBlock) encode(s serde.Serde, vals []any) ([]byte, error) {
	a, ok := s.(serde.Appender)
	if !ok {
		return s.Encode(vals)
	}
	b.room()
	start := len(b.buf)
	out, isNil, err := a.AppendEncode(b.buf, vals)
	if err != nil || isNil {
		return nil, err
	}
	b.buf = out
	return out[start:len(out):len(out)], nil
}

// room starts a new block when the current one is nearly full.
func (b *outBlock) room() {
	if cap(b.buf)-len(b.buf) < outBlockRoom {
		b.buf = b.pool.Next(b.buf, outBlockSize, outBlockKeep)
	}
}

// open returns the block to append one record's bytes to, and where
// they start; close takes the appended block back and returns the
// record's bytes, capped.
func (b *outBlock) open() ([]byte, int) {
	b.room()
	return b.buf, len(b.buf)
}

func (b *outBlock) close(out []byte, start int) []byte {
	b.buf = out
	return out[start:len(out):len(out)]
}

// recycle is told that no byte encoded so far is in use any more.
func (b *outBlock) recycle() { b.buf = b.pool.Recycle(b.buf, outBlockKeep) }

// forget lets the bytes encoded so far live as long as they are used.
func (b *outBlock) forget() {
	b.pool.Forget()
	b.buf = nil
}

package runtime

import "github.com/eddysql/eddy/serde"

// outBlock packs the encoded keys and values of a task's output records
// into shared blocks: one allocation per block instead of two per record.
// Each record's bytes are a capped slice of a block (an append to them
// copies), and a full block is dropped, not reused, so bytes handed out
// are never written again; a block lives as long as a record uses it.
type outBlock struct{ buf []byte }

const (
	outBlockSize = 64 << 10
	// outBlockRoom is the free space below which the next encoding starts
	// a new block, so that a record rarely outgrows the block it is
	// written into (which would copy the block).
	outBlockRoom = 4 << 10
)

// encode returns what s.Encode(vals) returns, written into the block when
// s can append.
func (b *outBlock) encode(s serde.Serde, vals []any) ([]byte, error) {
	a, ok := s.(serde.Appender)
	if !ok {
		return s.Encode(vals)
	}
	if cap(b.buf)-len(b.buf) < outBlockRoom {
		b.buf = make([]byte, 0, outBlockSize)
	}
	start := len(b.buf)
	out, isNil, err := a.AppendEncode(b.buf, vals)
	if err != nil || isNil {
		return nil, err
	}
	b.buf = out
	return out[start:len(out):len(out)], nil
}

// open returns the block to append one record's bytes to, and where
// they start; close takes the appended block back and returns the
// record's bytes, capped.
func (b *outBlock) open() ([]byte, int) {
	if cap(b.buf)-len(b.buf) < outBlockRoom {
		b.buf = make([]byte, 0, outBlockSize)
	}
	return b.buf, len(b.buf)
}

func (b *outBlock) close(out []byte, start int) []byte {
	b.buf = out
	return out[start:len(out):len(out)]
}

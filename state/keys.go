package state

import (
	"encoding/binary"
	"errors"
)

// Order-preserving key encodings: the byte order of an encoding equals
// the order of what it encodes, so a store's ordered scans become range
// and time scans. A composite key is the concatenation of its parts'
// encodings.

// AppendInt64 appends v as 8 big-endian bytes with the sign bit flipped,
// so that negative numbers sort before positive ones.
func AppendInt64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

// ReadInt64 decodes the first 8 bytes of b written by AppendInt64; b must
// hold at least 8 bytes.
func ReadInt64(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// Escape bytes of AppendBytes: a 0x00 in the key becomes 0x00 0xFF and
// the key ends with 0x00 0x01. The terminator sorts below every escaped
// or plain byte that could follow, so a key sorts before any longer key
// it is a prefix of, whatever comes after each — (key, time) pairs order
// by key, then by time.
const (
	escByte = 0x00
	escZero = 0xFF
	escTerm = 0x01
)

// ErrBadKey reports bytes that ReadBytes cannot decode.
var ErrBadKey = errors.New("state: malformed escaped key")

// AppendBytes appends key escaped and terminated.
func AppendBytes(b, key []byte) []byte {
	for _, c := range key {
		if c == escByte {
			b = append(b, escByte, escZero)
		} else {
			b = append(b, c)
		}
	}
	return append(b, escByte, escTerm)
}

// ReadBytes decodes a key written by AppendBytes at the start of b and
// returns a copy of it with the bytes after it.
func ReadBytes(b []byte) (key, rest []byte, err error) {
	key = []byte{}
	from := 0 // start of the plain bytes not yet copied to key
	for i := 0; i < len(b); i++ {
		if b[i] != escByte {
			continue
		}
		if i+1 == len(b) {
			return nil, nil, ErrBadKey
		}
		key = append(key, b[from:i]...)
		switch b[i+1] {
		case escTerm:
			return key, b[i+2:], nil
		case escZero:
			key = append(key, 0)
			i++
			from = i + 1
		default:
			return nil, nil, ErrBadKey
		}
	}
	return nil, nil, ErrBadKey
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix, for the exclusive upper bound of a prefix scan; nil (no
// bound) when there is none, as for an empty prefix or one of all 0xFF.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := append([]byte{}, prefix[:i+1]...)
			end[i]++
			return end
		}
	}
	return nil
}

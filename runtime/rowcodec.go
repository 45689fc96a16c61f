package runtime

import "github.com/eddysql/eddy/types/codec"

// The row codec serialises positional rows for eddy's own internal topics
// (repartition topics); nobody outside eddy reads these bytes. The
// encoding lives in package types/codec, shared with the state stores.

// AppendRow appends the encoding of vals to b.
func AppendRow(b []byte, vals []any) ([]byte, error) { return codec.AppendRow(b, vals) }

// DecodeRow decodes a row written by AppendRow into dst (reallocated when
// too short) and returns the values and the unread rest of b.
func DecodeRow(b []byte, dst []any) ([]any, []byte, error) { return codec.DecodeRow(b, dst) }

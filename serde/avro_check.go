package serde

import (
	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
)

// compileCheck builds a reader for a column the query does not read: it
// steps over a value of writer schema s as compileDec(s, t)'s reader
// does, failing exactly where that fails with the same error, but keeps
// nothing (Avro is not self-delimiting, so the value must be walked
// anyway). Shapes whose conversion can fail after the read (a DECIMAL
// that does not fit, text parsed as a number) run the decoder itself, so
// the two cannot drift; the check only spares the allocations.
func compileCheck(s avro.Schema, t *types.Type) (skipFn, error) {
	dec, err := compileDec(s, t)
	if err != nil {
		return nil, err
	}
	if check := fastCheck(derefAvro(s), t, dec); check != nil {
		return check, nil
	}
	return decodeOnly(dec), nil
}

// decodeOnly checks a value by decoding it and dropping the result.
func decodeOnly(dec decFn) skipFn {
	return func(r *avroReader) error {
		_, err := dec(r, nil)
		return err
	}
}

// fastCheck is compileCheck's reader for the shapes it can check without
// decoding, or nil. dec is compileDec(s, t)'s reader. It follows
// compileDec case by case.
func fastCheck(s avro.Schema, t *types.Type, dec decFn) skipFn {
	if u, ok := s.(*avro.UnionSchema); ok {
		if fieldOf, _ := unionFields(u, t); fieldOf != nil {
			return unionStructCheck(u, t, fieldOf)
		}
		return unionCheck(u, t)
	}
	if _, scale, ok := avroDecimal(s); ok {
		return decimalCheck(s, scale, t, dec)
	}
	switch s.Type() {
	case avro.Null:
		return skipNothing
	case avro.Boolean:
		return skipBoolean // to BOOLEAN or STRING
	case avro.Int, avro.Long:
		return integerCheck(s, t)
	case avro.Float:
		if t.Kind == types.Double || t.Kind == types.String {
			return skipFloat
		}
	case avro.Double:
		if t.Kind == types.Double || t.Kind == types.String {
			return skipDouble
		}
	case avro.String:
		if t.Kind == types.String {
			return skipBytes
		}
	case avro.Enum:
		if t.Kind == types.String {
			n := len(s.(*avro.EnumSchema).Symbols())
			return func(r *avroReader) error { _, err := r.enumIndex(n); return err }
		}
	case avro.Bytes:
		return skipBytes // to BYTES
	case avro.Fixed:
		return skipFixed(s.(*avro.FixedSchema).Size()) // to BYTES
	case avro.Array:
		return arrayCheck(s.(*avro.ArraySchema), t)
	case avro.Map:
		return mapCheck(s.(*avro.MapSchema), t)
	case avro.Record, avro.Error:
		return recordCheck(s.(*avro.RecordSchema), t)
	}
	return nil
}

var (
	skipNothing skipFn = func(*avroReader) error { return nil }
	skipBoolean skipFn = func(r *avroReader) error { _, err := r.take(1); return err }
	skipFloat   skipFn = func(r *avroReader) error { _, err := r.take(4); return err }
	skipDouble  skipFn = func(r *avroReader) error { _, err := r.take(8); return err }
	skipBytes   skipFn = func(r *avroReader) error { _, err := r.bytes(); return err }
)

func skipFixed(size int) skipFn {
	return func(r *avroReader) error { _, err := r.take(int64(size)); return err }
}

// unionCheck checks the branch the index names; a branch compileDec
// could not build fails with its error, as there.
func unionCheck(u *avro.UnionSchema, t *types.Type) skipFn {
	branches := make([]skipFn, len(u.Types()))
	for i, b := range u.Types() {
		if b.Type() == avro.Null {
			branches[i] = skipNothing
			continue
		}
		check, err := compileCheck(b, t)
		if err != nil {
			check = func(*avroReader) error { return err }
		}
		branches[i] = check
	}
	return checkUnion(branches)
}

// checkUnion reads a union's branch index, then checks the branch.
func checkUnion(branches []skipFn) skipFn {
	return func(r *avroReader) error {
		i, err := r.unionIndex(len(branches))
		if err != nil {
			return err
		}
		return branches[i](r)
	}
}

// unionStructCheck checks a union read as a STRUCT (decUnionStruct):
// the branch's field, or a skip of a branch the STRUCT has no field for.
func unionStructCheck(u *avro.UnionSchema, t *types.Type, fieldOf []int) skipFn {
	branches := make([]skipFn, len(u.Types()))
	for i, b := range u.Types() {
		if fieldOf[i] < 0 {
			branches[i] = compileSkip(b) // null too: it reads nothing
			continue
		}
		check, err := compileCheck(b, t.Fields[fieldOf[i]].Type)
		if err != nil {
			return nil // compileDec built it: cannot happen, decode instead
		}
		branches[i] = check
	}
	return checkUnion(branches)
}

func integerCheck(s avro.Schema, t *types.Type) skipFn {
	read := longReader(s, t)
	switch t.Kind {
	case types.Int, types.Date, types.Time:
		return func(r *avroReader) error {
			v, err := read(r)
			if err != nil {
				return err
			}
			return checkInt32(v, t)
		}
	case types.Bigint, types.Timestamp, types.Double, types.String:
		return func(r *avroReader) error { _, err := read(r); return err }
	}
	return nil // DECIMAL: the decoder checks the precision
}

// decimalCheck reads the unscaled bytes of an Avro decimal. Read as a
// DECIMAL, a coefficient that fits an int64 and plainly fits the column
// is accepted here; any other goes through the decoder, for its error.
func decimalCheck(s avro.Schema, scale int, t *types.Type, dec decFn) skipFn {
	size := -1
	if f, ok := s.(*avro.FixedSchema); ok {
		size = f.Size()
	}
	read := func(r *avroReader) ([]byte, error) {
		if size >= 0 {
			return r.take(int64(size))
		}
		return r.bytes()
	}
	switch t.Kind {
	case types.Double, types.String:
		return func(r *avroReader) error { _, err := read(r); return err }
	case types.Decimal:
		return func(r *avroReader) error {
			start := r.p
			b, err := read(r)
			if err != nil {
				return err
			}
			if fitsDecimal(b, int32(scale), t) {
				return nil
			}
			r.p = start
			_, err = dec(r, nil)
			return err
		}
	}
	return nil
}

// fitsDecimal reports that the two's-complement coefficient b at scale
// takes type t's scale without rounding and fits its precision, as
// fitDecimal would accept it; false also when it cannot tell cheaply.
func fitsDecimal(b []byte, scale int32, t *types.Type) bool {
	if len(b) > 8 || t.Precision <= 0 || int32(t.Scale) < scale {
		return false
	}
	var c int64
	if len(b) > 0 && b[0]&0x80 != 0 {
		c = -1
	}
	for _, x := range b {
		c = c<<8 | int64(x)
	}
	r, ok := smalldec.Rescale(c, -scale, int32(t.Scale))
	return ok && smalldec.Digits(r) <= t.Precision
}

// arrayCheck walks every element, block by block, as the decoder does
// (a block's byte size is read, not used to jump).
func arrayCheck(s *avro.ArraySchema, t *types.Type) skipFn {
	elem, err := compileCheck(s.Items(), t.Elem)
	if err != nil {
		return nil
	}
	empty := avroEmpty(s.Items())
	return func(r *avroReader) error {
		for {
			n, err := r.blockLen(empty)
			if err != nil || n == 0 {
				return err
			}
			for ; n > 0; n-- {
				if err := elem(r); err != nil {
					return err
				}
			}
		}
	}
}

func mapCheck(s *avro.MapSchema, t *types.Type) skipFn {
	val, err := compileCheck(s.Values(), t.Elem)
	if err != nil {
		return nil
	}
	return func(r *avroReader) error {
		for {
			n, err := r.blockLen(false) // a key takes a byte
			if err != nil || n == 0 {
				return err
			}
			for ; n > 0; n-- {
				if _, err := r.bytes(); err != nil {
					return err
				}
				if err := val(r); err != nil {
					return err
				}
			}
		}
	}
}

// recordCheck checks the fields a struct field takes and skips the
// others, as the decoder does.
func recordCheck(rec *avro.RecordSchema, t *types.Type) skipFn {
	names := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		names[i] = f.Name
	}
	fields := make([]skipFn, len(rec.Fields()))
	for i, f := range rec.Fields() {
		j := fieldIndex(names, f.Name())
		if j < 0 {
			fields[i] = compileSkip(f.Type())
			continue
		}
		check, err := compileCheck(f.Type(), t.Fields[j].Type)
		if err != nil {
			return nil
		}
		fields[i] = check
	}
	return func(r *avroReader) error {
		for _, f := range fields {
			if err := f(r); err != nil {
				return err
			}
		}
		return nil
	}
}

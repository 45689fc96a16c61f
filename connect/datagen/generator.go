package datagen

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
)

// gen generates values of one Avro type with its arg.properties hints
// (options, range, regex, iteration, length).
type gen struct {
	kind   string // record, string, int, long, float, double, boolean, bytes, enum, array, map, null, union
	schema *connect.Schema

	fields  []fieldGen // record
	elem    *gen       // array, map values
	branch  []*gen     // union
	symbols []string   // enum

	options  []any
	hasRange bool
	min, max float64
	regex    *syntax.Regexp
	iter     *iteration
	lenMin   int
	lenMax   int
	timeFmt  string // format_as_time for strings
	decimal  bool   // bytes with logicalType decimal: values are *big.Rat
	scale    int    // decimal: digits after the point
	prec     int    // decimal: total digits
}

type fieldGen struct {
	name string
	g    *gen
}

type iteration struct {
	start, step, restart float64
	hasRestart           bool
}

// parseSchema reads an Avro schema (JSON, // comments allowed as the
// datagen files have them) into a generator.
func parseSchema(text string) (*gen, error) {
	var doc any
	if err := json.Unmarshal([]byte(stripComments(text)), &doc); err != nil {
		return nil, fmt.Errorf("the schema is not valid JSON: %w", err)
	}
	g, err := build(doc, "", map[string]*gen{})
	if err != nil {
		return nil, err
	}
	if g.kind != "record" {
		return nil, fmt.Errorf("the schema must be a record, not %s", g.kind)
	}
	size, err := g.maxSize(map[*gen]bool{})
	if err != nil {
		return nil, err
	}
	if size > maxRecordSize {
		return nil, fmt.Errorf("a record of this schema could hold up to %d values, string characters and bytes; at most %d are allowed (lower the arg.properties lengths)", size, maxRecordSize)
	}
	return g, nil
}

// maxRecordSize bounds what one generated record may hold (values,
// string characters and bytes, counted together): records are built
// whole in memory, and a length hint of a hundred million, or arrays
// of arrays, would exhaust it; Kafka's default limit on a record is
// 1 MB anyway.
const maxRecordSize = 10_000_000

// maxSize is the most values, string characters and bytes a value of g
// can hold, saturated at maxRecordSize+1. A record that contains itself
// is an error: the generator fills every optional field, so its values
// would never end.
func (g *gen) maxSize(open map[*gen]bool) (int, error) {
	switch {
	case len(g.options) > 0, g.iter != nil:
		return 1, nil
	case g.regex != nil:
		return 1, nil // Go's regexp parser bounds repetitions (1,000 each)
	}
	switch g.kind {
	case "record":
		if open[g] {
			return 0, fmt.Errorf("record %s contains itself: its generated values would never end", g.schema.Name)
		}
		open[g] = true
		defer delete(open, g)
		total := 1
		for _, f := range g.fields {
			n, err := f.g.maxSize(open)
			if err != nil {
				return 0, fmt.Errorf("field %s: %w", f.name, err)
			}
			total = min(total+n, maxRecordSize+1)
		}
		return total, nil
	case "union":
		for _, b := range g.branch {
			if b.kind != "null" {
				return b.maxSize(open)
			}
		}
		return 1, nil
	case "array", "map":
		each, err := g.elem.maxSize(open)
		if err != nil {
			return 0, err
		}
		if g.kind == "map" {
			each += 8 // the random key
		}
		n := g.maxLength()
		if n > 0 && each > (maxRecordSize+1)/n {
			return maxRecordSize + 1, nil
		}
		return min(1+n*each, maxRecordSize+1), nil
	case "string", "bytes":
		return min(1+g.maxLength(), maxRecordSize+1), nil
	}
	return 1, nil
}

// maxLength is the longest length g.length picks.
func (g *gen) maxLength() int {
	if g.lenMin == 0 && g.lenMax == 0 {
		return 10
	}
	return max(g.lenMin, g.lenMax)
}

// stripComments drops // line comments outside strings.
func stripComments(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
		}
		if c == '/' && i+1 < len(s) && s[i+1] == '/' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func build(doc any, ns string, named map[string]*gen) (*gen, error) {
	switch d := doc.(type) {
	case string:
		if g, ok := named[d]; ok {
			return g, nil
		}
		if g, ok := named[ns+"."+d]; ok {
			return g, nil
		}
		return primitive(d)
	case []any:
		g := &gen{kind: "union"}
		optional := false
		for _, b := range d {
			bg, err := build(b, ns, named)
			if err != nil {
				return nil, err
			}
			if bg.kind == "null" {
				optional = true
			}
			g.branch = append(g.branch, bg)
		}
		// Connect maps [null, X] to an optional X.
		var nonNull []*gen
		for _, b := range g.branch {
			if b.kind != "null" {
				nonNull = append(nonNull, b)
			}
		}
		if len(nonNull) != 1 {
			return nil, errors.New("unions other than [\"null\", type] are not supported")
		}
		s := *nonNull[0].schema
		s.Optional = optional
		g.schema = &s
		return g, nil
	case map[string]any:
		return buildObject(d, ns, named)
	}
	return nil, fmt.Errorf("unexpected schema element %v", doc)
}

func primitive(t string) (*gen, error) {
	g := &gen{kind: t}
	switch t {
	case "string":
		g.schema = &connect.Schema{Type: connect.String}
	case "int":
		g.schema = &connect.Schema{Type: connect.Int32}
	case "long":
		g.schema = &connect.Schema{Type: connect.Int64}
	case "float":
		g.schema = &connect.Schema{Type: connect.Float32}
	case "double":
		g.schema = &connect.Schema{Type: connect.Float64}
	case "boolean":
		g.schema = &connect.Schema{Type: connect.Boolean}
	case "bytes":
		g.schema = &connect.Schema{Type: connect.Bytes}
	case "null":
		g.schema = &connect.Schema{Type: connect.String, Optional: true}
	default:
		return nil, fmt.Errorf("unknown type %q", t)
	}
	return g, nil
}

func buildObject(d map[string]any, ns string, named map[string]*gen) (*gen, error) {
	t, _ := d["type"].(string)
	if t == "" {
		// {"type": {...}} or {"type": [...]}: a nested definition.
		inner, err := build(d["type"], ns, named)
		if err != nil {
			return nil, err
		}
		return inner, applyHints(inner, d)
	}
	var g *gen
	switch t {
	case "record":
		name, _ := d["name"].(string)
		if n, ok := d["namespace"].(string); ok && n != "" {
			ns = n
		}
		full := name
		if ns != "" && !strings.Contains(name, ".") {
			full = ns + "." + name
		}
		g = &gen{kind: "record", schema: &connect.Schema{Type: connect.StructT, Name: full}}
		named[name], named[full] = g, g
		fs, _ := d["fields"].([]any)
		for _, f := range fs {
			fm, ok := f.(map[string]any)
			if !ok {
				return nil, errors.New("a record field is not an object")
			}
			fname, _ := fm["name"].(string)
			if fname == "" {
				return nil, errors.New("a record field has no name")
			}
			fg, err := build(fm["type"], ns, named)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", fname, err)
			}
			// Hints may sit beside "type" in the field too.
			if err := applyHints(fg, fm); err != nil {
				return nil, fmt.Errorf("field %s: %w", fname, err)
			}
			g.fields = append(g.fields, fieldGen{fname, fg})
			g.schema.Fields = append(g.schema.Fields, connect.Field{Name: fname, Schema: fg.schema})
		}
		// The record's own hints: options of whole records.
		return g, applyHints(g, d)
	case "enum":
		g = &gen{kind: "enum", schema: &connect.Schema{Type: connect.String}}
		for _, s := range asSlice(d["symbols"]) {
			if str, ok := s.(string); ok {
				g.symbols = append(g.symbols, str)
			}
		}
		if len(g.symbols) == 0 {
			return nil, errors.New("an enum needs symbols")
		}
	case "array":
		e, err := build(d["items"], ns, named)
		if err != nil {
			return nil, fmt.Errorf("array items: %w", err)
		}
		g = &gen{kind: "array", elem: e, schema: &connect.Schema{Type: connect.Array, ValueSchema: e.schema}}
	case "map":
		e, err := build(d["values"], ns, named)
		if err != nil {
			return nil, fmt.Errorf("map values: %w", err)
		}
		g = &gen{kind: "map", elem: e, schema: &connect.Schema{Type: connect.Map, KeySchema: &connect.Schema{Type: connect.String}, ValueSchema: e.schema}}
	default:
		var err error
		if g, err = primitive(t); err != nil {
			return nil, err
		}
		s := *g.schema
		switch d["logicalType"] {
		case "timestamp-millis":
			s.Name, s.Version = connect.LogicalTimestamp, 1
		case "date":
			s.Name, s.Version = connect.LogicalDate, 1
		case "time-millis":
			s.Name, s.Version = connect.LogicalTime, 1
		case "decimal":
			if t != "bytes" {
				return nil, fmt.Errorf("logicalType decimal needs type bytes, not %s", t)
			}
			prec, _ := num(d["precision"])
			scale, _ := num(d["scale"])
			if prec < 1 || prec > 38 || scale < 0 || scale > prec {
				return nil, fmt.Errorf("logicalType decimal needs a precision from 1 to 38 and a scale from 0 to the precision, not %v and %v", d["precision"], d["scale"])
			}
			g.decimal, g.prec, g.scale = true, int(prec), int(scale)
			s.Name, s.Version = connect.LogicalDecimal, 1
			s.Parameters = map[string]string{"scale": strconv.Itoa(g.scale), "connect.decimal.precision": strconv.Itoa(g.prec)}
		}
		g.schema = &s
	}
	return g, applyHints(g, d)
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

// applyHints reads arg.properties (and format_as_time) from d into g.
func applyHints(g *gen, d map[string]any) error {
	if f, ok := d["format_as_time"].(string); ok && g.kind == "string" {
		g.timeFmt = f
	}
	ap, ok := d["arg.properties"].(map[string]any)
	if !ok {
		return nil
	}
	if o, ok := ap["options"]; ok {
		g.options = asSlice(o)
		if len(g.options) == 0 {
			return errors.New("arg.properties options must be a non-empty list")
		}
	}
	if r, ok := ap["range"].(map[string]any); ok {
		g.hasRange = true
		g.min, g.max = 0, math.MaxInt32
		if v, ok := num(r["min"]); ok {
			g.min = v
		}
		if v, ok := num(r["max"]); ok {
			g.max = v
		}
		if g.max < g.min {
			return fmt.Errorf("arg.properties range: max %v is below min %v", g.max, g.min)
		}
	}
	if rx, ok := ap["regex"].(string); ok {
		re, err := syntax.Parse(rx, syntax.Perl)
		if err != nil {
			return fmt.Errorf("arg.properties regex %q: %w", rx, err)
		}
		g.regex = re.Simplify()
	}
	if it, ok := ap["iteration"].(map[string]any); ok {
		g.iter = &iteration{step: 1}
		g.iter.start, _ = num(it["start"])
		if s, ok := num(it["step"]); ok && s != 0 {
			g.iter.step = s
		}
		if r, ok := num(it["restart"]); ok {
			g.iter.restart, g.iter.hasRestart = r, true
		}
	}
	if l, ok := ap["length"]; ok {
		var mn, mx float64
		switch l := l.(type) {
		case float64:
			mn, mx = l, l
		case map[string]any:
			mn, _ = num(l["min"])
			mx, _ = num(l["max"])
		}
		if mn < 0 || mx < 0 || mn > maxRecordSize || mx > maxRecordSize {
			// As written in the schema: %v of the decoded JSON printed
			// a Go map of floats (map[max:2.0000001e+07 min:2e+07]).
			written, _ := json.Marshal(l)
			return fmt.Errorf("arg.properties length must be between 0 and %d, not %s", maxRecordSize, written)
		}
		g.lenMin, g.lenMax = int(mn), int(mx)
	}
	return nil
}

// value generates one value; n is the record's iteration number.
func (g *gen) value(rng *rand.Rand, n int64) any {
	switch {
	case len(g.options) > 0:
		return g.fromOption(g.options[rng.IntN(len(g.options))], rng, n)
	case g.iter != nil:
		v := g.iter.start + g.iter.step*float64(n)
		if g.iter.hasRestart && g.iter.restart != g.iter.start {
			span := math.Abs(g.iter.restart - g.iter.start)
			v = g.iter.start + math.Mod(g.iter.step*float64(n), span)
		}
		if g.kind == "string" && g.timeFmt != "" {
			return javaTimeFormat(time.UnixMilli(int64(v)).UTC(), g.timeFmt)
		}
		return g.fromOption(v, rng, n)
	case g.regex != nil:
		var b strings.Builder
		genRegex(&b, g.regex, rng)
		return b.String()
	}
	if g.decimal {
		return g.decimalValue(rng)
	}
	switch g.kind {
	case "record":
		st := &connect.Struct{Schema: g.schema, Values: make(map[string]any, len(g.fields))}
		for _, f := range g.fields {
			st.Values[f.name] = f.g.value(rng, n)
		}
		return st
	case "union":
		for _, b := range g.branch {
			if b.kind != "null" {
				return b.value(rng, n)
			}
		}
		return nil
	case "enum":
		return g.symbols[rng.IntN(len(g.symbols))]
	case "array":
		out := make([]any, g.length(rng))
		for i := range out {
			out[i] = g.elem.value(rng, n)
		}
		return out
	case "map":
		k := g.length(rng)
		out := make(map[string]any, k)
		for range k {
			out[randomString(rng, 8)] = g.elem.value(rng, n)
		}
		return out
	case "string":
		return randomString(rng, g.length(rng))
	case "bytes":
		b := make([]byte, g.length(rng))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	case "boolean":
		return rng.IntN(2) == 1
	case "null":
		return nil
	}
	// numbers
	if g.hasRange {
		if g.kind == "int" || g.kind == "long" {
			lo, hi := int64(math.Ceil(g.min)), int64(math.Floor(g.max))
			if hi <= lo {
				return g.cast(float64(lo))
			}
			// Avro random generator ranges are [min, max).
			return g.cast(float64(lo + rng.Int64N(hi-lo)))
		}
		return g.cast(g.min + rng.Float64()*(g.max-g.min))
	}
	switch g.kind {
	case "int":
		return int32(rng.Uint32())
	case "long":
		return int64(rng.Uint64())
	case "float":
		return rng.Float32()
	}
	return rng.Float64()
}

// fromOption converts an option (or iteration value) to the field's
// type: a JSON object option of a record becomes its struct (fields the
// object leaves out are generated), a list option of an array its
// elements, a number option of a decimal its value at the scale.
func (g *gen) fromOption(v any, rng *rand.Rand, n int64) any {
	switch g.kind {
	case "record":
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		st := &connect.Struct{Schema: g.schema, Values: make(map[string]any, len(g.fields))}
		for _, f := range g.fields {
			if fv, ok := m[f.name]; ok {
				st.Values[f.name] = f.g.fromOption(fv, rng, n)
			} else {
				st.Values[f.name] = f.g.value(rng, n)
			}
		}
		return st
	case "array":
		l, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = g.elem.fromOption(e, rng, n)
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = g.elem.fromOption(e, rng, n)
		}
		return out
	case "union":
		if v == nil {
			return nil
		}
		for _, b := range g.branch {
			if b.kind != "null" {
				return b.fromOption(v, rng, n)
			}
		}
	}
	if g.decimal {
		switch x := v.(type) {
		case float64:
			// The shortest decimal text of x, as the option was written.
			r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
			return roundRat(r, g.scale)
		case string:
			if r, ok := new(big.Rat).SetString(x); ok {
				return roundRat(r, g.scale)
			}
		}
	}
	return g.cast(v)
}

// decimalValue picks a decimal in the range hint (default: any value the
// precision allows that is not negative), rounded to the scale, as a
// *big.Rat.
func (g *gen) decimalValue(rng *rand.Rand) *big.Rat {
	lo, hi := 0.0, math.Pow10(g.prec-g.scale)-math.Pow10(-g.scale)
	if g.hasRange {
		lo, hi = g.min, g.max
	}
	r := roundRat(new(big.Rat).SetFloat64(lo+rng.Float64()*(hi-lo)), g.scale)
	if r.Cmp(new(big.Rat).SetFloat64(hi)) > 0 { // rounding up past max
		r.Sub(r, new(big.Rat).SetFrac64(1, int64(math.Pow10(g.scale))))
	}
	return r
}

// roundRat rounds r to scale digits after the point, half away from zero.
func roundRat(r *big.Rat, scale int) *big.Rat {
	m := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(m))
	half := big.NewRat(1, 2)
	if x.Sign() < 0 {
		x.Sub(x, half)
	} else {
		x.Add(x, half)
	}
	q := new(big.Int).Quo(x.Num(), x.Denom()) // truncates toward zero
	return new(big.Rat).SetFrac(q, m)
}

// length picks a string/array/map length (default 0..9 for collections,
// 1..10 for strings).
func (g *gen) length(rng *rand.Rand) int {
	mn, mx := g.lenMin, g.lenMax
	if mn == 0 && mx == 0 {
		mn, mx = 1, 10
	}
	if mx <= mn {
		return mn
	}
	return mn + rng.IntN(mx-mn+1)
}

// cast converts an option or iteration value to the field's type.
func (g *gen) cast(v any) any {
	f, isNum := v.(float64)
	switch g.kind {
	case "int":
		if isNum {
			return int32(f)
		}
	case "long":
		if isNum {
			return int64(f)
		}
	case "float":
		if isNum {
			return float32(f)
		}
	case "double":
		if isNum {
			return f
		}
	case "string", "enum":
		if s, ok := v.(string); ok {
			return s
		}
		if isNum {
			return fmt.Sprint(f)
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return v
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return string(b)
}

// maxRepeat bounds *, + and open {n,} repeats in generated strings.
const maxRepeat = 8

// genRegex writes a random string matching re.
func genRegex(b *strings.Builder, re *syntax.Regexp, rng *rand.Rand) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		// Rune holds inclusive ranges [lo, hi, lo, hi, …].
		total := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			total += int(re.Rune[i+1]-re.Rune[i]) + 1
		}
		if total == 0 {
			return
		}
		k := rng.IntN(min(total, 1<<20))
		for i := 0; i+1 < len(re.Rune); i += 2 {
			w := int(re.Rune[i+1]-re.Rune[i]) + 1
			if k < w {
				b.WriteRune(re.Rune[i] + rune(k))
				return
			}
			k -= w
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(letters[rng.IntN(len(letters))])
	case syntax.OpCapture:
		genRegex(b, re.Sub[0], rng)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			genRegex(b, s, rng)
		}
	case syntax.OpAlternate:
		genRegex(b, re.Sub[rng.IntN(len(re.Sub))], rng)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, maxRepeat
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + maxRepeat
			}
		}
		n := lo
		if hi > lo {
			n += rng.IntN(hi - lo + 1)
		}
		for range n {
			genRegex(b, re.Sub[0], rng)
		}
	}
	// Anchors and empty matches write nothing.
}

// javaTimeFormat renders t with a subset of Java's SimpleDateFormat
// letters (yyyy, MM, MMM, dd, HH, mm, ss, SSS, Z).
func javaTimeFormat(t time.Time, f string) string {
	r := strings.NewReplacer("yyyy", "2006", "MMM", "Jan", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05", "SSS", "000", "Z", "-0700")
	return t.Format(r.Replace(f))
}

package serde

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/eddysql/eddy/types"
)

// Names PRINT uses for the formats it recognises.
const (
	PrintKafkaInt    = "KAFKA_INT"
	PrintKafkaBigint = "KAFKA_BIGINT"
	PrintKafkaDouble = "KAFKA_DOUBLE"
	PrintKafkaString = "KAFKA_STRING"
	PrintJSON        = "JSON"
)

// What PRINT shows for a side before it has seen a non-null record, and
// when no format reads every record seen (after "Key format: ", so with a
// leading blank), both as ksqlDB does.
const (
	PrintNoData   = `¯\_(ツ)_/¯ - no data processed`
	PrintNoFormat = " does not match any supported format. It may be a STRING with encoding other than UTF8, or some other format."
)

// printBase is a format PRINT tries on a record's bytes, in the order it
// tries them (ksqlDB's): the Schema Registry formats and JSON before the
// fixed-size numbers, the string last.
type printBase uint8

const (
	printAvro printBase = iota
	printProtobuf
	printJSON
	printJSONSR
	printInt
	printBigint
	printDouble
	printString
	numPrintBases
)

var printBaseNames = [numPrintBases]string{Avro, Protobuf, PrintJSON, JSONSR, PrintKafkaInt, PrintKafkaBigint, PrintKafkaDouble, PrintKafkaString}

// printWindow is how a key candidate reads a window off the end of the
// bytes: not at all, a session window (8-byte end, then 8-byte start), or
// a time window (8-byte start; hopping and tumbling keys are the same
// bytes, so both stay or go together).
type printWindow uint8

const (
	winNone printWindow = iota
	winSession
	winHopping
	winTumbling
)

var printWindowNames = [...]string{"", "SESSION", "HOPPING", "TUMBLING"}

type printCand struct {
	base printBase
	win  printWindow
}

func (c printCand) String() string {
	if c.win == winNone {
		return printBaseNames[c.base]
	}
	return printWindowNames[c.win] + "(" + printBaseNames[c.base] + ")"
}

// PrintFormats holds the formats one side (keys or values) of a topic's
// records could be in, as PRINT narrows them: it starts with every format
// and drops each one a record is not readable in, so the set only ever
// shrinks. A record renders in the first format left. Keys also try the
// windowed forms of each format (SESSION(f), HOPPING(f), TUMBLING(f), in
// that order before f itself). Records framed with a schema id the
// registry knows are decoded with that schema. This follows ksqlDB's
// RecordFormatter, so PRINT shows the formats ksqlDB would.
type PrintFormats struct {
	reg   Registry
	cands []printCand
	seen  bool // a non-null record was observed
}

// NewPrintFormats starts the candidate set for one side: key (windowed
// forms included) or value. reg may be nil.
func NewPrintFormats(reg Registry, key bool) *PrintFormats {
	p := &PrintFormats{reg: reg}
	wins := []printWindow{winNone}
	if key {
		wins = []printWindow{winSession, winHopping, winTumbling, winNone}
	}
	for b := range numPrintBases {
		for _, w := range wins {
			p.cands = append(p.cands, printCand{base: b, win: w})
		}
	}
	return p
}

// Observe narrows the set to the formats that read b. A null record
// fits every format and narrows nothing. The work is one check per
// format still in the set.
func (p *PrintFormats) Observe(b []byte) {
	if b == nil {
		return
	}
	p.seen = true
	pr := printProbe{b: b, reg: p.reg}
	kept := p.cands[:0]
	for _, c := range p.cands {
		if pr.reads(c) {
			kept = append(kept, c)
		}
	}
	p.cands = kept
}

// Names lists the formats left, in order; nil before any non-null record.
func (p *PrintFormats) Names() []string {
	if !p.seen {
		return nil
	}
	out := make([]string, len(p.cands))
	for i, c := range p.cands {
		out[i] = c.String()
	}
	return out
}

// Describe is what PRINT shows after "Key format: " or "Value format: ":
// the formats left joined by " or ", PrintNoData before any non-null
// record, PrintNoFormat when no format read every record.
func (p *PrintFormats) Describe() string {
	switch {
	case !p.seen:
		return PrintNoData
	case len(p.cands) == 0:
		return PrintNoFormat
	}
	return strings.Join(p.Names(), " or ")
}

// Render renders b in the first format left: a windowed key as
// [key@start/-] (time window) or [key@start/end] (session window), nil
// as <null>, and bytes no format reads as Kafka's Bytes.toString does
// (printable ASCII kept, any other byte and the backslash as \xHH).
func (p *PrintFormats) Render(b []byte) string {
	if b == nil {
		return "<null>"
	}
	pr := printProbe{b: b, reg: p.reg}
	for _, c := range p.cands {
		// The first candidate reads b when b was observed; trying the
		// next ones keeps Render right for bytes it was not.
		if s, ok := pr.render(c); ok {
			return s
		}
	}
	return kafkaBytesString(b)
}

// printProbe reads one record's bytes, splitting off windows and decoding
// Schema-Registry framing at most once per shape (whole, time-windowed,
// session-windowed) however many candidates ask.
type printProbe struct {
	b   []byte
	reg Registry
	sr  [3]srRead
}

type srRead struct {
	done   bool
	format string
	text   string
	ok     bool
}

// latestWindowTime bounds a window's start and end: the last millisecond
// of year 9999. ksqlDB accepts any start below the maximum long, so the
// last eight bytes of any text key of nine or more characters read as a
// window starting millions of years from now, and its PRINT shows such
// keys as windows (its issue 5514, open); no window eddy or ksqlDB
// writes starts that late.
const latestWindowTime = 253402300799999

// inner returns the key bytes a candidate reads, with the window bounds;
// ok is false when the bytes hold no valid window of that kind. Windows
// are checked as Kafka Streams' deserializers do, and for a plausible
// time: a start before the epoch or after latestWindowTime, a session
// ending before it starts or after latestWindowTime is no window.
func (pr *printProbe) inner(w printWindow) (in []byte, start, end int64, ok bool) {
	b := pr.b
	switch w {
	case winNone:
		return b, 0, 0, true
	case winSession:
		if len(b) < 16 {
			return nil, 0, 0, false
		}
		end = int64(binary.BigEndian.Uint64(b[len(b)-16:]))
		start = int64(binary.BigEndian.Uint64(b[len(b)-8:]))
		if start < 0 || end < start || end > latestWindowTime {
			return nil, 0, 0, false
		}
		return b[:len(b)-16], start, end, true
	default:
		if len(b) < 8 {
			return nil, 0, 0, false
		}
		start = int64(binary.BigEndian.Uint64(b[len(b)-8:]))
		if start < 0 || start > latestWindowTime {
			return nil, 0, 0, false
		}
		return b[:len(b)-8], start, 0, true
	}
}

// shape indexes printProbe.sr: hopping and tumbling share their bytes.
func shape(w printWindow) int {
	switch w {
	case winSession:
		return 1
	case winHopping, winTumbling:
		return 2
	}
	return 0
}

func (pr *printProbe) registry(w printWindow, in []byte) *srRead {
	r := &pr.sr[shape(w)]
	if !r.done {
		r.done = true
		r.format, r.text, r.ok = RenderWithRegistry(in, pr.reg)
	}
	return r
}

func (pr *printProbe) reads(c printCand) bool {
	in, _, _, ok := pr.inner(c.win)
	return ok && pr.readsBase(c, in)
}

func (pr *printProbe) readsBase(c printCand, in []byte) bool {
	switch c.base {
	case printAvro, printProtobuf, printJSONSR:
		r := pr.registry(c.win, in)
		return r.ok && r.format == printBaseNames[c.base]
	case printJSON:
		return javaText(in) && jacksonReads(in)
	case printInt:
		return len(in) == 4
	case printBigint, printDouble:
		return len(in) == 8
	case printString:
		return javaText(in)
	}
	return false
}

func (pr *printProbe) render(c printCand) (string, bool) {
	in, start, end, ok := pr.inner(c.win)
	if !ok || !pr.readsBase(c, in) {
		return "", false
	}
	var s string
	switch c.base {
	case printAvro, printProtobuf, printJSONSR:
		s = pr.registry(c.win, in).text
	case printInt:
		s = strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(in))), 10)
	case printBigint:
		s = strconv.FormatInt(int64(binary.BigEndian.Uint64(in)), 10)
	case printDouble:
		s = types.FormatDouble(math.Float64frombits(binary.BigEndian.Uint64(in)))
	default:
		s = string(in)
	}
	switch c.win {
	case winSession:
		return "[" + s + "@" + strconv.FormatInt(start, 10) + "/" + strconv.FormatInt(end, 10) + "]", true
	case winHopping, winTumbling:
		return "[" + s + "@" + strconv.FormatInt(start, 10) + "/-]", true
	}
	return s, true
}

var replacementChar = []byte("\uFFFD")

// javaText reports whether b is text as ksqlDB's PRINT takes it: not
// empty, valid UTF-8 (which Java decodes without substituting U+FFFD),
// and holding no U+FFFD of its own. Control characters are allowed.
func javaText(b []byte) bool {
	return len(b) > 0 && utf8.Valid(b) && !bytes.Contains(b, replacementChar)
}

// jacksonReads reports whether Jackson's readTree, as ksqlDB's PRINT calls
// it, accepts b: it reads the first JSON value and ignores what follows,
// except that a number at the top level must end at a blank or the end
// of input and true, false or null must not run on into an identifier
// character. Blanks alone read as a missing node, which passes.
func jacksonReads(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	if s.i == len(b) {
		return true
	}
	first := b[s.i]
	if s.skip(0) != nil {
		return false
	}
	if s.i == len(b) {
		return true
	}
	switch first {
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		c := b[s.i]
		return c == ' ' || c == '\t' || c == '\r' || c == '\n'
	case 't', 'f', 'n':
		r, _ := utf8.DecodeRune(b[s.i:])
		return r < '0' || r == ']' || r == '}' || !javaIdentifierPart(r)
	}
	return true
}

// javaIdentifierPart approximates Java's Character.isJavaIdentifierPart
// for the character after a JSON literal.
func javaIdentifierPart(r rune) bool {
	if r > 0xFFFF {
		return false // Jackson sees a lone high surrogate
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$' ||
		unicode.In(r, unicode.Sc, unicode.Pc, unicode.Mn, unicode.Mc, unicode.Nl, unicode.Cf) ||
		(r >= 0x7F && r <= 0x9F) // identifier-ignorable controls
}

// kafkaBytesString renders bytes as Kafka's Bytes.toString does.
func kafkaBytesString(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		if c >= ' ' && c <= '~' && c != '\\' {
			sb.WriteByte(c)
			continue
		}
		sb.WriteString(`\x`)
		sb.WriteByte(hexDigits[c>>4])
		sb.WriteByte(hexDigits[c&0xF])
	}
	return sb.String()
}

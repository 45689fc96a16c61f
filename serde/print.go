package serde

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/eddysql/eddy/types"
)

// Names PRINT uses for what it guesses a topic's bytes are.
const (
	PrintKafkaInt    = "KAFKA_INT"
	PrintKafkaBigint = "KAFKA_BIGINT"
	PrintKafkaDouble = "KAFKA_DOUBLE"
	PrintKafkaString = "KAFKA_STRING"
	PrintJSON        = "JSON"
	PrintAvro        = "AVRO"
	PrintUnknown     = "UNKNOWN"
)

// Candidates lists every format the bytes could be in, most likely first,
// in the order PRINT shows them ("KAFKA_BIGINT or KAFKA_DOUBLE", "JSON or
// KAFKA_STRING"). PRINT keeps, per side, the formats that fit every record
// seen so far. Empty or nil bytes fit anything and yield nil.
func Candidates(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	var out []string
	text := printableText(b)
	if text && validJSON(b) {
		out = append(out, PrintJSON)
	}
	if text {
		out = append(out, PrintKafkaString)
	}
	switch len(b) {
	case 4:
		out = append(out, PrintKafkaInt)
	case 8:
		out = append(out, PrintKafkaBigint, PrintKafkaDouble)
	}
	if len(out) == 0 {
		if srFramed(b) {
			// Magic byte 0 and a schema id: a Schema Registry format.
			return []string{PrintAvro}
		}
		return []string{PrintUnknown}
	}
	return out
}

// Detect guesses the format of raw bytes for PRINT, returning a ksqlDB-style name: "KAFKA_INT", "KAFKA_BIGINT", "KAFKA_DOUBLE", "KAFKA_STRING", "JSON", "AVRO", or "UNKNOWN".
func Detect(b []byte) string {
	c := Candidates(b)
	if len(c) == 0 {
		return PrintUnknown
	}
	return c[0]
}

// Render renders bytes as PRINT does for the given format name; nil
// renders as "<null>".
func Render(b []byte, format string) string {
	if b == nil {
		return "<null>"
	}
	switch format {
	case PrintKafkaInt:
		if len(b) == 4 {
			return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10)
		}
	case PrintKafkaBigint:
		if len(b) == 8 {
			return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)
		}
	case PrintKafkaDouble:
		if len(b) == 8 {
			return types.FormatDouble(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}
	case PrintJSON, PrintKafkaString:
		if utf8.Valid(b) {
			return string(b)
		}
	}
	if printableText(b) {
		return string(b)
	}
	// Binary that no format explains: show it losslessly.
	return base64.StdEncoding.EncodeToString(b)
}

// printableText reports whether b is UTF-8 text without control characters
// other than tab and line breaks, i.e. plausibly a string someone wrote.
func printableText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func srFramed(b []byte) bool { return len(b) > 5 && b[0] == 0 }

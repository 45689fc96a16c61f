package clickhouse

import (
	"strconv"
	"strings"
)

// kind is how a ClickHouse column type takes a value in JSONEachRow.
type kind int

const (
	kOther      kind = iota // written as the value's natural JSON
	kInt                    // Int8..Int256
	kUint                   // UInt8..UInt256
	kFloat                  // Float32, Float64
	kDecimal                // Decimal(P, S), Decimal32/64/128/256(S)
	kString                 // String, FixedString(N), UUID, IPv4, IPv6, Enum8/16
	kDate                   // Date, Date32
	kDateTime               // DateTime, DateTime('tz')
	kDateTime64             // DateTime64(P[, 'tz'])
	kBool                   // Bool (servers from 22.3)
	kArray                  // Array(T)
	kNullable               // Nullable(T)
)

// colType is a parsed ClickHouse column type.
type colType struct {
	kind  kind
	scale int      // kDecimal, kDateTime64: digits after the point
	elem  *colType // kArray, kNullable
	raw   string
}

// parseType reads a type as system.columns spells it. Wrappers that do
// not change how a value is written (LowCardinality) are looked through.
func parseType(raw string) *colType {
	t := strings.TrimSpace(raw)
	name, args, hasArgs := strings.Cut(t, "(")
	if hasArgs {
		args = strings.TrimSuffix(strings.TrimSpace(args), ")")
	}
	c := &colType{raw: raw}
	switch {
	case name == "LowCardinality" && hasArgs:
		inner := parseType(args)
		inner.raw = raw
		return inner
	case name == "Nullable" && hasArgs:
		c.kind, c.elem = kNullable, parseType(args)
	case name == "Array" && hasArgs:
		c.kind, c.elem = kArray, parseType(args)
	case strings.HasPrefix(name, "UInt"):
		c.kind = kUint
	case strings.HasPrefix(name, "Int"):
		c.kind = kInt
	case name == "Float32" || name == "Float64":
		c.kind = kFloat
	case name == "Decimal" && hasArgs:
		c.kind = kDecimal
		if _, s, ok := strings.Cut(args, ","); ok {
			c.scale, _ = strconv.Atoi(strings.TrimSpace(s))
		}
	case strings.HasPrefix(name, "Decimal") && hasArgs:
		c.kind = kDecimal
		c.scale, _ = strconv.Atoi(strings.TrimSpace(args))
	case name == "String" || name == "FixedString" || name == "UUID" || name == "IPv4" || name == "IPv6" ||
		name == "Enum8" || name == "Enum16" || name == "Enum":
		c.kind = kString
	case name == "Date" || name == "Date32":
		c.kind = kDate
	case name == "DateTime":
		c.kind = kDateTime
	case name == "DateTime64":
		c.kind = kDateTime64
		p, _, _ := strings.Cut(args, ",")
		c.scale, _ = strconv.Atoi(strings.TrimSpace(p))
	case name == "Bool" || name == "Boolean":
		c.kind = kBool
	}
	return c
}

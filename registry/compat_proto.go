package registry

import (
	"fmt"
	"slices"
	"strings"
)

// checkProto lists why messages written with writer may not be read with
// reader; nil means compatible. The rule set is simpler than Confluent's:
//
//   - The writer's first top-level message (the record type serializers
//     use) must still exist in the reader; in a file of enums alone, its
//     first enum.
//   - For every message present in both, a field number present in both
//     must keep a wire-compatible type: int32, uint32, int64, uint64 and
//     bool are interchangeable; so are sint32 and sint64; fixed32 and
//     sfixed32; fixed64 and sfixed64; string and bytes. Other types (float,
//     double, message and enum names, maps) must stay the same, compared
//     by their last name component.
//   - A field may not change between repeated (or map) and singular.
//   - Adding and removing fields is compatible (unknown fields are
//     skipped, missing ones take their defaults).
func checkProto(reader, writer *protoFile) []string {
	var msgs []string
	if len(writer.order) > 0 {
		if first := writer.order[0]; reader.messages[first] == nil {
			msgs = append(msgs, fmt.Sprintf("message %s was removed", first))
		}
	} else if first := writer.enums[0]; !slices.Contains(reader.enums, first) {
		// A file of enums alone: its first enum is its type.
		msgs = append(msgs, fmt.Sprintf("enum %s was removed", first))
	}
	names := make([]string, 0, len(writer.messages))
	for name := range writer.messages {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rm := reader.messages[name]
		if rm == nil {
			continue
		}
		wm := writer.messages[name]
		nums := make([]int, 0, len(wm.fields))
		for n := range wm.fields {
			nums = append(nums, n)
		}
		slices.Sort(nums)
		for _, n := range nums {
			rf, ok := rm.fields[n]
			if !ok {
				continue
			}
			wf := wm.fields[n]
			if protoRepeated(rf.label) != protoRepeated(wf.label) {
				msgs = append(msgs, fmt.Sprintf("message %s field %d (%s): changed between repeated and singular", name, n, rf.name))
				continue
			}
			if !protoWireCompatible(rf.typ, wf.typ) {
				msgs = append(msgs, fmt.Sprintf("message %s field %d (%s): type changed from %s to %s", name, n, rf.name, wf.typ, rf.typ))
			}
		}
	}
	return msgs
}

func protoRepeated(label string) bool { return label == "repeated" || label == "map" }

var protoWireGroups = [][]string{
	{"int32", "uint32", "int64", "uint64", "bool"},
	{"sint32", "sint64"},
	{"fixed32", "sfixed32"},
	{"fixed64", "sfixed64"},
	{"string", "bytes"},
}

func protoWireCompatible(a, b string) bool {
	a, b = protoShortName(a), protoShortName(b)
	if a == b {
		return true
	}
	for _, g := range protoWireGroups {
		if slices.Contains(g, a) && slices.Contains(g, b) {
			return true
		}
	}
	return false
}

func protoShortName(t string) string {
	if strings.HasPrefix(t, "map<") {
		return t
	}
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

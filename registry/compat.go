package registry

import (
	"fmt"
	"strings"
)

// Level is a compatibility level: which earlier versions of a subject a
// new schema is checked against, and in which direction.
type Level string

// The compatibility levels. BACKWARD: the new schema reads data written
// with the previous version; FORWARD: the previous version reads data
// written with the new one; FULL: both. The _TRANSITIVE forms check every
// earlier (not deleted) version instead of the latest only.
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	Forward            Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// DefaultLevel is the global level until one is configured.
const DefaultLevel = Backward

var levels = []Level{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ParseLevel parses a level name, in any case.
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	for _, x := range levels {
		if l == x {
			return l, nil
		}
	}
	return "", errorf(CodeInvalidCompatibility,
		"Invalid compatibility level %q. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive", s)
}

func (l Level) backward() bool {
	return l == Backward || l == BackwardTransitive || l == Full || l == FullTransitive
}

func (l Level) forward() bool {
	return l == Forward || l == ForwardTransitive || l == Full || l == FullTransitive
}

// Transitive reports whether l checks against every earlier version.
func (l Level) Transitive() bool {
	return l == BackwardTransitive || l == ForwardTransitive || l == FullTransitive
}

// previous is an earlier version a new schema is checked against.
type previous struct {
	version int
	schema  *parsedSchema
}

// incompatibilities checks s against each earlier version under level and
// lists the problems; nil means compatible.
func incompatibilities(level Level, s *parsedSchema, against []previous) []string {
	var msgs []string
	for _, old := range against {
		if level.backward() {
			for _, m := range checkPair(s, old.schema) {
				msgs = append(msgs, fmt.Sprintf("version %d, %s (the new schema must read data written with version %d): %s",
					old.version, level, old.version, m))
			}
		}
		if level.forward() {
			for _, m := range checkPair(old.schema, s) {
				msgs = append(msgs, fmt.Sprintf("version %d, %s (version %d must read data written with the new schema): %s",
					old.version, level, old.version, m))
			}
		}
	}
	return msgs
}

// checkPair lists why data written with writer cannot be read with reader.
func checkPair(reader, writer *parsedSchema) []string {
	if reader.typ != writer.typ {
		return []string{fmt.Sprintf("schema type changed from %s to %s", writer.typ, reader.typ)}
	}
	switch reader.typ {
	case Avro:
		return checkAvro(reader.avro, writer.avro)
	case JSON:
		return checkJSONSchema(reader.json, writer.json)
	case Protobuf:
		return checkProto(reader.proto, writer.proto)
	}
	return []string{fmt.Sprintf("unknown schema type %s", reader.typ)}
}

package sql

import (
	"fmt"
	"strings"
)

// CheckProperty refuses a session property value that Kafka's clients
// would refuse, with Kafka's message, as ksqlDB does, rather than run
// with a default the user did not ask for (auto.offset.reset='earlist'
// made a push query start at the end of its topic and look hung). The
// shell checks a SET with it, so the error names the SET, and the
// engine every request's properties.
func CheckProperty(name, value string) error {
	switch strings.ToLower(name) {
	case "auto.offset.reset", "ksql.streams.auto.offset.reset":
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "earliest", "latest", "none":
		default:
			return fmt.Errorf("Invalid value %s for configuration %s: String must be one of: latest, earliest, none", value, name)
		}
	}
	return nil
}

package engine

import (
	"fmt"
	"strings"
)

// checkProps refuses a session property value that Kafka's clients
// would refuse, as ksqlDB does, rather than run with a default the user
// did not ask for: auto.offset.reset='earlist' made a push query start
// at the end of its topic and look hung.
func checkProps(props map[string]string) error {
	for k, v := range props {
		switch strings.ToLower(k) {
		case "auto.offset.reset", "ksql.streams.auto.offset.reset":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "earliest", "latest", "none":
			default:
				return &stmtErr{msg: fmt.Sprintf("Invalid value %s for configuration %s: String must be one of: latest, earliest, none", v, k)}
			}
		}
	}
	return nil
}

package sql

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/internal/confignames"
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

// CheckPropertyName refuses a property name that ksqlDB would not
// resolve when it is set per request or by SET, with ksqlDB's message:
// a misspelt name (auto.offset.rest) would otherwise be taken and do
// nothing. Names are compared ignoring case, as eddy reads them. eddy's
// own (eddy.*) and the server settings eddy also takes per request
// (confignames.EddyReads) pass.
func CheckPropertyName(name string) error {
	if !KnownProperty(name) {
		return fmt.Errorf("Not recognizable as ksql, streams, consumer, or producer property: '%s'", name)
	}
	return nil
}

// KnownProperty resolves name as ksqlDB's KsqlConfigResolver does in its
// strict mode: request.ksql.* and ksql.* (but ksql.streams.*) among
// their own configurations, ksql.functions.* free-form, and anything
// else, less a ksql.streams. prefix, as a consumer or producer
// configuration (bare or after consumer./producer.) or a Streams one;
// under ksql.streams. only the consumer., producer. and topic. prefixes
// may go past those, and topic.* must name a topic configuration.
func KnownProperty(name string) bool {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "eddy.") || confignames.EddyReads(n):
		return true
	case strings.HasPrefix(n, "request.ksql."):
		return confignames.Request(n)
	case strings.HasPrefix(n, "ksql.") && !strings.HasPrefix(n, "ksql.streams."):
		return confignames.KsqlDB(n) || strings.HasPrefix(n, "ksql.functions.")
	}
	key := strings.TrimPrefix(n, "ksql.streams.")
	if k, ok := strings.CutPrefix(key, "consumer."); ok && confignames.Consumer(k) {
		return true
	}
	if k, ok := strings.CutPrefix(key, "producer."); ok && confignames.Producer(k) {
		return true
	}
	if confignames.Consumer(key) || confignames.Producer(key) || confignames.Streams(key) {
		return true
	}
	k, ok := strings.CutPrefix(key, "topic.")
	return ok && confignames.Topic(k)
}

package sql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/internal/confignames"
)

// CheckProperty refuses a session property value of the wrong type
// for its configuration, with Kafka's message, as ksqlDB does when a
// statement sets it (ConfigDef's parse and validator), rather than run
// with a default the user did not ask for (auto.offset.reset='earlist'
// made a push query start at the end of its topic and look hung). The
// message names the configuration the name resolves to, as ksqlDB's:
// commit.interval.ms for ksql.streams.commit.interval.ms. Names that do
// not resolve, eddy's own among them, pass here (CheckPropertyName
// refuses the unknown ones).
func CheckProperty(name, value string) error {
	key, t, ok := resolve(name)
	if !ok {
		return nil
	}
	return confignames.Check(key, t, value)
}

// CheckLocalProperty is CheckPropertyName and CheckProperty and the
// further checks of ksqlDB's LocalPropertyValidator, which its CLI's SET
// and the properties of a request go through: a property of the server
// alone (bootstrap.servers, the SSL settings, ...) may not be
// overridden, nor may a query be asked to fail where it has no offset.
func CheckLocalProperty(name, value string) error {
	if err := CheckPropertyName(name); err != nil {
		return err
	}
	if err := CheckProperty(name, value); err != nil {
		return err
	}
	key, _, _ := resolve(name)
	if confignames.Immutable(key) {
		return fmt.Errorf("Cannot override property '%s'", key)
	}
	if key == "auto.offset.reset" && strings.EqualFold(strings.TrimSpace(value), "none") {
		return errors.New("'none' is not valid for this property within KSQL")
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

// KnownProperty reports whether name resolves (see resolve) or is one
// of eddy's own, which its engine reads.
func KnownProperty(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "eddy.") || confignames.EddyReads(n) {
		return true
	}
	_, _, ok := resolve(n)
	return ok
}

// resolve resolves name, ignoring case, as ksqlDB's KsqlConfigResolver
// does in its strict mode, to the configuration it names and its type:
// request.ksql.* and ksql.* (but ksql.streams.*) among their own
// configurations, ksql.functions.* free-form, and anything else, less a
// ksql.streams. prefix, as a consumer or producer configuration (bare or
// after consumer./producer.) or a Streams one; under ksql.streams. only
// the consumer., producer. and topic. prefixes may go past those, and
// topic.* must name a topic configuration. Free-form and topic.* names
// are Unresolved: ksqlDB takes their values unparsed.
func resolve(name string) (key string, t confignames.Type, ok bool) {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "request.ksql."):
		t, ok = confignames.Request(n)
		return n, t, ok
	case strings.HasPrefix(n, "ksql.") && !strings.HasPrefix(n, "ksql.streams."):
		if t, ok = confignames.KsqlDB(n); ok {
			return n, t, true
		}
		return n, confignames.Unresolved, strings.HasPrefix(n, "ksql.functions.")
	}
	key = strings.TrimPrefix(n, "ksql.streams.")
	if k, ok := strings.CutPrefix(key, "consumer."); ok {
		if t, ok := confignames.Consumer(k); ok {
			return k, t, true
		}
	}
	if k, ok := strings.CutPrefix(key, "producer."); ok {
		if t, ok := confignames.Producer(k); ok {
			return k, t, true
		}
	}
	for _, def := range []func(string) (confignames.Type, bool){confignames.Consumer, confignames.Producer, confignames.Streams} {
		if t, ok := def(key); ok {
			return key, t, true
		}
	}
	if k, ok := strings.CutPrefix(key, "topic."); ok && confignames.Topic(k) {
		return key, confignames.Unresolved, true
	}
	return "", "", false
}

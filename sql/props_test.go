package sql

import "testing"

// TestKnownProperty resolves names as ksqlDB's strict resolver does:
// each prefix sends a name to its own list, and a misspelling anywhere
// is unknown.
func TestKnownProperty(t *testing.T) {
	for name, want := range map[string]bool{
		"auto.offset.reset":                                               true,
		"AUTO.OFFSET.RESET":                                               true, // eddy reads names ignoring case
		"ksql.streams.auto.offset.reset":                                  true,
		"ksql.streams.producer.linger.ms":                                 true,
		"consumer.fetch.min.bytes":                                        true,
		"processing.guarantee":                                            true,
		"ksql.streams.topic.min.insync.replicas":                          true,
		"ksql.query.pull.table.scan.enabled":                              true,
		"ksql.functions.my_udf.setting":                                   true,
		"request.ksql.query.pull.partition":                               true,
		"ksql.streams.__emit.interval.ms.kstreams.windowed.aggregation__": true,
		"eddy.print.to.end":                                               true,
		"ksql.state.store":                                                true,

		"auto.offset.rest":                    false,
		"ksql.streams.retention.ms":           false, // not a Streams, consumer or producer setting
		"ksql.query.pull.table.scan.enable":   false,
		"ksql.streams.consumer.no.such.thing": false,
		"consumer.no.such.thing":              false,
		"ksql.streams.topic.no.such.thing":    false,
		"request.ksql.no.such.thing":          false,
		"foo.bar":                             false,
	} {
		if got := KnownProperty(name); got != want {
			t.Errorf("KnownProperty(%q) = %v, want %v", name, got, want)
		}
	}
	if err := CheckPropertyName("auto.offset.rest"); err == nil || err.Error() != "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'" {
		t.Errorf("CheckPropertyName: %v", err)
	}
}

// TestCheckPropertyValue: a value is parsed as the configuration its
// name resolves to, and the message names that configuration, as
// ksqlDB's; names ksqlDB takes unparsed (topic.*, ksql.functions.*) and
// eddy's own pass whatever their value.
func TestCheckPropertyValue(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"commit.interval.ms", "abc", "Invalid value abc for configuration commit.interval.ms: Not a number of type LONG"},
		{"ksql.streams.commit.interval.ms", "abc", "Invalid value abc for configuration commit.interval.ms: Not a number of type LONG"},
		{"KSQL.STREAMS.CONSUMER.FETCH.MIN.BYTES", "1k", "Invalid value 1k for configuration fetch.min.bytes: Not a number of type INT"},
		{"producer.linger.ms", "soon", "Invalid value soon for configuration linger.ms: Not a number of type LONG"},
		{"auto.offset.reset", "foo", "Invalid value foo for configuration auto.offset.reset: String must be one of: latest, earliest, none"},
		{"ksql.query.pull.table.scan.enabled", "yes", "Invalid value yes for configuration ksql.query.pull.table.scan.enabled: Expected value to be either true or false"},
		{"processing.guarantee", "exactly_once_v3", "Invalid value exactly_once_v3 for configuration processing.guarantee: String must be one of: at_least_once, exactly_once_v2"},
		{"request.ksql.debug.request", "1", "Invalid value 1 for configuration request.ksql.debug.request: Expected value to be either true or false"},
		{"commit.interval.ms", " 500 ", ""},
		{"auto.offset.reset", "none", ""}, // refused by CheckLocalProperty only
		{"ksql.streams.topic.min.insync.replicas", "x", ""},
		{"ksql.functions.my_udf.limit", "x", ""},
		{"ksql.streams.__emit.interval.ms.kstreams.windowed.aggregation__", "x", ""},
		{"eddy.print.to.end", "x", ""},
		{"ksql.state.store", "x", ""},
		{"no.such.name", "x", ""}, // CheckPropertyName's to refuse
	} {
		got := ""
		if err := CheckProperty(c.name, c.value); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckProperty(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

// TestCheckLocalProperty: the CLI's SET and a request's properties
// further refuse a server-wide property and auto.offset.reset='none',
// with ksqlDB's messages, naming the configuration resolved to.
func TestCheckLocalProperty(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"ksql.streams.bootstrap.servers", "x:9092", "Cannot override property 'bootstrap.servers'"},
		{"consumer.ssl.truststore.location", "/x", "Cannot override property 'ssl.truststore.location'"},
		{"ksql.hidden.topics", "x", "Cannot override property 'ksql.hidden.topics'"},
		{"ksql.pull.queries.enable", "maybe", "Invalid value maybe for configuration ksql.pull.queries.enable: Expected value to be either true or false"},
		{"auto.offset.reset", "None", "'none' is not valid for this property within KSQL"},
		{"ksql.streams.consumer.auto.offset.reset", "none", "'none' is not valid for this property within KSQL"},
		{"auto.offset.rest", "earliest", "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'"},
		{"commit.interval.ms", "x", "Invalid value x for configuration commit.interval.ms: Not a number of type LONG"},
		{"auto.offset.reset", "earliest", ""},
		{"ksql.streams.cache.max.bytes.buffering", "0", ""},
	} {
		got := ""
		if err := CheckLocalProperty(c.name, c.value); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckLocalProperty(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

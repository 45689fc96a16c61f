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

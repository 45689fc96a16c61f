package confignames

import "testing"

// TestCheck: a value is refused as Kafka's ConfigDef.parseType and the
// enumerated validators refuse it, with their messages, and taken as
// they take it (trimmed, any case of true and false, Java's doubles).
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		t     Type
		value string
		want  string // "" when taken
	}{
		{"commit.interval.ms", Long, "abc", "Invalid value abc for configuration commit.interval.ms: Not a number of type LONG"},
		{"commit.interval.ms", Long, " 500 ", ""},
		{"commit.interval.ms", Long, "+5", ""},
		{"commit.interval.ms", Long, "1.5", "Invalid value 1.5 for configuration commit.interval.ms: Not a number of type LONG"},
		{"commit.interval.ms", Long, "9223372036854775808", "Invalid value 9223372036854775808 for configuration commit.interval.ms: Not a number of type LONG"},
		{"num.stream.threads", Int, "2147483648", "Invalid value 2147483648 for configuration num.stream.threads: Not a number of type INT"},
		{"num.stream.threads", Int, "", "Invalid value  for configuration num.stream.threads: Not a number of type INT"},
		{"ksql.internal.topic.replicas", Short, "40000", "Invalid value 40000 for configuration ksql.internal.topic.replicas: Not a number of type SHORT"},
		{"sasl.login.refresh.window.factor", Double, "0.8", ""},
		{"sasl.login.refresh.window.factor", Double, "1d", ""},
		{"sasl.login.refresh.window.factor", Double, "NaN", ""},
		{"sasl.login.refresh.window.factor", Double, "inf", "Invalid value inf for configuration sasl.login.refresh.window.factor: Not a number of type DOUBLE"},
		{"sasl.login.refresh.window.factor", Double, "x", "Invalid value x for configuration sasl.login.refresh.window.factor: Not a number of type DOUBLE"},
		{"ksql.query.pull.table.scan.enabled", Boolean, "TRUE ", ""},
		{"ksql.query.pull.table.scan.enabled", Boolean, "yes", "Invalid value yes for configuration ksql.query.pull.table.scan.enabled: Expected value to be either true or false"},
		{"bootstrap.servers", List, "a:1, b:2", ""},
		{"auto.offset.reset", String, "foo", "Invalid value foo for configuration auto.offset.reset: String must be one of: latest, earliest, none"},
		{"auto.offset.reset", String, "Earliest", ""}, // eddy's leniency
		{"processing.guarantee", String, "exactly_once", ""},
		{"processing.guarantee", String, "at_most_once", "Invalid value at_most_once for configuration processing.guarantee: String must be one of: at_least_once, exactly_once_v2"},
		{"isolation.level", String, " READ_COMMITTED", "Invalid value READ_COMMITTED for configuration isolation.level: String must be one of: read_committed, read_uncommitted"},
		{"compression.type", String, "brotli", "Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd"},
		{"security.protocol", String, "sasl_ssl", ""},
		{"security.protocol", String, "TLS", "Invalid value TLS for configuration security.protocol: String must be one of (case insensitive): SASL_SSL, PLAINTEXT, SSL, SASL_PLAINTEXT"},
		{"key.deserializer", Class, "no.such.Class", ""},
	} {
		err := Check(c.name, c.t, c.value)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Check(%s, %s, %q) = %q, want %q", c.name, c.t, c.value, got, c.want)
		}
	}
}

// TestTypes: the types are ConfigDef's (spot checks), and every
// enumerated configuration is a STRING one of some definition.
func TestTypes(t *testing.T) {
	for _, c := range []struct {
		lookup func(string) (Type, bool)
		name   string
		want   Type
	}{
		{Streams, "commit.interval.ms", Long},
		{Streams, "num.stream.threads", Int},
		{Streams, "processing.guarantee", String},
		{Consumer, "fetch.min.bytes", Int},
		{Consumer, "enable.auto.commit", Boolean},
		{Producer, "linger.ms", Long},
		{Producer, "acks", String},
		{KsqlDB, "ksql.query.pull.table.scan.enabled", Boolean},
		{KsqlDB, "ksql.internal.topic.replicas", Short},
		{Request, "request.ksql.query.pull.partition", List},
	} {
		if got, ok := c.lookup(c.name); !ok || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.name, got, ok, c.want)
		}
	}
	for name := range enumerated {
		found := false
		for _, def := range []func(string) (Type, bool){Consumer, Producer, Streams, KsqlDB} {
			if typ, ok := def(name); ok {
				found = true
				if typ != String {
					t.Errorf("%s is enumerated but %s", name, typ)
				}
			}
		}
		if !found {
			t.Errorf("%s is enumerated but no configuration", name)
		}
	}
}

package confignames

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Type is a configuration's type, as Kafka's ConfigDef.Type names it.
type Type string

// The ConfigDef types, and Unresolved for the configurations ksqlDB takes
// without parsing their value (the internal Streams ones).
const (
	Boolean    Type = "BOOLEAN"
	Short      Type = "SHORT"
	Int        Type = "INT"
	Long       Type = "LONG"
	Double     Type = "DOUBLE"
	List       Type = "LIST"
	Class      Type = "CLASS"
	Password   Type = "PASSWORD"
	String     Type = "STRING"
	Unresolved Type = ""
)

// typed turns the names listed under each type into a name's type.
func typed(byType map[Type][]string) map[string]Type {
	m := make(map[string]Type)
	for t, names := range byType {
		for _, n := range names {
			m[n] = t
		}
	}
	return m
}

// oneOf is the validator of an enumerated client, Streams or ksqlDB
// configuration: the values Kafka's ValidString (or, when fold,
// CaseInsensitiveValidString) takes, in the order its message lists them.
type oneOf struct {
	values []string
	fold   bool
}

// enumerated holds the validators of the enumerated configurations
// ksqlDB resolves (topic.* ones it takes unparsed). Kafka's
// case-insensitive message lists its values in its HashSet's order.
var enumerated = map[string]oneOf{
	"acks":                                       {values: []string{"all", "-1", "0", "1"}},
	"auto.offset.reset":                          {values: []string{"latest", "earliest", "none"}},
	"client.dns.lookup":                          {values: []string{"use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"}},
	"compression.type":                           {values: []string{"none", "gzip", "snappy", "lz4", "zstd"}},
	"default.dsl.store":                          {values: []string{"rocksDB", "in_memory"}},
	"group.protocol":                             {values: []string{"CONSUMER", "CLASSIC"}, fold: true},
	"isolation.level":                            {values: []string{"read_committed", "read_uncommitted"}},
	"metadata.recovery.strategy":                 {values: []string{"REBOOTSTRAP", "NONE"}, fold: true},
	"metrics.recording.level":                    {values: []string{"INFO", "DEBUG", "TRACE"}},
	"processing.guarantee":                       {values: []string{"at_least_once", "exactly_once_v2"}},
	"rack.aware.assignment.strategy":             {values: []string{"none", "min_traffic", "balance_subtopology"}},
	"security.protocol":                          {values: []string{"SASL_SSL", "PLAINTEXT", "SSL", "SASL_PLAINTEXT"}, fold: true},
	"ksql.access.validator.enable":               {values: []string{"on", "off", "auto"}},
	"ksql.connect.basic.auth.credentials.source": {values: []string{"NONE", "FILE"}},
	"ksql.properties.overrides.validation.mode":  {values: []string{"denylist", "allowlist"}},
}

// lenient holds the values eddy has always taken beyond Kafka's, which
// its engine reads the same: any case of auto.offset.reset, and the
// processing guarantees Kafka 4 dropped (run as exactly_once_v2).
var lenient = map[string]func(string) bool{
	"auto.offset.reset": func(v string) bool {
		return containsFold([]string{"latest", "earliest", "none"}, v)
	},
	"processing.guarantee": func(v string) bool {
		return containsFold([]string{"at_least_once", "exactly_once_v2", "exactly_once", "exactly_once_beta"}, v)
	},
}

// Check refuses value for the configuration name of type t as Kafka's
// ConfigDef.parseType and the configuration's validator would, with
// their message: the value, trimmed, must parse as t and, for an
// enumerated configuration, be one of its values. CLASS values are not
// checked (eddy has no classes to load).
func Check(name string, t Type, value string) error {
	// Java's String.trim: every leading and trailing char <= ' '.
	v := strings.TrimFunc(value, func(r rune) bool { return r <= ' ' })
	invalid := func(why string, shown string) error {
		return fmt.Errorf("Invalid value %s for configuration %s: %s", shown, name, why)
	}
	var err error
	switch t {
	case Boolean:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return invalid("Expected value to be either true or false", value)
		}
	case Short:
		_, err = strconv.ParseInt(v, 10, 16)
	case Int:
		_, err = strconv.ParseInt(v, 10, 32)
	case Long:
		_, err = strconv.ParseInt(v, 10, 64)
	case Double:
		if !javaDouble(v) {
			err = strconv.ErrSyntax
		}
	}
	if err != nil {
		return invalid("Not a number of type "+string(t), value)
	}
	e, ok := enumerated[name]
	if !ok || t != String {
		return nil
	}
	if fn := lenient[name]; fn != nil && fn(v) {
		return nil
	}
	for _, w := range e.values {
		if v == w || e.fold && strings.EqualFold(v, w) {
			return nil
		}
	}
	// The validator sees the parsed, so trimmed, value.
	if e.fold {
		return invalid("String must be one of (case insensitive): "+strings.Join(e.values, ", "), v)
	}
	return invalid("String must be one of: "+strings.Join(e.values, ", "), v)
}

// javaDouble reports whether Java's Double.parseDouble takes s: Go's
// syntax less its spellings of infinity and NaN, plus Java's, and an
// optional f or d suffix.
func javaDouble(s string) bool {
	switch s {
	case "NaN", "Infinity", "+Infinity", "-Infinity":
		return true
	}
	// A hex mantissa needs a decimal p exponent, so a last f or d is a
	// suffix there too.
	if n := len(s); n > 1 && strings.ContainsRune("fFdD", rune(s[n-1])) {
		s = s[:n-1]
	}
	l := strings.ToLower(s)
	if strings.Contains(l, "inf") || strings.Contains(l, "nan") || strings.Contains(s, "_") {
		return false
	}
	// Java reads a double too large as infinity, not an error.
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

func containsFold(values []string, v string) bool {
	return slices.ContainsFunc(values, func(w string) bool { return strings.EqualFold(v, w) })
}

package connect

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Runtime option names shared by every connector.
const (
	KeyName              = "name"
	KeyClass             = "connector.class"
	KeyTasksMax          = "tasks.max"
	KeyTopics            = "topics"
	KeyTopicsRegex       = "topics.regex"
	KeyKeyConverter      = "key.converter"
	KeyValueConverter    = "value.converter"
	KeyHeaderConverter   = "header.converter"
	KeyTransforms        = "transforms"
	KeyPredicates        = "predicates"
	KeyErrorsTolerance   = "errors.tolerance"
	KeyErrorsLog         = "errors.log.enable"
	KeyErrorsLogMessages = "errors.log.include.messages"
	KeyDLQTopic          = "errors.deadletterqueue.topic.name"
	KeyDLQHeaders        = "errors.deadletterqueue.context.headers.enable"
	KeyDLQReplication    = "errors.deadletterqueue.topic.replication.factor"
	KeyRetryTimeout      = "errors.retry.timeout"
	KeyRetryDelayMax     = "errors.retry.delay.max.ms"
)

// Default converters: keys as strings; values as Avro through the Schema
// Registry when one is configured (what the ksqlDB quickstarts assume),
// else schemaless JSON.
const (
	StringConverterClass = "org.apache.kafka.connect.storage.StringConverter"
	AvroConverterClass   = "io.confluent.connect.avro.AvroConverter"
	JSONConverterClass   = "org.apache.kafka.connect.json.JsonConverter"
)

// CommonSpec lists the options every connector accepts beside its own.
// Sink-only options are marked in their docs and rejected for sources.
func CommonSpec() []ConfigField {
	return []ConfigField{
		{Name: KeyName, Type: TypeString, Doc: "The connector's name (set from the statement)."},
		{Name: KeyClass, Type: TypeString, Required: true, Doc: "The connector's Kafka Connect class name or alias."},
		{Name: KeyTasksMax, Type: TypeInt, Default: "1", Doc: "Sinks: how many tasks share the topics' partitions on this server (1 to 1000). Sources run one task (at least 1 must be asked, as in Kafka Connect)."},
		{Name: KeyTopics, Type: TypeList, Doc: "Sinks: the topics to read (this or topics.regex)."},
		{Name: KeyTopicsRegex, Type: TypeString, Doc: "Sinks: a regular expression; every matching topic is read, new ones included."},
		{Name: KeyKeyConverter, Type: TypeString, Default: StringConverterClass, Doc: "Converter class for record keys; its options are key.converter.*."},
		{Name: KeyValueConverter, Type: TypeString, Doc: "Converter class for record values; its options are value.converter.*. Default: io.confluent.connect.avro.AvroConverter when a Schema Registry is configured, else org.apache.kafka.connect.json.JsonConverter with schemas.enable=false."},
		{Name: KeyHeaderConverter, Type: TypeString, Doc: "Accepted for compatibility; headers pass through as bytes."},
		{Name: KeyTransforms, Type: TypeList, Doc: "Aliases of single message transforms, applied in order; each is configured by transforms.<alias>.type and transforms.<alias>.*."},
		{Name: KeyPredicates, Type: TypeList, Doc: "Aliases of predicates, configured by predicates.<alias>.type and predicates.<alias>.*; a transform uses one with transforms.<alias>.predicate (and .negate)."},
		{Name: KeyErrorsTolerance, Type: TypeString, Default: "none", Enum: []string{"none", "all"}, Doc: "none: a record that cannot be converted, transformed or written fails the task; all: it is skipped (and sent to the dead letter topic, if any)."},
		{Name: KeyErrorsLog, Type: TypeBoolean, Default: "false", Doc: "Log each failed record's error to the server log."},
		{Name: KeyErrorsLogMessages, Type: TypeBoolean, Default: "false", Doc: "Include the record's topic, partition, offset, key and value in that log line."},
		{Name: KeyDLQTopic, Type: TypeString, Doc: "Sinks: the dead letter topic for records skipped under errors.tolerance=all (created when missing)."},
		{Name: KeyDLQHeaders, Type: TypeBoolean, Default: "false", Doc: "Sinks: add Kafka Connect's __connect.errors.* headers to dead-lettered records."},
		{Name: KeyDLQReplication, Type: TypeInt, Default: "1", Doc: "Replication factor of the dead letter topic when eddy creates it."},
		{Name: KeyRetryTimeout, Type: TypeLong, Default: "0", Doc: "Accepted for compatibility; failed writes are retried with backoff until they succeed or the connector stops."},
		{Name: KeyRetryDelayMax, Type: TypeLong, Default: "60000", Doc: "Longest wait, in milliseconds, between retries of a failed task or write."},
	}
}

// MaxSinkTasks is the most tasks a sink connector may ask for.
const MaxSinkTasks = 1000

// sinkOnly are common options a source rejects.
var sinkOnly = map[string]bool{KeyTopics: true, KeyTopicsRegex: true, KeyDLQTopic: true, KeyDLQHeaders: true}

// prefixKeys are the prefixes whose keys belong to a converter,
// transform or predicate; they are checked when those are built.
var prefixKeys = []string{"key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.", "topic.creation.", "consumer.override.", "producer.override."}

// ConfigError lists what is wrong with a connector's configuration.
type ConfigError struct {
	Connector string
	Problems  []string
	// Keys[i], when Keys is as long as Problems, is the option
	// Problems[i] is about ("" for the configuration as a whole), so
	// Kafka Connect's validate endpoint can file each under its option.
	Keys []string
}

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("Validation error: connector %s: %s", e.Connector, e.Problems[0])
	}
	return fmt.Sprintf("Validation error: connector %s:\n  - %s", e.Connector, strings.Join(e.Problems, "\n  - "))
}

// Validate checks a connector's configuration against the plugin named by
// connector.class, the common options and the converters, transforms and
// predicates it names; with reach set it also calls the plugin's Validate
// (which may contact the target). kind, when not empty, must match the
// plugin's (CREATE SOURCE vs CREATE SINK). It returns the plugin and the
// configuration with defaults filled in and aliases resolved.
func (r *Runtime) Validate(ctx context.Context, name string, kind Kind, raw map[string]string, reach bool) (*Plugin, Config, error) {
	class := strings.TrimSpace(raw[KeyClass])
	if class == "" {
		return nil, nil, &ConfigError{Connector: name, Problems: []string{"Missing required configuration \"connector.class\" which has no default value."}}
	}
	p, ok := r.opts.Plugins.Lookup(class)
	if !ok {
		var known []string
		for _, p := range r.opts.Plugins.Plugins() {
			known = append(known, p.Class)
		}
		return nil, nil, &ConfigError{Connector: name, Problems: []string{fmt.Sprintf("Failed to find any class that implements Connector and which name matches %s; available connectors are: %s", class, strings.Join(known, ", "))}}
	}
	if kind != "" && kind != p.Kind {
		return nil, nil, &ConfigError{Connector: name, Problems: []string{fmt.Sprintf("%s is a %s connector; use CREATE %s CONNECTOR", p.Class, strings.ToLower(string(p.Kind)), p.Kind)}}
	}
	cfg, problems, keys := checkSpec(p, raw)
	problem := func(key, msg string) {
		problems = append(problems, msg)
		keys = append(keys, key)
	}
	cfg[KeyName] = name
	cfg[KeyClass] = p.Class
	if cfg[KeyValueConverter] == "" {
		cfg[KeyValueConverter] = r.defaultValueConverter()
		if cfg[KeyValueConverter] == JSONConverterClass {
			if _, set := cfg["value.converter.schemas.enable"]; !set {
				cfg["value.converter.schemas.enable"] = "false"
			}
		}
	}
	if p.Kind == Sink {
		t, rx := cfg[KeyTopics], cfg[KeyTopicsRegex]
		switch {
		case strings.TrimSpace(t) == "" && rx == "":
			problem(KeyTopics, "Must configure one of topics or topics.regex")
		case strings.TrimSpace(t) != "" && rx != "":
			problem(KeyTopicsRegex, "topics and topics.regex are mutually exclusive options, but both are set.")
		case rx != "":
			if _, err := regexp.Compile(rx); err != nil {
				problem(KeyTopicsRegex, fmt.Sprintf("Invalid value %s for configuration topics.regex: %v", rx, err))
			}
		}
		if dlq := cfg[KeyDLQTopic]; dlq != "" {
			for _, t := range ListValue(cfg[KeyTopics]) {
				if t == dlq {
					problem(KeyDLQTopic, fmt.Sprintf("The dead letter queue topic '%s' may not be included in the list of topics ('topics=%s') consumed by the connector", dlq, cfg[KeyTopics]))
				}
			}
		}
	}
	if len(problems) == 0 {
		// Building the pipeline checks converters, transforms and
		// predicates and their options.
		if _, err := r.newPipeline(cfg, p.Kind); err != nil {
			problem("", err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, nil, &ConfigError{Connector: name, Problems: problems, Keys: keys}
	}
	if reach && p.Validate != nil {
		if err := p.Validate(ctx, cfg); err != nil {
			return nil, nil, &ConfigError{Connector: name, Problems: []string{err.Error()}}
		}
	}
	return p, cfg, nil
}

func (r *Runtime) defaultValueConverter() string {
	if r.opts.SchemaRegistry != nil {
		return AvroConverterClass
	}
	return JSONConverterClass
}

// checkSpec validates raw against the plugin's spec plus the common one.
func checkSpec(p *Plugin, raw map[string]string) (cfg Config, problems, about []string) {
	cfg = Config{}
	problem := func(key, msg string) {
		problems = append(problems, msg)
		about = append(about, key)
	}
	fields := map[string]*ConfigField{}
	canon := map[string]string{} // alias -> canonical
	var patterns []*ConfigField
	common := CommonSpec()
	for _, set := range [][]ConfigField{common, p.Spec} {
		for i := range set {
			f := &set[i]
			if strings.Contains(f.Name, "<") || strings.HasSuffix(f.Name, ".*") {
				patterns = append(patterns, f)
				continue
			}
			fields[f.Name] = f
			for _, a := range f.Aliases {
				canon[a] = f.Name
			}
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var unknown []string
	for _, k := range keys {
		v := raw[k]
		name := k
		if c, ok := canon[k]; ok {
			name = c
		}
		f, ok := fields[name]
		if !ok {
			if hasAnyPrefix(k, prefixKeys) || matchesPattern(k, patterns) {
				cfg[k] = v
				continue
			}
			unknown = append(unknown, k)
			continue
		}
		// A sink-only option at its default changes nothing for a
		// source, and the configuration GET …/config returns carries
		// the defaults: a GET, an edit and a PUT (or a PATCH) of a
		// source must pass.
		if p.Kind == Source && sinkOnly[name] && (f.Default == "" || !strings.EqualFold(strings.TrimSpace(v), f.Default)) {
			problem(k, fmt.Sprintf("%s applies to sink connectors only", k))
			continue
		}
		if _, dup := cfg[name]; dup && name != k {
			problem(k, fmt.Sprintf("%s and its alias %s are both set", name, k))
		}
		if err := checkValue(f, v); err != nil {
			problem(name, err.Error())
			continue
		}
		// At least one task, as Kafka Connect's range check asks (0 and
		// -1 had passed and run one). A sink runs tasks.max tasks on
		// this server, each a goroutine and a consumer: an absurd count
		// would exhaust its memory.
		if name == KeyTasksMax {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			if n < 1 {
				problem(name, fmt.Sprintf("Invalid value %s for configuration %s: Value must be at least 1", v, name))
				continue
			}
			if p.Kind == Sink && n > MaxSinkTasks {
				problem(name, fmt.Sprintf("Invalid value %s for configuration %s: Value must be no more than %d", v, name, MaxSinkTasks))
				continue
			}
		}
		cfg[name] = strings.TrimSpace(v)
	}
	for _, k := range unknown {
		problem(k, fmt.Sprintf("unknown configuration %s for %s", quoteList([]string{k}), p.Class))
	}
	for _, set := range [][]ConfigField{common, p.Spec} {
		for _, f := range set {
			if _, ok := cfg[f.Name]; ok || fields[f.Name] == nil {
				continue
			}
			if f.Required {
				problem(f.Name, fmt.Sprintf("Missing required configuration \"%s\" which has no default value.", f.Name))
				continue
			}
			if f.Default != "" {
				cfg[f.Name] = f.Default
			}
		}
	}
	return cfg, problems, about
}

func quoteList(ks []string) string {
	q := make([]string, len(ks))
	for i, k := range ks {
		q[i] = "'" + k + "'"
	}
	return strings.Join(q, ", ")
}

func hasAnyPrefix(k string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// matchesPattern matches spec names such as "topic.override.<topic>.collection"
// (a <placeholder> stands for any text) or "some.prefix.*".
func matchesPattern(k string, ps []*ConfigField) bool {
	for _, f := range ps {
		pat := regexp.QuoteMeta(f.Name)
		pat = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(pat, `.+`)
		pat = strings.ReplaceAll(pat, `\.\*`, `\..+`)
		if ok, _ := regexp.MatchString("^"+pat+"$", k); ok {
			return true
		}
	}
	return false
}

// checkValue checks one option's value against its declared type.
func checkValue(f *ConfigField, v string) error {
	t := strings.TrimSpace(v)
	bad := func(want string) error {
		return fmt.Errorf("Invalid value %s for configuration %s: %s", v, f.Name, want)
	}
	switch f.Type {
	case TypeInt:
		if _, err := strconv.ParseInt(t, 10, 32); err != nil {
			return bad("Not a number of type INT")
		}
	case TypeLong:
		if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			return bad("Not a number of type LONG")
		}
	case TypeDouble:
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return bad("Not a number of type DOUBLE")
		}
	case TypeBoolean:
		if !strings.EqualFold(t, "true") && !strings.EqualFold(t, "false") {
			return bad("Expected value to be either true or false")
		}
	}
	if len(f.Enum) > 0 {
		for _, e := range f.Enum {
			if strings.EqualFold(e, t) {
				return nil
			}
		}
		return bad("String must be one of: " + strings.Join(f.Enum, ", "))
	}
	return nil
}

// ListValue splits a LIST option: comma-separated, blanks trimmed.
func ListValue(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Bool reads a BOOLEAN option (false when absent or malformed).
func (c Config) Bool(k string) bool { return strings.EqualFold(strings.TrimSpace(c[k]), "true") }

// Int reads an INT or LONG option, or def when absent or malformed.
func (c Config) Int(k string, def int64) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(c[k]), 10, 64)
	if err != nil {
		return def
	}
	return n
}

// List reads a LIST option.
func (c Config) List(k string) []string { return ListValue(c[k]) }

// Sub returns the options under prefix with the prefix removed.
func (c Config) Sub(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range c {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return out
}

// CheckOptions validates options of a converter, transform or predicate
// against its spec: types checked, required ones present, defaults filled
// in, and with strict set unknown keys named. what names the owner in
// errors. Converters are not strict: Kafka Connect passes them options
// meant for other converter classes, and configs in the wild carry those.
func CheckOptions(what string, spec []ConfigField, opts map[string]string, strict bool) (map[string]string, error) {
	out := map[string]string{}
	known := map[string]*ConfigField{}
	for i := range spec {
		known[spec[i].Name] = &spec[i]
		for _, a := range spec[i].Aliases {
			known[a] = &spec[i]
		}
	}
	var problems, unknown []string
	for k, v := range opts {
		f, ok := known[k]
		if !ok {
			if strict {
				unknown = append(unknown, k)
			} else {
				out[k] = v
			}
			continue
		}
		if err := checkValue(f, v); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[f.Name] = strings.TrimSpace(v)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		problems = append(problems, fmt.Sprintf("unknown configuration %s", quoteList(unknown)))
	}
	for _, f := range spec {
		if _, ok := out[f.Name]; ok {
			continue
		}
		if f.Required {
			problems = append(problems, fmt.Sprintf("Missing required configuration \"%s\" which has no default value.", f.Name))
		} else if f.Default != "" {
			out[f.Name] = f.Default
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s: %s", what, strings.Join(problems, "; "))
	}
	return out, nil
}

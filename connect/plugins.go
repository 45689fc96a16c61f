package connect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/serde"
)

// Converter turns a record's key or value between Kafka bytes and Connect
// data, as Kafka Connect's Converter does.
type Converter interface {
	// FromConnect serializes a value with its schema (nil: schemaless).
	FromConnect(topic string, schema *Schema, value any) ([]byte, error)
	// ToConnect deserializes bytes (nil: a null value) into data and its
	// schema (nil when the format carries none).
	ToConnect(topic string, data []byte) (*Schema, any, error)
}

// ConverterEnv is what the runtime offers a converter being built.
type ConverterEnv struct {
	// Registry is the Schema Registry to use when the converter's
	// schema.registry.url is absent or names the service's own registry.
	Registry serde.Registry
	// RegistryURL is the URL of Registry, if it is served over HTTP.
	RegistryURL string
}

// ConverterPlugin is a converter class, registered by Kafka Connect name.
type ConverterPlugin struct {
	Class   string
	Aliases []string
	Doc     string
	// Spec lists the options read from key.converter.* / value.converter.*.
	Spec []ConfigField
	// New builds a converter from its options (prefix removed).
	New func(cfg map[string]string, isKey bool, env ConverterEnv) (Converter, error)
}

// Transformation is a single message transform. Apply returns the
// transformed record, or keep=false to drop it.
type Transformation interface {
	Apply(rec Record) (out Record, keep bool, err error)
}

// TransformPlugin is a transform class (e.g.
// "org.apache.kafka.connect.transforms.InsertField$Value").
type TransformPlugin struct {
	Class   string
	Aliases []string
	Doc     string
	Spec    []ConfigField
	// New builds the transform from its options (transforms.<name>.
	// removed, type excluded).
	New func(cfg map[string]string) (Transformation, error)
}

// Predicate decides whether a transform applies to a record.
type Predicate interface {
	Test(rec Record) bool
}

// PredicatePlugin is a predicate class (e.g.
// "org.apache.kafka.connect.transforms.predicates.TopicNameMatches").
type PredicatePlugin struct {
	Class   string
	Aliases []string
	Doc     string
	Spec    []ConfigField
	New     func(cfg map[string]string) (Predicate, error)
}

// named is the lookup side shared by the converter, transform and
// predicate tables.
type named[T any] struct {
	by   map[string]T
	list []T
}

func (n *named[T]) add(what string, p T, names ...string) {
	if n.by == nil {
		n.by = map[string]T{}
	}
	for _, nm := range names {
		k := strings.ToLower(nm)
		if _, dup := n.by[k]; dup {
			panic(fmt.Sprintf("connect: %s %q registered twice", what, nm))
		}
		n.by[k] = p
	}
	n.list = append(n.list, p)
}

func (n *named[T]) get(name string) (T, bool) {
	p, ok := n.by[strings.ToLower(strings.TrimSpace(name))]
	return p, ok
}

// RegisterConverter adds a converter class.
func (r *Registry) RegisterConverter(p *ConverterPlugin) {
	r.converters.add("converter", p, append([]string{p.Class}, p.Aliases...)...)
}

// Converter finds a converter class by name or alias.
func (r *Registry) Converter(class string) (*ConverterPlugin, bool) { return r.converters.get(class) }

// Converters lists the converter classes sorted by name.
func (r *Registry) Converters() []*ConverterPlugin {
	out := append([]*ConverterPlugin(nil), r.converters.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}

// RegisterTransform adds a transform class.
func (r *Registry) RegisterTransform(p *TransformPlugin) {
	r.transforms.add("transform", p, append([]string{p.Class}, p.Aliases...)...)
}

// Transform finds a transform class by name or alias.
func (r *Registry) Transform(class string) (*TransformPlugin, bool) { return r.transforms.get(class) }

// Transforms lists the transform classes sorted by name.
func (r *Registry) Transforms() []*TransformPlugin {
	out := append([]*TransformPlugin(nil), r.transforms.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}

// RegisterPredicate adds a predicate class.
func (r *Registry) RegisterPredicate(p *PredicatePlugin) {
	r.predicates.add("predicate", p, append([]string{p.Class}, p.Aliases...)...)
}

// Predicate finds a predicate class by name or alias.
func (r *Registry) Predicate(class string) (*PredicatePlugin, bool) { return r.predicates.get(class) }

// Predicates lists the predicate classes sorted by name.
func (r *Registry) Predicates() []*PredicatePlugin {
	out := append([]*PredicatePlugin(nil), r.predicates.list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}

package connect

import (
	"fmt"
	"sort"
	"strings"
)

// Registry maps connector class names and aliases to plugins. Each
// built-in connector package has a Register(*Registry) function; the
// wiring in cmd/eddy decides which are present. No package-level state.
type Registry struct {
	byName  map[string]*Plugin // lower-cased class name or alias
	plugins []*Plugin

	converters named[*ConverterPlugin]
	transforms named[*TransformPlugin]
	predicates named[*PredicatePlugin]
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]*Plugin{}}
}

// Register adds a plugin; a class or alias registered twice panics, since
// that is a wiring mistake, not input.
func (r *Registry) Register(p *Plugin) {
	for _, n := range append([]string{p.Class}, p.Aliases...) {
		k := strings.ToLower(n)
		if _, dup := r.byName[k]; dup {
			panic(fmt.Sprintf("connect: %q registered twice", n))
		}
		r.byName[k] = p
	}
	r.plugins = append(r.plugins, p)
}

// Lookup finds a plugin by class name or alias, case-insensitively.
func (r *Registry) Lookup(class string) (*Plugin, bool) {
	p, ok := r.byName[strings.ToLower(strings.TrimSpace(class))]
	return p, ok
}

// Plugins lists every plugin sorted by class name.
func (r *Registry) Plugins() []*Plugin {
	out := append([]*Plugin(nil), r.plugins...)
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}

package transform

import (
	"fmt"
	"regexp"

	"github.com/eddysql/eddy/connect"
)

func registerRouting(r *connect.Registry) {
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "RegexRouter", Doc: "Renames the topic when the whole topic name matches regex; replacement may use $1-style groups.",
		Spec: []connect.ConfigField{
			{Name: "regex", Type: connect.TypeString, Required: true, Doc: "Regular expression matched against the whole topic name."},
			{Name: "replacement", Type: connect.TypeString, Required: true, Doc: "The new topic name."},
		},
		New: func(cfg map[string]string) (connect.Transformation, error) {
			re, err := regexp.Compile("^(?:" + cfg["regex"] + ")$")
			if err != nil {
				return nil, fmt.Errorf("regex: %w", err)
			}
			// Java's $1 becomes Go's ${1} so "$1_x" keeps its meaning.
			repl := regexp.MustCompile(`\$(\d+)`).ReplaceAllString(cfg["replacement"], "$${$1}")
			return fn(func(rec connect.Record) (connect.Record, bool, error) {
				if re.MatchString(rec.Topic) {
					rec.Topic = re.ReplaceAllString(rec.Topic, repl)
				}
				return rec, true, nil
			}), nil
		},
	})
	r.RegisterTransform(&connect.TransformPlugin{
		Class: pkg + "Filter", Doc: "Drops every record it applies to; give it a predicate (transforms.<alias>.predicate, negate) to drop only some.",
		New: func(map[string]string) (connect.Transformation, error) {
			return fn(func(rec connect.Record) (connect.Record, bool, error) { return rec, false, nil }), nil
		},
	})
}

const predPkg = pkg + "predicates."

type predFn func(connect.Record) bool

func (p predFn) Test(r connect.Record) bool { return p(r) }

func registerPredicates(r *connect.Registry) {
	r.RegisterPredicate(&connect.PredicatePlugin{
		Class: predPkg + "TopicNameMatches", Doc: "True when the whole topic name matches pattern.",
		Spec: []connect.ConfigField{{Name: "pattern", Type: connect.TypeString, Required: true, Doc: "Regular expression."}},
		New: func(cfg map[string]string) (connect.Predicate, error) {
			re, err := regexp.Compile("^(?:" + cfg["pattern"] + ")$")
			if err != nil {
				return nil, fmt.Errorf("pattern: %w", err)
			}
			return predFn(func(r connect.Record) bool { return re.MatchString(r.Topic) }), nil
		},
	})
	r.RegisterPredicate(&connect.PredicatePlugin{
		Class: predPkg + "HasHeaderKey", Doc: "True when the record has a header of that name.",
		Spec: []connect.ConfigField{{Name: "name", Type: connect.TypeString, Required: true, Doc: "Header name."}},
		New: func(cfg map[string]string) (connect.Predicate, error) {
			name := cfg["name"]
			return predFn(func(r connect.Record) bool {
				for _, h := range r.Headers {
					if h.Key == name {
						return true
					}
				}
				return false
			}), nil
		},
	})
	r.RegisterPredicate(&connect.PredicatePlugin{
		Class: predPkg + "RecordIsTombstone", Doc: "True when the record's value is null.",
		New: func(map[string]string) (connect.Predicate, error) {
			return predFn(func(r connect.Record) bool { return r.Value == nil }), nil
		},
	})
}

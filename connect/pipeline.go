package connect

import (
	"fmt"
	"strings"
)

// Stage names where a record failed, as Kafka Connect's
// __connect.errors.stage header spells them.
const (
	StageKeyConverter   = "KEY_CONVERTER"
	StageValueConverter = "VALUE_CONVERTER"
	StageTransformation = "TRANSFORMATION"
	StageTaskPut        = "TASK_PUT"
	StageTaskPoll       = "TASK_POLL"
	StageProduce        = "KAFKA_PRODUCE"
)

// pipeline is a connector's converters and transform chain, built once
// per task from its configuration.
type pipeline struct {
	keyConv, valConv           Converter
	keyConvClass, valConvClass string
	steps                      []step
}

type step struct {
	alias, class string
	t            Transformation
	pred         Predicate
	negate       bool
}

// stageError says where a record failed and why.
type stageError struct {
	stage, class string
	err          error
}

func (e *stageError) Error() string {
	return fmt.Sprintf("%s (%s): %v", e.stage, e.class, e.err)
}

func (e *stageError) Unwrap() error { return e.err }

// newPipeline builds the converters, predicates and transforms a
// configuration names, checking their options.
func (r *Runtime) newPipeline(cfg Config, kind Kind) (*pipeline, error) {
	p := &pipeline{}
	var err error
	if p.keyConv, p.keyConvClass, err = r.converter(cfg, KeyKeyConverter, true); err != nil {
		return nil, err
	}
	if p.valConv, p.valConvClass, err = r.converter(cfg, KeyValueConverter, false); err != nil {
		return nil, err
	}
	preds := map[string]Predicate{}
	for _, alias := range cfg.List(KeyPredicates) {
		prefix := KeyPredicates + "." + alias + "."
		opts := cfg.Sub(prefix)
		class := opts["type"]
		delete(opts, "type")
		if class == "" {
			return nil, fmt.Errorf("Missing required configuration \"%stype\" which has no default value.", prefix)
		}
		pp, ok := r.opts.Plugins.Predicate(class)
		if !ok {
			return nil, fmt.Errorf("Invalid value %s for configuration %stype: Class %s could not be found.", class, prefix, class)
		}
		checked, err := CheckOptions("predicate "+alias+" ("+pp.Class+")", pp.Spec, opts, true)
		if err != nil {
			return nil, err
		}
		if preds[alias], err = pp.New(checked); err != nil {
			return nil, fmt.Errorf("predicate %s (%s): %w", alias, pp.Class, err)
		}
	}
	for _, alias := range cfg.List(KeyTransforms) {
		prefix := KeyTransforms + "." + alias + "."
		opts := cfg.Sub(prefix)
		class := opts["type"]
		if class == "" {
			return nil, fmt.Errorf("Missing required configuration \"%stype\" which has no default value.", prefix)
		}
		tp, ok := r.opts.Plugins.Transform(class)
		if !ok {
			return nil, fmt.Errorf("Invalid value %s for configuration %stype: Class %s could not be found.", class, prefix, class)
		}
		s := step{alias: alias, class: tp.Class}
		if pn, ok := opts["predicate"]; ok {
			if s.pred = preds[pn]; s.pred == nil {
				return nil, fmt.Errorf("Invalid value %s for configuration %spredicate: no predicate of that alias is listed in predicates", pn, prefix)
			}
		}
		if neg, ok := opts["negate"]; ok {
			if !strings.EqualFold(neg, "true") && !strings.EqualFold(neg, "false") {
				return nil, fmt.Errorf("Invalid value %s for configuration %snegate: Expected value to be either true or false", neg, prefix)
			}
			s.negate = strings.EqualFold(neg, "true")
		}
		for _, k := range []string{"type", "predicate", "negate"} {
			delete(opts, k)
		}
		checked, err := CheckOptions("transform "+alias+" ("+tp.Class+")", tp.Spec, opts, true)
		if err != nil {
			return nil, err
		}
		if s.t, err = tp.New(checked); err != nil {
			return nil, fmt.Errorf("transform %s (%s): %w", alias, tp.Class, err)
		}
		p.steps = append(p.steps, s)
	}
	return p, nil
}

func (r *Runtime) converter(cfg Config, key string, isKey bool) (Converter, string, error) {
	class := cfg[key]
	cp, ok := r.opts.Plugins.Converter(class)
	if !ok {
		var known []string
		for _, c := range r.opts.Plugins.Converters() {
			known = append(known, c.Class)
		}
		return nil, "", fmt.Errorf("Invalid value %s for configuration %s: Class %s could not be found; known converters: %s", class, key, class, strings.Join(known, ", "))
	}
	opts, err := CheckOptions(key+" ("+cp.Class+")", cp.Spec, cfg.Sub(key+"."), false)
	if err != nil {
		return nil, "", err
	}
	c, err := cp.New(opts, isKey, ConverterEnv{Registry: r.opts.SchemaRegistry, RegistryURL: r.opts.SchemaRegistryURL})
	if err != nil {
		return nil, "", fmt.Errorf("%s (%s): %w", key, cp.Class, err)
	}
	return c, cp.Class, nil
}

// transform runs the chain; keep=false means a transform dropped it.
func (p *pipeline) transform(rec Record) (Record, bool, error) {
	for _, s := range p.steps {
		if s.pred != nil && s.pred.Test(rec) == s.negate {
			continue
		}
		out, keep, err := s.t.Apply(rec)
		if err != nil {
			return rec, false, &stageError{stage: StageTransformation, class: s.class, err: err}
		}
		if !keep {
			return rec, false, nil
		}
		rec = out
	}
	return rec, true, nil
}

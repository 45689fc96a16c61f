package expr

import (
	"github.com/eddysql/eddy/types"
)

// Aggregates declared by signature, as in ksqlDB's UDAF framework (0.28+):
// a call lists the columns to aggregate, then the factory's initial
// arguments, which must be literals. Either list may end in a variadic
// parameter, but a signature has at most one. Matching uses exact types:
// ksqlDB's aggregate index allows no implicit casts, so an INTEGER does
// not fill a BIGINT parameter.

// udafSig is one factory of a signature-declared aggregate.
type udafSig struct {
	cols     []*types.Type // per-row parameters; markers as in overload
	inits    []*types.Type // literal parameters, after the columns
	variadic bool          // the last parameter (of inits if any, else of cols) repeats
	// varCol: the last column parameter repeats, and the initial
	// arguments follow the repetitions (a variadic in the middle).
	varCol bool
	// build makes the aggregate once the call matched: cols holds the
	// column arguments' types (each bound to a concrete type where the
	// argument is not NULL), inits the literal values.
	build func(name string, cols []*types.Type, inits []any) *Aggregate
}

// params is the full signature: columns, then initial arguments.
func (s *udafSig) params() []*types.Type {
	return append(append([]*types.Type{}, s.cols...), s.inits...)
}

// match reports whether the argument types fit the signature, and the
// concrete type of each argument's parameter.
func (s *udafSig) match(args []AggArg) ([]*types.Type, bool) {
	if s.varCol {
		return s.matchVarCol(args)
	}
	ps := s.params()
	n := len(ps)
	if s.variadic {
		if len(args) < n-1 {
			return nil, false
		}
	} else if len(args) != n {
		return nil, false
	}
	// Arguments past the last parameter repeat it (the variadic one).
	vars := map[string]*types.Type{}
	bound := make([]*types.Type, len(args))
	for i, a := range args {
		p := ps[min(i, n-1)]
		if !exactFit(p, a.Type, vars) {
			return nil, false
		}
		bound[i] = a.Type
	}
	return bound, true
}

// matchVarCol is match for a signature whose last column repeats before
// its initial arguments.
func (s *udafSig) matchVarCol(args []AggArg) ([]*types.Type, bool) {
	fixed := len(s.cols) - 1
	nCols := len(args) - len(s.inits)
	if nCols < fixed {
		return nil, false
	}
	vars := map[string]*types.Type{}
	bound := make([]*types.Type, len(args))
	for i, a := range args {
		var p *types.Type
		switch {
		case i < fixed:
			p = s.cols[i]
		case i < nCols:
			p = s.cols[fixed]
		default:
			p = s.inits[i-nCols]
		}
		if !exactFit(p, a.Type, vars) {
			return nil, false
		}
		bound[i] = a.Type
	}
	return bound, true
}

// exactFit reports whether an argument of type a fills parameter p with
// no cast, binding type variables in vars. A NULL (nil) fills any
// parameter but a type variable, which it could not give a type.
func exactFit(p, a *types.Type, vars map[string]*types.Type) bool {
	switch {
	case p == anyType:
		return true
	case a == nil:
		return !hasTypeVar(p)
	case p == anyDecimal:
		return a.Kind == types.Decimal
	case p.Kind == types.Unknown:
		if b, ok := vars[p.Name]; ok {
			return a.Equal(b)
		}
		vars[p.Name] = a
		return true
	case p.Kind == types.Array:
		return a.Kind == types.Array && exactFit(p.Elem, a.Elem, vars)
	case p.Kind == types.Map:
		return a.Kind == types.Map && exactFit(p.Key, a.Key, vars) && exactFit(p.Elem, a.Elem, vars)
	}
	return p.Equal(a)
}

// isGeneric reports whether the signature has type variables; ksqlDB
// prefers a concrete signature over a generic one that also fits.
func (s *udafSig) isGeneric() bool {
	for _, p := range s.params() {
		if hasTypeVar(p) {
			return true
		}
	}
	return false
}

func hasTypeVar(p *types.Type) bool {
	switch {
	case p == anyType:
		return true
	case p == anyDecimal:
		return false
	case p.Kind == types.Unknown:
		return true
	case p.Kind == types.Array:
		return hasTypeVar(p.Elem)
	case p.Kind == types.Map:
		return hasTypeVar(p.Key) || hasTypeVar(p.Elem)
	}
	return false
}

// addSigAggregate registers an aggregate declared by signatures.
func (r *Registry) addSigAggregate(name string, sigs ...udafSig) {
	r.udafs[name] = sigResolver(sigs)
	r.udafSigs[name] = sigs
}

// describeSigs lists signatures for DESCRIBE FUNCTION; the return type
// comes from building each with its parameter patterns.
func describeSigs(name string, sigs []udafSig) []Signature {
	out := make([]Signature, 0, len(sigs))
	for _, s := range sigs {
		d := Signature{Variadic: s.variadic || s.varCol, Returns: "ANY"}
		for _, p := range s.params() {
			d.Params = append(d.Params, paramLabel(p))
		}
		if agg := safeBuild(&s, name); agg != nil {
			d.Returns = paramLabel(agg.ReturnType)
		}
		out = append(out, d)
	}
	return out
}

// safeBuild builds s for its own parameter patterns and zero initial
// arguments, or returns nil if the builder cannot.
func safeBuild(s *udafSig, name string) (agg *Aggregate) {
	defer func() {
		if recover() != nil {
			agg = nil
		}
	}()
	return s.build(name, s.cols, make([]any, len(s.inits)))
}

// sigResolver resolves a call against signatures: the first concrete
// match wins, else the first generic one. No match is ksqlDB's
// "Function 'X' does not accept parameters (…)."; a non-literal where
// an initial argument belongs is "Parameter N … must be a literal
// constant".
func sigResolver(sigs []udafSig) resolveFn {
	return func(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
		var best *udafSig
		var bound []*types.Type
		for i := range sigs {
			s := &sigs[i]
			b, ok := s.match(args)
			if !ok {
				continue
			}
			if best == nil || (best.isGeneric() && !s.isGeneric()) {
				best, bound = s, b
			}
		}
		if best == nil {
			return nil, errAggParams(name, args)
		}
		nInits := len(best.inits)
		if best.variadic && nInits > 0 {
			nInits = len(args) - len(best.cols)
		}
		nCols := len(args) - nInits
		inits := make([]any, nInits)
		for i := range inits {
			a := args[nCols+i]
			if !a.Const {
				return nil, errNotLiteral(name, nCols+i, a)
			}
			inits[i] = a.Value
		}
		agg := best.build(name, bound[:nCols], inits)
		agg.Name = name
		agg.Args = make([]int, nCols)
		for i := range agg.Args {
			agg.Args[i] = i
		}
		return agg, nil
	}
}

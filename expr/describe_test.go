package expr

import (
	"strings"
	"testing"
)

func sigText(s Signature) string {
	v := ""
	if s.Variadic {
		v = "..."
	}
	return "(" + strings.Join(s.Params, ", ") + v + ") " + s.Returns
}

func TestDescribeFunctions(t *testing.T) {
	r := NewRegistry()
	if _, ok := r.Describe("nope"); ok {
		t.Fatal("unknown function described")
	}
	info, ok := r.Describe("substring")
	if !ok || info.Name != "SUBSTRING" || info.Aggregate || info.Custom || len(info.Signatures) == 0 {
		t.Fatalf("SUBSTRING: %+v", info)
	}
	var sigs []string
	for _, s := range info.Signatures {
		sigs = append(sigs, sigText(s))
	}
	if !strings.Contains(strings.Join(sigs, "\n"), "(STRING, INTEGER) STRING") {
		t.Errorf("SUBSTRING signatures: %q", sigs)
	}
	info, ok = r.Describe("COUNT")
	if !ok || !info.Aggregate || len(info.Signatures) == 0 {
		t.Fatalf("COUNT: %+v", info)
	}
	for _, s := range info.Signatures {
		if s.Returns != "BIGINT" {
			t.Errorf("COUNT returns %s for %v", s.Returns, s.Params)
		}
	}
	info, _ = r.Describe("TOPK")
	found := false
	for _, s := range info.Signatures {
		found = found || sigText(s) == "(INTEGER, INTEGER) ARRAY<INTEGER>"
	}
	if !found {
		t.Errorf("TOPK signatures: %+v", info.Signatures)
	}
	info, _ = r.Describe("transform")
	if !info.Custom || len(info.Signatures) != 0 {
		t.Errorf("TRANSFORM: %+v", info)
	}
	// Every registered function can be described.
	for _, n := range append(r.Names(), r.AggregateNames()...) {
		info, ok := r.Describe(n)
		if !ok || (!info.Custom && len(info.Signatures) == 0) {
			t.Errorf("%s: %+v", n, info)
		}
	}
}

package expr

import (
	"math"
	"testing"
)

// NaN and the infinities have no DECIMAL value: toDecimal refuses them
// rather than letting decimal.NewFromFloat panic.
func TestToDecimalNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if d, ok := toDecimal(f); ok {
			t.Errorf("toDecimal(%v) = %v", f, d)
		}
	}
	if d, ok := toDecimal(1.5); !ok || d.String() != "1.5" {
		t.Errorf("toDecimal(1.5) = %v, %v", d, ok)
	}
}

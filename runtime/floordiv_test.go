package runtime

import (
	"math"
	"testing"
)

// TestFloorDiv: floorDiv rounds down (towards minus infinity, where Go's
// division rounds towards zero), for window starts before and after the
// epoch: q·m <= x < (q+1)·m.
func TestFloorDiv(t *testing.T) {
	xs := []int64{math.MinInt64 / 2, -86_400_001, -10_001, -10_000, -9_999, -1, 0, 1, 9_999, 10_000, 10_001, math.MaxInt64}
	for x := int64(-50); x <= 50; x++ {
		xs = append(xs, x)
	}
	for _, m := range []int64{1, 2, 3, 7, 2_000, 10_000, 86_400_000} {
		for _, x := range xs {
			q := floorDiv(x, m)
			if r := x - q*m; r < 0 || r >= m {
				t.Fatalf("floorDiv(%d, %d) = %d: remainder %d, not the floored quotient", x, m, q, r)
			}
		}
	}
}

package planner

import "testing"

// TestJoinStepNames: the sides and joins of a join of three sources are
// named as ksqlDB's left-deep join tree names them, L_ per level below
// the last join.
func TestJoinStepNames(t *testing.T) {
	got := []string{
		joinSideStep(2, 0, "Left"), joinSideStep(2, 0, "Right"), joinPrefix(2, 0) + "Join",
		joinSideStep(2, 1, "Right"), joinPrefix(2, 1) + "Join",
		joinSideStep(1, 0, "Left"), joinSideStep(1, 0, "Right"),
	}
	want := []string{
		"KafkaTopic_L_Left", "KafkaTopic_L_Right", "L_Join",
		"KafkaTopic_Right", "Join",
		"KafkaTopic_Left", "KafkaTopic_Right",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d: %q, want %q", i, got[i], want[i])
		}
	}
}

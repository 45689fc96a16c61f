package sql

import "testing"

func TestSubstituteTrackedWritten(t *testing.T) {
	text := "SELECT '$${a}', ${v}\n  FROM ${s} x;"
	sub, err := SubstituteTracked(text, map[string]string{"v": "1,\n2", "s": "long_name"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Text != "SELECT '${a}', 1,\n2\n  FROM long_name x;" {
		t.Fatalf("text %q", sub.Text)
	}
	for _, tc := range []struct{ in, want Pos }{
		{Pos{1, 1}, Pos{1, 1}},   // before any variable
		{Pos{1, 9}, Pos{1, 9}},   // the $ of $${a}
		{Pos{1, 11}, Pos{1, 12}}, // the a after it
		{Pos{2, 1}, Pos{1, 17}},  // inside ${v}'s value: its ${
		{Pos{3, 8}, Pos{2, 8}},   // inside ${s}'s value
		{Pos{3, 18}, Pos{2, 13}}, // x after it
		{Pos{3, 21}, Pos{2, 15}}, // past the end
	} {
		if got := sub.Written(tc.in); got != tc.want {
			t.Errorf("Written(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

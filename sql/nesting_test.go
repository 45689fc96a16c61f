package sql

import (
	"errors"
	"strings"
	"testing"
)

// TestNestingBounded: expressions and types nested beyond MaxNesting are
// a syntax error naming the place, not a stack overflow; what nests
// less parses.
func TestNestingBounded(t *testing.T) {
	deep := func(open, mid, close string, n int) string {
		return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
	}
	const huge = 200_000
	tooDeep := []string{
		"SELECT " + deep("(", "1", ")", huge) + " FROM x;",
		"SELECT " + deep("(", "1", ")", MaxNesting+1) + " FROM x;",
		"SELECT a FROM x WHERE " + strings.Repeat("NOT ", huge) + "b;",
		"SELECT " + strings.Repeat("- ", huge) + "a FROM x;",
		"SELECT a" + strings.Repeat(" OR a", huge) + " FROM x;",
		"SELECT a" + strings.Repeat(" + a", MaxNesting+1) + " FROM x;",
		"SELECT a" + strings.Repeat("[1]", huge) + " FROM x;",
		"SELECT ABS(" + deep("ABS(", "1", ")", huge) + ") FROM x;",
		"SELECT CASE WHEN a THEN 1 ELSE " + deep("CASE WHEN a THEN 1 ELSE ", "2", " END", huge) + " END FROM x;",
		"CREATE STREAM s (a " + deep("ARRAY<", "INT", ">", huge) + ") WITH (kafka_topic='s', value_format='JSON');",
	}
	for _, text := range tooDeep {
		_, err := Parse(text)
		var pe *Error
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("%.60s…: %v, want a nesting error", text, err)
		} else if !errors.As(err, &pe) || pe.Pos.Line != 1 || pe.Pos.Col < 8 {
			t.Errorf("%.60s…: error without its position: %#v", text, err)
		}
	}
	fine := []string{
		"SELECT " + deep("(", "1", ")", MaxNesting/2) + " FROM x;",
		"SELECT a" + strings.Repeat(" OR a", MaxNesting/2) + " FROM x;",
		"SELECT a FROM x WHERE " + strings.Repeat("NOT ", MaxNesting/2) + "b;",
	}
	for _, text := range fine {
		if _, err := Parse(text); err != nil {
			t.Errorf("%.60s…: %v", text, err)
		}
	}
}

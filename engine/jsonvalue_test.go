package engine

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

// A TIME in a REST row is written as ksqlDB's ApiJsonMapper writes it,
// with SqlTimeTypes.formatTime: seconds only when not zero, no millis.
func TestJSONValueTime(t *testing.T) {
	for _, tc := range []struct {
		ms   int32
		want string
	}{
		{48300000, "13:25"},
		{48307000, "13:25:07"},
		{48307123, "13:25:07"},
		{0, "00:00"},
	} {
		if got := JSONValue(types.TimeVal(tc.ms), types.TimeType); got != tc.want {
			t.Errorf("JSONValue(TIME %d) = %v, want %s", tc.ms, got, tc.want)
		}
	}
}

package metrics

import (
	"errors"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("410102", "2025-03-05", 0, 1, true)
	if err != nil || q.Scope != "410102" || q.Season != 1 || !q.Fallback || !q.AsOf.Equal(time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %v", q, err)
	}
	for _, c := range []struct {
		scope, asOf string
		season      int
		param, msg  string
	}{
		{"", "", 0, "scope", "scope is missing: give --scope CODE"},
		{"999", "", 0, "scope", `scope "999" is not a region code: 2, 4, 6, 9 or 12 digits (41 province, 4101 city, 410102 county)`},
		{"41", "", 3, "season", "season must be 1 or 2"},
		{"41", "2025/3/5", 0, "as-of", `as-of "2025/3/5": use YYYY-MM-DD`},
	} {
		_, err := ParseQuery(c.scope, c.asOf, 0, c.season, false)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != c.param || err.Error() != c.msg {
			t.Errorf("ParseQuery(%q, %q, season %d) = %v; want %s", c.scope, c.asOf, c.season, err, c.msg)
		}
	}
}

package load

import "testing"

func TestScopeAndKindText(t *testing.T) {
	for _, c := range []struct {
		s    Scope
		want string
	}{
		{Scope{Region: "4101", Year: 2025, Season: 1}, "4101 2025 S1"},
		{Scope{Region: "41", Year: 2025}, "41 2025"},
		{Scope{Region: "410102"}, "410102"},
		{Scope{Year: 2025, Season: 2}, "2025 S2"},
	} {
		if got := c.s.Text(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
	if got := KindText("exams", "physical"); got != "exams/physical" {
		t.Errorf("exams: %q", got)
	}
	if got := KindText("quotas", ""); got != "quotas" {
		t.Errorf("quotas: %q", got)
	}
}

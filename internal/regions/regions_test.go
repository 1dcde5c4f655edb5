package regions

import "testing"

func TestBuiltin(t *testing.T) {
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// 31 provinces, 342 cities, 2,978 counties, 41,352 towns (data/README).
	counts := map[Level]int{}
	for _, r := range tab.All() {
		counts[r.Level]++
	}
	want := map[Level]int{Province: 31, City: 342, County: 2978, Town: 41352}
	for l, n := range want {
		if counts[l] != n {
			t.Errorf("level %s: %d regions, want %d", l.Label(), counts[l], n)
		}
	}
	if got := tab.Name("41"); got != "河南省" {
		t.Errorf("Name(41) = %q", got)
	}
	if got := tab.Name("410102"); got != "中原区" {
		t.Errorf("Name(410102) = %q", got)
	}
	if n := len(tab.Children("41")); n != 18 {
		t.Errorf("Henan has %d cities, want 18", n)
	}
}

func TestCodes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"410102000000", "410102"},
		{"410102001000", "410102001"},
		{"410102001001", "410102001001"},
		{"410000000000", "41"},
		{"410100", "4101"},
		{" 4101 ", "4101"},
		{"410102.0", "410102"},
		{"41010", ""},
		{"abc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormaliseCode(tt.in); got != tt.want {
			t.Errorf("NormaliseCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if Parent("410102001") != "410102" || Parent("41") != "" {
		t.Error("Parent")
	}
	if CommonAncestor("410102001", "410103002") != "4101" || CommonAncestor("41", "42") != "" {
		t.Error("CommonAncestor")
	}
}

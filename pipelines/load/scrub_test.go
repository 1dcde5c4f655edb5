package load

import "testing"

func TestScrubIDs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"410102001", "410102001"},
		{"2025-01-10", "2025-01-10"},
		{"99010120050101123X", "990101********123X"},
		{"99010120050101123x", "990101********123x"},
		{"value \"990101200501011232\" not recognised", "value \"990101********1232\" not recognised"},
		{"990101050101123", "990101*****1123"}, // the old 15-digit form
		{"９９０１０１２００５０１０１１２３２", "９９０１０１********１２３２"},
		{"12345678901234", "12345678901234"}, // 14 digits: no identity number
		{"a 99010120050101123X b 990102200402290025", "a 990101********123X b 990102********0025"},
	} {
		if got := scrubIDs(tc.in); got != tc.want {
			t.Errorf("scrubIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

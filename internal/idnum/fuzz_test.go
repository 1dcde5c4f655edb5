package idnum

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks the identity-number check on any text a cell may hold:
// no panic, and whatever it accepts is a well-formed number that decodes
// to what it says. Seeds use the province prefix 99, which no real number
// carries.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"99010120050101123X", "99010120050101123x", " 99010120050101123X ", "'990101200501011238",
		"９９０１０１２００５０１０１１２３X", "990101200502301230", "99010120050101", "",
		"9901012005010112３Ｘ", "\u3000990101200501011238\t", "99010119000229123X",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if n != (Number{}) {
				t.Fatalf("Parse(%q) failed (%v) but returned %+v", s, err, n)
			}
			return
		}
		if len(n.Normalised) != 18 {
			t.Fatalf("Parse(%q) = %q: not 18 characters", s, n.Normalised)
		}
		want, err := CheckChar(n.Normalised[:17])
		if err != nil || want != n.Normalised[17] {
			t.Fatalf("Parse(%q) = %q: check character %c, want %c (%v)", s, n.Normalised, n.Normalised[17], want, err)
		}
		if n.County != n.Normalised[:6] || n.Birth.Format("20060102") != n.Normalised[6:14] {
			t.Fatalf("Parse(%q) = %+v: county or birth date disagree with the number", s, n)
		}
		if n.Male != ((n.Normalised[16]-'0')%2 == 1) {
			t.Fatalf("Parse(%q): gender disagrees with the sequence digit", s)
		}
		// Normalising is idempotent: the stored form parses to itself, so a
		// pseudonym does not depend on how the office typed the number.
		again, err := Parse(n.Normalised)
		if err != nil || again != n {
			t.Fatalf("Parse(Parse(%q).Normalised) = %+v, %v", s, again, err)
		}
		if Make(n.County, n.Birth, atoi(n.Normalised[14:17])) != n.Normalised {
			t.Fatalf("Make does not rebuild %q", n.Normalised)
		}
	})
}

// FuzzMask checks the masks written to rejects: they never show more than
// the first 6 and last 4 characters of a number, or more than the first
// character of a name, and never grow the text.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"99010120050101123X", "张三", "欧阳明轩", "", " 990101 ", "1234567890", "12345678901"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		r := []rune(strings.TrimSpace(s))
		if utf8.RuneCountInString(m) != len(r) {
			t.Fatalf("Mask(%q) = %q: %d characters, want %d", s, m, utf8.RuneCountInString(m), len(r))
		}
		mr := []rune(m)
		for i := range mr {
			shown := len(r) > 10 && (i < 6 || i >= len(r)-4)
			if !shown && mr[i] != '*' {
				t.Fatalf("Mask(%q) = %q shows character %d", s, m, i)
			}
		}
		name := MaskName(s)
		nr := []rune(name)
		if len(nr) != len(r) {
			t.Fatalf("MaskName(%q) = %q: length changed", s, name)
		}
		for i := 1; i < len(nr); i++ {
			if nr[i] != '*' {
				t.Fatalf("MaskName(%q) = %q shows character %d", s, name, i)
			}
		}
	})
}

// FuzzCheckChar compares the check character with a plain reading of ISO
// 7064 MOD 11-2 (the weights are 2^(17-i) mod 11), written independently of
// the table in idnum.go.
func FuzzCheckChar(f *testing.F) {
	f.Add("99010120050101123", int64(0))
	f.Add("11010519491231002", int64(1)) // the standard's own example: X
	f.Fuzz(func(t *testing.T, s string, salt int64) {
		c, err := CheckChar(s)
		if len(s) != 17 || strings.Trim(s, "0123456789") != "" {
			if err == nil {
				t.Fatalf("CheckChar(%q) accepted non-digits or a wrong length", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("CheckChar(%q): %v", s, err)
		}
		sum := 0
		for i := 0; i < 17; i++ {
			w := 1
			for k := 0; k < 17-i; k++ {
				w = w * 2 % 11
			}
			sum += int(s[i]-'0') * w
		}
		v := (12 - sum%11) % 11
		want := byte('0' + v)
		if v == 10 {
			want = 'X'
		}
		if c != want {
			t.Fatalf("CheckChar(%q) = %c, want %c", s, c, want)
		}
		// Every other final character fails the check, whatever the
		// birth date says.
		other := byte('0' + byte(uint64(salt)%10))
		if other == c {
			other = 'X'
			if c == 'X' {
				other = '0'
			}
		}
		if _, err := Parse(s + string(other)); err == nil {
			t.Fatalf("Parse accepted %s%c with the wrong check character", s, other)
		}
	})
}

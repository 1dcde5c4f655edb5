// Package idnum checks and decodes resident identity numbers (公民身份号码,
// GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
// (odd for men), and an ISO 7064 MOD 11-2 check character.
package idnum

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reasons a number is refused; callers match them with errors.Is to file a
// reject under a stable reason code.
var (
	ErrLength    = errors.New("identity number must have 18 characters")
	ErrCharacter = errors.New("identity number must be 17 digits and a digit or X")
	ErrCheck     = errors.New("identity number check character does not match")
	ErrBirthDate = errors.New("identity number birth date is not a valid date")
)

// Number is a checked identity number and what it tells without naming anyone.
type Number struct {
	Normalised string // 18 characters, check character upper-case
	County     string // 6-digit address code of first registration
	Birth      time.Time
	Male       bool
}

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckChar returns the MOD 11-2 check character for the first 17 digits.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, ErrCharacter
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11], nil
}

// Normalise trims spaces, folds full-width digits and a lower-case x, the
// forms Excel exports and hand typing produce.
func Normalise(s string) string {
	s = strings.TrimSpace(s)
	if isPlainASCII(s) {
		if strings.IndexByte(s, 'x') < 0 && strings.IndexByte(s, ' ') < 0 && strings.IndexByte(s, '\'') < 0 {
			return s
		}
	}
	var b strings.Builder
	b.Grow(18)
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + (r - '０')))
		case r == 'x' || r == 'Ｘ' || r == 'ｘ':
			b.WriteByte('X')
		case r == ' ' || r == '\u3000' || r == '\t' || r == '\'':
			// Excel users prefix a quote to keep the number as text.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Parse normalises and checks s.
func Parse(s string) (Number, error) {
	n := Normalise(s)
	if len(n) != 18 {
		return Number{}, fmt.Errorf("%w (got %d)", ErrLength, len([]rune(n)))
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return Number{}, ErrCharacter
		}
	}
	if c := n[17]; !(c >= '0' && c <= '9' || c == 'X') {
		return Number{}, ErrCharacter
	}
	want, _ := CheckChar(n[:17])
	if n[17] != want {
		return Number{}, ErrCheck
	}
	y := atoi(n[6:10])
	m := atoi(n[10:12])
	d := atoi(n[12:14])
	birth := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1900 || birth.Year() != y || int(birth.Month()) != m || birth.Day() != d {
		return Number{}, ErrBirthDate
	}
	return Number{
		Normalised: n,
		County:     n[:6],
		Birth:      birth,
		Male:       (n[16]-'0')%2 == 1,
	}, nil
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// Mask keeps the first 6 and last 4 characters, which is what an office
// needs to find the row again without the number being readable (SPEC §5).
func Mask(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// MaskName keeps the first character of a name.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// Make builds a valid number from its parts; the generator and the tests use it.
func Make(county string, birth time.Time, seq int) string {
	first := fmt.Sprintf("%s%s%03d", county, birth.Format("20060102"), seq%1000)
	c, _ := CheckChar(first)
	return first + string(c)
}

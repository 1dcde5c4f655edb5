package validate

import (
	"regexp"
	"strings"
)

// Unmark undoes what spreadsheets and export tools put around a value
// before it is checked: ="0101…", the formula many export tools write into
// CSV so that Excel keeps a long number as text, and a leading apostrophe,
// Excel's own mark for "this is text"; and trims spaces, full-width ones
// included. Text such as a name or a school is otherwise kept as written.
func Unmark(s string) string {
	s = trim(s)
	if s == "" {
		return s
	}
	if s[0] == '=' && len(s) >= 3 && s[1] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[2:len(s)-1], `""`, `"`)
	}
	if s != "" && s[0] == '\'' {
		s = s[1:]
	}
	return trim(s)
}

// FoldWidth makes full-width digits, letters and signs half-width
// (２０２５－０７－０３, ４１０１０２), as typed with a Chinese input method,
// for the columns read as codes, numbers and dates.
func FoldWidth(s string) string {
	// Full-width forms U+FF01–U+FF5E are EF BC 81 – EF BD 9E in UTF-8.
	if !strings.Contains(s, "\xef\xbc") && !strings.Contains(s, "\xef\xbd") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - '！' + '!'
		}
		return r
	}, s)
}

// excelNumber is an identity number Excel has shown in scientific notation
// (4.10102E+17), its digits past the fifteenth lost.
var excelNumber = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+?1[4-7]$`)

// IDAsNumber tells an identity number that went through a spreadsheet as a
// number: scientific notation, or 18 digits whose last three are 000 (Excel
// keeps 15 significant digits and fills the rest with zeros). The caller
// asks only for numbers that fail the check: a genuine number can end in
// 000 and then passes it.
func IDAsNumber(s string) bool {
	if excelNumber.MatchString(s) {
		return true
	}
	s = strings.TrimSuffix(s, ".0")
	return len(s) == 18 && allDigits(s) && strings.HasSuffix(s, "000")
}

// twoDigitYear tells a date written with a two-digit year: 25/7/3, 25-07-03.
var twoDigitYearRe = regexp.MustCompile(`^[0-9]{2}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$`)

func twoDigitYear(s string) bool { return twoDigitYearRe.MatchString(s) }

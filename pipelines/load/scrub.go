package load

import (
	"strings"

	"enlist/internal/idnum"
)

// scrubIDs masks anything in s that could be an identity number: a run of
// 15 or more digits (ASCII or full-width), with an X at its end if there is
// one. validate masks the identity-number column itself; this catches a
// number the office typed into another column (a shifted row puts it in the
// region column, and a rejected region keeps its raw value) before the text
// reaches the rejects or flags tables and, through them, the quality report.
func scrubIDs(s string) string {
	if !hasLongDigitRun(s) {
		return s
	}
	var b strings.Builder
	run := []rune{}
	flush := func() {
		if len(run) >= 15 {
			b.WriteString(idnum.Mask(string(run)))
		} else {
			b.WriteString(string(run))
		}
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９':
			run = append(run, r)
		case (r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ') && len(run) >= 14:
			run = append(run, r)
			flush()
		default:
			flush()
			b.WriteRune(r)
		}
	}
	flush()
	return b.String()
}

// hasLongDigitRun is the cheap test that lets nearly every value through
// untouched.
func hasLongDigitRun(s string) bool {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			if n++; n >= 14 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

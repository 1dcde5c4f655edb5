package validate

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrDate means the text is no date enlist understands.
var ErrDate = errors.New("not a date")

// excelEpoch is day 0 of Excel's 1900 date system as Excel counts it (it
// treats 1900 as a leap year, so serials from 61 on are off by one from a
// plain 1899-12-31 epoch; 1899-12-30 absorbs that).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// dateSeparators folds the separators offices use into '-'. A Replacer is
// safe for concurrent use and never changes after this.
var dateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-")

// ParseDate reads the date forms offices send (SPEC §4): 2025-03-05,
// 2025/3/5, 2025.3.5, 2025年3月5日, 20250305, a time after the date, and
// Excel serial numbers.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, ErrDate
	}
	// Drop a time of day: "2025-03-05 00:00:00", "2025-03-05T08:00:00Z".
	if i := strings.IndexAny(s, " T"); i >= 8 {
		s = s[:i]
	}
	if allDigits(s) || isSerial(s) {
		switch {
		case len(s) == 8 && allDigits(s):
			return ymd(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
		default:
			f, err := strconv.ParseFloat(s, 64)
			// Serials below 61 fall before 1900-03-01, where Excel's
			// phantom 1900-02-29 makes them ambiguous; no extract date is
			// that old.
			if err != nil || f < 61 || f >= 100000 {
				return time.Time{}, ErrDate
			}
			return excelEpoch.AddDate(0, 0, int(f)), nil
		}
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:]) {
		return ymd(atoi(s[:4]), atoi(s[5:7]), atoi(s[8:])) // the common ISO form, without splitting
	}
	s = dateSeparators.Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return time.Time{}, ErrDate
	}
	for _, p := range parts {
		if p == "" || len(p) > 4 || !allDigits(p) {
			return time.Time{}, ErrDate
		}
	}
	if len(parts[0]) != 4 {
		return time.Time{}, ErrDate
	}
	return ymd(atoi(parts[0]), atoi(parts[1]), atoi(parts[2]))
}

// ymd builds a calendar date. Years before 1900 are refused here, not only
// as implausible later: "0000.01.01" is a placeholder some systems write for
// an unknown date, and no extract date (a birth included) is that old.
func ymd(y, m, d int) (time.Time, error) {
	if y < 1900 {
		return time.Time{}, ErrDate
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, ErrDate
	}
	return t, nil
}

func isSerial(s string) bool {
	i := strings.IndexByte(s, '.')
	return i > 0 && allDigits(s[:i]) && allDigits(s[i+1:]) && len(s[:i]) == 5
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

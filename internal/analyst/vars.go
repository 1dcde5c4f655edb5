package analyst

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"enlist/pipelines/validate"
)

// Variable is one session variable the models read (getvariable('name')).
// A value is checked before anything runs: a mistyped date or season must
// not quietly become today's date or an empty result.
type Variable struct {
	Name string
	Doc  string
	// parse turns the text an analyst typed into the SQL literal stored, or
	// says what is wrong with it.
	parse func(text string, now time.Time) (string, error)
}

// Variables are every variable a model reads, in the order the help lists
// them.
var Variables = []Variable{
	{Name: "as_of", Doc: "统计截止日期: a date, 2025-03-05, 2025/3/5, 2025年3月5日 or 20250305", parse: parseAsOf},
	{Name: "year", Doc: "年度: a year such as 2025", parse: parseYear},
	{Name: "season", Doc: "批次: 1 (上半年) or 2 (下半年)", parse: parseSeason},
}

// VariableNames lists the known variables, for messages.
func VariableNames() string {
	names := make([]string, len(Variables))
	for i, v := range Variables {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// KnownVariable tells whether a model reads the variable name.
func KnownVariable(name string) bool {
	for _, v := range Variables {
		if strings.EqualFold(v.Name, name) {
			return true
		}
	}
	return false
}

// CheckVariable checks a variable's name and value and returns the SQL
// literal to store (a DATE or INTEGER literal, never the text itself).
// now bounds plausible dates and years.
func CheckVariable(name, text string, now time.Time) (string, error) {
	for _, v := range Variables {
		if strings.EqualFold(v.Name, name) {
			lit, err := v.parse(text, now)
			if err != nil {
				return "", fmt.Errorf("variable %s = %q: %w", v.Name, unquote(text), err)
			}
			return lit, nil
		}
	}
	return "", fmt.Errorf("unknown variable %q: the models read %s", name, VariableNames())
}

// unquote takes the value as typed in SET VARIABLE (a quoted string, a
// number, or DATE '…') or on the command line (bare text).
func unquote(text string) string {
	t := strings.TrimSpace(text)
	if len(t) > 4 && strings.EqualFold(t[:4], "DATE") {
		t = strings.TrimSpace(t[4:])
	}
	if len(t) >= 2 && t[0] == '\'' && t[len(t)-1] == '\'' {
		t = strings.ReplaceAll(t[1:len(t)-1], "''", "'")
	}
	return strings.TrimSpace(t)
}

// plausibleYears are the years a conscription figure can be asked about:
// from 2000 (long before any extract) to next year.
func plausibleYear(y int, now time.Time) error {
	if y < 2000 || y > now.Year()+1 {
		return fmt.Errorf("year %d is not plausible (2000–%d)", y, now.Year()+1)
	}
	return nil
}

func parseAsOf(text string, now time.Time) (string, error) {
	t := unquote(text)
	// Bare digits other than YYYYMMDD would be read as an Excel serial
	// number, which nobody types for a date.
	if allDigits(t) && len(t) != 8 {
		return "", fmt.Errorf("not a date; write it as 2025-03-05, 2025/3/5, 2025年3月5日 or 20250305")
	}
	d, err := validate.ParseDate(t)
	if err != nil {
		return "", fmt.Errorf("not a date; write it as 2025-03-05, 2025/3/5, 2025年3月5日 or 20250305")
	}
	if err := plausibleYear(d.Year(), now); err != nil {
		return "", err
	}
	return "DATE '" + d.Format(time.DateOnly) + "'", nil
}

func parseYear(text string, now time.Time) (string, error) {
	t := unquote(text)
	y, err := strconv.Atoi(t)
	if err != nil || len(t) != 4 {
		return "", fmt.Errorf("not a year; write four digits, such as 2025")
	}
	if err := plausibleYear(y, now); err != nil {
		return "", err
	}
	return strconv.Itoa(y), nil
}

func parseSeason(text string, _ time.Time) (string, error) {
	switch unquote(text) {
	case "1":
		return "1", nil
	case "2":
		return "2", nil
	}
	return "", fmt.Errorf("a season is 1 (上半年, spring) or 2 (下半年, summer-autumn)")
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

package read

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// cellKind is how a cell's raw value is to be shown. Excel stores a date as
// a day count (45721 is 2025-03-05) and only the cell's number format says
// it is a date; excelize would render it through that format (03-05-25 for
// the built-in short date), so dates are converted here instead, into one
// unambiguous form.
type cellKind uint8

const (
	kindPlain    cellKind = iota
	kindDate              // 2006-01-02
	kindDateTime          // 2006-01-02 15:04:05, or the date alone at midnight
	kindTime              // 15:04:05
	kindBool              // t="b": 1/0 shown as TRUE/FALSE, as Excel does
	kindISO               // t="d": an ISO 8601 date-time stored as text
)

// builtinFormatKind classifies the number formats Excel numbers without
// writing their code into the workbook (ECMA-376 Part 1, 18.8.30, and the
// East Asian ids 27-36 and 50-58 that Chinese Excel uses for 2025年3月5日
// and the like).
func builtinFormatKind(id int) cellKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return kindDate
	case id == 22:
		return kindDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47:
		return kindTime
	}
	return kindPlain
}

// formatKind classifies a custom number format code such as
// `yyyy"年"m"月"d"日"`, `[$-F800]dddd, mmmm dd, yyyy`, `h:mm AM/PM` or
// `#,##0.00_);[Red](#,##0.00)`. Only the first section matters: it is the
// one a positive serial uses.
func formatKind(code string) cellKind {
	if strings.EqualFold(strings.TrimSpace(code), "general") {
		return kindPlain
	}
	var date, tm, month bool
scan:
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			break scan
		case '"': // literal text
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*': // escaped character, padding, fill
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				break scan
			}
			// [h], [mm], [ss] are elapsed time; [Red], [$-804], [DBNum1],
			// [>=100] are colours, locales and conditions.
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				tm = true
			}
			i += j
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'h', 'H', 's', 'S':
			tm = true
		case 'm', 'M':
			month = true
		case 'a', 'A':
			// AM/PM and A/P mark a time; skip them so their M is not a month.
			if u := strings.ToUpper(code[i:]); strings.HasPrefix(u, "AM/PM") {
				tm, i = true, i+4
			} else if strings.HasPrefix(u, "A/P") {
				tm, i = true, i+2
			}
		}
	}
	switch {
	case date && tm:
		return kindDateTime
	case date:
		return kindDate
	case tm:
		return kindTime // m beside h or s is minutes
	case month:
		return kindDate // mmm, mmmm: a month name
	}
	return kindPlain
}

// Excel's largest serial, 9999-12-31.
const maxSerial = 2958465

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// formatSerial renders the serial number raw as kind. A value that is not a
// number, or is out of Excel's date range, is returned as it is.
func formatSerial(raw string, kind cellKind, date1904 bool) string {
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || v < 0 || v > maxSerial || math.IsNaN(v) {
		return raw
	}
	// Round to the second, as Excel's display does; 45721.99999999 is
	// midnight of the next day, not 23:59:59.
	secs := int64(math.Round(v * 86400))
	days, sec := secs/86400, secs%86400
	if kind == kindTime {
		return time.Unix(sec, 0).UTC().Format("15:04:05")
	}
	var t time.Time
	switch {
	case date1904:
		t = epoch1904.AddDate(0, 0, int(days))
	case days < 1:
		return raw // Excel shows 1900-01-00, which is no date
	case days == 60:
		// Excel keeps Lotus 1-2-3's leap day, 1900-02-29, which never was.
		// Pass it on as shown, for validation to refuse.
		return "1900-02-29"
	case days < 60:
		t = epoch1900.AddDate(0, 0, int(days)+1)
	default:
		t = epoch1900.AddDate(0, 0, int(days))
	}
	if kind == kindDateTime && sec != 0 {
		return t.Add(time.Duration(sec) * time.Second).Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02")
}

// formatISO renders a t="d" cell (an ISO 8601 text that some writers use
// instead of a serial) in the same forms as a serial date.
func formatISO(raw string, kind cellKind) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		t, err := time.Parse(layout, raw)
		if err != nil {
			continue
		}
		switch {
		case kind == kindTime:
			return t.Format("15:04:05")
		case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 || kind == kindDate:
			return t.Format("2006-01-02")
		default:
			return t.Format("2006-01-02 15:04:05")
		}
	}
	return raw
}

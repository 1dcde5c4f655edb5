package validate

import (
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/pipelines/mapping"
)

// TestExcelMarks: the marks spreadsheets and export tools put on values are
// undone before the checks, and an identity number Excel turned into a
// number is rejected with its own reason and a detail saying how to export it.
func TestExcelMarks(t *testing.T) {
	headers := []string{"身份证号", "姓名", "区划代码", "登记日期", "文化程度"}
	c := checker(t, mapping.Registrations, headers, Constants{})
	good := idnum.Make("410102", time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC), 11)
	// The same person as Excel wrote them: digits past the fifteenth lost.
	asNumber := good[:15] + "000"
	if _, err := idnum.Parse(asNumber); err == nil {
		t.Fatal("fixture: the zero-filled number must fail its check")
	}
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		if r == 'X' {
			return 'Ｘ'
		}
		return r
	}, good)
	tests := []struct {
		name       string
		id, date   string
		region     string
		wantReason string
		wantDate   time.Time
	}{
		{"text-forcing formula", `="` + good + `"`, `="2025-07-03"`, `="410102001"`, "", time.Date(2025, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"leading apostrophe", "'" + good, "2025.7.3", "'410102001", "", time.Date(2025, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"full-width digits and Ｘ", fullWidth, "２０２５－０７－０３", "４１０１０２００１", "", time.Date(2025, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"date without leading zeros", good, "2025-7-3", "410102001", "", time.Date(2025, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"date serial written as text", good, "45841", "410102001", "", time.Date(2025, 7, 3, 0, 0, 0, 0, time.UTC)},
		{"scientific notation", "4.10102E+17", "2025-07-03", "410102001", ReasonIDAsNumber, time.Time{}},
		{"last three digits zero-filled", asNumber, "2025-07-03", "410102001", ReasonIDAsNumber, time.Time{}},
		{"zero-filled inside the formula", `="` + asNumber + `"`, "2025-07-03", "410102001", ReasonIDAsNumber, time.Time{}},
		{"two-digit year", good, "25/7/3", "410102001", ReasonDate, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, problems, _ := c.Check([]string{tt.id, "张三", tt.region, tt.date, "本科"})
			if tt.wantReason == "" {
				if len(problems) > 0 {
					t.Fatalf("rejected: %+v", problems)
				}
				if got := row.Values[10]; got != tt.wantDate {
					t.Errorf("registered_on = %v, want %v", got, tt.wantDate)
				}
				if row.Region != "410102001" {
					t.Errorf("region = %q", row.Region)
				}
				return
			}
			if len(problems) != 1 || problems[0].Reason != tt.wantReason {
				t.Fatalf("problems = %+v, want %s", problems, tt.wantReason)
			}
			p := problems[0]
			switch tt.wantReason {
			case ReasonIDAsNumber:
				if !strings.Contains(p.Detail, "re-export the column as text") || strings.Contains(p.Raw, good[6:14]) {
					t.Errorf("detail %q raw %q", p.Detail, p.Raw)
				}
			case ReasonDate:
				if !strings.Contains(p.Detail, "two-digit year") || !strings.Contains(p.Detail, "2025-07-03") {
					t.Errorf("detail %q", p.Detail)
				}
			}
		})
	}
	// Names keep their full-width characters: only codes, numbers and dates fold.
	if got := Unmark(" ＡＢ大学 "); got != "ＡＢ大学" {
		t.Errorf("Unmark folded text: %q", got)
	}
}

// TestUnknownValueNamesTheLine: an unknown spelling in an optional column
// is a flag naming the field and the spelling; in a required column the
// reject says which enlist.yaml line reads it.
func TestUnknownValueNamesTheLine(t *testing.T) {
	c := checker(t, mapping.Exams, []string{"身份证号", "检查类型", "检查日期", "结论"}, Constants{})
	good := idnum.Make("410102", time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC), 11)
	_, problems, _ := c.Check([]string{good, "体检", "2025-03-01", "基本合格"})
	if len(problems) != 1 || problems[0].Reason != ReasonValue ||
		!strings.Contains(problems[0].Detail, `values: {result: {"基本合格": CODE}}`) || !strings.Contains(problems[0].Detail, "pass, fail") {
		t.Errorf("problems = %+v", problems)
	}
	r := checker(t, mapping.Registrations, []string{"身份证号", "区划代码", "登记日期", "文化程度"}, Constants{})
	_, problems, flags := r.Check([]string{good, "410102001", "2025-03-01", "大学肄业"})
	if len(problems) > 0 || len(flags) != 1 || flags[0].Field != "education" || flags[0].Value != "大学肄业" {
		t.Errorf("problems %+v flags %+v", problems, flags)
	}
}

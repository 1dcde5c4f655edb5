package validate

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/pipelines/mapping"
)

// FuzzDateForms writes one calendar date in every form offices send (SPEC
// §4) and checks that each reads back as that date, and that whatever
// ParseDate accepts reads back the same from its ISO form.
func FuzzDateForms(f *testing.F) {
	f.Add(2025, 3, 5, "")
	f.Add(2000, 2, 29, "2025-03-05 08:00:00")
	f.Add(1927, 5, 18, "45721.0")
	f.Add(2024, 12, 31, "2025年3月5日")
	f.Fuzz(func(t *testing.T, y, m, d int, free string) {
		if got, err := ParseDate(free); err == nil {
			again, err := ParseDate(got.Format(time.DateOnly))
			if err != nil || !again.Equal(got) {
				t.Fatalf("ParseDate(%q) = %s, but its ISO form reads %s, %v", free, got.Format(time.DateOnly), again, err)
			}
		}
		if y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
			return
		}
		want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if want.Day() != d {
			// Not a calendar date (2025-02-30): every form must refuse it.
			for _, s := range []string{fmt.Sprintf("%04d-%02d-%02d", y, m, d), fmt.Sprintf("%d/%d/%d", y, m, d),
				fmt.Sprintf("%d年%d月%d日", y, m, d), fmt.Sprintf("%04d%02d%02d", y, m, d)} {
				if got, err := ParseDate(s); err == nil {
					t.Fatalf("ParseDate(%q) = %s, want an error", s, got.Format(time.DateOnly))
				}
			}
			return
		}
		forms := []string{
			want.Format("2006-01-02"), want.Format("2006/1/2"), want.Format("2006.1.2"),
			fmt.Sprintf("%d年%d月%d日", y, m, d), want.Format("20060102"),
			want.Format("2006-01-02 15:04:05"), want.Format("2006/01/02"), " " + want.Format("2006-01-02") + "\t",
		}
		// Excel serials as offices meet them: five digits (1927–2173),
		// bare or with a fraction as a date-time cell reads.
		if serial := int(want.Sub(excelEpoch).Hours() / 24); serial >= 10000 && serial < 100000 {
			forms = append(forms, strconv.Itoa(serial), strconv.Itoa(serial)+".0", strconv.Itoa(serial)+".5")
		}
		for _, s := range forms {
			if got, err := ParseDate(s); err != nil || !got.Equal(want) {
				t.Fatalf("ParseDate(%q) = %s, %v; want %s", s, got.Format(time.DateOnly), err, want.Format(time.DateOnly))
			}
		}
	})
}

// fuzzCheckers builds one checker per kind over every column the kind
// knows, in spec order, so that a fuzzed row reaches every check.
func fuzzCheckers(f *testing.F) (map[mapping.Kind]*Checker, map[mapping.Kind][]string) {
	v, err := mapping.Load()
	if err != nil {
		f.Fatal(err)
	}
	tab, err := regions.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Setenv(secret.EnvVar, "fuzz-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		f.Fatal(err)
	}
	checkers := map[mapping.Kind]*Checker{}
	layouts := map[mapping.Kind][]string{}
	for _, name := range mapping.KindNames() {
		spec, _ := mapping.Spec(mapping.Kind(name))
		cols := map[string]int{}
		layout := append(append([]string{}, spec.Required...), spec.Optional...)
		for i, c := range layout {
			cols[c] = i
		}
		checkers[spec.Kind] = NewChecker(spec.Kind, v, tab, cols, Constants{}, key, time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC))
		layouts[spec.Kind] = layout
	}
	return checkers, layouts
}

// FuzzCheck validates arbitrary rows of every kind. No input may panic; an
// accepted row has a season of 0, 1 or 2 and a well-formed region code;
// the row's identity number never comes back in the clear (not in a
// reject's raw value or detail, not in a flag, not in a stored value)
// unless the office typed it into another column as well; and the name
// changes nothing at all.
func FuzzCheck(f *testing.F) {
	id := idnum.Make("990101", time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), 123)
	f.Add(uint8(1), id+"\t410102001\t2025-01-10\t张三\t男\t2005-01-01\t本科\t在校生\t理工\t某大学\t汉族\t是\t2025\t上半年")
	f.Add(uint8(2), id+"\t体检\t2025/3/5\t不合格\t张三\t视力\t中原区体检站\t2025\t1")
	f.Add(uint8(3), id+"\t20250901\t张三\t2025\t2\t陆军\t2025-09-10\t2025-10-01\t身体原因\t是")
	f.Add(uint8(4), id+"\t410102\t2025-06-30\tself_employed\t张三\t义务兵\t\t\t\t42000元\t2025-08-01")
	f.Add(uint8(0), "2025\t上半年\t410102\t120\t70%\t0.3")
	f.Add(uint8(5), "410102001\t某街道")
	f.Add(uint8(1), "'"+strings.ToLower(id)+"\t"+id+"\t45721\t张三")
	checkers, layouts := fuzzCheckers(f)
	kinds := mapping.KindNames()
	f.Fuzz(func(t *testing.T, k uint8, line string) {
		kind := mapping.Kind(kinds[int(k)%len(kinds)])
		cells := strings.Split(line, "\t")
		row, problems, flags := checkers[kind].Check(cells)
		if len(problems) > 0 && (row.Values != nil || len(flags) > 0) {
			t.Fatalf("rejected row came with values or flags: %+v %+v", row, flags)
		}
		if len(problems) == 0 {
			if row.Season < 0 || row.Season > 2 {
				t.Fatalf("season %d", row.Season)
			}
			if row.Region != "" && regions.NormaliseCode(row.Region) != row.Region {
				t.Fatalf("region %q is not a normalised code", row.Region)
			}
		}
		var out []string
		for _, p := range problems {
			out = append(out, p.Raw, p.Detail)
		}
		for _, fl := range flags {
			out = append(out, fl.Detail)
		}
		for _, v := range row.Values {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		layout := layouts[kind]
		for i, col := range layout {
			if i >= len(cells) {
				break
			}
			switch col {
			case "name":
				// Names are never checked nor stored: nothing that comes out
				// may depend on them.
				other := append([]string(nil), cells...)
				other[i] = "某某"
				row2, problems2, flags2 := checkers[kind].Check(other)
				if fmt.Sprint(row2, problems2, flags2) != fmt.Sprint(row, problems, flags) {
					t.Fatalf("the name cell changed the outcome:\n%v %v %v\n%v %v %v", row, problems, flags, row2, problems2, flags2)
				}
			case "id_number":
				n, err := idnum.Parse(cells[i])
				if err != nil {
					continue // not a number; rejects keep a masked copy
				}
				elsewhere := false
				for j, c := range cells {
					if j != i && strings.Contains(idnum.Normalise(c), n.Normalised) {
						elsewhere = true
					}
				}
				for _, o := range out {
					if !elsewhere && strings.Contains(idnum.Normalise(o), n.Normalised) {
						t.Fatalf("identity number %s came back in the clear: %q", n.Normalised, o)
					}
				}
			}
		}
	})
}

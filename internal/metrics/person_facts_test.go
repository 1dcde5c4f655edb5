package metrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/tabular"
)

// pf is one expected person_facts_at row: the columns that differ from
// pfBase.
type pf map[string]string

// pfBase holds what every fixture person shares as of 2025-03-20: 2025
// season 1 in 郑州市, men born in 2005, no school or ethnicity column, one
// registration, applied, nothing examined, approved or returned.
var pfBase = pf{
	"year": "2025", "season": "1", "season_label": "上半年", "as_of_date": "2025-03-20",
	"province_code": "41", "province_name": "河南省", "city_code": "4101", "city_name": "郑州市",
	"gender": "male", "gender_label": "男", "birth_year": "2005", "age": "20",
	"college": "false", "graduate": "false", "major_category": "", "major_category_label": "", "stem": "false",
	"school": "", "ethnicity": "", "registrations": "1", "applied": "true",
	"physical_examined": "false", "physical_passed": "false", "physical_date": "", "physical_reason": "",
	"political_reviewed": "false", "political_passed": "false", "political_date": "", "political_reason": "",
	"double_qualified": "false", "approved": "false", "approved_on": "", "branch": "", "handover_on": "",
	"returned": "false", "returned_on": "", "return_reason": "", "responsible_returned": "false",
}

// with merges parts into one expectation.
func with(parts ...pf) pf {
	out := pf{}
	for _, p := range append([]pf{pfBase}, parts...) {
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}

func town(code string) pf {
	names := map[string][2]string{
		"410102001": {"中原区", "林山寨街道"}, "410102002": {"中原区", "建设路街道"}, "410102003": {"中原区", "棉纺路街道"},
		"410103001": {"二七区", "淮河路街道"}, "410103003": {"二七区", "铭功路街道"},
	}
	n := names[code]
	return pf{"region_code": code, "region_name": n[1], "county_code": code[:6], "county_name": n[0], "town_code": code, "town_name": n[1]}
}

func reg(day string) pf {
	return pf{"registered_on": "2025-" + day, "first_registered_on": "2025-" + day}
}

var (
	highSchool = pf{"education": "high_school", "education_label": "高中", "student_status": "non_student", "student_status_label": "非学生"}
	noApply    = pf{"applied": "false"}
	stem       = pf{"major_category": "stem", "major_category_label": "理工类", "stem": "true"}
	nonStem    = pf{"major_category": "non_stem", "major_category_label": "非理工类"}
	college    = pf{"college": "true"}
	graduate   = pf{"college": "true", "graduate": "true"}
)

func edu(code, label, status, statusLabel string) pf {
	return pf{"education": code, "education_label": label, "student_status": status, "student_status_label": statusLabel}
}

func phys(day string, pass bool, reason string) pf {
	return pf{"physical_examined": "true", "physical_passed": fmt.Sprint(pass), "physical_date": "2025-" + day, "physical_reason": reason}
}

func pol(day string, pass bool, reason string) pf {
	return pf{"political_reviewed": "true", "political_passed": fmt.Sprint(pass), "political_date": "2025-" + day, "political_reason": reason}
}

var double = pf{"double_qualified": "true"}

func approvedOn(day string) pf { return pf{"approved": "true", "approved_on": "2025-" + day} }

// wantPersonFacts is the hand-computed person_facts_at(2025-03-20, 2025, 1)
// of the fixture (fixture_test.go), person by person. p15 registers on
// 03-25 and is absent; p25's physical (03-25), p12's approval (03-21) and
// the returns of p11 (04-15) and p20 (04-20) come after the date; the
// orphans are nobody's.
var wantPersonFacts = map[int]pf{
	1: with(town("410102001"), reg("01-05"), noApply, highSchool),
	2: with(town("410102001"), reg("01-06"), highSchool),
	3: with(town("410102001"), reg("01-06"), highSchool, phys("02-15", false, "视力")),
	4: with(town("410102001"), reg("01-07"), edu("associate", "大专", "in_school", "在校生"), college, stem, phys("02-15", true, "")),
	5: with(town("410102001"), reg("01-07"), highSchool, phys("02-15", true, ""), pol("02-25", false, "政治条件")),
	6: with(town("410102001"), reg("01-08"), edu("bachelor", "本科", "in_school", "在校生"), college, nonStem, phys("02-15", true, ""), pol("02-25", true, ""), double),
	7: with(town("410102001"), reg("01-08"), edu("bachelor", "本科", "fresh_graduate", "应届毕业生"), graduate, stem, phys("02-15", true, ""), pol("02-25", true, ""), double, approvedOn("03-10")),
	8: with(town("410102001"), reg("01-09"), highSchool, phys("02-15", true, ""), pol("02-25", true, ""), double, approvedOn("03-12")),
	9: with(town("410102002"), reg("01-09"), edu("associate", "大专", "past_graduate", "往届毕业生"), graduate, nonStem, phys("03-01", true, ""), pol("03-03", true, ""), double, approvedOn("03-14")),
	10: with(town("410102002"), reg("01-10"), edu("bachelor", "本科", "in_school", "在校生"), college, stem, phys("02-17", true, ""), pol("02-25", true, ""), double, approvedOn("03-11"),
		pf{"returned": "true", "returned_on": "2025-03-15", "return_reason": "复检不合格", "responsible_returned": "true"}),
	11: with(town("410102002"), reg("01-10"), edu("master", "硕士研究生", "fresh_graduate", "应届毕业生"), graduate, stem, phys("02-17", true, ""), pol("02-25", true, ""), double, approvedOn("03-11")),
	12: with(town("410102002"), reg("01-11"), edu("bachelor", "本科", "past_graduate", "往届毕业生"), graduate, nonStem, phys("02-17", true, ""), pol("02-25", true, ""), double),
	13: with(town("410103001"), reg("02-01"), pf{"first_registered_on": "2025-01-10", "registrations": "2"},
		edu("bachelor", "本科", "in_school", "在校生"), college, stem, phys("02-18", true, ""), pol("02-26", true, ""), double, approvedOn("03-13")),
	14: with(town("410102003"), reg("01-12"), highSchool, pol("02-25", true, "")),
	16: with(town("410103001"), reg("01-06"), noApply, edu("junior_high", "初中", "non_student", "非学生")),
	17: with(town("410103001"), reg("01-07"), highSchool, phys("02-18", false, "外科")),
	18: with(town("410103001"), reg("01-08"), edu("associate", "大专", "fresh_graduate", "应届毕业生"), graduate, stem, phys("02-18", true, ""), pol("02-26", true, ""), double, approvedOn("03-15")),
	19: with(town("410103001"), reg("01-08"), edu("secondary_vocational", "中专/中职", "non_student", "非学生"), phys("02-18", true, ""), pol("02-26", true, ""), double, approvedOn("03-16"),
		pf{"returned": "true", "returned_on": "2025-03-18", "return_reason": "疾病"}),
	20: with(town("410103001"), reg("01-09"), edu("bachelor", "本科", "in_school", "在校生"), college, nonStem, phys("02-18", true, ""), pol("02-26", true, ""), double, approvedOn("03-17")),
	21: with(town("410103001"), reg("01-09"), highSchool, phys("02-18", true, ""), approvedOn("03-18")),
	22: with(town("410103003"), reg("01-10"), edu("associate", "大专", "in_school", "在校生"), college, stem, phys("02-20", true, ""), pol("03-02", true, ""), double),
	23: with(town("410103003"), reg("01-10"), edu("master", "硕士研究生", "past_graduate", "往届毕业生"), graduate, nonStem, phys("02-20", true, ""), pol("03-02", true, ""), double, approvedOn("03-19")),
	24: with(town("410103003"), reg("01-11"), highSchool, phys("02-20", true, ""), pol("03-02", false, "政治条件")),
	25: with(town("410103003"), reg("01-12"), highSchool),
}

// TestPersonFactsByHand: person_facts_at gives one row per registered
// person, every column as computed by hand, and its rows add up to the
// metrics.
func TestPersonFactsByHand(t *testing.T) {
	wh := loadFixture(t)
	ctx := context.Background()
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ps := key.NewPseudonymiser()
	who := map[string]int{}
	for i := 1; i <= 25; i++ {
		b := ps.Of(idnum.Normalise(person[i]))
		who[fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])] = i
	}
	rows, err := wh.DB().QueryContext(ctx, `SELECT * REPLACE (person::VARCHAR AS person) FROM person_facts_at(DATE '2025-03-20', 2025, 1)`)
	if err != nil {
		t.Fatal(err)
	}
	f, err := tabular.FromRows(rows)
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Every column is either checked or the person key.
	cols := append([]string(nil), f.Columns...)
	sort.Strings(cols)
	for _, c := range cols {
		if _, ok := wantPersonFacts[1][c]; !ok && c != "person" {
			t.Errorf("column %s has no expectation", c)
		}
	}
	if len(f.Columns) != len(wantPersonFacts[1])+1 {
		t.Errorf("%d columns, want %d", len(f.Columns), len(wantPersonFacts[1])+1)
	}
	seen := map[int]bool{}
	for r := range f.Rows {
		i, ok := who[tabular.Text(f.Value(r, "person"))]
		if !ok {
			t.Errorf("row %d: person %v is no fixture person (an orphan?)", r, f.Value(r, "person"))
			continue
		}
		if seen[i] {
			t.Errorf("p%d appears twice", i)
		}
		seen[i] = true
		want, ok := wantPersonFacts[i]
		if !ok {
			t.Errorf("p%d should not appear as of 2025-03-20", i)
			continue
		}
		for _, c := range cols {
			if c == "person" {
				continue
			}
			if got := tabular.Text(f.Value(r, c)); got != want[c] {
				t.Errorf("p%d.%s = %q, want %q", i, c, got, want[c])
			}
		}
	}
	if len(f.Rows) != len(wantPersonFacts) {
		t.Errorf("%d rows, want %d", len(f.Rows), len(wantPersonFacts))
	}

	// Counting the rows gives the metrics, county by county.
	var mismatch string
	err = wh.DB().QueryRowContext(ctx, `
		WITH p AS (
			SELECT county_code AS region_code, count(*) AS registered, count(*) FILTER (applied) AS applied,
			       count(*) FILTER (double_qualified) AS double_qualified, count(*) FILTER (approved) AS approved,
			       count(*) FILTER (returned) AS returned, count(*) FILTER (approved AND graduate) AS graduate_approved,
			       count(*) FILTER (approved AND stem) AS stem_approved
			FROM person_facts_at(DATE '2025-03-20', 2025, 1) GROUP BY ALL)
		SELECT coalesce(string_agg(m.region_code, ','), '')
		FROM metrics_at(DATE '2025-03-20', 2025, 1) m JOIN p USING (region_code)
		WHERE (m.registered, m.applied, m.double_qualified, m.approved, m.returned, m.graduate_approved, m.stem_approved)
		   <> (p.registered, p.applied, p.double_qualified, p.approved, p.returned, p.graduate_approved, p.stem_approved)`).Scan(&mismatch)
	if err != nil || mismatch != "" {
		t.Errorf("person facts and metrics disagree in %q: %v", mismatch, err)
	}
}

// TestEmptySeasonIsNotZero: a season with no registrations or quotas, that
// appears only through a veteran discharged in its half-year, has has_data
// false and NULL figures, and Read says "no data for 2025 season 2"; a
// county of a season with data and nobody registered has real zeros.
func TestEmptySeasonIsNotZero(t *testing.T) {
	wh := loadFixture(t)
	ctx := context.Background()
	if _, err := wh.DB().ExecContext(ctx, `INSERT INTO resettlement
		VALUES (999, 1, uuid(), '410102', DATE '2025-08-01', 'conscript', 'assigned_job', NULL, NULL, NULL, NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	var hasData bool
	var quota, registered, approved, rank any
	var due int
	err := wh.DB().QueryRowContext(ctx, `SELECT has_data, quota, registered, approved, composite_rank, placement_due
		FROM metrics_at(DATE '2025-09-30', 2025, 2) WHERE region_code = '410102'`).Scan(&hasData, &quota, &registered, &approved, &rank, &due)
	if err != nil {
		t.Fatal(err)
	}
	if hasData || quota != nil || registered != nil || approved != nil || rank != nil || due != 1 {
		t.Errorf("empty season: has_data %v, quota %v, registered %v, approved %v, rank %v, placement_due %d; want false, NULLs, 1",
			hasData, quota, registered, approved, rank, due)
	}
	_, err = Read(ctx, wh, Query{Scope: "41", Year: 2025, Season: 2, AsOf: time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)})
	var se *SeasonError
	if !errors.As(err, &se) || !errors.Is(err, ErrNoData) || !strings.HasPrefix(err.Error(), "no data for 2025 season 2 in 41") {
		t.Errorf("Read of an empty season: %v", err)
	}
	// A season nobody touched at all.
	_, err = Read(ctx, wh, Query{Scope: "41", Year: 2024, Season: 2, AsOf: time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC)})
	if err == nil || !strings.HasPrefix(err.Error(), "no data for 2024 season 2 in 41") {
		t.Errorf("Read of an untouched season: %v", err)
	}
	// 管城回族区 in the fixture's season: nobody registered, real zeros.
	got := readMetrics(t, wh, "4101", 2025, 1, "2025-03-20", 1)["410104"]
	for c, want := range map[string]any{"has_data": true, "quota": int64(4), "registered": int64(0), "approved": int64(0)} {
		if got[c] != want {
			t.Errorf("410104.%s = %v (%T), want %v", c, got[c], got[c], want)
		}
	}
}

package sql_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/warehouse"
)

// integrity_people_at, hand-computed on five people of 2025's first
// season (region codes are 河南 towns):
//
//	A: 410102001 on 03-01, 410103001 on 04-01 — two regions from 04-01,
//	   home the later one;
//	E: 410102001 and 410104001 on the same day, the second in a later load
//	   (row 1 against row 5): two regions, home the later load's;
//	C: one registration, approved on 06-01 with no exam: unqualified;
//	P: one registration, passed physical, failed political, approved:
//	   unqualified, "no passed political review";
//	D: an exam with no registration: an orphan, no home.
//
// Each person's home is the latest registration by (date, load, row),
// every region listed in order; the date decides what is known.
func TestIntegrityPeopleByHand(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	const (
		a = "00000000-0000-0000-0000-00000000000a"
		e = "00000000-0000-0000-0000-00000000000e"
		c = "00000000-0000-0000-0000-00000000000c"
		p = "00000000-0000-0000-0000-00000000000f"
		d = "00000000-0000-0000-0000-00000000000d"
	)
	for _, q := range []string{
		`INSERT INTO registrations (load_id, source_row, person, birth_year, id_county, region_code, registered_on, year, season) VALUES
			(1, 1, '` + a + `', 2005, '410102', '410102001', DATE '2025-03-01', 2025, 1),
			(2, 1, '` + a + `', 2005, '410102', '410103001', DATE '2025-04-01', 2025, 1),
			(3, 5, '` + e + `', 2005, '410102', '410102001', DATE '2025-03-10', 2025, 1),
			(4, 1, '` + e + `', 2005, '410102', '410104001', DATE '2025-03-10', 2025, 1),
			(1, 2, '` + c + `', 2005, '410102', '410102001', DATE '2025-03-01', 2025, 1),
			(1, 3, '` + p + `', 2005, '410102', '410102001', DATE '2025-03-01', 2025, 1)`,
		`INSERT INTO exams (load_id, source_row, person, exam_type, exam_date, passed, year, season) VALUES
			(5, 1, '` + p + `', 'physical', DATE '2025-05-01', true, 2025, 1),
			(6, 1, '` + p + `', 'political', DATE '2025-05-02', false, 2025, 1),
			(5, 2, '` + d + `', 'physical', DATE '2025-05-01', true, 2025, 1)`,
		`INSERT INTO approvals (load_id, source_row, person, approved_on, year, season) VALUES
			(7, 1, '` + c + `', DATE '2025-06-01', 2025, 1),
			(7, 2, '` + p + `', DATE '2025-06-01', 2025, 1)`,
	} {
		if _, err := wh.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	read := func(asOf string) []string {
		rows, err := wh.DB().QueryContext(ctx, `
			SELECT issue, right(person::VARCHAR, 1), coalesce(region_code, '-'), coalesce(array_to_string(regions, ' '), '-'), detail
			FROM integrity_people_at(CAST(? AS DATE), 2025, 1)
			ORDER BY ALL`, asOf)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var issue, who, home, regions, detail string
			if err := rows.Scan(&issue, &who, &home, &regions, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join([]string{issue, who, home, regions, detail}, " | "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for asOf, want := range map[string][]string{
		"2025-03-05": nil,
		"2025-03-10": {"two_regions | e | 410104001 | 410102001 410104001 | registered in 2 regions: 410102001, 410104001"},
		"2025-06-30": {
			"orphan | d | - | - | no registration this season by the as-of date for its exams",
			"two_regions | a | 410103001 | 410102001 410103001 | registered in 2 regions: 410102001, 410103001",
			"two_regions | e | 410104001 | 410102001 410104001 | registered in 2 regions: 410102001, 410104001",
			"unqualified_approval | c | 410102001 | 410102001 | approved 2025-06-01 with no passed physical or political review",
			"unqualified_approval | f | 410102001 | 410102001 | approved 2025-06-01 with no passed political review",
		},
	} {
		got := read(asOf)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("as of %s:\n got %q\nwant %q", asOf, got, want)
		}
	}
	var people int
	if err := wh.DB().QueryRowContext(ctx, `SELECT sum(people) FROM integrity_summary_at(DATE '2025-06-30', 2025, 1)`).Scan(&people); err != nil {
		t.Fatal(err)
	}
	if people != 5 {
		t.Errorf("integrity_summary_at counts %d people-issues, want 5", people)
	}
}

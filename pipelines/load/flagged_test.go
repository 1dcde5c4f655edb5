package load

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"enlist/internal/regions"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
)

// TestFlaggedCountIsTheFlagsView: the ledger's flagged count of every load
// — read from the parts of the flags view that can hold the load's rows —
// equals what the whole flags view says of that load when it is stored,
// for every kind, on a messy province where every kind of flag occurs
// (age rule, orphans, two regions, unqualified approvals, odd values).
func TestFlaggedCountIsTheFlagsView(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(fx.dir, "extracts")
	m, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 3000, Seed: 11, Messy: 0.8, Out: out}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{"quotas": 0, "registrations": 1, "exams": 2, "approvals": 3, "resettlement": 4}
	files := append([]synth.File(nil), m.Files...)
	sort.SliceStable(files, func(i, j int) bool { return order[files[i].Kind] < order[files[j].Kind] })
	flaggedByKind := map[string]int{}
	for _, f := range files {
		r, err := fx.loader.LoadFile(ctx, filepath.Join(out, filepath.FromSlash(f.Path)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		want := fx.count(t, `SELECT count(DISTINCT source_row) FROM flags WHERE load_id = ?`, r.LoadID)
		if r.Flagged != want {
			t.Errorf("%s (%s): flagged %d, the flags view lists %d rows", f.Path, f.Kind, r.Flagged, want)
		}
		if ledger := fx.count(t, `SELECT rows_flagged::INTEGER FROM load_ledger WHERE load_id = ?`, r.LoadID); ledger != want {
			t.Errorf("%s: ledger says %d flagged, want %d", f.Path, ledger, want)
		}
		flaggedByKind[f.Kind] += r.Flagged
	}
	for _, k := range []string{"registrations", "exams", "approvals"} {
		if flaggedByKind[k] == 0 {
			t.Errorf("no %s row flagged: the fixture does not exercise that kind's checks", k)
		}
	}
	// unqualified_approvals finds each person's region with a correlated
	// lookup; it must list what a group-by over every registration gives.
	const grouped = `SELECT a.load_id, a.source_row, r.region_code, a.year, a.season,
		coalesce(p.passed, false), coalesce(q.passed, false), a.person, a.approved_on
		FROM approvals a
		LEFT JOIN latest_exams p ON p.person = a.person AND p.year = a.year AND p.season = a.season AND p.exam_type = 'physical'
		LEFT JOIN latest_exams q ON q.person = a.person AND q.year = a.year AND q.season = a.season AND q.exam_type = 'political'
		LEFT JOIN (SELECT person, year, season, arg_max(region_code, (registered_on, load_id, source_row)) AS region_code
		           FROM registrations GROUP BY person, year, season) r
		  ON r.person = a.person AND r.year = a.year AND r.season = a.season
		WHERE NOT (coalesce(p.passed, false) AND coalesce(q.passed, false))`
	if n := fx.count(t, `SELECT count(*) FROM unqualified_approvals`); n == 0 {
		t.Fatal("no unqualified approval in the fixture")
	}
	if n := fx.count(t, `SELECT count(*) FROM unqualified_approvals WHERE region_code IS NOT NULL`); n == 0 {
		t.Error("no unqualified approval with a region in the fixture")
	}
	if n := fx.count(t, `SELECT count(*) FROM ((`+grouped+` EXCEPT ALL SELECT * FROM unqualified_approvals)
		UNION ALL (SELECT * FROM unqualified_approvals EXCEPT ALL `+grouped+`))`); n != 0 {
		t.Errorf("unqualified_approvals differs from the grouped definition in %d rows", n)
	}
	// orphan_records keeps the exam and approval rows a left join leaves
	// unmatched; they must be those with no registration at all, once each.
	const orphans = `SELECT 'exams', e.load_id, e.source_row, e.year, e.season FROM exams e
		WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person = e.person AND r.year = e.year AND r.season = e.season)
		UNION ALL SELECT 'approvals', a.load_id, a.source_row, a.year, a.season FROM approvals a
		WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person = a.person AND r.year = a.year AND r.season = a.season)`
	if n := fx.count(t, `SELECT count(*) FROM orphan_records`); n == 0 {
		t.Fatal("no orphan in the fixture")
	}
	if n := fx.count(t, `SELECT count(*) FROM ((SELECT * FROM (`+orphans+`) EXCEPT ALL SELECT * FROM orphan_records)
		UNION ALL (SELECT * FROM orphan_records EXCEPT ALL SELECT * FROM (`+orphans+`)))`); n != 0 {
		t.Errorf("orphan_records differs from the NOT EXISTS definition in %d rows", n)
	}
	// The bulletin reads the flags in parts (model_parts.flags_of): each
	// part holds its own kind of warning, and together they are the view.
	for part, flag := range map[int]string{2: "orphan", 3: "two_regions", 4: "unqualified_approval"} {
		all := fx.count(t, `SELECT count(*) FROM model_parts.flags_of(`+strconv.Itoa(part)+`)`)
		if own := fx.count(t, `SELECT count(*) FROM flags WHERE flag = ?`, flag); all == 0 || all != own {
			t.Errorf("flags_of(%d) has %d rows, the view %d of %s (want equal and some)", part, all, own, flag)
		}
	}
	// A bulletin reads parts 2 to 4 for its season alone
	// (model_parts.season_flags_of): over the fixture's two seasons, each
	// season's rows are the part's rows of that season; every part and
	// every season has some. A person registered twice in one region (two
	// rows of one county) is in no two regions: one such row is added for
	// the comparison and taken out after it.
	if _, err := fx.wh.DB().ExecContext(ctx, `INSERT INTO registrations SELECT * REPLACE (source_row + 1000000 AS source_row) FROM registrations r
		WHERE year = 2025 AND season = 1 AND NOT EXISTS (SELECT 1 FROM two_region_registrations t WHERE t.person = r.person)
		ORDER BY load_id, source_row LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	perPart, perSeason := map[int]int{}, map[int]int{}
	for _, ys := range [][2]int{{2025, 1}, {2025, 2}} {
		for part := 2; part <= 4; part++ {
			one := fmt.Sprintf(`SELECT * FROM model_parts.season_flags_of(%d, %d, %d)`, part, ys[0], ys[1])
			of := fmt.Sprintf(`SELECT * FROM model_parts.flags_of(%d) WHERE year = %d AND season = %d`, part, ys[0], ys[1])
			n := fx.count(t, `SELECT count(*) FROM (`+one+`)`)
			perPart[part] += n
			perSeason[ys[1]] += n
			if n := fx.count(t, `SELECT count(*) FROM ((`+one+` EXCEPT ALL `+of+`) UNION ALL (`+of+` EXCEPT ALL `+one+`))`); n != 0 {
				t.Errorf("season_flags_of(%d, %d, %d) differs from flags_of(%d) of that season in %d rows", part, ys[0], ys[1], part, n)
			}
		}
	}
	if perPart[2] == 0 || perPart[3] == 0 || perPart[4] == 0 || perSeason[1] == 0 || perSeason[2] == 0 {
		t.Errorf("season_flags_of: rows by part %v, by season %v; want some in each", perPart, perSeason)
	}
	if _, err := fx.wh.DB().ExecContext(ctx, `DELETE FROM registrations WHERE source_row > 1000000`); err != nil {
		t.Fatal(err)
	}
	const parts = `SELECT * FROM model_parts.flags_of(1) UNION ALL SELECT * FROM model_parts.flags_of(2)
		UNION ALL SELECT * FROM model_parts.flags_of(3) UNION ALL SELECT * FROM model_parts.flags_of(4)`
	if n := fx.count(t, `SELECT count(*) FROM ((SELECT * FROM flags EXCEPT ALL SELECT * FROM (`+parts+`))
		UNION ALL (SELECT * FROM (`+parts+`) EXCEPT ALL SELECT * FROM flags))`); n != 0 {
		t.Errorf("the flags' parts differ from the view in %d rows", n)
	}
	// The loader's own count of a load's unqualified approvals reads only
	// the load's people (unqualifiedRowsOfLoad): with results turned to
	// fails for some people's physical and others' political (and a
	// re-examination passing again), it lists each load's rows the view
	// lists.
	for _, q := range []string{
		`UPDATE exams SET passed = false WHERE exam_type = 'physical' AND hash(person) % 7 = 0`,
		`UPDATE exams SET passed = false WHERE exam_type = 'political' AND hash(person) % 7 = 1`,
		`UPDATE exams SET passed = NOT passed WHERE hash(person) % 7 = 2`,
	} {
		if _, err := fx.wh.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"physical_passed AND NOT political_passed", "political_passed AND NOT physical_passed"} {
		if n := fx.count(t, `SELECT count(*) FROM unqualified_approvals WHERE `+c); n == 0 {
			t.Fatalf("no unqualified approval with %s: the comparison below would not tell the two exams apart", c)
		}
	}
	rows, err := fx.wh.DB().QueryContext(ctx, `SELECT DISTINCT load_id FROM approvals`)
	if err != nil {
		t.Fatal(err)
	}
	var loads []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		loads = append(loads, id)
	}
	rows.Close()
	for _, id := range loads {
		view := `SELECT source_row FROM unqualified_approvals WHERE load_id = $1`
		if n := fx.count(t, `SELECT count(*) FROM ((`+unqualifiedRowsOfLoad+` EXCEPT ALL `+view+`)
			UNION ALL (`+view+` EXCEPT ALL `+unqualifiedRowsOfLoad+`))`, id); n != 0 {
			t.Errorf("load %d: the loader's unqualified approvals differ from the view's in %d rows", id, n)
		}
	}
}

// TestKeptWarningsAreTheFlagsView: the warnings between files a writer
// keeps (warehouse.KeepSeasonWarnings) are the flags view's parts 2 to 4,
// season by season, after loads, after a withdrawal and after a change in
// place; a season is computed again exactly when its rows or the models
// changed, and one left without rows is dropped.
func TestKeptWarningsAreTheFlagsView(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(fx.dir, "extracts")
	m, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 3000, Seed: 11, Messy: 0.8, Out: out}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{"quotas": 0, "registrations": 1, "exams": 2, "approvals": 3, "resettlement": 4}
	files := append([]synth.File(nil), m.Files...)
	sort.SliceStable(files, func(i, j int) bool { return order[files[i].Kind] < order[files[j].Kind] })
	var season1Roll int64
	for _, f := range files {
		r, err := fx.loader.LoadFile(ctx, filepath.Join(out, filepath.FromSlash(f.Path)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if f.Kind == "registrations" && r.Scope.Season == 1 && season1Roll == 0 {
			season1Roll = r.LoadID
		}
	}
	if season1Roll == 0 {
		t.Fatal("no registrations file of season 1 in the fixture")
	}
	keep := func(want ...warehouse.Season) {
		t.Helper()
		kept, err := fx.wh.KeepSeasonWarnings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kept, want) {
			t.Errorf("seasons computed %v, want %v", kept, want)
		}
	}
	const parts = `SELECT * FROM model_parts.flags_of(2) UNION ALL SELECT * FROM model_parts.flags_of(3)
		UNION ALL SELECT * FROM model_parts.flags_of(4)`
	same := func(when string) {
		t.Helper()
		if n := fx.count(t, `SELECT count(*) FROM ((SELECT * FROM season_warnings EXCEPT ALL SELECT * FROM (`+parts+`))
			UNION ALL (SELECT * FROM (`+parts+`) EXCEPT ALL SELECT * FROM season_warnings))`); n != 0 {
			t.Errorf("%s: the kept warnings differ from the flags view's parts 2 to 4 in %d rows", when, n)
		}
		for _, flag := range []string{"orphan", "two_regions", "unqualified_approval"} {
			if n := fx.count(t, `SELECT count(*) FROM season_warnings WHERE flag = ?`, flag); n == 0 {
				t.Errorf("%s: no %s kept; the fixture should have some", when, flag)
			}
		}
	}
	fresh := func(when string, want map[int]bool) {
		t.Helper()
		for season, w := range want {
			got, err := warehouse.SeasonWarningsKept(ctx, fx.wh.DB(), 2025, season)
			if err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("%s: season %d kept and current %v, want %v", when, season, got, w)
			}
		}
	}
	both := []warehouse.Season{{Year: 2025, Season: 1}, {Year: 2025, Season: 2}}
	fresh("before any keeping", map[int]bool{1: false, 2: false})
	keep(both...)
	same("after the loads")
	fresh("after keeping", map[int]bool{1: true, 2: true})
	keep() // nothing changed

	// A withdrawn roll of season 1 leaves its people's exams and approvals
	// orphans: season 1 alone is computed again.
	if _, err := Withdraw(ctx, fx.wh, season1Roll, "test", "withdrawn for the test"); err != nil {
		t.Fatal(err)
	}
	fresh("after a withdrawal of season 1", map[int]bool{1: false, 2: true})
	keep(both[0])
	same("after the withdrawal")

	// A result changed in place (no writer does so; the digest sees it
	// anyway) is a change of its season.
	if _, err := fx.wh.DB().ExecContext(ctx, `UPDATE exams SET passed = NOT passed
		WHERE season = 2 AND exam_type = 'physical' AND hash(person) % 5 = 0`); err != nil {
		t.Fatal(err)
	}
	fresh("after a change in place in season 2", map[int]bool{1: true, 2: false})
	keep(both[1])
	same("after the change in place")

	// Other models make every season's kept warnings stale.
	if _, err := fx.wh.DB().ExecContext(ctx, `UPDATE model_state SET fingerprint = fingerprint || '-other'`); err != nil {
		t.Fatal(err)
	}
	fresh("with other models", map[int]bool{1: false, 2: false})
	keep(both...)
	same("with other models")

	// A season left without rows is dropped.
	for _, table := range []string{"registrations", "exams", "approvals"} {
		if _, err := fx.wh.DB().ExecContext(ctx, `DELETE FROM `+table+` WHERE season = 1`); err != nil {
			t.Fatal(err)
		}
	}
	keep()
	if n := fx.count(t, `SELECT count(*) FROM season_warnings WHERE season = 1`) + fx.count(t, `SELECT count(*) FROM season_warnings_state WHERE season = 1`); n != 0 {
		t.Errorf("season 1 has no rows, yet %d kept rows and state remain", n)
	}
	same("after season 1 was emptied")
}

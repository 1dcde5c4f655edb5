package load

import (
	"context"
	"errors"
	"strings"
	"testing"

	"enlist/internal/idnum"
	"enlist/internal/secret"
)

// People of the replacement fixtures: p1–p3 registered in 410102 (中原区),
// p4–p5 in 410103 (二七区), all 2025 season 1, each county's people in its
// towns 001 and 002 in turn.
var (
	p1 = idnum.Make("410102", birth2005, 21)
	p2 = idnum.Make("410102", birth2005, 23)
	p3 = idnum.Make("410102", birth2005, 25)
	p4 = idnum.Make("410103", birth2005, 27)
	p5 = idnum.Make("410103", birth2005, 29)
)

func regOf(people ...string) string {
	var rows [][]string
	for i, p := range people {
		// Two towns per county, so a county's file covers the county.
		region := p[:6] + []string{"001", "002"}[i%2]
		rows = append(rows, []string{p, "", region, "2025-01-10", "本科", "在校生", "是", "2025", "上半年"})
	}
	return csvText(regHeader, rows)
}

func physicalOf(people ...string) string {
	var rows [][]string
	for _, p := range people {
		rows = append(rows, []string{p, "体检", "2025-02-11", "合格"})
	}
	return csvText([]string{"身份证号", "检查类型", "检查日期", "结论"}, rows)
}

// byCounty counts a table's rows by the county of the person's registration.
func (f *fixture) byCounty(t *testing.T, table, county string) int {
	t.Helper()
	if table == "registrations" {
		return f.count(t, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, county)
	}
	return f.count(t, `SELECT count(*) FROM `+table+` x WHERE EXISTS (SELECT 1 FROM registrations g
		WHERE g.person = x.person AND starts_with(g.region_code, ?))`, county)
}

// TestCountyAfterCityReplacesItsOwnRegion: the city sends a city-wide
// snapshot (registrations p1–p5, physicals p1–p5), then 中原区 sends a newer
// snapshot of its own without p3 (registrations p1, p2; physicals p1, p2).
// By hand — before the county file: 410102 registrations 3, physicals 3;
// 410103 2 and 2. After: 410102 2 and 2 (the county's file alone), 410103
// still 2 and 2 (the city's rows outside the county stay). Before the fix
// the city's rows for 410102 stayed beside the county's: 5 registrations.
// An exam has no region of its own: the city's physicals of p1 and p2 are
// replaced (2 rows), p3's stays as an orphan (flagged, counted in no
// region) since p3 is no longer registered, until the city's next file.
func TestCountyAfterCityReplacesItsOwnRegion(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	load := func(name, text string) Result {
		t.Helper()
		res, err := fx.loader.LoadFile(ctx, writeFile(t, fx.dir, name, []byte(text)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res
	}
	cityReg := load("city-reg.csv", regOf(p1, p2, p3, p4, p5))
	cityPhys := load("city-phys.csv", physicalOf(p1, p2, p3, p4, p5))
	if cityReg.Scope.Region != "4101" || cityPhys.Scope.Region != "4101" {
		t.Fatalf("city scopes %+v %+v, want 4101", cityReg.Scope, cityPhys.Scope)
	}
	for _, c := range []struct {
		table, county string
		want          int
	}{{"registrations", "410102", 3}, {"registrations", "410103", 2}, {"exams", "410102", 3}, {"exams", "410103", 2}} {
		if got := fx.byCounty(t, c.table, c.county); got != c.want {
			t.Errorf("before: %s in %s = %d, want %d", c.table, c.county, got, c.want)
		}
	}
	countyReg := load("county-reg.csv", regOf(p1, p2))
	countyPhys := load("county-phys.csv", physicalOf(p1, p2))
	for _, r := range []struct {
		res  Result
		city int64
		rows int64
	}{{countyReg, cityReg.LoadID, 3}, {countyPhys, cityPhys.LoadID, 2}} {
		if len(r.res.Replaced) != 0 || len(r.res.PartlyReplaced) != 1 ||
			r.res.PartlyReplaced[0] != (PartialReplacement{LoadID: r.city, Region: "410102", Rows: r.rows}) {
			t.Errorf("load %d: replaced %v, partly %+v; want load %d partly for 410102 (%d rows)",
				r.res.LoadID, r.res.Replaced, r.res.PartlyReplaced, r.city, r.rows)
		}
	}
	for _, c := range []struct {
		table, county string
		want          int
	}{{"registrations", "410102", 2}, {"registrations", "410103", 2}, {"exams", "410102", 2}, {"exams", "410103", 2}} {
		if got := fx.byCounty(t, c.table, c.county); got != c.want {
			t.Errorf("after: %s in %s = %d, want %d", c.table, c.county, got, c.want)
		}
	}
	if got := fx.count(t, `SELECT count(*) FROM flags WHERE flag = 'orphan' AND load_id = ?`, cityPhys.LoadID); got != 1 {
		t.Errorf("orphaned city physicals = %d, want 1 (p3)", got)
	}
	// The city's files stay in force for 410103; the ledger says which
	// part of them was replaced, by whom.
	if got := fx.count(t, `SELECT count(*) FROM load_ledger WHERE status = 'loaded'`); got != 4 {
		t.Errorf("loads in force = %d, want 4", got)
	}
	if got := fx.count(t, `SELECT count(*) FROM load_replacements WHERE partial AND region_code = '410102'
		AND ((load_id = ? AND replaced_load_id = ?) OR (load_id = ? AND replaced_load_id = ?))`,
		countyReg.LoadID, cityReg.LoadID, countyPhys.LoadID, cityPhys.LoadID); got != 2 {
		t.Errorf("partial replacements recorded = %d, want 2", got)
	}
	var msg string
	if err := fx.wh.DB().QueryRow(`SELECT message FROM load_ledger WHERE load_id = ?`, countyReg.LoadID).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "replaced load 1 for region 410102 only (3 rows)") {
		t.Errorf("ledger message %q does not say what it replaced", msg)
	}
}

// TestOlderCountyFileAfterNewerCityFile is the reverse order. 中原区 sends
// p1, p2 (load 1); the city then sends p1–p5 (load 2), which covers 4101
// and so replaces load 1 whole: 410102 has 3 registrations. The county then
// sends its file again: it was replaced, so it is current again (load 3,
// restoring load 1), and as the newest delivery for 410102 it replaces the
// city's rows there: 410102 has 2, 410103 keeps 2. Sending it once more is
// a no-op; sending the city's file again makes the city's whole file
// current (load 4): 410102 has 3 again.
func TestOlderCountyFileAfterNewerCityFile(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	county := writeFile(t, fx.dir, "county.csv", []byte(regOf(p1, p2)))
	city := writeFile(t, fx.dir, "city.csv", []byte(regOf(p1, p2, p3, p4, p5)))
	step := func(path string, wantStatus string, wantID int64, want410102, want410103 int) Result {
		t.Helper()
		res, err := fx.loader.LoadFile(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != wantStatus || res.LoadID != wantID {
			t.Fatalf("%s: %s load %d, want %s load %d", path, res.Status, res.LoadID, wantStatus, wantID)
		}
		if got := fx.byCounty(t, "registrations", "410102"); got != want410102 {
			t.Errorf("after load %d: 410102 registrations = %d, want %d", res.LoadID, got, want410102)
		}
		if got := fx.byCounty(t, "registrations", "410103"); got != want410103 {
			t.Errorf("after load %d: 410103 registrations = %d, want %d", res.LoadID, got, want410103)
		}
		return res
	}
	step(county, "loaded", 1, 2, 0)
	if r := step(city, "loaded", 2, 3, 2); len(r.Replaced) != 1 || r.Replaced[0] != 1 {
		t.Errorf("city replaced %v, want [1]", r.Replaced)
	}
	r := step(county, "loaded", 3, 2, 2)
	if r.Restores != 1 || r.RestoredStatus != "replaced" || len(r.PartlyReplaced) != 1 || r.PartlyReplaced[0].LoadID != 2 {
		t.Errorf("county re-sent: restores %d (%s), partly %+v", r.Restores, r.RestoredStatus, r.PartlyReplaced)
	}
	step(county, "already_loaded", 3, 2, 2)
	r = step(city, "loaded", 4, 3, 2)
	if r.Restores != 2 || len(r.Replaced) != 2 || r.Replaced[0] != 2 || r.Replaced[1] != 3 {
		t.Errorf("city re-sent: restores %d, replaced %v, want restores 2, replaced [2 3]", r.Restores, r.Replaced)
	}
	if got := fx.count(t, `SELECT restores FROM load_ledger WHERE load_id = 3`); got != 1 {
		t.Errorf("ledger: load 3 restores %d, want 1", got)
	}
}

// TestResendingReplacedFileMakesItCurrent: 中原区 sends p1–p3 (load 1),
// then a correction without p3 (load 2, replacing load 1): 2 registrations.
// It takes the correction back by sending the first file again: before the
// fix "already loaded (load 1), nothing changed" and 2 registrations; now
// load 3 restores load 1 and replaces load 2: 3 registrations.
func TestResendingReplacedFileMakesItCurrent(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	first := writeFile(t, fx.dir, "first.csv", []byte(regOf(p1, p2, p3)))
	correction := writeFile(t, fx.dir, "correction.csv", []byte(regOf(p1, p2)))
	for _, p := range []string{first, correction} {
		if _, err := fx.loader.LoadFile(ctx, p, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := fx.count(t, `SELECT count(*) FROM registrations`); got != 2 {
		t.Fatalf("after the correction: %d registrations, want 2", got)
	}
	res, err := fx.loader.LoadFile(ctx, first, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "loaded" || res.LoadID != 3 || res.Restores != 1 || len(res.Replaced) != 1 || res.Replaced[0] != 2 {
		t.Fatalf("re-sent: %s load %d restores %d replaced %v; want loaded 3 restoring 1, replacing [2]",
			res.Status, res.LoadID, res.Restores, res.Replaced)
	}
	if got := fx.count(t, `SELECT count(*) FROM registrations`); got != 3 {
		t.Errorf("after taking the correction back: %d registrations, want 3", got)
	}
	if got := fx.count(t, `SELECT count(*) FROM load_ledger WHERE status = 'loaded'`); got != 1 {
		t.Errorf("loads in force = %d, want 1 (load 3)", got)
	}
	// Sent once more, it is the current snapshot: nothing changes.
	before := fx.checksum(t)
	if res, err := fx.loader.LoadFile(ctx, first, Options{}); err != nil || res.Status != "already_loaded" || res.LoadID != 3 {
		t.Errorf("third send: %s load %d, %v; want already_loaded 3", res.Status, res.LoadID, err)
	}
	if fx.checksum(t) != before {
		t.Error("re-sending the current file changed the warehouse")
	}
}

// TestLoaderRefusesAnotherSecret: a warehouse loaded under one secret
// refuses a loader with another (a lost secret file replaced by a new one),
// saying so, and changes nothing; before the fix the file loaded and its
// people got new pseudonyms.
func TestLoaderRefusesAnotherSecret(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := fx.loader.LoadFile(ctx, writeFile(t, fx.dir, "reg.csv", []byte(regOf(p1, p2))), Options{}); err != nil {
		t.Fatal(err)
	}
	if got := fx.count(t, `SELECT count(*) FROM secret_fingerprint`); got != 1 {
		t.Fatalf("fingerprints recorded at the first load = %d, want 1", got)
	}
	before := fx.checksum(t)
	t.Setenv(secret.EnvVar, "another-secret-0123456789abcdef")
	other, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(fx.wh, other, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.LoadPaths(ctx, []string{writeFile(t, fx.dir, "reg2.csv", []byte(regOf(p1, p2, p3)))}, Options{})
	if !errors.Is(err, secret.ErrMismatch) {
		t.Fatalf("load under another secret: %v, want ErrMismatch", err)
	}
	for _, want := range []string{"wrong one or was newly created", "Restore the warehouse's own secret file", "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if fx.checksum(t) != before {
		t.Error("the refused load changed the warehouse")
	}
}

// Failures gives each error LoadPaths joined, joins within joins opened,
// so a caller can tell a refused file (*FileError) from any other failure.
func TestFailures(t *testing.T) {
	a := &FileError{File: "a.csv", Err: errors.New("no header")}
	b := errors.New("disk full")
	c := &FileError{File: "c.xlsx", Err: errors.New("no rows")}
	got := Failures(errors.Join(a, errors.Join(b, c)))
	if len(got) != 3 || got[0] != error(a) || got[1] != b || got[2] != error(c) {
		t.Errorf("Failures = %v, want a.csv, disk full, c.xlsx", got)
	}
	if Failures(nil) != nil {
		t.Error("Failures(nil) is not empty")
	}
}

package scoped

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/warehouse"
)

// handMade is a warehouse written row by row, each row placed to test one
// rule. People: p1 registered in town 410102001, p2 in county 410102 with
// no town, p3 in the sibling county's town 410103001, p4 in 410102001 and
// again, later, in 410103002 (two regions). p5 and p9 have no
// registration: p5's exam came in the county's own file, p9's in the
// city's.
//
//	load 1 registrations, scope 4101 (city-wide): p1, p2, p3, p4 (410102001), p4 (410103002); 3 rejects
//	load 2 exams, scope 4101: p1, p3, p9
//	load 3 exams, scope 410102 (the county's own file): p5 (orphan), p3 (registered in the sibling); 2 rejects
//	load 4 quotas, scope 41: 41 (1000, college 0.8, graduate 0.5), 4101 (300, college 0.7),
//	       410102 (100, no targets), 410103 (200)
//	load 5 resettlement, scope 4101: one veteran in 410102, one in 410103
//	load 6 registrations, scope 410103: a sibling's own file (no rows kept here)
const handMadeRows = `
INSERT INTO load_ledger (load_id, file, sha256, kind, mode, scope_region, scope_year, scope_season, rows_read, rows_accepted, rows_rejected, rows_flagged, started_at, finished_at, status, message) VALUES
 (1, 'city/登记.csv', 'a1', 'registrations', 'snapshot', '4101', 2025, 1, 8, 5, 3, 2, now(), now(), 'loaded', 'city file: 5 of 8'),
 (2, 'city/体检.csv', 'a2', 'exams', 'snapshot', '4101', 2025, 1, 3, 3, 0, 1, now(), now(), 'loaded', 'city exams'),
 (3, 'county/体检.csv', 'a3', 'exams', 'snapshot', '410102', 2025, 1, 4, 2, 2, 1, now(), now(), 'loaded', 'county exams'),
 (4, 'province/任务.csv', 'a4', 'quotas', 'snapshot', '41', 2025, 1, 4, 4, 0, 0, now(), now(), 'loaded', 'quotas'),
 (5, 'city/安置.csv', 'a5', 'resettlement', 'snapshot', '4101', NULL, NULL, 2, 2, 0, 0, now(), now(), 'loaded', 'veterans'),
 (6, 'sibling/登记.csv', 'a6', 'registrations', 'snapshot', '410103', 2025, 1, 1, 0, 1, 0, now(), now(), 'loaded', 'sibling');
INSERT INTO registrations (load_id, source_row, person, birth_year, id_county, region_code, registered_on, applied, year, season) VALUES
 (1, 2, '00000000-0000-0000-0000-000000000001', 2005, '410102', '410102001', DATE '2025-02-01', true, 2025, 1),
 (1, 3, '00000000-0000-0000-0000-000000000002', 2005, '410102', '410102', DATE '2025-02-01', true, 2025, 1),
 (1, 4, '00000000-0000-0000-0000-000000000003', 2005, '410103', '410103001', DATE '2025-02-01', true, 2025, 1),
 (1, 5, '00000000-0000-0000-0000-000000000004', 2005, '410102', '410102001', DATE '2025-02-01', true, 2025, 1),
 (1, 6, '00000000-0000-0000-0000-000000000004', 2005, '410102', '410103002', DATE '2025-02-10', true, 2025, 1);
INSERT INTO rejects (load_id, file, source_row, reason) VALUES
 (1, 'city/登记.csv', 7, 'bad_id_check'), (1, 'city/登记.csv', 8, 'bad_date'), (1, 'city/登记.csv', 9, 'bad_date'),
 (3, 'county/体检.csv', 4, 'bad_date'), (3, 'county/体检.csv', 5, 'bad_id_check'),
 (6, 'sibling/登记.csv', 2, 'bad_date');
INSERT INTO exams (load_id, source_row, person, exam_type, exam_date, passed, year, season) VALUES
 (2, 2, '00000000-0000-0000-0000-000000000001', 'physical', DATE '2025-03-01', true, 2025, 1),
 (2, 3, '00000000-0000-0000-0000-000000000003', 'physical', DATE '2025-03-01', true, 2025, 1),
 (2, 4, '00000000-0000-0000-0000-000000000009', 'physical', DATE '2025-03-01', true, 2025, 1),
 (3, 2, '00000000-0000-0000-0000-000000000005', 'physical', DATE '2025-03-01', false, 2025, 1),
 (3, 3, '00000000-0000-0000-0000-000000000003', 'physical', DATE '2025-03-02', true, 2025, 1);
INSERT INTO row_flags (load_id, source_row, kind, region_code, year, season, flag) VALUES
 (1, 2, 'registrations', '410102001', 2025, 1, 'age_rule'),
 (1, 4, 'registrations', '410103001', 2025, 1, 'age_rule'),
 (2, 4, 'exams', NULL, 2025, 1, 'id_region_unknown'),
 (3, 2, 'exams', NULL, 2025, 1, 'id_region_unknown');
INSERT INTO quotas (load_id, source_row, year, season, region_code, quota, college_target, graduate_target) VALUES
 (4, 2, 2025, 1, '41', 1000, 0.8, 0.5),
 (4, 3, 2025, 1, '4101', 300, 0.7, NULL),
 (4, 4, 2025, 1, '410102', 100, NULL, NULL),
 (4, 5, 2025, 1, '410103', 200, NULL, NULL);
INSERT INTO resettlement (load_id, source_row, person, region_code, discharged_on, plan) VALUES
 (5, 2, '00000000-0000-0000-0000-000000000011', '410102', DATE '2024-12-01', 'self_employed'),
 (5, 3, '00000000-0000-0000-0000-000000000013', '410103', DATE '2024-12-01', 'self_employed');
INSERT INTO load_replacements VALUES (3, 2, '410102', true, 1, now()), (6, 1, '410103', true, 1, now());
INSERT INTO job_runs (run_id, job, job_type, trigger, scheduled_at, attempt, started_at, status) VALUES
 (1, 'weekly', 'ingest', 'manual', now(), 1, now(), 'succeeded');
`

func handMadeWarehouse(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v000007.duckdb")
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.DB().ExecContext(ctx, handMadeRows); err != nil {
		wh.Close()
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRulesHandMade(t *testing.T) {
	ctx := context.Background()
	pub := handMadeWarehouse(t)
	county, err := Copy(ctx, pub, "410102")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(pub), "scoped", "v000007-410102-"+builderVersion+".duckdb"); county != want {
		t.Errorf("copy at %s, want %s", county, want)
	}
	town, err := Copy(ctx, pub, "410102001")
	if err != nil {
		t.Fatal(err)
	}
	vars := Vars{"as_of": "2025-06-30", "year": "2025", "season": "1"}
	cases := []struct {
		path, query, want string
	}{
		// p1, p2 (no town) and p4's first registration; the town has no p2.
		{county, `SELECT string_agg(right(person::VARCHAR, 1) || '@' || region_code, ' ' ORDER BY person, region_code) FROM registrations`,
			"1@410102001 2@410102 4@410102001"},
		{town, `SELECT string_agg(right(person::VARCHAR, 1) || '@' || region_code, ' ' ORDER BY person, region_code) FROM registrations`,
			"1@410102001 4@410102001"},
		// Exams follow the registration (p1); the orphan p5 came in the
		// county's own file; p3 is the sibling's even in the county's file.
		{county, `SELECT string_agg(load_id || ':' || right(person::VARCHAR, 1), ' ' ORDER BY load_id, person) FROM exams`, "2:1 3:5"},
		{town, `SELECT string_agg(load_id || ':' || right(person::VARCHAR, 1), ' ' ORDER BY load_id, person) FROM exams`, "2:1"},
		// Refused rows of the county's own file only.
		{county, `SELECT count(*) FROM rejects`, "2"},
		{county, `SELECT string_agg(source_row::VARCHAR, ' ' ORDER BY source_row) FROM rejects WHERE load_id = 3`, "4 5"},
		// Warnings: by region, or with the exam row kept.
		{county, `SELECT string_agg(load_id || ':' || source_row, ' ' ORDER BY load_id, source_row) FROM row_flags`, "1:2 3:2"},
		// The county's own quota row, with the targets of the nearest
		// ancestors that set them (college from the city, graduate from the
		// province); no ancestor's or sibling's quota.
		{county, `SELECT string_agg(region_code || '=' || quota || '/' || college_target || '/' || graduate_target, ' ') FROM quotas`, "410102=100/0.7/0.5"},
		{county, `SELECT region_code || ' ' || quota || ' ' || college_target || ' ' || graduate_target FROM metrics WHERE region_code = '410102'`, "410102 100 0.7 0.5"},
		// The ledger: the county's own file as loaded; the city's and the
		// province's files as their parts within the county.
		{county, `SELECT string_agg(load_id || ':' || scope_region || ':' || rows_read || '/' || rows_accepted || '/' || rows_rejected || '/' || rows_flagged, ' ' ORDER BY load_id) FROM load_ledger`,
			"1:410102:3/3/0/1 2:410102:1/1/0/0 3:410102:4/2/2/1 4:410102:1/1/0/0 5:410102:1/1/0/0"},
		{county, `SELECT count(*) FROM load_ledger WHERE message LIKE '%city%' OR message LIKE '%quotas%' OR message LIKE '%veterans%'`, "0"},
		{county, `SELECT count(*) FROM resettlement`, "1"},
		{county, `SELECT string_agg(load_id::VARCHAR, ' ') FROM load_replacements`, "3"},
		{county, `SELECT count(*) FROM job_runs`, "0"},
		// The region table: the county, its towns, and the names above it.
		{county, `SELECT count(*) FROM regions WHERE NOT starts_with(code, '410102')`, "2"},
		{county, `SELECT string_agg(code || name, ' ' ORDER BY code) FROM regions WHERE length(code) < 6`, "41河南省 4101郑州市"},
		// Metrics: the county and its towns only; p4 counts here, where the
		// copy has their only registration.
		{county, `SELECT string_agg(region_code || '=' || registered, ' ' ORDER BY region_code) FROM metrics WHERE registered > 0`,
			"410102=3 410102001=2"},
		{county, `SELECT count(*) FROM metrics WHERE NOT starts_with(region_code, '410102')`, "0"},
		// Ranked alone among siblings it cannot see, the county has no rank.
		{county, `SELECT coalesce(composite_rank::VARCHAR, 'none') FROM metrics WHERE region_code = '410102'`, "none"},
		{town, `SELECT string_agg(region_code || '=' || registered, ' ' ORDER BY region_code) FROM metrics WHERE registered > 0`,
			"410102001=2"},
	}
	for _, c := range cases {
		res, err := Query(ctx, c.path, c.query, vars, QueryOptions{})
		if err != nil {
			t.Errorf("%s: %s: %v", filepath.Base(c.path), c.query, err)
			continue
		}
		if len(res.Rows) != 1 || fmt.Sprint(res.Rows[0][0]) != c.want {
			t.Errorf("%s: %s\n got %v\nwant %s", filepath.Base(c.path), c.query, res.Rows, c.want)
		}
	}
	// The data dictionary reads the same: every view and table macro of
	// the main schema keeps its name and comment (the wrapped macros too).
	dict := `SELECT string_agg(name || '=' || coalesce(comment, '-'), '|' ORDER BY name) FROM (
		SELECT view_name AS name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
		UNION ALL SELECT DISTINCT function_name, comment FROM duckdb_functions()
		WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main')`
	whole, err := Query(ctx, pub, dict, nil, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part, err := Query(ctx, county, dict, nil, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(part.Rows) != fmt.Sprint(whole.Rows) || !strings.Contains(fmt.Sprint(part.Rows), "metrics_at=") {
		t.Errorf("the county's dictionary differs:\n%v\nwhole warehouse:\n%v", part.Rows, whole.Rows)
	}
	// The city covers every row: it reads the published version itself.
	if p, err := Copy(ctx, pub, "41"); err != nil || p != pub {
		t.Errorf("Copy for 41 = %s, %v; want the published version", p, err)
	}
	// A second request reuses the copy.
	again, err := Copy(ctx, pub, "410102")
	if err != nil || again != county {
		t.Errorf("second Copy = %s, %v", again, err)
	}
}

func TestCheckScope(t *testing.T) {
	for _, s := range []string{"41", "4101", "410102", "410102001", "410102001001"} {
		if err := CheckScope(s); err != nil {
			t.Errorf("CheckScope(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "4", "41010", "4101020", "41a1", "41' OR '1'='1", "4101020010011"} {
		if err := CheckScope(s); !errors.Is(err, ErrScope) {
			t.Errorf("CheckScope(%q) = %v, want ErrScope", s, err)
		}
	}
	if _, err := Copy(context.Background(), "/nonexistent/v000001.duckdb", "41' --"); !errors.Is(err, ErrScope) || !strings.Contains(err.Error(), "digits") {
		t.Errorf("Copy with a bad scope: %v", err)
	}
}

// TestEveryTableHasARule: a table added to the warehouse must say what a
// region's copy holds of it; until it does, the copy leaves it empty.
func TestEveryTableHasARule(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	tables, err := names(ctx, wh.DB(), `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if _, ok := rules[tb]; !ok {
			t.Errorf("table %s has no rule in internal/scoped/build.go: decide which of its rows a region's analysts may read", tb)
		}
	}
}

// TestConcurrentRequestsBuildOnce: requests for the same region at once
// get the same copy, built once, and a query through each works.
func TestConcurrentRequestsBuildOnce(t *testing.T) {
	ctx := context.Background()
	pub := handMadeWarehouse(t)
	const n = 3
	paths := make([]string, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := range n {
		go func() {
			paths[i], errs[i] = Copy(ctx, pub, "410103")
			done <- i
		}()
	}
	for range n {
		<-done
	}
	for i := range n {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("request %d: %s, %v (first: %s)", i, paths[i], errs[i], paths[0])
		}
	}
	res, err := Query(ctx, paths[0], "SELECT count(*) FROM registrations", nil, QueryOptions{})
	if err != nil || fmt.Sprint(res.Rows) != "[[2]]" {
		t.Errorf("410103 counts %v, %v; want 2", res, err)
	}
	// Nothing half-built is left beside the copy.
	left, err := filepath.Glob(filepath.Join(filepath.Dir(paths[0]), "*.tmp*"))
	if err != nil || len(left) > 0 {
		t.Errorf("left behind: %v %v", left, err)
	}
}

// TestQueryBounds: the timeout and the row bound of enlist sql hold for a
// region's query, and a bad variable stops it before it runs.
func TestQueryBounds(t *testing.T) {
	ctx := context.Background()
	pub := handMadeWarehouse(t)
	start := time.Now()
	_, err := Query(ctx, pub, "SELECT count(*) FROM range(1000000000000) a", nil, QueryOptions{Timeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "timeout 300ms reached") || time.Since(start) > 20*time.Second {
		t.Errorf("timeout: %v after %s", err, time.Since(start))
	}
	if _, err := Query(ctx, pub, "SELECT * FROM range(10)", nil, QueryOptions{MaxRows: 5}); !errors.Is(err, analyst.ErrTooManyRows) {
		t.Errorf("max rows: %v", err)
	}
	if _, err := Query(ctx, pub, "SELECT 1", Vars{"as_of": "2025-02-30"}, QueryOptions{}); err == nil || !strings.Contains(err.Error(), `variable as_of = "2025-02-30": not a date`) {
		t.Errorf("bad variable: %v", err)
	}
}

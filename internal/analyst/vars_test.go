package analyst

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"enlist/internal/warehouse"
)

var fixedNow = time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

// TestBadVariablesRefused: every mistyped variable name or value is refused
// before anything runs, with a message naming the variable and the value,
// and the session's variable keeps what it had.
func TestBadVariablesRefused(t *testing.T) {
	f := newFixture(t)
	f.s.Now = func() time.Time { return fixedNow }
	ctx := context.Background()
	if _, err := f.s.Run(ctx, "SET VARIABLE as_of = '2025-03-05'"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, value, want string }{
		{"as_of", "2025-02-30", `variable as_of = "2025-02-30": not a date`},
		{"as_of", "2025-13-01", `variable as_of = "2025-13-01": not a date`},
		{"as_of", "yesterday", `variable as_of = "yesterday": not a date`},
		{"as_of", "45000", `variable as_of = "45000": not a date`},
		{"as_of", "", `variable as_of = "": not a date`},
		{"as_of", "1999-12-31", "year 1999 is not plausible (2000–2026)"},
		{"as_of", "2031-01-01", "year 2031 is not plausible"},
		{"as_of", "2025-03-05'; DROP TABLE regions; --", "not a date"},
		{"season", "3", `variable season = "3": a season is 1 (上半年, spring) or 2 (下半年, summer-autumn)`},
		{"season", "0", `variable season = "0"`},
		{"season", "上半年x", `variable season = "上半年x"`},
		{"year", "25", `variable year = "25": not a year`},
		{"year", "1899", "year 1899 is not plausible"},
		{"year", "2025.5", `variable year = "2025.5": not a year`},
		{"as_off", "2025-03-05", `unknown variable "as_off": the models read as_of, year, season`},
		{"asof", "2025-03-05", `unknown variable "asof": the models read as_of, year, season`},
		{"seson", "1", `unknown variable "seson"`},
	}
	for _, c := range cases {
		// Both ways in: the command line's --var and the prompt's SET VARIABLE.
		if err := f.s.SetVariable(ctx, c.name, c.value); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetVariable(%s, %q) = %v, want %q", c.name, c.value, err, c.want)
		}
		text := "SET VARIABLE " + c.name + " = '" + strings.ReplaceAll(c.value, "'", "''") + "'"
		if _, err := f.s.Run(ctx, text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", text, err, c.want)
		}
	}
	r, err := f.s.Run(ctx, "SELECT getvariable('as_of')::VARCHAR, getvariable('season') IS NULL, getvariable('asof') IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	if got := cellText(r.Frame.Rows[0][0]) + " " + cellText(r.Frame.Rows[0][1]) + " " + cellText(r.Frame.Rows[0][2]); got != "2025-03-05 true true" {
		t.Errorf("after refusals: %s", got)
	}
	// The forms of SPEC §5 all set the same date, stored as a DATE.
	for _, v := range []string{"2025-03-05", "2025/3/5", "2025年3月5日", "20250305", "DATE '2025-03-05'"} {
		if _, err := f.s.Run(ctx, "SET VARIABLE as_of = "+map[bool]string{true: v, false: "'" + v + "'"}[strings.HasPrefix(v, "DATE")]); err != nil {
			t.Errorf("%s: %v", v, err)
			continue
		}
		r, err := f.s.Run(ctx, "SELECT typeof(getvariable('as_of')) || ' ' || getvariable('as_of')::VARCHAR")
		if err != nil || cellText(r.Frame.Rows[0][0]) != "DATE 2025-03-05" {
			t.Errorf("%s stored as %v %v", v, r, err)
		}
	}
}

// TestMetricsViewNeverGuesses: the metrics view, read without its
// variables straight from DuckDB, refuses naming the variable; through a
// session the missing ones are filled from today's date and the season
// windows, and the session says so.
func TestMetricsViewNeverGuesses(t *testing.T) {
	ctx := context.Background()
	// A warehouse with a quota row, as the view's checks run against data.
	live := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := warehouse.Open(ctx, live, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conn, err := w.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `INSERT INTO quotas (load_id, source_row, year, season, region_code, quota) VALUES (1, 1, 2025, 1, '410102', 100)`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ set, want string }{
		{"", "set the variable as_of"},
		{"SET VARIABLE as_of = DATE '2025-03-05'", "set the variable year"},
		{"SET VARIABLE year = 2025", "set the variable season"},
		{"SET VARIABLE season = 3", "set the variable season to 1 or 2"},
		{"SET VARIABLE as_of = 'yesterday'", "set the variable as_of"},
	} {
		if c.set != "" {
			if _, err := conn.ExecContext(ctx, c.set); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		err := conn.QueryRowContext(ctx, "SELECT count(*) FROM metrics").Scan(&n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("after %q: %v, want %q", c.set, err, c.want)
		}
	}
	if _, err := conn.ExecContext(ctx, "SET VARIABLE as_of = DATE '2025-03-05'; SET VARIABLE season = 1"); err != nil {
		t.Fatal(err)
	}
	var quota int
	if err := conn.QueryRowContext(ctx, "SELECT quota FROM metrics WHERE region_code = '410102'").Scan(&quota); err != nil || quota != 100 {
		t.Errorf("all set: %d %v", quota, err)
	}

	f := newFixture(t)
	f.s.Now = func() time.Time { return fixedNow }
	r, err := f.s.Run(ctx, "SELECT count(*) FROM metrics")
	if err != nil {
		t.Fatal(err)
	}
	want := "note: metrics read session variables not set; using as_of = 2025-09-01 (today); year = 2025, season = 2"
	if !strings.HasPrefix(r.Notice, want) {
		t.Errorf("notice %q, want %q", r.Notice, want)
	}
	r, err = f.s.Run(ctx, "SELECT getvariable('as_of')::VARCHAR || '/' || getvariable('year') || '/' || getvariable('season')")
	if err != nil || cellText(r.Frame.Rows[0][0]) != "2025-09-01/2025/2" {
		t.Errorf("variables after the notice: %v %v", r, err)
	}
	// Set now, so no further notice; a query not reading the view never
	// gets one.
	if r, err := f.s.Run(ctx, "SELECT count(*) FROM metrics"); err != nil || r.Notice != "" {
		t.Errorf("second query: %v %q", err, r.Notice)
	}

	g := newFixture(t)
	g.s.Now = func() time.Time { return fixedNow }
	if r, err := g.s.Run(ctx, "SELECT count(*) FROM regions"); err != nil || r.Notice != "" {
		t.Errorf("regions: %v %q", err, r.Notice)
	}
	// Spring: as_of in season 1's window; a year without its season refused.
	if _, err := g.s.Run(ctx, "SET VARIABLE as_of = '2025-03-05'"); err != nil {
		t.Fatal(err)
	}
	if r, err := g.s.Run(ctx, "SELECT count(*) FROM metrics"); err != nil || !strings.Contains(r.Notice, "year = 2025, season = 1") || strings.Contains(r.Notice, "today") {
		t.Errorf("spring: %v %q", err, r.Notice)
	}
	h := newFixture(t)
	if _, err := h.s.Run(ctx, "SET VARIABLE year = 2025"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Run(ctx, "SELECT * FROM metrics"); err == nil || !strings.Contains(err.Error(), "set season too") {
		t.Errorf("year without season: %v", err)
	}
}

// TestModelsNeverUseTodaySilently: no model reads the clock; a date comes
// from the caller or a variable.
func TestModelsNeverUseTodaySilently(t *testing.T) {
	files, err := filepath.Glob("../../sql/models/*.sql")
	if err != nil || len(files) < 10 {
		t.Fatalf("models: %v %v", files, err)
	}
	clock := regexp.MustCompile(`(?i)\b(current_date|current_timestamp|get_current_timestamp|localtimestamp|current_time)\b|\b(today|now)\s*\(\s*\)`)
	// Comments and text literals may speak of "now"; only code counts.
	literal := regexp.MustCompile(`'(?:[^']|'')*'`)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(literal.ReplaceAllString(line, "''"), "--")
			if clock.MatchString(code) {
				t.Errorf("%s:%d reads the clock: %s", filepath.Base(p), i+1, strings.TrimSpace(line))
			}
		}
	}
}

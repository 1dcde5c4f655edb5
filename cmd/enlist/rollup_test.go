package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/secret"
)

// TestRollupAndExportCommands drives the commands as an operator's cron job
// does: two counties ingest with the shared secret, the province rolls them
// up (again, unchanged), refuses a city overlapping them, and exports.
func TestRollupAndExportCommands(t *testing.T) {
	t.Setenv(secret.EnvVar, "province-secret-0123456789abcdef")
	dir := t.TempDir()
	born := time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	county := func(code string, n int) string {
		folder := filepath.Join(dir, code+"-in")
		if err := os.MkdirAll(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		text := "身份证号,区划代码,登记日期,是否应征报名,年度,季度\n"
		for i := 0; i < n; i++ {
			text += idnum.Make(code, born, 10+i) + "," + code + "001,2025-01-10,是,2025,上半年\n"
		}
		if err := os.WriteFile(filepath.Join(folder, "reg.csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, code+".duckdb")
		mustInit(t, db)
		if code, out, errs := enlist(t, "--db", db, "ingest", folder); code != exitOK {
			t.Fatalf("ingest %s: %d\n%s\n%s", folder, code, out, errs)
		}
		return db
	}
	a, b := county("410102", 3), county("410103", 2)
	prov := filepath.Join(dir, "henan.duckdb")
	// Only init creates a warehouse, the province's too.
	if code, _, errs := enlist(t, "rollup", "--into", prov, a, b); code != exitFailure || !strings.Contains(errs, "no warehouse at "+prov) {
		t.Fatalf("rollup into a missing province: exit %d\n%s", code, errs)
	}
	mustInit(t, prov)

	code, out, errs := enlist(t, "rollup", "--into", prov, a, b)
	if code != exitOK || !strings.Contains(out, "delivered") || !strings.Contains(out, "published") {
		t.Fatalf("rollup: %d\n%s\n%s", code, out, errs)
	}
	// Not a terminal: structured log lines, no progress escapes.
	if !strings.Contains(errs, "msg=\"source delivered\"") || strings.Contains(errs, "\033[K") {
		t.Errorf("stderr of a cron run:\n%s", errs)
	}
	code, out, _ = enlist(t, "rollup", "--into", prov, a, b)
	if code != exitOK || strings.Count(out, "unchanged") != 3 {
		t.Errorf("re-run: %d\n%s", code, out)
	}

	// The same rollup as a scheduled job into the service's own warehouse:
	// its run record publishes the province once, with the rows in it.
	sch := filepath.Join(dir, "schedules")
	if err := os.MkdirAll(sch, 0o755); err != nil {
		t.Fatal(err)
	}
	job := "jobs:\n  - name: sunday-rollup\n    cron: \"0 23 * * 0\"\n    type: rollup\n    params:\n      sources: [" + a + ", " + b + "]\n"
	if err := os.WriteFile(filepath.Join(sch, "rollup.yaml"), []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(dir, "service", "henan.duckdb")
	if err := os.MkdirAll(filepath.Dir(svc), 0o755); err != nil {
		t.Fatal(err)
	}
	mustInit(t, svc)
	initial, _ := filepath.Glob(svc + ".published/v*.duckdb")
	if code, out, errs := enlist(t, "--db", svc, "run", "--schedules", sch, "sunday-rollup"); code != exitOK || !strings.Contains(out, "succeeded") {
		t.Fatalf("scheduled rollup: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := enlist(t, "--db", svc, "sql", "--format", "csv", "SELECT count(*) AS n FROM registrations"); code != exitOK || !strings.Contains(out, "\n5\n") {
		t.Errorf("registrations readers see after the scheduled rollup: %d\n%s\n%s", code, out, errs)
	}
	if vs, _ := filepath.Glob(svc + ".published/v*.duckdb"); len(vs) != len(initial)+1 {
		t.Errorf("published versions after one scheduled rollup: %v, want one more than after init (%v)", vs, initial)
	}

	// A city holding both counties again is refused, naming the county.
	cityIn := filepath.Join(dir, "4101-in")
	if err := os.MkdirAll(cityIn, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"410102", "410103"} {
		data, err := os.ReadFile(filepath.Join(dir, c+"-in", "reg.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cityIn, c+".csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	city := filepath.Join(dir, "4101.duckdb")
	mustInit(t, city)
	if code, _, errs := enlist(t, "--db", city, "ingest", cityIn); code != exitOK {
		t.Fatalf("city ingest: %s", errs)
	}
	code, out, errs = enlist(t, "rollup", "--into", prov, city)
	if code != exitFailure || !strings.Contains(errs, city) || !strings.Contains(errs, a) {
		t.Errorf("conflicting city: exit %d\n%s\n%s", code, out, errs)
	}

	// Export reads the province's published copy.
	parquet := filepath.Join(dir, "parquet")
	code, out, errs = enlist(t, "--db", prov, "export", "--out", parquet, "--kind", "registrations")
	if code != exitOK || !strings.Contains(out, "registrations") || !strings.Contains(out, " 5 rows") {
		t.Fatalf("export: %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(parquet, "kind=registrations", "year=2025", "province=41")); err != nil {
		t.Error(err)
	}

	for _, args := range [][]string{
		{"rollup", a},
		{"rollup", "--into", prov},
		{"export"},
		{"--db", prov, "export", "--out", parquet, "--kind", "pizza"},
	} {
		if code, _, _ := enlist(t, args...); code != exitUsage {
			t.Errorf("enlist %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// mustInit creates a warehouse as an office does, with enlist init.
func mustInit(t *testing.T, db string) {
	t.Helper()
	if code, out, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init %s: %d\n%s\n%s", db, code, out, errs)
	}
}

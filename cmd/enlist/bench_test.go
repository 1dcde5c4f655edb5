package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"enlist/internal/config"
	"enlist/internal/secret"
)

// TestResourcesReachDuckDB: DuckDB's memory limit and threads are bounded
// by default and set by enlist.yaml, then the environment, then the flag;
// the Go heap gets its soft limit; a size that is not one is a usage error.
func TestResourcesReachDuckDB(t *testing.T) {
	t.Setenv(secret.EnvVar, "resources-secret-0123456789abcdef")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	setting := func(args ...string) string {
		t.Helper()
		code, out, errs := enlist(t, append([]string{"--db", db, "sql", "--format", "csv"}, append(args,
			"SELECT current_setting('memory_limit') || '/' || current_setting('threads')")...)...)
		if code != exitOK {
			t.Fatalf("sql %v: %s", args, errs)
		}
		return strings.TrimSpace(strings.Split(out, "\n")[1])
	}
	// DuckDB prints 1GB as 953.6 MiB; 2 threads at most on CI's 2 cores.
	if got := setting(); !strings.HasPrefix(got, "953.6 MiB/") {
		t.Errorf("default: %s, want 953.6 MiB (1GB)", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 512<<20 {
		t.Errorf("Go heap limit %d, want 512 MiB", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "enlist.yaml"), []byte("resources:\n  memory_limit: 3GB\n  threads: 1\n  go_memory_limit: 256MiB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := setting(); got != "2.7 GiB/1" {
		t.Errorf("enlist.yaml: %s, want 2.7 GiB/1", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("Go heap limit from enlist.yaml %d, want 256 MiB", got)
	}
	t.Setenv(config.EnvMemoryLimit, "2GB")
	if got := setting(); got != "1.8 GiB/1" {
		t.Errorf("ENLIST_MEMORY_LIMIT=2GB: %s, want 1.8 GiB/1", got)
	}
	if got := setting("--memory-limit", "500MB", "--threads", "2"); got != "476.8 MiB/2" {
		t.Errorf("--memory-limit 500MB --threads 2: %s, want 476.8 MiB/2", got)
	}
	code, _, errs := enlist(t, "--db", db, "--memory-limit", "lots", "sql", "SELECT 1")
	if code != exitUsage || !strings.Contains(errs, `"lots" is not a size`) {
		t.Errorf("--memory-limit lots: exit %d, %s", code, errs)
	}
}

// TestBenchLimit: the limit step stores a roll in a new database and says
// how many rows; it needs the file and the database.
func TestBenchLimit(t *testing.T) {
	dir := t.TempDir()
	roll := filepath.Join(dir, "roll.csv")
	if err := os.WriteFile(roll, []byte("身份证号,姓名,性别,出生日期,民族,区划代码,文化程度,学业状态,专业类别,毕业院校,登记日期,是否报名,年度,批次\n"+
		"41010220051113423X,王国豪,男,2005-11-13,藏族,410102009,初中,非学生,,,2025-01-05,是,2025,1\n"+
		"410103200609077815,谭昊,男,2006-09-07,汉族,410103006,大专,在校生,工学,河南建筑职业技术学院,2025-01-05,否,2025,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"varchar", "typed"} {
		code, out, errs := enlist(t, "bench", "limit", "--form", form, roll, filepath.Join(dir, form+".duckdb"))
		if code != exitOK || !strings.Contains(out, ": 2 rows") {
			t.Errorf("%s: exit %d, %q %q", form, code, out, errs)
		}
	}
	if code, _, _ := enlist(t, "bench", "limit", roll); code != exitUsage {
		t.Errorf("one argument: exit %d, want usage error", code)
	}
}

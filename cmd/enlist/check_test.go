package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"enlist/internal/jobs"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
)

// generated writes a small messy province and returns the folder and
// manifest; the tests take one city's files from it.
func generated(t *testing.T, messy float64) (string, synth.Manifest) {
	t.Helper()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "extracts")
	m, err := synth.Generate(context.Background(), synth.Options{Province: "41", Year: 2025, Registrations: 1500, Seed: 11, Messy: messy, Out: out}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

// dirDigest is the SHA-256 of every file under dir, by name, so that "the
// warehouse is unchanged" covers its write-ahead log and published copies too.
func dirDigest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[p] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCheckStoresNothingAndCountsMatchIngest: enlist check against a loaded
// warehouse leaves every byte of it as it was, and its counts per file
// (read, accepted, rejected, flagged, reasons, loads replaced) are those the
// following ingest of the same files reports in its ledger.
func TestCheckStoresNothingAndCountsMatchIngest(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	src, _ := generated(t, 0.5)
	whDir := t.TempDir()
	db := filepath.Join(whDir, "w.duckdb")
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	// The first week: the city's spring registrations.
	if code, _, errs := enlist(t, "--db", db, "ingest", pick(t, src, "registrations/4101_2025_s1")); code != exitOK {
		t.Fatalf("ingest: %s", errs)
	}
	// The next delivery: the same roll again under another name with one
	// row changed (a new snapshot replacing the first), the exams (whose
	// orphans depend on the registrations already in the warehouse) and the
	// approvals.
	next := t.TempDir()
	for _, f := range []string{"registrations/4101_2025_s1", "exams/4101_2025_s1_physical", "approvals/4101_2025_s1"} {
		p := pick(t, src, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f, "registrations") {
			// Another week's roll: a few bytes more, so a new file.
			b = append(b, "\r\n"...)
		}
		os.WriteFile(filepath.Join(next, filepath.Base(p)), b, 0o644)
	}

	before := dirDigest(t, whDir)
	os.Chmod(db, 0o444)
	code, out, errs := enlist(t, "--db", db, "check", "--format", "json", next)
	os.Chmod(db, 0o644)
	if code != exitOK {
		t.Fatalf("check: %d\n%s\n%s", code, out, errs)
	}
	if after := dirDigest(t, whDir); !equalMaps(before, after) {
		t.Fatalf("check changed the warehouse folder:\nbefore %v\nafter  %v", before, after)
	}
	var report jobs.CheckReport
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(report.Files) != 3 {
		t.Fatalf("check lists %d files:\n%s", len(report.Files), out)
	}
	// The text form says the same for people.
	code, text, _ := enlist(t, "--db", db, "check", next)
	if code != exitOK || !strings.Contains(text, "would replace load 1") || !strings.Contains(text, "would be accepted") {
		t.Errorf("check text:\n%s", text)
	}

	if code, _, errs := enlist(t, "--db", db, "ingest", next); code != exitOK {
		t.Fatalf("ingest: %s", errs)
	}
	wh := openForTest(t, db)
	for _, f := range report.Files {
		var read, accepted, rejected, flagged int
		var replaced int
		err := wh.QueryRow(`SELECT rows_read, rows_accepted, rows_rejected, rows_flagged,
			(SELECT count(*) FROM load_ledger r WHERE r.replaced_by = l.load_id)
			FROM load_ledger l WHERE file = ?`, f.File).Scan(&read, &accepted, &rejected, &flagged, &replaced)
		if err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		if f.Status != "would_load" || f.Read != read || f.Accepted != accepted || f.Rejected != rejected ||
			f.Flagged != flagged || len(f.Replaces) != replaced {
			t.Errorf("%s: check said %s %d/%d/%d/%d replacing %d; ingest %d/%d/%d/%d replacing %d",
				f.File, f.Status, f.Read, f.Accepted, f.Rejected, f.Flagged, len(f.Replaces), read, accepted, rejected, flagged, replaced)
		}
		var reasons int
		for _, n := range f.Reasons {
			reasons += n
		}
		var stored int
		wh.QueryRow(`SELECT count(*) FROM rejects WHERE file = ?`, f.File).Scan(&stored)
		if reasons != stored {
			t.Errorf("%s: check counted %d reject reasons, the rejects table holds %d", f.File, reasons, stored)
		}
	}
	// The fixture must exercise what it claims: rejects, flags, a replacement.
	var rej, flg int
	for _, f := range report.Files {
		rej += f.Rejected
		flg += f.Flagged
	}
	if rej == 0 || flg == 0 || !strings.Contains(text, "would replace") {
		t.Errorf("fixture too clean: %d rejected, %d flagged", rej, flg)
	}
}

// openForTest opens the warehouse for the test's queries, closed when the
// test ends (call it after the last enlist command that writes).
func openForTest(t *testing.T, db string) *sql.DB {
	t.Helper()
	w, err := warehouse.Open(context.Background(), db, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB()
}

// pick finds a generated file by its path without extension (CSV or XLSX).
func pick(t *testing.T, dir, stem string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(stem)) + ".*")
	if len(m) != 1 {
		t.Fatalf("%s: found %v", stem, m)
	}
	return m[0]
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCheckWithoutWarehouse: check needs no warehouse and makes none.
func TestCheckWithoutWarehouse(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	src, _ := generated(t, 0)
	dir := t.TempDir()
	db := filepath.Join(dir, "none.duckdb")
	code, out, errs := enlist(t, "--db", db, "check", pick(t, src, "registrations/4101_2025_s1"))
	if code != exitOK || !strings.Contains(out, "registrations [4101 2025 S1]") || !strings.Contains(out, "no warehouse yet") {
		t.Fatalf("check: %d\n%s\n%s", code, out, errs)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 0 {
		t.Errorf("check created %v", names)
	}
}

// TestHeaderRefusalSaysHowToLoad: a registration roll whose region column
// is headed in a spelling enlist cannot place is refused with a message that
// names the header, the column it is nearest to, and a --map flag that
// works; the same command with that flag loads the file.
func TestHeaderRefusalSaysHowToLoad(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	src, _ := generated(t, 0)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	b, err := os.ReadFile(pick(t, src, "registrations/4101_2025_s1"))
	if err != nil {
		t.Fatal(err)
	}
	roll := filepath.Join(dir, "登记.csv")
	os.WriteFile(roll, []byte(strings.Replace(string(b), "区划代码", "户籍码", 1)), 0o644)

	code, out, errs := enlist(t, "--db", db, "ingest", roll)
	if code != exitFailure || out != "" {
		t.Fatalf("ingest: exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		roll,
		`not understood: "户籍码" (closest: region_code`,
		"still needed for a registrations file (兵役登记): 区划代码 (region_code)",
		"--map '户籍码=region_code'",
		`"户籍码": region_code`,
		`"身份证号" → id_number (exact)`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("refusal lacks %q:\n%s", want, errs)
		}
	}
	i := strings.Index(errs, "--map '")
	flagText := errs[i+len("--map '"):]
	flagText = flagText[:strings.Index(flagText, "'")]
	code, out, errs = enlist(t, "--db", db, "ingest", "--map", flagText, roll)
	if code != exitOK || !strings.Contains(out, "registrations [4101 2025 S1]") || !strings.Contains(out, "0 rejected") {
		t.Fatalf("ingest --map %s: %d\n%s\n%s", flagText, code, out, errs)
	}
	// A --map to a column that does not exist is a usage error naming it.
	if code, _, errs := enlist(t, "--db", db, "ingest", "--map", "户籍码=region", roll); code != exitUsage || !strings.Contains(errs, `"region" is not a column`) {
		t.Errorf("bad --map: %d %q", code, errs)
	}
	// So is enlist.yaml, with the file named.
	os.WriteFile(filepath.Join(dir, "enlist.yaml"), []byte("columns:\n  all:\n    户籍码: regon_code\n"), 0o644)
	if code, _, errs := enlist(t, "--db", db, "ingest", roll); code != exitFailure || !strings.Contains(errs, `"regon_code" is not a column`) {
		t.Errorf("bad enlist.yaml: %d %q", code, errs)
	}
	// The ledger says how the header was read.
	var hm string
	openForTest(t, db).QueryRow(`SELECT header_map FROM load_ledger`).Scan(&hm)
	if !strings.Contains(hm, "户籍码 → region_code (--map)") {
		t.Errorf("header_map = %q", hm)
	}
}

// TestIngestListsIgnoredColumns: a column enlist does not use is named in
// the load summary, not dropped silently.
func TestIngestListsIgnoredColumns(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	p := filepath.Join(dir, "任务.csv")
	os.WriteFile(p, []byte("年度,批次,区划代码,征集任务数,备用列\n2025,上半年,410102,120,x\n"), 0o644)
	code, out, errs := enlist(t, "--db", db, "ingest", p)
	if code != exitOK || !strings.Contains(out, `warning: column ignored: "备用列"`) {
		t.Errorf("ingest: %d\n%s\n%s", code, out, errs)
	}
}

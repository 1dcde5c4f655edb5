package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"enlist/internal/idnum"
	"enlist/internal/secret"
)

// season1 writes the extracts of a small county season: registrations of
// p1–p3 (410102, 2025 season 1), physicals of all three (passed), and
// approvals of p1 and p2 (2025-03-01), with no political reviews yet.
func season1(t *testing.T, dir string) (reg, phys, appr, pol string) {
	t.Helper()
	born := time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	p := []string{idnum.Make("410102", born, 41), idnum.Make("410102", born, 43), idnum.Make("410102", born, 45)}
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	reg = write("reg.csv", "身份证号,区划代码,登记日期,是否应征报名,年度,季度\n"+
		p[0]+",410102001,2025-01-10,是,2025,上半年\n"+p[1]+",410102002,2025-01-10,是,2025,上半年\n"+p[2]+",410102001,2025-01-11,是,2025,上半年\n")
	phys = write("phys.csv", "身份证号,检查类型,检查日期,结论\n"+
		p[0]+",体检,2025-02-11,合格\n"+p[1]+",体检,2025-02-11,合格\n"+p[2]+",体检,2025-02-11,合格\n")
	appr = write("appr.csv", "身份证号,批准日期,年度,季度\n"+p[0]+",2025-03-01,2025,1\n"+p[1]+",2025-03-01,2025,1\n")
	pol = write("pol.csv", "身份证号,检查类型,检查日期,结论\n"+p[0]+",政考,2025-02-21,合格\n"+p[1]+",政考,2025-02-21,合格\n")
	return reg, phys, appr, pol
}

func query(t *testing.T, db, q string) string {
	t.Helper()
	code, out, errs := enlist(t, "--db", db, "sql", "--format", "csv", q)
	if code != exitOK {
		t.Fatalf("sql %s: %d\n%s", q, code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.Join(lines[1:], "\n")
}

// TestLostSecretIsRefused follows an office that loses its secret file.
// Before the fix, enlist init made a new secret (exit 0) and the next
// registration roll gave everyone new pseudonyms: the exams already stored
// (3) matched nobody any more and the county's physicals fell to 0.
func TestLostSecretIsRefused(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	secretPath := filepath.Join(dir, "w.secret")
	reg, phys, _, _ := season1(t, dir)
	if code, out, errs := enlist(t, "--db", db, "init"); code != exitOK || !strings.Contains(out, "secret fingerprint") {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := enlist(t, "--db", db, "ingest", reg, phys); code != exitOK {
		t.Fatalf("ingest: %s", errs)
	}
	matched := `SELECT count(*) FROM exams e JOIN registrations r USING (person)`
	if got := query(t, db, matched); got != "3" {
		t.Fatalf("exams matched to a registration = %s, want 3", got)
	}
	kept, err := os.ReadFile(secretPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(secretPath); err != nil {
		t.Fatal(err)
	}
	// init on the loaded warehouse refuses to make a new secret.
	code, out, errs := enlist(t, "--db", db, "init")
	if code != exitFailure || !strings.Contains(errs, "secret file "+secretPath+" is missing") || !strings.Contains(errs, "Restore that file from backup") {
		t.Errorf("init with the secret lost: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(secretPath); err == nil {
		t.Error("init made a new secret for a warehouse holding data")
	}
	// A new secret file (another one made by hand, or by init elsewhere)
	// is refused by every command that pseudonymises, naming the cause.
	if _, err := secret.Create(secretPath); err != nil {
		t.Fatal(err)
	}
	code, _, errs = enlist(t, "--db", db, "ingest", reg)
	if code != exitFailure || !strings.Contains(errs, "not the one this warehouse was made with") ||
		!strings.Contains(errs, "wrong one or was newly created") || !strings.Contains(errs, "Restore the warehouse's own secret file") {
		t.Errorf("ingest under a new secret: exit %d\n%s", code, errs)
	}
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitFailure || !strings.Contains(errs, "not the one this warehouse was made with") {
		t.Errorf("init under a new secret: exit %d\n%s", code, errs)
	}
	if got := query(t, db, matched); got != "3" {
		t.Errorf("after the refusals: exams matched = %s, want 3 (nothing changed)", got)
	}
	// The restored secret works again.
	if err := os.WriteFile(secretPath, kept, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := enlist(t, "--db", db, "ingest", reg); code != exitOK {
		t.Errorf("ingest with the secret restored: %s", errs)
	}
}

// TestOldWarehouseRecordsItsFingerprint: a warehouse made before
// fingerprints were kept takes the secret's at its next load, and says so.
func TestOldWarehouseRecordsItsFingerprint(t *testing.T) {
	t.Setenv(secret.EnvVar, "county-secret-0123456789abcdef")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	reg, phys, _, _ := season1(t, dir)
	mustInit(t, db)
	if code, _, errs := enlist(t, "--db", db, "ingest", reg); code != exitOK {
		t.Fatal(errs)
	}
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM secret_fingerprint`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	code, out, errs := enlist(t, "--db", db, "ingest", phys)
	if code != exitOK || !strings.Contains(out, "had no secret fingerprint: recorded") {
		t.Errorf("first load of an old warehouse: %d\n%s\n%s", code, out, errs)
	}
	if got := query(t, db, `SELECT recorded_by FROM secret_fingerprint`); got != "ingest" {
		t.Errorf("recorded by %q, want ingest", got)
	}
}

// TestMistypedDBIsRefused: before the fix, ingest --db with a typo made a
// new warehouse and printed "load 1" (exit 0). Every command but init now
// refuses a missing warehouse, naming the path, and creates no file.
func TestMistypedDBIsRefused(t *testing.T) {
	// The secret file beside the warehouse, as init makes it: the typo has
	// none beside it, and the refusal must name the warehouse, not that.
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	typo := filepath.Join(dir, "w.dukcdb")
	reg, _, _, _ := season1(t, dir)
	mustInit(t, db)
	for _, args := range [][]string{
		{"--db", typo, "ingest", reg},
		{"--db", typo, "withdraw", "1"},
		{"--db", typo, "status"},
		{"rollup", "--into", typo, db},
	} {
		code, out, errs := enlist(t, args...)
		if code != exitFailure || !strings.Contains(errs, "no warehouse at "+typo) || strings.Contains(out, "load 1") {
			t.Errorf("enlist %v: exit %d\n%s\n%s", args, code, out, errs)
		}
		if _, err := os.Stat(typo); err == nil {
			t.Fatalf("enlist %v created %s", args, typo)
		}
	}
}

// TestWithdrawAndCurrentWarnings: approvals of p1 and p2 arrive before their
// political reviews, so at load both rows carry unqualified_approval (2).
// The reviews then arrive: the flags view holds 0 for that file, and status
// and the 数据质量 view show 0 now, 2 at load as history (before the fix:
// 2 everywhere). Then the approvals load is withdrawn: its 2 rows go, the
// ledger keeps who and why, and status and load_quality list it withdrawn.
func TestWithdrawAndCurrentWarnings(t *testing.T) {
	t.Setenv(secret.EnvVar, "county-secret-0123456789abcdef")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	reg, phys, appr, pol := season1(t, dir)
	mustInit(t, db)
	for _, f := range []string{reg, phys, appr} {
		if code, _, errs := enlist(t, "--db", db, "ingest", f); code != exitOK {
			t.Fatalf("ingest %s: %s", f, errs)
		}
	}
	// Loads: 1 registrations, 2 physicals, 3 approvals, 4 political reviews.
	if got := query(t, db, `SELECT rows_flagged FROM load_ledger WHERE load_id = 3`); got != "2" {
		t.Fatalf("approvals flagged at load = %s, want 2", got)
	}
	if code, _, errs := enlist(t, "--db", db, "ingest", pol); code != exitOK {
		t.Fatal(errs)
	}
	if got := query(t, db, `SELECT rows_flagged, rows_flagged_at_load FROM load_quality WHERE load_id = 3`); got != "0,2" {
		t.Errorf("load_quality warnings now, at load = %s, want 0,2", got)
	}
	code, out, errs := enlist(t, "--db", db, "status")
	if code != exitOK || !strings.Contains(out, "WARNINGS") || !strings.Contains(out, "AT LOAD") {
		t.Fatalf("status: %d\n%s\n%s", code, out, errs)
	}
	// Fields: load, kind, scope (region, year, season), read, accepted,
	// rejected, warnings, at load, …
	if f := statusRow(t, out, "3"); f[8] != "0" || f[9] != "2" {
		t.Errorf("status of the approvals load: warnings %s, at load %s; want 0 and 2\n%s", f[8], f[9], out)
	}

	if code, _, errs := enlist(t, "--db", db, "withdraw", "3", "--why", "误投本仓库"); code != exitOK {
		t.Fatalf("withdraw: %s", errs)
	}
	if got := query(t, db, `SELECT count(*) FROM approvals`); got != "0" {
		t.Errorf("approvals after the withdrawal = %s, want 0", got)
	}
	if got := query(t, db, `SELECT status, withdraw_reason, withdrawn_by <> '' FROM load_ledger WHERE load_id = 3`); got != "withdrawn,误投本仓库,true" {
		t.Errorf("ledger row = %s", got)
	}
	if got := query(t, db, `SELECT rows_accepted, top_reason, top_rows FROM load_quality WHERE load_id = 3`); got != "0,withdrawn,2" {
		t.Errorf("load_quality of the withdrawn load = %s, want 0,withdrawn,2", got)
	}
	_, out, _ = enlist(t, "--db", db, "status")
	if !strings.Contains(out, "1 withdrawn") || !strings.Contains(out, "Withdrawn loads:") || !strings.Contains(out, "误投本仓库") {
		t.Errorf("status does not show the withdrawal:\n%s", out)
	}
	if code, _, errs := enlist(t, "--db", db, "withdraw", "3"); code != exitFailure || !strings.Contains(errs, "withdrawn already") {
		t.Errorf("second withdrawal: exit %d %s", code, errs)
	}
	if code, _, errs := enlist(t, "--db", db, "withdraw", "99"); code != exitFailure || !strings.Contains(errs, "no such load 99") {
		t.Errorf("withdraw of an unknown load: exit %d %s", code, errs)
	}
	if code, _, _ := enlist(t, "--db", db, "withdraw", "x"); code != exitUsage {
		t.Errorf("withdraw x: exit %d, want %d", code, exitUsage)
	}
}

// statusRow is the fields of the status table's line for a load.
func statusRow(t *testing.T, out, id string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 8 && f[0] == id {
			return f
		}
	}
	t.Fatalf("no status line for load %s:\n%s", id, out)
	return nil
}

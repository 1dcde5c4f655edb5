package rollup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
	loadpkg "enlist/pipelines/load"
)

// TestSourceUnderAnotherSecretIsRefused: county B's warehouse is made with a
// secret other than the province's. Before the fix it was delivered (exit 0)
// and its people matched nobody's: one registered in both counties gave no
// two_regions flag. Now B is refused, named with both fingerprints, and A
// lands alone: 4 registrations (A's a1–a4), not 4 + 3.
func TestSourceUnderAnotherSecretIsRefused(t *testing.T) {
	dir, opt := setup(t)
	pa := county(t, filepath.Join(dir, "a.duckdb"), countyA())
	t.Setenv(secret.EnvVar, "another-county-secret-0123456789")
	pb := county(t, filepath.Join(dir, "b.duckdb"), countyB())
	t.Setenv(secret.EnvVar, "province-secret-0123456789abcdef")
	prov := filepath.Join(dir, "prov.duckdb")
	rep, err := Run(context.Background(), prov, []string{pa, pb}, opt)
	if !errors.Is(err, secret.ErrMismatch) {
		t.Fatalf("rollup with a source under another secret: %v, want ErrMismatch", err)
	}
	if !strings.Contains(err.Error(), "source "+pb) || !strings.Contains(err.Error(), "nothing of it merged") {
		t.Errorf("the refusal does not name the source: %v", err)
	}
	var statuses []string
	for _, o := range rep.Outcomes {
		statuses = append(statuses, o.Status)
	}
	if strings.Join(statuses, ",") != "delivered,refused" {
		t.Errorf("outcomes %v, want delivered,refused", statuses)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations`); got != 4 {
		t.Errorf("province registrations = %d, want 4 (county A only)", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM secret_fingerprint`); got != 1 {
		t.Errorf("province fingerprints = %d, want 1", got)
	}
}

// TestWithdrawnLoadReleasesItsScope: county A's warehouse wrongly received
// county B's registrations (a file put in the wrong warehouse), so A claims
// 410103 too and the rollup refuses B for ever. After enlist withdraw of
// that load, A claims 410102 only and both counties land: registrations
// 4 (A) + 3 (B) = 7.
func TestWithdrawnLoadReleasesItsScope(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "a.duckdb"), countyA())
	wrong := countyB()
	pa = county(t, pa, map[string]string{"b-reg.csv": wrong["reg.csv"]})
	pb := county(t, filepath.Join(dir, "b.duckdb"), countyB())
	prov := filepath.Join(dir, "prov.duckdb")
	if _, err := Run(ctx, prov, []string{pa, pb}, opt); err == nil {
		t.Fatal("rollup of two sources claiming 410103 succeeded")
	}
	wh, err := warehouse.Open(ctx, pa, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := wh.DB().QueryRow(`SELECT load_id FROM load_ledger WHERE scope_region = '410103'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	w, err := loadpkg.Withdraw(ctx, wh, id, "tester", "二七区的文件误投")
	if cerr := wh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if w.Rows != 3 {
		t.Errorf("withdrawn rows = %d, want 3", w.Rows)
	}
	if got := count(t, pa, `SELECT count(*) FROM load_ledger WHERE status = 'withdrawn' AND withdrawn_by = 'tester'
		AND withdraw_reason = '二七区的文件误投' AND withdrawn_at IS NOT NULL`); got != 1 {
		t.Errorf("withdrawn ledger rows = %d, want 1", got)
	}
	if _, err := Run(ctx, prov, []string{pa, pb}, opt); err != nil {
		t.Fatalf("rollup after the withdrawal: %v", err)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations`); got != 7 {
		t.Errorf("province registrations = %d, want 7", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM load_ledger WHERE status = 'withdrawn'`); got != 0 {
		t.Errorf("the withdrawn load was carried into the province")
	}
}

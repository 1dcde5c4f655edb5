package warehouse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/config"
)

// countQuotas reads how many quota rows a warehouse holds.
func countQuotas(t *testing.T, w *Warehouse) int {
	t.Helper()
	var n int
	if err := w.DB().QueryRow(`SELECT count(*) FROM quotas`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func addQuota(t *testing.T, live string, year int) {
	t.Helper()
	ctx := context.Background()
	w, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().Exec(`INSERT INTO quotas (load_id, source_row, year, season, region_code, quota)
		VALUES (1, 2, ?, 1, '410102', 100)`, year); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(ctx, live); err != nil {
		t.Fatal(err)
	}
}

func TestReadersSeeOnePublishedStateEach(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2024)

	first, err := OpenReader(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if got := countQuotas(t, first); got != 1 {
		t.Fatalf("first reader sees %d quota rows, want 1", got)
	}

	addQuota(t, live, 2025)
	// The reader opened before the second publish keeps its state; a new
	// reader sees the new one.
	if got := countQuotas(t, first); got != 1 {
		t.Errorf("first reader sees %d quota rows after a later publish, want 1", got)
	}
	second, err := OpenReader(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if got := countQuotas(t, second); got != 2 {
		t.Errorf("second reader sees %d quota rows, want 2", got)
	}
	if _, err := second.DB().Exec(`DELETE FROM quotas`); err == nil {
		t.Error("a reader could delete rows from the published copy")
	}

	for y := 2026; y < 2030; y++ {
		addQuota(t, live, y)
	}
	vs := versions(PublishedDir(live))
	if len(vs) != keepVersions {
		t.Errorf("published versions on disk: %v, want the newest %d", vs, keepVersions)
	}
	cur, err := PublishedPath(live)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(cur) != vs[len(vs)-1] {
		t.Errorf("current is %s, newest version is %s", cur, vs[len(vs)-1])
	}
}

func TestReaderPublishesWhenNothingWasPublished(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if cur, _ := PublishedPath(live); cur == "" || r.Path() != cur {
		t.Errorf("reader opened %s, published copy is %q", r.Path(), cur)
	}

	if _, err := OpenReader(ctx, filepath.Join(t.TempDir(), "missing.duckdb"), Options{}); err == nil ||
		!strings.Contains(err.Error(), "enlist init") {
		t.Errorf("reader of a missing warehouse: %v, want a hint to run enlist init", err)
	}
}

func TestReaderRefreshesCopyWithOtherSettings(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2025)
	before, _ := PublishedPath(live)

	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SubsidyDeadlineDays++
	r, err := OpenReader(ctx, live, Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var days float64
	if err := r.DB().QueryRow(`SELECT value FROM settings WHERE name = 'subsidy_deadline_days'`).Scan(&days); err != nil {
		t.Fatal(err)
	}
	if days != 91 {
		t.Errorf("reader sees subsidy_deadline_days %v after the setting changed, want 91", days)
	}
	if after, _ := PublishedPath(live); after == before {
		t.Error("the copy was not republished for the new settings")
	}
}

func TestSandboxedReaderCannotTouchFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "w.duckdb")
	addQuota(t, live, 2025)
	r, err := OpenReader(ctx, live, Options{Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	secretFile := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(secretFile, []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT * FROM read_csv('` + secretFile + `')`,
		`COPY quotas TO '` + filepath.Join(dir, "out.csv") + `'`,
		`SET enable_external_access = true`,
	} {
		if _, err := r.DB().Exec(q); err == nil {
			t.Errorf("sandboxed reader ran %s", q)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.csv")); err == nil {
		t.Error("COPY wrote a file from the sandbox")
	}
}

// TestNeedsPublishAfterAWriterDiedBeforePublishing: a commit that never
// reached the published copy is seen, so the next writer publishes it even
// when it has nothing new of its own.
func TestNeedsPublishAfterAWriterDiedBeforePublishing(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	if !NeedsPublish(live) {
		t.Error("a warehouse never published does not need publishing")
	}
	addQuota(t, live, 2025)
	if NeedsPublish(live) {
		t.Error("a warehouse just published needs publishing")
	}
	// Opening and closing with nothing written leaves it published.
	w, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if NeedsPublish(live) {
		t.Error("an open and close with no change made the copy stale")
	}
	// A commit with no publish after it, as a killed writer leaves.
	w, err = Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().Exec(`DELETE FROM quotas`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !NeedsPublish(live) {
		t.Error("a commit that was never published is not seen")
	}
}

package warehouse

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	// The two readers still hold the first two versions: they stay beside
	// the newest DefaultKeep until the readers let go.
	vs := versions(PublishedDir(live))
	if len(vs) != DefaultKeep+2 || vs[0] != "v000001.duckdb" || vs[1] != "v000002.duckdb" {
		t.Errorf("published versions on disk: %v, want v000001 and v000002 (held) and the newest %d", vs, DefaultKeep)
	}
	first.Close()
	second.Close()
	addQuota(t, live, 2030)
	vs = versions(PublishedDir(live))
	if len(vs) != DefaultKeep {
		t.Errorf("published versions on disk: %v, want the newest %d", vs, DefaultKeep)
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

// recordRun writes what a service writes around a run that loads nothing:
// a job_runs row.
func recordRun(t *testing.T, live string) {
	t.Helper()
	w, err := Open(context.Background(), live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().Exec(`INSERT INTO job_runs (run_id, job, job_type, trigger, scheduled_at, attempt, started_at, status)
		VALUES (nextval('job_run_id_seq'), 'inbox', 'ingest', 'schedule', now(), 1, now(), 'succeeded')`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPublishOnlyWhenChanged(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2025)
	first, _ := PublishedPath(live)

	// Runs that load nothing: the warehouse differs only in job_runs, and
	// no new copy is made; readers do not take the copy for stale.
	for i := 0; i < 3; i++ {
		recordRun(t, live)
		p, err := PublishKeeping(ctx, live, 2)
		if err != nil || p.Copied || p.Path != first {
			t.Fatalf("publish after a run that loaded nothing: %+v %v, want %s not copied", p, err, first)
		}
	}
	if vs := versions(PublishedDir(live)); len(vs) != 1 {
		t.Errorf("versions after runs that loaded nothing: %v, want one", vs)
	}
	if NeedsPublish(live) || liveChangedSince(live, first) {
		t.Error("the copy is taken for stale after runs that changed nothing readers use")
	}

	// A change readers use is published; so is a change of a setting (the
	// settings table) with no row count changed.
	addQuota(t, live, 2026)
	second, _ := PublishedPath(live)
	if second == first {
		t.Fatal("a new quota row was not published")
	}
	w, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().Exec(`UPDATE quotas SET quota = 101 WHERE year = 2026`); err != nil {
		t.Fatal(err)
	}
	w.Close()
	p, err := PublishKeeping(ctx, live, 2)
	if err != nil || !p.Copied {
		t.Fatalf("an updated row was not published: %+v %v", p, err)
	}
	r, err := OpenReader(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var q int
	if err := r.DB().QueryRow(`SELECT quota FROM quotas WHERE year = 2026`).Scan(&q); err != nil || q != 101 {
		t.Errorf("reader sees quota %d %v, want 101", q, err)
	}
	// keep 2: the first version is gone, the last two remain.
	if vs := versions(PublishedDir(live)); strings.Join(vs, " ") != "v000002.duckdb v000003.duckdb" {
		t.Errorf("versions kept: %v", vs)
	}
}

// TestPruneSparesVersionsHeldByReaders: a version another process reads
// (DuckDB's lock on the file) is kept past the newest N, and removed at a
// later publish once let go.
func TestPruneSparesVersionsHeldByReaders(t *testing.T) {
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2020)
	v1, _ := PublishedPath(live)
	// Another process reads v1: only DuckDB's lock on the file says so.
	other := holdInAnotherProcess(t, v1)
	if !heldElsewhere(v1) {
		t.Fatal("a version open read-only in another process is not seen as held")
	}
	for y := 2021; y < 2024; y++ {
		addQuota(t, live, y)
	}
	if _, err := os.Stat(v1); err != nil {
		t.Fatalf("a version a reader holds was removed: %v", err)
	}
	other()
	if heldElsewhere(v1) {
		t.Error("a version no reader holds is seen as held")
	}
	addQuota(t, live, 2024)
	if _, err := os.Stat(v1); err == nil {
		t.Error("the old version was kept after its reader let go")
	}
	if vs := versions(PublishedDir(live)); len(vs) != DefaultKeep {
		t.Errorf("versions: %v, want %d", vs, DefaultKeep)
	}
}

// TestPublishWhileAnotherJobHoldsTheFile: two jobs of one process — one
// writing the live file, one publishing — must not fail on which opened
// the file first (DuckDB's "different configuration"), and what was
// written reaches readers.
func TestPublishWhileAnotherJobHoldsTheFile(t *testing.T) {
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2025)
	before, _ := PublishedPath(live)

	job, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job.DB().Exec(`INSERT INTO quotas (load_id, source_row, year, season, region_code, quota) VALUES (2, 2, 2026, 1, '410103', 80)`); err != nil {
		t.Fatal(err)
	}
	// The other job's publish, while the first still holds the file.
	p, err := PublishKeeping(ctx, live, 3)
	if err != nil || !p.Deferred {
		t.Fatalf("publish while another job holds the file: %+v %v, want it deferred without error", p, err)
	}
	// A second handle with the same settings (the other job's run record)
	// opens alongside.
	rec, err := Open(ctx, live, Options{})
	if err != nil {
		t.Fatalf("a second open with the same settings: %v", err)
	}
	rec.Close()
	if cur, _ := PublishedPath(live); cur != before {
		t.Error("published while a handle of the process was still open")
	}
	// The last handle closing publishes.
	if err := job.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(ctx, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := countQuotas(t, r); got != 2 {
		t.Errorf("reader sees %d quota rows after the holder closed, want 2", got)
	}
	r.Close()

	// A sandboxed reader and a plain one of the same version take turns
	// instead of failing.
	sandboxed, err := OpenReader(ctx, live, Options{Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		plain, err := OpenReader(ctx, live, Options{})
		if err == nil {
			plain.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("a plain reader opened while a sandboxed one held the copy: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	sandboxed.Close()
	if err := <-opened; err != nil {
		t.Errorf("plain reader after the sandboxed one closed: %v", err)
	}
}

// holdInAnotherProcess opens path read-only in a child process (this test
// binary, running TestHoldVersionHelper) until the returned func is called.
func holdInAnotherProcess(t *testing.T, path string) func() {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldVersionHelper$")
	cmd.Env = append(os.Environ(), "ENLIST_TEST_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "holding" {
		cmd.Process.Kill()
		t.Fatalf("helper process: %q %v", line, err)
	}
	done := false
	release := func() {
		if !done {
			done = true
			stdin.Close()
			cmd.Wait()
		}
	}
	t.Cleanup(release)
	return release
}

// TestHoldVersionHelper is the child of holdInAnotherProcess.
func TestHoldVersionHelper(t *testing.T) {
	path := os.Getenv("ENLIST_TEST_HOLD")
	if path == "" {
		t.Skip("run by holdInAnotherProcess")
	}
	w, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer w.Close()
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the parent closes it
}

// A publish killed midway leaves temporary files (files.Write's and
// files.Symlink's, named with a leading dot) in the published folder; the
// next publish removes them, and keeps the publishers' lock file.
func TestPublishRemovesLeftoversOfAnInterruptedPublish(t *testing.T) {
	live := filepath.Join(t.TempDir(), "w.duckdb")
	addQuota(t, live, 2024)
	dir := PublishedDir(live)
	leftovers := []string{".v000002.duckdb4242", ".current.sig77", "v000003.duckdb.tmp"}
	for _, n := range leftovers {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("half"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".current123"), 0o750); err != nil {
		t.Fatal(err)
	}
	addQuota(t, live, 2025)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := ".lock current current.sig v000001.duckdb v000002.duckdb"
	if strings.Join(got, " ") != want {
		t.Errorf("published folder holds %v, want %s", got, want)
	}
	if p, _ := PublishedPath(live); filepath.Base(p) != "v000002.duckdb" {
		t.Errorf("current is %s, want v000002.duckdb", p)
	}
}

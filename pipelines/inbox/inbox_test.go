package inbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// today is the fixture's clock: files older than the settle time are taken.
var today = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	dir   string // the inbox
	wh    *warehouse.Warehouse
	load  LoadFunc
	inbox Inbox
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Setenv(secret.EnvVar, "inbox-fixture-secret-0123456789ab")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	wh, err := warehouse.Open(context.Background(), filepath.Join(base, "w.duckdb"), warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	loader, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "inbox")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, wh: wh}
	f.load = func(ctx context.Context, paths []string) ([]load.Result, error) {
		return loader.LoadPaths(ctx, paths, load.Options{})
	}
	f.inbox = Inbox{Dir: dir, Settle: time.Minute, Now: func() time.Time { return today }}
	return f
}

// put writes a file into the inbox, last modified age before today.
func (f *fixture) put(rel, text string, age time.Duration) string {
	f.t.Helper()
	p := filepath.Join(f.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chtimes(p, today.Add(-age), today.Add(-age)); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) count(q string) int {
	f.t.Helper()
	var n int
	if err := f.wh.DB().QueryRow(q).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// tree lists every file under the inbox except the lock file.
func (f *fixture) tree() []string {
	f.t.Helper()
	var out []string
	filepath.WalkDir(f.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			f.t.Fatal(err)
		}
		if !d.IsDir() && d.Name() != lockName {
			rel, _ := filepath.Rel(f.dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

const (
	quotas1 = "年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410102,999\n"
	quotas2 = "年度,批次,区划代码,征集任务数\n2025,上半年,410103,80\n"
	noKind  = "甲,乙\n1,2\n"
)

func TestInboxMovesAndRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hour := time.Hour
	f.put("q1.csv", quotas1, hour)
	f.put("县区/q2.csv", quotas2, hour)
	f.put("bad.csv", noKind, hour)
	f.put("fresh.csv", quotas2, 10*time.Second) // still being copied
	f.put("upload.csv.part", quotas2, hour)
	f.put("~$征集任务.xlsx", "lock", hour)
	f.put(".hidden.csv", quotas2, hour)
	f.put("a..b.csv", quotas2, hour)
	f.put("notes.pdf", "%PDF", hour)
	outside := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(outside, []byte(quotas2), 0o640)
	if err := os.Symlink(outside, filepath.Join(f.dir, "link-out.csv")); err != nil {
		t.Fatal(err)
	}
	// A link to a folder outside, and one to nothing.
	os.Symlink(filepath.Dir(outside), filepath.Join(f.dir, "dir-out"))
	os.Symlink(filepath.Join(f.dir, "gone.csv"), filepath.Join(f.dir, "dangling.csv"))

	rep, err := f.inbox.Ingest(ctx, f.load)
	if err != nil {
		t.Fatal(err)
	}
	// Hand count: q1 (2 rows: one accepted, one a duplicate of the same
	// region and season → rejected) and q2 (1 row) load; bad.csv fails;
	// a..b.csv, notes.pdf and the links link-out.csv, dir-out and
	// dangling.csv are refused; fresh.csv waits.
	want := Report{Loaded: 2, Failed: 1, Refused: 5, Waiting: 1, RowsRead: 3}
	got := rep
	got.RowsAccepted, got.RowsRejected = 0, 0
	if got != want || rep.RowsAccepted+rep.RowsRejected != 3 {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	day := "2026-03-10"
	wantTree := []string{
		".hidden.csv",
		"failed/" + day + "/a..b.csv", "failed/" + day + "/a..b.csv.why.txt",
		"failed/" + day + "/bad.csv", "failed/" + day + "/bad.csv.why.txt",
		"failed/" + day + "/dangling.csv", "failed/" + day + "/dangling.csv.why.txt",
		"failed/" + day + "/dir-out", "failed/" + day + "/dir-out.why.txt",
		"failed/" + day + "/link-out.csv", "failed/" + day + "/link-out.csv.why.txt",
		"failed/" + day + "/notes.pdf", "failed/" + day + "/notes.pdf.why.txt",
		"fresh.csv",
		"processed/" + day + "/q1.csv",
		"processed/" + day + "/县区/q2.csv",
		"upload.csv.part",
		"~$征集任务.xlsx",
	}
	if g := f.tree(); strings.Join(g, "\n") != strings.Join(wantTree, "\n") {
		t.Errorf("inbox after the pass:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(wantTree, "\n"))
	}
	for file, reason := range map[string]string{"bad.csv": "no header row", "a..b.csv": `".."`, "link-out.csv": "outside the inbox", "notes.pdf": "not an extract",
		"dir-out": "outside the inbox", "dangling.csv": "points to nothing"} {
		note, err := os.ReadFile(filepath.Join(f.dir, "failed", day, file+".why.txt"))
		if err != nil || !strings.Contains(string(note), reason) || !strings.Contains(string(note), "file: "+file) {
			t.Errorf("%s note %q %v, want it to say %s", file, note, err, reason)
		}
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != quotas2 {
		t.Errorf("the file a refused link pointed to was touched: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM load_ledger`); n != 2 {
		t.Errorf("ledger has %d files, want 2", n)
	}

	// The office sends q1.csv again, same name and content: it is not
	// loaded twice, and the first copy in processed/ is kept.
	f.put("q1.csv", quotas1, hour)
	rep, err = f.inbox.Ingest(ctx, f.load)
	if err != nil || rep.AlreadyLoaded != 1 || rep.Loaded != 0 || rep.Waiting != 1 {
		t.Errorf("second pass: %+v %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "processed", day, "q1-2.csv")); err != nil {
		t.Errorf("second copy not kept beside the first: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM load_ledger`); n != 2 {
		t.Errorf("ledger has %d files after a re-sent file, want 2", n)
	}

	// Once fresh.csv has settled it is taken.
	f.inbox.Now = func() time.Time { return today.Add(2 * time.Minute) }
	rep, err = f.inbox.Ingest(ctx, f.load)
	if err != nil || rep.AlreadyLoaded != 1 || rep.Waiting != 0 {
		t.Errorf("after settling: %+v %v", rep, err)
	}
}

func TestInboxBusyAndStopped(t *testing.T) {
	f := newFixture(t)
	f.put("q1.csv", quotas1, time.Hour)
	unlock, err := lock(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.inbox.Ingest(context.Background(), f.load); !errors.Is(err, ErrBusy) {
		t.Errorf("second ingest of a locked inbox: %v, want ErrBusy", err)
	}
	unlock()

	// Stopped before the load: the file stays where it is, not in failed/.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := f.inbox.Ingest(ctx, f.load)
	if !errors.Is(err, context.Canceled) || rep.Left != 1 || rep.Failed != 0 {
		t.Errorf("cancelled pass: %+v %v", rep, err)
	}
	if g := f.tree(); len(g) != 1 || g[0] != "q1.csv" {
		t.Errorf("after a cancelled pass: %v", g)
	}
	if n := f.count(`SELECT count(*) FROM load_ledger`); n != 0 {
		t.Errorf("ledger has %d files", n)
	}
}

// longName is a 253-byte Chinese file name (83 characters), as an office
// names a file after its whole subject: two bytes short of the usual
// 255-byte limit, so ".why.txt" or "-2" no longer fit beside it.
func longName(prefix string) string {
	name := prefix
	for len(name)+len(".csv")+3 <= 253 {
		name += "征"
	}
	for len(name)+len(".csv") < 253 {
		name += "x"
	}
	return name + ".csv"
}

func TestInboxLongNames(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good, bad := longName("q"), longName("b")
	if len(good) != 253 || len(bad) != 253 {
		t.Fatalf("fixture names are %d and %d bytes", len(good), len(bad))
	}
	goodPath := f.put(good, quotas1, time.Hour)
	f.put(bad, noKind, time.Hour)

	done := make(chan struct{})
	var rep Report
	var err error
	go func() {
		defer close(done)
		rep, err = f.inbox.Ingest(ctx, f.load)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the pass over two long names did not end within a minute")
	}
	if err != nil || rep.Loaded != 1 || rep.Failed != 1 || rep.Left != 0 {
		t.Fatalf("pass: %+v %v", rep, err)
	}
	day := "2026-03-10"
	storedGood, storedBad := StoredName(good, 255), StoredName(bad, 255)
	if storedGood == good || len(storedGood)+len("-1000.why.txt") > 255 || !strings.HasSuffix(storedGood, ".csv") {
		t.Errorf("stored name %q (%d bytes)", storedGood, len(storedGood))
	}
	want := []string{
		"failed/" + day + "/" + storedBad, "failed/" + day + "/" + storedBad + ".why.txt",
		"processed/" + day + "/" + storedGood,
	}
	if g := f.tree(); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("inbox after the pass:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	// The note and the ledger keep the original names.
	note, _ := os.ReadFile(filepath.Join(f.dir, "failed", day, storedBad+".why.txt"))
	if !strings.Contains(string(note), "file: "+bad+"\n") {
		t.Errorf("note does not name the original file:\n%s", note)
	}
	var file string
	if err := f.wh.DB().QueryRow(`SELECT file FROM load_ledger`).Scan(&file); err != nil || file != goodPath {
		t.Errorf("ledger file %q %v, want %q", file, err, goodPath)
	}

	// The same long name again, twice: numbered beside the first, in bounded time.
	for i := 2; i <= 3; i++ {
		f.put(good, quotas1, time.Hour)
		if rep, err := f.inbox.Ingest(ctx, f.load); err != nil || rep.AlreadyLoaded != 1 {
			t.Fatalf("re-sent long name: %+v %v", rep, err)
		}
		numbered := strings.TrimSuffix(storedGood, ".csv") + "-" + string(rune('0'+i)) + ".csv"
		if _, err := os.Stat(filepath.Join(f.dir, "processed", day, numbered)); err != nil {
			t.Errorf("copy %d: %v", i, err)
		}
	}
}

func TestStoredName(t *testing.T) {
	for _, c := range []struct {
		name string
		max  int
		want int // bytes, 0 = unchanged
	}{
		{"q1.csv", 255, 0},
		{strings.Repeat("a", 242) + ".csv", 255, 0}, // 246 + 13 = 259 > 255: cut
		{strings.Repeat("a", 238) + ".csv", 255, 0},
		{strings.Repeat("征", 100) + ".xlsx", 255, -1},
		{strings.Repeat("a", 300), 255, -1},
	} {
		got := StoredName(c.name, c.max)
		switch {
		case c.want == 0 && len(c.name)+suffixRoom <= c.max:
			if got != c.name {
				t.Errorf("%q changed to %q", c.name, got)
			}
		default:
			if len(got)+suffixRoom > c.max || got == c.name || !utf8.ValidString(got) || filepath.Ext(got) != filepath.Ext(c.name) && len(filepath.Ext(c.name)) <= 16 {
				t.Errorf("%q (%d bytes) stored as %q (%d bytes)", c.name, len(c.name), got, len(got))
			}
		}
	}
}

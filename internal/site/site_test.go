package site

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/pipelines/load"
)

// newSite makes a site in a fresh folder, with no secret from the
// environment, and initialises it.
func newSite(t *testing.T) *Site {
	t.Helper()
	t.Setenv(secret.EnvVar, "")
	t.Setenv("ENLIST_SECRET_FILE", "")
	s := &Site{DB: filepath.Join(t.TempDir(), "w.duckdb"), Limits: config.Resources{Threads: 1}}
	done, err := s.Init(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !done.SecretCreated || done.SecretPath != filepath.Join(filepath.Dir(s.DB), "w.secret") || done.SchemaVersion == 0 || len(done.Fingerprint) == 0 {
		t.Fatalf("init: %+v", done)
	}
	return s
}

// loadQuotas ingests two counties' quotas (120 and 80) and publishes.
func loadQuotas(t *testing.T, s *Site) {
	t.Helper()
	ctx := context.Background()
	csv := filepath.Join(filepath.Dir(s.DB), "q.csv")
	if err := os.WriteFile(csv, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := s.Key()
	if err != nil {
		t.Fatal(err)
	}
	wh, err := s.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loader, err := s.NewLoader(wh, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loader.LoadPaths(ctx, []string{csv}, load.Options{Mode: load.Snapshot}); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx); err != nil {
		t.Fatal(err)
	}
}

// The secret, the settings and a schedule's relative paths are found
// beside the warehouse, whatever folder the process runs in.
func TestWhereThingsLie(t *testing.T) {
	t.Setenv("ENLIST_SECRET_FILE", "")
	dir := t.TempDir()
	s := &Site{DB: filepath.Join(dir, "henan.duckdb")}
	if got := s.SecretPath(); got != filepath.Join(dir, "henan.secret") {
		t.Errorf("secret path %s", got)
	}
	t.Setenv("ENLIST_SECRET_FILE", "/etc/enlist/henan.secret")
	if got := s.SecretPath(); got != "/etc/enlist/henan.secret" {
		t.Errorf("secret path from the environment %s", got)
	}
	s.SecretFile = "/srv/k.secret"
	if got := s.SecretPath(); got != "/srv/k.secret" {
		t.Errorf("explicit secret path %s", got)
	}
	if got := s.Beside("inbox"); got != filepath.Join(dir, "inbox") {
		t.Errorf("Beside(inbox) = %s", got)
	}
	if got := s.Beside("/abs/inbox"); got != "/abs/inbox" {
		t.Errorf("Beside(/abs/inbox) = %s", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "enlist.yaml"), []byte("zone: Asia/Urumqi\nbulletin:\n  unit: 河南省征兵办公室\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loc, label := s.Zone()
	if loc.String() != "Asia/Urumqi" || label != "Asia/Urumqi, UTC+06:00" {
		t.Errorf("zone %s %q", loc, label)
	}
	sig, err := s.Signature()
	if err != nil || sig.Unit != "河南省征兵办公室" {
		t.Errorf("signature %+v %v", sig, err)
	}
	// Another warehouse of the same installation has its own files.
	p := s.At(filepath.Join(dir, "sub", "p.duckdb"))
	if p.DB == s.DB || p.Beside("x") != filepath.Join(dir, "sub", "x") {
		t.Errorf("At: %+v", p)
	}
}

func TestOpenRefusesAMissingWarehouse(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo.duckdb")
	s := &Site{DB: db}
	_, err := s.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no warehouse at "+db) || !strings.Contains(err.Error(), "enlist init --db "+db) {
		t.Fatalf("open of a missing warehouse: %v", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a missing warehouse was created: %v", err)
	}
}

func TestCheckLimits(t *testing.T) {
	for _, r := range []config.Resources{{MemoryLimit: "2GB"}, {GoMemoryLimit: "off"}, {GoMemoryLimit: "512MiB"}, {}} {
		if err := CheckLimits(r); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if err := CheckLimits(config.Resources{MemoryLimit: "lots"}); err == nil || err.Error() != `--memory-limit: "lots" is not a size such as 1GB or 512MiB` {
		t.Errorf("memory limit lots: %v", err)
	}
	if err := CheckLimits(config.Resources{GoMemoryLimit: "plenty"}); err == nil || !strings.Contains(err.Error(), `--go-memory-limit "plenty" is not a size`) {
		t.Errorf("go memory limit plenty: %v", err)
	}
	s := &Site{DB: filepath.Join(t.TempDir(), "w.duckdb"), Limits: config.Resources{MemoryLimit: "lots"}}
	if _, err := s.OpenCreating(context.Background()); err == nil || !strings.Contains(err.Error(), `"lots"`) {
		t.Errorf("open with a bad limit: %v", err)
	}
}

// Init makes the warehouse and secret once; the ledger then reads back
// what a load stored; a lost secret of a warehouse holding data is refused
// rather than replaced.
func TestInitStatusAndLostSecret(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	again, err := s.Init(ctx)
	if err != nil || again.SecretCreated || again.Recorded {
		t.Fatalf("second init: %+v %v", again, err)
	}
	loadQuotas(t, s)
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatus(ctx, wh.DB(), 20)
	wh.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 || st.Loaded != 1 || st.Withdrawn != 0 || len(st.Loads) != 1 {
		t.Fatalf("status %+v", st)
	}
	l := st.Loads[0]
	if l.Kind != "quotas" || l.Scope != "4101 2025 S1" || l.Read != 2 || l.Accepted != 2 || l.Rejected != 0 || l.Status != "loaded" || filepath.Base(l.File) != "q.csv" {
		t.Errorf("ledger line %+v", l)
	}
	if time.Since(l.Finished) > time.Hour || len(st.Rejects) != 0 {
		t.Errorf("finished %v, rejects %+v", l.Finished, st.Rejects)
	}

	if err := os.Remove(s.SecretPath()); err != nil {
		t.Fatal(err)
	}
	_, err = s.Init(ctx)
	if err == nil || !strings.Contains(err.Error(), "already holds data (1 loads and deliveries)") || !strings.Contains(err.Error(), "Restore that file from backup") {
		t.Fatalf("init with the secret lost: %v", err)
	}
	if _, err := os.Stat(s.SecretPath()); !os.IsNotExist(err) {
		t.Errorf("init made a new secret for a warehouse holding data: %v", err)
	}
}

// A database error reading the ledger says what was being read.
func TestStatusErrorsSayWhat(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = ReadStatus(context.Background(), db, 5)
	if err == nil || !strings.HasPrefix(err.Error(), "count the ledger's loads: ") || !strings.Contains(err.Error(), "load_ledger") {
		t.Fatalf("status of a database without a ledger: %v", err)
	}
	if _, err := db.Exec(`CREATE TABLE load_ledger (load_id INTEGER, status VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	_, err = ReadStatus(context.Background(), db, 5)
	if err == nil || !strings.HasPrefix(err.Error(), "read the ledger: ") {
		t.Fatalf("status of a database with half a ledger: %v", err)
	}
}

func TestServiceLock(t *testing.T) {
	s := &Site{DB: filepath.Join(t.TempDir(), "w.duckdb")}
	unlock, err := s.ServiceLock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ServiceLock(); err == nil || !strings.Contains(err.Error(), "another enlist serve is running for "+s.DB) || !strings.Contains(err.Error(), "pid ") {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	again, err := s.ServiceLock()
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

// The service's text log shows times in the configured zone with their
// offset; its JSON log is for machines; another format is refused.
func TestNewLog(t *testing.T) {
	bj, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var text, js strings.Builder
	log, err := NewLog(&text, "text", bj)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("run started", "job", "nightly")
	log.Debug("not shown")
	if !strings.Contains(text.String(), "+08:00 level=INFO msg=\"run started\" job=nightly") || strings.Contains(text.String(), "not shown") {
		t.Errorf("text log %q", text.String())
	}
	if log, err = NewLog(&js, "json", bj); err != nil {
		t.Fatal(err)
	}
	log.Info("run started")
	if !strings.HasPrefix(js.String(), `{"time":"`) || !strings.Contains(js.String(), `","level":"INFO","msg":"run started"}`) {
		t.Errorf("json log %q", js.String())
	}
	if _, err := NewLog(&js, "xml", bj); err == nil || err.Error() != "must be text or json" {
		t.Errorf("xml log: %v", err)
	}
}

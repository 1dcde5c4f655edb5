package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/web/auth"
)

// The fixture: a generated province (河南, 41) of a few thousand
// registrations in 2025, loaded and published once for the package's
// tests. One town of the county the tests sign in to is renamed by a
// regions extract to scriptName, which must show as text on every page.
const scriptName = `<script>alert("town")</script>`

// fixtureNow is inside 2025's season 2, which the generator fills.
var fixtureNow = time.Date(2025, 9, 30, 10, 0, 0, 0, time.UTC)

var fix struct {
	live    string // the live warehouse file
	county  string // a county with data and a sibling with data
	sibling string
	town    string // a town of county with data
	err     error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "enlist-web-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fix.err = buildFixture(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildFixture(dir string) error {
	ctx := context.Background()
	os.Setenv(secret.EnvVar, "web-fixture-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		return err
	}
	tab, err := regions.Builtin()
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "extracts")
	if _, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 3000, Seed: 7, Messy: 0.05, Out: out}, tab, nil); err != nil {
		return err
	}
	fix.live = filepath.Join(dir, "enlist.duckdb")
	wh, err := warehouse.Open(ctx, fix.live, warehouse.Options{Threads: 2})
	if err != nil {
		return err
	}
	l, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		return err
	}
	// Messy input: a file in an odd shape may be refused whole; the rest
	// loads, with refused and flagged rows for the data-quality page.
	l.LoadPaths(ctx, []string{out}, load.Options{}) //nolint:errcheck // see above
	// Two counties of one city with data, and a town of the first.
	err = wh.DB().QueryRowContext(ctx, `
		SELECT a.c, b.c FROM
		  (SELECT DISTINCT left(region_code, 6) AS c FROM registrations) a,
		  (SELECT DISTINCT left(region_code, 6) AS c FROM registrations) b
		WHERE left(a.c, 4) = left(b.c, 4) AND a.c < b.c ORDER BY a.c, b.c LIMIT 1`).Scan(&fix.county, &fix.sibling)
	if err != nil {
		return fmt.Errorf("pick counties: %w", err)
	}
	if err := wh.DB().QueryRowContext(ctx, `SELECT min(left(region_code, 9)) FROM registrations WHERE starts_with(region_code, ?)`, fix.county).Scan(&fix.town); err != nil {
		return fmt.Errorf("pick a town: %w", err)
	}
	rename := filepath.Join(dir, "rename")
	if err := writeCSV(filepath.Join(rename, "区划更名.csv"), []string{"区划代码", "区划名称"}, [][]string{{fix.town, scriptName}}); err != nil {
		return err
	}
	if _, err := l.LoadPaths(ctx, []string{rename}, load.Options{}); err != nil {
		return fmt.Errorf("load the renamed town: %w", err)
	}
	if err := wh.Close(); err != nil {
		return err
	}
	_, err = warehouse.Publish(ctx, fix.live)
	return err
}

func writeCSV(path string, header []string, rows [][]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(append([][]string{header}, rows...)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// testServer is a console over the fixture's published copy, behind the
// real guard (web/auth) with an accounts file of its own.
type testServer struct {
	*Server
	acc   *auth.Accounts
	guard *auth.Guard
	mu    sync.Mutex
	users map[string]http.Handler
}

// testPassword is every test account's password.
const testPassword = "correct-horse-battery"

func newServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if fix.err != nil {
		t.Fatalf("fixture: %v", fix.err)
	}
	acc, err := auth.OpenAccounts(filepath.Join(t.TempDir(), "enlist.accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{acc: acc, users: map[string]http.Handler{}}
	if cfg.Warehouse == "" {
		cfg.Warehouse = fix.live
	}
	if cfg.SavedQueries == "" {
		// Each test's own: the fixture's warehouse is shared.
		cfg.SavedQueries = filepath.Join(t.TempDir(), "enlist.queries.json")
	}
	cfg.Threads = 2
	if cfg.Guard == nil {
		ts.guard = auth.NewGuard(acc, nil, auth.Options{})
		cfg.Guard = ts.guard
	}
	if cfg.Users == nil {
		cfg.Users = func() ([]auth.User, error) { return acc.List(), nil }
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixtureNow }
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = s
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ts
}

// as serves requests as u, signed in through the login form: the account
// is made on first use, and every request carries its session cookie.
func (ts *testServer) as(t testing.TB, u auth.User) http.Handler {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if h, ok := ts.users[u.Name]; ok {
		return h
	}
	if err := ts.acc.Add(u.Name, u.Role, u.Region, testPassword); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {u.Name}, "password": {testPassword}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, req)
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			cookie = c
		}
	}
	if rec.Code != http.StatusSeeOther || cookie == nil {
		t.Fatalf("login as %s = %d, cookie %v: %s", u.Name, rec.Code, cookie, rec.Body)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(cookie)
		ts.ServeHTTP(w, r)
	})
	ts.users[u.Name] = h
	return h
}

func newRequest(method, target string) *http.Request { return httptest.NewRequest(method, target, nil) }

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func get(t testing.TB, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

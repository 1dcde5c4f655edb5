package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enlist/web/audit"
)

// clock is a settable time for session expiry and lockout windows.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// site is a console in miniature: the guard's routes, a page per role, an
// API route per role, all behind Secure, as the server wires them.
type site struct {
	t       *testing.T
	acc     *Accounts
	guard   *Guard
	clock   *clock
	h       http.Handler
	audit   string // the audit file
	mu      sync.Mutex
	waits   []time.Duration // the slow-downs asked for
	reasons string          // a reason a page refuses with (Forbidden)
}

func newSite(t *testing.T, opts Options) *site {
	t.Helper()
	dir := t.TempDir()
	s := &site{t: t, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, audit: filepath.Join(dir, "w.audit.jsonl")}
	s.acc = openCheap(t, filepath.Join(dir, "w.accounts.json"))
	for _, u := range []struct {
		name   string
		role   Role
		region string
	}{{"leader1", Leader, "410102"}, {"analyst1", Analyst, "410102"}, {"operator1", Operator, "410102"}, {"admin1", Admin, "41"}} {
		if err := s.acc.Add(u.name, u.role, u.region, u.name+"-secret-pw"); err != nil {
			t.Fatal(err)
		}
	}
	log, err := audit.Open(s.audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	opts.Now = s.clock.Now
	opts.Sleep = func(_ context.Context, d time.Duration) {
		s.mu.Lock()
		s.waits = append(s.waits, d)
		s.mu.Unlock()
	}
	s.guard = NewGuard(s.acc, log, opts)
	mux := http.NewServeMux()
	s.guard.Routes(mux)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			http.Error(w, "no user", 500)
			return
		}
		fmt.Fprintf(w, "hello %s %s %s", u.Name, u.Role, u.Region)
	})
	mux.Handle("GET /{$}", s.guard.Page(Leader, hello))
	mux.Handle("GET /quality", s.guard.Page(Analyst, hello))
	mux.Handle("GET /users", s.guard.Page(Admin, hello))
	mux.Handle("GET /region/{code}", s.guard.Page(Leader, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.guard.Forbidden(w, r, "区划 "+r.PathValue("code")+" 不在您的范围内")
	})))
	mux.Handle("POST /runs/{job}", s.guard.Page(Operator, hello))
	mux.Handle("GET /api/v1/metrics", s.guard.API(Leader, hello))
	mux.Handle("POST /api/v1/run", s.guard.API(Operator, hello))
	s.h = s.guard.Secure(mux)
	return s
}

// do serves one request. A nil body is an empty one; form values are
// posted as a form.
func (s *site) do(method, target string, form url.Values, hdr map[string]string, cookies ...*http.Cookie) *http.Response {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "10.1.2.3:50000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		if k == "RemoteAddr" {
			r.RemoteAddr = v
			continue
		}
		r.Header.Set(k, v)
	}
	for _, c := range cookies {
		if c != nil {
			r.AddCookie(c)
		}
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w.Result()
}

func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func sessionOf(r *http.Response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

// login posts the form as a browser on this site would.
func (s *site) login(name, password string, extra map[string]string, cookies ...*http.Cookie) *http.Response {
	s.t.Helper()
	hdr := map[string]string{"Sec-Fetch-Site": "same-origin"}
	for k, v := range extra {
		hdr[k] = v
	}
	return s.do("POST", "/login", url.Values{"name": {name}, "password": {password}, "next": {"/quality?week=2026-03-01"}}, hdr, cookies...)
}

func (s *site) auditText() string {
	b, err := os.ReadFile(s.audit)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

func (s *site) auditEntries() []audit.Entry {
	var out []audit.Entry
	for _, ln := range strings.Split(strings.TrimSpace(s.auditText()), "\n") {
		var e audit.Entry
		if ln != "" && json.Unmarshal([]byte(ln), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

func TestLoginSessionLogout(t *testing.T) {
	s := newSite(t, Options{})

	r := s.do("GET", "/quality?week=2026-03-01", nil, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fquality%3Fweek%3D2026-03-01" {
		t.Fatalf("no session: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = s.do("POST", "/runs/weekly?lang=en", nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?lang=en&next=%2F" {
		t.Fatalf("POST without a session: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = s.do("GET", "/login?next=%2Fquality%3Fweek%3D2026-03-01", nil, nil)
	page := body(r)
	if r.StatusCode != 200 || !strings.Contains(page, "用户名") || !strings.Contains(page, `name="next" value="/quality?week=2026-03-01"`) {
		t.Fatalf("login form: %d\n%s", r.StatusCode, page)
	}
	if r := s.do("GET", "/login?lang=en", nil, nil); !strings.Contains(body(r), "User name") {
		t.Error("English login form")
	}

	r = s.login("analyst1", "analyst1-secret-pw", nil)
	c := sessionOf(r)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/quality?week=2026-03-01" || c == nil {
		t.Fatalf("login: %d %q %v", r.StatusCode, r.Header.Get("Location"), r.Cookies())
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie over plain HTTP: %+v", c)
	}
	if raw, err := base64Len(c.Value); err != nil || raw != 32 {
		t.Errorf("session id %q: %d bytes, %v; want 32 random bytes", c.Value, raw, err)
	}
	r = s.do("GET", "/quality?week=2026-03-01", nil, nil, c)
	if got := body(r); r.StatusCode != 200 || got != "hello analyst1 analyst 410102" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("with the session: %d %q", r.StatusCode, got)
	}

	// Logging out ends the session on the server: the old cookie, replayed, is refused.
	r = s.do("POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "same-origin"}, c)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if cleared := r.Cookies(); len(cleared) != 1 || cleared[0].MaxAge >= 0 {
		t.Errorf("logout cookie: %+v", cleared)
	}
	if r := s.do("GET", "/quality", nil, nil, c); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the logged-out cookie: %d", r.StatusCode)
	}
	if r := s.do("GET", "/api/v1/metrics", nil, nil, c); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the logged-out cookie on the API: %d", r.StatusCode)
	}

	// Behind a proxy that terminated TLS the cookie is Secure.
	r = s.login("analyst1", "analyst1-secret-pw", map[string]string{"X-Forwarded-Proto": "https"})
	if c := sessionOf(r); c == nil || !c.Secure {
		t.Errorf("cookie behind a TLS proxy: %+v", c)
	}
	// A post-login destination off the site is not followed.
	r = s.do("POST", "/login", url.Values{"name": {"analyst1"}, "password": {"analyst1-secret-pw"}, "next": {"//evil.example/x"}}, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func base64Len(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return len(b), err
}

func TestSessionIDRotatedOnLogin(t *testing.T) {
	s := newSite(t, Options{})
	first := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	// Logging in again with the first cookie (or one planted by someone
	// else) gives a new id and ends the old one.
	second := sessionOf(s.login("leader1", "leader1-secret-pw", nil, first))
	if first == nil || second == nil || first.Value == second.Value {
		t.Fatalf("session ids %v %v", first, second)
	}
	if r := s.do("GET", "/", nil, nil, first); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the id from before the login: %d", r.StatusCode)
	}
	if r := s.do("GET", "/", nil, nil, second); r.StatusCode != 200 {
		t.Errorf("the new id: %d", r.StatusCode)
	}
	// A made-up id is no session.
	if r := s.do("GET", "/", nil, nil, &http.Cookie{Name: sessionCookie, Value: "AAAA"}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("made-up id: %d", r.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	s := newSite(t, Options{IdleTimeout: 30 * time.Minute, MaxAge: 2 * time.Hour})
	c := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	// Idle: 29 minutes apart is alive, each use restarts the idle clock…
	for i := 0; i < 3; i++ {
		s.clock.advance(29 * time.Minute)
		if r := s.do("GET", "/", nil, nil, c); r.StatusCode != 200 {
			t.Fatalf("used after 29 min (%d): %d", i, r.StatusCode)
		}
	}
	// …31 minutes of nothing ends it, for good.
	s.clock.advance(31 * time.Minute)
	if r := s.do("GET", "/", nil, nil, c); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle 31 min: %d", r.StatusCode)
	}
	s.clock.advance(-31 * time.Minute)
	if r := s.do("GET", "/", nil, nil, c); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("an expired session came back: %d", r.StatusCode)
	}

	// Absolute: used every 20 minutes, it still ends 2 hours after login.
	c = sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	for used := 20 * time.Minute; used <= 2*time.Hour; used += 20 * time.Minute {
		s.clock.advance(20 * time.Minute)
		if r := s.do("GET", "/api/v1/metrics", nil, nil, c); r.StatusCode != 200 {
			t.Fatalf("used at %v: %d", used, r.StatusCode)
		}
	}
	s.clock.advance(time.Minute)
	if r := s.do("GET", "/api/v1/metrics", nil, nil, c); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("2 h 1 min after login: %d", r.StatusCode)
	}
}

// TestAccountChangesEndSessions: a new password or disabling, made by
// enlist user in another process, ends the sessions already open.
func TestAccountChangesEndSessions(t *testing.T) {
	s := newSite(t, Options{})
	cli := openCheap(t, s.acc.Path())
	c := sessionOf(s.login("operator1", "operator1-secret-pw", nil))
	other := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	if err := cli.SetPassword("operator1", "operator1-new-pw"); err != nil {
		t.Fatal(err)
	}
	if r := s.do("GET", "/", nil, nil, c); r.StatusCode != http.StatusSeeOther {
		t.Errorf("session after a new password: %d", r.StatusCode)
	}
	if r := s.do("GET", "/", nil, nil, other); r.StatusCode != 200 {
		t.Errorf("another account's session: %d", r.StatusCode)
	}
	c = sessionOf(s.login("operator1", "operator1-new-pw", nil))
	cli.Disable("operator1")
	if r := s.do("GET", "/", nil, nil, c); r.StatusCode != http.StatusSeeOther {
		t.Errorf("session after disabling: %d", r.StatusCode)
	}
	r := s.login("operator1", "operator1-new-pw", nil)
	if page := body(r); r.StatusCode != http.StatusForbidden || !strings.Contains(page, "该账户已停用") || sessionOf(r) != nil {
		t.Errorf("disabled login: %d\n%s", r.StatusCode, page)
	}
}

func TestRoles403(t *testing.T) {
	s := newSite(t, Options{})
	leader := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	r := s.do("GET", "/users", nil, nil, leader)
	page := body(r)
	if r.StatusCode != http.StatusForbidden || !strings.Contains(page, "此页面需要「管理员」及以上角色") || !strings.Contains(page, "leader1 (领导, 区划 410102)") {
		t.Errorf("leader on the users page: %d\n%s", r.StatusCode, page)
	}
	r = s.do("GET", "/users?lang=en", nil, nil, leader)
	if page := body(r); r.StatusCode != http.StatusForbidden || !strings.Contains(page, "This page needs the role Admin or above.") {
		t.Errorf("English 403: %d\n%s", r.StatusCode, page)
	}
	if r := s.do("GET", "/quality", nil, nil, leader); r.StatusCode != http.StatusForbidden {
		t.Errorf("leader on data quality: %d", r.StatusCode)
	}
	analyst := sessionOf(s.login("analyst1", "analyst1-secret-pw", nil))
	if r := s.do("GET", "/quality", nil, nil, analyst); r.StatusCode != 200 {
		t.Errorf("analyst on data quality: %d", r.StatusCode)
	}
	r = s.do("POST", "/api/v1/run", nil, map[string]string{"Sec-Fetch-Site": "same-origin"}, analyst)
	var e struct{ Error string }
	if json.NewDecoder(r.Body).Decode(&e); r.StatusCode != http.StatusForbidden || r.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
		e.Error != "the role analyst may not use this; it needs operator or above" {
		t.Errorf("analyst on an operator API: %d %q", r.StatusCode, e.Error)
	}
	admin := sessionOf(s.login("admin1", "admin1-secret-pw", nil))
	for _, p := range []string{"/", "/quality", "/users"} {
		if r := s.do("GET", p, nil, nil, admin); r.StatusCode != 200 {
			t.Errorf("admin on %s: %d", p, r.StatusCode)
		}
	}
}

func TestAPIAuth(t *testing.T) {
	s := newSite(t, Options{})
	token, err := s.acc.NewToken("operator1")
	if err != nil {
		t.Fatal(err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token}
	for _, c := range []struct {
		name   string
		hdr    map[string]string
		status int
		errHas string
	}{
		{"none", nil, 401, "no token"},
		{"bad token", map[string]string{"Authorization": "Bearer enlist_nope"}, 401, "unknown or revoked token"},
		{"basic", map[string]string{"Authorization": "Basic b3A6cHc="}, 401, "Bearer TOKEN"},
		{"good token", bearer, 200, ""},
	} {
		r := s.do("GET", "/api/v1/metrics?scope=410102", nil, c.hdr)
		b := body(r)
		if r.StatusCode != c.status {
			t.Errorf("%s: %d %s", c.name, r.StatusCode, b)
			continue
		}
		if c.status == 401 {
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(b), &e); err != nil || !strings.Contains(e.Error, c.errHas) || r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: body %q, WWW-Authenticate %q", c.name, b, r.Header.Get("WWW-Authenticate"))
			}
		} else if b != "hello operator1 operator 410102" {
			t.Errorf("%s: %q", c.name, b)
		}
	}
	// A token from another system carries no Origin nor Sec-Fetch-Site: its POST passes.
	if r := s.do("POST", "/api/v1/run", nil, bearer); r.StatusCode != 200 {
		t.Errorf("POST with a token: %d", r.StatusCode)
	}
	// A page is not an API: a token does not open it.
	if r := s.do("GET", "/", nil, bearer); r.StatusCode != http.StatusSeeOther {
		t.Errorf("page with a token: %d", r.StatusCode)
	}
	// An accounts file exposed to other users lets nobody in, and says so.
	os.Chmod(s.acc.Path(), 0o644)
	if r := s.do("GET", "/api/v1/metrics", nil, bearer); r.StatusCode != http.StatusInternalServerError || !strings.Contains(body(r), "cannot read its accounts file") {
		t.Errorf("token over an exposed accounts file: %d", r.StatusCode)
	}
	os.Chmod(s.acc.Path(), 0o600)
	s.acc.RevokeTokens("operator1")
	if r := s.do("GET", "/api/v1/metrics", nil, bearer); r.StatusCode != 401 {
		t.Errorf("revoked token: %d", r.StatusCode)
	}
	// Every call is audited with its status, never with the token.
	text := s.auditText()
	if strings.Contains(text, strings.TrimPrefix(token, "enlist_")) {
		t.Fatalf("audit holds the token:\n%s", text)
	}
	var api []audit.Entry
	for _, e := range s.auditEntries() {
		if e.Action == audit.API {
			api = append(api, e)
		}
	}
	if len(api) != 7 || api[0].Status != 401 || api[0].User != "" || api[3].Status != 200 || api[3].User != "operator1" ||
		api[3].Target != "GET /api/v1/metrics?scope=410102" || api[3].Addr != "10.1.2.3" || api[5].Status != 500 || api[6].Status != 401 {
		t.Errorf("audited API calls: %+v", api)
	}
}

// TestLockout: 20 wrong passwords lock the account (from its 10th) and the
// address (at its 20th, whatever names it tries); the wait grows on the way.
func TestLockout(t *testing.T) {
	s := newSite(t, Options{})
	var statuses []int
	for i := 0; i < 20; i++ {
		r := s.login("operator1", fmt.Sprintf("guess-number-%02d", i), nil)
		statuses = append(statuses, r.StatusCode)
	}
	for i, st := range statuses {
		want := http.StatusUnauthorized
		if i >= userFailLimit {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("attempt %d: %d, want %d (all: %v)", i+1, st, want, statuses)
		}
	}
	// Locked: the right password is refused too, saying for how long.
	r := s.login("operator1", "operator1-secret-pw", nil)
	page := body(r)
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "登录失败次数过多") || !strings.Contains(page, "15 分钟") ||
		r.Header.Get("Retry-After") != "900" || sessionOf(r) != nil {
		t.Fatalf("right password while locked: %d %q\n%s", r.StatusCode, r.Header.Get("Retry-After"), page)
	}
	// The answers slowed down after the third failure, by 250 ms a failure.
	s.mu.Lock()
	waits := append([]time.Duration(nil), s.waits...)
	s.mu.Unlock()
	want := []time.Duration{0, 0, 0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond, time.Second,
		1250 * time.Millisecond, 1500 * time.Millisecond, 1750 * time.Millisecond}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v (none once locked: a locked answer costs nothing)", waits, want)
	}
	// Another account from another address is not held up.
	if r := s.login("leader1", "leader1-secret-pw", map[string]string{"RemoteAddr": "10.9.9.9:1"}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another account: %d", r.StatusCode)
	}
	// 15 minutes later the lock is lifted.
	s.clock.advance(15*time.Minute + time.Second)
	if r := s.login("operator1", "operator1-secret-pw", map[string]string{"RemoteAddr": "10.9.9.9:1"}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock: %d", r.StatusCode)
	}

	// Per address: one wrong password each for 20 names locks the address,
	// for every name, right passwords included; other addresses still log in.
	from := map[string]string{"RemoteAddr": "10.5.5.5:4000"}
	for i := 0; i < addrFailLimit; i++ {
		if r := s.login(fmt.Sprintf("name%02d", i), "some-password", from); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spraying, attempt %d: %d", i+1, r.StatusCode)
		}
	}
	if r := s.login("admin1", "admin1-secret-pw", from); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password from a locked address: %d", r.StatusCode)
	}
	if r := s.login("admin1", "admin1-secret-pw", map[string]string{"RemoteAddr": "10.5.5.6:4000"}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("from another address: %d", r.StatusCode)
	}

	// The trail: failures audited with the reason, never a password.
	text := s.auditText()
	for _, pw := range []string{"guess-number-", "some-password", "secret-pw"} {
		if strings.Contains(text, pw) {
			t.Fatalf("audit holds a password (%s):\n%s", pw, text)
		}
	}
	var bad, locked, ok int
	for _, e := range s.auditEntries() {
		switch {
		case e.Action == audit.LoginFailed && e.Target == "bad_credentials":
			bad++
		case e.Action == audit.LoginFailed && e.Target == "locked":
			locked++
		case e.Action == audit.Login:
			ok++
		}
	}
	if bad != 10+20 || locked != 10+1+1 || ok != 3 {
		t.Errorf("audited %d bad, %d locked, %d logins; want 30, 12, 3", bad, locked, ok)
	}
}

func TestCrossSiteRefused(t *testing.T) {
	s := newSite(t, Options{})
	c := sessionOf(s.login("operator1", "operator1-secret-pw", nil))
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
		{"Origin": "null"},
	} {
		r := s.do("POST", "/runs/weekly", nil, h, c)
		if page := body(r); r.StatusCode != http.StatusForbidden || !strings.Contains(page, "来自其他网站的请求已被拒绝") {
			t.Errorf("forged POST %v: %d\n%s", h, r.StatusCode, page)
		}
		r = s.do("POST", "/api/v1/run", nil, h, c)
		if b := body(r); r.StatusCode != http.StatusForbidden || !strings.Contains(b, `"error":"cross-site request refused"`) {
			t.Errorf("forged API POST %v: %d %s", h, r.StatusCode, b)
		}
		// A forged logout does not end the session (nor a forged login start one).
		s.do("POST", "/logout", nil, h, c)
		form := url.Values{"name": {"leader1"}, "password": {"leader1-secret-pw"}}
		if r := s.do("POST", "/login", form, h); r.StatusCode != http.StatusForbidden || sessionOf(r) != nil {
			t.Errorf("forged login %v: %d", h, r.StatusCode)
		}
	}
	if r := s.do("GET", "/", nil, nil, c); r.StatusCode != 200 {
		t.Fatalf("session after forged logouts: %d", r.StatusCode)
	}
	// The same POST from the console's own page passes.
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://example.com"}} {
		if r := s.do("POST", "/runs/weekly", nil, h, c); r.StatusCode != 200 {
			t.Errorf("same-origin POST %v: %d", h, r.StatusCode)
		}
	}
	n := 0
	for _, e := range s.auditEntries() {
		if e.Action == audit.CrossOrigin && e.Status == 403 && e.Addr == "10.1.2.3" {
			n++
		}
	}
	if n != 16 {
		t.Errorf("%d refused cross-site requests audited, want 16", n)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newSite(t, Options{})
	c := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	for _, p := range []string{"/login", "/", "/users", "/nosuch", "/api/v1/metrics"} {
		r := s.do("GET", p, nil, nil, c)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		// No network source: nothing but 'self', data: images and inline styles.
		for _, src := range strings.Fields(strings.ReplaceAll(csp, ";", " ")) {
			if strings.Contains(src, ":") && src != "data:" || src == "*" || src == "'unsafe-eval'" {
				t.Errorf("%s: CSP allows %s", p, src)
			}
		}
		if strings.Count(csp, "'unsafe-inline'") != 1 || !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") {
			t.Errorf("%s: 'unsafe-inline' outside style-src: %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if r.Header.Get(k) != v {
				t.Errorf("%s: %s = %q", p, k, r.Header.Get(k))
			}
		}
	}
}

// TestUserTextEscaped: what a visitor types, and a reason naming a region,
// is shown as text, never as markup.
func TestUserTextEscaped(t *testing.T) {
	s := newSite(t, Options{})
	const evil = `<script>alert("x")</script>`
	r := s.login(evil, "whatever-password", nil)
	page := body(r)
	if r.StatusCode != http.StatusUnauthorized || strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("login page with a typed <script> name: %d\n%s", r.StatusCode, page)
	}
	r = s.do("GET", "/login?next="+url.QueryEscape(`/"><script>x()</script>`), nil, nil)
	if page := body(r); strings.Contains(page, "<script>") {
		t.Errorf("next parameter unescaped:\n%s", page)
	}
	c := sessionOf(s.login("leader1", "leader1-secret-pw", nil))
	r = s.do("GET", "/region/"+url.PathEscape(evil), nil, nil, c)
	page = body(r)
	if r.StatusCode != http.StatusForbidden || strings.Contains(page, "<script>") || !strings.Contains(page, "区划 &lt;script&gt;") {
		t.Errorf("403 with a <script> region: %d\n%s", r.StatusCode, page)
	}
	// The audit trail does not name an account that does not exist (the
	// "name" may be a password typed into the wrong box).
	for _, e := range s.auditEntries() {
		if strings.Contains(e.User, "script") || strings.Contains(e.Target, "script") {
			t.Errorf("audit names the typed text: %+v", e)
		}
	}
}

func TestClientAddr(t *testing.T) {
	g := NewGuard(nil, nil, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}})
	for _, c := range []struct{ remote, xff, want string }{
		{"192.168.1.5:4000", "", "192.168.1.5"},
		{"192.168.1.5:4000", "1.2.3.4", "192.168.1.5"},            // not a proxy: its header is ignored
		{"10.0.0.2:4000", "192.168.7.7", "192.168.7.7"},           // the proxy names the client
		{"10.0.0.2:4000", "6.6.6.6, 192.168.7.7", "192.168.7.7"},  // what the client wrote itself is not believed
		{"10.0.0.2:4000", "192.168.7.7, 10.0.0.3", "192.168.7.7"}, // two proxies
		{"10.0.0.2:4000", "garbage, 192.168.7.7", "192.168.7.7"},
		{"10.0.0.2:4000", "", "10.0.0.2"},
		{"[::ffff:192.168.1.5]:4000", "", "192.168.1.5"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := g.ClientAddr(r); got != c.want {
			t.Errorf("ClientAddr(%s, XFF %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/":                    "/",
		"/runs?job=weekly":     "/runs?job=weekly",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"runs":                 "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestContextUserGrantsNothing: a user already in the request's context
// (WithUser) does not open a page or the API; only a session or a token does.
func TestContextUserGrantsNothing(t *testing.T) {
	s := newSite(t, Options{})
	for _, p := range []string{"/", "/api/v1/metrics"} {
		r := httptest.NewRequest("GET", p, nil)
		r = r.WithContext(WithUser(r.Context(), User{Name: "admin1", Role: Admin, Region: "41"}))
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, r)
		if w.Code != http.StatusSeeOther && w.Code != http.StatusUnauthorized {
			t.Errorf("%s with a planted user: %d %s", p, w.Code, w.Body)
		}
	}
}

// TestThrottleMemoryBounded: a flood of made-up names from many addresses
// fills the throttle's memory to its bound and no further, and a real
// account is still locked after its 10 failures.
func TestThrottleMemoryBounded(t *testing.T) {
	s := newSite(t, Options{})
	s.guard.maxFailRecords = 50
	for i := 0; i < 200; i++ {
		s.login(fmt.Sprintf("made-up-%03d", i), "wrong-password", map[string]string{"RemoteAddr": fmt.Sprintf("10.7.%d.%d:1", i/250, i%250)})
	}
	s.guard.mu.Lock()
	n := len(s.guard.failures)
	s.guard.mu.Unlock()
	if n != 50 {
		t.Fatalf("%d throttle records after a flood, want the bound 50", n)
	}
	for i := 0; i < userFailLimit; i++ {
		s.login("admin1", "wrong-password", map[string]string{"RemoteAddr": fmt.Sprintf("10.8.0.%d:1", i)})
	}
	if r := s.login("admin1", "admin1-secret-pw", map[string]string{"RemoteAddr": "10.8.1.1:1"}); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a real account after 10 failures in a full throttle: %d", r.StatusCode)
	}
}

// TestOverHTTP runs the flow over a real connection with a client that
// keeps cookies as a browser does: sent to the login form, logged in and
// brought back, logged out.
func TestOverHTTP(t *testing.T) {
	s := newSite(t, Options{})
	srv := httptest.NewServer(s.h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	get := func(path string) (string, string) {
		t.Helper()
		r, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		return r.Request.URL.RequestURI(), body(r)
	}
	if at, page := get("/?lang=en"); at != "/login?lang=en&next=%2F%3Flang%3Den" || !strings.Contains(page, "Log in") {
		t.Fatalf("without a session: at %s\n%s", at, page)
	}
	r, err := client.PostForm(srv.URL+"/login?lang=en", url.Values{"name": {"Leader1"}, "password": {"leader1-secret-pw"}, "next": {"/?lang=en"}})
	if err != nil {
		t.Fatal(err)
	}
	if b := body(r); r.Request.URL.RequestURI() != "/?lang=en" || b != "hello leader1 leader 410102" {
		t.Fatalf("after login: at %s: %q", r.Request.URL.RequestURI(), b)
	}
	r.Body.Close()
	if at, page := get("/"); at != "/" || page != "hello leader1 leader 410102" {
		t.Fatalf("the session kept: at %s %q", at, page)
	}
	r, err = client.PostForm(srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if at, _ := get("/"); !strings.HasPrefix(at, "/login?") {
		t.Fatalf("after logout: at %s", at)
	}
}

package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"enlist/web/audit"
)

// Options tune a Guard; the zero value is the default.
type Options struct {
	IdleTimeout time.Duration    // a session unused this long ends (default 30 min)
	MaxAge      time.Duration    // a session ends this long after login, used or not (default 12 h)
	Now         func() time.Time // the clock (default time.Now)

	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client (default: loopback only, the proxy on the same machine). Any
	// other sender's X-Forwarded-For is ignored, so a client cannot pose as
	// another address to dodge the per-address lockout. An empty, non-nil
	// list trusts no proxy.
	TrustedProxies []netip.Prefix
	// TrustedOrigins are further origins ("https://enlist.example") whose
	// state-changing requests are accepted, for a proxy that rewrites Host.
	TrustedOrigins []string
	// Sleep waits d or until ctx ends, slowing repeated failed logins
	// (default: a timer). Tests record the waits instead.
	Sleep func(ctx context.Context, d time.Duration)
}

// Login throttling: after a few failures each further attempt waits longer;
// past the limit within the window the user, or the address, is locked out
// for lockFor whatever password comes.
const (
	failWindow      = 15 * time.Minute
	lockFor         = 15 * time.Minute
	userFailLimit   = 10 // failures of one account within failWindow
	addrFailLimit   = 20 // failures from one address within failWindow, whichever names
	freeFailures    = 3  // failures answered at once
	slowStep        = 250 * time.Millisecond
	slowMax         = 2 * time.Second
	maxFailRecords  = 100000 // bounds the throttle's memory under a flood of names (about 10 MB)
	maxLoginBody    = 8 << 10
	sessionCookie   = "enlist_session"
	defaultIdle     = 30 * time.Minute
	defaultMaxAge   = 12 * time.Hour
	maxSessionsKept = 100000
)

// Guard holds the sessions and the login throttle and wraps handlers with
// the checks a request passes: Secure around everything, Page or API around
// each route. Safe for concurrent use.
type Guard struct {
	acc   *Accounts
	audit *audit.Log
	opts  Options
	cop   *http.CrossOriginProtection

	maxFailRecords int // maxFailRecords; lowered by tests

	mu       sync.Mutex
	sessions map[string]*session
	failures map[string]*failures // "u:"+name or "a:"+address
}

type session struct {
	user     string
	epoch    uint64 // the account's epoch at login; a new password or disabling ends the session
	created  time.Time
	lastSeen time.Time
}

type failures struct {
	times       []time.Time // within failWindow
	lockedUntil time.Time
}

type ctxKey struct{}

// NewGuard returns a Guard over acc, recording logins and API calls in log
// (which may be nil).
func NewGuard(acc *Accounts, log *audit.Log, opts Options) *Guard {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdle
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = defaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TrustedProxies == nil {
		opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		}
	}
	g := &Guard{acc: acc, audit: log, opts: opts, cop: http.NewCrossOriginProtection(),
		sessions: map[string]*session{}, failures: map[string]*failures{}, maxFailRecords: maxFailRecords}
	for _, o := range opts.TrustedOrigins {
		// A bad origin only narrows what is accepted; the error is
		// reported by ValidOrigin for the command line to show.
		_ = g.cop.AddTrustedOrigin(o)
	}
	g.cop.SetDenyHandler(http.HandlerFunc(g.crossOriginRefused))
	return g
}

// ValidOrigin checks an origin given for Options.TrustedOrigins.
func ValidOrigin(origin string) error {
	return http.NewCrossOriginProtection().AddTrustedOrigin(origin)
}

// UserFrom returns the user a Page or API handler runs for.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(ctxKey{}).(User)
	return u, ok
}

// WithUser returns ctx carrying u, as Page and API pass it on; for a
// handler's tests, and for work done on a user's behalf outside a request.
// It grants nothing by itself: Page and API set the user from the session
// or the token, whatever the request's context held.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// Secure wraps the whole site: the security headers on every answer, and
// every state-changing request (POST, PUT, DELETE…) from another site
// refused (http.CrossOriginProtection: Sec-Fetch-Site, else Origin against
// Host). Behind a reverse proxy the proxy must pass the Host header on.
func (g *Guard) Secure(h http.Handler) http.Handler {
	inner := g.cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		inner.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is sent with every answer. Nothing may come from
// the network: scripts, styles, images and fonts are the console's own
// (embedded, served from its origin), inline scripts are refused, and no
// other site may frame a page. Inline styles are allowed: the bulletin's
// page carries its stylesheet inline, and ECharts sets element styles.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

func (g *Guard) crossOriginRefused(w http.ResponseWriter, r *http.Request) {
	g.audit.Record(audit.Entry{Time: g.opts.Now(), Addr: g.ClientAddr(r), Action: audit.CrossOrigin, Target: r.Method + " " + r.URL.Path, Status: http.StatusForbidden})
	if isAPI(r) {
		writeJSONError(w, http.StatusForbidden, "cross-site request refused")
		return
	}
	g.renderForbidden(w, r, User{}, crossSiteMessage(r))
}

// Page wraps a page: without a session, a redirect to the login form that
// comes back here afterwards; with a role below min, a 403 page.
func (g *Guard) Page(min Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := g.sessionUser(w, r)
		if !ok {
			g.redirectToLogin(w, r)
			return
		}
		if !u.Role.AtLeast(min) {
			g.renderForbidden(w, r, u, roleMessage(r, min))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// API wraps an API route: an "Authorization: Bearer TOKEN" header or a
// browser session; neither (or a bad token) is 401, a role below min 403,
// both as JSON {"error": …}. Every call is recorded in the audit trail
// (action "api", the path and query, the status), so handlers need not.
func (g *Guard) API(min Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		u, ok := g.apiUser(rec, r)
		switch {
		case !ok:
		case !u.Role.AtLeast(min):
			writeJSONError(rec, http.StatusForbidden, fmt.Sprintf("the role %s may not use this; it needs %s or above", u.Role, min))
		default:
			w.Header().Set("Cache-Control", "no-store")
			h.ServeHTTP(rec, r.WithContext(WithUser(r.Context(), u)))
		}
		target := r.URL.Path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		g.audit.Record(audit.Entry{Time: g.opts.Now(), User: u.Name, Addr: g.ClientAddr(r), Action: audit.API, Target: r.Method + " " + target, Status: rec.code()})
	})
}

// apiUser finds the caller of an API route or answers 401.
func (g *Guard) apiUser(w http.ResponseWriter, r *http.Request) (User, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="enlist"`)
			writeJSONError(w, http.StatusUnauthorized, "Authorization must be 'Bearer TOKEN' (enlist user token NAME makes one)")
			return User{}, false
		}
		su, err := g.acc.checkToken(strings.TrimSpace(token))
		switch {
		case errors.Is(err, ErrBadToken), errors.Is(err, ErrDisabled):
			w.Header().Set("WWW-Authenticate", `Bearer realm="enlist", error="invalid_token"`)
			msg := "unknown or revoked token"
			if errors.Is(err, ErrDisabled) {
				msg = "the token's account is disabled"
			}
			writeJSONError(w, http.StatusUnauthorized, msg)
			return User{}, false
		case err != nil:
			// Nobody is let in while the accounts cannot be read (a damaged
			// or exposed file); the caller is told it is not their token.
			writeJSONError(w, http.StatusInternalServerError, "the service cannot read its accounts file; ask the administrator")
			return User{}, false
		}
		return su.user(), true
	}
	if u, ok := g.sessionUser(w, r); ok {
		return u, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="enlist"`)
	writeJSONError(w, http.StatusUnauthorized, "no token: send 'Authorization: Bearer TOKEN' (enlist user token NAME makes one) or log in")
	return User{}, false
}

// Record appends an entry for what the user of r did (a download, a run
// started), filling in the time, the user and the address.
func (g *Guard) Record(r *http.Request, action, target string, status int) {
	u, _ := UserFrom(r.Context())
	g.audit.Record(audit.Entry{Time: g.opts.Now(), User: u.Name, Addr: g.ClientAddr(r), Action: action, Target: target, Status: status})
}

// Forbidden answers 403 for a user asking for what they may not see (a
// region outside theirs): a page saying why, or JSON on an API route.
func (g *Guard) Forbidden(w http.ResponseWriter, r *http.Request, reason string) {
	if isAPI(r) {
		writeJSONError(w, http.StatusForbidden, reason)
		return
	}
	u, _ := UserFrom(r.Context())
	g.renderForbidden(w, r, u, reason)
}

// ClientAddr is the client's IP address: the connection's, or when that is
// a trusted proxy the nearest untrusted address in X-Forwarded-For.
func (g *Guard) ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if !g.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a forged or garbled entry: trust nothing before it
		}
		addr = a.Unmap()
		if !g.trusted(addr) {
			break
		}
	}
	return addr.String()
}

func (g *Guard) trusted(a netip.Addr) bool {
	for _, p := range g.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// secureRequest tells whether the browser reached us over TLS, directly or
// through a proxy that terminated it.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sessionUser returns the user of the request's session when it is alive,
// touching it; an expired or orphaned session is deleted and its cookie
// cleared.
func (g *Guard) sessionUser(w http.ResponseWriter, r *http.Request) (User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return User{}, false
	}
	now := g.opts.Now()
	g.mu.Lock()
	s, ok := g.sessions[c.Value]
	if ok && (now.Sub(s.lastSeen) > g.opts.IdleTimeout || now.Sub(s.created) > g.opts.MaxAge) {
		delete(g.sessions, c.Value)
		ok = false
	}
	var name string
	var epoch uint64
	if ok {
		s.lastSeen = now
		name, epoch = s.user, s.epoch
	}
	g.mu.Unlock()
	if !ok {
		g.clearCookie(w, r)
		return User{}, false
	}
	// The account as the file says now: disabling it, a new password or a
	// new role takes effect at the next request.
	su, found, err := g.acc.current(name)
	if err != nil || !found || su.Disabled || su.Epoch != epoch {
		g.mu.Lock()
		delete(g.sessions, c.Value)
		g.mu.Unlock()
		g.clearCookie(w, r)
		return User{}, false
	}
	return su.user(), true
}

// newSession opens a session for su, ending the one the request came with
// (the id changes at every login, so an id planted before login is
// worthless after it).
func (g *Guard) newSession(w http.ResponseWriter, r *http.Request, su storedUser) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("new session: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := g.opts.Now()
	g.mu.Lock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		delete(g.sessions, c.Value)
	}
	if len(g.sessions) >= maxSessionsKept/2 {
		g.pruneSessions(now)
	}
	g.sessions[id] = &session{user: su.Name, epoch: su.Epoch, created: now, lastSeen: now}
	g.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secureRequest(r)})
	return nil
}

// pruneSessions drops expired sessions. Called with mu held.
func (g *Guard) pruneSessions(now time.Time) {
	for id, s := range g.sessions {
		if now.Sub(s.lastSeen) > g.opts.IdleTimeout || now.Sub(s.created) > g.opts.MaxAge {
			delete(g.sessions, id)
		}
	}
}

func (g *Guard) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secureRequest(r)})
}

// endSession deletes the request's session; it reports the user it was.
func (g *Guard) endSession(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.sessions[c.Value]
	if !ok {
		return ""
	}
	delete(g.sessions, c.Value)
	return s.user
}

func (g *Guard) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	// Only a page read comes back after login: the browser returns with a
	// GET, and a POST's form (a run now) is not repeated unasked.
	next := "/"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		next = r.URL.RequestURI()
	}
	q := url.Values{"next": {next}}
	if langOf(r) == "en" {
		q.Set("lang", "en")
	}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
}

// lockedFor tells how long the account or the address still has to wait,
// 0 when it may try.
func (g *Guard) lockedFor(name, addr string) time.Duration {
	now := g.opts.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	var wait time.Duration
	for _, k := range []string{"u:" + name, "a:" + addr} {
		if f, ok := g.failures[k]; ok && f.lockedUntil.After(now) {
			wait = max(wait, f.lockedUntil.Sub(now))
		}
	}
	return wait
}

// failed counts a failed login against the account and the address and
// returns how long to hold the answer back. known tells whether name is an
// account: when a flood of made-up names and addresses has filled the
// throttle's memory, only accounts that exist are still counted, so the
// memory stays bounded and no real account loses its protection.
func (g *Guard) failed(name, addr string, known bool) time.Duration {
	now := g.opts.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	full := len(g.failures) >= g.maxFailRecords
	if full {
		for k, f := range g.failures {
			if f.lockedUntil.Before(now) && (len(f.times) == 0 || now.Sub(f.times[len(f.times)-1]) > failWindow) {
				delete(g.failures, k)
			}
		}
		full = len(g.failures) >= g.maxFailRecords
	}
	worst := 0
	for _, k := range []struct {
		key   string
		limit int
		keep  bool // counted even when the memory is full
	}{{"u:" + name, userFailLimit, known}, {"a:" + addr, addrFailLimit, false}} {
		f := g.failures[k.key]
		if f == nil {
			if full && !k.keep {
				continue
			}
			f = &failures{}
			g.failures[k.key] = f
		}
		kept := f.times[:0]
		for _, t := range f.times {
			if now.Sub(t) < failWindow {
				kept = append(kept, t)
			}
		}
		f.times = append(kept, now)
		if len(f.times) >= k.limit {
			f.lockedUntil = now.Add(lockFor)
			f.times = nil
		}
		worst = max(worst, len(f.times))
	}
	if worst <= freeFailures {
		return 0
	}
	return min(slowMax, time.Duration(worst-freeFailures)*slowStep)
}

// succeeded forgets the account's failures (not the address's: an
// attacker with an account of their own must not reset the count by
// logging in to it between guesses).
func (g *Guard) succeeded(name string) {
	g.mu.Lock()
	delete(g.failures, "u:"+name)
	g.mu.Unlock()
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// JSONError answers {"error": msg} with status, as the API's refusals do.
func JSONError(w http.ResponseWriter, status int, msg string) { writeJSONError(w, status, msg) }

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

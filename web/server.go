// Package web is the web console and HTTP API of `enlist serve --http`:
// every office reads its own bulletins, figures, data quality and runs in a
// browser, and other systems pull figures with a token. It reads only the
// published read-only copy of the warehouse, never the live file, and
// calls the functions the CLI and the scheduler call (reports/bulletin,
// reports/page, reports/workbook, internal/metrics, schedules).
//
// Every route is one line of the route table (routes.go), which says its
// method and pattern, the least role it needs and where its region comes
// from; the table wraps each handler in the region check, so a route cannot
// answer for a region outside its user's. Accounts, sessions and the
// browser's protections are web/auth's; the audit trail is web/audit's.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/metrics"
	"enlist/internal/scoped"
	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
	"enlist/schedules"
	"enlist/web/auth"
)

// Guard is what the console needs of web/auth: the login and logout routes,
// the wrappers that admit a signed-in user of at least a role to a page or
// an API route, and the browser protections around everything.
type Guard interface {
	Routes(mux *http.ServeMux)
	Page(min auth.Role, h http.Handler) http.Handler
	API(min auth.Role, h http.Handler) http.Handler
	Secure(h http.Handler) http.Handler
}

// Scheduler is the service's jobs: the list, and a run now recorded like
// `enlist run`.
type Scheduler interface {
	Jobs() []schedules.Job
	RunNow(ctx context.Context, name string, retry bool) (schedules.Record, error)
}

// Config is what a Server reads and calls.
type Config struct {
	// Warehouse is the live warehouse file; the console opens only its
	// published copy (warehouse.PublishedPath), read-only.
	Warehouse string
	// Queries is how many bulletin, metrics and SQL queries run at once
	// (0: 2; enlist.yaml's console.queries); the others wait their turn. Each runs on Threads threads
	// within MemoryLimit, so without a bound fifty readers asking fifty
	// uncached bulletins ran fifty queries at once and DuckDB ran out of
	// memory (docs/BENCHMARKS.md, the console under load).
	Queries int
	// Threads and MemoryLimit tune the read-only DuckDB instance.
	Threads     int
	MemoryLimit string
	// Signature signs the workbooks downloaded (enlist.yaml bulletin:).
	Signature bulletin.Signature
	// Scheduler lists the jobs and runs one now; nil hides the runs page's
	// jobs and its run-now buttons.
	Scheduler Scheduler
	// NoRunNow lists the jobs without starting any: another process runs
	// the schedules (enlist serve --no-schedules beside a running service).
	NoRunNow bool
	// Inboxes are the ingest jobs' inbox folders, whose failed/ files the
	// runs page lists with their .why.txt notes.
	Inboxes []string
	// Archives are the report jobs' output folders, whose bulletins the
	// archive page lists.
	Archives []string
	// Users lists the accounts, for the admin's users page.
	Users func() ([]auth.User, error)
	Guard Guard
	// Audit appends to the audit trail what the signed-in user of r did
	// (a download, a run started, a region refused) and the status
	// answered; never a figure or a personal value. The guard records
	// logins and every API call itself.
	Audit func(r *http.Request, action, target string, status int)
	Log   *slog.Logger
	// SQLTimeout bounds one query of the SQL page and API (0: 60s), as
	// enlist sql --timeout does; a request may ask for less. It and the
	// row limits below are enlist.yaml's console: section under enlist
	// serve.
	SQLTimeout time.Duration
	// SQLMaxRows is the most rows the SQL page and API answer with (0:
	// 10,000); a longer result is cut there and marked truncated.
	// SQLDownloadRows bounds a CSV or XLSX download (0: 200,000); a longer
	// result is refused with advice.
	SQLMaxRows, SQLDownloadRows int
	// Site is the office's installation uploads load into (its secret,
	// enlist.yaml, publishing); nil turns uploads off.
	Site *site.Site
	// Writer is the process's turn on the live warehouse, which the
	// scheduled writing jobs take too; nil gives the console its own.
	Writer jobs.Writer
	// UploadMaxBytes bounds one upload's body (0: enlist.yaml's
	// console.upload_max_size, default 200 MB).
	UploadMaxBytes int64
	// SavedQueries is the analysts' saved-queries file (empty: the one
	// beside the warehouse, scoped.SavedPathFor).
	SavedQueries string
	// Now is the clock (as-of dates default to its day); nil is time.Now.
	Now func() time.Time
	// Zone is the zone times are shown in (enlist.yaml's zone); nil is UTC.
	Zone *time.Location
}

// Server serves the console and the API.
type Server struct {
	cfg Config
	pub *published
	// turns bound the queries run at once: bulletins and SQL on turns
	// (Config.Queries), the metrics API on quick (one), and what a
	// publish has the console compute anew on warmTurn (one).
	turns, quick, warmTurn turns
	// bulletins and answers keep what was computed from the current
	// published copy, and the previous copy's meanwhile (cache.go).
	bulletins copyCache[bulletinKey, *bulletin.Bulletin]
	answers   copyCache[metricsKey, []byte]
	days      shared[weekKey, *bulletin.Day]
	files     shared[seasonKey, *bulletin.Files] // a copy's files and their problems, every Day of it and the season shares
	provinces shared[weekKey, *metrics.Province]
	computing sync.WaitGroup // computations of the caches under way
	sqlDict   sqlDictionary  // the SQL page's data dictionary (sql.go)
	writer    jobs.Writer    // the turn on the live warehouse (upload.go)
	handler   http.Handler
	// runs started from the console, kept until the server stops, so the
	// runs page shows them before the published copy has their record.
	mu      sync.Mutex
	started []startedRun
	// runCtx ends the console's runs on Close.
	runCtx    context.Context
	cancelRun context.CancelFunc
	running   sync.WaitGroup
}

// New prepares a server; Close releases it.
func New(cfg Config) (*Server, error) {
	if cfg.Warehouse == "" {
		return nil, errors.New("web: no warehouse given")
	}
	if cfg.Guard == nil {
		return nil, errors.New("web: no guard: the console never serves without sign-in")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Audit == nil {
		cfg.Audit = func(*http.Request, string, string, int) {}
	}
	if cfg.SavedQueries == "" {
		cfg.SavedQueries = scoped.SavedPathFor(cfg.Warehouse)
	}
	if cfg.Queries <= 0 {
		cfg.Queries = 2
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	s := &Server{cfg: cfg, pub: newPublished(cfg.Warehouse, warehouse.Options{Threads: cfg.Threads, MemoryLimit: cfg.MemoryLimit}),
		turns: make(turns, cfg.Queries), quick: make(turns, 1), warmTurn: make(turns, 1)}
	s.bulletins.limit, s.answers.limit = cachedBulletins, cachedAnswers
	s.bulletins.also = s.homePages
	// Files: the current season's and the one before of a copy and its
	// successor, as a page's 上一周 link walks back over a season's start.
	s.days.limit, s.provinces.limit, s.files.limit = cachedWeeks, cachedWeeks, 4
	s.writer = cfg.Writer
	if s.writer == nil {
		s.writer = jobs.NewWriter()
	}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	cfg.Guard.Routes(mux)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	// Browsers ask for an icon on every site; the console has none.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, rt := range routeTable() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.guarded(rt))
	}
	s.handler = cfg.Guard.Secure(mux)
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close waits for runs started from the console, cancelling them once ctx
// ends, and closes the published copy.
func (s *Server) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancelRun()
		<-done
	}
	s.cancelRun()
	// Answers being computed end with runCtx; their copy closes after.
	s.computing.Wait()
	return s.pub.close()
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// today is the date of now, as the as-of dates are written (UTC midnight).
func (s *Server) today() time.Time {
	y, m, d := s.now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// audit records what a page did; API calls are the guard's to record.
func (s *Server) audit(r *http.Request, c *call, action, target string, status int) {
	if !c.API {
		s.cfg.Audit(r, action, target, status)
	}
}

var errNoCopy = fmt.Errorf("the warehouse has no published copy yet: it appears after the first load (enlist ingest) or enlist init")

// homePages are the bulletins a publish has the console gather at once:
// the home page of each account's region (the province's and its cities'
// leaders first) for this week, in Chinese, as the accounts will open them.
func (s *Server) homePages() []bulletinKey {
	if s.cfg.Users == nil {
		return nil
	}
	users, err := s.cfg.Users()
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var codes []string
	for _, u := range users {
		if !u.Disabled && !seen[u.Region] {
			seen[u.Region] = true
			codes = append(codes, u.Region)
		}
	}
	sort.Slice(codes, func(i, j int) bool {
		if len(codes[i]) != len(codes[j]) {
			return len(codes[i]) < len(codes[j])
		}
		return codes[i] < codes[j]
	})
	today := s.today().Format(time.DateOnly)
	out := make([]bulletinKey, 0, len(codes))
	for _, code := range codes {
		out = append(out, bulletinKey{scope: code, asOf: today, lang: bulletin.Chinese})
	}
	return out
}

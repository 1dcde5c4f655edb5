package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"enlist/internal/regions"
	"enlist/web/audit"
	"enlist/web/auth"
)

// ConsoleOptions say what the console's load measures.
type ConsoleOptions struct {
	Registrations int
	Clients       int
	Duration      time.Duration
	Dir           string // work folder, kept; "" = a temporary folder removed at the end
	Exe           string // the enlist binary served and timed
	Threads       int
	MemoryLimit   string
	Command       string
	Progress      func(string)
}

// ConsoleReport is what the console's load measured.
type ConsoleReport struct {
	Registrations int     `json:"registrations"`
	Clients       int     `json:"clients"`
	Date          string  `json:"date"`
	Machine       Machine `json:"machine"`
	Command       string  `json:"command"`
	LoadResult
	// Writer is the ingest (three counties' week, published at its end)
	// run while the clients read.
	Writer Step `json:"writer"`
	// WriterStart is when the writer started, in seconds into the load.
	WriterStart float64 `json:"writer_start_s"`
}

const (
	loadUser     = "bench-leader"
	loadPassword = "bench-password-0123456789"
)

// RunConsole generates a province, loads and publishes it, serves it with
// `enlist serve --http` on loopback with --no-schedules, signs in a leader
// of the province (a session for the pages, an API token for the metrics)
// and reads with opt.Clients clients for opt.Duration while an ingest of a
// week's deliveries (which publishes) runs beside them. It fails when any
// answer was wrong or the writer failed.
func RunConsole(ctx context.Context, opt ConsoleOptions) (rep ConsoleReport, err error) {
	if opt.Registrations <= 0 || opt.Clients <= 0 || opt.Duration <= 0 {
		return rep, errors.New("bench console: registrations, clients and duration must be positive")
	}
	if opt.Progress == nil {
		opt.Progress = func(string) {}
	}
	rep = ConsoleReport{Registrations: opt.Registrations, Clients: opt.Clients, Command: opt.Command,
		Date: time.Now().UTC().Format(time.RFC3339), Machine: machine()}
	dir := opt.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "enlist-bench-console-"); err != nil {
			return rep, fmt.Errorf("bench console: %w", err)
		}
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("bench console: %w", err)
	}
	logPath := filepath.Join(dir, "bench.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return rep, fmt.Errorf("bench console: %w", err)
	}
	defer logFile.Close()
	b := &bench{opt: Options{Exe: opt.Exe, Threads: opt.Threads, MemoryLimit: opt.MemoryLimit, Progress: opt.Progress},
		dir: dir, rep: &Report{}, r: &runner{env: append(os.Environ(), "ENLIST_SECRET="+benchSecret), log: logFile, logPath: logPath, progress: opt.Progress}}
	province, week, db := b.path("province"), b.path("week"), b.path("enlist.duckdb")
	if err := b.timedSetup("generate", func() error {
		_, err := generate(ctx, province, opt.Registrations, opt.Progress)
		return err
	}); err != nil {
		return rep, err
	}
	counties, err := writeWeek(province, week)
	if err != nil {
		return rep, fmt.Errorf("bench console: the week's deliveries: %w", err)
	}
	// A kept folder from an earlier run holds its accounts and audit
	// trail too: the leader is added anew.
	for _, p := range []string{auth.AccountsPathFor(db), audit.PathFor(db)} {
		if err := os.RemoveAll(p); err != nil {
			return rep, fmt.Errorf("bench console: %w", err)
		}
	}
	if err := b.fresh(ctx, "console", db); err != nil {
		return rep, err
	}
	if _, err := b.step(ctx, "console", "enlist ingest (every extract)", Setup, b.enlist(db, "ingest", province)); err != nil {
		return rep, err
	}
	pw := b.path("password.txt")
	if err := os.WriteFile(pw, []byte(loadPassword+"\n"), 0o600); err != nil {
		return rep, fmt.Errorf("bench console: %w", err)
	}
	if _, err := b.step(ctx, "console", "user add", Setup, b.enlist(db, "user", "add", loadUser, "--role", "leader", "--region", Province, "--password-file", pw)); err != nil {
		return rep, err
	}
	tokenFile := b.path("token.txt")
	if _, err := b.stepTo(ctx, "console", "user token", Setup, b.enlist(db, "user", "token", loadUser), tokenFile); err != nil {
		return rep, err
	}
	tb, err := os.ReadFile(tokenFile)
	if err != nil {
		return rep, fmt.Errorf("bench console: %w", err)
	}
	token := strings.TrimSpace(string(tb))

	// The service, on a free loopback port.
	addr, err := freeLoopback()
	if err != nil {
		return rep, err
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	serve := exec.CommandContext(serveCtx, b.opt.Exe, b.enlist(db, "serve", "--http", addr, "--no-schedules")[1:]...)
	serve.Env, serve.Stdout, serve.Stderr = b.r.env, logFile, logFile
	serve.Cancel = func() error { return serve.Process.Signal(os.Interrupt) }
	serve.WaitDelay = 30 * time.Second
	if err := serve.Start(); err != nil {
		return rep, fmt.Errorf("bench console: enlist serve: %w", err)
	}
	defer func() {
		stopServe()
		if werr := serve.Wait(); werr != nil && !errors.Is(werr, context.Canceled) && !strings.Contains(werr.Error(), "signal") {
			err = errors.Join(err, fmt.Errorf("bench console: enlist serve: %w (see %s)", werr, logPath))
		}
	}()
	base := "http://" + addr
	cookie, err := signIn(ctx, base)
	if err != nil {
		return rep, fmt.Errorf("bench console: %w (see %s)", err, logPath)
	}

	tab, err := regions.Builtin()
	if err != nil {
		return rep, err
	}
	cities := tab.Children(Province)
	all := tab.Descendants(Province, regions.LevelOf(counties[0]))
	if len(cities) == 0 || len(all) == 0 {
		return rep, fmt.Errorf("bench console: no cities or counties under %s", Province)
	}
	session := func(r *http.Request) { r.AddCookie(cookie) }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	// Cached pages: the province's and four cities' bulletins at the
	// as-of date (each gathered once per published copy: again once
	// after the publish). Uncached: a county and
	// a week no request asked before (counter n walks counties, then
	// weeks back, as the page's 上一周 link does). Metrics: a city's
	// figures by county.
	hot := append([]string{Province}, cities[:min(4, len(cities))]...)
	var fresh atomic.Int64
	asOf, _ := time.Parse(time.DateOnly, AsOf)
	page := func(scope, day string) string {
		return "/?" + url.Values{"scope": {scope}, "as_of": {day}}.Encode()
	}
	next := func(c, i int) Request {
		switch (c + i) % 4 {
		case 0, 1:
			scope := hot[(c*7+i)%len(hot)]
			return Request{Kind: KindCached, Path: page(scope, AsOf), Want: pageWant(scope, AsOf), Auth: session}
		case 2:
			n := int(fresh.Add(1) - 1)
			scope, day := all[n%len(all)], asOf.AddDate(0, 0, -7*(n/len(all))).Format(time.DateOnly)
			return Request{Kind: KindUncached, Path: page(scope, day), Want: pageWant(scope, day), Auth: session}
		default:
			scope := cities[(c*3+i)%len(cities)]
			q := url.Values{"scope": {scope}, "year": {strconv.Itoa(Year)}, "season": {strconv.Itoa(Season)}, "as_of": {AsOf}, "depth": {"1"}}
			return Request{Kind: KindMetrics, Path: "/api/v1/metrics?" + q.Encode(), Want: `"` + scope, Auth: bearer}
		}
	}
	// The cached pages are asked once first, not measured: this opens the
	// published copy (once in a service's life) and fills the cache that
	// the measured requests read, until the publish empties it.
	for _, scope := range hot {
		warm := Load(ctx, LoadOptions{Base: base, Clients: 1, Duration: time.Nanosecond, Next: func(int, int) Request {
			return Request{Kind: KindCached, Path: page(scope, AsOf), Want: pageWant(scope, AsOf), Auth: session}
		}})
		if warm.Errors > 0 {
			return rep, fmt.Errorf("bench console: the first pages: %s", strings.Join(warm.FirstErrors, "; "))
		}
	}
	opt.Progress(fmt.Sprintf("reading the console with %d clients for %s", opt.Clients, opt.Duration))
	writerDone := make(chan error, 1)
	start := time.Now()
	go func() {
		// The writer starts a third of the way in, so that readers run
		// before, during and after its publish.
		select {
		case <-time.After(opt.Duration / 3):
		case <-ctx.Done():
			writerDone <- ctx.Err()
			return
		}
		rep.WriterStart = time.Since(start).Seconds()
		st, err := b.r.run(ctx, "console", "enlist ingest (3 counties' week) while reading", Ours, b.enlist(db, "ingest", week), "")
		rep.Writer = st
		writerDone <- err
	}()
	rep.LoadResult = Load(ctx, LoadOptions{Base: base, Clients: opt.Clients, Duration: opt.Duration, Next: next})
	if werr := <-writerDone; werr != nil {
		return rep, fmt.Errorf("bench console: the ingest during the load: %w", werr)
	}
	if rep.Errors > 0 {
		return rep, fmt.Errorf("bench console: %d of %d answers wrong, first: %s", rep.Errors, rep.Requests, strings.Join(rep.FirstErrors, "; "))
	}
	return rep, nil
}

// pageWant is what a home page of scope at day holds: the link to its
// workbook, which names both.
func pageWant(scope, day string) string {
	return "/bulletin.xlsx?as_of=" + day + "&amp;scope=" + scope
}

func freeLoopback() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench console: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// signIn waits for the service to listen, then signs in through the login
// form and returns the session cookie.
func signIn(ctx context.Context, base string) (*http.Cookie, error) {
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"name": {loadUser}, "password": {loadPassword}}.Encode()
	var last error
	for range 120 {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/login", bytes.NewBufferString(form))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, c := range resp.Cookies() {
				if c.Value != "" && resp.StatusCode == http.StatusSeeOther {
					return c, nil
				}
			}
			return nil, fmt.Errorf("sign in as %s = %d: %.200s", loadUser, resp.StatusCode, body)
		}
		last = err
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("enlist serve did not answer at %s: %w", base, last)
}

// WriteText prints the console's figures.
func (r ConsoleReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "console load: %d registrations, %d clients, %.0f s, %d requests, %d errors\n", r.Registrations, r.Clients, r.Seconds, r.Requests, r.Errors)
	fmt.Fprintf(w, "machine: %s, %d cores, %d GiB, load %s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryGiB, r.Machine.Load)
	fmt.Fprintf(w, "%-14s %9s %7s %9s %9s %9s\n", "kind", "requests", "errors", "p50 ms", "p95 ms", "max ms")
	for _, k := range r.Kinds {
		fmt.Fprintf(w, "%-14s %9d %7d %9.1f %9.1f %9.1f\n", k.Kind, k.Requests, k.Errors, k.P50, k.P95, k.Max)
	}
	fmt.Fprintf(w, "writer: %s, started at %.1f s, took %.1f s\n", r.Writer.Name, r.WriterStart, r.Writer.Seconds)
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
}

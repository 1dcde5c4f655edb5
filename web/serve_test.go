package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/site"
	"enlist/web/audit"
	"enlist/web/auth"
)

// Serve answers on its address with the accounts and audit trail beside
// the warehouse, and on stop lets a request in flight finish: a workbook
// asked for just before the stop arrives whole, then Serve returns.
func TestServeFinishesRequestsInFlightOnStop(t *testing.T) {
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	acc, err := auth.OpenAccounts(auth.AccountsPathFor(fix.live))
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Add("serve-api", auth.Leader, fix.county, testPassword); err != nil && !strings.Contains(err.Error(), "exists") {
		t.Fatal(err)
	}
	token, err := acc.NewToken("serve-api")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, &site.Site{DB: fix.live}, nil, ServeOptions{Addr: "127.0.0.1:0", Grace: 2 * time.Minute,
			Ready: func(a net.Addr) { addr <- a }})
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	// An as-of date no other test asks for: the bulletin is gathered for
	// this request, which takes seconds, and the stop comes meanwhile.
	req, _ := http.NewRequest("GET", base+"/api/v1/bulletin?as_of=2025-09-17", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	type answer struct {
		status int
		size   int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, len(b), err}
	}()
	// The stop comes once the request is being served: its call is not in
	// the audit trail yet (the guard records it when it ends), but the
	// server has it; a short wait for the connection is the one way to tell.
	time.Sleep(300 * time.Millisecond)
	stop()
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || a.size < 10000 {
		t.Errorf("request in flight at the stop: %d, %d bytes, %v", a.status, a.size, a.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after the stop: %v", err)
	}
	if _, err := http.Get(base + "/login"); err == nil {
		t.Error("still answering after the stop")
	}
	trail, err := audit.Open(audit.PathFor(fix.live))
	if err != nil {
		t.Fatal(err)
	}
	defer trail.Close()
	recent, err := trail.Recent(5)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range recent {
		found = found || (e.User == "serve-api" && e.Action == audit.API && strings.Contains(e.Target, "/api/v1/bulletin"))
	}
	if !found {
		t.Errorf("the API call is not in the audit trail: %+v", recent)
	}
	if st, err := os.Stat(audit.PathFor(fix.live)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("audit trail mode: %v %v", st, err)
	}
}

// A console started before anyone was given an account says so in its
// log, with the command that adds one; once an account exists it does not.
func TestServeSaysWhenNobodyCanSignIn(t *testing.T) {
	t.Setenv("ENLIST_SECRET", "")
	dir := t.TempDir()
	serveOnce := func() string {
		var log bytes.Buffer
		st := (&site.Site{DB: filepath.Join(dir, "w.duckdb")}).WithLog(slog.New(slog.NewTextHandler(&log, nil)))
		if _, err := st.Init(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() {
			served <- Serve(ctx, st, nil, ServeOptions{Addr: "127.0.0.1:0", Grace: time.Second,
				Ready: func(net.Addr) { stop() }})
		}()
		if err := <-served; err != nil {
			t.Fatalf("Serve: %v", err)
		}
		return log.String()
	}
	if out := serveOnce(); !strings.Contains(out, "no accounts yet") || !strings.Contains(out, "user add NAME --role admin --region CODE") {
		t.Errorf("a console without accounts logged:\n%s\nwant the warning and the command that adds one", out)
	}
	acc, err := auth.OpenAccounts(auth.AccountsPathFor(filepath.Join(dir, "w.duckdb")))
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Add("admin", auth.Admin, "41", testPassword); err != nil {
		t.Fatal(err)
	}
	if out := serveOnce(); strings.Contains(out, "no accounts yet") {
		t.Errorf("a console with an account still warned:\n%s", out)
	}
}

// enlist serve takes the console's bounds from enlist.yaml: an answer of
// the SQL API holds at most console.sql_max_rows rows, and says so; a
// bad setting stops the service before it listens, naming file and line.
func TestServeReadsTheConsoleSettings(t *testing.T) {
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	acc, err := auth.OpenAccounts(auth.AccountsPathFor(fix.live))
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Add("serve-analyst", auth.Analyst, fix.county, testPassword); err != nil && !strings.Contains(err.Error(), "exists") {
		t.Fatal(err)
	}
	token, err := acc.NewToken("serve-analyst")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "enlist.yaml")
	if err := os.WriteFile(conf, []byte("console:\n  queries: 1\n  sql_timeout: 20s\n  sql_max_rows: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	addr := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, &site.Site{DB: fix.live, ConfigFile: conf}, nil, ServeOptions{Addr: "127.0.0.1:0", Grace: time.Minute,
			Ready: func(a net.Addr) { addr <- a }})
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	post := func(body string) (int, []byte) {
		req, _ := http.NewRequest("POST", base+"/api/v1/sql", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, b := post(`{"query": "SELECT * FROM range(10)"}`)
	var ans sqlAnswer
	if code != http.StatusOK || json.Unmarshal(b, &ans) != nil || len(ans.Rows) != 3 || !ans.Truncated || ans.Limit != 3 {
		t.Errorf("10 rows under sql_max_rows 3: %d %s", code, b)
	}
	if code, b := post(`{"query": "SELECT 1", "timeout": "30s"}`); code != http.StatusBadRequest || !strings.Contains(string(b), "longer than the service allows (20s)") {
		t.Errorf("a timeout past sql_timeout 20s: %d %s", code, b)
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("Serve after the stop: %v", err)
	}

	if err := os.WriteFile(conf, []byte("zone: UTC\nconsole:\n  sql_max_rows: -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = Serve(context.Background(), &site.Site{DB: fix.live, ConfigFile: conf}, nil, ServeOptions{Addr: "127.0.0.1:0", Grace: time.Second,
		Ready: func(net.Addr) { t.Error("listening with a bad enlist.yaml") }})
	if err == nil || !strings.Contains(err.Error(), conf+":3: console.sql_max_rows = -1") {
		t.Errorf("a bad console setting: %v, want the file, line 3 and the key", err)
	}
}

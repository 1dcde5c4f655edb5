package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"enlist/internal/browsertest"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
	"enlist/web/auth"
)

// postSQL sends body to POST /api/v1/sql (with ?scope= when given) and
// decodes the answer: a result, or an error.
func postSQL(t *testing.T, h http.Handler, scope string, body any) (int, sqlAnswer, apiError) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/sql"
	if scope != "" {
		path += "?scope=" + scope
	}
	req := httptest.NewRequest("POST", path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("POST %s: Content-Type %q: %s", path, ct, rec.Body)
	}
	var ans sqlAnswer
	var e apiError
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("answer: %v: %s", err, rec.Body)
		}
	} else if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body: %v: %s", err, rec.Body)
	}
	return rec.Code, ans, e
}

// wholeCount is a count on the whole published copy, as enlist sql
// (without --scope) answers it.
func wholeCount(t *testing.T, s *testServer, query string, args ...any) int64 {
	t.Helper()
	wh, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	var n int64
	if err := wh.DB().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type trail struct {
	mu      sync.Mutex
	entries []string
}

func (tr *trail) record(_ *http.Request, action, target string, status int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.entries = append(tr.entries, action+" "+target+" "+itoa(status))
}

func (tr *trail) all() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.Join(tr.entries, "\n")
}

// A county analyst's SQL reads the county's rows only: the count equals
// the county's count on the whole warehouse, and queries reaching for the
// sibling county's rows bring none back; the audit trail holds the
// query's digest, never its text.
func TestSQLAPIAnswersForTheCountyOnly(t *testing.T) {
	var tr trail
	s := newServer(t, Config{Audit: tr.record})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})

	want := wholeCount(t, s, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, fix.county)
	all := wholeCount(t, s, `SELECT count(*) FROM registrations`)
	sibling := wholeCount(t, s, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, fix.sibling)
	if want == 0 || sibling == 0 || want == all {
		t.Fatalf("fixture: county %d, sibling %d, all %d rows: want both counties with data and more beside", want, sibling, all)
	}
	code, ans, e := postSQL(t, h, "", map[string]any{"query": "SELECT count(*) AS n FROM registrations"})
	if code != http.StatusOK {
		t.Fatalf("count = %d: %+v", code, e)
	}
	if len(ans.Columns) != 1 || ans.Columns[0] != "n" || ans.RowCount != 1 || ans.Truncated || len(ans.Rows) != 1 {
		t.Fatalf("answer %+v", ans)
	}
	if got, _ := ans.Rows[0][0].(float64); int64(got) != want {
		t.Errorf("SELECT count(*) FROM registrations = %v as the county's analyst, want the county's %d (the province holds %d)", ans.Rows[0][0], want, all)
	}
	// The same through a town of the county: the town's rows only.
	townWant := wholeCount(t, s, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, fix.town)
	if code, ans, e := postSQL(t, h, fix.town, map[string]any{"query": "SELECT count(*) FROM registrations"}); code != http.StatusOK || ans.Rows[0][0].(float64) != float64(townWant) {
		t.Errorf("?scope=%s count = %d %v %+v, want %d", fix.town, code, ans.Rows, e, townWant)
	}

	pub, err := warehouse.PublishedPath(fix.live)
	if err != nil {
		t.Fatal(err)
	}
	full := strings.SplitN(filepath.Base(pub), ".", 2)[0]
	for _, q := range []string{
		"SELECT * FROM registrations WHERE starts_with(region_code, '" + fix.sibling + "')",
		"SELECT * FROM registrations WHERE NOT starts_with(region_code, '" + fix.county + "')",
		"SELECT * FROM regions WHERE starts_with(code, '" + fix.sibling + "')",
		"SELECT * FROM metrics WHERE region_code = '" + fix.sibling + "'",
		"SELECT region_code FROM metrics_at(DATE '2025-09-30', 2025, 2) WHERE NOT starts_with(region_code, '" + fix.county + "')",
		"SELECT * FROM quotas WHERE region_code = '" + fix.sibling + "'",
	} {
		code, ans, e := postSQL(t, h, "", map[string]any{"query": q, "vars": map[string]string{"as_of": "2025-09-30", "year": "2025", "season": "2"}})
		if code != http.StatusOK || ans.RowCount != 0 || len(ans.Rows) != 0 {
			t.Errorf("%s: %d, %d rows %+v, want none", q, code, ans.RowCount, e)
		}
	}
	// Naming the published version's catalog does not reach it.
	for _, q := range []string{
		"SELECT count(*) FROM " + full + ".main.registrations",
		"SELECT count(*) FROM registrations UNION ALL SELECT count(*) FROM " + full + ".main.registrations",
	} {
		if code, ans, _ := postSQL(t, h, "", map[string]any{"query": q}); code != http.StatusBadRequest {
			t.Errorf("%s: %d %v, want 400", q, code, ans.Rows)
		}
	}
	// No cell of a catalog listing names the sibling.
	code, ans, _ = postSQL(t, h, "", map[string]any{"query": "SELECT * FROM duckdb_tables() UNION ALL BY NAME SELECT * FROM duckdb_views()"})
	if b, _ := json.Marshal(ans.Rows); code != http.StatusOK || strings.Contains(string(b), fix.sibling) {
		t.Errorf("catalog listing = %d, names %s: %.300s", code, fix.sibling, b)
	}

	audit := tr.all()
	if !strings.Contains(audit, "sql_query api scope "+fix.county+" sha256:") {
		t.Errorf("no query recorded in the audit trail:\n%s", audit)
	}
	if strings.Contains(audit, "registrations") || strings.Contains(audit, "SELECT") {
		t.Errorf("the audit trail holds query text:\n%s", audit)
	}
}

// A province's analyst sees everything, as enlist sql does; a result
// past the limit is cut there and marked truncated.
func TestSQLAPIProvinceSeesAllAndLongResultsAreCut(t *testing.T) {
	s := newServer(t, Config{SQLMaxRows: 7})
	h := s.as(t, auth.User{Name: "province-analyst", Role: auth.Analyst, Region: fix.county[:2]})
	all := wholeCount(t, s, `SELECT count(*) FROM registrations`)
	code, ans, e := postSQL(t, h, "", map[string]any{"query": "SELECT count(*) FROM registrations"})
	if code != http.StatusOK || ans.Rows[0][0].(float64) != float64(all) {
		t.Errorf("province count = %d %v %+v, want %d", code, ans.Rows, e, all)
	}
	code, ans, e = postSQL(t, h, "", map[string]any{"query": "SELECT person, region_code, registered_on FROM registrations ORDER BY region_code, person"})
	if code != http.StatusOK || ans.RowCount != 7 || len(ans.Rows) != 7 || !ans.Truncated || ans.Limit != 7 {
		t.Fatalf("long result = %d: %d rows, truncated %v, limit %d %+v", code, ans.RowCount, ans.Truncated, ans.Limit, e)
	}
	if d, _ := ans.Rows[0][2].(string); len(d) != len("2025-01-02") {
		t.Errorf("a date comes back as %v, want YYYY-MM-DD", ans.Rows[0][2])
	}
	code, ans, _ = postSQL(t, h, "", map[string]any{"query": "SELECT 1 AS one"})
	if code != http.StatusOK || ans.Truncated || ans.RowCount != 1 {
		t.Errorf("short result = %d %+v", code, ans)
	}
}

// Refused text, bad variables and a leader are answered as JSON naming
// the reason; nothing runs.
func TestSQLAPIRefusals(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})
	for _, c := range []struct {
		body        map[string]any
		param, word string
	}{
		{map[string]any{"query": "COPY registrations TO '/tmp/h17b-leak.csv'"}, "query", "refused"},
		{map[string]any{"query": "ATTACH '/tmp/other.duckdb' AS other"}, "query", "refused"},
		{map[string]any{"query": "SELECT * FROM read_csv('/etc/passwd')"}, "query", "refused"},
		{map[string]any{"query": "SET enable_external_access = true"}, "query", "refused"},
		{map[string]any{"query": "DELETE FROM registrations"}, "query", "refused"},
		{map[string]any{"query": "SELECT * FROM no_such_table"}, "query", "no_such_table"},
		{map[string]any{"query": "  "}, "query", "no query"},
		{map[string]any{"query": "SELECT 1", "vars": map[string]string{"as_of": "2025-02-30"}}, "vars.as_of", "not a date"},
		{map[string]any{"query": "SELECT 1", "vars": map[string]string{"season": "3"}}, "vars.season", "season"},
		{map[string]any{"query": "SELECT 1", "vars": map[string]string{"region": "41"}}, "vars.region", "unknown variable"},
		{map[string]any{"query": "SELECT 1", "timeout": "1h"}, "timeout", "longer than"},
		{map[string]any{"query": "SELECT 1", "extra": true}, "body", "unknown field"},
	} {
		code, _, e := postSQL(t, h, "", c.body)
		if code != http.StatusBadRequest || e.Parameter != c.param || !strings.Contains(e.Error, c.word) {
			t.Errorf("%v: %d %+v, want 400 naming %s (%q)", c.body, code, e, c.param, c.word)
		}
	}
	if _, err := os.Stat("/tmp/h17b-leak.csv"); err == nil {
		t.Error("COPY … TO wrote its file")
	}
	leader := s.as(t, auth.User{Name: "county-leader", Role: auth.Leader, Region: fix.county})
	if code, _, e := postSQL(t, leader, "", map[string]any{"query": "SELECT 1"}); code != http.StatusForbidden || e.Error == "" {
		t.Errorf("a leader's query = %d %+v, want 403", code, e)
	}
	if rec := get(t, leader, "GET", "/sql"); rec.Code != http.StatusForbidden {
		t.Errorf("a leader's /sql = %d, want 403", rec.Code)
	}
	// Without a session: 401 as JSON.
	if code, _, e := postSQL(t, s, "", map[string]any{"query": "SELECT 1"}); code != http.StatusUnauthorized || e.Error == "" {
		t.Errorf("no session = %d %+v, want 401", code, e)
	}
}

// A query past the time limit is stopped and said so.
func TestSQLAPITimeout(t *testing.T) {
	s := newServer(t, Config{SQLTimeout: 300 * time.Millisecond})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})
	start := time.Now()
	code, _, e := postSQL(t, h, "", map[string]any{"query": "SELECT count(*) FROM range(100000000000) a"})
	if code != http.StatusBadRequest || e.Parameter != "timeout" || !strings.Contains(e.Error, "time limit") {
		t.Errorf("slow query = %d %+v, want 400 naming the timeout", code, e)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the query ran %s past a 300ms limit", took)
	}
}

// postForm posts the SQL page's download form.
func postForm(t *testing.T, h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The XLSX download holds the query's rows, with the dictionary's Chinese
// headers on the Chinese page; the CSV download the same rows; it opens in
// LibreOffice when installed.
func TestSQLDownloadsHoldTheRows(t *testing.T) {
	var tr trail
	s := newServer(t, Config{Audit: tr.record})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})
	query := "SELECT left(region_code, 9) AS region_code, count(*) AS n FROM registrations GROUP BY ALL ORDER BY 1"
	wh, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wh.DB().QueryContext(context.Background(), `SELECT left(region_code, 9), count(*) FROM registrations
		WHERE starts_with(region_code, ?) GROUP BY ALL ORDER BY 1`, fix.county)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tabular.FromRows(rows)
	rows.Close()
	release()
	if err != nil || len(want.Rows) < 2 {
		t.Fatalf("want %v rows: %v", want, err)
	}

	rec := postForm(t, h, "/sql/download", url.Values{"query": {query}, "format": {"xlsx"}, "as_of": {"2025-09-30"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("xlsx = %d: %.300s", rec.Code, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="sql_`+fix.county+"_") || !strings.HasSuffix(cd, `.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "result.xlsx")
	if err := os.WriteFile(path, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	sheet := f.GetSheetList()[0]
	got, err := f.GetRows(sheet)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Rows)+1 {
		t.Fatalf("%d rows in the workbook, want a header and %d", len(got), len(want.Rows))
	}
	if got[0][0] == "region_code" {
		t.Errorf("header %v: want the dictionary's Chinese label on the Chinese page", got[0])
	}
	for i, r := range want.Rows {
		if got[i+1][0] != tabular.Text(r[0]) || got[i+1][1] != tabular.Text(r[1]) {
			t.Errorf("row %d = %v, want %v", i+1, got[i+1], r)
		}
	}

	rec = postForm(t, h, "/sql/download?lang=en", url.Values{"query": {query}, "format": {"csv"}})
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	if rec.Code != http.StatusOK || len(lines) != len(want.Rows)+1 || !strings.HasPrefix(lines[0], "region_code,n") {
		t.Errorf("csv = %d: %.300s", rec.Code, rec.Body)
	}
	if rec := postForm(t, h, "/sql/download", url.Values{"query": {"COPY registrations TO '/tmp/x.csv'"}, "format": {"csv"}}); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "refused") {
		t.Errorf("a refused download = %d", rec.Code)
	}
	audit := tr.all()
	if strings.Count(audit, "download sql.") != 3 || strings.Contains(audit, "registrations") {
		t.Errorf("audit trail:\n%s", audit)
	}

	if _, err := exec.LookPath("soffice"); err != nil {
		t.Logf("no LibreOffice check: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "soffice", "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv", "--outdir", dir, path).CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice: %v: %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "result.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV: %v: %s", err, out)
	}
	csvLines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(csvLines) != len(want.Rows)+1 {
		t.Fatalf("LibreOffice reads %d lines, want %d", len(csvLines), len(want.Rows)+1)
	}
	for i, r := range want.Rows {
		if line := strings.TrimSpace(csvLines[i+1]); line != tabular.Text(r[0])+","+tabular.Text(r[1]) {
			t.Errorf("LibreOffice row %d = %q, want %v", i+1, line, r)
		}
	}
}

// The page shows the editor and the dictionary with its Chinese comments.
func TestSQLPageShowsTheDictionary(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})
	rec := get(t, h, "GET", "/sql")
	if rec.Code != http.StatusOK {
		t.Fatalf("/sql = %d: %.300s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{`id="sql-query"`, `id="sql-dictionary"`, "<code>registrations</code>", "<code>metrics</code>", "metrics_at(", `src="/static/sql.js"`, "数据字典", `href="/sql"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("the page holds an inline script")
	}
	if rec := get(t, h, "GET", "/sql?lang=en"); !strings.Contains(rec.Body.String(), "Data dictionary") {
		t.Error("the English page is not in English")
	}
}

// In Chromium: sign in as an analyst, type a query, press Ctrl+Enter, see
// the row count; no console error nor CSP violation.
func TestSQLPageInChromium(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	s := newServer(t, Config{})
	if err := s.acc.Add("browser-analyst", auth.Analyst, fix.county, testPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	want := wholeCount(t, s, `SELECT count(DISTINCT left(region_code, 9)) FROM registrations WHERE starts_with(region_code, ?)`, fix.county)
	var status, rowCount, cancelled string
	var cells int
	problems, err := browsertest.Site(t, srv.URL, browsertest.Options{LogWarnings: true},
		chromedp.Navigate(srv.URL+"/login?next=/sql"),
		chromedp.WaitVisible(`#name`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "browser-analyst", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, testPassword, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sql-query`, chromedp.ByQuery),
		chromedp.WaitReady(`body[data-rendered="true"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#sql-query`, "SELECT left(region_code, 9) AS town, count(*) AS n FROM registrations GROUP BY ALL ORDER BY 1", chromedp.ByQuery),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(2)), // Ctrl+Enter
		chromedp.WaitVisible(`#sql-status[data-row-count]`, chromedp.ByQuery),
		chromedp.Text(`#sql-status`, &status, chromedp.ByQuery),
		chromedp.AttributeValue(`#sql-status`, "data-row-count", &rowCount, nil, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#sql-table tbody tr').length`, &cells),
		// A slow query, cancelled: the page says so and can run again.
		chromedp.SetValue(`#sql-query`, "SELECT count(*) FROM range(100000000000) a, range(10) b", chromedp.ByQuery),
		chromedp.Click(`#sql-run`, chromedp.ByQuery),
		chromedp.WaitEnabled(`#sql-cancel`, chromedp.ByQuery),
		chromedp.Click(`#sql-cancel`, chromedp.ByQuery),
		chromedp.WaitEnabled(`#sql-run`, chromedp.ByQuery),
		chromedp.Text(`#sql-status`, &cancelled, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("%v (problems: %v)", err, problems)
	}
	if len(problems) > 0 {
		t.Errorf("problems in the page: %v", problems)
	}
	if rowCount != itoa(int(want)) || int64(cells) != want || !strings.Contains(status, itoa(int(want))+" 行") {
		t.Errorf("status %q, row count %s, %d table rows; want %d", status, rowCount, cells, want)
	}
	if cancelled != "已取消。" {
		t.Errorf("after Cancel the status is %q", cancelled)
	}
}

// Cancel ends the query on the server: the request's context interrupts
// DuckDB, so the handler returns at once instead of at the time limit.
func TestSQLAPICancelStopsTheQuery(t *testing.T) {
	s := newServer(t, Config{SQLTimeout: 10 * time.Minute})
	h := s.as(t, auth.User{Name: "county-analyst", Role: auth.Analyst, Region: fix.county})
	postSQL(t, h, "", map[string]any{"query": "SELECT 1"}) // the county's copy, built once
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("POST", "/api/v1/sql", strings.NewReader(`{"query": "SELECT count(*) FROM range(100000000000) a, range(10) b"}`)).WithContext(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { h.ServeHTTP(httptest.NewRecorder(), req); close(done) }()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the query ran on 30s after its request was cancelled")
	}
	t.Logf("returned %s after the start", time.Since(start))
}

package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"enlist/internal/browsertest"
	"enlist/web/auth"
)

// callJSON sends body (nil: none) as JSON and decodes the answer into out
// when the status is 2xx, else into an apiError.
func callJSON(t *testing.T, h http.Handler, method, path string, body, out any) (int, apiError) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var e apiError
	switch {
	case rec.Code == http.StatusNoContent:
	case rec.Code < 300:
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	default:
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s %s = %d, body not a JSON error: %v: %s", method, path, rec.Code, err, rec.Body)
		}
	}
	return rec.Code, e
}

func savedNames(t *testing.T, h http.Handler) string {
	t.Helper()
	var list []savedAnswer
	if code, e := callJSON(t, h, "GET", "/api/v1/queries", nil, &list); code != http.StatusOK {
		t.Fatalf("list = %d %+v", code, e)
	}
	var names []string
	for _, q := range list {
		n := q.Name
		if q.Mine {
			n += "*"
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// Saved queries through the API: a county analyst saves a shared and a
// private query; a colleague of the county sees the shared one, the city's
// analyst sees it too, a sibling county's analyst sees neither; whoever
// runs a query runs it over their own region's rows, with new variable
// values checked as enlist sql --var checks them; only the owner deletes;
// the audit trail records each step with the query's digest, never its
// text.
func TestSavedQueriesAPI(t *testing.T) {
	var tr trail
	s := newServer(t, Config{Audit: tr.record})
	city := fix.county[:4]
	a := s.as(t, auth.User{Name: "analyst-a", Role: auth.Analyst, Region: fix.county})
	b := s.as(t, auth.User{Name: "analyst-b", Role: auth.Operator, Region: fix.county})
	sib := s.as(t, auth.User{Name: "analyst-sib", Role: auth.Analyst, Region: fix.sibling})
	cityA := s.as(t, auth.User{Name: "analyst-city", Role: auth.Analyst, Region: city})
	leader := s.as(t, auth.User{Name: "leader", Role: auth.Leader, Region: fix.county})

	const countQuery = "SELECT count(*) AS n, CAST(getvariable('as_of') AS DATE)::VARCHAR AS as_of FROM registrations"
	var shared, private savedAnswer
	code, e := callJSON(t, a, "POST", "/api/v1/queries", map[string]any{"name": "本县登记数", "description": "每周一看",
		"query": countQuery, "vars": map[string]string{"as_of": "2025-08-31", "year": ""}, "shared": true}, &shared)
	if code != http.StatusCreated || shared.ID == 0 || !shared.Mine || shared.Region != fix.county || shared.Vars["as_of"] != "2025-08-31" {
		t.Fatalf("save = %d %+v %+v", code, e, shared)
	}
	if _, ok := shared.Vars["year"]; ok {
		t.Errorf("an empty variable was saved: %v", shared.Vars)
	}
	if code, e := callJSON(t, a, "POST", "/api/v1/queries", map[string]any{"name": "草稿", "query": "SELECT 1"}, &private); code != http.StatusCreated {
		t.Fatalf("save = %d %+v", code, e)
	}
	for _, c := range []struct {
		who  string
		h    http.Handler
		want string
	}{
		{"owner", a, "本县登记数*,草稿*"},
		{"colleague", b, "本县登记数"},
		{"city", cityA, "本县登记数"},
		{"sibling county", sib, ""},
	} {
		if got := savedNames(t, c.h); got != c.want {
			t.Errorf("the %s sees %q, want %q", c.who, got, c.want)
		}
	}
	if code, _ := callJSON(t, leader, "GET", "/api/v1/queries", nil, nil); code != http.StatusForbidden {
		t.Errorf("a leader lists saved queries: %d, want 403", code)
	}

	// Refusals name the field.
	for _, c := range []struct {
		body  map[string]any
		param string
		want  string
	}{
		{map[string]any{"name": "本县登记数", "query": "SELECT 2"}, "name", `already has a query named "本县登记数"`},
		{map[string]any{"name": "x", "query": " "}, "query", "the query is empty"},
		{map[string]any{"name": "", "query": "SELECT 1"}, "name", "give it a name"},
		{map[string]any{"name": "x", "query": "SELECT 1", "vars": map[string]string{"season": "3"}}, "vars", `season = "3"`},
		{map[string]any{"name": "x", "query": "SELECT 1", "owner": "someone"}, "body", "unknown field"},
	} {
		if code, e := callJSON(t, a, "POST", "/api/v1/queries", c.body, nil); code != http.StatusBadRequest || e.Parameter != c.param || !strings.Contains(e.Error, c.want) {
			t.Errorf("save %v = %d %+v, want 400 on %s saying %q", c.body, code, e, c.param, c.want)
		}
	}

	// Runs: each in the runner's region; new values take the saved ones'
	// place; the sibling cannot run the county's query.
	count := func(code string) int64 {
		return wholeCount(t, s, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, code)
	}
	run := func(h http.Handler, path string, body any) (int, sqlAnswer, apiError) {
		t.Helper()
		var ans sqlAnswer
		code, e := callJSON(t, h, "POST", path, body, &ans)
		return code, ans, e
	}
	runPath := fmt.Sprintf("/api/v1/queries/%d/run", shared.ID)
	for _, c := range []struct {
		who   string
		h     http.Handler
		path  string
		body  any
		n     int64
		as_of string
	}{
		{"owner, saved values", a, runPath, nil, count(fix.county), "2025-08-31"},
		{"owner, a new as_of", a, runPath, map[string]any{"vars": map[string]string{"as_of": "2025/6/30"}}, count(fix.county), "2025-06-30"},
		{"owner, a town", a, runPath + "?scope=" + fix.town, map[string]any{"vars": map[string]string{"as_of": ""}}, count(fix.town), "2025-08-31"},
		{"the city", cityA, runPath, nil, count(city), "2025-08-31"},
	} {
		code, ans, e := run(c.h, c.path, c.body)
		if code != http.StatusOK || len(ans.Rows) != 1 {
			t.Errorf("%s: %d %+v %+v", c.who, code, e, ans)
			continue
		}
		if n, _ := ans.Rows[0][0].(float64); int64(n) != c.n || ans.Rows[0][1] != c.as_of {
			t.Errorf("%s: %v, want [%d %s]", c.who, ans.Rows[0], c.n, c.as_of)
		}
	}
	if count(fix.county) == count(city) {
		t.Fatal("fixture: the county holds all the city's rows")
	}
	if code, _, e := run(a, runPath, map[string]any{"vars": map[string]string{"season": "3"}}); code != http.StatusBadRequest || e.Parameter != "vars.season" {
		t.Errorf("a bad season: %d %+v, want 400 on vars.season", code, e)
	}
	if code, _, e := run(sib, runPath, nil); code != http.StatusNotFound || e.Parameter != "id" {
		t.Errorf("the sibling runs the county's query: %d %+v, want 404", code, e)
	}
	if code, _, _ := run(b, fmt.Sprintf("/api/v1/queries/%d/run", private.ID), nil); code != http.StatusNotFound {
		t.Errorf("the colleague runs the private query: %d, want 404", code)
	}
	if code, _, e := run(a, "/api/v1/queries/x/run", nil); code != http.StatusBadRequest || e.Parameter != "id" {
		t.Errorf("run x: %d %+v", code, e)
	}

	// Changes and deletions: the owner's only.
	var changed savedAnswer
	if code, e := callJSON(t, a, "POST", "/api/v1/queries", map[string]any{"id": private.ID, "name": "草稿", "description": "改过", "query": "SELECT 2"}, &changed); code != http.StatusOK || changed.ID != private.ID || changed.Description != "改过" {
		t.Errorf("change = %d %+v %+v", code, e, changed)
	}
	if code, _ := callJSON(t, b, "POST", "/api/v1/queries", map[string]any{"id": shared.ID, "name": "x", "query": "SELECT 2"}, nil); code != http.StatusNotFound {
		t.Errorf("the colleague changes a's query: %d, want 404", code)
	}
	if code, _ := callJSON(t, b, "DELETE", fmt.Sprintf("/api/v1/queries/%d", shared.ID), nil, nil); code != http.StatusNotFound {
		t.Errorf("the colleague deletes a's query: %d, want 404", code)
	}
	if code, e := callJSON(t, a, "DELETE", fmt.Sprintf("/api/v1/queries/%d", private.ID), nil, nil); code != http.StatusNoContent {
		t.Errorf("delete = %d %+v", code, e)
	}
	if got := savedNames(t, a); got != "本县登记数*" {
		t.Errorf("after the delete the owner sees %q", got)
	}

	log := tr.all()
	for _, want := range []string{
		fmt.Sprintf("sql_save saved query %d %s shared=true 200", shared.ID, queryDigest(countQuery)),
		fmt.Sprintf("sql_query saved query %d scope %s %s 200", shared.ID, fix.town, queryDigest(countQuery)),
		fmt.Sprintf("sql_query saved query %d scope %s", shared.ID, fix.sibling),
		fmt.Sprintf("sql_delete saved query %d 404", shared.ID),
		fmt.Sprintf("sql_delete saved query %d 200", private.ID),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit trail lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "registrations") || strings.Contains(log, "本县") {
		t.Errorf("the audit trail holds a query's text or name:\n%s", log)
	}
}

// In Chromium: an analyst saves the editor's query, sees it listed, runs
// it again with a new as_of, and deletes it; a name holding <script>
// shows as text; no console error nor CSP violation.
func TestSavedQueriesInChromium(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	s := newServer(t, Config{})
	if err := s.acc.Add("browser-analyst", auth.Analyst, fix.county, testPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	want := wholeCount(t, s, `SELECT count(*) FROM registrations WHERE starts_with(region_code, ?)`, fix.county)
	var listed, rowCount, first, asOf, after string
	var scripts int
	problems, err := browsertest.Site(t, srv.URL, browsertest.Options{LogWarnings: true},
		chromedp.Navigate(srv.URL+"/login?next=/sql"),
		chromedp.WaitVisible(`#name`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "browser-analyst", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, testPassword, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sql-query`, chromedp.ByQuery),
		chromedp.WaitReady(`#saved-list[data-count="0"]`, chromedp.ByQuery),
		chromedp.SetValue(`#sql-query`, "SELECT count(*) AS n, CAST(getvariable('as_of') AS DATE)::VARCHAR AS as_of FROM registrations", chromedp.ByQuery),
		chromedp.SetValue(`#var-as_of`, "2025-08-31", chromedp.ByQuery),
		chromedp.SendKeys(`#saved-name`, `登记<script>x</script>`, chromedp.ByQuery),
		chromedp.SendKeys(`#saved-description`, "每周", chromedp.ByQuery),
		chromedp.Click(`#saved-shared`, chromedp.ByQuery),
		chromedp.Click(`#saved-save`, chromedp.ByQuery),
		chromedp.WaitReady(`#saved-list[data-count="1"]`, chromedp.ByQuery),
		chromedp.Text(`#saved-list .saved-name`, &listed, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#saved-list script').length`, &scripts),
		// A new as_of in the variables, the editor emptied: the saved
		// query runs with the new date.
		chromedp.Evaluate(`document.getElementById('sql-query').value = ''`, nil),
		chromedp.SetValue(`#var-as_of`, "2025-06-30", chromedp.ByQuery),
		chromedp.Click(`#saved-list .saved-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sql-status[data-row-count]`, chromedp.ByQuery),
		chromedp.AttributeValue(`#sql-status`, "data-row-count", &rowCount, nil, chromedp.ByQuery),
		chromedp.Text(`#sql-table tbody tr td:first-child`, &first, chromedp.ByQuery),
		chromedp.Text(`#sql-table tbody tr td:nth-child(2)`, &asOf, chromedp.ByQuery),
		// Delete it (the confirmation answered yes).
		chromedp.Evaluate(`window.confirm = function () { return true; }`, nil),
		chromedp.Click(`#saved-list .saved-delete`, chromedp.ByQuery),
		chromedp.WaitReady(`#saved-list[data-count="0"]`, chromedp.ByQuery),
		chromedp.Text(`#saved-list`, &after, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("%v (problems: %v)", err, problems)
	}
	if len(problems) > 0 {
		t.Errorf("problems in the page: %v", problems)
	}
	if listed != `登记<script>x</script>` || scripts != 0 {
		t.Errorf("listed %q with %d script elements", listed, scripts)
	}
	if rowCount != "1" || first != itoa(int(want)) || asOf != "2025-06-30" {
		t.Errorf("the run shows %s rows, [%s %s]; want 1 row [%d 2025-06-30]", rowCount, first, asOf, want)
	}
	if !strings.Contains(after, "还没有保存的查询") {
		t.Errorf("after the delete the list reads %q", after)
	}
}

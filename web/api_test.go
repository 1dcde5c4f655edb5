package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/metrics"
	"enlist/internal/tabular"
	"enlist/web/auth"
)

// The metrics API answers what `enlist metrics --format json` prints for
// the same flags: the CLI's two calls, metrics.Read and tabular.Write.
func TestMetricsAPIAnswersWhatTheCommandPrints(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "api", Role: auth.Leader, Region: fix.county[:4]})
	rec := get(t, h, "GET", "/api/v1/metrics?scope="+fix.county+"&year=2025&season=2&as_of=2025-09-01&depth=1")
	if rec.Code != http.StatusOK {
		t.Fatalf("= %d: %s", rec.Code, rec.Body)
	}
	wh, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	frame, err := metrics.Read(context.Background(), wh, metrics.Query{Scope: fix.county, Year: 2025, Season: 2,
		AsOf: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := tabular.Write(&want, "json", frame); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != want.String() {
		t.Errorf("the API's answer differs from enlist metrics --format json:\n%.400s\nwant\n%.400s", rec.Body, want.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	towns := 0
	for _, r := range rows {
		code, _ := r["region_code"].(string)
		if !strings.HasPrefix(code, fix.county) {
			t.Errorf("row of %s outside %s", code, fix.county)
		}
		if len(code) == 9 {
			towns++
		}
	}
	if towns == 0 || len(rows) != towns+1 {
		t.Errorf("%d rows, %d towns: want the county and its towns", len(rows), towns)
	}
}

// Bad parameters are 400 with a JSON error naming the parameter, in the
// words enlist sql --var uses for the same variable.
func TestAPIRefusesBadParametersNamingThem(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "api", Role: auth.Operator, Region: fix.county})
	for _, c := range []struct{ query, param, words string }{
		{"/api/v1/metrics?as_of=2025-02-30", "as_of", "not a date"},
		{"/api/v1/metrics?year=25", "year", "four digits"},
		{"/api/v1/metrics?year=1990", "year", "not plausible"},
		{"/api/v1/metrics?season=3", "season", "season"},
		{"/api/v1/metrics?depth=9", "depth", "0 to 4"},
		{"/api/v1/metrics?depth=-1", "depth", "0 to 4"},
		{"/api/v1/metrics?as_of=2025-09-01&as_of=2025-09-02", "as_of", "once"},
		{"/api/v1/bulletin?format=pdf", "format", "xlsx or html"},
		{"/api/v1/bulletin?as_of=tomorrow", "as_of", "not a date"},
	} {
		rec := get(t, h, "GET", c.query)
		var e apiError
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Parameter != c.param || !strings.Contains(e.Error, c.words) {
			t.Errorf("%s: %d %s, want 400 naming %s (%q)", c.query, rec.Code, rec.Body, c.param, c.words)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", c.query, ct)
		}
	}
}

// The bulletin API sends the workbook and the offline page of the scope.
func TestBulletinAPISendsTheWorkbookAndThePage(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "api", Role: auth.Leader, Region: fix.county})
	rec := get(t, h, "GET", "/api/v1/bulletin?as_of=2025-09-30")
	if rec.Code != http.StatusOK {
		t.Fatalf("= %d: %s", rec.Code, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "bulletin_"+fix.county+"_20250930.xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) < 7 || got[0] != "总览" {
		t.Errorf("sheets %v", got)
	}
	title, _ := f.GetCellValue("总览", "A1")
	if !strings.Contains(title, "2025年下半年征兵工作周通报") {
		t.Errorf("总览!A1 = %q", title)
	}
	rec = get(t, h, "GET", "/api/v1/bulletin?as_of=2025-09-30&format=html")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `http-equiv="Content-Security-Policy"`) {
		t.Fatalf("html = %d", rec.Code)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("the page is not sent as an attachment: %q", cd)
	}
}

// A season without data is 404 with the command's words, not a server error.
func TestMetricsOfASeasonWithoutDataIsNotFound(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "api", Role: auth.Leader, Region: fix.county})
	rec := get(t, h, "GET", "/api/v1/metrics?as_of=2024-09-01")
	var e apiError
	if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, "latest with data is 2025 season") {
		t.Errorf("= %d %s, want 404 naming the latest season with data", rec.Code, rec.Body)
	}
}

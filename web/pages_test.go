package web

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"enlist/web/auth"
)

// The archive lists the reports of the user's region and below, by week,
// and sends them; a sibling's file is neither listed nor sent.
func TestArchiveListsAndSendsTheRegionsReportsOnly(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"2025-09-29/bulletin_" + fix.county + "_20250929.xlsx":  "own",
		"2025-09-29/bulletin_" + fix.town + "_20250929.html":    "town",
		"2025-09-22/bulletin_" + fix.county + "_20250922.xlsx":  "last week",
		"2025-09-29/bulletin_" + fix.sibling + "_20250929.xlsx": "sibling",
		"2025-09-29/bulletin_41_20250929.xlsx":                  "province",
		"2025-09-29/notes.txt":                                  "not a report",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	var trail []string
	s := newServer(t, Config{Archives: []string{dir}, Audit: func(r *http.Request, action, target string, status int) {
		trail = append(trail, action+" "+target)
	}})
	h := s.as(t, auth.User{Name: "lead", Role: auth.Leader, Region: fix.county})
	body := get(t, h, "GET", "/archive").Body.String()
	for _, want := range []string{"bulletin_" + fix.county + "_20250929.xlsx", "bulletin_" + fix.town + "_20250929.html", "bulletin_" + fix.county + "_20250922.xlsx"} {
		if !strings.Contains(body, want) {
			t.Errorf("archive lacks %s", want)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;town&#34;)&lt;/script&gt; ("+fix.town+")") {
		t.Errorf("archive does not name the town (renamed to a script) as text")
	}
	for _, not := range []string{fix.sibling, "bulletin_41_", "notes.txt", scriptName} {
		if strings.Contains(body, not) {
			t.Errorf("archive lists %s", not)
		}
	}
	if i, j := strings.Index(body, "2025-09-29"), strings.Index(body, "2025-09-22"); i < 0 || j < i {
		t.Errorf("weeks not newest first")
	}
	rec := get(t, h, "GET", "/archive/bulletin_"+fix.county+"_20250929.xlsx")
	if rec.Code != http.StatusOK || rec.Body.String() != "own" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("download = %d %q %q", rec.Code, rec.Body, rec.Header().Get("Content-Disposition"))
	}
	if rec := get(t, h, "GET", "/archive/bulletin_"+fix.county+"_20200101.xlsx"); rec.Code != http.StatusNotFound {
		t.Errorf("a file not in the archive = %d, want 404", rec.Code)
	}
	if rec := get(t, h, "GET", "/archive/..%2Fenlist.duckdb"); rec.Code != http.StatusNotFound {
		t.Errorf("a path out of the archive = %d, want 404", rec.Code)
	}
	if len(trail) != 1 || trail[0] != "download archive/bulletin_"+fix.county+"_20250929.xlsx" {
		t.Errorf("audit trail %v", trail)
	}
}

var idNumber = regexp.MustCompile(`[1-9][0-9]{16}[0-9Xx]`)

// The data-quality page shows the county's problems by reason and file
// with masked examples of refused rows, never an identity number whole.
func TestQualityPageShowsProblemsMasked(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "ana", Role: auth.Analyst, Region: fix.county[:4]})
	rec := get(t, h, "GET", "/quality")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /quality = %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{`id="by-reason"`, `id="by-file"`, `id="examples"`, "/quality.xlsx?"} {
		if !strings.Contains(body, want) {
			t.Errorf("quality page lacks %s", want)
		}
	}
	if m := idNumber.FindString(body); m != "" {
		t.Errorf("an identity number reached the page: %s", m)
	}
	rec = get(t, h, "GET", "/quality.xlsx")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "quality_"+fix.county[:4]+"_") {
		t.Errorf("quality.xlsx = %d %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	if rec := get(t, s.as(t, auth.User{Name: "lead", Role: auth.Leader, Region: fix.county}), "GET", "/quality"); rec.Code != http.StatusForbidden {
		t.Errorf("a leader's /quality = %d, want 403", rec.Code)
	}
}

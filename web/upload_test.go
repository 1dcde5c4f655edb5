package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"enlist/internal/browsertest"
	"enlist/internal/idnum"
	"enlist/internal/jobs"
	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/pipelines/read"
	"enlist/web/auth"
)

// The upload tests load into a warehouse of their own (the package's
// fixture stays as the other tests read it): a new warehouse, published,
// and hand-written files of the county 410102 (中原区) and its sibling
// 410103, each a few rows with hand-counted outcomes.

const (
	upCounty  = "410102"
	upSibling = "410103"
)

// uploadSite is a new, published warehouse in a folder of its own.
func uploadSite(t testing.TB) *site.Site {
	t.Helper()
	if fix.err != nil {
		t.Fatalf("fixture: %v", fix.err)
	}
	st := &site.Site{DB: filepath.Join(t.TempDir(), "enlist.duckdb")}
	ctx := context.Background()
	wh, err := st.OpenCreating(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func newUploadServer(t testing.TB, st *site.Site, cfg Config) *testServer {
	t.Helper()
	cfg.Warehouse, cfg.Site = st.DB, st
	return newServer(t, cfg)
}

// registrationsCSV writes a registrations extract of region in GB18030:
// good people, then one with a wrong check character and one with an
// impossible registration date (2 rejected of good+2 read). The first
// header is a near spelling the loader guesses (应征青年身份证号码).
func registrationsCSV(t testing.TB, path, region string, good, seed int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("应征青年身份证号码,姓名,区划代码,登记日期\n")
	birth := time.Date(2005, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < good; i++ {
		fmt.Fprintf(&b, "%s,张%d,%s,2025-08-%02d\n", idnum.Make(region, birth.AddDate(0, 0, seed+i), i), i, region, 1+i%20)
	}
	id := idnum.Make(region, birth, 900)
	bad := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	fmt.Fprintf(&b, "%s,李四,%s,2025-08-03\n", bad, region)
	fmt.Fprintf(&b, "%s,王五,%s,2025-02-30\n", idnum.Make(region, birth, 901), region)
	enc, err := simplifiedchinese.GB18030.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(enc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// quotasXLSX writes a quotas workbook of the county for 2025 season 2
// under a merged title: the county's quota and two towns', one refused
// (the quota is not a number).
func quotasXLSX(t testing.TB, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"中原区2025年下半年征集任务"},
		{"年度", "批次", "区划代码", "征集任务"},
		{2025, 2, upCounty, 40},
		{2025, 2, upCounty + "001", 12},
		{2025, 2, upCounty + "002", "十二"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell(sh, "A1", "D1"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// multipartBody is a form with files (field "files") and option fields.
func multipartBody(t testing.TB, paths []string, fields map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v) //nolint:errcheck // a buffer
	}
	for _, p := range paths {
		w, err := mw.CreateFormFile("files", filepath.Base(p))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b) //nolint:errcheck // a buffer
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func postFiles(t testing.TB, h http.Handler, target string, paths []string, fields map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	body, ctype := multipartBody(t, paths, fields)
	req := httptest.NewRequest("POST", target, body)
	req.Header.Set("Content-Type", ctype)
	return serve(h, req)
}

// sums are the SHA-256 of the live warehouse and of its published copy,
// and which copy is current.
func sums(t testing.TB, st *site.Site) string {
	t.Helper()
	pub, err := warehouse.PublishedPath(st.DB)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range []string{st.DB, pub} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		out = append(out, p+"="+hex.EncodeToString(h[:]))
	}
	return strings.Join(out, " ")
}

// ledger reads the published copy's ledger: file base name → loaded_by.
func ledger(t testing.TB, st *site.Site) map[string]string {
	t.Helper()
	pub, err := warehouse.PublishedPath(st.DB)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(context.Background(), pub, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	rows, err := wh.DB().Query(`SELECT file, loaded_by FROM load_ledger WHERE status = 'loaded'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var f string
		var by sql.NullString
		if err := rows.Scan(&f, &by); err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = by.String
	}
	return out
}

// staging lists what the staging folder holds.
func staging(t testing.TB, st *site.Site) []string {
	t.Helper()
	entries, err := os.ReadDir(st.DB + ".uploads")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// libraryCheck is what enlist check reports for the files (the command's
// one call), by file base name and sheet.
func libraryCheck(t testing.TB, st *site.Site, paths []string) map[string]jobs.CheckFile {
	t.Helper()
	rep, err := jobs.Check(context.Background(), st, paths, load.Options{Mode: load.Snapshot}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]jobs.CheckFile{}
	for _, f := range rep.Files {
		out[filepath.Base(f.File)+"|"+f.Sheet] = f
	}
	return out
}

// TestUploadAPIChecksAndIngestsAsTheCommands: /api/v1/check answers what
// enlist check --format json prints for the same files (names as sent),
// stores nothing; /api/v1/ingest loads them with the account in the
// ledger, and a token works as well as a session; an analyst is refused
// (403) and a file with an undecodable cell is refused naming file, row and
// column, with nothing loaded.
func TestUploadAPIChecksAndIngestsAsTheCommands(t *testing.T) {
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "登记.csv"), filepath.Join(dir, "任务.xlsx")
	registrationsCSV(t, csvPath, upCounty, 5, 0)
	quotasXLSX(t, xlsxPath)
	want := libraryCheck(t, st, []string{csvPath, xlsxPath})
	before := sums(t, st)

	op := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})
	rec := postFiles(t, op, "/api/v1/check", []string{csvPath, xlsxPath}, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("check = %d: %s", rec.Code, rec.Body)
	}
	var got jobs.CheckReport
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 {
		t.Fatalf("check answered %d files: %s", len(got.Files), rec.Body)
	}
	for _, f := range got.Files {
		w, ok := want[f.File+"|"+f.Sheet]
		if !ok {
			t.Fatalf("check answered file %q sheet %q, not one enlist check names", f.File, f.Sheet)
		}
		w.File = f.File
		wb, _ := json.Marshal(w)
		gb, _ := json.Marshal(f)
		if string(wb) != string(gb) {
			t.Errorf("%s: the API's check differs from enlist check's:\n%s\nwant\n%s", f.File, gb, wb)
		}
	}
	if f := want["登记.csv|"]; f.Read != 7 || f.Accepted != 5 || f.Rejected != 2 || f.Scope.Region != upCounty {
		t.Errorf("登记.csv: read %d accepted %d rejected %d scope %v; want 7, 5, 2 in %s", f.Read, f.Accepted, f.Rejected, f.Scope, upCounty)
	}
	if strings.Contains(rec.Body.String(), st.DB) || strings.Contains(rec.Body.String(), "张") {
		t.Errorf("the answer names a server path or a person: %s", rec.Body)
	}
	if after := sums(t, st); after != before || len(staging(t, st)) != 0 {
		t.Errorf("check stored something: %s, staging %v", after, staging(t, st))
	}

	// An analyst may not.
	an := s.as(t, auth.User{Name: "zhao", Role: auth.Analyst, Region: upCounty})
	for _, path := range []string{"/api/v1/check", "/api/v1/ingest"} {
		rec := postFiles(t, an, path, []string{csvPath}, nil)
		var e apiError
		if rec.Code != http.StatusForbidden || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("analyst %s = %d: %s", path, rec.Code, rec.Body)
		}
	}

	// A file whose row 3 holds a cell past the reader's 1 MiB (the
	// hostile-file guard): refused by name, row and column, nothing loaded
	// (not even the good file beside it).
	bad := filepath.Join(dir, "坏.csv")
	text := "身份证号,姓名,区划代码,登记日期\n" +
		idnum.Make(upCounty, time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), 1) + ",张三,410102,2025-08-01\n" +
		idnum.Make(upCounty, time.Date(2005, 1, 2, 0, 0, 0, 0, time.UTC), 2) + "," + strings.Repeat("李", 400_000) + ",410102,2025-08-01\n"
	if err := os.WriteFile(bad, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	rec = postFiles(t, op, "/api/v1/ingest", []string{csvPath, bad}, nil)
	var ue uploadError
	if rec.Code != http.StatusUnprocessableEntity || json.Unmarshal(rec.Body.Bytes(), &ue) != nil {
		t.Fatalf("ingest of a bad file = %d: %s", rec.Code, rec.Body)
	}
	if len(ue.Problems) != 1 || ue.Problems[0].File != "坏.csv" || ue.Problems[0].Row != 3 || ue.Problems[0].Column != 2 ||
		!strings.Contains(ue.Error(), "坏.csv") {
		t.Errorf("the refusal does not name file, row 3 and column 2: %s", rec.Body)
	}
	if after := sums(t, st); after != before || len(staging(t, st)) != 0 {
		t.Errorf("a refused ingest stored something: %s, staging %v", after, staging(t, st))
	}

	// The good files load, through a token this time.
	token, err := s.acc.NewToken("wang")
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, []string{csvPath, xlsxPath}, map[string]string{"year": "2025"})
	req := httptest.NewRequest("POST", "/api/v1/ingest", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	rec = serve(s, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("ingest = %d: %s", rec.Code, rec.Body)
	}
	var ans ingestAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Loads) != 2 {
		t.Fatalf("ingest answered %d loads: %s", len(ans.Loads), rec.Body)
	}
	for _, l := range ans.Loads {
		w := want[l.File+"|"+l.Sheet]
		if l.LoadedBy != "wang" || l.Status != "loaded" || int(l.RowsAccepted) != w.Accepted || int(l.RowsRejected) != w.Rejected {
			t.Errorf("load %+v; the check said %d accepted, %d rejected", l, w.Accepted, w.Rejected)
		}
	}
	if got := ledger(t, st); got["登记.csv"] != "wang" || got["任务.xlsx"] != "wang" {
		t.Errorf("published ledger: %v", got)
	}
	if len(staging(t, st)) != 0 {
		t.Errorf("the loaded upload stays: %v", staging(t, st))
	}
}

// TestUploadOutsideRegionStoresNothing: a county's operator sending the
// sibling county's file is refused at the check, the whole upload with it:
// nothing staged, the warehouse and its copy unchanged; so is a --region
// outside the account's. A load whose scope turns out outside (the check
// bypassed) rolls back inside its transaction.
func TestUploadOutsideRegionStoresNothing(t *testing.T) {
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	dir := t.TempDir()
	mine, theirs := filepath.Join(dir, "本县.csv"), filepath.Join(dir, "邻县.csv")
	registrationsCSV(t, mine, upCounty, 3, 0)
	registrationsCSV(t, theirs, upSibling, 3, 50)
	before := sums(t, st)
	op := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})
	for _, c := range []struct {
		name, path string
		fields     map[string]string
		want       string
	}{
		{"page", "/upload", nil, "邻县.csv"},
		{"api check", "/api/v1/check", nil, "邻县.csv"},
		{"api ingest", "/api/v1/ingest", nil, "邻县.csv"},
		{"region flag", "/api/v1/ingest", map[string]string{"region": upSibling}, upSibling},
	} {
		files := []string{mine, theirs}
		if c.fields != nil {
			files = []string{mine}
		}
		rec := postFiles(t, op, c.path, files, c.fields)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s = %d, want 403 naming %s: %s", c.name, rec.Code, c.want, rec.Body)
		}
		if after := sums(t, st); after != before || len(staging(t, st)) != 0 {
			t.Errorf("%s stored something: %s, staging %v", c.name, after, staging(t, st))
		}
	}

	// The guard inside the load: the same path as the console's confirm,
	// called with the sibling's file.
	u := &staged{ID: "x", Files: []string{"邻县.csv"}, dir: dir}
	ans, err := s.ingest(context.Background(), &call{User: auth.User{Name: "wang", Role: auth.Operator, Region: upCounty}, Lang: zh}, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Refused) != 1 || !strings.Contains(ans.Refused[0].Reason, "outside the region "+upCounty) {
		t.Errorf("the load did not refuse the sibling's file: %+v", ans)
	}
	if got := ledger(t, st); len(got) != 0 {
		t.Errorf("the sibling's file was stored: %v", got)
	}
}

// TestUploadConfirmsAtOnceBothLand: two operators confirm at the same
// moment; they take turns on the writer and both loads are in the ledger
// under their names.
func TestUploadConfirmsAtOnceBothLand(t *testing.T) {
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "登记.csv"), filepath.Join(dir, "任务.xlsx")
	registrationsCSV(t, csvPath, upCounty, 4, 0)
	quotasXLSX(t, xlsxPath)
	wang := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})
	li := s.as(t, auth.User{Name: "li", Role: auth.Operator, Region: upCounty})
	var confirm []string
	for _, u := range []struct {
		h    http.Handler
		file string
	}{{wang, csvPath}, {li, xlsxPath}} {
		rec := postFiles(t, u.h, "/upload", []string{u.file}, nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d: %s", rec.Code, rec.Body)
		}
		confirm = append(confirm, rec.Header().Get("Location")+"/confirm")
	}
	// Another operator cannot see or confirm wang's upload.
	if rec := postForm(t, li, confirm[0], nil); rec.Code != http.StatusNotFound {
		t.Errorf("li confirming wang's upload = %d", rec.Code)
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	start := make(chan struct{})
	for i, h := range []http.Handler{wang, li} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = postForm(t, h, confirm[i], nil).Code
		}()
	}
	close(start)
	wg.Wait()
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
		t.Fatalf("confirms = %v", codes)
	}
	if got := ledger(t, st); got["登记.csv"] != "wang" || got["任务.xlsx"] != "li" {
		t.Errorf("published ledger: %v", got)
	}
	if len(staging(t, st)) != 0 {
		t.Errorf("confirmed uploads stay: %v", staging(t, st))
	}
}

// TestUploadTooLargeIsRefused: a body over the limit is refused with the
// limit named, nothing staged.
func TestUploadTooLargeIsRefused(t *testing.T) {
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{UploadMaxBytes: 2000})
	path := filepath.Join(t.TempDir(), "大.csv")
	registrationsCSV(t, path, upCounty, 60, 0)
	op := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})
	rec := postFiles(t, op, "/api/v1/check", []string{path}, nil)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "2000 bytes") {
		t.Errorf("= %d: %s", rec.Code, rec.Body)
	}
	if len(staging(t, st)) != 0 {
		t.Errorf("staging %v", staging(t, st))
	}
}

// previewFile is one file's counts as the preview page shows them.
type previewFile struct {
	File     string `json:"file"`
	Sheet    string `json:"sheet"`
	Status   string `json:"status"`
	Read     int    `json:"read,string"`
	Accepted int    `json:"accepted,string"`
	Rejected int    `json:"rejected,string"`
	Flagged  int    `json:"flagged,string"`
}

const readPreview = `Array.from(document.querySelectorAll('section.upload-file')).map(function (s) {
	return {file: s.dataset.file, sheet: s.dataset.sheet, status: s.dataset.status, read: s.dataset.read,
		accepted: s.dataset.accepted, rejected: s.dataset.rejected, flagged: s.dataset.flagged};
})`

// TestUploadInTheBrowser drives the upload page in headless chromium: an
// operator signs in, picks a GB18030 CSV and an XLSX, sees per file the
// counts enlist check gives for the same files, cancels (the warehouse
// and its published copy unchanged, byte for byte, nothing staged), then
// uploads again and confirms: the ledger holds both files under the
// operator's name. No raw name or identity number is on the page; any
// console error, CSP violation or request elsewhere fails it.
func TestUploadInTheBrowser(t *testing.T) {
	if why := browsertest.Missing(t); why != "" {
		t.Skip(why)
	}
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	if err := s.acc.Add("wang", auth.Operator, upCounty, testPassword); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "登记.csv"), filepath.Join(dir, "任务.xlsx")
	registrationsCSV(t, csvPath, upCounty, 5, 0)
	quotasXLSX(t, xlsxPath)
	want := libraryCheck(t, st, []string{csvPath, xlsxPath})
	before := sums(t, st)
	srv := httptest.NewServer(s)
	defer srv.Close()

	var preview []previewFile
	var pageText, flash, afterCancel string
	var stagedAfterCancel []string
	var loadedBy []string
	upload := []chromedp.Action{
		chromedp.WaitVisible(`#upload-files`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#upload-files`, []string{csvPath, xlsxPath}, chromedp.ByQuery),
		chromedp.Click(`#upload-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#upload-confirm`, chromedp.ByQuery),
	}
	actions := []chromedp.Action{
		chromedp.Navigate(srv.URL + "/upload"),
		chromedp.WaitVisible(`#name`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "wang", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, testPassword, chromedp.ByQuery),
		// The login form returns to /upload.
		chromedp.Submit(`#password`, chromedp.ByQuery),
	}
	actions = append(actions, upload...)
	actions = append(actions,
		chromedp.Evaluate(readPreview, &preview),
		chromedp.Evaluate(`document.body.innerText`, &pageText),
		chromedp.Click(`#upload-cancel`, chromedp.ByQuery),
		chromedp.WaitVisible(`#flash`, chromedp.ByQuery),
		chromedp.Text(`#flash`, &flash, chromedp.ByQuery),
		chromedp.ActionFunc(func(context.Context) error {
			afterCancel, stagedAfterCancel = sums(t, st), staging(t, st)
			return nil
		}),
		chromedp.Navigate(srv.URL+"/upload"),
	)
	actions = append(actions, upload...)
	actions = append(actions,
		chromedp.Click(`#upload-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(`#upload-loads`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('tr.load')).map(function (r) { return r.dataset.file + ' ' + r.dataset.loadedBy; })`, &loadedBy),
	)
	// Each step is logged, so a step that hangs is named.
	var logged []chromedp.Action
	for i, a := range actions {
		logged = append(logged, chromedp.ActionFunc(func(context.Context) error { t.Logf("step %d", i); return nil }), a)
	}
	problems, err := browsertest.Site(t, srv.URL, browsertest.Options{LogWarnings: true, Timeout: 3 * time.Minute}, logged...)
	if err != nil {
		t.Fatalf("%v (problems so far: %v)", err, problems)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(preview) != len(want) {
		t.Fatalf("the preview shows %d files, enlist check %d: %+v", len(preview), len(want), preview)
	}
	for _, p := range preview {
		w, ok := want[p.File+"|"+p.Sheet]
		if !ok {
			t.Errorf("the preview shows %q sheet %q, which enlist check does not", p.File, p.Sheet)
			continue
		}
		if p.Status != w.Status || p.Read != w.Read || p.Accepted != w.Accepted || p.Rejected != w.Rejected || p.Flagged != w.Flagged {
			t.Errorf("%s: the page shows %+v; enlist check: %s, %d read, %d accepted, %d rejected, %d flagged",
				p.File, p, w.Status, w.Read, w.Accepted, w.Rejected, w.Flagged)
		}
	}
	if w := want["登记.csv|"]; w.Read != 7 || w.Rejected != 2 {
		t.Errorf("enlist check of 登记.csv: %d read, %d rejected; want 7 and 2", w.Read, w.Rejected)
	}
	for _, must := range []string{"兵役登记", "推测", "bad_id_check", upCounty} {
		if !strings.Contains(pageText, must) {
			t.Errorf("the preview does not show %q", must)
		}
	}
	for _, raw := range []string{"张0", "李四", "王五", idnum.Make(upCounty, time.Date(2005, 3, 1, 0, 0, 0, 0, time.UTC), 0)} {
		if strings.Contains(pageText, raw) {
			t.Errorf("the preview shows the raw value %q", raw)
		}
	}
	if !strings.Contains(flash, "已取消") {
		t.Errorf("after cancel: %q", flash)
	}
	if afterCancel != before || len(stagedAfterCancel) != 0 {
		t.Errorf("cancel left something: %s (before %s), staging %v", afterCancel, before, stagedAfterCancel)
	}
	if strings.Join(loadedBy, ";") != "登记.csv wang;任务.xlsx wang" && strings.Join(loadedBy, ";") != "任务.xlsx wang;登记.csv wang" {
		t.Errorf("the confirmed page lists %v", loadedBy)
	}
	if got := ledger(t, st); got["登记.csv"] != "wang" || got["任务.xlsx"] != "wang" || len(got) != 2 {
		t.Errorf("published ledger: %v", got)
	}
}

// TestUploadRecheckAndCrossSite: the options set on the preview are those
// of the command line and check again (a wrong --kind refuses the file, no
// --kind detects it again); a region outside the account's is refused
// without losing the upload; a cross-site POST is refused and stores
// nothing; another operator does not see the upload.
func TestUploadRecheckAndCrossSite(t *testing.T) {
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	path := filepath.Join(t.TempDir(), "登记.csv")
	registrationsCSV(t, path, upCounty, 3, 0)
	op := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})

	body, ctype := multipartBody(t, []string{path}, nil)
	req := httptest.NewRequest("POST", "/upload", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := serve(op, req); rec.Code != http.StatusForbidden || len(staging(t, st)) != 0 {
		t.Errorf("cross-site upload = %d, staging %v", rec.Code, staging(t, st))
	}

	rec := postFiles(t, op, "/upload", []string{path}, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("upload = %d: %s", rec.Code, rec.Body)
	}
	page := rec.Header().Get("Location")
	status := func() string {
		t.Helper()
		rec := get(t, op, "GET", page)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", page, rec.Code, rec.Body)
		}
		i := strings.Index(rec.Body.String(), `data-status="`)
		if i < 0 {
			t.Fatalf("no file on the preview: %s", rec.Body)
		}
		rest := rec.Body.String()[i+len(`data-status="`):]
		return rest[:strings.IndexByte(rest, '"')]
	}
	if got := status(); got != "would_load" {
		t.Errorf("first check: %s", got)
	}
	for _, c := range []struct {
		form url.Values
		code int
		want string
	}{
		{url.Values{"kind": {"quotas"}}, http.StatusSeeOther, "refused"},
		{url.Values{"kind": {""}, "year": {"2025"}, "map": {"应征青年身份证号码=id_number"}}, http.StatusSeeOther, "would_load"},
		{url.Values{"region": {upSibling}}, http.StatusForbidden, "would_load"},
		{url.Values{"season": {"3"}}, http.StatusBadRequest, "would_load"},
	} {
		rec := postForm(t, op, page+"/check", c.form)
		if rec.Code != c.code {
			t.Errorf("re-check %v = %d, want %d: %.300s", c.form, rec.Code, c.code, rec.Body)
		}
		if got := status(); got != c.want {
			t.Errorf("after re-check %v: %s, want %s", c.form, got, c.want)
		}
	}
	li := s.as(t, auth.User{Name: "li", Role: auth.Operator, Region: upCounty})
	if rec := get(t, li, "GET", page); rec.Code != http.StatusNotFound {
		t.Errorf("another operator's GET = %d", rec.Code)
	}
	if rec := postForm(t, op, page+"/cancel", nil); rec.Code != http.StatusSeeOther || len(staging(t, st)) != 0 {
		t.Errorf("cancel = %d, staging %v", rec.Code, staging(t, st))
	}
}

// TestUploadLegacyWorkbook: a county office whose system still saves Excel
// 97-2003 workbooks (.xls) sends one through the console. The check and the
// load read it as enlist check and enlist ingest do (through LibreOffice),
// the ledger names the file as sent, and no converted copy stays behind.
func TestUploadLegacyWorkbook(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed")
	}
	st := uploadSite(t)
	s := newUploadServer(t, st, Config{})
	dir := t.TempDir()
	book := filepath.Join(dir, "任务.xlsx")
	quotasXLSX(t, book)
	// Made as an office would: LibreOffice saving the workbook in the old
	// form; a hung soffice (and its soffice.bin) is killed, as the reader
	// kills one, rather than holding the package's tests to their timeout.
	ctx, cancel := context.WithTimeout(context.Background(), read.ConvertTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xls", "--outdir", dir, book)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to xls: %v\n%s", err, out)
	}
	xls := filepath.Join(dir, "任务.xls")
	want := libraryCheck(t, st, []string{xls})
	// A workbook names its sheet (LibreOffice keeps excelize's Sheet1).
	w, ok := want["任务.xls|Sheet1"]
	if len(want) != 1 || !ok || w.Accepted != 2 || w.Rejected != 1 {
		t.Fatalf("enlist check of the .xls: %+v", want)
	}
	op := s.as(t, auth.User{Name: "wang", Role: auth.Operator, Region: upCounty})
	rec := postFiles(t, op, "/api/v1/check", []string{xls}, nil)
	var got jobs.CheckReport
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Files) != 1 {
		t.Fatalf("check of the .xls = %d: %s", rec.Code, rec.Body)
	}
	if f := got.Files[0]; f.File != "任务.xls" || f.Sheet != "Sheet1" || f.Accepted != w.Accepted || f.Rejected != w.Rejected {
		t.Errorf("the API's check of the .xls: %+v; enlist check says %+v", f, w)
	}
	rec = postFiles(t, op, "/api/v1/ingest", []string{xls}, nil)
	var ans ingestAnswer
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ans) != nil || len(ans.Loads) != 1 {
		t.Fatalf("ingest of the .xls = %d: %s", rec.Code, rec.Body)
	}
	if l := ans.Loads[0]; l.File != "任务.xls" || l.Status != "loaded" || int(l.RowsAccepted) != w.Accepted || int(l.RowsRejected) != w.Rejected {
		t.Errorf("load of the .xls: %+v; the check said %d accepted, %d rejected", l, w.Accepted, w.Rejected)
	}
	if got := ledger(t, st); got["任务.xls"] != "wang" {
		t.Errorf("published ledger: %v", got)
	}
	if left := staging(t, st); len(left) != 0 {
		t.Errorf("the upload or its converted copy stays: %v", left)
	}
}

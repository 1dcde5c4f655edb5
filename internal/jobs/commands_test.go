package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/internal/config"
	"enlist/internal/idnum"
	"enlist/internal/metrics"
	"enlist/internal/secret"
	"enlist/internal/site"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
)

// A site with a fresh warehouse and its secret, in a temporary folder.
func testSite(t *testing.T) *site.Site {
	t.Helper()
	t.Setenv(secret.EnvVar, "")
	t.Setenv("ENLIST_SECRET_FILE", "")
	s := &site.Site{DB: filepath.Join(t.TempDir(), "w.duckdb"), Limits: config.Resources{Threads: 1}}
	if _, err := s.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// enlist ingest, then enlist withdraw, as whole steps: the files that load
// are committed and published even when another is refused; a withdrawal
// is published too.
func TestIngestPublishWithdraw(t *testing.T) {
	ctx := context.Background()
	s := testSite(t)
	dir := filepath.Dir(s.DB)
	quotas := filepath.Join(dir, "q.csv")
	if err := os.WriteFile(quotas, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.csv")
	if err := os.WriteFile(junk, []byte("甲,乙\n1,2\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	in, err := IngestAndPublish(ctx, s, []string{quotas, junk}, load.Options{}, func(string, int) {}, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Results) != 1 || in.Results[0].Accepted != 2 || in.Refused == nil || !strings.Contains(in.Refused.Error(), "junk.csv") {
		t.Fatalf("ingest: %+v refused %v", in.Results, in.Refused)
	}
	published := func() int {
		wh, err := s.OpenReader(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		var n int
		if err := wh.DB().QueryRowContext(ctx, `SELECT count(*) FROM quotas`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := published(); n != 2 {
		t.Fatalf("published quotas after ingest: %d, want 2", n)
	}
	w, err := Withdraw(ctx, s, in.Results[0].LoadID, "tester", "wrong warehouse")
	if err != nil || w.Rows != 2 {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if n := published(); n != 0 {
		t.Fatalf("published quotas after withdrawal: %d, want 0", n)
	}

	// A mistyped warehouse is named as such, before any secret is read.
	missing := s.At(filepath.Join(dir, "nosuch.duckdb"))
	if _, err := IngestAndPublish(ctx, missing, []string{quotas}, load.Options{}, nil, nil); err == nil || !strings.Contains(err.Error(), "no warehouse at") {
		t.Errorf("missing warehouse: %v", err)
	}
	if _, err := Rollup(ctx, missing, []string{dir}, nil, nil); err == nil || !strings.Contains(err.Error(), "check --into") {
		t.Errorf("rollup into a missing warehouse: %v", err)
	}
}

func TestGenerateRefusesANonProvince(t *testing.T) {
	s := &site.Site{DB: filepath.Join(t.TempDir(), "w.duckdb")}
	for _, code := range []string{"4101", "99", ""} {
		_, err := Generate(context.Background(), s, synth.Options{Province: code, Year: 2025, Registrations: 10, Out: t.TempDir()}, nil)
		if !errors.Is(err, ErrNotProvince) {
			t.Errorf("province %q: %v", code, err)
		}
	}
}

// The demo's summary: results summed by kind, in kind order, with the
// files found already loaded apart.
func TestTotalsByKind(t *testing.T) {
	results := []load.Result{
		{Kind: mapping.Registrations, Read: 10, Accepted: 9, Rejected: 1, Flagged: 2, Duration: time.Second},
		{Kind: mapping.Quotas, Read: 3, Accepted: 3},
		{Kind: mapping.Registrations, Read: 5, Accepted: 5, Duration: time.Second},
		{Kind: mapping.Quotas, Status: "already_loaded"},
	}
	byKind, all := TotalsByKind(results)
	var got []string
	for _, k := range append(byKind, all) {
		got = append(got, strings.Join([]string{k.Kind, strconv.Itoa(k.Files), strconv.Itoa(k.Read), strconv.Itoa(k.Accepted), strconv.Itoa(k.Rejected), strconv.Itoa(k.Flagged), k.Took.String()}, " "))
	}
	want := []string{"(already loaded) 1 0 0 0 0 0s", "quotas 1 3 3 0 0 0s", "registrations 2 15 14 1 2 2s", "total 4 18 17 1 2 2s"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("totals\n got %q\nwant %q", got, want)
	}
}

func TestParseVar(t *testing.T) {
	v, err := ParseVar("as_of=2025-03-05")
	if err != nil || v.Name != "as_of" || v.Value != "2025-03-05" {
		t.Errorf("as_of: %+v %v", v, err)
	}
	if v, err := ParseVar("note=a=b"); err != nil || v.Value != "a=b" {
		t.Errorf("value with '=': %+v %v", v, err)
	}
	for _, bad := range []string{"as_of", "1x=2", "=3"} {
		if _, err := ParseVar(bad); err == nil || !strings.Contains(err.Error(), "want NAME=VALUE") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// enlist metrics and report read a period the same way, and the latest
// season with data standing in is both told and logged.
func TestReadMetricsTellsThePeriod(t *testing.T) {
	ctx := context.Background()
	s := testSite(t)
	quotas := filepath.Join(filepath.Dir(s.DB), "q.csv")
	if err := os.WriteFile(quotas, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := IngestAndPublish(ctx, s, []string{quotas}, load.Options{}, func(string, int) {}, func(string) {}); err != nil {
		t.Fatal(err)
	}
	q, err := metrics.ParseQuery("4101", "2025-09-30", 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	q.Depth = 1
	var told metrics.Query
	frame, err := ReadMetrics(ctx, s, q, false, func(r metrics.Query) { told = r })
	if err != nil {
		t.Fatal(err)
	}
	if told.Year != 2025 || told.Season != 1 || told.Named != (metrics.Season{Year: 2025, Season: 2}) {
		t.Errorf("told %+v; want 2025 season 1 standing in for season 2", told)
	}
	col := slices.Index(frame.Columns, "region_code")
	codes := map[any]bool{}
	for _, r := range frame.Rows {
		codes[r[col]] = true
	}
	if !codes["4101"] || !codes["410102"] || !codes["410103"] {
		t.Errorf("region codes %v; want the city and its counties", codes)
	}
}

// An ingest and a withdrawal keep the warnings between files of the
// seasons they change (warehouse.KeepSeasonWarnings) before publishing, so
// the published copy's bulletin reads them rather than computing them.
func TestIngestKeepsTheWarningsBetweenFiles(t *testing.T) {
	ctx := context.Background()
	s := testSite(t)
	dir := filepath.Dir(s.DB)
	born := time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC)
	registered, orphan := idnum.Make("410102", born, 101), idnum.Make("410103", born, 103)
	write := func(name, text string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
		return path
	}
	reg := write("reg.csv", "身份证号,区划代码,登记日期,是否应征报名,文化程度,学业状态,年度,季度\n"+
		registered+",410102001,2025-01-05,是,高中,非学生,2025,上半年\n")
	exams := write("exams.csv", "身份证号,检查类型,检查日期,结论\n"+
		registered+",体检,2025-02-10,合格\n"+orphan+",体检,2025-02-11,合格\n")
	in, err := IngestAndPublish(ctx, s, []string{reg, exams}, load.Options{}, func(string, int) {}, func(string) {})
	if err != nil || in.Refused != nil || len(in.Results) != 2 {
		t.Fatalf("ingest: %+v %v %v", in.Results, in.Refused, err)
	}
	orphans := func(when string) int {
		t.Helper()
		wh, err := s.OpenReader(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		kept, err := warehouse.SeasonWarningsKept(ctx, wh.DB(), 2025, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !kept {
			t.Errorf("%s: the published copy has no current warnings kept for 2025 season 1", when)
		}
		var n int
		if err := wh.DB().QueryRowContext(ctx, `SELECT count(*) FROM season_warnings WHERE flag = 'orphan'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := orphans("after the ingest"); n != 1 {
		t.Errorf("after the ingest: %d orphans kept, want 1", n)
	}
	var regLoad int64
	for _, r := range in.Results {
		if r.Kind == mapping.Registrations {
			regLoad = r.LoadID
		}
	}
	if _, err := Withdraw(ctx, s, regLoad, "tester", "wrong roll"); err != nil {
		t.Fatal(err)
	}
	if n := orphans("after the roll's withdrawal"); n != 2 {
		t.Errorf("after the roll's withdrawal: %d orphans kept, want 2 (both exams)", n)
	}
}

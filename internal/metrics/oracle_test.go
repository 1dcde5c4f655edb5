package metrics_test

// An independent oracle for the metrics view. It reads the generated
// extract files itself (encoding/csv, the literal Chinese headers and values
// the generator writes) and recomputes every SPEC §7 figure in plain Go from
// the rules in sql/README.md ("How the metrics count"), sharing no code with
// the pipeline it checks: not the header mapping, not the value vocabulary,
// not the validation, not the SQL. Identity numbers are read into memory
// only to join a person's rows across files; they are never printed.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/internal/config"
	"enlist/internal/idnum"
	"enlist/internal/metrics"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/synth"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

const (
	oracleYear     = 2025
	oracleProvince = "41"
	maxMismatches  = 40
)

// TestMetricsMatchGoOracle generates a clean province, loads it into a real
// warehouse, and compares every region row of metrics.Read (province, cities,
// counties, towns) with the oracle, for both seasons and several as-of dates
// spread over the year's stages.
func TestMetricsMatchGoOracle(t *testing.T) {
	ctx := context.Background()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "extracts")
	m, err := synth.Generate(ctx, synth.Options{
		Province: oracleProvince, Year: oracleYear, Registrations: 5000, Seed: 20250305, Messy: 0, Out: out,
	}, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := readExtracts(t, out, m, addEdgeCases(t, out, tab))

	t.Setenv(secret.EnvVar, "oracle-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	loader, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	results, err := loader.LoadPaths(ctx, []string{out}, load.Options{})
	if err != nil {
		t.Fatalf("refused files: %v", err)
	}
	if len(results) != len(m.Files) {
		t.Fatalf("loaded %d files, the generator wrote %d", len(results), len(m.Files))
	}
	for _, r := range results {
		if r.Status != "loaded" || r.Rejected != 0 || len(r.Replaced) != 0 {
			// A clean province loads whole; otherwise the oracle, which keeps
			// every row, would be comparing different data.
			t.Fatalf("%s: status %s, %d rejected (%v), replaced %v", r.File, r.Status, r.Rejected, r.Reasons, r.Replaced)
		}
	}

	o := newOracle(ex, tab, cfg)
	// The stages of the two seasons (synth/season.go): spring registers
	// 01-05..02-20, examines 02-10..03-08, approves 03-01..03-10, hands over
	// by 03-15 and returns within about 90 days; summer-autumn registers
	// 04-01..07-31, examines 07-10..08-25, approves 08-20..09-05. Veterans
	// are discharged in March and September. Each date is read for both
	// seasons, so each season is also seen before it starts and long after.
	dates := []string{
		"2025-01-20", // spring registration under way
		"2025-02-22", // spring exams under way
		"2025-03-12", // spring approvals done, handover under way
		"2025-06-30", // end of spring: returns, veterans' subsidies due
		"2025-08-05", // autumn registration closed, exams under way
		"2025-09-10", // autumn approvals done
		"2025-12-31", // end of the year
	}
	var mm mismatches
	checked := 0
	for _, ds := range dates {
		asOf, _ := time.Parse(time.DateOnly, ds)
		for season := 1; season <= 2; season++ {
			frame, err := metrics.Read(ctx, wh, metrics.Query{Scope: oracleProvince, Year: oracleYear, Season: season, AsOf: asOf, Depth: 3})
			if err != nil {
				t.Fatalf("metrics.Read season %d as of %s: %v", season, ds, err)
			}
			want := o.report(season, asOf)
			checked += compareFrame(&mm, fmt.Sprintf("s%d@%s", season, ds), want, frame)
		}
	}
	if checked == 0 {
		t.Fatal("no region rows compared")
	}
	if len(mm.missing) > 0 {
		missing := make([]string, 0, len(mm.missing))
		for col := range mm.missing {
			missing = append(missing, col)
		}
		sort.Strings(missing)
		// README: every count and rate has a *_change column.
		t.Errorf("columns missing from the metrics view: %s", strings.Join(missing, ", "))
	}
	if len(mm.lines) > 0 {
		more := ""
		if mm.n > len(mm.lines) {
			more = fmt.Sprintf("\n… and %d more", mm.n-len(mm.lines))
		}
		t.Errorf("metrics view disagrees with the Go oracle in %d values (%d region rows compared):\n%s%s",
			mm.n, checked, strings.Join(mm.lines, "\n"), more)
	}
	// The universities' figures (sql/models/56x_school_*.sql) on the same data.
	checkSchoolsAgainstOracle(t, wh, o, dates)
	// The data must reach every part of the definitions, or the comparison
	// proves little.
	o.requireCoverage(t)
}

// ---- reading the extracts ----

// order is where a row was delivered: the position of its file in load
// order within its kind, then its row. The loader loads a folder's files
// of one kind in path order, each with a new load id.
type order struct{ file, row int }

func (a order) less(b order) bool {
	if a.file != b.file {
		return a.file < b.file
	}
	return a.row < b.row
}

type regRow struct {
	id, region         string
	on                 time.Time
	edu, status, major string
	female, minority   bool
	school             string // 院校 as the file writes it
	applied            bool
	year, season       int
	ord                order
}

type examRow struct {
	id, typ      string
	on           time.Time
	pass         bool
	year, season int
	ord          order
}

type apprRow struct {
	id                 string
	year, season       int
	approved, returned time.Time // returned zero when not returned
	responsible        bool
	ord                order
}

type quotaRow struct {
	year, season      int
	region            string
	female            bool // a 女兵 row
	quota             int64
	college, graduate *float64
	ord               order
}

type vetRow struct {
	id, region               string
	discharged, placed, paid time.Time // placed, paid zero when empty
	plan                     string
	ord                      order
}

type extracts struct {
	regs   []regRow
	exams  []examRow
	apprs  []apprRow
	quotas []quotaRow
	vets   []vetRow
	// schools is the university list (oracle_schools_test.go).
	schools []schoolListRow
}

// csvFile is one extract: its rows addressed by the literal header texts.
type csvFile struct {
	path string
	col  map[string]int
	rows [][]string
}

func (f *csvFile) get(t *testing.T, row []string, header string) string {
	t.Helper()
	i, ok := f.col[header]
	if !ok {
		t.Fatalf("%s: no column %q", f.path, header)
	}
	return strings.TrimSpace(row[i])
}

func readCSVFile(t *testing.T, path string) *csvFile {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	f := &csvFile{path: path, col: map[string]int{}}
	for i, h := range header {
		f.col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		f.rows = append(f.rows, rec)
	}
	return f
}

// readExtracts reads every file the generator listed. The manifest gives a
// file's kind and, for exam files (which carry no year or season column),
// its exam type, year and season: that is what the generator meant the rows
// to be.
func readExtracts(t *testing.T, out string, m synth.Manifest, added map[string]int) *extracts {
	t.Helper()
	files := append([]synth.File(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	ex := &extracts{}
	fileNo := map[string]int{}
	for _, mf := range files {
		if mf.Format != "csv" || mf.Encoding != "utf-8" {
			t.Fatalf("%s: %s %s; the oracle reads clean UTF-8 CSV only", mf.Path, mf.Format, mf.Encoding)
		}
		f := readCSVFile(t, filepath.Join(out, filepath.FromSlash(mf.Path)))
		if want := mf.Rows + added[mf.Path]; len(f.rows) != want {
			t.Fatalf("%s: %d rows, want %d", mf.Path, len(f.rows), want)
		}
		n := fileNo[mf.Kind]
		fileNo[mf.Kind]++
		for i, row := range f.rows {
			ord := order{n, i}
			switch mf.Kind {
			case "registrations":
				r := regRow{
					id:      personID(t, f, f.get(t, row, "身份证号")),
					region:  f.get(t, row, "区划代码"),
					on:      date(t, f, f.get(t, row, "登记日期")),
					edu:     f.get(t, row, "文化程度"),
					status:  f.get(t, row, "学业状态"),
					major:   f.get(t, row, "专业类别"),
					school:  f.get(t, row, "毕业院校"),
					applied: yesNo(t, f, f.get(t, row, "是否报名")),
					female:  female(t, f, f.get(t, row, "性别"), f.get(t, row, "身份证号")),
					// Every spelling a clean extract writes is an official
					// name: any but 汉族 is a minority.
					minority: f.get(t, row, "民族") != "" && f.get(t, row, "民族") != "汉族",
					year:     integer(t, f, f.get(t, row, "年度")),
					season:   season(t, f, f.get(t, row, "批次")),
					ord:      ord,
				}
				if !collegeEducation[r.edu] && !otherEducation[r.edu] ||
					!graduatedStatus[r.status] && !otherStatus[r.status] ||
					!stemMajor[r.major] && !otherMajor[r.major] {
					t.Fatalf("%s row %d: education, student status or major the oracle does not know: %q %q %q",
						mf.Path, i+1, r.edu, r.status, r.major)
				}
				if r.id == "" {
					continue
				}
				ex.regs = append(ex.regs, r)
			case "exams":
				typ := map[string]string{"体检": "physical", "政考": "political", "役前教育": "pretraining"}[f.get(t, row, "检查类型")]
				if typ != mf.ExamType {
					t.Fatalf("%s row %d: exam type %q in a %s file", mf.Path, i+1, f.get(t, row, "检查类型"), mf.ExamType)
				}
				var pass bool
				switch v := f.get(t, row, "结论"); v {
				case "合格":
					pass = true
				case "不合格":
				default:
					t.Fatalf("%s row %d: result %q", mf.Path, i+1, v)
				}
				r := examRow{
					id: personID(t, f, f.get(t, row, "身份证号")), typ: typ,
					on: date(t, f, f.get(t, row, "检查日期")), pass: pass,
					year: mf.Year, season: mf.Season, ord: ord,
				}
				if r.id == "" {
					continue
				}
				ex.exams = append(ex.exams, r)
			case "approvals":
				r := apprRow{
					id:       personID(t, f, f.get(t, row, "身份证号")),
					year:     integer(t, f, f.get(t, row, "年度")),
					season:   season(t, f, f.get(t, row, "批次")),
					approved: date(t, f, f.get(t, row, "批准入伍日期")),
					returned: optDate(t, f, f.get(t, row, "退兵日期")),
					ord:      ord,
				}
				switch v := f.get(t, row, "是否有责"); v {
				case "有责":
					r.responsible = true
				case "无责", "":
				default:
					t.Fatalf("%s row %d: responsibility %q", mf.Path, i+1, v)
				}
				if r.id == "" {
					continue
				}
				ex.apprs = append(ex.apprs, r)
			case "quotas":
				q, err := strconv.ParseInt(f.get(t, row, "征集任务数"), 10, 64)
				if err != nil {
					t.Fatalf("%s row %d: quota: %v", mf.Path, i+1, err)
				}
				ex.quotas = append(ex.quotas, quotaRow{
					year:     integer(t, f, f.get(t, row, "年度")),
					season:   season(t, f, f.get(t, row, "批次")),
					region:   f.get(t, row, "区划代码"),
					female:   quotaTrack(t, f, f.get(t, row, "征集类别")),
					quota:    q,
					college:  optRatio(t, f, f.get(t, row, "大学生比例目标")),
					graduate: optRatio(t, f, f.get(t, row, "大学毕业生比例目标")),
					ord:      ord,
				})
			case "resettlement":
				plan, ok := map[string]string{
					"自主就业": "self_employed", "安排工作": "assigned_job", "退休": "retired",
					"供养": "supported", "逐月领取退役金": "other",
				}[f.get(t, row, "安置方式")]
				if !ok {
					t.Fatalf("%s row %d: plan %q", mf.Path, i+1, f.get(t, row, "安置方式"))
				}
				r := vetRow{
					id:         personID(t, f, f.get(t, row, "身份证号")),
					region:     f.get(t, row, "安置地区划代码"),
					discharged: date(t, f, f.get(t, row, "退役日期")),
					placed:     optDate(t, f, f.get(t, row, "安置日期")),
					paid:       optDate(t, f, f.get(t, row, "补助发放日期")),
					plan:       plan,
					ord:        ord,
				}
				if r.id == "" {
					continue
				}
				ex.vets = append(ex.vets, r)
			case "schools":
				ex.schools = append(ex.schools, readSchoolListRow(t, f, row))
			default:
				t.Fatalf("%s: unexpected kind %s", mf.Path, mf.Kind)
			}
		}
	}
	return ex
}

// addEdgeCases changes the generated files so the comparison also reaches
// the rules a clean province never exercises, and returns the rows added
// (or removed) per file.
//
// P's second city is deliberately one whose files load after P's first
// city's: the loader takes an exam or approval file's scope from its people's
// registrations, so P widens the scope of 4101's exam and approval files to
// the whole province. Loaded after 4102's, those files would replace 4102's
// snapshots; loaded first (path order), they replace nothing.
//
//   - P, approved in spring in 4101 (registered by 01-20), registers again
//     on 02-21 in a town of 4102, as a 本科 往届毕业生 in 工学 who did not
//     apply: from 02-21 P counts in 4102 with that education, still applied
//     (any registration says so), with the exams and approval delivered by
//     4101.
//   - Q, approved in autumn in 4103, has a second row in the same file, same
//     date, in a town of another county: the later row is the latest.
//   - R, approved in spring in 4106, fails a political re-review on 03-06:
//     from then R is not political-passed nor double qualified, still approved.
//   - P2, approved in spring in 4105, has an autumn physical (07-20) and an
//     autumn approval (08-25) but no autumn registration: orphans, counted
//     nowhere in season 2.
//   - O, registered nowhere, passes both exams and is approved and returned
//     (有责) in spring in 4101: counted nowhere.
//   - Veterans placed by 410102: subsidies paid exactly on the 90th day and
//     on the 91st, a discharge on 06-30 (season 1) and on 07-01 (season 2),
//     a placement on an as-of date.
//   - Quotas: no province row in season 2 but a row for the city 4103 (its
//     own quota, no college target, a graduate target), so the province sums
//     the 4103 row and the counties outside 4103; a town row under a county
//     with its own row in season 1; a female (女兵) row for the city 4102 in
//     season 1, above its counties' own, so all its women count against it.
func addEdgeCases(t *testing.T, out string, tab *regions.Table) map[string]int {
	t.Helper()
	added := map[string]int{}
	open := func(rel string) *csvFile { return readCSVFile(t, filepath.Join(out, filepath.FromSlash(rel))) }
	appendRows := func(rel string, rows ...[]string) {
		t.Helper()
		fh, err := os.OpenFile(filepath.Join(out, filepath.FromSlash(rel)), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(fh)
		if err := w.WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
		added[rel] += len(rows)
	}
	// with copies row and sets columns by their header text.
	with := func(f *csvFile, row []string, set map[string]string) []string {
		t.Helper()
		r := append([]string(nil), row...)
		if row == nil {
			r = make([]string, len(f.col))
		}
		for h, v := range set {
			i, ok := f.col[h]
			if !ok {
				t.Fatalf("%s: no column %q", f.path, h)
			}
			r[i] = v
		}
		return r
	}
	rowOf := func(f *csvFile, id string) []string {
		t.Helper()
		for _, r := range f.rows {
			if r[f.col["身份证号"]] == id {
				return r
			}
		}
		t.Fatalf("%s: person not found", f.path)
		return nil
	}
	// approvedWhere picks the first approved person of a file whose other
	// rows satisfy ok.
	approvedWhere := func(apprs *csvFile, ok func(id string, appr []string) bool) (string, []string) {
		t.Helper()
		for _, a := range apprs.rows {
			if id := a[apprs.col["身份证号"]]; ok(id, a) {
				return id, a
			}
		}
		t.Fatalf("%s: no approved person fits", apprs.path)
		return "", nil
	}

	// P.
	regs1 := open("registrations/4101_2025_s1.csv")
	regs2 := open("registrations/4102_2025_s1.csv")
	apprs1 := open("approvals/4101_2025_s1.csv")
	pID, _ := approvedWhere(apprs1, func(id string, a []string) bool {
		return a[apprs1.col["退兵日期"]] == "" && rowOf(regs1, id)[regs1.col["登记日期"]] <= "2025-01-20"
	})
	appendRows("registrations/4102_2025_s1.csv", with(regs1, rowOf(regs1, pID), map[string]string{
		"区划代码": regs2.rows[0][regs2.col["区划代码"]], "登记日期": "2025-02-21",
		"文化程度": "本科", "学业状态": "往届毕业生", "专业类别": "工学", "毕业院校": "河南大学", "是否报名": "否",
	}))

	// Q.
	regs3 := open("registrations/4103_2025_s2.csv")
	qID, _ := approvedWhere(open("approvals/4103_2025_s2.csv"), func(string, []string) bool { return true })
	qRow := rowOf(regs3, qID)
	other := ""
	for _, r := range regs3.rows {
		if town := r[regs3.col["区划代码"]]; town[:6] != qRow[regs3.col["区划代码"]][:6] {
			other = town
			break
		}
	}
	appendRows("registrations/4103_2025_s2.csv", with(regs3, qRow, map[string]string{"区划代码": other}))

	// R.
	pol := open("exams/4106_2025_s1_political.csv")
	rID, _ := approvedWhere(open("approvals/4106_2025_s1.csv"), func(id string, _ []string) bool {
		r := rowOf(pol, id)
		return r[pol.col["结论"]] == "合格" && r[pol.col["检查日期"]] <= "2025-02-22"
	})
	appendRows("exams/4106_2025_s1_political.csv", with(pol, rowOf(pol, rID), map[string]string{
		"检查日期": "2025-03-06", "结论": "不合格", "不合格原因": "有不良网络言行",
	}))

	// P2.
	phys5 := open("exams/4105_2025_s1_physical.csv")
	apprs5 := open("approvals/4105_2025_s1.csv")
	p2ID, p2Appr := approvedWhere(apprs5, func(string, []string) bool { return true })
	var p2Phys []string
	for _, r := range phys5.rows {
		if r[phys5.col["身份证号"]] == p2ID && r[phys5.col["结论"]] == "合格" {
			p2Phys = r
		}
	}
	if p2Phys == nil {
		t.Fatalf("%s: an approved person without a passed physical", phys5.path)
	}
	appendRows("exams/4105_2025_s2_physical.csv", with(phys5, p2Phys, map[string]string{"检查日期": "2025-07-20"}))
	appendRows("approvals/4105_2025_s2.csv", with(apprs5, p2Appr, map[string]string{
		"批次": "2", "批准入伍日期": "2025-08-25", "起运交接日期": "2025-09-06", "退兵日期": "", "退兵原因": "", "是否有责": "",
	}))

	// O. New people are born in 1990, before any number the generator
	// hands out, so no number is shared by accident.
	born := time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)
	oID := idnum.Make("410102", born, 1)
	phys1, pol1 := open("exams/4101_2025_s1_physical.csv"), open("exams/4101_2025_s1_political.csv")
	appendRows("exams/4101_2025_s1_physical.csv", with(phys1, nil, map[string]string{
		"身份证号": oID, "检查类型": "体检", "检查日期": "2025-02-15", "结论": "合格", "体检站": "中原区征兵体检站"}))
	appendRows("exams/4101_2025_s1_political.csv", with(pol1, nil, map[string]string{
		"身份证号": oID, "检查类型": "政考", "检查日期": "2025-02-20", "结论": "合格", "考核单位": "中原区征兵办公室"}))
	appendRows("approvals/4101_2025_s1.csv", with(apprs1, nil, map[string]string{
		"身份证号": oID, "年度": "2025", "批次": "1", "批准入伍日期": "2025-03-05", "军兵种": "陆军", "起运交接日期": "2025-03-11",
		"退兵日期": "2025-04-01", "退兵原因": "隐瞒病史", "是否有责": "有责"}))

	// Veterans.
	vets := open("resettlement/4101.csv")
	vet := func(seq int, discharged, plan, placed, paid string) []string {
		set := map[string]string{
			"身份证号": idnum.Make("410102", born.AddDate(0, 1, 0), seq), "安置地区划代码": "410102", "人员类别": "义务兵",
			"退役日期": discharged, "安置方式": plan, "安置日期": placed, "补助发放日期": paid,
		}
		if plan == "自主就业" {
			set["一次性经济补助金额"] = "40000"
		}
		if placed != "" {
			set["接收单位"], set["劳动合同年限"] = "中原区人民医院", "3"
		}
		return with(vets, nil, set)
	}
	appendRows("resettlement/4101.csv",
		vet(3, "2025-03-02", "自主就业", "", "2025-05-31"), // day 90: on time
		vet(5, "2025-03-02", "自主就业", "", "2025-06-01"), // day 91: late
		vet(7, "2025-09-01", "安排工作", "2025-09-10", ""),
		vet(9, "2025-06-30", "安排工作", "", ""),
		vet(11, "2025-07-01", "自主就业", "", "2025-07-20"),
	)

	// Quotas.
	const quotaFile = "quotas/41_2025.csv"
	qf := open(quotaFile)
	var rows [][]string
	for _, r := range qf.rows {
		if r[qf.col["年度"]] == "2025" && r[qf.col["批次"]] == "2" && r[qf.col["区划代码"]] == "41" {
			added[quotaFile]--
			continue
		}
		rows = append(rows, r)
	}
	for _, code := range []string{"4103", "410102001"} {
		if _, ok := tab.Lookup(code); !ok {
			t.Fatalf("region %s not in the built-in table", code)
		}
	}
	rows = append(rows,
		with(qf, nil, map[string]string{"年度": "2025", "批次": "2", "区划代码": "4103", "区划名称": tab.Name("4103"),
			"征集任务数": "7", "大学毕业生比例目标": "0.55"}),
		with(qf, nil, map[string]string{"年度": "2025", "批次": "1", "区划代码": "410102001", "区划名称": tab.Name("410102001"),
			"征集任务数": "3", "大学生比例目标": "0.9"}),
		// A city's own female quota: every woman of 4102 counts against
		// it, those of counties without a female row of their own too.
		with(qf, nil, map[string]string{"年度": "2025", "批次": "1", "区划代码": "4102", "区划名称": tab.Name("4102"),
			"征集类别": "女兵", "征集任务数": "2"}),
	)
	added[quotaFile] += 3
	header := make([]string, len(qf.col))
	for h, i := range qf.col {
		header[i] = h
	}
	fh, err := os.Create(filepath.Join(out, filepath.FromSlash(quotaFile)))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(fh)
	if err := w.WriteAll(append([][]string{header}, rows...)); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return added
}

// female reads 性别, else the identity number's 17th digit (even: female).
func female(t *testing.T, f *csvFile, gender, id string) bool {
	t.Helper()
	switch gender {
	case "女":
		return true
	case "男":
		return false
	case "":
		return len(id) == 18 && (id[16]-'0')%2 == 0
	}
	t.Fatalf("%s: gender %q", f.path, gender)
	return false
}

// quotaTrack reads 征集类别: 女兵 is the women's track, 男兵 or nothing the
// general one.
func quotaTrack(t *testing.T, f *csvFile, s string) bool {
	t.Helper()
	switch s {
	case "女兵":
		return true
	case "男兵", "":
		return false
	}
	t.Fatalf("%s: track %q", f.path, s)
	return false
}

// personID returns the identity number as the join key, or "" for a number
// whose check character fails (such a row is refused and counts nowhere).
// The number itself never reaches a message.
func personID(t *testing.T, f *csvFile, s string) string {
	t.Helper()
	s = strings.ToUpper(s)
	if len(s) != 18 {
		return ""
	}
	c, err := idnum.CheckChar(s[:17])
	if err != nil || c != s[17] {
		return ""
	}
	return s
}

func date(t *testing.T, f *csvFile, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("%s: date %q: %v", f.path, s, err)
	}
	return d
}

func optDate(t *testing.T, f *csvFile, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	return date(t, f, s)
}

func optRatio(t *testing.T, f *csvFile, s string) *float64 {
	t.Helper()
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: ratio %q: %v", f.path, s, err)
	}
	return &v
}

func integer(t *testing.T, f *csvFile, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s: number %q: %v", f.path, s, err)
	}
	return v
}

func season(t *testing.T, f *csvFile, s string) int {
	t.Helper()
	switch s {
	case "1":
		return 1
	case "2":
		return 2
	}
	t.Fatalf("%s: season %q", f.path, s)
	return 0
}

func yesNo(t *testing.T, f *csvFile, s string) bool {
	t.Helper()
	switch s {
	case "是":
		return true
	case "否":
		return false
	}
	t.Fatalf("%s: yes/no %q", f.path, s)
	return false
}

// The education, student-status and major spellings of a clean extract.
var (
	collegeEducation = map[string]bool{"大专": true, "本科": true, "硕士": true, "博士": true}
	otherEducation   = map[string]bool{"小学": true, "初中": true, "高中": true, "中专": true}
	graduatedStatus  = map[string]bool{"应届毕业生": true, "往届毕业生": true}
	otherStatus      = map[string]bool{"在校生": true, "非学生": true}
	// 理工类 by discipline (学科门类): science, engineering, and the
	// applied sciences agriculture and medicine (理工农医).
	stemMajor  = map[string]bool{"理学": true, "工学": true, "农学": true, "医学": true}
	otherMajor = map[string]bool{"": true, "经济学": true, "管理学": true, "法学": true, "文学": true,
		"教育学": true, "艺术学": true, "历史学": true, "哲学": true}
)

// ---- the oracle ----

// figures is one region row: the counts, and the values derived from them.
type figures struct {
	counts map[string]int64
	values map[string]*float64 // rates and other derived values; nil = NULL
	name   string
	level  int64
	parent *string
}

type oracle struct {
	ex       *extracts
	tab      *regions.Table
	cfg      config.Config
	coverage map[string]int
}

func newOracle(ex *extracts, tab *regions.Table, cfg config.Config) *oracle {
	return &oracle{ex: ex, tab: tab, cfg: cfg, coverage: map[string]int{}}
}

// countColumns are the counts, in the view's order.
var countColumns = []string{
	"quota", "registered", "applied", "physical_examined", "physical_passed",
	"political_reviewed", "political_passed", "double_qualified", "approved", "returned",
	"responsible_returned", "college_approved", "graduate_approved", "stem_approved",
	"placement_due", "placed", "self_employed", "subsidy_due", "subsidy_on_time",
	"female_quota", "female_registered", "female_applied", "female_double_qualified",
	"female_approved", "female_returned", "female_counted",
	"minority_registered", "minority_applied", "minority_approved",
}

// rateColumns are rates: numerator / denominator, NULL when the
// denominator is zero. quota_completion's numerator is approved − returned.
var rateColumns = []struct{ name, num, den string }{
	{"applied_to_quota", "applied", "quota"},
	{"physical_pass_rate", "physical_passed", "physical_examined"},
	{"political_pass_rate", "political_passed", "political_reviewed"},
	{"quota_completion", "", "quota"},
	{"college_ratio", "college_approved", "approved"},
	{"graduate_ratio", "graduate_approved", "approved"},
	{"stem_ratio", "stem_approved", "college_approved"},
	{"return_rate", "returned", "approved"},
	{"placement_rate", "placed", "placement_due"},
	{"subsidy_on_time_rate", "subsidy_on_time", "subsidy_due"},
	{"female_quota_completion", "female_counted", "female_quota"},
	{"minority_registered_share", "minority_registered", "registered"},
	{"minority_applied_share", "minority_applied", "applied"},
	{"minority_approved_share", "minority_approved", "approved"},
}

// levelLengths are the code lengths of the five levels.
var levelLengths = []int{2, 4, 6, 9, 12}

// prefixes lists code and its ancestors' codes.
func prefixes(code string) []string {
	var out []string
	for _, n := range levelLengths {
		if len(code) >= n {
			out = append(out, code[:n])
		}
	}
	return out
}

func inHalf(d time.Time, season int) bool {
	if season == 1 {
		return d.Month() <= time.June
	}
	return d.Month() > time.June
}

func notAfter(d, asOf time.Time) bool { return !d.IsZero() && !d.After(asOf) }

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// counts computes every count of every region with data, for one season as
// of a date, straight from the rows.
func (o *oracle) counts(season int, asOf time.Time, femaleRows map[string]quotaRow) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	add := func(code, col string, n int64) {
		for _, p := range prefixes(code) {
			if out[p] == nil {
				out[p] = map[string]int64{}
			}
			out[p][col] += n
		}
	}
	touch := func(code string) { add(code, "registered", 0) }

	// A person counts once, in the region of the latest registration on or
	// before as-of (by date, then delivery); applied when any says so.
	type person struct {
		latest  regRow
		applied bool
		n       int
	}
	people := map[string]*person{}
	for _, r := range o.ex.regs {
		if r.year != oracleYear || r.season != season || r.on.After(asOf) {
			continue
		}
		p := people[r.id]
		if p == nil {
			p = &person{latest: r}
			people[r.id] = p
		} else if r.on.After(p.latest.on) || (r.on.Equal(p.latest.on) && p.latest.ord.less(r.ord)) {
			p.latest = r
		}
		p.applied = p.applied || r.applied
		p.n++
	}
	// Latest exam result per person and type on or before as-of.
	type examKey struct{ id, typ string }
	latestExam := map[examKey]examRow{}
	for _, e := range o.ex.exams {
		if e.year != oracleYear || e.season != season || e.on.After(asOf) {
			continue
		}
		k := examKey{e.id, e.typ}
		if cur, ok := latestExam[k]; !ok || e.on.After(cur.on) || (e.on.Equal(cur.on) && cur.ord.less(e.ord)) {
			latestExam[k] = e
		}
	}
	// One approval per person and season: the latest delivered.
	latestAppr := map[string]apprRow{}
	for _, a := range o.ex.apprs {
		if a.year != oracleYear || a.season != season {
			continue
		}
		if cur, ok := latestAppr[a.id]; !ok || cur.ord.less(a.ord) {
			latestAppr[a.id] = a
		}
	}
	for id, p := range people {
		r := p.latest
		if p.n > 1 {
			o.coverage["person registered twice"]++
		}
		touch(r.region)
		add(r.region, "registered", 1)
		if p.applied {
			add(r.region, "applied", 1)
		}
		// Women and minorities by the same latest registration; a woman is
		// covered when a female row stands at her region or above it.
		covered := false
		for _, pre := range prefixes(r.region) {
			_, ok := femaleRows[pre]
			covered = covered || ok
		}
		fem := func(col string) {
			if r.female {
				add(r.region, "female_"+col, 1)
			}
		}
		minor := func(col string) {
			if r.minority {
				add(r.region, "minority_"+col, 1)
			}
		}
		fem("registered")
		minor("registered")
		if p.applied {
			fem("applied")
			minor("applied")
		}
		if r.minority {
			o.coverage["minority registered"]++
		}
		ph, phOK := latestExam[examKey{id, "physical"}]
		po, poOK := latestExam[examKey{id, "political"}]
		if phOK {
			add(r.region, "physical_examined", 1)
			if ph.pass {
				add(r.region, "physical_passed", 1)
			}
		}
		if poOK {
			add(r.region, "political_reviewed", 1)
			if po.pass {
				add(r.region, "political_passed", 1)
			}
		}
		if phOK && ph.pass && poOK && po.pass {
			add(r.region, "double_qualified", 1)
			fem("double_qualified")
		}
		a, ok := latestAppr[id]
		if !ok || !notAfter(a.approved, asOf) {
			continue
		}
		add(r.region, "approved", 1)
		fem("approved")
		minor("approved")
		returned := notAfter(a.returned, asOf)
		if r.female && covered && !returned {
			add(r.region, "female_counted", 1)
			o.coverage["woman counted against a female quota"]++
		}
		if r.female && !covered {
			o.coverage["woman approved without a female quota"]++
		}
		if returned {
			add(r.region, "returned", 1)
			fem("returned")
			o.coverage["returned"]++
			if a.responsible {
				add(r.region, "responsible_returned", 1)
			}
		}
		// College = 大专 and above; graduate and STEM among college people.
		if collegeEducation[r.edu] {
			add(r.region, "college_approved", 1)
			if graduatedStatus[r.status] {
				add(r.region, "graduate_approved", 1)
			}
			if stemMajor[r.major] {
				add(r.region, "stem_approved", 1)
			}
		}
	}
	for id, a := range latestAppr {
		if _, ok := people[id]; !ok && notAfter(a.approved, asOf) {
			o.coverage["orphan approval"]++
		}
	}
	for k, e := range latestExam {
		if _, ok := people[k.id]; !ok {
			o.coverage["orphan or not yet registered exam"]++
		}
		if !e.pass {
			o.coverage["latest exam failed"]++
		}
	}

	// Veterans: once per person and discharge (the latest delivered), in
	// the county of placement, in the season of the discharge's half-year.
	type vetKey struct {
		id string
		d  time.Time
	}
	latestVet := map[vetKey]vetRow{}
	for _, v := range o.ex.vets {
		k := vetKey{v.id, v.discharged}
		if cur, ok := latestVet[k]; !ok || cur.ord.less(v.ord) {
			latestVet[k] = v
		}
	}
	deadline := o.cfg.SubsidyDeadlineDays
	for _, v := range latestVet {
		if v.discharged.Year() != oracleYear || !inHalf(v.discharged, season) || v.discharged.After(asOf) {
			continue
		}
		add(v.region, "placement_due", 0) // the region has data
		switch v.plan {
		case "assigned_job":
			// Due once the placement window has passed since discharge, or
			// once placed.
			if notAfter(v.placed, asOf) || !v.discharged.AddDate(0, 0, o.cfg.PlacementWindowDays).After(asOf) {
				add(v.region, "placement_due", 1)
			}
			if notAfter(v.placed, asOf) {
				add(v.region, "placed", 1)
				add(v.region, "placement_days", int64(v.placed.Sub(v.discharged).Hours()/24))
			}
		case "self_employed":
			add(v.region, "self_employed", 1)
			due := v.discharged.AddDate(0, 0, deadline)
			if !due.After(asOf) {
				add(v.region, "subsidy_due", 1)
				if notAfter(v.paid, due) {
					add(v.region, "subsidy_on_time", 1)
					o.coverage["subsidy on time"]++
				} else {
					o.coverage["subsidy late or unpaid"]++
				}
			}
		}
	}
	return out
}

// quotaRows are the quota rows of a season and track (female: 女兵; else
// the general one): per region the latest delivered.
func (o *oracle) quotaRows(season int, female bool) map[string]quotaRow {
	rows := map[string]quotaRow{}
	for _, q := range o.ex.quotas {
		if q.year != oracleYear || q.season != season || q.female != female {
			continue
		}
		if cur, ok := rows[q.region]; !ok || cur.ord.less(q.ord) {
			rows[q.region] = q
		}
	}
	return rows
}

// quota is the region's own row, else the sum of the nearest rows below it:
// a row counts when no other row stands between it and the region.
func quota(code string, rows map[string]quotaRow) int64 {
	if q, ok := rows[code]; ok {
		return q.quota
	}
	var sum int64
	for below, q := range rows {
		if len(below) <= len(code) || !strings.HasPrefix(below, code) {
			continue
		}
		nearest := true
		for between := range rows {
			if len(between) > len(code) && len(between) < len(below) && strings.HasPrefix(below, between) && strings.HasPrefix(between, code) {
				nearest = false
				break
			}
		}
		if nearest {
			sum += q.quota
		}
	}
	return sum
}

// target is the nearest quota row at or above the region that sets one,
// else the configured default.
func target(code string, rows map[string]quotaRow, pick func(quotaRow) *float64, def float64) float64 {
	p := prefixes(code)
	for i := len(p) - 1; i >= 0; i-- {
		if q, ok := rows[p[i]]; ok && pick(q) != nil {
			return *pick(q)
		}
	}
	return def
}

// figuresAt computes every region row of a season as of a date, without
// week-on-week changes.
func (o *oracle) figuresAt(season int, asOf time.Time) map[string]*figures {
	qrows := o.quotaRows(season, false)
	frows := o.quotaRows(season, true)
	counts := o.counts(season, asOf, frows)
	// Every region down to town of the province, when it has any data that
	// season; and every code the data itself carries.
	codes := map[string]bool{}
	if len(counts) > 0 || len(qrows) > 0 || len(frows) > 0 {
		for _, r := range o.tab.All() {
			if strings.HasPrefix(r.Code, oracleProvince) && r.Level >= regions.Province && r.Level <= regions.Town {
				codes[r.Code] = true
			}
		}
	}
	for c := range counts {
		codes[c] = true
	}
	win := o.cfg.Seasons[season]
	start, _ := time.Parse(time.DateOnly, fmt.Sprintf("%d-%s", oracleYear, win.Start))
	end, _ := time.Parse(time.DateOnly, fmt.Sprintf("%d-%s", oracleYear, win.End))
	// The as-of day itself counts as elapsed: as of the window's last day
	// the whole window has passed.
	days := func(a, b time.Time) float64 { return math.Round(b.Sub(a).Hours() / 24) }
	share := math.Max(0, math.Min(1, (days(start, asOf)+1)/(days(start, end)+1)))

	out := map[string]*figures{}
	for code := range codes {
		c := counts[code]
		if c == nil {
			c = map[string]int64{}
		}
		c["quota"] = quota(code, qrows)
		c["female_quota"] = quota(code, frows)
		f := &figures{counts: map[string]int64{}, values: map[string]*float64{}, name: o.tab.Name(code)}
		for _, col := range countColumns {
			f.counts[col] = c[col]
		}
		for _, rc := range rateColumns {
			num := c[rc.num]
			if rc.name == "quota_completion" {
				// Women counted against a female quota are not in it.
				num = c["approved"] - c["returned"] - c["female_counted"]
			}
			f.values[rc.name] = ratio(num, c[rc.den])
		}
		f.values["avg_placement_days"] = ratio(c["placement_days"], c["placed"])
		college := target(code, qrows, func(q quotaRow) *float64 { return q.college }, o.cfg.Targets.CollegeRatio)
		graduate := target(code, qrows, func(q quotaRow) *float64 { return q.graduate }, o.cfg.Targets.GraduateRatio)
		f.values["college_target"] = &college
		f.values["graduate_target"] = &graduate
		f.values["elapsed_share"] = &share
		if qc := f.values["quota_completion"]; qc != nil {
			gap := *qc - share
			f.values["pace_gap"] = &gap
			if share > 0 {
				proj := *qc / share
				f.values["projected_completion"] = &proj
			}
		} else {
			f.values["pace_gap"], f.values["projected_completion"] = nil, nil
		}
		if s := o.composite(f, college, graduate); s != nil {
			f.values["composite_score"] = s
		}

		lvl := regions.LevelOf(code)
		f.level = int64(lvl)
		if lvl > regions.Province {
			p := code[:regions.Level(lvl-1).Length()]
			f.parent = &p
		}
		out[code] = f
	}
	return out
}

// composite is the weighted mean of the five scores (五率总评), where every
// input is defined; nil where one is NULL, which the README leaves open.
func (o *oracle) composite(f *figures, college, graduate float64) *float64 {
	v := f.values
	stemTarget, retMax := o.cfg.Targets.StemRatio, o.cfg.Targets.ReturnRateMax
	if v["quota_completion"] == nil || v["college_ratio"] == nil || v["graduate_ratio"] == nil ||
		v["stem_ratio"] == nil || v["return_rate"] == nil || college == 0 || graduate == 0 || stemTarget == 0 || retMax == 0 {
		return nil
	}
	w := o.cfg.Weights
	score := func(value, target float64) float64 { return 100 * math.Min(value/target, 1) }
	s := w.Completion*100*math.Min(*v["quota_completion"], 1) +
		w.CollegeRatio*score(*v["college_ratio"], college) +
		w.GraduateRatio*score(*v["graduate_ratio"], graduate) +
		w.StemRatio*score(*v["stem_ratio"], stemTarget) +
		w.ReturnRate*100*math.Max(0, 1-*v["return_rate"]/retMax)
	s /= w.Completion + w.CollegeRatio + w.GraduateRatio + w.StemRatio + w.ReturnRate
	return &s
}

// report is what metrics.Read should return for the province down to its
// towns: the figures as of the date, each count's and rate's change since a
// week earlier, and composite ranks among siblings.
func (o *oracle) report(season int, asOf time.Time) map[string]*figures {
	now := o.figuresAt(season, asOf)
	before := o.figuresAt(season, asOf.AddDate(0, 0, -7))
	for code, f := range now {
		p := before[code]
		for _, col := range countColumns {
			var d *float64
			if p != nil {
				x := float64(f.counts[col] - p.counts[col])
				d = &x
			}
			f.values[col+"_change"] = d
		}
		for _, rc := range rateColumns {
			var d *float64
			if p != nil && f.values[rc.name] != nil && p.values[rc.name] != nil {
				x := *f.values[rc.name] - *p.values[rc.name]
				d = &x
			}
			f.values[rc.name+"_change"] = d
		}
	}
	// Rank among siblings, equal scores as printed (one decimal) sharing a
	// rank; only where every sibling's score is defined.
	siblings := map[string][]string{}
	for code, f := range now {
		if f.parent != nil {
			siblings[*f.parent] = append(siblings[*f.parent], code)
		}
	}
	for _, group := range siblings {
		defined := true
		for _, c := range group {
			defined = defined && now[c].values["composite_score"] != nil
		}
		if !defined {
			continue
		}
		for _, c := range group {
			rank := 1.0
			mine := math.Round(*now[c].values["composite_score"]*10) / 10
			for _, d := range group {
				if math.Round(*now[d].values["composite_score"]*10)/10 > mine {
					rank++
				}
			}
			r := rank
			now[c].values["composite_rank"] = &r
			o.coverage["ranked"]++
		}
	}
	for code, f := range now {
		if len(code) > 9 {
			delete(now, code)
		}
		if f.values["composite_score"] != nil {
			o.coverage["composite scored"]++
		}
	}
	return now
}

func (o *oracle) requireCoverage(t *testing.T) {
	t.Helper()
	for _, k := range []string{"person registered twice", "orphan approval", "orphan or not yet registered exam", "returned", "latest exam failed", "subsidy on time", "subsidy late or unpaid", "composite scored", "ranked",
		"minority registered", "woman counted against a female quota", "woman approved without a female quota"} {
		if o.coverage[k] == 0 {
			t.Errorf("the generated data never reaches %q: choose another seed or size", k)
		}
	}
}

// ---- comparing ----

type mismatches struct {
	n       int
	lines   []string
	missing map[string]bool // columns the view lacks, reported once
}

func (m *mismatches) add(format string, args ...any) {
	m.n++
	if len(m.lines) < maxMismatches {
		m.lines = append(m.lines, fmt.Sprintf(format, args...))
	}
}

// compareFrame compares the view's rows with the oracle's and returns the
// number of region rows compared.
func compareFrame(mm *mismatches, label string, want map[string]*figures, got *tabular.Frame) int {
	seen := map[string]bool{}
	if mm.missing == nil {
		mm.missing = map[string]bool{}
	}
	missingCols := mm.missing
	for i := range got.Rows {
		code, _ := got.Value(i, "region_code").(string)
		seen[code] = true
		w, ok := want[code]
		if !ok {
			mm.add("%s region %s: row not expected", label, code)
			continue
		}
		if name, _ := got.Value(i, "region_name").(string); name != w.name {
			mm.add("%s region %s region_name: expected %q, got %q", label, code, w.name, name)
		}
		if lvl, ok := asInt(got.Value(i, "level")); !ok || lvl != w.level {
			mm.add("%s region %s level: expected %d, got %v", label, code, w.level, got.Value(i, "level"))
		}
		gp, _ := got.Value(i, "parent_code").(string)
		if (w.parent == nil) != (got.Value(i, "parent_code") == nil) || (w.parent != nil && *w.parent != gp) {
			mm.add("%s region %s parent_code: expected %v, got %v", label, code, strPtr(w.parent), got.Value(i, "parent_code"))
		}
		for _, col := range countColumns {
			if got.Index(col) < 0 {
				missingCols[col] = true
				continue
			}
			g, ok := asInt(got.Value(i, col))
			if !ok || g != w.counts[col] {
				mm.add("%s region %s %s: expected %d, got %v", label, code, col, w.counts[col], got.Value(i, col))
			}
		}
		cols := make([]string, 0, len(w.values))
		for col := range w.values {
			cols = append(cols, col)
		}
		sort.Strings(cols)
		for _, col := range cols {
			if got.Index(col) < 0 {
				missingCols[col] = true
				continue
			}
			e := w.values[col]
			gv := got.Value(i, col)
			g, isNum := asFloat(gv)
			switch {
			case e == nil && gv == nil:
			case e == nil || gv == nil || !isNum:
				mm.add("%s region %s %s: expected %s, got %v", label, code, col, floatPtr(e), gv)
			case math.Abs(*e-g) > 1e-9 || math.IsNaN(g):
				mm.add("%s region %s %s: expected %.12g, got %.12g", label, code, col, *e, g)
			}
		}
	}
	for code := range want {
		if !seen[code] {
			mm.add("%s region %s: row missing", label, code)
		}
	}
	return len(got.Rows)
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case int:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	if n, ok := asInt(v); ok {
		return float64(n), true
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case interface{ Float64() float64 }:
		return x.Float64(), true
	}
	return 0, false
}

func floatPtr(p *float64) string {
	if p == nil {
		return "NULL"
	}
	return strconv.FormatFloat(*p, 'g', 12, 64)
}

func strPtr(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}

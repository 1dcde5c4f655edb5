package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
)

// People of the fixtures. Their numbers and names must never reach the
// warehouse file.
var (
	birth2005 = time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	idA       = idnum.Make("410102", birth2005, 11)
	idB       = idnum.Make("410102", birth2005, 13)
	idD       = idnum.Make("410102", time.Date(2000, 5, 1, 0, 0, 0, 0, time.UTC), 15) // 25 in 2025: age rule
	idF       = idnum.Make("410103", birth2005, 17)
	idX       = idnum.Make("410105", birth2005, 19) // never registered
	idBadChk  = idA[:17] + map[bool]string{true: "1", false: "0"}[idA[17] == '0']
	names     = []string{"欧阳明轩", "司马浩然", "诸葛子昂", "上官思远", "慕容嘉懿"}
)

var regHeader = []string{"身份证号", "姓名", "区划代码", "登记日期", "文化程度", "学业状态", "是否应征报名", "年度", "季度"}

// regRows is the registrations fixture. Hand count:
// read 7 (rows 1–7; 合计 and 填表人 lines are not data), accepted 4 (A, B, D, B-again-in-410103),
// rejected 3 (bad check character, exact duplicate of A, bad date),
// flagged rows 3 (D: age rule; both rows of B: two regions in one season).
var regRows = [][]string{
	{idA, names[0], "410102001", "2025-01-10", "本科", "在校生", "是", "2025", "上半年"},
	{idB, names[1], "410102002", "2025/1/12", "高中", "非学生", "否", "2025", "上半年"},
	{idBadChk, names[2], "410102001", "2025年1月13日", "大专", "应届毕业生", "是", "2025", "上半年"},
	{idA, names[0], "410102001", "2025-01-10", "本科", "在校生", "是", "2025", "上半年"},
	{idD, names[3], "410102001", "20250114", "初中", "非学生", "是", "2025", "上半年"},
	{idF, names[4], "410103001", "2025-13-45", "本科", "往届毕业生", "是", "2025", "上半年"},
	{idB, names[1], "410103001", "2025-01-15", "高中", "非学生", "否", "2025", "上半年"},
}

const (
	regRead, regAccepted, regRejected, regFlagged = 7, 4, 3, 3
)

func csvText(header []string, rows [][]string, extra ...string) string {
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\r\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	return b.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeXLSX writes a government-style sheet: a merged title row, a unit
// line, a two-row header whose group cell spans two sub-columns, the rows,
// a 合计 row and footer lines.
func writeXLSX(t *testing.T, path, title string, groupRow, header []string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	last, _ := excelize.ColumnNumberToName(len(header))
	set := func(cell string, v any) {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", title)
	if err := f.MergeCell(sh, "A1", last+"1"); err != nil {
		t.Fatal(err)
	}
	set("A2", "填报单位：中原区人民武装部")
	r := 3
	if groupRow != nil {
		for j, g := range groupRow {
			c, _ := excelize.CoordinatesToCellName(j+1, r)
			set(c, g)
		}
		// Merge identical neighbouring group cells, and single cells down over
		// the sub-header row, as offices lay such headers out.
		for j := 0; j < len(groupRow); j++ {
			k := j
			for k+1 < len(groupRow) && groupRow[k+1] == groupRow[j] {
				k++
			}
			a, _ := excelize.CoordinatesToCellName(j+1, r)
			if k > j {
				b, _ := excelize.CoordinatesToCellName(k+1, r)
				if err := f.MergeCell(sh, a, b); err != nil {
					t.Fatal(err)
				}
			} else {
				b, _ := excelize.CoordinatesToCellName(j+1, r+1)
				if err := f.MergeCell(sh, a, b); err != nil {
					t.Fatal(err)
				}
			}
			j = k
		}
		r++
	}
	for j, h := range header {
		c, _ := excelize.CoordinatesToCellName(j+1, r)
		if groupRow == nil || h != groupRow[j] {
			set(c, h)
		}
	}
	r++
	for _, row := range rows {
		for j, v := range row {
			c, _ := excelize.CoordinatesToCellName(j+1, r)
			set(c, v) // text cells: identity numbers must stay exact
		}
		r++
	}
	set("A"+strconv.Itoa(r), "合计")
	set("B"+strconv.Itoa(r), len(rows))
	r += 2
	set("A"+strconv.Itoa(r), "填表人：王五    审核人：赵六    填表日期：2025年3月1日")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	wh     *warehouse.Warehouse
	loader *Loader
	dir    string
	dbPath string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(secret.EnvVar, "fixture-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "w.duckdb")
	wh, err := warehouse.Open(context.Background(), dbPath, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l, err := NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC) }
	return &fixture{wh: wh, loader: l, dir: dir, dbPath: dbPath}
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.wh.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checksum fingerprints every warehouse table: row counts and contents.
func (f *fixture) checksum(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, tbl := range []string{"regions", "load_ledger", "rejects", "row_flags", "quotas", "registrations", "exams", "approvals", "resettlement"} {
		var n int
		var sum string
		q := `SELECT count(*), coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') FROM ` + tbl + ` t`
		if err := f.wh.DB().QueryRow(q).Scan(&n, &sum); err != nil {
			t.Fatalf("checksum %s: %v", tbl, err)
		}
		parts = append(parts, tbl+":"+strconv.Itoa(n)+":"+sum)
	}
	return strings.Join(parts, ";")
}

func TestRegistrationsInEveryFormat(t *testing.T) {
	text := csvText(regHeader, regRows, "合计,7", "", "填表人：王五,审核人：赵六,填表日期：2025年1月20日")
	bom := append([]byte{0xEF, 0xBB, 0xBF}, text...)
	cases := []struct {
		name     string
		file     func(t *testing.T, dir string) string
		encoding string
	}{
		{"utf-8", func(t *testing.T, dir string) string { return writeFile(t, dir, "reg.csv", []byte(text)) }, "utf-8"},
		{"utf-8 with BOM", func(t *testing.T, dir string) string { return writeFile(t, dir, "reg.csv", bom) }, "utf-8-bom"},
		{"gb18030", func(t *testing.T, dir string) string { return writeFile(t, dir, "reg.csv", gb18030(t, text)) }, "gb18030"},
		{"xlsx with title, two-row header, total and footer", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "reg.xlsx")
			group := []string{"身份证号", "姓名", "区划代码", "登记日期", "学历情况", "学历情况", "是否应征报名", "年度", "季度"}
			header := []string{"身份证号", "姓名", "区划代码", "登记日期", "文化程度", "学业状态", "是否应征报名", "年度", "季度"}
			writeXLSX(t, p, "中原区2025年上半年兵役登记汇总表", group, header, regRows)
			return p
		}, "xlsx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			path := tc.file(t, fx.dir)
			res, err := fx.loader.LoadFile(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != mapping.Registrations || res.Encoding != tc.encoding {
				t.Errorf("kind %s encoding %s", res.Kind, res.Encoding)
			}
			if res.Read != regRead || res.Accepted != regAccepted || res.Rejected != regRejected || res.Flagged != regFlagged {
				t.Errorf("read/accepted/rejected/flagged = %d/%d/%d/%d, want %d/%d/%d/%d",
					res.Read, res.Accepted, res.Rejected, res.Flagged, regRead, regAccepted, regRejected, regFlagged)
			}
			if res.Scope != (Scope{Region: "4101", Year: 2025, Season: 1}) {
				t.Errorf("scope = %+v", res.Scope)
			}
			if got := fx.count(t, `SELECT count(*) FROM registrations`); got != regAccepted {
				t.Errorf("registrations = %d", got)
			}
			if got := fx.count(t, `SELECT rows_read - rows_accepted - rows_rejected FROM load_ledger`); got != 0 {
				t.Errorf("ledger does not balance by %d", got)
			}
			for reason, want := range map[string]int{"bad_id_check": 1, "duplicate": 1, "bad_date": 1} {
				if got := fx.count(t, `SELECT count(*) FROM rejects WHERE reason = ?`, reason); got != want {
					t.Errorf("rejects %s = %d, want %d", reason, got, want)
				}
			}
			for flag, want := range map[string]int{"age_rule": 1, "two_regions": 2} {
				if got := fx.count(t, `SELECT count(*) FROM flags WHERE flag = ?`, flag); got != want {
					t.Errorf("flags %s = %d, want %d", flag, got, want)
				}
			}
			// The row numbers are the ones the office sees in its file.
			wantDupRow := 5 // CSV: header on line 1, duplicate on line 5
			if tc.encoding == "xlsx" {
				wantDupRow = 8 // title, unit line, two header rows, then data from row 5
			}
			if got := fx.count(t, `SELECT source_row FROM rejects WHERE reason = 'duplicate'`); got != wantDupRow {
				t.Errorf("duplicate reported on row %d, want %d", got, wantDupRow)
			}
			// It names the row it repeats, which the writer keeps by the
			// record's hashed key.
			var detail string
			if err := fx.wh.DB().QueryRow(`SELECT detail FROM rejects WHERE reason = 'duplicate'`).Scan(&detail); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("same record as row %d of this file", wantDupRow-3); detail != want {
				t.Errorf("duplicate's detail = %q, want %q", detail, want)
			}
			var masked string
			if err := fx.wh.DB().QueryRow(`SELECT raw_value FROM rejects WHERE reason = 'bad_id_check'`).Scan(&masked); err != nil {
				t.Fatal(err)
			}
			if masked != idnum.Mask(idBadChk) {
				t.Errorf("raw value = %q, want masked %q", masked, idnum.Mask(idBadChk))
			}
		})
	}
}

func TestReingestChangesNothing(t *testing.T) {
	fx := newFixture(t)
	p := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, regRows)))
	if _, err := fx.loader.LoadFile(context.Background(), p, Options{}); err != nil {
		t.Fatal(err)
	}
	before := fx.checksum(t)
	res, err := fx.loader.LoadFile(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "already_loaded" {
		t.Errorf("status = %s", res.Status)
	}
	// The same bytes under another name are the same file.
	copyPath := writeFile(t, fx.dir, "copy.csv", []byte(csvText(regHeader, regRows)))
	if res, err := fx.loader.LoadFile(context.Background(), copyPath, Options{}); err != nil || res.Status != "already_loaded" {
		t.Errorf("copy: %+v, %v", res.Status, err)
	}
	if after := fx.checksum(t); after != before {
		t.Errorf("re-ingest changed the warehouse")
	}
}

func TestSnapshotReplacesItsScope(t *testing.T) {
	fx := newFixture(t)
	week1 := writeFile(t, fx.dir, "week1.csv", []byte(csvText(regHeader, regRows[:2])))
	week2rows := append([][]string{}, regRows[:2]...)
	week2rows = append(week2rows, []string{idF, names[4], "410103001", "2025-01-19", "本科", "往届毕业生", "是", "2025", "1"})
	week2 := writeFile(t, fx.dir, "week2.csv", []byte(csvText(regHeader, week2rows)))
	ctx := context.Background()
	r1, err := fx.loader.LoadFile(ctx, week1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Scope.Region != "410102" {
		t.Fatalf("week 1 scope %+v", r1.Scope)
	}
	r2, err := fx.loader.LoadFile(ctx, week2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Week 2 covers 4101 (two counties), so it takes in week 1's 410102.
	if len(r2.Replaced) != 1 || r2.Replaced[0] != r1.LoadID {
		t.Fatalf("replaced = %v, want [%d]", r2.Replaced, r1.LoadID)
	}
	if got := fx.count(t, `SELECT count(*) FROM registrations`); got != 3 {
		t.Errorf("registrations = %d, want 3", got)
	}
	if got := fx.count(t, `SELECT count(*) FROM load_ledger WHERE status = 'replaced' AND replaced_by = ?`, r2.LoadID); got != 1 {
		t.Errorf("ledger replaced rows = %d", got)
	}
	// A snapshot of another season does not touch this one.
	other := writeFile(t, fx.dir, "s2.csv", []byte(csvText(regHeader, [][]string{
		{idA, names[0], "410102001", "2025-07-10", "本科", "在校生", "是", "2025", "下半年"}})))
	r3, err := fx.loader.LoadFile(ctx, other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r3.Replaced) != 0 || fx.count(t, `SELECT count(*) FROM registrations`) != 4 {
		t.Errorf("season 2 snapshot replaced %v", r3.Replaced)
	}
	// Incremental files add to their scope instead of replacing it.
	inc := writeFile(t, fx.dir, "inc.csv", []byte(csvText(regHeader, [][]string{
		{idX, names[2], "410105001", "2025-01-20", "本科", "在校生", "是", "2025", "上半年"}})))
	r4, err := fx.loader.LoadFile(ctx, inc, Options{Mode: Incremental})
	if err != nil {
		t.Fatal(err)
	}
	if len(r4.Replaced) != 0 || fx.count(t, `SELECT count(*) FROM registrations`) != 5 {
		t.Errorf("incremental replaced %v", r4.Replaced)
	}
}

func TestExamSnapshotsAreByType(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	reg := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, regRows)))
	if _, err := fx.loader.LoadFile(ctx, reg, Options{}); err != nil {
		t.Fatal(err)
	}
	header := []string{"身份证号", "检查类型", "检查日期", "结论"}
	phys := writeFile(t, fx.dir, "phys.csv", []byte(csvText(header, [][]string{{idA, "体检", "2025-02-11", "合格"}, {idB, "体检", "2025-02-11", "合格"}})))
	pol := writeFile(t, fx.dir, "pol.csv", []byte(csvText(header, [][]string{{idA, "政考", "2025-02-21", "合格"}, {idB, "政考", "2025-02-21", "合格"}})))
	for _, p := range []string{phys, pol} {
		res, err := fx.loader.LoadFile(ctx, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Replaced) != 0 {
			t.Errorf("%s replaced %v: a political file must not replace the physical one", p, res.Replaced)
		}
	}
	if got := fx.count(t, `SELECT count(*) FROM exams`); got != 4 {
		t.Errorf("exams = %d, want 4", got)
	}
	if got := fx.count(t, `SELECT count(*) FROM load_ledger WHERE kind = 'exams' AND exam_type IS NULL`); got != 0 {
		t.Errorf("%d exam loads without a type", got)
	}
}

func TestChosenSheet(t *testing.T) {
	fx := newFixture(t)
	p := filepath.Join(fx.dir, "book.xlsx")
	f := excelize.NewFile()
	// The first sheet is a cover note; the data sits on the sheet named 登记.
	f.SetCellValue("Sheet1", "A1", "说明：本表为兵役登记数据")
	if _, err := f.NewSheet("登记"); err != nil {
		t.Fatal(err)
	}
	for j, h := range regHeader {
		c, _ := excelize.CoordinatesToCellName(j+1, 1)
		f.SetCellValue("登记", c, h)
	}
	for i, row := range regRows[:2] {
		for j, v := range row {
			c, _ := excelize.CoordinatesToCellName(j+1, i+2)
			f.SetCellValue("登记", c, v)
		}
	}
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	if _, err := fx.loader.LoadFile(ctx, p, Options{Sheet: "不存在"}); err == nil || !strings.Contains(err.Error(), "登记") {
		t.Errorf("unknown sheet: %v (should list the sheets there are)", err)
	}
	res, err := fx.loader.LoadFile(ctx, p, Options{Sheet: "登记"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sheet != "登记" || res.Accepted != 2 {
		t.Errorf("result = %+v", res)
	}
	if got := fx.count(t, `SELECT count(*) FROM load_ledger WHERE sheet = '登记'`); got != 1 {
		t.Errorf("ledger sheet rows = %d", got)
	}
}

func TestRegionsExtractOverrides(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	p := writeFile(t, fx.dir, "regions.csv", []byte(csvText([]string{"区划代码", "区划名称"},
		[][]string{{"410102", "中原区（新）"}, {"410102900", "新设街道"}})))
	res, err := fx.loader.LoadFile(ctx, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != mapping.Regions || res.Accepted != 2 {
		t.Fatalf("result = %+v", res)
	}
	var name string
	if err := fx.wh.DB().QueryRow(`SELECT name FROM regions WHERE code = '410102'`).Scan(&name); err != nil || name != "中原区（新）" {
		t.Errorf("name = %q, %v", name, err)
	}
	if got := fx.count(t, `SELECT count(*) FROM regions WHERE code = '410102900' AND parent_code = '410102' AND level = 4`); got != 1 {
		t.Errorf("new town not added")
	}
	// A registration in the new town is no longer flagged as unknown.
	reg := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, [][]string{
		{idA, names[0], "410102900", "2025-01-10", "本科", "在校生", "是", "2025", "上半年"}})))
	rr, err := fx.loader.LoadFile(ctx, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rr.Flagged != 0 {
		t.Errorf("flagged %d", rr.Flagged)
	}
}

func TestExamsFromTitleAndOrphans(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	reg := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, regRows)))
	if _, err := fx.loader.LoadFile(ctx, reg, Options{}); err != nil {
		t.Fatal(err)
	}
	// No exam-type column: the title says 体检 (physical), 2025, 上半年.
	p := filepath.Join(fx.dir, "exams.xlsx")
	writeXLSX(t, p, "中原区2025年上半年征兵体检结果汇总表", nil,
		[]string{"身份证号", "姓名", "检查日期", "结论", "不合格原因"},
		[][]string{
			{idA, names[0], "2025-02-11", "不合格", "视力"},
			{idA, names[0], "2025-02-20", "合格", ""}, // re-examination
			{idB, names[1], "2025-02-12", "通过", ""},
			{idX, names[2], "2025-02-12", "合格", ""}, // orphan: not registered
		})
	res, err := fx.loader.LoadFile(ctx, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != mapping.Exams || res.ExamType != "physical" || res.Accepted != 4 || res.Flagged != 1 {
		t.Errorf("result = %+v", res)
	}
	// Scope from the people's registrations: A is in town 410102001; B is
	// registered in both 410102 and 410103, so B does not widen the scope
	// to 4101 (where it would replace every other county's exam file).
	if res.Scope != (Scope{Region: "410102001", Year: 2025, Season: 1}) {
		t.Errorf("scope = %+v", res.Scope)
	}
	if got := fx.count(t, `SELECT count(*) FROM latest_exams WHERE passed`); got != 3 {
		t.Errorf("latest passed = %d, want 3 (A after re-exam, B, X)", got)
	}
	if got := fx.count(t, `SELECT count(*) FROM flags WHERE flag = 'orphan'`); got != 1 {
		t.Errorf("orphans = %d", got)
	}
	// An approval of B with no political review is an integrity flag.
	ap := writeFile(t, fx.dir, "approvals.csv", []byte(csvText([]string{"身份证号", "批准日期", "年度", "季度"},
		[][]string{{idB, "2025-03-02", "2025", "1"}})))
	ares, err := fx.loader.LoadFile(ctx, ap, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ares.Flagged != 1 || fx.count(t, `SELECT count(*) FROM flags WHERE flag = 'unqualified_approval'`) != 1 {
		t.Errorf("approval flags = %d", ares.Flagged)
	}
}

func TestFileLevelFailuresChangeNothing(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	good := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, regRows)))
	if _, err := fx.loader.LoadFile(ctx, good, Options{}); err != nil {
		t.Fatal(err)
	}
	before := fx.checksum(t)
	gbText := csvText(regHeader, regRows[:2])
	cases := []struct {
		name    string
		data    []byte
		opt     Options
		wantErr string
	}{
		{"missing required column", []byte(csvText([]string{"身份证号", "姓名", "登记日期"}, [][]string{{idA, names[0], "2025-01-10"}})),
			Options{Kind: mapping.Registrations}, "区划代码"},
		{"exam file with no type anywhere", []byte(csvText([]string{"身份证号", "检查日期", "结论"}, [][]string{{idA, "2025-02-11", "合格"}})),
			Options{Kind: mapping.Exams}, "--exam-type"},
		{"exams nobody registered, no region", []byte(csvText([]string{"身份证号", "检查类型", "检查日期", "结论"}, [][]string{{idX, "体检", "2025-02-11", "合格"}})),
			Options{}, "--region"},
		{"empty file", nil, Options{}, ""},
		{"no header", []byte("a,b,c\n1,2,3\n"), Options{}, "no header row"},
		{"binary garbage", bytes.Repeat([]byte{0, 1, 2, 0xff}, 64), Options{}, ""},
		{"gb18030 forced as utf-8", gb18030(t, gbText), Options{Encoding: "utf-8"}, "gb18030"},
		{"unknown --region", []byte(csvText(regHeader, regRows[:1])), Options{Region: "990000"}, "--region"},
		// Thousands of good rows are written before the reader meets text
		// that is not UTF-8; the transaction must take them all back.
		{"bad encoding after 20,000 good rows", append([]byte(csvText(regHeader, manyRows(20000))),
			gb18030(t, idA+",欧阳明轩,410102001,2025-01-10,本科,在校生,是,2025,上半年\r\n")...), Options{}, "gb18030"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, fx.dir, strings.ReplaceAll(tc.name, " ", "_")+".csv", tc.data)
			_, err := fx.loader.LoadFile(ctx, p, tc.opt)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FileError", err)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("message %q should name the file and say %q", err, tc.wantErr)
			}
			if after := fx.checksum(t); after != before {
				t.Errorf("warehouse changed after a refused file")
			}
		})
	}
}

// manyRows makes n valid registrations of distinct people.
func manyRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		b := birth2005.AddDate(0, 0, i/1000)
		rows[i] = []string{idnum.Make("410102", b, i%1000), "某人", "410102001", "2025-01-10", "本科", "在校生", "是", "2025", "上半年"}
	}
	return rows
}

func TestNoIdentityNumberOrNameInTheFile(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	reg := writeFile(t, fx.dir, "reg.csv", []byte(csvText(regHeader, regRows)))
	if _, err := fx.loader.LoadFile(ctx, reg, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := fx.wh.Close(); err != nil {
		t.Fatal(err)
	}
	secrets := append([]string{idA, idB, idD, idF, idBadChk}, names...)
	scan := func(path string) []string {
		var found []string
		for _, p := range []string{path, path + ".wal"} {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					found = append(found, s)
				}
			}
		}
		return found
	}
	if found := scan(fx.dbPath); len(found) > 0 {
		t.Errorf("warehouse file holds %d personal values", len(found))
	}
	// Control: the same scan does find the values when they are stored, so
	// a pass above means absence, not a blind scan.
	ctl := filepath.Join(t.TempDir(), "control.duckdb")
	cw, err := warehouse.Open(ctx, ctl, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cw.DB().Exec(`CREATE TABLE leak (v VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if _, err := cw.DB().Exec(`INSERT INTO leak VALUES (?)`, s); err != nil {
			t.Fatal(err)
		}
	}
	cw.Close()
	if found := scan(ctl); len(found) != len(secrets) {
		t.Fatalf("control scan found %d of %d stored values; the check is blind", len(found), len(secrets))
	}
}

// A folder is planned (each file's kind decides when it loads) and loaded
// with one preparation of each file, not one for the plan and another for
// the load. Total lines spelled with spaces (合 计, 合　计) are skipped, not
// read as rows: the words come from mapping's rows.csv, compared without
// spaces.
func TestFolderPreparedOnceAndSpacedTotalsSkipped(t *testing.T) {
	fx := newFixture(t)
	in := filepath.Join(fx.dir, "in")
	if err := os.Mkdir(in, 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, in, "a-reg.csv", []byte(csvText(regHeader, regRows, "合 计,7", "合\u3000计,7", "", "填表人：王五")))
	writeFile(t, in, "b-quota.csv", []byte(csvText([]string{"年度", "批次", "区划代码", "征集任务数"},
		[][]string{{"2025", "1", "410102", "120"}}, "合 计,,,120")))
	results, err := fx.loader.LoadPaths(context.Background(), []string{in}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fx.loader.preparations.Load(); got != 2 {
		t.Errorf("2 files prepared %d times, want once each", got)
	}
	if len(results) != 2 || results[0].Kind != mapping.Quotas || results[1].Kind != mapping.Registrations {
		t.Fatalf("results = %+v, want quotas then registrations", results)
	}
	if q := results[0]; q.Read != 1 || q.Accepted != 1 || q.Rejected != 0 {
		t.Errorf("quotas read/accepted/rejected = %d/%d/%d, want 1/1/0", q.Read, q.Accepted, q.Rejected)
	}
	if r := results[1]; r.Read != regRead || r.Accepted != regAccepted || r.Rejected != regRejected {
		t.Errorf("registrations read/accepted/rejected = %d/%d/%d, want %d/%d/%d",
			r.Read, r.Accepted, r.Rejected, regRead, regAccepted, regRejected)
	}
	if got := fx.count(t, `SELECT count(*) FROM rejects`); got != regRejected {
		t.Errorf("%d rejects, want %d (a total line read as a row?)", got, regRejected)
	}
}

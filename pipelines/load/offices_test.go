package load

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enlist/internal/regions"
	"enlist/internal/synth"
	"enlist/pipelines/read"
)

// extract is one generated file as a table.
type extract struct {
	name   string // sheet name when it goes into a workbook
	header []string
	rows   [][]string
}

// cityExtracts generates a clean province and returns the province's quota
// file and Zhengzhou's (4101) summer-autumn files: registrations,
// physical, political and pre-service exams, and approvals (11, checked
// below so that a change of the generator is noticed here).
func cityExtracts(t *testing.T) (quotas string, files []extract) {
	t.Helper()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "clean")
	if _, err := synth.Generate(context.Background(), synth.Options{Province: "41", Year: 2025, Registrations: 6000, Seed: 5, Out: out}, tab, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, path string }{
		{"登记", "registrations/4101_2025_s2.csv"},
		{"体检", "exams/4101_2025_s2_physical.csv"},
		{"政考", "exams/4101_2025_s2_political.csv"},
		{"役前", "exams/4101_2025_s2_pretraining.csv"},
		{"定兵", "approvals/4101_2025_s2.csv"},
	} {
		fh, err := os.Open(filepath.Join(out, filepath.FromSlash(f.path)))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
		files = append(files, extract{name: f.name, header: recs[0], rows: recs[1:]})
	}
	if n := len(files[4].rows); n != 11 {
		t.Fatalf("fixture: %d approvals, want 11 (did the generator change?)", n)
	}
	return filepath.Join(out, "quotas", "41_2025.csv"), files
}

// writeCSVFile writes a table as CSV (UTF-8, or GB18030 when gbk).
func writeCSVFile(t *testing.T, path string, e extract, gbk bool) {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(e.header)
	w.WriteAll(e.rows)
	data := []byte(b.String())
	if gbk {
		data = gb18030(t, b.String())
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeWorkbook writes the tables as the sheets of one workbook, each
// under a title line, identity numbers as text.
func writeWorkbook(t *testing.T, path string, sheets []extract) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, e := range sheets {
		if i == 0 {
			f.SetSheetName("Sheet1", e.name)
		} else if _, err := f.NewSheet(e.name); err != nil {
			t.Fatal(err)
		}
		f.SetCellValue(e.name, "A1", "郑州市2025年下半年征兵工作统计表（"+e.name+"）")
		for r, row := range append([][]string{e.header}, e.rows...) {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellStr(e.name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// renamed copies a table with its headers spelt another way.
func renamed(e extract, spell map[string]string) extract {
	out := extract{name: e.name, rows: e.rows}
	for _, h := range e.header {
		if s, ok := spell[h]; ok {
			h = s
		}
		out.header = append(out.header, h)
	}
	return out
}

// cityDigest is what a delivery must give whatever its form: the stored
// rows (without load ids and row numbers), the flags, and the metrics of
// every region of the city as of the season's end.
func (f *fixture) cityDigest(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, q := range []string{
		`SELECT * EXCLUDE (load_id, source_row) FROM registrations`,
		`SELECT * EXCLUDE (load_id, source_row) FROM exams`,
		`SELECT * EXCLUDE (load_id, source_row) FROM approvals`,
		`SELECT flag, kind, region_code, count(*) FROM flags GROUP BY ALL`,
		`SELECT * FROM metrics_at(DATE '2025-09-30', 2025, 2) WHERE region_code LIKE '4101%'`,
	} {
		var n int
		var sum string
		if err := f.wh.DB().QueryRow(`SELECT count(*), coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') FROM (`+q+`) t`).Scan(&n, &sum); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts = append(parts, fmt.Sprintf("%d:%s", n, sum))
	}
	return strings.Join(parts, " ")
}

// loadCity loads the quotas and then paths into a new warehouse and returns
// its digest and results.
func loadCity(t *testing.T, quotas string, paths ...string) (string, []Result, *fixture) {
	t.Helper()
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := fx.loader.LoadFile(ctx, quotas, Options{}); err != nil {
		t.Fatal(err)
	}
	results, err := fx.loader.LoadPaths(ctx, paths, Options{})
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	return fx.cityDigest(t), results, fx
}

// officeSpellings are the headers of the county roll and approvals workbook
// the issue describes, and a clerk's template with notes in brackets.
var (
	countySpellings = map[string]string{
		"身份证号": "公民身份号码（必填）", "区划代码": "户籍地行政区划代码", "登记日期": "登记时间",
		"批准入伍日期": "批准入伍时间", "起运交接日期": "交接时间", "退兵日期": "退兵时间", "是否有责": "是否有责任",
		"检查日期": "检查时间",
	}
	templateSpellings = map[string]string{
		"身份证号": "身份证号码[必填]", "区划代码": "区划代码（9位）", "登记日期": "登记日期(年-月-日)",
		"姓名": "*姓名", "批准入伍日期": "批准入伍日期【必填】", "结论": "体检结论（合格/不合格）",
		"检查日期": "检查日期：", "文化程度": "文化程度（最高）",
	}
)

// TestOfficeFormsLoadAlike: one city's season, delivered as the clean CSV
// files, as GB18030 CSV with other header spellings, ="…" identity numbers
// and an extra column, as one workbook with bracketed headers, and with the
// roll split over three sheets of a workbook, loads to the same rows, flags
// and metrics every time.
func TestOfficeFormsLoadAlike(t *testing.T) {
	quotas, files := cityExtracts(t)

	clean := t.TempDir()
	var cleanPaths []string
	for i, e := range files {
		p := filepath.Join(clean, fmt.Sprintf("%d.csv", i))
		writeCSVFile(t, p, e, false)
		cleanPaths = append(cleanPaths, p)
	}
	want, _, _ := loadCity(t, quotas, cleanPaths...)

	t.Run("GB18030 CSV, county spellings, =\"…\" numbers, extra column", func(t *testing.T) {
		dir := t.TempDir()
		for i, e := range files {
			v := renamed(e, countySpellings)
			v.header = append(v.header, "联系电话")
			v.rows = nil
			for _, r := range e.rows {
				r = append([]string(nil), r...)
				r[0] = `="` + r[0] + `"`
				v.rows = append(v.rows, append(r, "13800000000"))
			}
			writeCSVFile(t, filepath.Join(dir, fmt.Sprintf("%d.csv", i)), v, true)
		}
		got, results, fx := loadCity(t, quotas, dir)
		if got != want {
			t.Errorf("digest %s, want %s", got, want)
		}
		reg := results[0]
		if reg.Encoding != read.EncodingGB18030 || len(reg.Ignored) != 1 || reg.Ignored[0] != "联系电话" {
			t.Errorf("registrations: encoding %s, ignored %v", reg.Encoding, reg.Ignored)
		}
		var hm, warnings, message string
		fx.wh.DB().QueryRow(`SELECT header_map, warnings, message FROM load_ledger WHERE load_id = ?`, reg.LoadID).Scan(&hm, &warnings, &message)
		for _, want := range []string{"户籍地行政区划代码 → region_code (normalised)", "公民身份号码（必填） → id_number (normalised)", "登记时间 → registered_on (exact)"} {
			if !strings.Contains(hm, want) {
				t.Errorf("header_map lacks %q:\n%s", want, hm)
			}
		}
		if !strings.Contains(warnings, `column ignored: "联系电话"`) || !strings.Contains(message, "columns not used: 联系电话") {
			t.Errorf("warnings %q message %q", warnings, message)
		}
	})

	t.Run("one XLSX workbook with bracketed headers", func(t *testing.T) {
		var sheets []extract
		for _, e := range files {
			sheets = append(sheets, renamed(e, templateSpellings))
		}
		p := filepath.Join(t.TempDir(), "郑州市.xlsx")
		writeWorkbook(t, p, sheets)
		got, results, fx := loadCity(t, quotas, p)
		if got != want {
			t.Errorf("digest %s, want %s", got, want)
		}
		if len(results) != 5 {
			t.Fatalf("%d results, want one per sheet", len(results))
		}
		var sheetsInLedger string
		fx.wh.DB().QueryRow(`SELECT string_agg(sheet, ',' ORDER BY load_id) FROM load_ledger WHERE file = ?`, p).Scan(&sheetsInLedger)
		if sheetsInLedger != "登记,体检,政考,役前,定兵" {
			t.Errorf("ledger sheets %q", sheetsInLedger)
		}
	})

	t.Run("the roll over three sheets of a city workbook", func(t *testing.T) {
		dir := t.TempDir()
		roll := files[0]
		third := len(roll.rows) / 3
		parts := []extract{
			{name: "第一批", header: roll.header, rows: roll.rows[:third]},
			{name: "第二批", header: roll.header, rows: roll.rows[third : 2*third]},
			{name: "第三批", header: roll.header, rows: roll.rows[2*third:]},
			{name: "填表说明", header: []string{"说明"}, rows: [][]string{{"本表由各区县征兵办填报"}}},
		}
		// A sheet whose header enlist half understands is not skipped: the
		// workbook is refused, naming the sheet and the flag that loads it.
		half := filepath.Join(dir, "半.xlsx")
		writeWorkbook(t, half, append(parts[:1:1], renamed(parts[1], map[string]string{"区划代码": "户籍码"})))
		if _, err := newFixture(t).loader.LoadFile(context.Background(), half, Options{}); err == nil ||
			!strings.Contains(err.Error(), `sheet "第二批"`) || !strings.Contains(err.Error(), "--map '户籍码=region_code'") {
			t.Errorf("half-understood sheet: %v", err)
		}
		p := filepath.Join(dir, "郑州市登记.xlsx")
		writeWorkbook(t, p, parts)
		paths := []string{p}
		for i, e := range files[1:] {
			q := filepath.Join(dir, fmt.Sprintf("%d.csv", i))
			writeCSVFile(t, q, e, false)
			paths = append(paths, q)
		}
		got, results, fx := loadCity(t, quotas, paths...)
		if got != want {
			t.Errorf("digest %s, want %s", got, want)
		}
		var regs []Result
		for _, r := range results {
			if r.File == p {
				regs = append(regs, r)
			}
		}
		if len(regs) != 3 || len(regs[0].Skipped) != 1 || regs[0].Skipped[0].Sheet != "填表说明" {
			t.Fatalf("workbook results %+v", regs)
		}
		var warnings string
		fx.wh.DB().QueryRow(`SELECT warnings FROM load_ledger WHERE load_id = ?`, regs[0].LoadID).Scan(&warnings)
		if !strings.Contains(warnings, `sheet "填表说明" skipped: no header row`) {
			t.Errorf("ledger warnings of the first sheet: %q", warnings)
		}
		for _, r := range regs {
			if len(r.Replaced) != 0 {
				t.Errorf("sheet %s replaced %v: a workbook's sheets are one delivery", r.Sheet, r.Replaced)
			}
		}
		if n := fx.count(t, `SELECT count(*) FROM load_ledger WHERE file = ? AND status = 'loaded' AND scope_region = '4101'`, p); n != 3 {
			t.Errorf("%d current sheets of the workbook in the ledger, want 3", n)
		}
		// Next week's workbook replaces all three sheets, not one of its own.
		next := filepath.Join(dir, "郑州市登记-第2周.xlsx")
		writeWorkbook(t, next, parts[:3])
		b, _ := os.ReadFile(next)
		os.WriteFile(next, append(b, 0), 0o644) // other bytes, same content
		res, err := fx.loader.LoadBook(context.Background(), next, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || len(res[0].Replaced) != 3 || len(res[1].Replaced) != 0 || len(res[2].Replaced) != 0 {
			t.Errorf("second week replaced %v / %v / %v", res[0].Replaced, res[1].Replaced, res[2].Replaced)
		}
		if got := fx.cityDigest(t); got != want {
			t.Errorf("after the second week: digest %s, want %s", got, want)
		}
	})
}

// TestLegacyWorkbooksLoadLikeXLSX: the city's workbook saved by LibreOffice
// as .xls (Excel 97-2003) and as .ods loads to the same rows and metrics as
// the .xlsx; the ledger keeps the SHA-256 of the file as sent, so the same
// .xls sent again is recognised; no converted copy is left behind; without
// LibreOffice the refusal names the package to install.
func TestLegacyWorkbooksLoadLikeXLSX(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed")
	}
	quotas, files := cityExtracts(t)
	dir := t.TempDir()
	book := filepath.Join(dir, "city.xlsx")
	writeWorkbook(t, book, files)
	want, _, _ := loadCity(t, quotas, book)

	// Made as an office would: LibreOffice saving the workbook in the old forms.
	for _, format := range []string{"xls", "ods"} {
		cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--convert-to", format, "--outdir", dir, book)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, out)
		}
	}
	xls, ods := filepath.Join(dir, "city.xls"), filepath.Join(dir, "city.ods")
	et := filepath.Join(dir, "city.et") // WPS's own extension on the same OLE format
	b, err := os.ReadFile(xls)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(et, b, 0o644)

	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// Each loads into a warehouse of its own; the two are converted in one
	// LibreOffice run, as LoadPaths converts a folder's legacy workbooks.
	books, errs := read.OpenBooks(context.Background(), []string{xls, ods})
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("open: %v, %v", errs[0], errs[1])
	}
	fxs := map[string]*fixture{}
	var results []Result
	for i, p := range []string{xls, ods} {
		fx := newFixture(t)
		fxs[p] = fx
		if _, err := fx.loader.LoadFile(context.Background(), quotas, Options{}); err != nil {
			t.Fatal(err)
		}
		res, err := fx.loader.loadBook(context.Background(), p, books[i], Options{})
		books[i].Close()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			results = res
		}
	}
	loader := fxs[xls].loader
	if got := fxs[xls].cityDigest(t); got != want {
		t.Errorf(".xls: digest %s, want %s", got, want)
	}
	if len(results) != 5 || results[0].Encoding != "xls" || results[0].Sheet != "登记" {
		t.Errorf(".xls results: %d, first %+v", len(results), results[0])
	}
	sum, _ := FileSHA256(xls)
	if n := fxs[xls].count(t, `SELECT count(*) FROM load_ledger WHERE sha256 = ?`, sum); n != 5 {
		t.Errorf("%d ledger rows carry the .xls file's own SHA-256, want 5", n)
	}
	if res, err := loader.LoadFile(context.Background(), xls, Options{}); err != nil || res.Status != "already_loaded" {
		t.Errorf("re-sent .xls: %+v, %v", res, err)
	}
	if got := fxs[ods].cityDigest(t); got != want {
		t.Errorf(".ods: digest %s, want %s", got, want)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("conversion left %v in the temporary folder", left)
	}

	// Without LibreOffice: the refusal names the Debian package.
	t.Setenv("PATH", t.TempDir())
	_, err = newFixture(t).loader.LoadFile(context.Background(), et, Options{})
	if err == nil || !strings.Contains(err.Error(), "libreoffice-calc") || !strings.Contains(err.Error(), "WPS spreadsheet (.et)") {
		t.Errorf("without soffice: %v", err)
	}
}

// TestLoadWarningsInLedger: a guessed header, an ignored column and an
// unknown value spelling each leave a warning in the result and the ledger,
// with what to write to change it.
func TestLoadWarningsInLedger(t *testing.T) {
	fx := newFixture(t)
	header := []string{"身分证号", "区划代码", "登记日期", "文化程度", "家庭住址"}
	rows := [][]string{
		{idA, "410102001", "2025-01-10", "大学肄业", "某街1号"},
		{idB, "410102002", "2025-01-12", "大学肄业", "某街2号"},
		{idF, "410103001", "2025-01-13", "本科（学士）", "某街3号"},
	}
	p := writeFile(t, fx.dir, "roll.csv", []byte(csvText(header, rows)))
	res, err := fx.loader.LoadFile(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 3 {
		t.Fatalf("result %+v", res)
	}
	var warnings string
	fx.wh.DB().QueryRow(`SELECT warnings FROM load_ledger WHERE load_id = ?`, res.LoadID).Scan(&warnings)
	for _, want := range []string{
		"header guessed: 身分证号 → id_number",
		`column ignored: "家庭住址"`,
		`value not recognised: education "大学肄业" in 2 row(s), stored empty; to read it, add values: {education: {"大学肄业": CODE}}`,
	} {
		if !strings.Contains(warnings, want) || !strings.Contains(strings.Join(res.Warnings, "\n"), want) {
			t.Errorf("warnings lack %q:\nledger %s\nresult %v", want, warnings, res.Warnings)
		}
	}
	if n := fx.count(t, `SELECT count(*) FROM registrations WHERE education = 'bachelor'`); n != 1 {
		t.Errorf("本科（学士） read as bachelor %d times, want 1", n)
	}
}

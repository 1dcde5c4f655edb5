package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"enlist/internal/idnum"
	"enlist/internal/regions"
)

var (
	tabOnce sync.Once
	tabErr  error
	tabVal  *regions.Table
)

func builtin(t *testing.T) *regions.Table {
	t.Helper()
	tabOnce.Do(func() { tabVal, tabErr = regions.Builtin() })
	if tabErr != nil {
		t.Fatal(tabErr)
	}
	return tabVal
}

func generate(t *testing.T, opt Options) Manifest {
	t.Helper()
	if opt.Out == "" {
		opt.Out = t.TempDir()
	}
	m, err := Generate(context.Background(), opt, builtin(t), nil)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return m
}

// Ningxia: five cities, 22 counties, so a run is small and still has a
// second city for two_regions.
func smallOptions(messy float64) Options {
	return Options{Province: "64", Year: 2025, Registrations: 20000, Seed: 7, Messy: messy}
}

func TestDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	opt := smallOptions(0.4)
	opt.Out = a
	generate(t, opt)
	opt.Out = b
	generate(t, opt)
	filesA := readTree(t, a)
	filesB := readTree(t, b)
	if len(filesA) != len(filesB) {
		t.Fatalf("first run wrote %d files, second %d", len(filesA), len(filesB))
	}
	xlsx := 0
	for path, data := range filesA {
		if !bytes.Equal(data, filesB[path]) {
			t.Errorf("%s differs between two runs with the same seed", path)
		}
		if strings.HasSuffix(path, ".xlsx") {
			xlsx++
		}
	}
	if xlsx == 0 {
		t.Error("no XLSX file compared")
	}

	opt.Out, opt.Seed = c, opt.Seed+1
	generate(t, opt)
	filesC := readTree(t, c)
	if bytes.Equal(filesA["registrations/6401_2025_s1.csv"], filesC["registrations/6401_2025_s1.csv"]) &&
		bytes.Equal(filesA["manifest.json"], filesC["manifest.json"]) {
		t.Error("a different seed gave the same output")
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		b, err := os.ReadFile(path)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCleanRun(t *testing.T) {
	opt := smallOptions(0)
	opt.Out = t.TempDir()
	m := generate(t, opt)
	for _, f := range m.Files {
		if f.Format != formatCSV || f.Encoding != encUTF8 || f.Title != "" || f.Headers != headersCanonical ||
			f.Values != valuesCanonical || f.Dates != datesISO || f.HeaderRows != 1 || f.TotalRow || f.Footer || f.ExamTypeImplied {
			t.Errorf("%s: clean run wrote an odd file: %+v", f.Path, f)
		}
		if len(f.Defects) != 0 {
			t.Errorf("%s: clean run has defects %v", f.Path, f.Defects)
		}
	}
	got := check(t, opt.Out, m)
	for path, counts := range got {
		for k, n := range counts {
			if n != 0 {
				t.Errorf("%s: %d rows read as %s in a clean run", path, n, k)
			}
		}
	}
	if m.People != opt.Registrations {
		t.Errorf("People = %d, want %d", m.People, opt.Registrations)
	}
	if len(m.Files) != 2+5*11 {
		t.Errorf("%d files, want %d (quotas, the universities, and per city 2 registrations, 6 exams, 2 approvals, 1 resettlement)", len(m.Files), 2+5*11)
	}
}

// TestMessyRun reads every file back like an ingest would and finds exactly
// the defects the manifest records, file by file.
func TestMessyRun(t *testing.T) {
	opt := smallOptions(0.3)
	opt.Out = t.TempDir()
	m := generate(t, opt)
	got := check(t, opt.Out, m)
	total := map[string]int{}
	for _, f := range m.Files {
		for _, k := range AllDefects {
			if got[f.Path][k] != f.Defects[k] {
				t.Errorf("%s: %d rows read as %s, manifest says %d", f.Path, got[f.Path][k], k, f.Defects[k])
			}
			total[k] += f.Defects[k]
		}
	}
	for _, k := range AllDefects {
		if total[k] == 0 {
			t.Errorf("no %s defect in a messy run", k)
		}
	}
	t.Logf("defects: %v", total)
}

func TestMessyShapes(t *testing.T) {
	for _, messy := range []float64{0.01, 0.5, 1} {
		opt := smallOptions(messy)
		opt.Registrations = 6000
		opt.Out = t.TempDir()
		m := generate(t, opt)
		seen := map[string]bool{}
		xlsx := 0
		for _, f := range m.Files {
			seen["format="+f.Format] = true
			seen["encoding="+f.Encoding] = true
			seen["headers="+f.Headers] = true
			seen["values="+f.Values] = true
			seen["results="+f.Results] = true
			seen["dates="+f.Dates] = true
			if f.Format == formatXLSX {
				xlsx++
				seen["title"] = seen["title"] || f.Title != ""
				seen["two-row header"] = seen["two-row header"] || f.HeaderRows == 2
				seen["total row"] = seen["total row"] || f.TotalRow
				seen["footer"] = seen["footer"] || f.Footer
				seen["exam type implied"] = seen["exam type implied"] || f.ExamTypeImplied
			}
			if f.ExamTypeImplied && (f.Title == "" || !strings.Contains(f.Title, map[string]string{examPhysical: "体检", examPolitical: "政治考核"}[f.ExamType])) {
				t.Errorf("%s drops exam_type but its title %q does not name the type", f.Path, f.Title)
			}
		}
		for _, want := range []string{
			"format=xlsx", "encoding=gb18030", "encoding=utf-8-bom", "headers=alternative", "headers=english",
			"values=alternative", "results=passed", "results=yes_no", "dates=slash", "dates=chinese", "dates=compact",
			"dates=excel_date", "dates=excel_serial", "title", "two-row header", "total row", "footer", "exam type implied",
		} {
			if !seen[want] {
				t.Errorf("messy=%v: no file with %s", messy, want)
			}
		}
		// XLSX stays a minority once there are files enough to choose from.
		if messy >= 0.5 && xlsx > len(m.Files)/4 {
			t.Errorf("messy=%v: %d of %d files are XLSX", messy, xlsx, len(m.Files))
		}
		got := check(t, opt.Out, m)
		for _, f := range m.Files {
			for _, k := range AllDefects {
				if got[f.Path][k] != f.Defects[k] {
					t.Errorf("messy=%v %s: %d rows read as %s, manifest says %d", messy, f.Path, got[f.Path][k], k, f.Defects[k])
				}
			}
		}
	}
}

func TestQuotasAddUp(t *testing.T) {
	opt := smallOptions(0)
	opt.Out = t.TempDir()
	m := generate(t, opt)
	var qf File
	for _, f := range m.Files {
		if f.Kind == kindQuotas {
			qf = f
		}
	}
	sh := readExtract(t, opt.Out, qf)
	col := columnIndex(qf)
	province := map[string]int{}
	counties := map[string]int{}
	female := map[string]int{}
	seen := map[string]bool{}
	for _, r := range sh.rows {
		q, err := strconv.Atoi(r[col["quota"]])
		if err != nil || q <= 0 {
			t.Fatalf("quota %q", r[col["quota"]])
		}
		season := r[col["season"]]
		track := r[col["track"]]
		if track == trackFemale {
			// A county's female quota: the province's is their sum, in no
			// row of its own.
			if code := r[col["region_code"]]; len(code) != 6 || seen[season+code+track] {
				t.Errorf("female quota row for %s in season %s", code, season)
			}
			seen[season+r[col["region_code"]]+track] = true
			female[season] += q
			continue
		}
		if track != trackMale {
			t.Errorf("track %q", track)
		}
		switch code := r[col["region_code"]]; len(code) {
		case 2:
			province[season] += q
		case 6:
			counties[season] += q
			if seen[season+code] {
				t.Errorf("county %s twice in season %s", code, season)
			}
			seen[season+code] = true
		default:
			t.Errorf("quota row for %q", code)
		}
		for _, c := range []string{"college_target", "graduate_target"} {
			if x, err := strconv.ParseFloat(r[col[c]], 64); err != nil || x <= 0 || x >= 1 {
				t.Errorf("%s = %q, want a ratio", c, r[col[c]])
			}
		}
	}
	if len(province) != 2 {
		t.Fatalf("province rows for seasons %v", province)
	}
	for s, q := range province {
		if counties[s] != q {
			t.Errorf("season %s: counties add up to %d, province row says %d", s, counties[s], q)
		}
	}
	// Most counties set a female quota: four in five.
	for _, tot := range m.Seasons {
		if female[itoa(tot.Season)] != tot.FemaleQuota || tot.FemaleQuota == 0 {
			t.Errorf("season %d: female quotas add up to %d, manifest says %d", tot.Season, female[itoa(tot.Season)], tot.FemaleQuota)
		}
	}
	for _, tot := range m.Seasons {
		if r := float64(tot.Approved) / float64(tot.Quota+tot.FemaleQuota); r < 0.8 || r > 1.1 {
			t.Errorf("season %d: %d approved of quota %d", tot.Season, tot.Approved, tot.Quota)
		}
	}
	if s1, s2 := m.Seasons[0].Quota, m.Seasons[1].Quota; float64(s1)/float64(s1+s2) < 0.38 || float64(s1)/float64(s1+s2) > 0.52 {
		t.Errorf("spring quota %d of %d, want about 45 %%", s1, s1+s2)
	}
}

// TestFunnel checks the shape SPEC §2 describes on a bigger run.
func TestFunnel(t *testing.T) {
	opt := Options{Province: "41", Year: 2025, Registrations: 60000, Seed: 3}
	m := generate(t, opt)
	for _, s := range m.Seasons {
		ratio := func(a, b int) float64 { return float64(a) / float64(b) }
		for _, c := range []struct {
			name     string
			got      float64
			min, max float64
		}{
			{"applied/registered", ratio(s.Applied, s.Registered), 0.2, 0.3},
			{"examined/applied", ratio(s.PhysicalExamined, s.Applied), 0.7, 0.8},
			{"physical pass", ratio(s.PhysicalPassed, s.PhysicalExamined), 0.6, 0.8},
			{"political pass", ratio(s.PoliticalPassed, s.PoliticalReviewed), 0.92, 0.98},
			{"approved/registered", ratio(s.Approved, s.Registered), 0.03, 0.06},
			{"college ratio", ratio(s.ApprovedCollege, s.Approved), 0.6, 0.9},
			{"return rate", ratio(s.Returned, s.Approved), 0.002, 0.03},
		} {
			if c.got < c.min || c.got > c.max {
				t.Errorf("season %d %s = %.3f, want %.2f–%.2f", s.Season, c.name, c.got, c.min, c.max)
			}
		}
	}
	if m.Veterans == 0 {
		t.Error("no veterans")
	}
}

func TestSingleCityProvince(t *testing.T) {
	// Beijing has one city (市辖区): no two_regions possible, and the title
	// names the province.
	opt := Options{Province: "11", Year: 2024, Registrations: 3000, Seed: 1, Messy: 0.5}
	opt.Out = t.TempDir()
	m := generate(t, opt)
	got := check(t, opt.Out, m)
	for _, f := range m.Files {
		if f.Title != "" && !strings.HasPrefix(f.Title, "北京市2024年") {
			t.Errorf("%s title %q", f.Path, f.Title)
		}
		for _, k := range AllDefects {
			if got[f.Path][k] != f.Defects[k] {
				t.Errorf("%s: %d rows read as %s, manifest says %d", f.Path, got[f.Path][k], k, f.Defects[k])
			}
		}
	}
}

func TestProgressAndCancel(t *testing.T) {
	var calls, last, total int
	opt := smallOptions(0)
	opt.Registrations = 3000
	opt.Out = t.TempDir()
	_, err := Generate(context.Background(), opt, builtin(t), func(done, n int) {
		calls++
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		last, total = done, n
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 2 || last != total || total != opt.Registrations {
		t.Errorf("progress: %d calls, last %d of %d", calls, last, total)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opt.Out = t.TempDir()
	if _, err := Generate(ctx, opt, builtin(t), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Generate: %v", err)
	}
	for _, bad := range []Options{
		{Province: "4", Year: 2025, Out: opt.Out},
		{Province: "99", Year: 2025, Out: opt.Out},
		{Province: "41", Year: 2025, Messy: 2, Out: opt.Out},
		{Province: "41", Year: 2025},
	} {
		if _, err := Generate(context.Background(), bad, builtin(t), nil); !errors.Is(err, ErrOptions) {
			t.Errorf("Generate(%+v) = %v, want ErrOptions", bad, err)
		}
	}
}

// TestSpellingsAreKnown holds vocab.go to the ingest's mapping files: every
// header a file can carry is an alias of its column, every value a listed
// spelling of its code, and every bad value on purpose is unknown.
func TestSpellingsAreKnown(t *testing.T) {
	v := loadVocab(t)
	for kind, cols := range kindColumns {
		types := []string{""}
		if kind == kindExams {
			types = examTypes[:]
		}
		for _, et := range types {
			for _, c := range cols {
				for _, style := range []string{headersCanonical, headersAlternative, headersEnglish} {
					for _, h := range headerChoices(style, kind, et, c) {
						if !v.isAlias(c, h) {
							t.Errorf("%s %s header %q (%s) is not an alias of %s in aliases.csv", kind, et, h, style, c)
						}
					}
				}
			}
		}
	}
	for f := enumField(0); f < nEnumFields; f++ {
		field := enumName[f]
		var codes []string
		if f == fMajor {
			codes = append(append(codes, stemMajors...), otherMajors...)
		}
		for code := range canonicalValues[f] {
			codes = append(codes, code)
		}
		for _, values := range []string{valuesCanonical, valuesAlternative, valuesEnglish} {
			for _, results := range []string{resultsCanonical, resultsPassed, resultsYesNo, resultsEnglish} {
				for seed := range 4 {
					sp := newSpeller(&variant{values: values, results: results}, unitRNG(int64(seed), "spell"))
					for _, code := range codes {
						word := sp.spell(f, code)
						want := code
						if f == fMajor {
							want = "non_stem"
							if (&person{major: code}).stem() {
								want = "stem"
							}
						}
						if got, ok := v.values[field][word]; !ok || got != want {
							t.Errorf("%s %q (values %s) maps to %q in values.csv, want %q", field, word, values, got, want)
						}
					}
				}
			}
		}
	}
	for kind, words := range badEnumValues {
		field := map[string]string{kindRegistrations: "education", kindExams: "result", kindApprovals: "return_responsible", kindResettlement: "plan"}[kind]
		for _, w := range words {
			if _, ok := v.values[field][w]; ok {
				t.Errorf("bad %s value %q is a known spelling", field, w)
			}
		}
	}
}

// vocab is the ingest's mapping files.
type vocab struct {
	aliases map[string]map[string]bool   // column → lower-cased alias
	values  map[string]map[string]string // field → spelling → code
}

var (
	vocabOnce sync.Once
	vocabVal  vocab
	vocabErr  error
)

func loadVocab(t *testing.T) vocab {
	t.Helper()
	vocabOnce.Do(func() {
		vocabVal = vocab{aliases: map[string]map[string]bool{}, values: map[string]map[string]string{}}
		read := func(name string) [][]string {
			if vocabErr != nil {
				return nil
			}
			b, err := os.ReadFile(filepath.Join("..", "..", "pipelines", "mapping", name))
			if err != nil {
				vocabErr = err
				return nil
			}
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				vocabErr = err
			}
			return recs
		}
		for _, r := range read("aliases.csv")[1:] {
			if vocabVal.aliases[r[0]] == nil {
				vocabVal.aliases[r[0]] = map[string]bool{}
			}
			vocabVal.aliases[r[0]][strings.ToLower(r[1])] = true
		}
		for _, r := range read("values.csv")[1:] {
			if vocabVal.values[r[0]] == nil {
				vocabVal.values[r[0]] = map[string]string{}
			}
			vocabVal.values[r[0]][r[1]] = r[2]
		}
	})
	if vocabErr != nil {
		t.Fatal(vocabErr)
	}
	return vocabVal
}

func (v vocab) isAlias(column, header string) bool {
	return v.aliases[column][strings.ToLower(header)]
}

// extract is a file read back: the header each column carries and the data
// rows, without title, total and footer lines.
type extract struct {
	header []string
	rows   [][]string
}

func columnIndex(f File) map[string]int {
	m := map[string]int{}
	for i, c := range f.Columns {
		m[c] = i
	}
	return m
}

// readExtract reads a file the way an ingest must: decoding the encoding,
// skipping the title, merging a two-row header, dropping 合计 and footer
// lines. It checks the shape against the manifest on the way.
func readExtract(t *testing.T, out string, f File) extract {
	t.Helper()
	path := filepath.Join(out, filepath.FromSlash(f.Path))
	if f.Format == formatXLSX {
		return readXLSX(t, path, f)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch f.Encoding {
	case encBOM:
		if !bytes.HasPrefix(b, []byte("\ufeff")) {
			t.Errorf("%s: no BOM", f.Path)
		}
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
	case encGB18030:
		// Chinese text in GB18030 is not valid UTF-8; an all-ASCII file
		// (English headers, no rows) is both.
		if utf8.Valid(b) && bytes.IndexFunc(b, func(r rune) bool { return r >= 0x80 }) >= 0 {
			t.Errorf("%s: GB18030 file is valid UTF-8", f.Path)
		}
		if b, err = simplifiedchinese.GB18030.NewDecoder().Bytes(b); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
	default:
		if !utf8.Valid(b) || bytes.HasPrefix(b, []byte("\ufeff")) {
			t.Errorf("%s: not plain UTF-8", f.Path)
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	return extract{header: recs[0], rows: recs[1:]}
}

func readXLSX(t *testing.T, path string, f File) extract {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 1 || got[0] != f.Sheet {
		t.Errorf("%s: sheets %v, want [%s]", f.Path, got, f.Sheet)
	}
	rows, err := x.GetRows(f.Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	merged, _ := x.GetMergeCells(f.Sheet)
	next := 0
	if f.Title != "" {
		if len(rows[0]) == 0 || rows[0][0] != f.Title {
			t.Errorf("%s: title row %q, want %q", f.Path, rows[0], f.Title)
		}
		if len(merged) == 0 || merged[0].GetStartAxis() != "A1" {
			t.Errorf("%s: title not merged", f.Path)
		}
		next++
	}
	var e extract
	if f.HeaderRows == 2 {
		top, bottom := rows[next], rows[next+1]
		for i := range top {
			if i < len(bottom) && bottom[i] != "" {
				e.header = append(e.header, bottom[i])
			} else {
				e.header = append(e.header, top[i])
			}
		}
		for i := len(top); i < len(bottom); i++ {
			e.header = append(e.header, bottom[i])
		}
		label, _, _ := groupLabel(f.Kind, f.ExamType)
		found := false
		for _, m := range merged {
			found = found || m.GetCellValue() == label
		}
		if !found {
			t.Errorf("%s: no merged %s over its columns", f.Path, label)
		}
		next += 2
	} else {
		e.header = rows[next]
		next++
	}
	total, footer := false, false
	for _, r := range rows[next:] {
		switch {
		case len(r) == 0:
		case r[0] == "合计":
			total = true
			if want := "共" + strconv.Itoa(len(e.rows)) + "人"; len(r) < 2 || r[1] != want {
				t.Errorf("%s: total row %q, want %s", f.Path, r, want)
			}
		case strings.HasPrefix(r[0], "填表人："):
			footer = true
			if !strings.Contains(r[0], "审核人：") || !strings.Contains(r[0], "填表日期：") {
				t.Errorf("%s: footer %q", f.Path, r[0])
			}
		default:
			if total || footer {
				t.Errorf("%s: data after the total or footer", f.Path)
			}
			for len(r) < len(e.header) {
				r = append(r, "")
			}
			e.rows = append(e.rows, r)
		}
	}
	if total != f.TotalRow || footer != f.Footer {
		t.Errorf("%s: total row %v footer %v, manifest says %v %v", f.Path, total, footer, f.TotalRow, f.Footer)
	}
	return e
}

var requiredDate = map[string]string{
	kindRegistrations: "registered_on", kindExams: "exam_date", kindApprovals: "approved_on", kindResettlement: "discharged_on",
}

var enumColumns = map[string][]string{
	kindQuotas:        {"season"},
	kindRegistrations: {"gender", "education", "student_status", "major_category", "applied", "season"},
	kindExams:         {"exam_type", "result"},
	kindApprovals:     {"season", "return_responsible"},
	kindResettlement:  {"service_type", "plan"},
}

var dateColumns = map[string]bool{
	"birth_date": true, "registered_on": true, "exam_date": true, "approved_on": true, "handover_on": true,
	"returned_on": true, "discharged_on": true, "placed_on": true, "subsidy_paid_on": true,
}

func parseDate(style, s string) (time.Time, bool) {
	layout := map[string]string{datesISO: "2006-01-02", datesSlash: "2006/1/2", datesChinese: "2006年1月2日", datesCompact: "20060102"}[style]
	if style == datesExcel || style == datesSerial {
		n, err := strconv.Atoi(s)
		if err != nil {
			return time.Time{}, false
		}
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	}
	d, err := time.Parse(layout, s)
	return d, err == nil
}

type regRow struct {
	file, region string
}

type examResult struct {
	day  time.Time
	pass bool
}

// check reads every file of a run and classifies every row by the checks of
// SPEC §5, returning the rows found per file and defect kind. A row with
// two problems fails the test: defects must not overlap.
func check(t *testing.T, out string, m Manifest) map[string]map[string]int {
	t.Helper()
	v := loadVocab(t)
	tab := builtin(t)
	found := map[string]map[string]int{}
	regs := map[string]map[string][]regRow{} // season → id → rows
	registered := map[string]bool{}
	registeredIn := map[string]string{} // id → season, to find two people sharing a number
	veterans := map[string]bool{}
	reexams := map[string]map[string]int{}       // file → id → rows
	latest := map[string]map[string]examResult{} // exam type → id → latest result
	type idRow struct{ file, id string }
	var examRows, approvalRows []idRow

	files := append([]File(nil), m.Files...)
	sort.Slice(files, func(a, b int) bool { return files[a].Path < files[b].Path })
	for _, f := range files {
		count := map[string]int{}
		found[f.Path] = count
		e := readExtract(t, out, f)
		if len(e.rows) != f.Rows {
			t.Errorf("%s: %d data rows, manifest says %d", f.Path, len(e.rows), f.Rows)
		}
		if len(e.header) != len(f.Columns) {
			t.Fatalf("%s: header %q for columns %v", f.Path, e.header, f.Columns)
		}
		for i, h := range e.header {
			if !v.isAlias(f.Columns[i], h) {
				t.Errorf("%s: header %q is not an alias of %s", f.Path, h, f.Columns[i])
			}
		}
		col := columnIndex(f)
		seen := map[string]bool{}
		for n, r := range e.rows {
			var problems []string
			id := ""
			if k, ok := col["id_number"]; ok {
				id = r[k]
				if _, err := idnum.Parse(id); err != nil {
					switch {
					case errors.Is(err, idnum.ErrLength):
						problems = append(problems, DefectBadIDLength)
					case errors.Is(err, idnum.ErrCheck):
						problems = append(problems, DefectBadIDCheck)
					default:
						t.Errorf("%s row %d: identity number %q: %v", f.Path, n+1, id, err)
					}
				} else if reg, ok := tab.Lookup(id[:6]); !ok || reg.Level != regions.County {
					t.Errorf("%s row %d: identity number %q has no county prefix", f.Path, n+1, id)
				}
			}
			dates := map[string]time.Time{}
			for c, k := range col {
				if !dateColumns[c] || r[k] == "" {
					continue
				}
				d, ok := parseDate(f.Dates, r[k])
				if ok && d.Year() >= 1990 && d.Year() <= m.Options.Year {
					dates[c] = d
					continue
				}
				if c == requiredDate[f.Kind] {
					problems = append(problems, DefectBadDate)
				} else {
					t.Errorf("%s row %d: %s %q does not parse as %s", f.Path, n+1, c, r[k], f.Dates)
				}
			}
			codes := map[string]string{}
			for _, c := range enumColumns[f.Kind] {
				k, ok := col[c]
				if !ok || r[k] == "" {
					continue
				}
				code, ok := v.values[c][r[k]]
				if !ok {
					problems = append(problems, DefectBadEnum)
				}
				codes[c] = code
			}
			if len(problems) > 1 {
				t.Errorf("%s row %d: several defects in one row: %v", f.Path, n+1, problems)
			}
			if len(problems) > 0 {
				count[problems[0]]++
				continue
			}
			key := strings.Join(r, "\x1f")
			if seen[key] {
				count[DefectDuplicate]++
				continue
			}
			seen[key] = true

			switch f.Kind {
			case kindRegistrations:
				season := codes["season"]
				if season != strconv.Itoa(f.Season) {
					t.Errorf("%s row %d: season %q", f.Path, n+1, r[col["season"]])
				}
				if regs[season] == nil {
					regs[season] = map[string][]regRow{}
				}
				for _, prev := range regs[season][id] {
					if prev.file == f.Path {
						t.Errorf("%s row %d: same person twice in a file, not as an exact re-send", f.Path, n+1)
					}
				}
				regs[season][id] = append(regs[season][id], regRow{f.Path, r[col["region_code"]]})
				registered[id] = true
				if s, ok := registeredIn[id]; ok && s != season {
					t.Errorf("%s row %d: identity number %s registered in both seasons", f.Path, n+1, id)
				}
				registeredIn[id] = season
				if !strings.HasPrefix(r[col["region_code"]], f.Region) || len(r[col["region_code"]]) != 9 {
					t.Errorf("%s row %d: region %q outside %s", f.Path, n+1, r[col["region_code"]], f.Region)
				}
				age := m.Options.Year - atoiTest(id[6:10])
				college := map[string]bool{"associate": true, "bachelor": true, "master": true, "doctor": true}[codes["education"]]
				if age < 18 || age > 24 || (age > 22 && !college) {
					count[DefectAgeRule]++
				}
				if bd := dates["birth_date"]; bd.Format("20060102") != id[6:14] {
					t.Errorf("%s row %d: birth date %v does not match %s", f.Path, n+1, bd, id)
				}
			case kindExams:
				typ := f.ExamType
				if c, ok := codes["exam_type"]; ok && c != typ {
					t.Errorf("%s row %d: exam type %q in a %s file", f.Path, n+1, c, typ)
				}
				if latest[typ] == nil {
					latest[typ] = map[string]examResult{}
				}
				d := dates["exam_date"]
				if prev, ok := latest[typ][id]; !ok || d.After(prev.day) {
					latest[typ][id] = examResult{d, codes["result"] == "pass"}
				}
				examRows = append(examRows, idRow{f.Path, id})
				if reexams[f.Path] == nil {
					reexams[f.Path] = map[string]int{}
				}
				reexams[f.Path][id]++
			case kindApprovals:
				approvalRows = append(approvalRows, idRow{f.Path, id})
			case kindResettlement:
				if veterans[id] {
					t.Errorf("%s row %d: two veterans share identity number %s", f.Path, n+1, id)
				}
				veterans[id] = true
			}
		}
	}
	for _, f := range files {
		if f.Kind != kindExams {
			continue
		}
		twice := 0
		for _, n := range reexams[f.Path] {
			if n > 1 {
				twice++
			}
		}
		if twice != f.Reexams {
			t.Errorf("%s: %d people with two rows, manifest says %d re-examinations", f.Path, twice, f.Reexams)
		}
	}
	for id := range veterans {
		if registered[id] {
			t.Errorf("veteran %s is also registered this year", id)
		}
	}
	// Cross-file flags: a second registration in another region the same
	// season (counted on the later file), exams and approvals of people
	// registered nowhere, approvals without both exams passed.
	for _, byID := range regs {
		for _, rows := range byID {
			for _, r := range rows[1:] {
				found[r.file][DefectTwoRegions]++
				if r.region == rows[0].region {
					t.Errorf("%s: second registration in the same region", r.file)
				}
			}
		}
	}
	for _, r := range examRows {
		if !registered[r.id] {
			found[r.file][DefectOrphan]++
		}
	}
	for _, r := range approvalRows {
		switch {
		case !registered[r.id]:
			found[r.file][DefectOrphan]++
			if !latest[examPhysical][r.id].pass || !latest[examPolitical][r.id].pass {
				t.Errorf("%s: orphan approval without passed exams is two defects", r.file)
			}
		case !latest[examPhysical][r.id].pass || !latest[examPolitical][r.id].pass:
			found[r.file][DefectUnapprovedDouble]++
		}
	}
	return found
}

func atoiTest(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestPriorYears: with PriorYears the year before is written too, in its own
// folder with its own manifest, dated in that year, and the main year is
// byte-identical to what it is alone.
func TestPriorYears(t *testing.T) {
	alone := generate(t, Options{Province: "41", Year: 2025, Registrations: 300, Seed: 3, Out: filepath.Join(t.TempDir(), "a")})
	both := Options{Province: "41", Year: 2025, Registrations: 300, Seed: 3, Out: filepath.Join(t.TempDir(), "b"), PriorYears: 1}
	m := generate(t, both)
	if len(m.Files) != len(alone.Files) || m.People != alone.People {
		t.Errorf("main year: %d files, %d people; alone %d, %d", len(m.Files), m.People, len(alone.Files), alone.People)
	}
	for _, f := range alone.Files {
		a, err := os.ReadFile(filepath.Join(alone.Options.Out, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(both.Out, f.Path))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs with a prior year: %v", f.Path, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(both.Out, "2024", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var prior Manifest
	if err := json.Unmarshal(raw, &prior); err != nil {
		t.Fatal(err)
	}
	if prior.Options.Year != 2024 || len(prior.Files) == 0 || prior.People == 0 {
		t.Fatalf("prior manifest: year %d, %d files, %d people", prior.Options.Year, len(prior.Files), prior.People)
	}
	for _, f := range prior.Files {
		if f.Year != 2024 {
			t.Errorf("%s: year %d", f.Path, f.Year)
		}
	}
	if _, err := Generate(context.Background(), Options{Province: "41", Year: 2025, Registrations: 10, Out: t.TempDir(), PriorYears: -1}, builtin(t), nil); !errors.Is(err, ErrOptions) {
		t.Errorf("negative prior years: %v", err)
	}
}

// TestWomenAndMinorities: women register (about one in ten) and ethnic
// minorities come in the province's proportions: few in 河南 (41, about
// 1.2 %), about a third in 云南 (53, more than twenty peoples).
func TestWomenAndMinorities(t *testing.T) {
	for _, tc := range []struct {
		province string
		lo, hi   float64
		peoples  int
	}{
		{"41", 0.005, 0.025, 2},
		{"53", 0.28, 0.40, 15},
	} {
		t.Run(tc.province, func(t *testing.T) {
			opt := Options{Province: tc.province, Year: 2025, Registrations: 8000, Seed: 5, Out: t.TempDir()}
			m := generate(t, opt)
			var n, women, minority int
			peoples := map[string]bool{}
			for _, f := range m.Files {
				if f.Kind != kindRegistrations {
					continue
				}
				sh := readExtract(t, opt.Out, f)
				col := columnIndex(f)
				for _, r := range sh.rows {
					n++
					if r[col["gender"]] == "女" {
						women++
					}
					if e := r[col["ethnicity"]]; e != "汉族" {
						minority++
						peoples[e] = true
					}
				}
			}
			if share := float64(women) / float64(n); share < 0.05 || share > 0.15 {
				t.Errorf("%d women of %d registrations", women, n)
			}
			if share := float64(minority) / float64(n); share < tc.lo || share > tc.hi {
				t.Errorf("%d of %d registrations are of minorities (%.1f %%), want %.1f–%.1f %%", minority, n, 100*share, 100*tc.lo, 100*tc.hi)
			}
			if len(peoples) < tc.peoples {
				t.Errorf("minorities of %d peoples, want at least %d", len(peoples), tc.peoples)
			}
		})
	}
	if got := minorityShares("99"); len(got) == 0 || got[0].name != "壮族" {
		t.Errorf("a province without shares of its own takes the national mix, got %v", got)
	}
}

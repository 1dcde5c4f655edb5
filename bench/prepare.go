package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/synth"
)

// The province, year, season and as-of date every scenario uses: the
// summer-autumn season of 2025 at 31 August, when registrations are in,
// exams are done and approvals are under way (internal/synth's calendar).
const (
	Province = "41"
	Year     = 2025
	Season   = 2
	AsOf     = "2025-08-31"
)

// generate writes a clean province (messy 0: every file a UTF-8 CSV with
// canonical headers, so that the peer script reads what enlist reads and
// both do every check on every row).
func generate(ctx context.Context, dir string, registrations int, progress func(string)) (synth.Manifest, error) {
	tab, err := regions.Builtin()
	if err != nil {
		return synth.Manifest{}, err
	}
	opt := synth.Options{Province: Province, Year: Year, Registrations: registrations, Seed: 1, Out: dir}
	return synth.Generate(ctx, opt, tab, func(done, total int) {
		progress(fmt.Sprintf("generating a province of %d registrations: %d", total, done))
	})
}

// writeRoll concatenates the province's registration files into one roll
// (one header), the single large file ingest is measured on, and writes the
// same roll in GB18030 as Windows Excel saves it.
func writeRoll(province, utf8Path, gbPath string) error {
	files, err := filepath.Glob(filepath.Join(province, "registrations", "*.csv"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("roll: no registration files under %s", province)
	}
	sort.Strings(files)
	out, err := os.Create(utf8Path)
	if err != nil {
		return fmt.Errorf("roll: %w", err)
	}
	gbFile, err := os.Create(gbPath)
	if err != nil {
		return errors.Join(fmt.Errorf("roll: %w", err), out.Close())
	}
	gb := transform.NewWriter(gbFile, simplifiedchinese.GB18030.NewEncoder())
	w := bufio.NewWriterSize(io.MultiWriter(out, gb), 1<<20)
	var header []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return errors.Join(fmt.Errorf("roll: %w", err), out.Close(), gbFile.Close())
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			continue
		}
		switch {
		case header == nil:
			header = b[:i+1]
			w.Write(header)
		case !bytes.Equal(b[:i+1], header):
			return errors.Join(fmt.Errorf("roll: %s has other headers than the first file", f), out.Close(), gbFile.Close())
		}
		w.Write(b[i+1:])
	}
	return errors.Join(w.Flush(), gb.Close(), out.Close(), gbFile.Close())
}

// weekCounties is how many counties re-send their files in the weekly cycle.
const weekCounties = 3

// writeWeek writes the weekly cycle's deliveries: three counties, each in
// a different city, re-send their season's registration roll and their
// physical and political exam sheets — everything they sent before (as
// part of their city's files) plus a week's changes dated in the week up to
// the as-of date: new registrations (2 % more people), 1 % of those who had
// not applied now applying, and new exam results for people who applied
// and had none. It returns the counties' codes.
func writeWeek(province, week string) ([]string, error) {
	asOf, _ := time.Parse("2006-01-02", AsOf)
	files, err := filepath.Glob(filepath.Join(province, "registrations", fmt.Sprintf("*_%d_s%d.csv", Year, Season)))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var counties []string
	for _, f := range files {
		if len(counties) == weekCounties {
			break
		}
		city := strings.SplitN(filepath.Base(f), "_", 2)[0]
		reg, err := readCSV(f)
		if err != nil {
			return nil, err
		}
		county := largestCounty(reg)
		if county == "" {
			continue
		}
		counties = append(counties, county)
		if err := writeCountyWeek(province, week, city, county, reg, asOf); err != nil {
			return nil, fmt.Errorf("week of %s: %w", county, err)
		}
	}
	if len(counties) < weekCounties {
		return nil, fmt.Errorf("week: the province has registrations in only %d cities", len(counties))
	}
	return counties, nil
}

// table is a CSV file: header and rows.
type table struct {
	header []string
	rows   [][]string
}

func (t table) col(name string) int {
	for i, h := range t.header {
		if h == name {
			return i
		}
	}
	return -1
}

func readCSV(path string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(bufio.NewReaderSize(f, 1<<20)).ReadAll()
	if err != nil {
		return table{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(recs) == 0 {
		return table{}, fmt.Errorf("read %s: empty", path)
	}
	return table{header: recs[0], rows: recs[1:]}, nil
}

func writeCSV(path string, t table) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(bufio.NewWriter(f))
	w.Write(t.header)
	w.WriteAll(t.rows)
	return errors.Join(w.Error(), f.Close())
}

// largestCounty is the county (first six digits of 区划代码) with most rows.
func largestCounty(reg table) string {
	ci := reg.col("区划代码")
	if ci < 0 {
		return ""
	}
	n := map[string]int{}
	best := ""
	for _, r := range reg.rows {
		c := r[ci][:6]
		n[c]++
		if n[c] > n[best] || (n[c] == n[best] && c < best) {
			best = c
		}
	}
	return best
}

func writeCountyWeek(province, week, city, county string, reg table, asOf time.Time) error {
	id, region, applied := reg.col("身份证号"), reg.col("区划代码"), reg.col("是否报名")
	name, birth, gender, on := reg.col("姓名"), reg.col("出生日期"), reg.col("性别"), reg.col("登记日期")
	if id < 0 || region < 0 || applied < 0 || name < 0 || birth < 0 || gender < 0 || on < 0 {
		return errors.New("registrations file lacks a canonical column")
	}
	out := table{header: reg.header}
	taken := map[string]bool{}
	for _, r := range reg.rows {
		taken[r[id]] = true
		if strings.HasPrefix(r[region], county) {
			out.rows = append(out.rows, append([]string(nil), r...))
		}
	}
	if len(out.rows) == 0 {
		return errors.New("no registrations")
	}
	day := func(i int) string { return asOf.AddDate(0, 0, -(i % 7)).Format("2006-01-02") }
	// 1 % of those who had not applied apply this week.
	flipped := 0
	for i, r := range out.rows {
		if r[applied] == "否" && i%100 == 0 {
			r[applied] = "是"
			flipped++
		}
	}
	// 2 % more people register, copied from a template row of the county
	// with a new identity number (odd sequence: men, as the template).
	fresh := max(1, len(out.rows)/50)
	var newIDs []string
	seq := 999
	for i := 0; len(newIDs) < fresh; i++ {
		t := out.rows[i%len(out.rows)]
		b := time.Date(2005, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		n := idnum.Make(county, b, seq)
		seq -= 2
		if seq < 1 {
			seq = 999
		}
		if taken[n] {
			continue
		}
		taken[n] = true
		r := append([]string(nil), t...)
		r[id], r[name], r[gender], r[birth], r[on], r[applied] = n, "新登记", "男", b.Format("2006-01-02"), day(i), "是"
		out.rows = append(out.rows, r)
		newIDs = append(newIDs, n)
	}
	if err := writeCSV(filepath.Join(week, "registrations", fmt.Sprintf("%s_%d_s%d.csv", county, Year, Season)), out); err != nil {
		return err
	}
	people := map[string]bool{}
	for _, r := range out.rows {
		people[r[id]] = true
	}
	// Exam sheets: the county's rows of its city's sheet, plus a result
	// for each new applicant (physical, then political for those who pass).
	for _, typ := range []string{"physical", "political"} {
		sheet, err := readCSV(filepath.Join(province, "exams", fmt.Sprintf("%s_%d_s%d_%s.csv", city, Year, Season, typ)))
		if err != nil {
			return err
		}
		eid, kind, date, result, reason := sheet.col("身份证号"), sheet.col("检查类型"), sheet.col("检查日期"), sheet.col("结论"), sheet.col("不合格原因")
		if eid < 0 || kind < 0 || date < 0 || result < 0 || reason < 0 {
			return fmt.Errorf("%s exam sheet lacks a canonical column", typ)
		}
		ex := table{header: sheet.header}
		var template []string
		for _, r := range sheet.rows {
			if people[r[eid]] {
				ex.rows = append(ex.rows, r)
				if template == nil || r[result] == "合格" {
					template = r
				}
			}
		}
		if template == nil {
			continue
		}
		for i, n := range newIDs {
			// A third fail the physical; the political is for the rest.
			pass := i%3 != 0
			if typ == "political" && !pass {
				continue
			}
			r := append([]string(nil), template...)
			r[eid], r[date], r[result], r[reason] = n, day(i), "合格", ""
			if !pass {
				r[result], r[reason] = "不合格", "视力不合格"
			}
			ex.rows = append(ex.rows, r)
		}
		if err := writeCSV(filepath.Join(week, "exams", fmt.Sprintf("%s_%d_s%d_%s.csv", county, Year, Season, typ)), ex); err != nil {
			return err
		}
	}
	return nil
}

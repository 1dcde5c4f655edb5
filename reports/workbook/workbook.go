// Package workbook writes the weekly bulletin (周通报) and the data-quality
// report as XLSX in the form of a Chinese government statistics table:
// merged title, 统计截止日期 and 单位 line, two-row merged headers, a 合计
// row, ranks, percentages as percentage formats, cells behind target
// coloured by conditional formats, frozen header, column widths that fit
// Chinese text, A4 landscape fitted to the page width with the header rows
// repeated. One file per sheet; the numbers all come from reports/bulletin.
package workbook

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/files"
	"enlist/reports/bulletin"
)

type writer struct {
	f    *excelize.File
	b    *bulletin.Bulletin
	lang bulletin.Lang
	st   *styles
}

func newWriter(b *bulletin.Bulletin) (*writer, error) {
	f := excelize.NewFile()
	st, err := newStyles(f, b.Lang)
	if err != nil {
		return nil, err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: b.Title(), Creator: "enlist", Language: string(b.Lang)}); err != nil {
		return nil, err
	}
	return &writer{f: f, b: b, lang: b.Lang, st: st}, nil
}

// sheets creates the named sheets in order, the first in place of Sheet1.
func (w *writer) sheets(names ...string) error {
	for i, n := range names {
		if i == 0 {
			if err := w.f.SetSheetName("Sheet1", n); err != nil {
				return err
			}
			continue
		}
		if _, err := w.f.NewSheet(n); err != nil {
			return fmt.Errorf("sheet %s: %w", n, err)
		}
	}
	w.f.SetActiveSheet(0)
	return nil
}

// Weekly builds the bulletin workbook.
func Weekly(b *bulletin.Bulletin) (*excelize.File, error) {
	w, err := newWriter(b)
	if err != nil {
		return nil, err
	}
	t := b.Lang.T
	names := []string{t("sheet_overview"), t("sheet_quota"), t("sheet_quality"), t("sheet_exams"),
		t("sheet_returns"), t("sheet_resettle")}
	steps := []func() error{w.overview, w.quota, w.quality, w.exams, w.returns, w.resettlement}
	if b.Schools != nil {
		// A city's or province's universities (高校征兵), beside its regions.
		names, steps = append(names, t("sheet_schools")), append(steps, w.schools)
	}
	names = append(names, t("sheet_data"), t("sheet_charts"))
	steps = append(steps, w.dataQuality, w.charts)
	if err := w.sheets(names...); err != nil {
		return nil, err
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w.f, nil
}

// Quality builds the data-quality workbook: problems by reason, by file
// and by region.
func Quality(b *bulletin.Bulletin) (*excelize.File, error) {
	w, err := newWriter(b)
	if err != nil {
		return nil, err
	}
	t := b.Lang.T
	if err := w.sheets(t("sheet_reasons"), t("sheet_files"), t("sheet_regions")); err != nil {
		return nil, err
	}
	for _, step := range []func() error{w.issuesByReason, w.filesSheet(t("sheet_files"), b.QualityTitle()), w.issuesByRegion} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w.f, nil
}

// Save writes f to path through a temporary file, so a reader never opens
// half a workbook.
func Save(f *excelize.File, path string) error {
	return files.Write(path, 0o644, func(out io.Writer) error { return f.Write(out) })
}

// regionColumn is a column of a table with one row per region.
type regionColumn struct {
	column
	value func(r bulletin.Row) any
}

func (w *writer) regionTable(sheet string, cols []regionColumn, rows []bulletin.Row, freeze int, notes ...string) error {
	t := table{sheet: sheet, title: w.b.Title(), dateLine: w.b.AsOfLine(), unitLine: w.lang.T("unit_line"), freezeCols: freeze, notes: notes,
		signature: w.signature()}
	for _, c := range cols {
		t.cols = append(t.cols, c.column)
	}
	rec := func(r bulletin.Row, total bool) record {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = c.value(r)
		}
		return record{vals: vals, total: total}
	}
	for _, r := range rows {
		t.records = append(t.records, rec(r, false))
	}
	t.records = append(t.records, rec(w.b.Scope, true))
	return w.writeTable(t)
}

// signature is the line a statistics table ends with: 填报单位, 填表人,
// 审核人 (enlist.yaml bulletin:, blank to sign by hand) and 填表日期.
func (w *writer) signature() string {
	s := w.b.Signature
	blank := func(v string) string {
		if v == "" {
			return "　　　　　　"
		}
		return v
	}
	day := w.b.Generated
	if day.IsZero() {
		day = time.Now()
	}
	return fmt.Sprintf(w.lang.T("signature"), blank(s.Unit), blank(s.Preparer), blank(s.Reviewer), day.Format(w.lang.T("date_format")))
}

// row is a region's row of the metrics view; a region table's column
// names the field it shows: func(r row) any { return r.Quota.Int() } (a
// count, 0 when NULL) or r.QuotaCompletion.Cell() (a rate or rank, "—"
// when NULL).
type row = bulletin.Row

func name(r row) any { return r.Name() }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

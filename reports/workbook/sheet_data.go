package workbook

import (
	"fmt"
	"sort"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
)

// dataQuality: 数据质量 — the bulletin's data-quality section, as the page
// shows it (bulletin.Quality): only the files with a problem inside the
// region (rows refused or carrying a warning now) or withdrawn, then the
// most frequent problems, whose total equals the files' rejected and
// flagged rows. The header prints once: the problems below are not files.
func (w *writer) dataQuality() error {
	t := w.lang.T
	q := w.b.Quality()
	notes := []string{t("files_note")}
	if q.More > 0 {
		notes = append(notes, fmt.Sprintf(t("more_reasons"), q.More))
	}
	tab := table{sheet: t("sheet_data"), title: w.b.Title(), dateLine: w.b.AsOfLine(), unitLine: t("unit_rows"), freezeCols: 1,
		notes: notes, signature: w.signature(), noRepeat: true, cols: fileColumns(t)}
	for _, f := range q.Files {
		tab.records = append(tab.records, w.fileRecord(f, f.RegionName))
	}
	ft := q.FileTotal
	tab.records = append(tab.records, record{vals: []any{t("total"), "", "", ft.Read, ft.Accepted, ft.Rejected, ft.Flagged, ""}, total: true})
	if err := w.writeTable(tab); err != nil {
		return err
	}
	return w.problemSummary(tab.sheet, firstData+len(tab.records)+len(notes)+3, q)
}

func fileColumns(t func(string) string) []column {
	return []column{
		{head: t("file"), kind: kText}, {head: t("kind"), kind: kTextCenter}, {head: t("region"), kind: kText},
		{head: t("read"), kind: kInt}, {head: t("accepted"), kind: kInt},
		{head: t("rejected"), kind: kInt, behind: "{self}>0"}, {head: t("flagged"), kind: kInt},
		{head: t("top_issue"), kind: kText},
	}
}

func (w *writer) fileRecord(f bulletin.FileQuality, region string) record {
	top := ""
	if f.TopLabel != "" {
		top = fmt.Sprintf(w.lang.T("count_paren"), f.TopLabel, f.TopRows)
	}
	return record{vals: []any{f.File, w.lang.KindName(f.Kind), region, f.Read, f.Accepted, f.Rejected, f.Flagged, top}}
}

// problemSummary writes the most frequent problems below the files, from
// row on: 问题 | 来源 | 行数 | 文件数, and their 合计 over every problem.
func (w *writer) problemSummary(sheet string, row int, q bulletin.QualitySection) error {
	t := w.lang.T
	f := w.f
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	if err := w.paragraph(sheet, row, 4, t("top_problems"), w.st.header); err != nil {
		return err
	}
	row++
	put := func(vals []any, kinds []kind, style func(kind) int) error {
		for i, v := range vals {
			ref := cell(i+1, row)
			var err error
			switch x := v.(type) {
			case string:
				err = f.SetCellStr(sheet, ref, x)
			case int64:
				err = f.SetCellInt(sheet, ref, x)
			}
			if err != nil {
				return err
			}
			if err := f.SetCellStyle(sheet, ref, ref, style(kinds[i])); err != nil {
				return err
			}
		}
		row++
		return nil
	}
	kinds := []kind{kText, kTextCenter, kInt, kInt}
	head := func(kind) int { return w.st.header }
	body := func(k kind) int { return w.st.cell(k, false) }
	total := func(k kind) int { return w.st.cell(k, true) }
	if err := put([]any{t("problem"), t("source"), t("rows"), t("files")}, kinds, head); err != nil {
		return err
	}
	if len(q.Top) == 0 {
		return put([]any{t("none"), "", "", ""}, kinds, body)
	}
	for _, r := range q.Top {
		if err := put([]any{r.Label, t("source_" + r.Source), r.Rows, r.Files}, kinds, body); err != nil {
			return err
		}
	}
	return put([]any{t("total"), "", q.Total.Rows, q.Total.Files}, kinds, total)
}

func (w *writer) filesSheet(sheet, title string, notes ...string) func() error {
	return func() error {
		t := w.lang.T
		tab := table{sheet: sheet, title: title, dateLine: w.b.AsOfLine(), unitLine: t("unit_rows"), freezeCols: 1, notes: notes,
			signature: w.signature(), cols: fileColumns(t)}
		var read, acc, rej, flag int64
		for _, f := range w.b.Files {
			// One name per region code: the metrics' name of the scope or a
			// child, whatever the file's ledger called it.
			tab.records = append(tab.records, w.fileRecord(f, w.b.RegionName(f.RegionCode, f.RegionName)))
			read, acc, rej, flag = read+f.Read, acc+f.Accepted, rej+f.Rejected, flag+f.Flagged
		}
		tab.records = append(tab.records, record{vals: []any{t("total"), "", "", read, acc, rej, flag, ""}, total: true})
		return w.writeTable(tab)
	}
}

// issuesByReason: every problem with its rows and files, most rows first.
func (w *writer) issuesByReason() error {
	t := w.lang.T
	tab := table{sheet: t("sheet_reasons"), title: w.b.QualityTitle(), dateLine: w.b.AsOfLine(), unitLine: t("unit_rows"),
		cols: []column{{head: t("source"), kind: kTextCenter}, {head: t("top_issue"), kind: kText},
			{head: t("rows"), kind: kInt}, {head: t("files"), kind: kInt}}}
	var rows int64
	for _, i := range w.b.IssuesByReason() {
		tab.records = append(tab.records, record{vals: []any{t("source_" + i.Source), i.Label, i.Rows, i.Files}})
		rows += i.Rows
	}
	// Files with any problem: a file with two problems counts once.
	tab.records = append(tab.records, record{vals: []any{t("total"), "", rows, w.b.FilesWithIssues()}, total: true})
	return w.writeTable(tab)
}

// issuesByRegion: problems by child region of the scope (a refused row
// counts in the region its file covers).
func (w *writer) issuesByRegion() error {
	t := w.lang.T
	names := map[string]string{w.b.Scope.Code(): fmt.Sprintf(t("own_level_of"), w.b.Scope.Name())}
	for _, c := range w.b.Children {
		names[c.Code()] = c.Name()
	}
	type k struct{ child, source, label string }
	sums := map[k]int64{}
	for _, i := range w.b.Issues {
		sums[k{i.Child, i.Source, i.Label}] += i.Rows
	}
	keys := make([]k, 0, len(sums))
	for x := range sums {
		keys = append(keys, x)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.child != b.child {
			return a.child < b.child
		}
		if sums[a] != sums[b] {
			return sums[a] > sums[b]
		}
		return a.source+a.label < b.source+b.label
	})
	tab := table{sheet: t("sheet_regions"), title: w.b.QualityTitle(), dateLine: w.b.AsOfLine(), unitLine: t("unit_rows"), freezeCols: 1,
		cols: []column{{head: t("region"), kind: kText}, {head: t("source"), kind: kTextCenter},
			{head: t("top_issue"), kind: kText}, {head: t("rows"), kind: kInt}}}
	var total int64
	for _, x := range keys {
		tab.records = append(tab.records, record{vals: []any{names[x.child], t("source_" + x.source), x.label, sums[x]}})
		total += sums[x]
	}
	tab.records = append(tab.records, record{vals: []any{t("total"), "", "", total}, total: true})
	return w.writeTable(tab)
}

package workbook

import (
	"fmt"
	"sort"
)

// dataQuality: 数据质量 — each file in force behind the bulletin: rows read,
// stored, refused and flagged, and its most frequent problem.
func (w *writer) dataQuality() error {
	return w.filesSheet(w.lang.T("sheet_data"), w.b.Title(), w.lang.T("load_note"))()
}

func (w *writer) filesSheet(sheet, title string, notes ...string) func() error {
	return func() error {
		t := w.lang.T
		tab := table{sheet: sheet, title: title, dateLine: w.b.AsOfLine(), unitLine: t("unit_rows"), freezeCols: 1, notes: notes,
			signature: w.signature(),
			cols: []column{
				{head: t("file"), kind: kText}, {head: t("kind"), kind: kTextCenter}, {head: t("region"), kind: kText},
				{head: t("read"), kind: kInt}, {head: t("accepted"), kind: kInt},
				{head: t("rejected"), kind: kInt, behind: "{self}>0"}, {head: t("flagged"), kind: kInt},
				{head: t("top_issue"), kind: kText},
			}}
		var read, acc, rej, flag int64
		for _, f := range w.b.Files {
			top := ""
			if f.TopReason != "" {
				top = fmt.Sprintf(t("count_paren"), f.TopLabel, f.TopRows)
			}
			// One name per region code: the metrics' name of the scope or a
			// child, whatever the file's ledger called it.
			region := w.b.RegionName(f.RegionCode, f.RegionName)
			tab.records = append(tab.records, record{vals: []any{f.File, w.lang.KindName(f.Kind), region, f.Read, f.Accepted, f.Rejected, f.Flagged, top}})
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

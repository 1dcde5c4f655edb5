package bulletin

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
)

// childLength is the code length of the scope's children (the scope's own
// length for a village, which has none).
func (b *Bulletin) childLength() int {
	l := regions.LevelOf(b.Scope.Code())
	if l >= regions.Village {
		return l.Length()
	}
	return (l + 1).Length()
}

func (b *Bulletin) asOf() string { return b.AsOf.Format(time.DateOnly) }

// regionFilter limits a report model to the scope and its children.
const regionFilter = `starts_with(region_code, ?) AND length(region_code) <= ? AND year = ? AND season = ?`

func (b *Bulletin) args(asOf bool) []any {
	a := []any{}
	if asOf {
		a = append(a, b.asOf(), b.Year, b.Season)
	}
	return append(a, b.Scope.Code(), b.childLength(), b.Year, b.Season)
}

func (b *Bulletin) readExamReasons(ctx context.Context, wh *warehouse.Warehouse) error {
	b.PhysicalReasons, b.PoliticalReasons = map[string][]Reason{}, map[string][]Reason{}
	if b.day != nil {
		for _, e := range b.day.exams {
			if !inRegion(e.code, b.Scope.Code(), b.childLength()) {
				continue
			}
			if e.typ == "physical" {
				b.PhysicalReasons[e.code] = append(b.PhysicalReasons[e.code], e.Reason)
			} else {
				b.PoliticalReasons[e.code] = append(b.PoliticalReasons[e.code], e.Reason)
			}
		}
		return nil
	}
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT region_code, exam_type, coalesce(reason, ''), people
		FROM exam_fail_reasons_at(?::DATE, ?, ?)
		WHERE `+regionFilter+`
		ORDER BY region_code, exam_type, people DESC, reason`, b.args(true)...)
	if err != nil {
		return fmt.Errorf("read examination failure reasons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, typ string
		var r Reason
		if err := rows.Scan(&code, &typ, &r.Reason, &r.People); err != nil {
			return err
		}
		if typ == "physical" {
			b.PhysicalReasons[code] = append(b.PhysicalReasons[code], r)
		} else {
			b.PoliticalReasons[code] = append(b.PoliticalReasons[code], r)
		}
	}
	return rows.Err()
}

func (b *Bulletin) readReturnReasons(ctx context.Context, wh *warehouse.Warehouse) error {
	b.ReturnReasons = map[string][]ReturnReason{}
	if b.day != nil {
		for _, r := range b.day.returns {
			if inRegion(r.code, b.Scope.Code(), b.childLength()) {
				b.ReturnReasons[r.code] = append(b.ReturnReasons[r.code], r.ReturnReason)
			}
		}
		return nil
	}
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT region_code, coalesce(reason, ''), returned, responsible_returned
		FROM return_reasons_at(?::DATE, ?, ?)
		WHERE `+regionFilter+`
		ORDER BY region_code, returned DESC, reason`, b.args(true)...)
	if err != nil {
		return fmt.Errorf("read return reasons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var r ReturnReason
		if err := rows.Scan(&code, &r.Reason, &r.Returned, &r.Responsible); err != nil {
			return err
		}
		b.ReturnReasons[code] = append(b.ReturnReasons[code], r)
	}
	return rows.Err()
}

// readIndicators reads the indicators the office defined, in order.
func (b *Bulletin) readIndicators(ctx context.Context, wh *warehouse.Warehouse) error {
	rows, err := wh.DB().QueryContext(ctx, `SELECT name, column_name, label, format FROM office_indicators ORDER BY position`)
	if err != nil {
		return fmt.Errorf("read the office's indicators: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ind Indicator
		var format string
		if err := rows.Scan(&ind.Name, &ind.Column, &ind.Label, &format); err != nil {
			return err
		}
		ind.Percent = format != "number"
		b.Indicators = append(b.Indicators, ind)
	}
	return rows.Err()
}

func (b *Bulletin) readWeeks(ctx context.Context, wh *warehouse.Warehouse) error {
	if b.day != nil {
		b.Weeks = append([]Week(nil), b.day.weeks[b.Scope.Code()]...)
		return nil
	}
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT week_end, approved, returned, net_approved
		FROM approvals_by_week_at(?::DATE, ?, ?)
		WHERE region_code = ? AND year = ? AND season = ?
		ORDER BY week_end`, b.asOf(), b.Year, b.Season, b.Scope.Code(), b.Year, b.Season)
	if err != nil {
		return fmt.Errorf("read approvals by week: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var w Week
		if err := rows.Scan(&w.End, &w.Approved, &w.Returned, &w.Net); err != nil {
			return err
		}
		b.Weeks = append(b.Weeks, w)
	}
	return rows.Err()
}

func (b *Bulletin) label(source, code string) string {
	if code == "" {
		return ""
	}
	if l, ok := b.labels[source+"/"+code]; ok {
		return l
	}
	return code
}

// readFiles lists the files covering the scope, inside it or around it,
// of the bulletin's season (or of none in particular), from the copy's
// Files (inFiles), with their most frequent problems named.
func (b *Bulletin) readFiles(ctx context.Context, wh *warehouse.Warehouse) error {
	b.labels = b.files.labels[b.Lang]
	for _, f := range b.files.files {
		if inFiles(f.region, f.year, f.season, b.Scope.Code(), b.Year, b.Season) {
			fq := f.FileQuality
			// The office knows its files by name; the folder is the operator's.
			fq.File = filepath.Base(fq.File)
			fq.TopLabel = b.label(fq.TopSource, fq.TopReason)
			b.Files = append(b.Files, fq)
		}
	}
	return nil
}

// readIssues lists the warnings in force, those between files included
// (what the files' current warning counts, load_quality.rows_flagged,
// count), and the refusals, by reason, of the same files as readFiles.
func (b *Bulletin) readIssues(ctx context.Context, wh *warehouse.Warehouse) error {
	for _, i := range b.files.issuesOf(b.Scope.Code(), b.Year, b.Season) {
		i.File = filepath.Base(i.File)
		i.Label = b.label(i.Source, i.Reason)
		i.Child = b.ChildOf(i.RegionCode)
		b.Issues = append(b.Issues, i)
	}
	return nil
}

// IssueTotal is rows with one problem across files and regions.
type IssueTotal struct {
	Source, Reason, Label string
	Rows, Files           int64
}

// IssuesByReason adds the issues up by problem, most rows first.
func (b *Bulletin) IssuesByReason() []IssueTotal {
	idx := map[string]int{}
	files := map[string]map[int64]bool{}
	var out []IssueTotal
	for _, i := range b.Issues {
		k := i.Source + "/" + i.Reason
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			files[k] = map[int64]bool{}
			out = append(out, IssueTotal{Source: i.Source, Reason: i.Reason, Label: i.Label})
		}
		out[j].Rows += i.Rows
		files[k][i.LoadID] = true
	}
	for k, j := range idx {
		out[j].Files = int64(len(files[k]))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rows != out[j].Rows {
			return out[i].Rows > out[j].Rows
		}
		return out[i].Source+out[i].Reason < out[j].Source+out[j].Reason
	})
	return out
}

// topIssues makes each file's main problem the most frequent one among the
// bulletin's issues: the warnings between files counted, and only the rows
// inside the scope (load_quality knows only what the load found, anywhere).
func (b *Bulletin) topIssues() {
	type top struct {
		source, reason, label string
		rows                  int64
	}
	sums := map[int64]map[string]*top{} // load → source/reason → rows
	for _, i := range b.Issues {
		if sums[i.LoadID] == nil {
			sums[i.LoadID] = map[string]*top{}
		}
		k := i.Source + "/" + i.Reason
		if sums[i.LoadID][k] == nil {
			sums[i.LoadID][k] = &top{source: i.Source, reason: i.Reason, label: i.Label}
		}
		sums[i.LoadID][k].rows += i.Rows
	}
	for n, f := range b.Files {
		var best *top
		for _, t := range sums[f.LoadID] {
			// Most rows; ties to refusals, then by code, as load_quality.
			if best == nil || t.rows > best.rows || (t.rows == best.rows && (t.source > best.source ||
				(t.source == best.source && t.reason < best.reason))) {
				best = t
			}
		}
		if best != nil {
			b.Files[n].TopSource, b.Files[n].TopReason, b.Files[n].TopLabel, b.Files[n].TopRows = best.source, best.reason, best.label, best.rows
		}
	}
}

// FilesWithIssues counts the files with at least one problem.
func (b *Bulletin) FilesWithIssues() int64 {
	files := map[int64]bool{}
	for _, i := range b.Issues {
		files[i.LoadID] = true
	}
	return int64(len(files))
}

// FilesWithProblems are the files with at least one problem among the
// bulletin's issues (rows refused, or carrying a warning now, inside the
// scope), and the withdrawn ones, in the bulletin's order. Their rejected
// and flagged rows are counted from those issues (a row with two problems
// counts under each), so that the files' totals equal the problems'
// totals; their region carries the bulletin's one name for its code.
func (b *Bulletin) FilesWithProblems() []FileQuality {
	type sums struct{ rej, flag int64 }
	by := map[int64]*sums{}
	for _, i := range b.Issues {
		if by[i.LoadID] == nil {
			by[i.LoadID] = &sums{}
		}
		if i.Source == "reject" {
			by[i.LoadID].rej += i.Rows
		} else {
			by[i.LoadID].flag += i.Rows
		}
	}
	var out []FileQuality
	for _, f := range b.Files {
		s, ok := by[f.LoadID]
		switch {
		case ok:
			f.Rejected, f.Flagged = s.rej, s.flag
		case f.Status == "withdrawn":
			f.Rejected, f.Flagged = 0, 0
		default:
			continue
		}
		f.RegionName = b.RegionName(f.RegionCode, f.RegionName)
		out = append(out, f)
	}
	return out
}

// TopReasons is how many problems the bulletin's data-quality section
// lists; the data-quality report (enlist report quality) has them all.
const TopReasons = 5

// QualitySection is the bulletin's data-quality section as the page and
// the workbook's 数据质量 sheet both show it, read once so they agree: the
// most frequent problems, their total over every problem, and the files
// with a problem, whose rejected and flagged totals equal that total.
type QualitySection struct {
	Top       []IssueTotal  // at most TopReasons, most rows first
	More      int           // kinds of problem left off
	Total     IssueTotal    // Rows over every problem; Files with any
	Files     []FileQuality // FilesWithProblems
	FileTotal FileQuality   // Read, Accepted, Rejected, Flagged summed
	Withdrawn int           // files of Files withdrawn
}

// Quality reads the data-quality section.
func (b *Bulletin) Quality() QualitySection {
	var q QualitySection
	reasons := b.IssuesByReason()
	for _, r := range reasons {
		q.Total.Rows += r.Rows
	}
	q.Top = reasons[:min(len(reasons), TopReasons)]
	q.More = len(reasons) - len(q.Top)
	q.Total.Files = b.FilesWithIssues()
	q.Files = b.FilesWithProblems()
	for _, f := range q.Files {
		t := &q.FileTotal
		t.Read, t.Accepted, t.Rejected, t.Flagged = t.Read+f.Read, t.Accepted+f.Accepted, t.Rejected+f.Rejected, t.Flagged+f.Flagged
		if f.Status == "withdrawn" {
			q.Withdrawn++
		}
	}
	return q
}

// RegionName is the one name the bulletin uses for a region code: the
// scope's or a child's name as the metrics have it, else the name given.
func (b *Bulletin) RegionName(code, given string) string {
	if code == b.Scope.Code() {
		return b.Scope.Name()
	}
	for _, c := range b.Children {
		if c.Code() == code {
			return c.Name()
		}
	}
	if given == "" {
		return code
	}
	return given
}

// touchesScope keeps the issues of rows in the scope: a province's file
// read for a county's bulletin brings only the county's rows.
func (b *Bulletin) touchesScope() {
	scope := b.Scope.Code()
	kept := b.Issues[:0]
	for _, i := range b.Issues {
		if strings.HasPrefix(i.RegionCode, scope) {
			kept = append(kept, i)
		}
	}
	b.Issues = kept
}

// capitalised is an English label as it stands alone in a table cell:
// capitalised, as the heads are.
func capitalised(label string) string {
	if label == "" {
		return label
	}
	return strings.ToUpper(label[:1]) + label[1:]
}

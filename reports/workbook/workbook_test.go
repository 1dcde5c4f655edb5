package workbook_test

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enlist/internal/metrics"
	"enlist/internal/tabular"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/workbook"
)

// open writes the bulletin of b and opens it again with excelize.
func open(t *testing.T, b *bulletin.Bulletin) *excelize.File {
	f, _ := openPath(t, b)
	return f
}

func openPath(t *testing.T, b *bulletin.Bulletin) (*excelize.File, string) {
	t.Helper()
	f, err := workbook.Weekly(b)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bulletin.xlsx")
	if err := workbook.Save(f, path); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("excelize cannot open the bulletin: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g, path
}

// sheet reads a sheet as raw values (numbers unformatted).
type sheet struct {
	t    *testing.T
	f    *excelize.File
	name string
}

func (s sheet) raw(ref string) string {
	s.t.Helper()
	v, err := s.f.GetCellValue(s.name, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		s.t.Fatalf("%s!%s: %v", s.name, ref, err)
	}
	return v
}

func (s sheet) num(ref string) (float64, bool) {
	s.t.Helper()
	v := s.raw(ref)
	if v == "—" || v == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		s.t.Fatalf("%s!%s = %q: not a number", s.name, ref, v)
	}
	return x, true
}

// rowOf finds the data row whose column col holds text.
func (s sheet) rowOf(col, text string) int {
	s.t.Helper()
	for r := 5; r < 400; r++ {
		if s.raw(fmt.Sprintf("%s%d", col, r)) == text {
			return r
		}
	}
	s.t.Fatalf("%s: no row with %q in column %s", s.name, text, col)
	return 0
}

func (s sheet) numFmt(ref string) string {
	s.t.Helper()
	id, err := s.f.GetCellStyle(s.name, ref)
	if err != nil {
		s.t.Fatal(err)
	}
	st, err := s.f.GetStyle(id)
	if err != nil {
		s.t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return fmt.Sprint(st.NumFmt)
}

func gatherSmall(t *testing.T) *bulletin.Bulletin {
	t.Helper()
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWeeklyWorkbookForm checks the hand-computed fixture's bulletin (see
// reports/internal/fixture) cell by cell, and the form of the table.
func TestWeeklyWorkbookForm(t *testing.T) {
	f, path := openPath(t, gatherSmall(t))
	const title = "郑州市2025年上半年征兵工作周通报"
	want := []string{"总览", "任务完成", "兵员质量", "体检政考", "退兵", "退役安置", "数据质量", "图表"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	for _, name := range want {
		s := sheet{t, f, name}
		if got := s.raw("A1"); got != title {
			t.Errorf("%s!A1 = %q, want %q", name, got, title)
		}
		if got := s.raw("A2"); got != "统计截止日期：2025年3月20日" {
			t.Errorf("%s!A2 = %q", name, got)
		}
		merges, err := f.GetMergeCells(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(merges) == 0 || merges[0].GetStartAxis() != "A1" || merges[0].GetCellValue() != title {
			t.Errorf("%s: title not merged: %v", name, merges)
		}
		layout, err := f.GetPageLayout(name)
		if err != nil {
			t.Fatal(err)
		}
		if *layout.Orientation != "landscape" || *layout.Size != 9 || *layout.FitToWidth != 1 || *layout.FitToHeight != 0 {
			t.Errorf("%s: page layout %s size %d fit %d×%d, want landscape A4 (9) one page wide", name,
				*layout.Orientation, *layout.Size, *layout.FitToWidth, *layout.FitToHeight)
		}
	}

	q := sheet{t, f, "任务完成"}
	// Two header rows: singles merged down, group heads (兵员质量's 大学生) across.
	merges, _ := f.GetMergeCells("任务完成")
	var ranges []string
	for _, m := range merges {
		ranges = append(ranges, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	for _, r := range []string{"A1:M1", "A3:A4", "B3:B4", "I3:I4"} {
		if !slices.Contains(ranges, r) {
			t.Errorf("任务完成: %s not merged (merges %v)", r, ranges)
		}
	}
	qm, _ := f.GetMergeCells("兵员质量")
	var qranges []string
	for _, m := range qm {
		qranges = append(qranges, m.GetStartAxis()+":"+m.GetEndAxis()+"="+m.GetCellValue())
	}
	for _, r := range []string{"D3:F3=大学生", "G3:I3=大学毕业生", "J3:K3=理工类"} {
		if !slices.Contains(qranges, r) {
			t.Errorf("兵员质量: %s not merged (merges %v)", r, qranges)
		}
	}
	// Ranked by completion: 410103 100 %, 中原区 50 %, 管城回族区 0 %.
	// Rates are stored as printed (79/90 = 87.8 %); the pace gap is the
	// difference of the printed figures in percentage points.
	for i, w := range []struct {
		rank, name                   string
		quota, approved, returned    float64
		completion, elapsed, pacegap float64
	}{
		{"1", fixture.ScriptName, 2, 2, 0, 1, 0.878, 12.2},
		{"2", "中原区", 4, 3, 1, 0.5, 0.878, -37.8},
		{"3", "管城回族区", 2, 0, 0, 0, 0.878, -87.8},
	} {
		r := 5 + i
		cell := func(col string) string { return fmt.Sprintf("%s%d", col, r) }
		if q.raw(cell("A")) != w.rank || q.raw(cell("B")) != w.name {
			t.Errorf("任务完成 row %d: %s %q, want %s %q", r, q.raw(cell("A")), q.raw(cell("B")), w.rank, w.name)
		}
		for col, v := range map[string]float64{"C": w.quota, "G": w.approved, "H": w.returned, "I": w.completion, "J": w.elapsed, "K": w.pacegap} {
			if got, ok := q.num(cell(col)); !ok || math.Abs(got-v) > 1e-9 {
				t.Errorf("任务完成!%s = %v, want %v", cell(col), got, v)
			}
		}
	}
	total := q.rowOf("B", "合计")
	for col, v := range map[string]float64{"C": 8, "D": 10, "F": 5, "G": 5, "H": 1, "I": 0.5} {
		if got, _ := q.num(fmt.Sprintf("%s%d", col, total)); math.Abs(got-v) > 1e-9 {
			t.Errorf("任务完成 合计 %s = %v, want %v", col, got, v)
		}
	}
	if q.raw(fmt.Sprintf("A%d", total)) != "" {
		t.Errorf("合计 has a rank")
	}
	for ref, want := range map[string]string{"C5": "#,##0", "I5": "0.0%", "J5": "0.0%", "K5": `+0.0"个百分点";-0.0"个百分点";0.0"个百分点"`, "E5": `0.0"倍"`, fmt.Sprintf("I%d", total): "0.0%"} {
		if got := q.numFmt(ref); got != want {
			t.Errorf("任务完成!%s format %q, want %q", ref, got, want)
		}
	}
	cf, err := f.GetConditionalFormats("任务完成")
	if err != nil {
		t.Fatal(err)
	}
	if opts, ok := cf[fmt.Sprintf("I5:I%d", total)]; !ok || len(opts) != 1 || opts[0].Type != "formula" || !strings.Contains(opts[0].Criteria, "I5<J5)") {
		t.Errorf("任务完成: completion behind time not coloured: %+v", cf)
	}
	panes, err := f.GetPanes("任务完成")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 4 || panes.XSplit != 2 {
		t.Errorf("任务完成 panes %+v: want the header and the region column frozen", panes)
	}
	names := f.GetDefinedName()
	found := false
	for _, n := range names {
		if n.Name == "_xlnm.Print_Titles" && n.Scope == "任务完成" && n.RefersTo == "'任务完成'!$1:$4" {
			found = true
		}
	}
	if !found {
		t.Errorf("任务完成 prints no repeated header rows: %+v", names)
	}
	// 总览's indicator header prints once: 需关注单位 below it must not
	// carry it onto its pages.
	for _, n := range names {
		if n.Name == "_xlnm.Print_Titles" && n.Scope == "总览" {
			t.Errorf("总览 repeats %s on every page", n.RefersTo)
		}
	}
	// A Chinese column is wide enough for its longest name (two columns a
	// character): 郑州航空港经济综合实验区 is 12 characters.
	if w, _ := f.GetColWidth("任务完成", "B"); w < 24 {
		t.Errorf("region column width %v: too narrow for 郑州航空港经济综合实验区", w)
	}

	// Quality: one rank, 总评排名, first and sorting the rows; 管城回族区
	// (a quota, no approvals) and 金水区 (neither) have no score, no rank.
	g := sheet{t, f, "兵员质量"}
	if g.raw("A3") != "总评排名" || g.raw("L3") != "五率总评得分" || g.raw("M3") != "" {
		t.Errorf("兵员质量 heads A3 %q L3 %q M3 %q, want one rank column, first", g.raw("A3"), g.raw("L3"), g.raw("M3"))
	}
	for i, w := range [][2]string{{"1", fixture.ScriptName}, {"2", "中原区"}, {"—", "管城回族区"}, {"—", "金水区"}} {
		if a, b := g.raw(fmt.Sprintf("A%d", 5+i)), g.raw(fmt.Sprintf("B%d", 5+i)); a != w[0] || b != w[1] {
			t.Errorf("兵员质量 row %d: %q %q, want %q %q", 5+i, a, b, w[0], w[1])
		}
	}
	for _, n := range []string{"管城回族区", "金水区"} {
		if got := g.raw(fmt.Sprintf("L%d", g.rowOf("B", n))); got != "—" {
			t.Errorf("%s (no approvals) is scored %q", n, got)
		}
	}
	if v, _ := g.num(fmt.Sprintf("E%d", g.rowOf("B", "中原区"))); v != 0.333 {
		t.Errorf("中原区 college ratio %v, want 0.333 (1/3 as printed)", v)
	}

	// Text from extracts stays text, never a formula.
	e := sheet{t, f, "体检政考"}
	er := e.rowOf("A", fixture.ScriptName)
	ref := fmt.Sprintf("I%d", er)
	if got := e.raw(ref); got != fixture.FormulaReason+"（1）；"+fixture.AtReason+"（1）" {
		t.Errorf("体检政考!%s = %q", ref, got)
	}
	if fm, _ := f.GetCellFormula("体检政考", ref); fm != "" {
		t.Errorf("体检政考!%s became a formula %q", ref, fm)
	}
	if typ, _ := f.GetCellType("体检政考", ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("体检政考!%s type %v, want a string", ref, typ)
	}
	if got := e.raw(fmt.Sprintf("I%d", e.rowOf("A", "中原区"))); got != "视力（2）；外科（1）" {
		t.Errorf("中原区 failure reasons %q", got)
	}
	rt := sheet{t, f, "退兵"}
	if got := rt.raw(fmt.Sprintf("F%d", rt.rowOf("A", "中原区"))); got != "疾病（1）" {
		t.Errorf("中原区 return reasons %q", got)
	}
	rs := sheet{t, f, "退役安置"}
	rr := rs.rowOf("A", "中原区")
	for col, v := range map[string]float64{"B": 2, "C": 1, "D": 0.5, "G": 41} {
		if got, _ := rs.num(fmt.Sprintf("%s%d", col, rr)); math.Abs(got-v) > 1e-9 {
			t.Errorf("退役安置 中原区 %s = %v, want %v", col, got, v)
		}
	}

	d := sheet{t, f, "数据质量"}
	dr := d.rowOf("A", "中原区兵役登记.csv")
	for col, v := range map[string]string{"B": "兵役登记", "D": "7", "E": "6", "F": "1", "H": "身份证号校验码错误（1）"} {
		if got := d.raw(fmt.Sprintf("%s%d", col, dr)); got != v {
			t.Errorf("数据质量 %s = %q, want %q", col, got, v)
		}
	}
	if got, _ := d.num(fmt.Sprintf("F%d", d.rowOf("A", "合计"))); got != 1 {
		t.Errorf("数据质量 合计 拒收 %v, want 1", got)
	}

	o := sheet{t, f, "总览"}
	ar := o.rowOf("A", "需关注单位")
	// 进度 from the most severe (管城回族区 87.8 points behind, 中原区
	// 37.8), then 质量: no ratio is judged on 2 or 3 recruits.
	for i, w := range [][2]string{
		{"进度", "进度"}, // a merged head reads the same in every cell
		{"管城回族区", "任务完成率0.0%，落后时间进度87.8个百分点"},
		{"中原区", "任务完成率50.0%，落后时间进度37.8个百分点"},
		{"质量", "质量"},
		{"", "已评比例均达到目标"},
	} {
		if a, b := o.raw(fmt.Sprintf("A%d", ar+1+i)), o.raw(fmt.Sprintf("B%d", ar+1+i)); a != w[0] || b != w[1] {
			t.Errorf("需关注单位 row %d: %q %q, want %q %q", i+1, a, b, w[0], w[1])
		}
	}
	if got := o.raw(fmt.Sprintf("A%d", ar+6)); !strings.Contains(got, "中原区（3人）") {
		t.Errorf("the few-recruits note %q does not give 中原区's count", got)
	}
	cr := o.rowOf("A", "任务完成率")
	if o.raw(fmt.Sprintf("F%d", cr)) != "否" || o.raw(fmt.Sprintf("E%d", cr)) != "0.878" {
		t.Errorf("总览: completion 50 %% against 87.8 %% elapsed: target %q 达标 %q", o.raw(fmt.Sprintf("E%d", cr)), o.raw(fmt.Sprintf("F%d", cr)))
	}

	// Native charts: chart parts in the package, drawn on 图表.
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	charts := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			charts++
		}
	}
	if charts != 3 {
		t.Errorf("%d native charts, want 3", charts)
	}
}

// TestWeeklyWorkbookEqualsMetrics checks every figure of a generated
// province's bulletin against the metrics view (sql/models/210) read
// independently, as printed (rates to one decimal of a percent, points,
// multiples and scores to one decimal), and that each 合计 of counts is
// the sum of the rows above it.
func TestWeeklyWorkbookEqualsMetrics(t *testing.T) {
	ctx := context.Background()
	wh := fixture.Province(t, 20000)
	q := metrics.Query{Scope: "41", Year: 2025, Season: 2, AsOf: mustDate(t, "2025-08-31"), Depth: 1}
	b, err := bulletin.Gather(ctx, wh, bulletin.Options{Scope: q.Scope, Year: q.Year, Season: q.Season, AsOf: q.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wh.DB().QueryContext(ctx, `SELECT * FROM metrics_at(?::DATE, ?, ?)
		WHERE (region_code = ? OR parent_code = ?) AND year = ? AND season = ?`, "2025-08-31", q.Year, q.Season, q.Scope, q.Scope, q.Year, q.Season)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := tabular.FromRows(rows)
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{} // by region name, 合计 for the scope
	for _, row := range frame.Rows {
		m := map[string]any{}
		for i, c := range frame.Columns {
			m[c] = row[i]
		}
		name := m["region_name"].(string)
		if m["region_code"] == "41" {
			name = "合计"
		}
		want[name] = m
	}
	if len(want) < 10 {
		t.Fatalf("%d regions in the metrics", len(want))
	}
	f := open(t, b)
	sheets := []struct {
		name, nameCol string
		cols          map[string]string // column letter → metrics column
		counts        []string          // columns whose 合计 is the sum of the rows
	}{
		{"任务完成", "B", map[string]string{"A": "completion_rank", "C": "quota", "D": "applied", "E": "applied_to_quota", "F": "double_qualified",
			"G": "approved", "H": "returned", "I": "quota_completion", "J": "elapsed_share", "K": "pace_gap_printed", "L": "projected_completion_printed", "M": "quota_completion_change_printed"},
			[]string{"D", "F", "G", "H"}},
		{"兵员质量", "B", map[string]string{"A": "composite_rank", "C": "approved", "D": "college_approved", "E": "college_ratio", "F": "college_target", "G": "graduate_approved",
			"H": "graduate_ratio", "I": "graduate_target", "J": "stem_approved", "K": "stem_ratio", "L": "composite_score"},
			[]string{"C", "D", "G", "J"}},
		{"体检政考", "A", map[string]string{"B": "physical_examined", "C": "physical_passed", "D": "physical_pass_rate", "E": "political_reviewed",
			"F": "political_passed", "G": "political_pass_rate", "H": "double_qualified"},
			[]string{"B", "C", "E", "F", "H"}},
		{"退兵", "A", map[string]string{"B": "approved", "C": "returned", "D": "responsible_returned", "E": "return_rate"}, []string{"B", "C", "D"}},
		{"退役安置", "A", map[string]string{"B": "placement_due", "C": "placed", "D": "placement_rate", "E": "self_employed", "F": "subsidy_on_time_rate", "G": "avg_placement_days"},
			[]string{"B", "C", "E"}},
	}
	for _, sh := range sheets {
		s := sheet{t, f, sh.name}
		sums := map[string]float64{}
		seen := 0
		for r := 5; ; r++ {
			name := s.raw(fmt.Sprintf("%s%d", sh.nameCol, r))
			if name == "" {
				t.Fatalf("%s: no 合计 row", sh.name)
			}
			m, ok := want[name]
			if !ok {
				t.Fatalf("%s row %d: %q is not a region of the scope", sh.name, r, name)
			}
			for col, mc := range sh.cols {
				if name == "合计" && strings.HasSuffix(mc, "_rank") {
					continue
				}
				got, gok := s.num(fmt.Sprintf("%s%d", col, r))
				w, wok := toFloat(m[mc])
				w = printed(mc, w)
				if gok != wok || math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("%s %s %s (%s) = %v (%v), metrics %v (%v)", sh.name, name, col, mc, got, gok, w, wok)
				}
			}
			if name == "合计" {
				for _, col := range sh.counts {
					if got, _ := s.num(fmt.Sprintf("%s%d", col, r)); got != sums[col] {
						t.Errorf("%s 合计 %s = %v, rows add up to %v", sh.name, col, got, sums[col])
					}
				}
				break
			}
			seen++
			for _, col := range sh.counts {
				v, _ := s.num(fmt.Sprintf("%s%d", col, r))
				sums[col] += v
			}
		}
		if seen != len(want)-1 {
			t.Errorf("%s: %d regions, want %d", sh.name, seen, len(want)-1)
		}
	}
	// Failure reasons add up to the failures the metrics count.
	for _, c := range append([]bulletin.Row{b.Scope}, b.Children...) {
		var phys, pol int64
		for _, r := range b.PhysicalReasons[c.Code()] {
			phys += r.People
		}
		for _, r := range b.PoliticalReasons[c.Code()] {
			pol += r.People
		}
		if phys != c.PhysicalExamined.Int()-c.PhysicalPassed.Int() || pol != c.PoliticalReviewed.Int()-c.PoliticalPassed.Int() {
			t.Errorf("%s: failure reasons %d, %d; metrics fail %d, %d", c.Name(), phys, pol,
				c.PhysicalExamined.Int()-c.PhysicalPassed.Int(), c.PoliticalReviewed.Int()-c.PoliticalPassed.Int())
		}
		var ret int64
		for _, r := range b.ReturnReasons[c.Code()] {
			ret += r.Returned
		}
		if ret != c.Returned.Int() {
			t.Errorf("%s: return reasons add up to %d, metrics %d", c.Name(), ret, c.Returned.Int())
		}
	}
	if n := len(b.Weeks); n == 0 || b.Weeks[n-1].Net != b.Scope.Approved.Int()-b.Scope.Returned.Int() {
		t.Errorf("last week %+v, metrics approved %d returned %d", b.Weeks, b.Scope.Approved.Int(), b.Scope.Returned.Int())
	}
}

// printed is a model figure as the bulletin prints it, worked out here
// from the rule (half away from zero), not from the writer's code.
func printed(col string, v float64) float64 {
	half := func(x float64, scale float64) float64 {
		y := math.Abs(x) * scale
		r := math.Floor(y + 0.5 + 1e-9)
		return math.Copysign(r/scale, x)
	}
	switch {
	case col == "applied_to_quota" || col == "composite_score" || col == "avg_placement_days":
		return half(v, 10)
	case col == "pace_gap_printed" || col == "quota_completion_change_printed":
		return half(100*v, 10)
	case strings.HasSuffix(col, "_rank") || col == "quota" || strings.HasSuffix(col, "approved") || strings.HasSuffix(col, "returned") ||
		strings.HasSuffix(col, "examined") || strings.HasSuffix(col, "passed") || strings.HasSuffix(col, "reviewed") ||
		col == "applied" || col == "double_qualified" || col == "placement_due" || col == "placed" || col == "self_employed":
		return v
	}
	return half(v, 1000)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// TestQualityWorkbook: the data-quality report of the fixture — one row
// refused for its check character, in 中原区's registrations.
func TestQualityWorkbook(t *testing.T) {
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf, Audit: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := workbook.Quality(b)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "quality.xlsx")
	if err := workbook.Save(f, path); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got, want := g.GetSheetList(), []string{"按原因", "按文件", "按单位"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	// Two problems of one row each: the refused check character and the
	// orphan exam (a warning between files, counted at the scope's own level).
	r := sheet{t, g, "按原因"}
	if r.raw("A1") != "郑州市2025年上半年征兵数据质量报告" {
		t.Errorf("按原因 title %q", r.raw("A1"))
	}
	for _, w := range [][]string{{"拒收", "身份证号校验码错误"}, {"警示", "无登记记录"}} {
		row := r.rowOf("B", w[1])
		if r.raw(fmt.Sprintf("A%d", row)) != w[0] || r.raw(fmt.Sprintf("C%d", row)) != "1" || r.raw(fmt.Sprintf("D%d", row)) != "1" {
			t.Errorf("按原因 %s: %q %q %q", w[1], r.raw(fmt.Sprintf("A%d", row)), r.raw(fmt.Sprintf("C%d", row)), r.raw(fmt.Sprintf("D%d", row)))
		}
	}
	tr := r.rowOf("A", "合计")
	if r.raw(fmt.Sprintf("C%d", tr)) != "2" || r.raw(fmt.Sprintf("D%d", tr)) != "2" {
		t.Errorf("按原因 合计 %q rows in %q files, want 2 in 2", r.raw(fmt.Sprintf("C%d", tr)), r.raw(fmt.Sprintf("D%d", tr)))
	}
	u := sheet{t, g, "按单位"}
	if row := u.rowOf("C", "无登记记录"); u.raw(fmt.Sprintf("A%d", row)) != "郑州市（本级）" {
		t.Errorf("按单位: the orphan counts in %q", u.raw(fmt.Sprintf("A%d", row)))
	}
	if row := u.rowOf("C", "身份证号校验码错误"); u.raw(fmt.Sprintf("A%d", row)) != "中原区" {
		t.Errorf("按单位: the refused row counts in %q", u.raw(fmt.Sprintf("A%d", row)))
	}
	f2 := sheet{t, g, "按文件"}
	if row := f2.rowOf("A", "郑州市体检结果.csv"); f2.raw(fmt.Sprintf("H%d", row)) != "无登记记录（1）" {
		t.Errorf("按文件: the exams' main problem %q", f2.raw(fmt.Sprintf("H%d", row)))
	}
}

// TestEnglishWorkbookIsEnglish: an English bulletin translates failure and
// return reasons through the vocabulary (reports/bulletin/reasons.csv) and
// has no full-width punctuation in any cell; region names stay Chinese.
func TestEnglishWorkbookIsEnglish(t *testing.T) {
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf, Lang: bulletin.English})
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, b)
	e := sheet{t, f, "Exams"}
	if got := e.raw(fmt.Sprintf("I%d", e.rowOf("A", "中原区"))); got != "eyesight (2); surgical (1)" {
		t.Errorf("中原区's failure reasons in English: %q", got)
	}
	r := sheet{t, f, "Returns"}
	if got := r.raw(fmt.Sprintf("F%d", r.rowOf("A", "中原区"))); got != "illness (1)" {
		t.Errorf("中原区's return reasons in English: %q", got)
	}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			for j, v := range row {
				if strings.ContainsAny(v, "，；：（）。、") {
					t.Errorf("%s row %d column %d: full-width punctuation in %q", name, i+1, j+1, v)
				}
			}
		}
	}
}

// TestFirstWeekShowsNoScoreRankOrZero: on 01-03 nobody is approved yet:
// no composite score, no 总评排名 and no projection, each "—" with a note;
// completion ranks still rank the regions with a quota.
func TestFirstWeekShowsNoScoreRankOrZero(t *testing.T) {
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: mustDate(t, "2025-01-03")})
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, b)
	g := sheet{t, f, "兵员质量"}
	q := sheet{t, f, "任务完成"}
	for _, name := range []string{"中原区", "管城回族区", "金水区"} {
		gr := g.rowOf("B", name)
		if a, l := g.raw(fmt.Sprintf("A%d", gr)), g.raw(fmt.Sprintf("L%d", gr)); a != "—" || l != "—" {
			t.Errorf("兵员质量 %s: rank %q score %q, want — and —", name, a, l)
		}
		if p := q.raw(fmt.Sprintf("L%d", q.rowOf("B", name))); p != "—" {
			t.Errorf("任务完成 %s: 预计完成率 %q, want —", name, p)
		}
	}
	// 金水区 has no quota: no rank; the three with a quota share rank 1 at 0.0%.
	if got := q.raw(fmt.Sprintf("A%d", q.rowOf("B", "金水区"))); got != "—" {
		t.Errorf("金水区 (no quota) ranked %q", got)
	}
	if got := q.raw(fmt.Sprintf("A%d", q.rowOf("B", "管城回族区"))); got != "1" {
		t.Errorf("管城回族区 ranked %q, want 1 (three tied at 0.0%%)", got)
	}
	for _, s := range []struct {
		sh   sheet
		note string
	}{{g, "注：未下达任务或尚无定兵的单位不评分、不排名（—）。"}, {q, "注：未下达征集任务的单位无任务完成率，不排名（—）。"}, {q, "注：尚无定兵时不作预计（—）。"}} {
		s.sh.rowOf("A", s.note)
	}
}

// longBulletin is a bulletin of 70 child regions (测试单位01 …), long
// enough to print on several pages.
func longBulletin() *bulletin.Bulletin {
	b := &bulletin.Bulletin{Lang: bulletin.Chinese, Year: 2025, Season: 1, AsOf: fixture.AsOf,
		Scope: bulletin.Row{RegionCode: "4101", RegionName: "郑州市", Quota: count(700), Approved: count(350),
			QuotaCompletion: rate(0.5), ElapsedShare: rate(0.878), CompletionTarget: rate(0.878), CompletionMet: verdict(false)}}
	for i := 1; i <= 70; i++ {
		b.Children = append(b.Children, bulletin.Row{RegionCode: fmt.Sprintf("4101%02d", i), RegionName: fmt.Sprintf("测试单位%02d", i),
			Quota: count(10), Approved: count(5), QuotaCompletion: rate(0.5), ElapsedShare: rate(0.878), CompletionRank: count(1)})
	}
	return b
}

// TestLongTableKeepsTotalWithRegions: a table longer than a page breaks
// so that its last page holds the 合计 row and at least two regions.
func TestLongTableKeepsTotalWithRegions(t *testing.T) {
	_, path := openPath(t, longBulletin())
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var xml []byte
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet2.xml" { // 任务完成
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			var buf strings.Builder
			if _, err := io.Copy(&buf, rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			xml = []byte(buf.String())
		}
	}
	ids := regexp.MustCompile(`<brk id="(\d+)"`).FindAllSubmatch(xml, -1)
	if len(ids) == 0 {
		t.Fatal("任务完成: 70 regions and no page break")
	}
	last, _ := strconv.Atoi(string(ids[len(ids)-1][1]))
	// Rows 5–74 are the regions, 75 the 合计: a break after row `last`
	// leaves rows last+1 … 75 on the last page.
	if rows := 75 - last; rows < 3 {
		t.Errorf("the last page holds %d rows: 合计 and %d regions", rows, rows-1)
	}
}

func count(n int64) bulletin.Count {
	var c bulletin.Count
	c.V, c.Valid = n, true
	return c
}

func rate(v float64) bulletin.Rate {
	var r bulletin.Rate
	r.V, r.Valid = v, true
	return r
}

func verdict(v bool) bulletin.Verdict {
	var x bulletin.Verdict
	x.V, x.Valid = v, true
	return x
}

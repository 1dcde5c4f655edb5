package workbook_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"enlist/pipelines/load"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
)

// qualitySheet reads the 数据质量 sheet: the files listed (column A down to
// the first 合计), their 合计 拒收 + 警示, and the problem summary below
// (主要问题: problem → rows) with its 合计 of rows and files.
type qualitySheet struct {
	files                 []string
	region, top           map[string]string
	fileRows              int64
	problems              map[string]int64
	totalRows, totalFiles int64
}

func readQualitySheet(t *testing.T, b *bulletin.Bulletin) qualitySheet {
	t.Helper()
	s := sheet{t, open(t, b), "数据质量"}
	q := qualitySheet{region: map[string]string{}, top: map[string]string{}, problems: map[string]int64{}}
	atoi := func(ref string) int64 {
		n, err := strconv.ParseInt(s.raw(ref), 10, 64)
		if err != nil {
			t.Fatalf("数据质量!%s = %q: not a count", ref, s.raw(ref))
		}
		return n
	}
	r := 5
	for ; s.raw(fmt.Sprintf("A%d", r)) != "合计"; r++ {
		if r > 200 {
			t.Fatal("数据质量: no 合计 row under the files")
		}
		name := s.raw(fmt.Sprintf("A%d", r))
		q.files = append(q.files, name)
		q.region[name] = s.raw(fmt.Sprintf("C%d", r))
		q.top[name] = s.raw(fmt.Sprintf("H%d", r))
	}
	q.fileRows = atoi(fmt.Sprintf("F%d", r)) + atoi(fmt.Sprintf("G%d", r))
	for ; s.raw(fmt.Sprintf("A%d", r)) != "主要问题"; r++ {
		if r > 300 {
			t.Fatal("数据质量: no 主要问题 summary below the files")
		}
	}
	if h := s.raw(fmt.Sprintf("A%d", r+1)); h != "问题" {
		t.Fatalf("数据质量 summary head %q, want 问题", h)
	}
	for r += 2; s.raw(fmt.Sprintf("A%d", r)) != "合计"; r++ {
		if s.raw(fmt.Sprintf("A%d", r)) == "无" {
			return q
		}
		if r > 320 {
			t.Fatal("数据质量: no 合计 row under the problems")
		}
		q.problems[s.raw(fmt.Sprintf("A%d", r))] = atoi(fmt.Sprintf("C%d", r))
	}
	q.totalRows, q.totalFiles = atoi(fmt.Sprintf("C%d", r)), atoi(fmt.Sprintf("D%d", r))
	return q
}

// TestDataQualitySheetIsTheRegions: the weekly 数据质量 sheet lists only the
// files with a problem inside the bulletin's region (a refused row, a
// warning in force — the orphan exam, a warning between files — or a
// withdrawal), never the clean ones; a county's sheet has only what touches
// the county; and the problems' 合计 equals the files' 拒收 + 警示, counted
// from the same rows.
func TestDataQualitySheetIsTheRegions(t *testing.T) {
	ctx := context.Background()
	wh := fixture.Small(t)
	gather := func(scope string) *bulletin.Bulletin {
		b, err := bulletin.Gather(ctx, wh, bulletin.Options{Scope: scope, AsOf: fixture.AsOf})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// 郑州市: the refused check character in 中原区's registrations and the
	// orphan exam in the city's examinations; the other five files are clean.
	city := readQualitySheet(t, gather("4101"))
	if want := []string{"中原区兵役登记.csv", "郑州市体检结果.csv"}; !slices.Equal(sorted(city.files), want) {
		t.Errorf("郑州市 数据质量 lists %q, want only the files with a problem %q", city.files, want)
	}
	if got := city.top["郑州市体检结果.csv"]; got != "无登记记录（1）" {
		t.Errorf("郑州市体检结果.csv main problem %q, want 无登记记录（1）", got)
	}
	if city.problems["身份证号校验码错误"] != 1 || city.problems["无登记记录"] != 1 || city.totalRows != 2 || city.totalFiles != 2 {
		t.Errorf("郑州市 problems %v, 合计 %d rows in %d files; want 1 + 1 = 2 rows in 2 files", city.problems, city.totalRows, city.totalFiles)
	}
	if city.fileRows != city.totalRows {
		t.Errorf("郑州市: files' 拒收 + 警示 = %d, problems' 合计 = %d", city.fileRows, city.totalRows)
	}

	// 中原区 (410102): its own registrations only; the city's exams file
	// covers it, but its orphan has no region in 中原区.
	county := readQualitySheet(t, gather("410102"))
	if want := []string{"中原区兵役登记.csv"}; !slices.Equal(county.files, want) {
		t.Errorf("中原区 数据质量 lists %q, want %q", county.files, want)
	}
	if county.totalRows != 1 || county.fileRows != 1 || len(county.problems) != 1 {
		t.Errorf("中原区: problems %v 合计 %d, files' 拒收 + 警示 %d; want 身份证号校验码错误 1", county.problems, county.totalRows, county.fileRows)
	}

	// A withdrawn file is listed, as withdrawn, though it has no rows left.
	var id int64
	if err := wh.DB().QueryRowContext(ctx, `SELECT load_id FROM load_ledger WHERE file LIKE '%郑州市征集任务.csv'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := load.Withdraw(ctx, wh, id, "test", "wrong quotas"); err != nil {
		t.Fatal(err)
	}
	after := readQualitySheet(t, gather("4101"))
	if want := []string{"中原区兵役登记.csv", "郑州市体检结果.csv", "郑州市征集任务.csv"}; !slices.Equal(sorted(after.files), want) {
		t.Errorf("after the withdrawal 数据质量 lists %q, want %q", after.files, want)
	}
	if got := after.top["郑州市征集任务.csv"]; got != "已撤回，入库行已移除（3）" {
		t.Errorf("the withdrawn quotas' main problem %q", got)
	}
	if after.fileRows != after.totalRows || after.totalRows != 2 {
		t.Errorf("after the withdrawal: files' 拒收 + 警示 %d, problems' 合计 %d; want 2 and 2", after.fileRows, after.totalRows)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

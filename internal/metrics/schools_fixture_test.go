package metrics

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// The hand-computed universities fixture: 2025 season 1 in 郑州市 (4101),
// read as of 2025-03-20.
//
// The schools extract (高校名单.csv) names three universities in two counties:
//
//	10459 郑州大学        in 410102 中原区 (the built-in list puts it in 410172;
//	                      the extract moves it), 2000 students, alias 郑大
//	10078 华北水利水电大学 in 410102 中原区, 400 students, aliases 华水、测院
//	99001 郑州测试学院     in 410103 二七区 (not in the built-in list), no
//	                      student count, aliases 测院
//
// 测院 is given to two universities, so it names neither. The built-in
// alias 华北水利水电学院 still names 10078.
//
// Quotas (河南省2025年征集任务.csv): regions 410102 10 and 410103 8; and two
// university rows, 10459 4 (on 410102's line) and 99001 2 (on 410103's).
// The university rows are not regions' quotas: 410102 stays 10, 410103 8,
// 4101 (no row of its own) 10 + 8 = 18.
//
// People (学业状态: 在校 in school, 应届 graduate of the year, 往届 past
// graduate); the 中原区 file writes 郑州大学 as 郑州大学, the 二七区 file as
// 郑大 — the same university spelt differently in two files:
//
//	中原区 410102001
//	  a1 郑州大学 在校, applied, physical pass, political pass, approved 03-10   → 10459
//	  a2 郑州大学 应届, applied, double qualified, approved 03-10, returned 03-15 → 10459
//	  a3 郑州大学 往届, applied, double qualified, approved 03-11                 → none (past graduate)
//	  a4 华北水利水电大学 在校, registered only                                   → 10078
//	  a5 华北水利水电学院 在校 (built-in alias), applied, physical fail           → 10078
//	  a6 "郑州 大学（本部）" 在校 (key: note and space dropped), applied,
//	     physical pass, no political review                                      → 10459
//	  a7 no school, 非学生, applied, double qualified, approved 03-12             → none
//	二七区 410103001
//	  b1 郑大 在校, applied, double qualified, approved 03-10                     → 10459
//	  b2 郑州测试学院 应届, applied, double qualified, approved 03-11             → 99001
//	  b3 郑州测试学院 在校, applied, physical pass only                           → 99001
//	  b4 郑州测试学院 在校, registered 03-25, after the as-of date               → none yet
//	  b5 测院 在校 (ambiguous), applied                                          → none
//
// Per university, as of 2025-03-20:
//
//	10459: a1 a2 a6 b1 → registered 4, applied 4, examined 4 (a1 a2 a6 b1),
//	       double qualified 3 (a1 a2 b1), approved 3 (a1 a2 b1), returned 1
//	       (a2); quota 4, completion (3 − 1) / 4 = 0.5; applied per thousand
//	       4 × 1000 / 2000 = 2, approved per thousand 3 × 1000 / 2000 = 1.5
//	10078: a4 a5 → registered 2, applied 1, examined 1, double qualified 0,
//	       approved 0, returned 0; no quota (NULL completion); applied per
//	       thousand 1 × 1000 / 400 = 2.5, approved per thousand 0
//	99001: b2 b3 → registered 2, applied 2, examined 2, double qualified 1,
//	       approved 1, returned 0; quota 2, completion 1 / 2 = 0.5; no student
//	       count (NULL per thousand)
//
// Ranks in 郑州市 4101 (the built-in universities of 郑州 with no people
// rank after them, all at 0 approved): by approved 10459 1, 99001 2, the
// rest (10078 among them) 3; by applied per thousand 10078 1 (2.5), 10459 2
// (2.0); 99001 and the built-in ones without a student count have none.
// In 中原区 410102: by approved 10459 1, 10078 2; per thousand 10078 1,
// 10459 2. In 二七区 410103: 99001 1 (no rate rank), and the built-in 13467
// 河南交通职业技术学院 and 12949 郑州职业技术学院, which sit there too, 2 (no
// rate rank).
//
// Totals (school_totals_at) by where the universities sit:
//
//	410102: 2 universities, 2400 students, registered 6, applied 5, examined
//	        5, double qualified 3, approved 3, returned 1, quota 4 (10459's),
//	        completion (3 − 1) / 4 = 0.5 over the universities with a quota,
//	        applied per thousand (4 + 1) × 1000 / 2400 = 5000/2400
//	410103: 3 universities (99001, 13467, 12949), no students (NULL), registered 2, applied 2,
//	        examined 2, double qualified 1, approved 1, returned 0, quota 2,
//	        completion 1 / 2 = 0.5, per thousand NULL
//	4101:   15 universities (the 14 built-in ones of 郑州 — 10459 moved within
//	        it — plus 99001), 2400 students, registered 8, applied 7, examined
//	        7, double qualified 4, approved 4, returned 1, quota 6, completion
//	        ((3 − 1) + 1) / (4 + 2) = 0.5, per thousand 5000/2400
//	41:     32 universities (31 built-in plus 99001), the rest as 4101
var (
	schoolBirth = time.Date(2004, 5, 1, 0, 0, 0, 0, time.UTC)
	sp          = func(county string, n int) string { return idnum.Make(county, schoolBirth, 300+2*n+1) }
	spA         = func() []string {
		out := make([]string, 8)
		for i := 1; i <= 7; i++ {
			out[i] = sp("410102", i)
		}
		return out
	}()
	spB = func() []string {
		out := make([]string, 6)
		for i := 1; i <= 5; i++ {
			out[i] = sp("410103", 10+i)
		}
		return out
	}()

	schoolListHeader = []string{"院校代码", "院校名称", "所在地区划代码", "在校生人数", "别名"}
	schoolListRows   = [][]string{
		{"10459", "郑州大学", "410102", "2000", "郑大"},
		{"10078", "华北水利水电大学", "410102", "400", "华水、测院"},
		{"99001", "郑州测试学院", "410103", "", "测院"},
	}
	schoolRegHeader = []string{"身份证号", "区划代码", "登记日期", "是否应征报名", "文化程度", "学业状态", "就读院校", "年度", "季度"}
	schoolRegA      = [][]string{
		{spA[1], "410102001", "2025-01-05", "是", "本科", "在校生", "郑州大学", "2025", "上半年"},
		{spA[2], "410102001", "2025-01-05", "是", "本科", "应届毕业生", "郑州大学", "2025", "上半年"},
		{spA[3], "410102001", "2025-01-05", "是", "本科", "往届毕业生", "郑州大学", "2025", "上半年"},
		{spA[4], "410102001", "2025-01-06", "否", "本科", "在校生", "华北水利水电大学", "2025", "上半年"},
		{spA[5], "410102001", "2025-01-06", "是", "本科", "在校生", "华北水利水电学院", "2025", "上半年"},
		{spA[6], "410102001", "2025-01-07", "是", "本科", "在校生", "郑州 大学（本部）", "2025", "上半年"},
		{spA[7], "410102001", "2025-01-07", "是", "高中", "非学生", "", "2025", "上半年"},
	}
	schoolRegB = [][]string{
		{spB[1], "410103001", "2025-01-05", "是", "本科", "在校生", "郑大", "2025", "上半年"},
		{spB[2], "410103001", "2025-01-05", "是", "大专", "应届毕业生", "郑州测试学院", "2025", "上半年"},
		{spB[3], "410103001", "2025-01-06", "是", "大专", "在校生", "郑州测试学院", "2025", "上半年"},
		{spB[4], "410103001", "2025-03-25", "是", "大专", "在校生", "郑州测试学院", "2025", "上半年"},
		{spB[5], "410103001", "2025-01-06", "是", "大专", "在校生", "测院", "2025", "上半年"},
	}
	schoolPhysicals = [][]string{
		{spA[1], "体检", "2025-02-15", "合格", ""},
		{spA[2], "体检", "2025-02-15", "合格", ""},
		{spA[3], "体检", "2025-02-15", "合格", ""},
		{spA[5], "体检", "2025-02-15", "不合格", "视力"},
		{spA[6], "体检", "2025-02-16", "合格", ""},
		{spA[7], "体检", "2025-02-16", "合格", ""},
		{spB[1], "体检", "2025-02-16", "合格", ""},
		{spB[2], "体检", "2025-02-16", "合格", ""},
		{spB[3], "体检", "2025-02-17", "合格", ""},
	}
	schoolPoliticals = [][]string{
		{spA[1], "政考", "2025-02-25", "合格", ""},
		{spA[2], "政考", "2025-02-25", "合格", ""},
		{spA[3], "政考", "2025-02-25", "合格", ""},
		{spA[7], "政考", "2025-02-25", "合格", ""},
		{spB[1], "政考", "2025-02-26", "合格", ""},
		{spB[2], "政考", "2025-02-26", "合格", ""},
	}
	schoolApprovals = [][]string{
		{spA[1], "2025-03-10", "2025", "上半年", "", "", ""},
		{spA[2], "2025-03-10", "2025", "上半年", "2025-03-15", "疾病", "否"},
		{spA[3], "2025-03-11", "2025", "上半年", "", "", ""},
		{spA[7], "2025-03-12", "2025", "上半年", "", "", ""},
		{spB[1], "2025-03-10", "2025", "上半年", "", "", ""},
		{spB[2], "2025-03-11", "2025", "上半年", "", "", ""},
	}
	schoolQuotaHeader = []string{"年度", "季度", "区划代码", "征集任务数", "院校代码"}
	schoolQuotaRows   = [][]string{
		{"2025", "上半年", "410102", "10", ""},
		{"2025", "上半年", "410103", "8", ""},
		{"2025", "上半年", "410102", "4", "10459"},
		{"2025", "上半年", "410103", "2", "99001"},
	}
)

// loadSchoolFixture loads the universities fixture into a new warehouse.
func loadSchoolFixture(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	writeCSV(t, inbox, "郑州市高校名单.csv", schoolListHeader, schoolListRows)
	writeCSV(t, inbox, "中原区2025年上半年兵役登记.csv", schoolRegHeader, schoolRegA)
	writeCSV(t, inbox, "二七区2025年上半年兵役登记.csv", schoolRegHeader, schoolRegB)
	writeCSV(t, inbox, "郑州市2025年上半年体检结果.csv", examHeader, schoolPhysicals)
	writeCSV(t, inbox, "郑州市2025年上半年政治考核结果.csv", examHeader, schoolPoliticals)
	writeCSV(t, inbox, "郑州市2025年上半年定兵名单.csv", approvalHeader, schoolApprovals)
	writeCSV(t, inbox, "河南省2025年征集任务.csv", schoolQuotaHeader, schoolQuotaRows)
	wh, loader := openWarehouse(t, dir)
	results, err := loader.LoadPaths(context.Background(), []string{inbox}, load.Options{})
	if err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	if len(results) != 7 {
		t.Fatalf("loaded %d files, want 7", len(results))
	}
	for _, r := range results {
		if r.Status != "loaded" || r.Rejected != 0 {
			t.Fatalf("%s: status %s, %d rejected %v", filepath.Base(r.File), r.Status, r.Rejected, r.Reasons)
		}
	}
	return wh
}

func TestHandComputedSchools(t *testing.T) {
	ctx := context.Background()
	wh := loadSchoolFixture(t)
	asOf := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)

	// The universities of 郑州市, ranked, through ReadSchools (what
	// enlist metrics --schools prints).
	frame, err := ReadSchools(ctx, wh, Query{Scope: "4101", Year: 2025, Season: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]row{}
	var order []string
	for i := range frame.Rows {
		r := row{}
		for j, c := range frame.Columns {
			r[c] = frame.Rows[i][j]
		}
		code := r["school_code"].(string)
		got[code] = r
		order = append(order, code)
	}
	if len(got) != 15 {
		t.Errorf("郑州市 lists %d universities, want 15 (14 built-in, 10459 moved within it, plus 99001)", len(got))
	}
	if len(order) < 3 || order[0] != "10459" || order[1] != "99001" {
		t.Errorf("order %v, want 10459, 99001 first (most approved)", order)
	}
	want := map[string]row{
		"10459": {"school_name": "郑州大学", "county_code": "410102", "county_name": "中原区", "city_code": "4101",
			"students": 2000, "registered": 4, "applied": 4, "physical_examined": 4, "double_qualified": 3,
			"approved": 3, "returned": 1, "quota": 4, "quota_completion": ratio(2, 4),
			"applied_per_thousand": ratio(4000, 2000), "approved_per_thousand": ratio(3000, 2000),
			"approved_rank": 1, "applied_rate_rank": 2, "source": null},
		"10078": {"school_name": "华北水利水电大学", "county_code": "410102", "students": 400,
			"registered": 2, "applied": 1, "physical_examined": 1, "double_qualified": 0,
			"approved": 0, "returned": 0, "quota": null, "quota_completion": null,
			"applied_per_thousand": ratio(1000, 400), "approved_per_thousand": 0.0,
			"approved_rank": 3, "applied_rate_rank": 1},
		"99001": {"school_name": "郑州测试学院", "county_code": "410103", "county_name": "二七区", "students": null,
			"registered": 2, "applied": 2, "physical_examined": 2, "double_qualified": 1,
			"approved": 1, "returned": 0, "quota": 2, "quota_completion": ratio(1, 2),
			"applied_per_thousand": null, "approved_per_thousand": null,
			"approved_rank": 2, "applied_rate_rank": null},
		// A built-in university of 郑州 nobody registered through: zeros,
		// ranked last on approved, no per-thousand figure.
		"10466": {"school_name": "河南农业大学", "county_code": "410105", "students": null, "registered": 0,
			"applied": 0, "approved": 0, "quota": null, "approved_rank": 3, "applied_rate_rank": null},
	}
	delete(want["10459"], "source") // not a column of the ranking
	for code, w := range want {
		checkRow(t, "4101/"+code, got[code], w)
	}

	// Ranks are the region's own: in 中原区 only its two universities.
	for scope, ranks := range map[string]map[string][2]any{
		"410102": {"10459": {1, 2}, "10078": {2, 1}},
		"410103": {"99001": {1, null}, "13467": {2, null}, "12949": {2, null}},
	} {
		f, err := ReadSchools(ctx, wh, Query{Scope: scope, Year: 2025, Season: 1, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Rows) != len(ranks) {
			t.Errorf("%s lists %d universities, want %d", scope, len(f.Rows), len(ranks))
		}
		for i := range f.Rows {
			code := f.Value(i, "school_code").(string)
			r, ok := ranks[code]
			if !ok {
				t.Errorf("%s lists %s", scope, code)
				continue
			}
			checkValue(t, scope+"/"+code+".approved_rank", f.Value(i, "approved_rank"), r[0])
			checkValue(t, scope+"/"+code+".applied_rate_rank", f.Value(i, "applied_rate_rank"), r[1])
		}
	}

	// The totals at every level where the universities sit.
	totals := readSchoolTotals(t, wh, "2025-03-20")
	for code, w := range map[string]row{
		"410102": {"schools": 2, "students": 2400, "registered": 6, "applied": 5, "physical_examined": 5,
			"double_qualified": 3, "approved": 3, "returned": 1, "quota": 4, "quota_completion": ratio(2, 4),
			"applied_per_thousand": ratio(5000, 2400)},
		"410103": {"schools": 3, "students": null, "registered": 2, "applied": 2, "physical_examined": 2,
			"double_qualified": 1, "approved": 1, "returned": 0, "quota": 2, "quota_completion": ratio(1, 2),
			"applied_per_thousand": null},
		"4101": {"schools": 15, "students": 2400, "registered": 8, "applied": 7, "physical_examined": 7,
			"double_qualified": 4, "approved": 4, "returned": 1, "quota": 6, "quota_completion": ratio(3, 6),
			"applied_per_thousand": ratio(5000, 2400)},
		"41": {"schools": 32, "students": 2400, "registered": 8, "applied": 7, "physical_examined": 7,
			"double_qualified": 4, "approved": 4, "returned": 1, "quota": 6, "quota_completion": ratio(3, 6),
			"applied_per_thousand": ratio(5000, 2400)},
	} {
		checkRow(t, "totals/"+code, totals[code], w)
	}

	// A university's quota is never a region's: the region quotas stay
	// those of the region rows.
	m := readMetrics(t, wh, "4101", 2025, 1, "2025-03-20", 1)
	for code, q := range map[string]int{"4101": 18, "410102": 10, "410103": 8} {
		checkValue(t, code+".quota", m[code]["quota"], q)
	}

	// The spellings: 测院 names two universities and so neither; the
	// built-in alias still names 10078.
	var ambiguous int
	if err := wh.DB().QueryRowContext(ctx, `SELECT count(DISTINCT school_code) FROM school_spellings
		WHERE spelling_key = school_key('测院') AND ambiguous`).Scan(&ambiguous); err != nil {
		t.Fatal(err)
	}
	if ambiguous != 2 {
		t.Errorf("测院 is ambiguous between %d universities, want 2", ambiguous)
	}
}

// readSchoolTotals reads school_totals_at for 2025 season 1, keyed by region.
func readSchoolTotals(t *testing.T, wh *warehouse.Warehouse, asOf string) map[string]row {
	t.Helper()
	rows, err := wh.DB().QueryContext(context.Background(),
		`SELECT * FROM school_totals_at(CAST(? AS DATE), 2025, 1)`, asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := map[string]row{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := row{}
		for i, c := range cols {
			r[c] = vals[i]
		}
		out[r["region_code"].(string)] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

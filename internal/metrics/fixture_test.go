package metrics

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// The hand-computed fixture: 2025 season 1 in 郑州市 (4101) of 河南省 (41).
//
//	410102 中原区 (quota row 8, college target 80 %)
//	    410102001 林山寨街道  p1–p8
//	    410102002 建设路街道  p9–p12 (and p13 until he registers again in 二七区)
//	    410102003 棉纺路街道  p14, p15 (p15 registers late, on 03-25)
//	410103 二七区 (quota row 6)
//	    410103001 淮河路街道  p13, p16–p21
//	    410103003 铭功路街道  p22–p25
//	410104 管城回族区 (quota row 4, nobody registered: zeros and NULL rates)
//	4101 郑州市: no quota row, so 8 + 6 + 4 = 18
//	41 河南省: its own quota row, 60, college target 75 %
//
// The timeline: registration in January (p13's second one on 02-01, p15's on
// 03-25), physicals 02-15..03-01 (p25's on 03-25), political reviews
// 02-25..03-03, approvals 03-10..03-21, returns 03-15, 03-18, 04-15, 04-20.
// Veterans v1–v11 are discharged 01-05..05-05 (season 1 by discharge month).
//
// The main as-of dates are 2025-03-20 (inside the season-1 window 01-01..03-31:
// elapsed share 79/90, before any subsidy deadline of 90 days can have passed,
// since 01-01 + 90 = 04-01) and 2025-06-30 (after the window: elapsed share 1;
// some self-employed veterans past their deadline, some not).
var (
	fixtureBirth = time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC)
	// person[1]..person[25]: the people of the fixture (person[0] unused).
	person = func() []string {
		out := make([]string, 26)
		for i := 1; i <= 25; i++ {
			county := "410102"
			if i >= 16 {
				county = "410103"
			}
			out[i] = idnum.Make(county, fixtureBirth, 100+2*i+1)
		}
		return out
	}()
	// Orphans: an exam and an approval of people registered nowhere.
	orphanExam     = idnum.Make("410105", fixtureBirth, 901)
	orphanApproval = idnum.Make("410105", fixtureBirth, 903)
	// veteran[1]..veteran[11]: veterans of the resettlement extract.
	veteran = func() []string {
		out := make([]string, 12)
		for i := 1; i <= 11; i++ {
			out[i] = idnum.Make("410102", time.Date(2002, 3, 1, 0, 0, 0, 0, time.UTC), 500+2*i+1)
		}
		return out
	}()
)

var (
	regHeader = []string{"身份证号", "区划代码", "登记日期", "是否应征报名", "文化程度", "学业状态", "专业类别", "年度", "季度"}

	// 中原区's registrations.
	regZhongyuan = [][]string{
		{person[1], "410102001", "2025-01-05", "否", "高中", "非学生", "", "2025", "上半年"},      // registered only
		{person[2], "410102001", "2025-01-06", "是", "高中", "非学生", "", "2025", "上半年"},      // applied, no exam
		{person[3], "410102001", "2025-01-06", "是", "高中", "非学生", "", "2025", "上半年"},      // physical fail
		{person[4], "410102001", "2025-01-07", "是", "大专", "在校生", "理工", "2025", "上半年"},    // physical pass only
		{person[5], "410102001", "2025-01-07", "是", "高中", "非学生", "", "2025", "上半年"},      // physical pass, political fail
		{person[6], "410102001", "2025-01-08", "是", "本科", "在校生", "文学", "2025", "上半年"},    // double qualified, not approved
		{person[7], "410102001", "2025-01-08", "是", "本科", "应届毕业生", "工学", "2025", "上半年"},  // approved: college, graduate, STEM
		{person[8], "410102001", "2025-01-09", "是", "高中", "非学生", "", "2025", "上半年"},      // approved: not college
		{person[9], "410102002", "2025-01-09", "是", "大专", "往届毕业生", "管理学", "2025", "上半年"}, // re-examined; approved: college, graduate
		{person[10], "410102002", "2025-01-10", "是", "本科", "在校生", "理学", "2025", "上半年"},   // approved, returned 03-15 有责: college, STEM
		{person[11], "410102002", "2025-01-10", "是", "硕士", "应届毕业生", "理科", "2025", "上半年"}, // approved, returned 04-15 无责: college, graduate, STEM
		{person[12], "410102002", "2025-01-11", "是", "本科", "往届毕业生", "法学", "2025", "上半年"}, // approved 03-21: college, graduate
		{person[13], "410102002", "2025-01-10", "是", "高中", "非学生", "", "2025", "上半年"},     // first of his two registrations
		{person[14], "410102003", "2025-01-12", "是", "高中", "非学生", "", "2025", "上半年"},     // political review only
		{person[15], "410102003", "2025-03-25", "是", "本科", "在校生", "理工", "2025", "上半年"},   // registers after 03-20
	}
	// 二七区's registrations.
	regErqi = [][]string{
		{person[13], "410103001", "2025-02-01", "否", "本科", "在校生", "工学", "2025", "上半年"},   // later registration wins: college, STEM; applied from the first
		{person[16], "410103001", "2025-01-06", "否", "初中", "非学生", "", "2025", "上半年"},     // registered only
		{person[17], "410103001", "2025-01-07", "是", "高中", "非学生", "", "2025", "上半年"},     // physical fail
		{person[18], "410103001", "2025-01-08", "是", "大专", "应届毕业生", "工学", "2025", "上半年"}, // approved: college, graduate, STEM
		{person[19], "410103001", "2025-01-08", "是", "中专", "非学生", "", "2025", "上半年"},     // approved, returned 03-18 无责: 中专 is not college
		{person[20], "410103001", "2025-01-09", "是", "本科", "在校生", "艺术学", "2025", "上半年"},  // approved, returned 04-20 有责: college
		{person[21], "410103001", "2025-01-09", "是", "高中", "非学生", "", "2025", "上半年"},     // approved with no political review
		{person[22], "410103003", "2025-01-10", "是", "大专", "在校生", "理工", "2025", "上半年"},   // double qualified, not approved
		{person[23], "410103003", "2025-01-10", "是", "硕士", "往届毕业生", "哲学", "2025", "上半年"}, // approved: college, graduate
		{person[24], "410103003", "2025-01-11", "是", "高中", "非学生", "", "2025", "上半年"},     // physical pass, political fail
		{person[25], "410103003", "2025-01-12", "是", "高中", "非学生", "", "2025", "上半年"},     // physical on 03-25
	}

	examHeader = []string{"身份证号", "检查类型", "检查日期", "结论", "不合格原因"}
	physicals  = [][]string{
		{person[3], "体检", "2025-02-15", "不合格", "视力"},
		{person[4], "体检", "2025-02-15", "合格", ""},
		{person[5], "体检", "2025-02-15", "合格", ""},
		{person[6], "体检", "2025-02-15", "合格", ""},
		{person[7], "体检", "2025-02-15", "合格", ""},
		{person[8], "体检", "2025-02-15", "合格", ""},
		// p9's re-examination is listed before the first examination: the
		// date decides which result counts, not the order of the rows.
		{person[9], "体检", "2025-03-01", "合格", ""},
		{person[9], "体检", "2025-02-16", "不合格", "血压"},
		{person[10], "体检", "2025-02-17", "合格", ""},
		{person[11], "体检", "2025-02-17", "合格", ""},
		{person[12], "体检", "2025-02-17", "合格", ""},
		{person[13], "体检", "2025-02-18", "合格", ""},
		{person[17], "体检", "2025-02-18", "不合格", "外科"},
		{person[18], "体检", "2025-02-18", "合格", ""},
		{person[19], "体检", "2025-02-18", "合格", ""},
		{person[20], "体检", "2025-02-18", "合格", ""},
		{person[21], "体检", "2025-02-18", "合格", ""},
		{person[22], "体检", "2025-02-20", "合格", ""},
		{person[23], "体检", "2025-02-20", "合格", ""},
		{person[24], "体检", "2025-02-20", "合格", ""},
		{person[25], "体检", "2025-03-25", "合格", ""},
		{orphanExam, "体检", "2025-02-20", "合格", ""}, // registered nowhere: counts nowhere
	}
	politicals = [][]string{
		{person[5], "政考", "2025-02-25", "不合格", "政治条件"},
		{person[6], "政考", "2025-02-25", "合格", ""},
		{person[7], "政考", "2025-02-25", "合格", ""},
		{person[8], "政考", "2025-02-25", "合格", ""},
		{person[9], "政考", "2025-03-03", "合格", ""},
		{person[10], "政考", "2025-02-25", "合格", ""},
		{person[11], "政考", "2025-02-25", "合格", ""},
		{person[12], "政考", "2025-02-25", "合格", ""},
		{person[13], "政考", "2025-02-26", "合格", ""},
		{person[14], "政考", "2025-02-25", "合格", ""},
		{person[18], "政考", "2025-02-26", "合格", ""},
		{person[19], "政考", "2025-02-26", "合格", ""},
		{person[20], "政考", "2025-02-26", "合格", ""},
		{person[22], "政考", "2025-03-02", "合格", ""},
		{person[23], "政考", "2025-03-02", "合格", ""},
		{person[24], "政考", "2025-03-02", "不合格", "政治条件"},
	}

	approvalHeader = []string{"身份证号", "批准日期", "年度", "季度", "退兵日期", "退兵原因", "是否有责"}
	approvalRows   = [][]string{
		{person[7], "2025-03-10", "2025", "上半年", "", "", ""},
		{person[8], "2025-03-12", "2025", "上半年", "", "", ""},
		{person[9], "2025-03-14", "2025", "上半年", "", "", ""},
		{person[10], "2025-03-11", "2025", "上半年", "2025-03-15", "复检不合格", "有责"},
		{person[11], "2025-03-11", "2025", "上半年", "2025-04-15", "家庭变故", "无责"},
		{person[12], "2025-03-21", "2025", "上半年", "", "", ""},
		{person[13], "2025-03-13", "2025", "上半年", "", "", ""},
		{person[18], "2025-03-15", "2025", "上半年", "", "", ""},
		{person[19], "2025-03-16", "2025", "上半年", "2025-03-18", "疾病", "无责"},
		{person[20], "2025-03-17", "2025", "上半年", "2025-04-20", "思想原因", "有责"},
		{person[21], "2025-03-18", "2025", "上半年", "", "", ""},
		{person[23], "2025-03-19", "2025", "上半年", "", "", ""},
		{orphanApproval, "2025-03-12", "2025", "上半年", "", "", ""}, // registered nowhere: counts nowhere
	}

	quotaHeader = []string{"年度", "季度", "区划代码", "征集任务数", "大学生比例目标"}
	quotaRows   = [][]string{
		{"2025", "上半年", "41", "60", "75%"},
		{"2025", "上半年", "410102", "8", "0.8"},
		{"2025", "上半年", "410103", "6", ""},
		{"2025", "上半年", "410104", "4", ""},
	}

	resettlementHeader = []string{"身份证号", "安置地区划代码", "退役日期", "退役类别", "安置方式", "安置日期", "补助发放日期"}
	resettlementRows   = [][]string{
		{veteran[1], "410102", "2025-01-10", "义务兵", "安排工作", "2025-02-20", ""}, // placed after 41 days
		{veteran[2], "410102", "2025-02-15", "义务兵", "安排工作", "2025-04-10", ""}, // placed after 54 days, after 03-20
		{veteran[3], "410102", "2025-03-01", "士官", "安排工作", "", ""},            // not placed
		{veteran[4], "410102", "2025-01-05", "义务兵", "自主就业", "", "2025-03-01"}, // deadline 04-05; paid on time
		{veteran[5], "410102", "2025-01-20", "义务兵", "自主就业", "", "2025-05-10"}, // deadline 04-20; paid late
		{veteran[6], "410102", "2025-04-10", "义务兵", "自主就业", "", "2025-05-01"}, // deadline 07-09: not due on 06-30
		{veteran[7], "410103", "2025-03-10", "义务兵", "安排工作", "2025-03-18", ""}, // placed after 8 days
		{veteran[8], "410103", "2025-05-05", "义务兵", "安排工作", "", ""},           // discharged after 03-20; not placed
		{veteran[9], "410103", "2025-02-01", "义务兵", "自主就业", "", ""},           // deadline 05-02; never paid
		{veteran[10], "410103", "2025-03-15", "士官", "自主就业", "", "2025-06-13"}, // deadline 06-13; paid on the last day
		{veteran[11], "410103", "2025-02-10", "士官", "退休", "2025-03-05", ""},   // retired, handed over 03-05: in no placement count
	}
)

// frac is a hand-computed rate num/den (den > 0); null is an expected NULL.
type frac struct{ num, den float64 }
type nullValue struct{}

var null nullValue

func ratio(num, den float64) frac { return frac{num, den} }

// metricColumns are the columns every expected row must state: the SPEC §7
// metrics, their numerators and denominators, and the pace.
var metricColumns = []string{
	"quota", "registered", "applied", "applied_to_quota",
	"physical_examined", "physical_passed", "physical_pass_rate",
	"political_reviewed", "political_passed", "political_pass_rate",
	"double_qualified", "approved", "returned", "responsible_returned", "quota_completion",
	"college_approved", "college_ratio", "graduate_approved", "graduate_ratio", "stem_approved", "stem_ratio",
	"return_rate", "placement_due", "placed", "placement_rate",
	"self_employed", "subsidy_due", "subsidy_on_time", "subsidy_on_time_rate",
	"elapsed_share", "pace_gap",
}

// countColumns and rateColumns classify the columns checked for regions
// without data: counts are 0 and rates NULL there.
var countColumns = []string{
	"quota", "registered", "applied", "physical_examined", "physical_passed", "political_reviewed",
	"political_passed", "double_qualified", "approved", "returned", "responsible_returned",
	"college_approved", "graduate_approved", "stem_approved", "placement_due", "placed",
	"self_employed", "subsidy_due", "subsidy_on_time",
}

var rateColumns = []string{
	"applied_to_quota", "physical_pass_rate", "political_pass_rate", "quota_completion", "college_ratio",
	"graduate_ratio", "stem_ratio", "return_rate", "placement_rate", "avg_placement_days",
	"subsidy_on_time_rate", "pace_gap",
}

type row = map[string]any

// wantMarch20 is every metric as of 2025-03-20, counted by hand from the
// fixture above. People counted at each town:
//
//	林山寨 410102001: p1–p8.   examined p3–p8 (p3 fails); reviewed p5–p8 (p5 fails);
//	                          approved p7, p8.
//	建设路 410102002: p9–p12.  all pass both (p9 after re-examination on 03-01);
//	                          approved p9, p10, p11 (p12 on 03-21); returned p10 (03-15, 有责).
//	棉纺路 410102003: p14.     political pass only (p15 registers on 03-25).
//	淮河路 410103001: p13, p16–p21. examined p13, p17–p21 (p17 fails); reviewed p13, p18–p20;
//	                          approved p13, p18–p21; returned p19 (03-18, 无责; p20's is 04-20).
//	铭功路 410103003: p22–p25. examined p22–p24 (p25's is 03-25); reviewed p22–p24 (p24 fails);
//	                          approved p23.
//
// Elapsed share: 03-20 is day 79 of the 90-day window 01-01..03-31.
var wantMarch20 = map[string]row{
	"41": { // 河南省: everything below; its own quota row of 60
		"quota": 60, "registered": 24, "applied": 22, // 13 + 11; 12 + 10 (p1, p16 did not apply)
		"applied_to_quota":  ratio(22, 60),
		"physical_examined": 19, "physical_passed": 17, "physical_pass_rate": ratio(17, 19),
		"political_reviewed": 16, "political_passed": 14, "political_pass_rate": ratio(14, 16),
		"double_qualified": 13,                                           // 7 + 6
		"approved":         11, "returned": 2, "responsible_returned": 1, // p10 and p19 returned; p10 有责
		"quota_completion": ratio(11-2, 60),
		"college_approved": 8, "college_ratio": ratio(8, 11), // p7, p9, p10, p11, p13, p18, p20, p23
		"graduate_approved": 5, "graduate_ratio": ratio(5, 11), // p7, p9, p11, p18, p23
		"stem_approved": 5, "stem_ratio": ratio(5, 8), // p7, p10, p11, p13, p18
		"return_rate":   ratio(2, 11),
		"placement_due": 3, "placed": 2, "placement_rate": ratio(2, 3), // v1, v2, v7 (v3 discharged 19 days ago, inside the 30-day window); v1, v7 placed
		"self_employed": 4, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null, // v4, v5, v9, v10: none 90 days out
		"avg_placement_days": ratio(41+8, 2),
		"elapsed_share":      ratio(79, 90),
		"pace_gap":           ratio(27-158, 180),           // 9/60 − 79/90 = 27/180 − 158/180
		"college_target":     0.75, "graduate_target": 0.5, // own row; graduate from settings
		"level": 1,
	},
	"4101": { // 郑州市: the same people; no quota row, so 8 + 6 + 4
		"quota": 18, "registered": 24, "applied": 22, "applied_to_quota": ratio(22, 18),
		"physical_examined": 19, "physical_passed": 17, "physical_pass_rate": ratio(17, 19),
		"political_reviewed": 16, "political_passed": 14, "political_pass_rate": ratio(14, 16),
		"double_qualified": 13, "approved": 11, "returned": 2, "responsible_returned": 1,
		"quota_completion": ratio(9, 18),
		"college_approved": 8, "college_ratio": ratio(8, 11),
		"graduate_approved": 5, "graduate_ratio": ratio(5, 11),
		"stem_approved": 5, "stem_ratio": ratio(5, 8),
		"return_rate":   ratio(2, 11),
		"placement_due": 3, "placed": 2, "placement_rate": ratio(2, 3),
		"self_employed": 4, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"avg_placement_days": ratio(49, 2),
		"elapsed_share":      ratio(79, 90),
		"pace_gap":           ratio(45-79, 90),             // 9/18 − 79/90 = 45/90 − 79/90
		"college_target":     0.75, "graduate_target": 0.5, // nearest row at or above: 41
		"level": 2, "parent_code": "41",
	},
	"410102": { // 中原区: p1–p12, p14 (p13 moved, p15 not yet)
		"quota": 8, "registered": 13, "applied": 12, "applied_to_quota": ratio(12, 8),
		"physical_examined": 10, "physical_passed": 9, "physical_pass_rate": ratio(9, 10),
		"political_reviewed": 9, "political_passed": 8, "political_pass_rate": ratio(8, 9),
		"double_qualified": 7,                                           // p6–p12
		"approved":         5, "returned": 1, "responsible_returned": 1, // p7–p11; p10
		"quota_completion": ratio(5-1, 8),
		"college_approved": 4, "college_ratio": ratio(4, 5), // p7, p9, p10, p11
		"graduate_approved": 3, "graduate_ratio": ratio(3, 5), // p7, p9, p11
		"stem_approved": 3, "stem_ratio": ratio(3, 4), // p7, p10, p11
		"return_rate":   ratio(1, 5),
		"placement_due": 2, "placed": 1, "placement_rate": ratio(1, 2), // v1, v2 (v3 inside the window); v1 (v2 on 04-10)
		"self_employed": 2, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null, // v4, v5 (v6 later)
		"avg_placement_days": ratio(41, 1),
		"elapsed_share":      ratio(79, 90),
		"pace_gap":           ratio(45-79, 90), // 4/8 − 79/90
		"college_target":     0.8, "graduate_target": 0.5,
		"level": 3, "parent_code": "4101", "region_name": "中原区",
	},
	"410103": { // 二七区: p13, p16–p25
		"quota": 6, "registered": 11, "applied": 10, "applied_to_quota": ratio(10, 6), // p16 did not apply; p13 did, in 中原区
		"physical_examined": 9, "physical_passed": 8, "physical_pass_rate": ratio(8, 9),
		"political_reviewed": 7, "political_passed": 6, "political_pass_rate": ratio(6, 7),
		"double_qualified": 6,                                           // p13, p18, p19, p20, p22, p23
		"approved":         6, "returned": 1, "responsible_returned": 0, // p13, p18–p21, p23; p19
		"quota_completion": ratio(6-1, 6),
		"college_approved": 4, "college_ratio": ratio(4, 6), // p13, p18, p20, p23
		"graduate_approved": 2, "graduate_ratio": ratio(2, 6), // p18, p23
		"stem_approved": 2, "stem_ratio": ratio(2, 4), // p13, p18
		"return_rate":   ratio(1, 6),
		"placement_due": 1, "placed": 1, "placement_rate": ratio(1, 1), // v7 (v8 discharged later)
		"self_employed": 2, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null, // v9, v10
		"avg_placement_days": ratio(8, 1),
		"elapsed_share":      ratio(79, 90),
		"pace_gap":           ratio(75-79, 90), // 5/6 − 79/90
		"college_target":     0.75, "graduate_target": 0.5,
		"level": 3, "parent_code": "4101", "region_name": "二七区",
	},
	"410104": { // 管城回族区: a quota and nobody
		"quota": 4, "registered": 0, "applied": 0, "applied_to_quota": ratio(0, 4),
		"physical_examined": 0, "physical_passed": 0, "physical_pass_rate": null,
		"political_reviewed": 0, "political_passed": 0, "political_pass_rate": null,
		"double_qualified": 0, "approved": 0, "returned": 0, "responsible_returned": 0,
		"quota_completion": ratio(0, 4),
		"college_approved": 0, "college_ratio": null, "graduate_approved": 0, "graduate_ratio": null,
		"stem_approved": 0, "stem_ratio": null, "return_rate": null,
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"avg_placement_days": null,
		"elapsed_share":      ratio(79, 90),
		"pace_gap":           ratio(-79, 90), // 0 − 79/90
		"level":              3, "parent_code": "4101",
	},
	"410102001": { // 林山寨街道: p1–p8; towns have no quota, so quota rates are NULL
		"quota": 0, "registered": 8, "applied": 7, "applied_to_quota": null,
		"physical_examined": 6, "physical_passed": 5, "physical_pass_rate": ratio(5, 6),
		"political_reviewed": 4, "political_passed": 3, "political_pass_rate": ratio(3, 4),
		"double_qualified": 3, "approved": 2, "returned": 0, "responsible_returned": 0, // p6–p8; p7, p8
		"quota_completion": null,
		"college_approved": 1, "college_ratio": ratio(1, 2), "graduate_approved": 1, "graduate_ratio": ratio(1, 2), // p7
		"stem_approved": 1, "stem_ratio": ratio(1, 1), "return_rate": ratio(0, 2),
		// Resettlement counts in the county of placement, not in towns.
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(79, 90), "pace_gap": null,
		"college_target": 0.8, // from 中原区's row
		"level":          4, "parent_code": "410102", "region_name": "林山寨街道",
	},
	"410102002": { // 建设路街道: p9–p12
		"quota": 0, "registered": 4, "applied": 4, "applied_to_quota": null,
		"physical_examined": 4, "physical_passed": 4, "physical_pass_rate": ratio(4, 4),
		"political_reviewed": 4, "political_passed": 4, "political_pass_rate": ratio(4, 4),
		"double_qualified": 4, "approved": 3, "returned": 1, "responsible_returned": 1, // p9–p11; p10
		"quota_completion": null,
		"college_approved": 3, "college_ratio": ratio(3, 3), // p9, p10, p11
		"graduate_approved": 2, "graduate_ratio": ratio(2, 3), // p9, p11
		"stem_approved": 2, "stem_ratio": ratio(2, 3), // p10, p11
		"return_rate":   ratio(1, 3),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(79, 90), "pace_gap": null,
		"level": 4, "parent_code": "410102",
	},
	"410102003": { // 棉纺路街道: p14 only (p15 registers on 03-25)
		"quota": 0, "registered": 1, "applied": 1, "applied_to_quota": null,
		"physical_examined": 0, "physical_passed": 0, "physical_pass_rate": null,
		"political_reviewed": 1, "political_passed": 1, "political_pass_rate": ratio(1, 1),
		"double_qualified": 0, "approved": 0, "returned": 0, "responsible_returned": 0,
		"quota_completion": null,
		"college_approved": 0, "college_ratio": null, "graduate_approved": 0, "graduate_ratio": null,
		"stem_approved": 0, "stem_ratio": null, "return_rate": null,
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(79, 90), "pace_gap": null,
		"level": 4, "parent_code": "410102",
	},
	"410103001": { // 淮河路街道: p13, p16–p21
		"quota": 0, "registered": 7, "applied": 6, "applied_to_quota": null, // p16 did not apply
		"physical_examined": 6, "physical_passed": 5, "physical_pass_rate": ratio(5, 6), // p17 fails
		"political_reviewed": 4, "political_passed": 4, "political_pass_rate": ratio(4, 4), // p13, p18–p20
		"double_qualified": 4,
		"approved":         5, "returned": 1, "responsible_returned": 0, // p13, p18–p21; p19
		"quota_completion": null,
		"college_approved": 3, "college_ratio": ratio(3, 5), // p13 (by his later registration), p18, p20
		"graduate_approved": 1, "graduate_ratio": ratio(1, 5), // p18
		"stem_approved": 2, "stem_ratio": ratio(2, 3), // p13, p18
		"return_rate":   ratio(1, 5),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(79, 90), "pace_gap": null,
		"college_target": 0.75, // from 41's row: 二七区's row sets none
		"level":          4, "parent_code": "410103",
	},
	"410103003": { // 铭功路街道: p22–p25
		"quota": 0, "registered": 4, "applied": 4, "applied_to_quota": null,
		"physical_examined": 3, "physical_passed": 3, "physical_pass_rate": ratio(3, 3), // p25's exam is on 03-25
		"political_reviewed": 3, "political_passed": 2, "political_pass_rate": ratio(2, 3), // p24 fails
		"double_qualified": 2, "approved": 1, "returned": 0, "responsible_returned": 0, // p22, p23; p23
		"quota_completion": null,
		"college_approved": 1, "college_ratio": ratio(1, 1), "graduate_approved": 1, "graduate_ratio": ratio(1, 1),
		"stem_approved": 0, "stem_ratio": ratio(0, 1), "return_rate": ratio(0, 1), // 哲学 is not STEM
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(79, 90), "pace_gap": null,
		"level": 4, "parent_code": "410103",
	},
}

// wantJune30 is every metric as of 2025-06-30. Since 03-20: p15 registered
// (棉纺路, applied, college), p25 passed his physical (铭功路), p12 was
// approved (建设路: college, graduate, not STEM), p11 returned 04-15 (无责)
// and p20 returned 04-20 (有责); v2 was placed (04-10) and v6, v8 were
// discharged; the subsidy deadline has passed for v4 (on time), v5 (late),
// v9 (unpaid) and v10 (paid on the last day), not for v6 (07-09). The window
// is over: elapsed share 1.
var wantJune30 = map[string]row{
	"41": {
		"quota": 60, "registered": 25, "applied": 23, "applied_to_quota": ratio(23, 60),
		"physical_examined": 20, "physical_passed": 18, "physical_pass_rate": ratio(18, 20),
		"political_reviewed": 16, "political_passed": 14, "political_pass_rate": ratio(14, 16),
		"double_qualified": 13,
		"approved":         12, "returned": 4, "responsible_returned": 2, // p10, p11, p19, p20; p10, p20
		"quota_completion": ratio(12-4, 60),
		"college_approved": 9, "college_ratio": ratio(9, 12),
		"graduate_approved": 6, "graduate_ratio": ratio(6, 12),
		"stem_approved": 5, "stem_ratio": ratio(5, 9),
		"return_rate":   ratio(4, 12),
		"placement_due": 5, "placed": 3, "placement_rate": ratio(3, 5), // v1, v2, v3, v7, v8; v1, v2, v7
		"self_employed": 5, "subsidy_due": 4, "subsidy_on_time": 2, "subsidy_on_time_rate": ratio(2, 4), // v4, v5, v6, v9, v10; due all but v6; v4, v10 on time
		"avg_placement_days": ratio(41+54+8, 3),
		"elapsed_share":      ratio(1, 1),
		"pace_gap":           ratio(8-60, 60), // 8/60 − 1
		"college_target":     0.75, "graduate_target": 0.5,
	},
	"4101": {
		"quota": 18, "registered": 25, "applied": 23, "applied_to_quota": ratio(23, 18),
		"physical_examined": 20, "physical_passed": 18, "physical_pass_rate": ratio(18, 20),
		"political_reviewed": 16, "political_passed": 14, "political_pass_rate": ratio(14, 16),
		"double_qualified": 13, "approved": 12, "returned": 4, "responsible_returned": 2,
		"quota_completion": ratio(8, 18),
		"college_approved": 9, "college_ratio": ratio(9, 12),
		"graduate_approved": 6, "graduate_ratio": ratio(6, 12),
		"stem_approved": 5, "stem_ratio": ratio(5, 9),
		"return_rate":   ratio(4, 12),
		"placement_due": 5, "placed": 3, "placement_rate": ratio(3, 5),
		"self_employed": 5, "subsidy_due": 4, "subsidy_on_time": 2, "subsidy_on_time_rate": ratio(2, 4),
		"avg_placement_days": ratio(103, 3),
		"elapsed_share":      ratio(1, 1),
		"pace_gap":           ratio(8-18, 18),
	},
	"410102": {
		"quota": 8, "registered": 14, "applied": 13, "applied_to_quota": ratio(13, 8), // + p15
		"physical_examined": 10, "physical_passed": 9, "physical_pass_rate": ratio(9, 10),
		"political_reviewed": 9, "political_passed": 8, "political_pass_rate": ratio(8, 9),
		"double_qualified": 7,
		"approved":         6, "returned": 2, "responsible_returned": 1, // p7–p12; p10, p11; p10
		"quota_completion": ratio(6-2, 8),
		"college_approved": 5, "college_ratio": ratio(5, 6), // p7, p9–p12
		"graduate_approved": 4, "graduate_ratio": ratio(4, 6), // p7, p9, p11, p12
		"stem_approved": 3, "stem_ratio": ratio(3, 5), // p7, p10, p11
		"return_rate":   ratio(2, 6),
		"placement_due": 3, "placed": 2, "placement_rate": ratio(2, 3), // v1–v3; v1, v2
		"self_employed": 3, "subsidy_due": 2, "subsidy_on_time": 1, "subsidy_on_time_rate": ratio(1, 2), // v4–v6; v4, v5; v4
		"avg_placement_days": ratio(41+54, 2),
		"elapsed_share":      ratio(1, 1),
		"pace_gap":           ratio(4-8, 8),
		"college_target":     0.8,
	},
	"410103": {
		"quota": 6, "registered": 11, "applied": 10, "applied_to_quota": ratio(10, 6),
		"physical_examined": 10, "physical_passed": 9, "physical_pass_rate": ratio(9, 10), // + p25
		"political_reviewed": 7, "political_passed": 6, "political_pass_rate": ratio(6, 7),
		"double_qualified": 6,
		"approved":         6, "returned": 2, "responsible_returned": 1, // p19, p20; p20
		"quota_completion": ratio(6-2, 6),
		"college_approved": 4, "college_ratio": ratio(4, 6),
		"graduate_approved": 2, "graduate_ratio": ratio(2, 6),
		"stem_approved": 2, "stem_ratio": ratio(2, 4),
		"return_rate":   ratio(2, 6),
		"placement_due": 2, "placed": 1, "placement_rate": ratio(1, 2), // v7, v8; v7
		"self_employed": 2, "subsidy_due": 2, "subsidy_on_time": 1, "subsidy_on_time_rate": ratio(1, 2), // v9, v10; v10
		"avg_placement_days": ratio(8, 1),
		"elapsed_share":      ratio(1, 1),
		"pace_gap":           ratio(4-6, 6),
		"college_target":     0.75,
	},
	"410104": {
		"quota": 4, "registered": 0, "applied": 0, "applied_to_quota": ratio(0, 4),
		"physical_examined": 0, "physical_passed": 0, "physical_pass_rate": null,
		"political_reviewed": 0, "political_passed": 0, "political_pass_rate": null,
		"double_qualified": 0, "approved": 0, "returned": 0, "responsible_returned": 0,
		"quota_completion": ratio(0, 4),
		"college_approved": 0, "college_ratio": null, "graduate_approved": 0, "graduate_ratio": null,
		"stem_approved": 0, "stem_ratio": null, "return_rate": null,
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": ratio(-1, 1),
	},
	"410102001": { // unchanged since 03-20
		"quota": 0, "registered": 8, "applied": 7, "applied_to_quota": null,
		"physical_examined": 6, "physical_passed": 5, "physical_pass_rate": ratio(5, 6),
		"political_reviewed": 4, "political_passed": 3, "political_pass_rate": ratio(3, 4),
		"double_qualified": 3, "approved": 2, "returned": 0, "responsible_returned": 0,
		"quota_completion": null,
		"college_approved": 1, "college_ratio": ratio(1, 2), "graduate_approved": 1, "graduate_ratio": ratio(1, 2),
		"stem_approved": 1, "stem_ratio": ratio(1, 1), "return_rate": ratio(0, 2),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": null,
	},
	"410102002": { // + p12 approved, p11 returned
		"quota": 0, "registered": 4, "applied": 4, "applied_to_quota": null,
		"physical_examined": 4, "physical_passed": 4, "physical_pass_rate": ratio(4, 4),
		"political_reviewed": 4, "political_passed": 4, "political_pass_rate": ratio(4, 4),
		"double_qualified": 4, "approved": 4, "returned": 2, "responsible_returned": 1,
		"quota_completion": null,
		"college_approved": 4, "college_ratio": ratio(4, 4),
		"graduate_approved": 3, "graduate_ratio": ratio(3, 4), // p9, p11, p12
		"stem_approved": 2, "stem_ratio": ratio(2, 4),
		"return_rate":   ratio(2, 4),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": null,
	},
	"410102003": { // + p15
		"quota": 0, "registered": 2, "applied": 2, "applied_to_quota": null,
		"physical_examined": 0, "physical_passed": 0, "physical_pass_rate": null,
		"political_reviewed": 1, "political_passed": 1, "political_pass_rate": ratio(1, 1),
		"double_qualified": 0, "approved": 0, "returned": 0, "responsible_returned": 0,
		"quota_completion": null,
		"college_approved": 0, "college_ratio": null, "graduate_approved": 0, "graduate_ratio": null,
		"stem_approved": 0, "stem_ratio": null, "return_rate": null,
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": null,
	},
	"410103001": { // + p20 returned (有责)
		"quota": 0, "registered": 7, "applied": 6, "applied_to_quota": null,
		"physical_examined": 6, "physical_passed": 5, "physical_pass_rate": ratio(5, 6),
		"political_reviewed": 4, "political_passed": 4, "political_pass_rate": ratio(4, 4),
		"double_qualified": 4, "approved": 5, "returned": 2, "responsible_returned": 1,
		"quota_completion": null,
		"college_approved": 3, "college_ratio": ratio(3, 5), "graduate_approved": 1, "graduate_ratio": ratio(1, 5),
		"stem_approved": 2, "stem_ratio": ratio(2, 3), "return_rate": ratio(2, 5),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": null,
	},
	"410103003": { // + p25's physical
		"quota": 0, "registered": 4, "applied": 4, "applied_to_quota": null,
		"physical_examined": 4, "physical_passed": 4, "physical_pass_rate": ratio(4, 4),
		"political_reviewed": 3, "political_passed": 2, "political_pass_rate": ratio(2, 3),
		"double_qualified": 2, "approved": 1, "returned": 0, "responsible_returned": 0,
		"quota_completion": null,
		"college_approved": 1, "college_ratio": ratio(1, 1), "graduate_approved": 1, "graduate_ratio": ratio(1, 1),
		"stem_approved": 0, "stem_ratio": ratio(0, 1), "return_rate": ratio(0, 1),
		"placement_due": 0, "placed": 0, "placement_rate": null,
		"self_employed": 0, "subsidy_due": 0, "subsidy_on_time": 0, "subsidy_on_time_rate": null,
		"elapsed_share": ratio(1, 1), "pace_gap": null,
	},
}

func TestHandComputedMetrics(t *testing.T) {
	wh := loadFixture(t)

	for _, tc := range []struct {
		asOf string
		want map[string]row
	}{
		{"2025-03-20", wantMarch20},
		{"2025-06-30", wantJune30},
	} {
		t.Run("as of "+tc.asOf, func(t *testing.T) {
			got := readMetrics(t, wh, "41", 2025, 1, tc.asOf, 3)
			for code, want := range tc.want {
				for _, col := range metricColumns {
					if _, ok := want[col]; !ok {
						t.Fatalf("expectation for %s omits %s", code, col)
					}
				}
				r, ok := got[code]
				if !ok {
					t.Errorf("%s missing from the metrics", code)
					continue
				}
				checkRow(t, code, r, want)
			}
			// Every other region of the province appears, with nothing in it:
			// the orphans count nowhere, and no one leaks into another region.
			for code, r := range got {
				if _, ok := tc.want[code]; ok {
					continue
				}
				want := row{"elapsed_share": tc.want["41"]["elapsed_share"]}
				for _, c := range countColumns {
					want[c] = 0
				}
				for _, c := range rateColumns {
					want[c] = null
				}
				checkRow(t, code, r, want)
			}
			if n := len(got); n < 2000 {
				t.Errorf("%d regions: every town of 河南省 should appear", n)
			}
		})
	}

	// cell reads one value as of a date, for the edge cases below: the
	// province, and 郑州市 down to its towns.
	read := map[string]map[string]row{} // by scope and date
	cell := func(t *testing.T, asOf, code, col string) any {
		t.Helper()
		scope, depth := "4101", 2
		if code == "41" {
			scope, depth = "41", 0
		}
		rows, ok := read[scope+" "+asOf]
		if !ok {
			rows = readMetrics(t, wh, scope, 2025, 1, asOf, depth)
			read[scope+" "+asOf] = rows
		}
		r, ok := rows[code]
		if !ok {
			t.Fatalf("as of %s: %s missing", asOf, code)
		}
		return r[col]
	}
	type check struct {
		asOf, code, col string
		want            any
	}
	run := func(t *testing.T, checks []check) {
		t.Helper()
		for _, c := range checks {
			checkValue(t, fmt.Sprintf("as of %s: %s.%s", c.asOf, c.code, c.col), cell(t, c.asOf, c.code, c.col), c.want)
		}
	}

	t.Run("approval counts from its own day", func(t *testing.T) {
		// p12 is approved on 03-21: not on 03-20, from 03-21.
		run(t, []check{
			{"2025-03-20", "410102002", "approved", 3},
			{"2025-03-21", "410102002", "approved", 4},
			{"2025-03-20", "410102", "quota_completion", ratio(5-1, 8)},
			{"2025-03-21", "410102", "quota_completion", ratio(6-1, 8)},
			{"2025-03-21", "410102002", "college_approved", 4},
			{"2025-03-21", "410102002", "graduate_approved", 3},
		})
	})

	t.Run("return counts from its own day", func(t *testing.T) {
		// p11 returns on 04-15 (无责), p20 on 04-20 (有责).
		run(t, []check{
			{"2025-04-14", "410102002", "returned", 1},
			{"2025-04-14", "410102002", "responsible_returned", 1},
			{"2025-04-15", "410102002", "returned", 2},
			{"2025-04-15", "410102002", "responsible_returned", 1},
			{"2025-04-15", "410102002", "return_rate", ratio(2, 4)},
			{"2025-04-19", "410103001", "returned", 1},
			{"2025-04-19", "410103001", "responsible_returned", 0},
			{"2025-04-19", "410103", "quota_completion", ratio(6-1, 6)},
			{"2025-04-20", "410103001", "returned", 2},
			{"2025-04-20", "410103001", "responsible_returned", 1},
			{"2025-04-20", "410103", "quota_completion", ratio(6-2, 6)},
		})
	})

	t.Run("re-examination turns a fail into a pass from its own date", func(t *testing.T) {
		// p9: fail on 02-16, pass on 03-01; p10–p12 pass on 02-17.
		run(t, []check{
			{"2025-02-15", "410102002", "physical_examined", 0},
			{"2025-02-16", "410102002", "physical_examined", 1},
			{"2025-02-16", "410102002", "physical_passed", 0},
			{"2025-02-16", "410102002", "physical_pass_rate", ratio(0, 1)},
			{"2025-02-28", "410102002", "physical_examined", 4},
			{"2025-02-28", "410102002", "physical_passed", 3},
			{"2025-02-28", "410102002", "physical_pass_rate", ratio(3, 4)},
			{"2025-03-01", "410102002", "physical_examined", 4},
			{"2025-03-01", "410102002", "physical_passed", 4},
			// Political reviews of p10–p12 are on 02-25, p9's on 03-03.
			{"2025-03-02", "410102002", "double_qualified", 3},
			{"2025-03-03", "410102002", "double_qualified", 4},
		})
	})

	t.Run("a person registered twice counts once, in the later region", func(t *testing.T) {
		// p13: 建设路 on 01-10 (applied), 淮河路 on 02-01 (not applied).
		run(t, []check{
			{"2025-01-20", "410102002", "registered", 5},
			{"2025-01-20", "410102002", "applied", 5},
			{"2025-01-20", "410103001", "registered", 6},
			{"2025-01-20", "4101", "registered", 24},
			{"2025-02-01", "410102002", "registered", 4},
			{"2025-02-01", "410103001", "registered", 7},
			{"2025-02-01", "410103001", "applied", 6}, // p13 applied in his first registration
			{"2025-02-01", "4101", "registered", 24},
		})
	})

	t.Run("change since a week earlier", func(t *testing.T) {
		// As of 03-18: approved p7–p11 in 中原区, p13, p18–p21 in 二七区;
		// returned p10 (03-15), p19 (03-18). A week earlier, 03-11: p7, p10,
		// p11 approved, nobody returned.
		run(t, []check{
			{"2025-03-18", "410102", "approved", 5},
			{"2025-03-18", "410102", "approved_change", 5 - 3},
			{"2025-03-18", "410103", "approved_change", 5 - 0},
			{"2025-03-18", "4101", "approved_change", 10 - 3},
			{"2025-03-18", "410102002", "approved_change", 3 - 2},              // p9 on 03-14
			{"2025-03-18", "410102", "quota_completion_change", ratio(4-3, 8)}, // 4/8 − 3/8
			{"2025-03-18", "410103", "quota_completion_change", ratio(4-0, 6)}, // 4/6 − 0/6
			{"2025-03-18", "4101", "quota_completion_change", ratio(8-3, 18)},  // 8/18 − 3/18
			{"2025-03-18", "410104", "quota_completion_change", ratio(0, 4)},   // 0 − 0
			{"2025-03-18", "410102002", "quota_completion_change", null},       // no quota, no completion
			{"2025-03-18", "410102002", "return_rate_change", ratio(1, 3)},     // 1/3 − 0/2
			{"2025-03-18", "410103001", "return_rate_change", null},            // 1/5 − NULL (nobody approved on 03-11)
		})
		c := cell(t, "2025-03-18", "41", "quota_completion_change")
		checkValue(t, "41.quota_completion_change", c, ratio(8-3, 60))
	})
}

// loadFixture writes the fixture's extract files, loads them through the
// pipeline into a new warehouse and checks that every row landed.
func loadFixture(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	writeCSV(t, inbox, "中原区2025年上半年兵役登记.csv", regHeader, regZhongyuan)
	writeCSV(t, inbox, "二七区2025年上半年兵役登记.csv", regHeader, regErqi)
	writeCSV(t, inbox, "郑州市2025年上半年体检结果.csv", examHeader, physicals)
	writeCSV(t, inbox, "郑州市2025年上半年政治考核结果.csv", examHeader, politicals)
	writeCSV(t, inbox, "郑州市2025年上半年定兵名单.csv", approvalHeader, approvalRows)
	writeCSV(t, inbox, "河南省2025年征集任务.csv", quotaHeader, quotaRows)
	writeCSV(t, inbox, "郑州市退役士兵安置.csv", resettlementHeader, resettlementRows)

	wh, loader := openWarehouse(t, dir)
	results, err := loader.LoadPaths(ctx, []string{inbox}, load.Options{})
	if err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	if len(results) != 7 {
		t.Fatalf("loaded %d files, want 7", len(results))
	}
	for _, r := range results {
		if r.Status != "loaded" || r.Rejected != 0 || len(r.Replaced) != 0 {
			t.Fatalf("%s: status %s, %d rejected %v, replaced %v", filepath.Base(r.File), r.Status, r.Rejected, r.Reasons, r.Replaced)
		}
	}
	// The orphans and the double registration are really in the warehouse,
	// so their absence from the counts means something.
	for q, want := range map[string]int{
		`SELECT count(*) FROM orphan_records`:                            2,
		`SELECT count(*) FROM flags WHERE flag = 'two_regions'`:          2,
		`SELECT count(*) FROM exams`:                                     len(physicals) + len(politicals),
		`SELECT count(*) FROM approvals`:                                 len(approvalRows),
		`SELECT count(*) FROM resettlement`:                              len(resettlementRows),
		`SELECT count(*) FROM registrations`:                             len(regZhongyuan) + len(regErqi),
		`SELECT count(*) FROM flags WHERE flag = 'unqualified_approval'`: 2, // p21, and the orphan approval
	} {
		var got int
		if err := wh.DB().QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Fatalf("%s = %d, want %d", q, got, want)
		}
	}
	return wh
}

// openWarehouse opens a new warehouse file in dir and a loader for it.
func openWarehouse(t *testing.T, dir string) (*warehouse.Warehouse, *load.Loader) {
	t.Helper()
	t.Setenv(secret.EnvVar, "metrics-fixture-secret-0123456789")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(context.Background(), filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return wh, l
}

// writeCSV writes a UTF-8 extract as an office exports it.
func writeCSV(t *testing.T, dir, name string, header []string, rows [][]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.UseCRLF = true
	if err := w.WriteAll(append([][]string{header}, rows...)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readMetrics reads the metrics of scope and depth levels below it through
// Read, keyed by region code and column.
func readMetrics(t *testing.T, wh *warehouse.Warehouse, scope string, year, season int, asOf string, depth int) map[string]row {
	t.Helper()
	d, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(context.Background(), wh, Query{Scope: scope, Year: year, Season: season, AsOf: d, Depth: depth})
	if err != nil {
		t.Fatalf("read metrics of %s as of %s: %v", scope, asOf, err)
	}
	code := f.Index("region_code")
	if code < 0 {
		t.Fatal("metrics have no region_code column")
	}
	out := map[string]row{}
	for _, r := range f.Rows {
		m := row{}
		for i, c := range f.Columns {
			m[c] = r[i]
		}
		out[fmt.Sprint(r[code])] = m
	}
	return out
}

func checkRow(t *testing.T, code string, got, want row) {
	t.Helper()
	cols := make([]string, 0, len(want))
	for c := range want {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		v, ok := got[c]
		if !ok {
			t.Errorf("metrics have no column %s", c)
			continue
		}
		checkValue(t, code+"."+c, v, want[c])
	}
}

// checkValue compares a value read from the view with an expectation:
// an int (exact), a frac (within 1e-9), a float64 (within 1e-9), a string,
// or null (the value must be NULL, not 0).
func checkValue(t *testing.T, what string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case nullValue:
		if got != nil {
			t.Errorf("%s = %v, want NULL", what, got)
		}
	case bool:
		if g, ok := got.(bool); !ok || g != w {
			t.Errorf("%s = %v, want %v", what, got, w)
		}
	case string:
		if fmt.Sprint(got) != w {
			t.Errorf("%s = %v, want %q", what, got, w)
		}
	case int:
		g, ok := toFloat(got)
		if !ok || g != float64(w) {
			t.Errorf("%s = %v, want %d", what, got, w)
		}
	case frac:
		if w.den <= 0 {
			t.Fatalf("%s: expectation %v/%v has no positive denominator; write null", what, w.num, w.den)
		}
		g, ok := toFloat(got)
		if !ok || math.Abs(g-w.num/w.den) > 1e-9 {
			t.Errorf("%s = %v, want %v/%v = %.10f", what, got, w.num, w.den, w.num/w.den)
		}
	case float64:
		g, ok := toFloat(got)
		if !ok || math.Abs(g-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", what, got, w)
		}
	default:
		t.Fatalf("%s: unknown expectation %T", what, want)
	}
}

// toFloat reads a number as the driver returns it; false for NULL.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int16:
		return float64(x), true
	case int8:
		return float64(x), true
	case int:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case interface{ Float64() float64 }: // DECIMAL
		return x.Float64(), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return math.NaN(), true
}

// The columns the roll-up property checks. Person counts are summed from
// the people's own regions (towns, in the generated data) up to the
// province; resettlement counts sit at the county of placement.
var (
	personCounts = []string{
		"registered", "applied", "physical_examined", "physical_passed", "political_reviewed",
		"political_passed", "double_qualified", "approved", "returned", "responsible_returned",
		"college_approved", "graduate_approved", "stem_approved",
	}
	resettlementCounts = []string{"placement_due", "placed", "self_employed", "subsidy_due", "subsidy_on_time"}
	// Rates and their numerator and denominator columns. bounded: within
	// [0, 1]. applied_to_quota is applicants per quota place (often 3 or
	// more) and quota_completion may pass 1 when a region approves more than
	// its quota (SPEC §7 sets no cap; the composite score caps it at 100),
	// so those two are only asserted to be at least 0.
	rateDefs = []struct {
		rate, num, den string
		bounded        bool
	}{
		{"applied_to_quota", "applied", "quota", false},
		{"physical_pass_rate", "physical_passed", "physical_examined", true},
		{"political_pass_rate", "political_passed", "political_reviewed", true},
		{"quota_completion", "approved-returned", "quota", false},
		{"college_ratio", "college_approved", "approved", true},
		{"graduate_ratio", "graduate_approved", "approved", true},
		{"stem_ratio", "stem_approved", "college_approved", true},
		{"return_rate", "returned", "approved", true},
		{"placement_rate", "placed", "placement_due", true},
		{"subsidy_on_time_rate", "subsidy_on_time", "subsidy_due", true},
	}
)

// generatedProvince loads a generated province of 3,000 registrations
// (seed picks which), with 2 % of its rows refused or flagged.
func generatedProvince(t *testing.T, seed int64) *warehouse.Warehouse {
	t.Helper()
	dir := t.TempDir()
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "extracts")
	ctx := context.Background()
	if _, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: 3000, Seed: seed, Messy: 0.02, Out: out}, tab, nil); err != nil {
		t.Fatal(err)
	}
	wh, loader := openWarehouse(t, dir)
	if _, err := loader.LoadPaths(ctx, []string{out}, load.Options{}); err != nil {
		t.Fatalf("load generated province: %v", err)
	}
	return wh
}

// TestMetricsRollUpOnGeneratedProvince checks on a generated, slightly messy
// province, for both seasons and several as-of dates, that
//   - every region's parent appears, and a parent's count is the sum of its
//     children's: person counts at every level (the generator registers
//     people in towns), resettlement counts from province to county (the
//     county of placement holds them; its towns hold none, so a county's
//     count is at least its towns' sum);
//   - quota is the sum of the children's where the parent has no quota row
//     of its own (the city level here); a parent's own row is taken as
//     delivered (a county's row is not the sum of its towns, which have none);
//   - every rate is NULL exactly when its denominator is 0, otherwise it is
//     its row's numerator / denominator (recomputed, never averaged), within
//     [0, 1] except applied_to_quota and quota_completion (at least 0);
//   - elapsed_share is within [0, 1] and pace_gap = quota_completion − elapsed_share.
func TestMetricsRollUpOnGeneratedProvince(t *testing.T) {
	ctx := context.Background()
	wh := generatedProvince(t, 5)

	ownQuota := map[string]bool{} // "season/region" with a quota row
	rows, err := wh.DB().QueryContext(ctx, `SELECT DISTINCT season, region_code FROM quotas WHERE year = 2025 AND coalesce(track, 'male') = 'male'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s int
		var code string
		if err := rows.Scan(&s, &code); err != nil {
			t.Fatal(err)
		}
		ownQuota[fmt.Sprint(s, "/", code)] = true
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	for _, season := range []int{1, 2} {
		for _, asOf := range []string{"2025-03-05", "2025-06-30", "2025-09-30"} {
			t.Run(fmt.Sprintf("season %d as of %s", season, asOf), func(t *testing.T) {
				got := readMetrics(t, wh, "41", 2025, season, asOf, 4)
				num := func(r row, col string) float64 {
					if col == "approved-returned" {
						// Women a female quota covers complete that quota instead.
						return num1(t, r, "approved") - num1(t, r, "returned") - num1(t, r, "female_counted")
					}
					return num1(t, r, col)
				}
				children := map[string][]row{}
				for code, r := range got {
					if code == "41" {
						continue
					}
					parent := regions.Parent(code)
					if _, ok := got[parent]; !ok {
						t.Errorf("%s appears without its parent %s", code, parent)
					}
					children[parent] = append(children[parent], r)
				}
				if asOf == "2025-09-30" && (num(got["41"], "registered") == 0 || num(got["41"], "approved") == 0) {
					t.Fatal("the generated province has no registrations or approvals: the checks below would be blind")
				}
				for parent, kids := range children {
					level := regions.LevelOf(parent)
					sum := func(col string) float64 {
						s := 0.0
						for _, k := range kids {
							s += num(k, col)
						}
						return s
					}
					for _, c := range personCounts {
						if g, s := num(got[parent], c), sum(c); (level <= regions.County && g != s) || g < s {
							t.Errorf("%s.%s = %v, children sum to %v", parent, c, g, s)
						}
					}
					for _, c := range resettlementCounts {
						if g, s := num(got[parent], c), sum(c); (level <= regions.City && g != s) || g < s {
							t.Errorf("%s.%s = %v, children sum to %v", parent, c, g, s)
						}
					}
					if !ownQuota[fmt.Sprint(season, "/", parent)] {
						if g, s := num(got[parent], "quota"), sum("quota"); g != s {
							t.Errorf("%s.quota = %v without a row of its own, children sum to %v", parent, g, s)
						}
					}
				}
				for code, r := range got {
					for _, d := range rateDefs {
						what := code + "." + d.rate
						n, den := num(r, d.num), num(r, d.den)
						if den == 0 {
							checkValue(t, what, r[d.rate], null)
							continue
						}
						g, ok := toFloat(r[d.rate])
						switch {
						case !ok:
							t.Errorf("%s is NULL with denominator %s = %v", what, d.den, den)
						case math.Abs(g-n/den) > 1e-9:
							t.Errorf("%s = %v, want %v/%v from the row's own counts", what, g, n, den)
						case g < 0 || d.bounded && g > 1:
							t.Errorf("%s = %v out of range", what, g)
						}
					}
					e, ok := toFloat(r["elapsed_share"])
					if !ok || e < 0 || e > 1 {
						t.Errorf("%s.elapsed_share = %v", code, r["elapsed_share"])
					}
					if c, ok := toFloat(r["quota_completion"]); ok {
						checkValue(t, code+".pace_gap", r["pace_gap"], c-e)
					} else {
						checkValue(t, code+".pace_gap", r["pace_gap"], null)
					}
				}
			})
		}
	}
}

// num1 reads a count that must not be NULL.
func num1(t *testing.T, r row, col string) float64 {
	t.Helper()
	v, ok := toFloat(r[col])
	if !ok {
		t.Fatalf("%s is NULL in %v", col, r["region_code"])
	}
	return v
}

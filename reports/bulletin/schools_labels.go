package bulletin

// schoolMessages: the labels of the universities' sheet and page section
// (高校征兵), key → {Chinese, English}; Lang.T reads them after messages.
var schoolMessages = map[string][2]string{
	"sheet_schools":        {"高校征兵", "Universities"},
	"school":               {"高校", "University"},
	"school_county":        {"所在区县", "County"},
	"school_students":      {"在校生", "Students"},
	"school_registered":    {"登记人数", "Registered"},
	"school_applied":       {"报名人数", "Applied"},
	"school_examined":      {"体检人数", "Examined"},
	"school_quota":         {"高校任务", "Own quota"},
	"school_completion":    {"任务完成率", "Completion"},
	"school_per_thousand":  {"每千名在校生报名", "Applied per 1,000 students"},
	"school_rate_rank":     {"报名率排名", "Rate rank"},
	"school_approved_rank": {"定兵排名", "Rank"},
	"school_note": {
		"统计口径：在校生和应届毕业生中登记院校为该校者（按院校名称及别名归并），无论在何地登记；往届毕业生不计入高校。",
		"Counted: students and graduates of the year whose registration names the university (names and aliases merged), wherever they registered; past graduates count for no university.",
	},
	"school_rate_note": {
		"每千名在校生报名 = 报名人数 × 1000 ÷ 在校生人数；未报在校生人数的高校不计算、不排名。",
		"Applied per 1,000 students = applied × 1,000 ÷ students; universities without a student count have none and no rank.",
	},
	"school_quota_note": {
		"高校任务为征集任务表中注明院校代码的任务数，不计入所在地区任务。",
		"A university's own quota is a quotas row naming its code; it is not part of its region's quota.",
	},
	"schools_section":     {"高校征兵", "Universities"},
	"schools_by_approved": {"高校定兵排名", "Universities by recruits approved"},
	"schools_by_rate":     {"每千名在校生报名排名", "Universities by applicants per 1,000 students"},
	"schools_no_rate":     {"暂无高校报送在校生人数，不计算每千名在校生报名。", "No university has a student count yet, so none is ranked per 1,000 students."},
}

package synth

// Every header and value spelled here must also be listed in
// pipelines/mapping/aliases.csv or values.csv: the ingest maps through those
// files, and TestSpellingsAreKnown holds the two in step. The only exceptions
// are the group labels of two-row headers (they sit above real headers and
// name no column) and the bad values injected on purpose (badEnumValues).

// Header styles a file can use.
const (
	headersCanonical   = "canonical"
	headersAlternative = "alternative"
	headersEnglish     = "english"
)

// canonicalHeader is the Chinese header an office system prints by default.
// Some columns read differently per kind or exam type; see headerFor.
var canonicalHeader = map[string]string{
	"id_number":          "身份证号",
	"name":               "姓名",
	"gender":             "性别",
	"birth_date":         "出生日期",
	"ethnicity":          "民族",
	"track":              "征集类别",
	"region_code":        "区划代码",
	"education":          "文化程度",
	"student_status":     "学业状态",
	"major_category":     "专业类别",
	"school":             "毕业院校",
	"registered_on":      "登记日期",
	"applied":            "是否报名",
	"year":               "年度",
	"season":             "批次",
	"name_of_region":     "区划名称",
	"quota":              "征集任务数",
	"college_target":     "大学生比例目标",
	"graduate_target":    "大学毕业生比例目标",
	"exam_type":          "检查类型",
	"exam_date":          "检查日期",
	"result":             "结论",
	"reason":             "不合格原因",
	"station":            "体检站",
	"approved_on":        "批准入伍日期",
	"branch":             "军兵种",
	"handover_on":        "起运交接日期",
	"returned_on":        "退兵日期",
	"return_reason":      "退兵原因",
	"return_responsible": "是否有责",
	"discharged_on":      "退役日期",
	"service_type":       "人员类别",
	"plan":               "安置方式",
	"placed_on":          "安置日期",
	"employer":           "接收单位",
	"contract_years":     "劳动合同年限",
	"subsidy_amount":     "一次性经济补助金额",
	"subsidy_paid_on":    "补助发放日期",
}

// alternativeHeaders are the other Chinese spellings offices use; a file in
// the alternative style picks one per column. A column missing here keeps its
// canonical header (性别 and 民族 have no common variant).
var alternativeHeaders = map[string][]string{
	"id_number":          {"公民身份号码", "身份证号码", "公民身份证号码", "证件号码", "身份证"},
	"name":               {"应征青年姓名"},
	"birth_date":         {"出生年月日"},
	"region_code":        {"行政区划代码", "统计用区划代码", "地区代码"},
	"education":          {"学历", "最高学历", "受教育程度"},
	"student_status":     {"学生状态", "在校状态", "就学情况"},
	"major_category":     {"专业类型", "学科门类"},
	"school":             {"就读院校", "毕业（就读）院校", "毕业(就读)院校", "院校名称", "学校"},
	"registered_on":      {"登记时间", "兵役登记日期", "报名日期"},
	"applied":            {"是否应征报名", "应征报名", "报名意向"},
	"year":               {"年份", "征集年度"},
	"season":             {"征集批次", "征兵季节", "半年", "季度"},
	"name_of_region":     {"单位名称"},
	"quota":              {"征集任务", "任务数", "征兵任务", "任务数（人）"},
	"college_target":     {"大学生比例", "大学生占比目标"},
	"graduate_target":    {"毕业生比例目标", "大学毕业生比例"},
	"exam_type":          {"考核类型", "类别"},
	"exam_date":          {"日期"},
	"result":             {"结果", "是否合格", "检查结论"},
	"reason":             {"原因", "主要原因", "备注"},
	"approved_on":        {"批准日期", "定兵日期", "审批日期"},
	"branch":             {"军种", "兵种", "入伍去向"},
	"handover_on":        {"交接日期", "起运日期"},
	"returned_on":        {"退回日期"},
	"return_reason":      {"退回原因"},
	"return_responsible": {"有责退兵", "责任认定", "是否有责退兵"},
	"discharged_on":      {"退出现役日期", "退伍日期"},
	"service_type":       {"退役类别", "身份类别", "退役士兵类别"},
	"plan":               {"安置去向", "安置类别"},
	"placed_on":          {"上岗日期", "落实安置日期"},
	"employer":           {"安置单位", "工作单位"},
	"contract_years":     {"合同年限", "合同期限（年）"},
	"subsidy_amount":     {"补助金额", "一次性经济补助", "自主就业补助金额"},
	"subsidy_paid_on":    {"发放日期", "补助发放时间"},
}

// englishHeaders: a column missing here is headed by its canonical name.
var englishHeaders = map[string][]string{
	"id_number":      {"ID number", "ID", "id_no"},
	"gender":         {"gender", "sex"},
	"birth_date":     {"date of birth", "birthday"},
	"region_code":    {"region code", "region"},
	"student_status": {"student status"},
	"major_category": {"major"},
	"registered_on":  {"registration date"},
	"name_of_region": {"region_name"},
	"exam_type":      {"exam type"},
	"exam_date":      {"exam date"},
	"approved_on":    {"approval date"},
	"returned_on":    {"return date"},
	"discharged_on":  {"discharge date"},
	"plan":           {"placement plan"},
}

// headerChoices lists the spellings a file in the given style may use for a
// column of a kind; the first entry of the canonical style is the only one.
func headerChoices(style, kind, examType, column string) []string {
	switch style {
	case headersEnglish:
		if e, ok := englishHeaders[column]; ok {
			return e
		}
		return []string{column}
	case headersAlternative:
		if alt := kindAlternatives(kind, examType, column); alt != nil {
			return alt
		}
		if alt, ok := alternativeHeaders[column]; ok {
			return alt
		}
	}
	return []string{canonicalFor(kind, examType, column)}
}

// canonicalFor spells the header the way that kind of table usually does:
// the placement county of a veteran is 安置地, an exam station for the
// political review is the reviewing office.
func canonicalFor(kind, examType, column string) string {
	switch {
	case kind == kindResettlement && column == "region_code":
		return "安置地区划代码"
	case kind == kindExams && column == "station" && examType != examPhysical:
		return "考核单位"
	case kind == kindSchools && schoolHeaders[column] != "":
		return schoolHeaders[column]
	}
	return canonicalHeader[column]
}

func kindAlternatives(kind, examType, column string) []string {
	switch {
	case kind == kindResettlement && column == "region_code":
		return []string{"安置地代码", "区划代码"}
	case kind == kindRegistrations && column == "region_code":
		return []string{"户籍地区划代码", "行政区划代码", "统计用区划代码"}
	case kind == kindQuotas && column == "region_code":
		return []string{"行政区划代码", "单位代码", "地区代码"}
	case kind == kindExams && column == "exam_date":
		switch examType {
		case examPhysical:
			return []string{"体检日期", "日期"}
		case examPolitical:
			return []string{"政考日期", "考核日期", "日期"}
		}
		return []string{"考核日期", "日期"}
	case kind == kindExams && column == "result":
		if examType == examPhysical {
			return []string{"体检结论", "结果", "是否合格", "检查结论"}
		}
		return []string{"考核结论", "结果", "是否合格"}
	case kind == kindExams && column == "station":
		if examType == examPhysical {
			return []string{"检查站", "体检站点"}
		}
		return []string{"考核单位"}
	}
	return nil
}

// groupLabel is the merged cell above a run of columns in a two-row header.
// These labels are not column names; the ingest is expected to read the row
// below them.
func groupLabel(kind, examType string) (label string, first, last string) {
	switch kind {
	case kindRegistrations:
		return "学历情况", "education", "school"
	case kindExams:
		switch examType {
		case examPhysical:
			return "体检结果", "result", "reason"
		case examPolitical:
			return "政考结果", "result", "reason"
		}
		return "训练结果", "result", "reason"
	case kindApprovals:
		return "退兵情况", "returned_on", "return_responsible"
	case kindResettlement:
		return "安置落实情况", "placed_on", "contract_years"
	}
	return "", "", ""
}

// Value styles.
const (
	valuesCanonical   = "canonical"
	valuesAlternative = "alternative"
	valuesEnglish     = "english"
)

// Result spellings, kept apart from the other values because the spec names
// all three Chinese pairs.
const (
	resultsCanonical = "canonical" // 合格 / 不合格
	resultsPassed    = "passed"    // 通过 / 未通过
	resultsYesNo     = "yes_no"    // 是 / 否
	resultsEnglish   = "english"   // pass / fail
)

// Codes of the enumerations, as values.csv names them.
const (
	eduJunior     = "junior_high"
	eduHigh       = "high_school"
	eduVocational = "secondary_vocational"
	eduAssociate  = "associate"
	eduBachelor   = "bachelor"
	eduMaster     = "master"
	eduDoctor     = "doctor"

	statusInSchool = "in_school"
	statusFresh    = "fresh_graduate"
	statusPast     = "past_graduate"
	statusNone     = "non_student"

	planSelf     = "self_employed"
	planAssigned = "assigned_job"
	planRetired  = "retired"
	planSupport  = "supported"
	planOther    = "other"
)

// Enumerated fields a cell can carry.
type enumField uint8

const (
	fGender enumField = iota
	fEducation
	fStatus
	fMajor
	fApplied
	fSeason
	fExamType
	fResult
	fResponsible
	fServiceType
	fPlan
	nEnumFields
)

// enumName is the field name as values.csv spells it.
var enumName = [nEnumFields]string{
	"gender", "education", "student_status", "major_category", "applied",
	"season", "exam_type", "result", "return_responsible", "service_type", "plan",
}

// canonicalValues spells each code the way the default office export does.
// Majors are carried by discipline (工学, 经济学, ...) because that is what a
// school record says; the discipline is itself a values.csv spelling.
var canonicalValues = [nEnumFields]map[string]string{
	fGender:    {"male": "男", "female": "女"},
	fEducation: {eduJunior: "初中", eduHigh: "高中", eduVocational: "中专", eduAssociate: "大专", eduBachelor: "本科", eduMaster: "硕士", eduDoctor: "博士"},
	fStatus:    {statusInSchool: "在校生", statusFresh: "应届毕业生", statusPast: "往届毕业生", statusNone: "非学生"},
	fApplied:   {"true": "是", "false": "否"},
	fSeason:    {"1": "1", "2": "2"},
	fExamType:  {examPhysical: "体检", examPolitical: "政考", examPretraining: "役前教育"},
	fResult:    {"pass": "合格", "fail": "不合格"},
	fResponsible: {
		"true": "有责", "false": "无责",
	},
	fServiceType: {"conscript": "义务兵", "nco": "士官"},
	fPlan:        {planSelf: "自主就业", planAssigned: "安排工作", planRetired: "退休", planSupport: "供养", planOther: "逐月领取退役金"},
}

// alternativeValues: for each code the other spellings; a file in the
// alternative style picks one per code (pairs such as 已报名/未报名 are
// picked together, see pairedFields).
var alternativeValues = [nEnumFields]map[string][]string{
	fGender: {"male": {"男性"}, "female": {"女性"}},
	fEducation: {
		eduJunior: {"初级中学"}, eduHigh: {"普通高中"},
		eduVocational: {"中职", "职高", "技校", "中等职业教育"},
		eduAssociate:  {"大学专科", "高职", "专科", "高职（专科）"},
		eduBachelor:   {"大学本科", "大学"}, eduMaster: {"硕士研究生", "研究生"}, eduDoctor: {"博士研究生"},
	},
	fStatus: {
		statusInSchool: {"在校", "在读", "在校学生"}, statusFresh: {"应届", "应届生"},
		statusPast: {"往届", "往届生"}, statusNone: {"社会青年", "无"},
	},
	fApplied:     {"true": {"已报名", "Y", "1"}, "false": {"未报名", "N", "0"}},
	fSeason:      {"1": {"上半年", "春季"}, "2": {"下半年", "秋季"}},
	fExamType:    {examPhysical: {"体格检查"}, examPolitical: {"政治考核"}, examPretraining: {"役前训练"}},
	fResponsible: {"true": {"是"}, "false": {"否"}},
	fPlan:        {planOther: {"其他"}},
}

// pairedFields pick the same alternative index for every code, so a file says
// 已报名/未报名 or Y/N, never 已报名/N.
var pairedFields = map[enumField]bool{fApplied: true, fSeason: true}

var resultSpellings = map[string][2]string{
	resultsCanonical: {"合格", "不合格"},
	resultsPassed:    {"通过", "未通过"},
	resultsYesNo:     {"是", "否"},
	resultsEnglish:   {"pass", "fail"},
}

// englishValues: codes are valid spellings themselves except where a file
// would print yes/no.
var englishValues = [nEnumFields]map[string]string{
	fApplied:     {"true": "yes", "false": "no"},
	fResponsible: {"true": "yes", "false": "no"},
}

// Majors by discipline (学科门类); the coarse spelling (理工类, 文史类) is
// what a file in the alternative style prints instead.
var stemMajors = []string{"工学", "理学", "医学", "农学"}
var otherMajors = []string{"经济学", "管理学", "法学", "文学", "教育学", "艺术学", "历史学", "哲学"}

func majorSpelling(style, discipline string) string {
	stem := false
	for _, m := range stemMajors {
		if m == discipline {
			stem = true
		}
	}
	switch style {
	case valuesEnglish:
		if stem {
			return "stem"
		}
		return "non_stem"
	case valuesAlternative:
		if stem {
			return "理工类"
		}
		return "文史类"
	}
	return discipline
}

// badEnumValues are deliberately unknown spellings for the field the defect
// corrupts in each kind (none of them is in values.csv).
var badEnumValues = map[string][]string{
	kindRegistrations: {"未知学历", "学历不详"},
	kindExams:         {"待定", "复查中"},
	kindApprovals:     {"待认定", "不详"},
	kindResettlement:  {"待安置", "未定"},
}

// badDateTexts: a month 13, a 30 February, and words typed into a date cell.
func badDateTexts(year int) []string {
	y := itoa(year)
	return []string{y + "-13-45", y + "-02-30", "不详", "待补录"}
}

package bulletin

import (
	"fmt"
	"strings"
)

// Lang is the language of a bulletin's labels. Region names, reasons and
// file names stay as the data has them.
type Lang string

// The bulletin's languages; Chinese is the default.
const (
	Chinese Lang = "zh"
	English Lang = "en"
)

// ParseLang reads --lang: zh (default when empty) or en.
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "zh", "zh-cn", "cn":
		return Chinese, nil
	case "en", "en-us", "en-gb":
		return English, nil
	}
	return "", fmt.Errorf("language %q: use zh or en", s)
}

// T returns the label for key in l; an unknown key comes back as itself, so
// a missing label shows up in review rather than as an empty cell.
func (l Lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		m, ok = schoolMessages[key]
	}
	if !ok {
		return key
	}
	if l == English {
		return m[1]
	}
	return m[0]
}

// messages: key → {Chinese, English}.
var messages = map[string][2]string{
	// Titles and sheet names.
	"title":               {"%s%d年%s征兵工作周通报", "%s — weekly conscription bulletin, %d %s"},
	"quality_title":       {"%s%d年%s征兵数据质量报告", "%s — conscription data-quality report, %d %s"},
	"season1":             {"上半年", "first half"},
	"season2":             {"下半年", "second half"},
	"as_of_line":          {"统计截止日期：%s", "As of: %s"},
	"fallback_note":       {"（%d年%s尚无数据，本表为%d年%s）", " (no data yet for %d %s; this shows %d %s)"},
	"unit_line":           {"单位：人、%", "Unit: persons, %"},
	"unit_rows":           {"单位：行", "Unit: rows"},
	"date_format":         {"2006年1月2日", "2 January 2006"},
	"sheet_overview":      {"总览", "Overview"},
	"sheet_quota":         {"任务完成", "Quota"},
	"sheet_quality":       {"兵员质量", "Quality"},
	"sheet_exams":         {"体检政考", "Exams"},
	"sheet_returns":       {"退兵", "Returns"},
	"sheet_resettle":      {"退役安置", "Resettlement"},
	"sheet_data":          {"数据质量", "Data quality"},
	"sheet_charts":        {"图表", "Charts"},
	"sheet_reasons":       {"按原因", "By reason"},
	"sheet_regions":       {"按单位", "By region"},
	"sheet_files":         {"按文件", "By file"},
	"total":               {"合计", "Total"},
	"not_stated":          {"未注明", "not stated"},
	"none":                {"无", "None"},
	"own_level_of":        {"%s（本级）", "%s (own level)"},
	"yes":                 {"是", "yes"},
	"no":                  {"否", "no"},
	"quota_note":          {"注：合计行征集任务为本级下达任务数（%d），各单位任务之和为%d。", "Note: the total's quota is the scope's own quota (%d); the regions' quotas add up to %d."},
	"no_quota_note":       {"注：未下达征集任务的单位无任务完成率，不排名（—）。", "Note: regions without a quota have no completion and no rank (—)."},
	"no_projection_note":  {"注：尚无定兵时不作预计（—）。", "Note: no projection before the first approval (—)."},
	"no_score_note":       {"注：未下达任务或尚无定兵的单位不评分、不排名（—）。", "Note: regions without a quota or without approvals are not scored or ranked (—)."},
	"signature":           {"填报单位：%s　　填表人：%s　　审核人：%s　　填表日期：%s", "Reporting unit: %s    Prepared by: %s    Reviewed by: %s    Date: %s"},
	"more_reasons":        {"另有%d类问题，见数据质量报告（enlist report quality）。", "%d more kinds of problem are in the data-quality report (enlist report quality)."},
	"count_paren":         {"%s（%d）", "%s (%d)"},
	"files_with_problems": {"有问题的文件", "Files with problems"},
	"footer":              {"&C第 &P 页，共 &N 页", "&CPage &P of &N"},
	"generated":           {"生成时间：%s", "Generated: %s"},
	"header_sep":          {"　", " · "},
	"withdrawn_note":      {"注：另有%d个文件已撤回，入库行已移除，列在下表。", "Note: files withdrawn, their rows removed, are listed below: %d."},
	"files_note":          {"注：拒收、警示为本地区范围内的行，一行有多个问题时按每个问题各计一次，合计与上表相等；读取、入库为整个文件。", "Note: rejected and flagged rows are those inside the region, a row with several problems counted once for each, so the totals equal those above; read and stored rows are the whole file's."},
	"top_problems":        {"主要问题", "Main problems"},
	"problem":             {"问题", "Problem"},

	// Column heads.
	"rank":          {"排名", "Rank"},
	"region":        {"单位", "Region"},
	"indicator":     {"指标", "Indicator"},
	"this_week":     {"本周", "This week"},
	"last_week":     {"上周", "Last week"},
	"change":        {"较上周", "Change"},
	"target":        {"目标", "Target"},
	"met":           {"达标", "Met"},
	"attention":     {"需关注单位", "Regions needing attention"},
	"quota":         {"征集任务", "Quota"},
	"registered":    {"登记人数", "Registered"},
	"applied":       {"报名人数", "Applied"},
	"applied_ratio": {"报名任务比", "Applied / quota"},
	"double":        {"双合格", "Double qualified"},
	"approved":      {"定兵数", "Approved"},
	"returned":      {"退兵数", "Returned"},
	"completion":    {"任务完成率", "Completion"},

	"female_quota":           {"女兵征集任务", "Women's quota"},
	"female_applied":         {"女兵报名人数", "Women applied"},
	"female_double":          {"女兵双合格", "Women double qualified"},
	"female_approved":        {"女兵定兵数", "Women approved"},
	"female_completion":      {"女兵任务完成率", "Women's completion"},
	"minority_registered":    {"少数民族登记人数", "Minority registered"},
	"minority_applied":       {"少数民族报名人数", "Minority applied"},
	"minority_applied_share": {"少数民族应征报名比例", "Minority share of applicants"},
	"minority_approved":      {"少数民族定兵数", "Minority approved"},
	"indicator_score":        {"得分", "Score"},
	"elapsed":                {"时间进度", "Time elapsed"},
	"pace_gap":               {"进度差", "Pace gap"},
	"projected":              {"预计完成率", "Projected"},
	"college":                {"大学生", "College"},
	"graduate":               {"大学毕业生", "Graduates"},
	"stem":                   {"理工类", "STEM"},
	"people":                 {"人数", "Persons"},
	"ratio":                  {"比例", "Ratio"},
	"score":                  {"五率总评得分", "Composite score"},
	"score_rank":             {"总评排名", "Score rank"},
	"physical":               {"体检", "Physical"},
	"political":              {"政考", "Political"},
	"examined":               {"人数", "Examined"},
	"passed":                 {"合格", "Passed"},
	"pass_rate":              {"合格率", "Pass rate"},
	"top_reasons":            {"主要不合格原因", "Main failure reasons"},
	"responsible":            {"有责退兵", "Responsible"},
	"return_rate":            {"退兵率", "Return rate"},
	"return_why":             {"退兵原因", "Return reasons"},
	"due":                    {"应安置", "Due"},
	"placed":                 {"已安置", "Placed"},
	"placement":              {"安置率", "Placement rate"},
	"self_employed":          {"自主就业", "Self-employed"},
	"subsidy":                {"补助按时发放率", "Subsidy on time"},
	"avg_days":               {"平均安置天数", "Mean days to placement"},
	"file":                   {"文件", "File"},
	"kind":                   {"类型", "Kind"},
	"read":                   {"读取", "Read"},
	"accepted":               {"入库", "Stored"},
	"rejected":               {"拒收", "Rejected"},
	"flagged":                {"警示", "Flagged"},
	"top_issue":              {"主要问题", "Main issue"},
	"source":                 {"来源", "Source"},
	"rows":                   {"行数", "Rows"},
	"files":                  {"文件数", "Files"},

	// Overview rows.
	"physical_examined":    {"体检人数", "Physically examined"},
	"physical_passed":      {"体检合格人数", "Physical passes"},
	"physical_pass_rate":   {"体检合格率", "Physical pass rate"},
	"political_reviewed":   {"政考人数", "Politically reviewed"},
	"political_passed":     {"政考合格人数", "Political passes"},
	"political_pass_rate":  {"政考合格率", "Political pass rate"},
	"college_ratio":        {"大学生比例", "College ratio"},
	"graduate_ratio":       {"大学毕业生比例", "Graduate ratio"},
	"stem_ratio":           {"理工类比例", "STEM ratio"},
	"placement_rate":       {"安置率", "Placement rate"},
	"subsidy_on_time_rate": {"补助按时发放率", "Subsidy on time"},

	// The lead paragraph.
	"lead_net":          {"%s定兵%d人", "%s: %d recruits approved"},
	"lead_net_returned": {"%s定兵%d人（已扣除退兵%d人）", "%s: %d recruits approved net of %d returned"},
	"lead_completion":   {"完成任务%s", "%s of the quota"},
	"lead_behind":       {"落后时间进度%s", "%s behind time"},
	"lead_ahead":        {"超过时间进度%s", "%s ahead of time"},
	"lead_on_pace":      {"与时间进度持平", "level with time"},
	"lead_up":           {"较上周提高%s", "up %s on last week"},
	"lead_down":         {"较上周下降%s", "down %s on last week"},
	"lead_same":         {"与上周持平", "unchanged on last week"},
	"lead_no_quota":     {"尚未下达征集任务", "no quota set yet"},
	"lead_first_last":   {"%s居前，%s靠后", "%s lead, %s trail"},
	"lead_done":         {"已完成征集任务", "the quota is met"},
	"lead_needed":       {"尚差%d人，距%s截止还有%d天", "%[1]d still needed, %[3]d days to the deadline of %[2]s"},
	"lead_needed_ended": {"尚差%d人，本季已于%s截止", "%d still needed; the season ended on %s"},
	"lead_quality":      {"兵员质量：%s。", " Recruit quality: %s."},
	"lead_ratio":        {"%s%s（目标%s）", "%s %s (target %s)"},
	"lead_data":         {"数据质量：拒收%d行、警示%d行，涉及%d个文件，详见数据质量表。", " Data quality: rows rejected %d, rows flagged %d, files concerned %d (see the Data quality sheet)."},
	"month_day":         {"1月2日", "2 January"},
	"comma":             {"，", ", "},
	"colon":             {"：", ": "},
	"semicolon":         {"；", "; "},
	"period":            {"。", "."},

	// Attention reasons.
	"behind_pace":        {"任务完成率%s，落后时间进度%s", "completion %s, %s behind time"},
	"no_approvals":       {"报名%d人，尚无定兵", "%d applied, none approved yet"},
	"below_target":       {"%s%s，低于目标%s", "%s %s, below the %s target"},
	"above_max":          {"%s%s，高于上限%s", "%s %s, above the %s maximum"},
	"attention_pace":     {"进度", "Pace"},
	"attention_quality":  {"质量", "Quality"},
	"all_on_pace":        {"全部达到时间进度", "All regions are at or above time progress"},
	"none_behind_margin": {"无单位落后时间进度超过%s", "No region is more than %s behind time"},
	"quality_all_met":    {"已评比例均达到目标", "Every judged ratio meets its target"},
	"few_recruits":       {"注：定兵不足%d人的单位不评兵员质量比例：%s。", "Note: quality ratios are not judged for regions with fewer than %d recruits: %s."},
	"recruits_count":     {"%s（%d人）", "%s (%d)"},
	"list_sep":           {"、", ", "},
	"points":             {"%s个百分点", "%s percentage points"},
	"points_unit":        {"个百分点", " pp"},
	"times_unit":         {"倍", "×"},
	"times":              {"%s倍", "%s times"},

	// Extract kinds.
	"kind_quotas":        {"征集任务", "Quotas"},
	"kind_registrations": {"兵役登记", "Registrations"},
	"kind_exams":         {"体检政考", "Exams"},
	"kind_approvals":     {"定兵退兵", "Approvals"},
	"kind_resettlement":  {"退役安置", "Resettlement"},
	"kind_regions":       {"区划", "Regions"},
	"source_reject":      {"拒收", "Rejected"},
	"source_flag":        {"警示", "Flagged"},

	// HTML page.
	"kpi_net":         {"定兵（扣除退兵）", "Approved (net of returns)"},
	"funnel":          {"征集流程", "From registration to approval"},
	"weekly":          {"累计定兵与任务线", "Cumulative approvals against the quota"},
	"ranking":         {"各单位任务完成率", "Quota completion by region"},
	"rates":           {"体检政考合格率", "Qualification rates"},
	"resettlement":    {"退役安置情况", "Resettlement"},
	"not_placed":      {"未安置", "Not placed"},
	"no_quota_chart":  {"暂无下达征集任务的单位，不排任务完成率", "No region has a quota yet: no completion to rank"},
	"no_data_chart":   {"截至统计日期暂无登记数据", "No registrations yet"},
	"no_exams_chart":  {"截至统计日期暂无体检政考结果", "No examination results yet"},
	"none_due":        {"截至统计日期本季暂无应安置人员", "Nobody is due for placement this season yet"},
	"net_approved":    {"累计定兵（扣除退兵）", "Cumulative approvals (net)"},
	"week_end":        {"周末日期", "Week ending"},
	"children_table":  {"各单位主要指标", "Main figures by region"},
	"quality_section": {"数据质量：拒收与警示", "Data quality: rejected and flagged rows"},
}

// SeasonName is 上半年 or 下半年.
func (l Lang) SeasonName(season int) string {
	if season == 1 {
		return l.T("season1")
	}
	return l.T("season2")
}

// KindName names an extract kind.
func (l Lang) KindName(kind string) string {
	if _, ok := messages["kind_"+kind]; ok {
		return l.T("kind_" + kind)
	}
	return kind
}

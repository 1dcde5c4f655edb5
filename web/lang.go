package web

import (
	"fmt"
	"net/http"

	"enlist/reports/bulletin"
)

// lang is the console's language: Chinese, or English with ?lang=en.
type lang string

const (
	zh lang = "zh"
	en lang = "en"
)

func langOf(r *http.Request) lang {
	if r.URL.Query().Get("lang") == "en" {
		return en
	}
	return zh
}

// bulletin is the bulletin's language of the same name.
func (l lang) bulletin() bulletin.Lang {
	if l == en {
		return bulletin.English
	}
	return bulletin.Chinese
}

func (l lang) t(key string) string {
	m, ok := labels[key]
	if !ok {
		m, ok = sqlLabels[key] // the SQL page's (sql.go)
	}
	if !ok {
		m, ok = uploadLabels[key] // the upload page's (upload_page.go)
	}
	if ok {
		if l == en {
			return m[1]
		}
		return m[0]
	}
	return key
}

func (l lang) f(key string, args ...any) string { return fmt.Sprintf(l.t(key), args...) }

// labels are the console's own words, Chinese and English; the bulletin's
// come from reports/bulletin.
var labels = map[string][2]string{
	"console":          {"征兵工作数据平台", "Conscription data console"},
	"home":             {"周通报", "Bulletin"},
	"archive":          {"通报归档", "Archive"},
	"quality":          {"数据质量", "Data quality"},
	"runs":             {"任务运行", "Runs"},
	"users":            {"用户", "Users"},
	"logout":           {"退出", "Sign out"},
	"lang_other":       {"English", "中文"},
	"as_of":            {"统计截止日期", "As of"},
	"show":             {"查看", "Show"},
	"prev_week":        {"上一周", "Previous week"},
	"next_week":        {"下一周", "Next week"},
	"children":         {"下级单位", "Regions below"},
	"no_children":      {"没有下级单位的数据。", "No region below has data."},
	"stale_copy":       {"数据刚刚更新，新版本的通报正在生成：本页显示 %s 发布的版本，稍后刷新即可看到最新数据。", "The data were just updated and the new bulletin is being prepared: this page shows the copy published at %s; reload in a moment for the latest."},
	"up":               {"上级", "Up"},
	"download_xlsx":    {"下载 Excel 周通报", "Download the workbook (XLSX)"},
	"download_quality": {"下载数据质量报告 (Excel)", "Download the data-quality workbook (XLSX)"},
	"error":            {"出错了", "Something went wrong"},
	"back_home":        {"返回首页", "Back to the bulletin"},
	"status_400":       {"请求参数有误", "Bad request"},
	"status_401":       {"请先登录", "Sign in first"},
	"status_403":       {"无权查看", "Not allowed"},
	"status_404":       {"没有找到", "Not found"},
	"status_500":       {"服务器错误", "Server error"},
	"status_503":       {"暂时无法提供", "Not available yet"},
	"scope_twice":      {"scope 参数只能给一次", "give scope once"},
	"bad_scope":        {"%q 不是区划代码（2、4、6、9 或 12 位）", "%q is not a region code (2, 4, 6, 9 or 12 digits)"},
	"out_of_scope":     {"区划 %s 不在您的权限范围内：您的账户只能查看 %s 及其下级单位。", "Region %s is outside your scope: your account may read %s and the regions under it only."},
	"no_such_file":     {"没有这个文件", "No such file"},
	"no_data":          {"该单位在此期间没有数据：%v", "No data for this region and period: %v"},
	"server_error":     {"处理请求时出错，已记入日志。", "The request failed; the error is in the service's log."},
	"bad_as_of":        {"统计截止日期有误：%v", "as_of: %v"},
	// Archive
	"archive_intro": {"定时任务生成的通报，按周排列（仅本单位及下级单位）。", "Bulletins the scheduled jobs wrote, by week (your region and below)."},
	"no_archive":    {"还没有归档的通报。", "No bulletin has been archived yet."},
	"week_of":       {"统计截止日期", "As of"},
	"region":        {"单位", "Region"},
	"files":         {"文件", "Files"},
	// Quality
	"quality_intro": {"本单位及下级单位本批次的数据问题：拒收行与警示行（含文件之间的核查），按原因与文件；示例已脱敏。", "Data problems of your region and below in this season: rows refused and rows flagged (checks between files included), by reason and by file; examples are masked."},
	"by_reason":     {"按原因", "By reason"},
	"by_file":       {"按文件", "By file"},
	"examples":      {"拒收示例（已脱敏）", "Refused rows, examples (masked)"},
	"row":           {"行号", "Row"},
	"column":        {"列", "Column"},
	"value":         {"原值", "Value"},
	"detail":        {"说明", "Detail"},
	"no_problems":   {"没有数据问题。", "No data problem."},
	// Runs
	"jobs":         {"定时任务", "Jobs"},
	"job":          {"任务", "Job"},
	"type":         {"类型", "Type"},
	"cron":         {"计划", "Schedule"},
	"next_run":     {"下次运行", "Next run"},
	"run_now":      {"立即运行", "Run now"},
	"last_runs":    {"最近运行", "Last runs"},
	"started":      {"开始", "Started"},
	"status":       {"状态", "Status"},
	"seconds":      {"秒", "Seconds"},
	"message":      {"消息", "Message"},
	"trigger":      {"触发", "Trigger"},
	"no_jobs":      {"本服务没有定时任务。", "The service has no scheduled job."},
	"no_runs":      {"还没有运行记录。", "No run recorded yet."},
	"failed_files": {"未能入库的文件", "Files refused from the inbox"},
	"no_failed":    {"收件箱里没有未能入库的文件。", "No file was refused from the inbox."},
	"why":          {"原因", "Why"},
	"console_runs": {"从本页启动的运行", "Runs started from this page"},
	"run_started":  {"已启动任务 %s。", "Job %s started."},
	"no_such_job":  {"没有名为 %q 的任务", "no job named %q"},
	"running":      {"运行中", "running"},
	"runs_note":    {"运行记录读自已发布的副本，最近一次运行可能稍后才出现。", "Run records are read from the published copy; the latest run may appear a little later."},
	// Users
	"name":      {"用户名", "Name"},
	"role":      {"角色", "Role"},
	"disabled":  {"已停用", "Disabled"},
	"active":    {"正常", "Active"},
	"no_users":  {"没有用户。", "No account."},
	"signed_in": {"当前用户", "Signed in as"},
}

// T is t for templates.
func (l lang) T(key string) string { return l.t(key) }

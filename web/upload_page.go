package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"enlist/internal/jobs"
	"enlist/pipelines/mapping"
)

// The upload page (/upload, operator+) and the two API routes. The page
// posts the files to /upload, shows the dry run at /upload/{id}, and posts
// the options again to re-check, or confirm or cancel.

// Audit actions of uploads: what was checked, loaded or dropped, by id and
// file count, never a file's content.
const (
	auditUploadCheck   = "upload_check"
	auditUploadConfirm = "upload_confirm"
	auditUploadCancel  = "upload_cancel"
)

// uploadLabels are the upload page's words, Chinese and English.
var uploadLabels = map[string][2]string{
	"upload":                 {"上传数据", "Upload"},
	"upload_intro":           {"选择或拖入本周的数据文件（CSV、XLSX、XLS，可多选），系统先预检（与 enlist check 相同），确认后入库（与 enlist ingest 相同）。单次上传上限 %s。", "Pick or drop this week's extracts (CSV, XLSX, XLS; several at once): they are checked first (as enlist check does) and loaded once you confirm (as enlist ingest does). At most %s an upload."},
	"upload_drop":            {"将文件拖到此处，或点击选择文件", "Drop files here, or click to pick them"},
	"upload_options":         {"选项（与命令行相同，可不填）", "Options (as on the command line; all optional)"},
	"upload_kind":            {"类型 --kind", "Kind --kind"},
	"upload_kind_col":        {"类型", "Kind"},
	"upload_kind_auto":       {"自动识别", "detect"},
	"upload_year":            {"年度 --year", "Year --year"},
	"upload_season":          {"批次 --season", "Season --season"},
	"upload_region":          {"区划 --region", "Region --region"},
	"upload_map":             {"表头映射 --map（每行一条：表头=列名）", "Header map --map (one HEADER=column a line)"},
	"upload_check":           {"上传并预检", "Upload and check"},
	"upload_recheck":         {"按新选项重新预检", "Check again with these options"},
	"upload_confirm":         {"确认入库", "Confirm and load"},
	"upload_confirm_note":    {"被拒收的文件不会入库；其余文件各自一个事务入库，台账记录您的账户。", "Files that would be refused are not loaded; each other file loads in its own transaction, recorded in the ledger under your account."},
	"upload_cancel":          {"取消并删除上传", "Cancel and delete the upload"},
	"upload_cancelled":       {"已取消：上传的文件已删除，数据仓库未作任何改动。", "Cancelled: the files were deleted and the warehouse is unchanged."},
	"upload_preview":         {"预检结果", "Check result"},
	"upload_file":            {"文件", "File"},
	"upload_sheet":           {"工作表", "Sheet"},
	"upload_status":          {"结论", "Outcome"},
	"upload_scope":           {"范围", "Scope"},
	"upload_read":            {"读取", "Read"},
	"upload_accepted":        {"将入库", "To store"},
	"upload_rejected":        {"将拒收", "To reject"},
	"upload_flagged":         {"警示", "Flagged"},
	"upload_headers":         {"表头映射", "Headers"},
	"upload_header":          {"表头", "Header"},
	"upload_column":          {"列", "Column"},
	"upload_rule":            {"规则", "Rule"},
	"upload_guessed":         {"（推测，请核对）", "(guessed: check it)"},
	"upload_ignored":         {"未使用的列", "Columns not used"},
	"upload_reasons":         {"主要拒收原因（示例已脱敏）", "Top reasons for rejection (examples masked)"},
	"upload_example":         {"第 %d 行，%s「%s」：%s", "row %d, %s %q: %s"},
	"upload_replaces":        {"入库后将替换", "Loading it replaces"},
	"upload_replaces_load":   {"批次 %d（%s）", "load %d (%s)"},
	"upload_partly":          {"批次 %d（%s）中 %s 的 %d 行", "%[4]d rows of %[3]s in load %[1]d (%[2]s)"},
	"upload_restores":        {"恢复先前的批次 %d", "makes load %d current again"},
	"upload_warnings":        {"提示", "Warnings"},
	"would_load":             {"可入库", "would load"},
	"already_loaded":         {"已入库过（批次 %d），不会重复入库", "already loaded (load %d); nothing would change"},
	"refused":                {"将被拒收", "would be refused"},
	"upload_done":            {"入库完成", "Loaded"},
	"upload_loads":           {"入库台账", "Ledger entries"},
	"upload_load_id":         {"批次号", "Load"},
	"upload_loaded_by":       {"入库人", "Loaded by"},
	"upload_refused_files":   {"未入库的文件", "Files not loaded"},
	"upload_again":           {"继续上传", "Upload more"},
	"upload_off":             {"本服务未启用上传（没有站点配置）。", "Uploads are off in this service (no site)."},
	"upload_not_multipart":   {"请求须为 multipart/form-data，文件字段名为 files", "the body must be multipart/form-data with the files in fields named files"},
	"upload_field":           {"字段 %q 不能带文件；文件请放在 files 字段", "field %q cannot carry a file; send files in fields named files"},
	"upload_bad_name":        {"文件名 %q 不可用：%v", "file name %q cannot be used: %v"},
	"upload_twice":           {"文件 %s 上传了两次", "the file %s was sent twice"},
	"upload_too_many":        {"一次最多上传 %d 个文件", "at most %d files an upload"},
	"upload_no_files":        {"没有收到文件：请选择至少一个文件（字段名 files）", "no file received: pick at least one (field files)"},
	"upload_too_large":       {"上传超过上限 %s：请分批上传，或请管理员调整 enlist.yaml 的 console.upload_max_size；未存储任何内容。", "the upload is larger than the limit of %s: send the files in several uploads, or ask the administrator to raise console.upload_max_size in enlist.yaml; nothing was stored."},
	"upload_outside":         {"范围 %s 不在您的辖区 %s 内", "its scope %s lies outside your region %s"},
	"upload_refused_outside": {"%s：%s；整个上传已被拒绝，未存储任何内容。", "%s: %s; the whole upload is refused and nothing was stored."},
	"upload_gone":            {"没有这个上传（已确认、取消或过期）。", "No such upload (confirmed, cancelled or expired)."},
	"upload_refused_api":     {"%d 个文件将被拒收，未入库任何文件：%s", "%d file(s) would be refused, so nothing was loaded: %s"},
}

// F is f for templates.
func (l lang) F(key string, args ...any) string { return l.f(key, args...) }

// ruleLabels name the rules of header matching on the page.
var ruleLabels = map[string][2]string{
	string(mapping.RuleExact):      {"精确", "exact"},
	string(mapping.RuleNormalised): {"规范化", "normalised"},
	string(mapping.RuleGuessed):    {"推测", "guessed"},
	string(mapping.RuleConfig):     {"enlist.yaml", "enlist.yaml"},
	string(mapping.RuleMap):        {"--map", "--map"},
}

type headerView struct {
	Header, Column, Rule string
	Guessed              bool
}

type reasonView struct {
	Reason   string
	Count    int
	Examples []string
}

// fileView is one file or sheet of a dry run as the page shows it.
type fileView struct {
	File, Sheet, Status, StatusText, Kind, Scope, Refusal string
	Read, Accepted, Rejected, Flagged                     int
	Headers                                               []headerView
	Ignored, Replaces, Warnings                           []string
	Reasons                                               []reasonView
}

type uploadPageData struct {
	Intro                                    string
	Kinds                                    []string
	Options                                  uploadOptions
	PostURL, CheckURL, ConfirmURL, CancelURL string
	AgainURL                                 string
	Flash                                    string
	ID                                       string
	Files                                    []fileView
	Done                                     *ingestAnswer
	RuleText                                 func(string) string
}

func (s *Server) uploadData(c *call) uploadPageData {
	d := uploadPageData{Intro: c.Lang.f("upload_intro", sizeText(s.uploadMax())), Kinds: mapping.KindNames(),
		PostURL: c.link("/upload", nil), AgainURL: c.link("/upload", nil),
		RuleText: func(r string) string {
			if l, ok := ruleLabels[r]; ok {
				if c.Lang == en {
					return l[1]
				}
				return l[0]
			}
			return r
		}}
	return d
}

// fileViews turns a dry run into the page's rows.
func fileViews(c *call, rep *jobs.CheckReport) []fileView {
	var out []fileView
	for _, f := range rep.Files {
		v := fileView{File: f.File, Sheet: f.Sheet, Status: f.Status, Refusal: f.Refusal,
			Read: f.Read, Accepted: f.Accepted, Rejected: f.Rejected, Flagged: f.Flagged, Ignored: f.Ignored, Warnings: f.Warnings}
		switch f.Status {
		case "already_loaded":
			v.StatusText = c.Lang.f("already_loaded", f.LoadID)
		default:
			v.StatusText = c.Lang.t(f.Status)
		}
		if f.Kind != "" {
			v.Kind = f.Kind
			if spec, ok := mapping.Spec(mapping.Kind(f.Kind)); ok && c.Lang == zh {
				v.Kind = spec.Label
			}
			if f.ExamType != "" {
				v.Kind += " / " + f.ExamType
			}
		}
		if f.Scope != nil {
			v.Scope = f.Scope.Region
			if f.Scope.Year != 0 {
				v.Scope += " " + strconv.Itoa(f.Scope.Year)
			}
			if f.Scope.Season != 0 {
				v.Scope += " S" + strconv.Itoa(f.Scope.Season)
			}
		}
		for _, h := range f.Headers {
			v.Headers = append(v.Headers, headerView{Header: h.Header, Column: h.Column, Rule: h.Rule, Guessed: h.Rule == string(mapping.RuleGuessed)})
		}
		reasons := make([]string, 0, len(f.Reasons))
		for r := range f.Reasons {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool {
			a, b := f.Reasons[reasons[i]], f.Reasons[reasons[j]]
			return a > b || a == b && reasons[i] < reasons[j]
		})
		for i, r := range reasons {
			if i == 5 {
				break
			}
			rv := reasonView{Reason: r, Count: f.Reasons[r]}
			for _, ex := range f.Examples[r] {
				// Raw is masked by the loader as the rejects table keeps it.
				rv.Examples = append(rv.Examples, c.Lang.f("upload_example", ex.Line, ex.Column, ex.Raw, ex.Detail))
			}
			v.Reasons = append(v.Reasons, rv)
		}
		for _, rep := range f.Replaces {
			name := rep.File
			if rep.Sheet != "" {
				name += " / " + rep.Sheet
			}
			v.Replaces = append(v.Replaces, c.Lang.f("upload_replaces_load", rep.LoadID, name))
		}
		for _, rep := range f.PartlyReplaces {
			v.Replaces = append(v.Replaces, c.Lang.f("upload_partly", rep.LoadID, rep.File, rep.Region, rep.Rows))
		}
		if f.Restores != 0 {
			v.Replaces = append(v.Replaces, c.Lang.f("upload_restores", f.Restores))
		}
		out = append(out, v)
	}
	return out
}

// uploadTarget names an upload in the audit trail: its id and file count.
func uploadTarget(u *staged) string {
	if u == nil {
		return "upload"
	}
	return fmt.Sprintf("upload %s files %d", u.ID, len(u.Files))
}

// uploadForm is GET /upload: the form.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.uploadData(c)
	if r.URL.Query().Get("cancelled") != "" {
		d.Flash = c.Lang.t("upload_cancelled")
	}
	s.render(w, r, c, http.StatusOK, "upload", s.frame(r, c, "upload", c.Lang.t("upload"), d))
}

// uploadPost is POST /upload: store, check, and show the result.
func (s *Server) uploadPost(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.receive(w, r, c)
	if err == nil {
		if err = s.check(r.Context(), c, u); err == nil {
			err = u.save()
		}
		if err != nil {
			removeUpload(u) //nolint:errcheck // the sweep removes it later
		}
	}
	if err != nil {
		s.cfg.Audit(r, auditUploadCheck, uploadTarget(u), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	s.cfg.Audit(r, auditUploadCheck, uploadTarget(u), http.StatusSeeOther)
	http.Redirect(w, r, c.link("/upload/"+u.ID, nil), http.StatusSeeOther)
}

// uploadShow is GET /upload/{id}: the dry run and the options.
func (s *Server) uploadShow(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.openUpload(c, r.PathValue("id"))
	if err != nil {
		s.uploadFailed(w, r, c, err)
		return
	}
	d := s.uploadData(c)
	d.ID, d.Options = u.ID, u.Options
	base := "/upload/" + u.ID
	d.CheckURL, d.ConfirmURL, d.CancelURL = c.link(base+"/check", nil), c.link(base+"/confirm", nil), c.link(base+"/cancel", nil)
	if u.Report != nil {
		d.Files = fileViews(c, u.Report)
	}
	s.render(w, r, c, http.StatusOK, "upload", s.frame(r, c, "upload", c.Lang.t("upload"), d))
}

// uploadRecheck is POST /upload/{id}/check: the options again, checked
// again.
func (s *Server) uploadRecheck(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.openUpload(c, r.PathValue("id"))
	if err == nil {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		if err = r.ParseForm(); err != nil {
			err = refuse(http.StatusBadRequest, "", "%v", err)
		}
	}
	if err == nil {
		f := r.PostForm
		u.Options = uploadOptions{Kind: f.Get("kind"), Year: f.Get("year"), Season: f.Get("season"), Region: f.Get("region"), Map: f.Get("map")}
		if err = s.check(r.Context(), c, u); err == nil {
			err = u.save()
		}
		var ue *uploadError
		if errors.As(err, &ue) && len(ue.Problems) > 0 {
			// A scope outside the region: nothing of the upload stays.
			removeUpload(u) //nolint:errcheck // the sweep removes it later
		}
	}
	if err != nil {
		s.cfg.Audit(r, auditUploadCheck, uploadTarget(u), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	s.cfg.Audit(r, auditUploadCheck, uploadTarget(u), http.StatusSeeOther)
	http.Redirect(w, r, c.link("/upload/"+u.ID, nil), http.StatusSeeOther)
}

// uploadConfirm is POST /upload/{id}/confirm: load, publish, remove the
// upload, and show the ledger entries.
func (s *Server) uploadConfirm(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.openUpload(c, r.PathValue("id"))
	if err != nil {
		s.cfg.Audit(r, auditUploadConfirm, "upload "+r.PathValue("id"), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	ans, err := s.ingest(r.Context(), c, u)
	if err != nil {
		s.cfg.Audit(r, auditUploadConfirm, uploadTarget(u), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	removeUpload(u) //nolint:errcheck // loaded; the sweep removes what is left
	s.cfg.Audit(r, auditUploadConfirm, uploadTarget(u)+" loads "+loadIDs(ans), http.StatusOK)
	d := s.uploadData(c)
	d.Done = ans
	s.render(w, r, c, http.StatusOK, "upload", s.frame(r, c, "upload", c.Lang.t("upload_done"), d))
}

func loadIDs(ans *ingestAnswer) string {
	var ids []string
	for _, l := range ans.Loads {
		ids = append(ids, strconv.FormatInt(l.LoadID, 10))
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ",")
}

// uploadCancel is POST /upload/{id}/cancel: the upload is removed, the
// warehouse never touched.
func (s *Server) uploadCancel(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.openUpload(c, r.PathValue("id"))
	if err == nil {
		err = removeUpload(u)
	}
	if err != nil {
		s.cfg.Audit(r, auditUploadCancel, "upload "+r.PathValue("id"), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	s.cfg.Audit(r, auditUploadCancel, uploadTarget(u), http.StatusSeeOther)
	http.Redirect(w, r, c.link("/upload", url.Values{"cancelled": {"1"}}), http.StatusSeeOther)
}

// apiCheck is POST /api/v1/check: the dry run of the files sent, as
// enlist check --format json prints it (file names as sent); nothing is
// kept.
func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.receive(w, r, c)
	if err == nil {
		err = s.check(r.Context(), c, u)
		removeUpload(u) //nolint:errcheck // the sweep removes it later
	}
	s.cfg.Audit(r, auditUploadCheck, uploadTarget(u), statusOf(err))
	if err != nil {
		s.uploadFailed(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, u.Report)
}

// apiIngest is POST /api/v1/ingest: the files sent are checked, and
// loaded as enlist ingest loads them only when none would be refused (422
// naming each file's problem otherwise: nothing is loaded); the answer is
// their ledger entries.
func (s *Server) apiIngest(w http.ResponseWriter, r *http.Request, c *call) {
	u, err := s.receive(w, r, c)
	if err != nil {
		s.cfg.Audit(r, auditUploadConfirm, uploadTarget(nil), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	defer removeUpload(u) //nolint:errcheck // the sweep removes it later
	var ans *ingestAnswer
	if err = s.check(r.Context(), c, u); err == nil {
		if bad := refusals(u.Report); len(bad) > 0 {
			names := make([]string, len(bad))
			for i, b := range bad {
				names[i] = b.File
			}
			ue := refuse(http.StatusUnprocessableEntity, "files", "%s", c.Lang.f("upload_refused_api", len(bad), strings.Join(names, ", ")))
			ue.Problems = bad
			err = ue
		} else {
			ans, err = s.ingest(r.Context(), c, u)
		}
	}
	if err == nil && len(ans.Refused) > 0 {
		ue := refuse(http.StatusUnprocessableEntity, "files", "%s", c.Lang.f("upload_refused_api", len(ans.Refused), ans.Refused[0].File))
		ue.Problems = ans.Refused
		err = ue
	}
	if err != nil {
		s.cfg.Audit(r, auditUploadConfirm, uploadTarget(u), statusOf(err))
		s.uploadFailed(w, r, c, err)
		return
	}
	s.cfg.Audit(r, auditUploadConfirm, uploadTarget(u)+" loads "+loadIDs(ans), http.StatusOK)
	writeJSON(w, http.StatusOK, ans)
}

package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/scoped"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
	"enlist/web/audit"
)

// The SQL page and POST /api/v1/sql: an analyst's ad hoc queries, as
// `enlist sql --scope REGION` runs them. Each query runs on the copy of the
// published warehouse that holds only the region's rows (internal/scoped;
// a province's analyst gets the published copy itself), in the sandbox of
// enlist sql (internal/analyst: read-only, parsed and checked before it
// runs, no file, network, setting or extension access), with the session
// variables checked as `enlist sql --var` checks them.

// Defaults of the limits Config leaves at zero.
const (
	defaultSQLTimeout      = 60 * time.Second
	defaultSQLMaxRows      = 10000
	defaultSQLDownloadRows = 200000
	// maxQueryBytes bounds the text of one query (and the JSON around it).
	maxQueryBytes = 256 << 10
)

func (s *Server) sqlTimeout() time.Duration {
	if s.cfg.SQLTimeout > 0 {
		return s.cfg.SQLTimeout
	}
	return defaultSQLTimeout
}

func (s *Server) sqlMaxRows() int {
	if s.cfg.SQLMaxRows > 0 {
		return s.cfg.SQLMaxRows
	}
	return defaultSQLMaxRows
}

func (s *Server) sqlDownloadRows() int {
	if s.cfg.SQLDownloadRows > 0 {
		return s.cfg.SQLDownloadRows
	}
	return defaultSQLDownloadRows
}

// sqlRequest is the body of POST /api/v1/sql.
type sqlRequest struct {
	Query string            `json:"query"`
	Vars  map[string]string `json:"vars"`
	// Timeout, such as "30s", shortens the service's limit; it cannot
	// lengthen it.
	Timeout string `json:"timeout"`
}

// sqlAnswer is its answer.
type sqlAnswer struct {
	Columns   []string `json:"columns"`
	Rows      [][]any  `json:"rows"`
	RowCount  int      `json:"row_count"`
	Truncated bool     `json:"truncated"`
	// Limit is the most rows an answer holds; a longer result is cut
	// there and marked truncated.
	Limit     int    `json:"limit"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Scope     string `json:"scope"`
	// Notice says what the session chose for variables not given.
	Notice string `json:"notice,omitempty"`
}

// sqlError is a query the analyst must change: refused, bad, too slow.
type sqlError struct {
	param string
	err   error
}

func (e *sqlError) Error() string { return e.err.Error() }
func (e *sqlError) Unwrap() error { return e.err }

// queryDigest names a query in the audit trail without its text, which
// may hold values (a pseudonym, a date): the first 16 hex digits of its
// SHA-256, enough to match two runs of the same query.
func queryDigest(q string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(q)))
	return "sha256:" + hex.EncodeToString(h[:8])
}

// checkSQLRequest checks what a query needs before anything opens:
// text present and not too long, each variable known and well formed
// (named "vars.NAME" in the error), a timeout within the service's.
func (s *Server) checkSQLRequest(q sqlRequest) ([]analyst.Var, time.Duration, error) {
	if strings.TrimSpace(q.Query) == "" {
		return nil, 0, &paramError{"query", errors.New("no query given")}
	}
	if len(q.Query) > maxQueryBytes {
		return nil, 0, &paramError{"query", fmt.Errorf("longer than %d bytes", maxQueryBytes)}
	}
	names := make([]string, 0, len(q.Vars))
	for n := range q.Vars {
		names = append(names, n)
	}
	sort.Strings(names)
	vars := make([]analyst.Var, 0, len(names))
	for _, n := range names {
		v := strings.TrimSpace(q.Vars[n])
		if v == "" {
			continue
		}
		if _, err := analyst.CheckVariable(n, v, s.now()); err != nil {
			return nil, 0, &paramError{"vars." + n, err}
		}
		vars = append(vars, analyst.Var{Name: strings.ToLower(n), Value: v})
	}
	limit := s.sqlTimeout()
	if t := strings.TrimSpace(q.Timeout); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, 0, &paramError{"timeout", fmt.Errorf("%q: give a duration such as 30s or 2m", t)}
		}
		if d > limit {
			return nil, 0, &paramError{"timeout", fmt.Errorf("%s is longer than the service allows (%s)", d, limit)}
		}
		limit = d
	}
	return vars, limit, nil
}

// sqlRun is one query's answer.
type sqlRun struct {
	*analyst.Result
	Took time.Duration
	// XLSX shapes the result's workbook (rates as percentages, Chinese
	// headers on the Chinese page), when asked for.
	XLSX analyst.XLSXOptions
}

// runSQL runs one checked query for the call's region, keeping at most
// maxRows rows (truncate) or refusing a longer result; with xlsx, it also
// reads the workbook's options from the session's dictionary.
func (s *Server) runSQL(ctx context.Context, c *call, q sqlRequest, maxRows int, truncate, xlsx bool) (*sqlRun, error) {
	vars, timeout, err := s.checkSQLRequest(q)
	if err != nil {
		return nil, err
	}
	pub, err := warehouse.PublishedPath(s.cfg.Warehouse)
	if err != nil {
		return nil, fmt.Errorf("find the published copy of %s: %w", s.cfg.Warehouse, err)
	}
	if pub == "" {
		return nil, errNoCopy
	}
	done, err := s.turns.take(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	sess, _, closeSession, err := scoped.OpenSession(ctx, pub, c.Scope,
		scoped.QueryOptions{Threads: s.cfg.Threads, MemoryLimit: s.cfg.MemoryLimit, Now: s.cfg.Now}, vars, "vars.")
	if err != nil {
		return nil, err
	}
	defer closeSession()
	sess.MaxRows, sess.Truncate = maxRows, truncate
	start := time.Now()
	res, err := sess.RunWithin(ctx, q.Query, timeout)
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			// The client went away (the page's Cancel): nothing to answer.
			return nil, err
		}
		if strings.Contains(err.Error(), "--timeout") {
			return nil, &sqlError{"timeout", errors.New(strings.Replace(err.Error(), "--timeout", "the time limit", 1))}
		}
		// Refused by the sandbox, or by the engine (a name that does not
		// exist, a type error): the analyst's to fix. The text is the
		// engine's about the query, never a path of the server.
		return nil, &sqlError{"query", err}
	}
	out := &sqlRun{Result: res, Took: took}
	if res.Frame == nil {
		res.Frame = &tabular.Frame{}
		if res.Notice == "" && res.Variable != "" {
			res.Notice = "variable " + res.Variable + " set (for this query only: give it in vars)"
		}
	}
	if xlsx {
		if out.XLSX, err = sess.XLSXOptionsFor(ctx, res.Frame.Columns, c.Lang == zh); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sqlFailed answers an error of runSQL.
func (s *Server) sqlFailed(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var pe *paramError
	var qe *sqlError
	switch {
	case errors.As(err, &pe):
		s.fail(w, r, c, http.StatusBadRequest, pe.Name, pe.Error())
	case errors.As(err, &qe):
		s.fail(w, r, c, http.StatusBadRequest, qe.param, qe.Error())
	case errors.Is(err, scoped.ErrScope):
		s.fail(w, r, c, http.StatusBadRequest, "scope", err.Error())
	default:
		s.failed(w, r, c, err)
	}
}

// auditSQL records a query run or downloaded: who, the region, the query's
// digest, and the status; never its text nor a value of its result.
func (s *Server) auditSQL(r *http.Request, c *call, action, what, query string, status int) {
	target := what + " scope " + c.Scope + " " + queryDigest(query)
	// The guard records API calls without the query; this entry adds its
	// digest, for pages and the API alike.
	s.cfg.Audit(r, action, target, status)
}

// apiSQL is POST /api/v1/sql.
func (s *Server) apiSQL(w http.ResponseWriter, r *http.Request, c *call) {
	var q sqlRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxQueryBytes+64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		s.fail(w, r, c, http.StatusBadRequest, "body", `the body must be JSON: {"query": "SELECT …", "vars": {"as_of": "2025-08-31"}}: `+err.Error())
		return
	}
	s.answerSQL(w, r, c, q, "api")
}

// answerSQL runs q for the API (the editor's query, or a saved one named
// by what in the audit trail) and answers the result as JSON.
func (s *Server) answerSQL(w http.ResponseWriter, r *http.Request, c *call, q sqlRequest, what string) {
	res, err := s.runSQL(r.Context(), c, q, s.sqlMaxRows(), true, false)
	if err != nil {
		status := http.StatusBadRequest
		var pe *paramError
		var qe *sqlError
		if !errors.As(err, &pe) && !errors.As(err, &qe) {
			status = http.StatusInternalServerError
		}
		s.auditSQL(r, c, "sql_query", what, q.Query, status)
		s.sqlFailed(w, r, c, err)
		return
	}
	s.auditSQL(r, c, "sql_query", what, q.Query, http.StatusOK)
	ans := sqlAnswer{Columns: res.Frame.Columns, Rows: make([][]any, len(res.Frame.Rows)), RowCount: len(res.Frame.Rows),
		Truncated: res.Truncated, Limit: s.sqlMaxRows(), ElapsedMS: res.Took.Milliseconds(), Scope: c.Scope, Notice: res.Notice}
	if ans.Columns == nil {
		ans.Columns = []string{}
	}
	for i, row := range res.Frame.Rows {
		out := make([]any, len(row))
		for j, v := range row {
			out[j] = jsonCell(v)
		}
		ans.Rows[i] = out
	}
	writeJSON(w, http.StatusOK, ans)
}

// jsonCell is a value as JSON carries it: numbers, text, booleans and
// null as they are; dates as YYYY-MM-DD; anything else as enlist sql
// prints it.
func jsonCell(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return v
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		return jsonCell(float64(x))
	case map[string]any, []any:
		if _, err := json.Marshal(x); err == nil {
			return x
		}
	}
	return tabular.Text(v)
}

// sqlDownload is POST /sql/download: the query of the page's form run
// again and sent as CSV or XLSX (Chinese headers from the dictionary on
// the Chinese page, as enlist sql --headers zh), up to the download limit.
func (s *Server) sqlDownload(w http.ResponseWriter, r *http.Request, c *call) {
	r.Body = http.MaxBytesReader(w, r.Body, maxQueryBytes+64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, c, http.StatusBadRequest, "query", err.Error())
		return
	}
	format := r.PostForm.Get("format")
	if format != "csv" && format != "xlsx" {
		s.fail(w, r, c, http.StatusBadRequest, "format", fmt.Sprintf("%q: use csv or xlsx", format))
		return
	}
	q := sqlRequest{Query: r.PostForm.Get("query"), Timeout: r.PostForm.Get("timeout"), Vars: map[string]string{}}
	for _, v := range analyst.Variables {
		q.Vars[v.Name] = r.PostForm.Get(v.Name)
	}
	res, err := s.runSQL(r.Context(), c, q, s.sqlDownloadRows(), false, format == "xlsx")
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, analyst.ErrTooManyRows) {
			err = &sqlError{"query", fmt.Errorf("%w (a download holds at most %d rows)", err, s.sqlDownloadRows())}
		}
		s.auditSQL(r, c, audit.Download, "sql."+format, q.Query, status)
		s.sqlFailed(w, r, c, err)
		return
	}
	var buf strings.Builder
	if err := analyst.WriteResult(&buf, format, res.Frame, res.XLSX); err != nil {
		s.failed(w, r, c, err)
		return
	}
	s.auditSQL(r, c, audit.Download, "sql."+format, q.Query, http.StatusOK)
	name := fmt.Sprintf("sql_%s_%s.%s", c.Scope, s.now().Format("20060102_150405"), format)
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, buf.String()) //nolint:errcheck // the client went away
}

// sqlLabels are the SQL page's words, Chinese and English.
var sqlLabels = map[string][2]string{
	"sql":               {"SQL 查询", "SQL"},
	"sql_intro":         {"只读查询本单位及下级单位的数据（与 enlist sql --scope 相同的沙箱）：按 Ctrl+Enter 运行。", "Read-only queries over your region and the regions under it (the sandbox of enlist sql --scope): Ctrl+Enter runs."},
	"sql_query":         {"查询语句", "Query"},
	"sql_run":           {"运行 (Ctrl+Enter)", "Run (Ctrl+Enter)"},
	"sql_cancel":        {"取消", "Cancel"},
	"sql_timeout":       {"超时", "Timeout"},
	"sql_vars":          {"会话变量（可选）", "Session variables (optional)"},
	"sql_download":      {"下载结果", "Download the result"},
	"sql_csv":           {"CSV", "CSV"},
	"sql_xlsx":          {"Excel (XLSX)", "Excel (XLSX)"},
	"sql_dictionary":    {"数据字典", "Data dictionary"},
	"sql_rows":          {"行", "rows"},
	"sql_ms":            {"毫秒", "ms"},
	"sql_truncated":     {"结果超过 %d 行，仅显示前 %d 行；请汇总或加 LIMIT，或下载。", "The result has more than %d rows; the first %d are shown. Aggregate, add a LIMIT, or download it."},
	"sql_running":       {"正在运行…", "Running…"},
	"sql_cancelled":     {"已取消。", "Cancelled."},
	"sql_prev":          {"上一页", "Previous"},
	"sql_next":          {"下一页", "Next"},
	"sql_page":          {"第 %d / %d 页", "Page %d of %d"},
	"sql_limits":        {"每次最多返回 %d 行，下载最多 %d 行；超时上限 %s。", "An answer holds at most %d rows, a download %d; the time limit is at most %s."},
	"sql_no_dict":       {"数据字典暂不可用：", "The data dictionary is not available: "},
	"sql_failed":        {"查询失败", "The query failed"},
	"sql_saved":         {"保存的查询", "Saved queries"},
	"sql_saved_intro":   {"保存编辑框中的查询；共享的查询对本单位及上下级单位的分析员可见（不含同级单位）。运行时使用当前的会话变量（留空则用保存时的值），数据仅限本单位。", "Save the editor's query; a shared one is listed for the analysts of your region and the regions above and below it (never a sibling's). A run takes the session variables above (empty: the saved values) and reads your region's rows only."},
	"sql_saved_name":    {"名称", "Name"},
	"sql_saved_desc":    {"说明", "Description"},
	"sql_saved_shared":  {"共享", "Shared"},
	"sql_saved_save":    {"保存当前查询", "Save the query"},
	"sql_saved_load":    {"载入", "Open"},
	"sql_saved_run":     {"运行", "Run"},
	"sql_saved_delete":  {"删除", "Delete"},
	"sql_saved_confirm": {"删除这个保存的查询？", "Delete this saved query?"},
	"sql_saved_none":    {"还没有保存的查询。", "No saved queries yet."},
	"sql_saved_done":    {"已保存。", "Saved."},
	"sql_saved_by":      {"保存人", "by"},
	"sql_placeholder":   {"SELECT region_code, count(*) FROM registrations GROUP BY ALL ORDER BY 1", "SELECT region_code, count(*) FROM registrations GROUP BY ALL ORDER BY 1"},
}

// dictObject is one table, view or macro of the data dictionary.
type dictObject struct {
	Name, Kind, Comment string
	Columns             []dictColumn
}

type dictColumn struct{ Name, Type, Comment string }

// sqlDictionary keeps the data dictionary of the current published
// version: the schema is the same in every scope's copy, and reading it
// (every macro's columns) takes longer than a page should.
type sqlDictionary struct {
	mu      sync.Mutex
	version string
	objects []dictObject
}

// dictionary is what `enlist schema` lists, each object with its columns
// and their comments, read from the published copy's catalog (no row).
func (s *Server) dictionary(ctx context.Context) ([]dictObject, error) {
	pub, err := warehouse.PublishedPath(s.cfg.Warehouse)
	if err != nil {
		return nil, err
	}
	s.sqlDict.mu.Lock()
	defer s.sqlDict.mu.Unlock()
	if s.sqlDict.version == pub && s.sqlDict.objects != nil {
		return s.sqlDict.objects, nil
	}
	wh, release, err := s.pub.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	index, err := analyst.Objects(ctx, wh.DB())
	if err != nil {
		return nil, err
	}
	var out []dictObject
	for _, row := range index.Rows {
		name := tabular.Text(row[0])
		obj, err := analyst.Describe(ctx, wh.DB(), name)
		if err != nil {
			return nil, err
		}
		d := dictObject{Name: name, Kind: obj.Kind, Comment: obj.Comment}
		if obj.Columns != nil {
			for _, c := range obj.Columns.Rows {
				d.Columns = append(d.Columns, dictColumn{Name: tabular.Text(c[0]), Type: tabular.Text(c[1]), Comment: tabular.Text(c[3])})
			}
		}
		out = append(out, d)
	}
	s.sqlDict.version, s.sqlDict.objects = pub, out
	return out, nil
}

type sqlVarField struct{ Name, Doc string }

// sqlPageData is what templates/sql.tmpl shows.
type sqlPageData struct {
	Title, Intro, Limits string
	APIURL, DownloadURL  string
	// SavedURL lists and saves the saved queries; /{id}/run runs one.
	SavedURL        string
	Vars            []sqlVarField
	Timeouts        []string
	Dictionary      []dictObject
	DictionaryError string
	// Truncated is the message shown above a cut result, with the limit
	// filled in (the script reads it from the page).
	Truncated string
}

// sqlPage is /sql: the editor, the data dictionary beside it, and the
// result table the script (static/sql.js) fills from POST /api/v1/sql.
func (s *Server) sqlPage(w http.ResponseWriter, r *http.Request, c *call) {
	q := url.Values{}
	if c.Scope != c.User.Region {
		q.Set("scope", c.Scope)
	}
	d := sqlPageData{
		Title:       c.Lang.t("sql") + " · " + c.Scope,
		Intro:       c.Lang.t("sql_intro"),
		Limits:      c.Lang.f("sql_limits", s.sqlMaxRows(), s.sqlDownloadRows(), s.sqlTimeout()),
		APIURL:      c.link("/api/v1/sql", cloneValues(q)),
		DownloadURL: c.link("/sql/download", cloneValues(q)),
		SavedURL:    c.link("/api/v1/queries", cloneValues(q)),
		Truncated:   c.Lang.f("sql_truncated", s.sqlMaxRows(), s.sqlMaxRows()),
	}
	for _, v := range analyst.Variables {
		d.Vars = append(d.Vars, sqlVarField{Name: v.Name, Doc: v.Doc})
	}
	for _, t := range []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute} {
		if t < s.sqlTimeout() {
			d.Timeouts = append(d.Timeouts, t.String())
		}
	}
	d.Timeouts = append(d.Timeouts, s.sqlTimeout().String())
	dict, err := s.dictionary(r.Context())
	if err != nil {
		if errors.Is(err, errNoCopy) {
			d.DictionaryError = c.Lang.t("sql_no_dict") + err.Error()
		} else {
			s.cfg.Log.Error("read the data dictionary", "err", err)
			d.DictionaryError = c.Lang.t("sql_no_dict") + c.Lang.t("server_error")
		}
	}
	d.Dictionary = dict
	s.render(w, r, c, http.StatusOK, "sql", s.frame(r, c, "sql", c.Lang.t("sql"), d))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

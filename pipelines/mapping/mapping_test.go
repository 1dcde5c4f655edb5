package mapping

import (
	"strings"
	"testing"
)

func vocab(t *testing.T) *Vocabulary {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDetectHeader(t *testing.T) {
	v := vocab(t)
	tests := []struct {
		name      string
		rows      [][]string
		wantRow   int
		wantCols  map[string]int
		wantTitle string
		wantErr   string
	}{
		{
			name:     "plain Chinese header",
			rows:     [][]string{{"身份证号", "姓名", "区划代码", "登记日期"}, {"x", "y", "z", "w"}},
			wantRow:  0,
			wantCols: map[string]int{"id_number": 0, "name": 1, "region_code": 2, "registered_on": 3},
		},
		{
			name:     "English header with spaces and case",
			rows:     [][]string{{"ID Number", " Region_Code ", "registered_on"}},
			wantRow:  0,
			wantCols: map[string]int{"id_number": 0, "region_code": 1, "registered_on": 2},
		},
		{
			name: "merged title and unit line above the header",
			rows: [][]string{
				{"郑州市2025年上半年征兵体检结果汇总表", "郑州市2025年上半年征兵体检结果汇总表", "郑州市2025年上半年征兵体检结果汇总表"},
				{"填报单位：郑州市征兵办", "", "统计截止日期：2025-03-01"},
				{"序号", "公民身份号码", "体检日期", "体检结论"},
			},
			wantRow:   2,
			wantCols:  map[string]int{"id_number": 1, "exam_date": 2, "result": 3},
			wantTitle: "郑州市2025年上半年征兵体检结果汇总表",
		},
		{
			name: "two-row merged header: group over sub-columns",
			rows: [][]string{
				{"郑州市2025年上半年征兵体检结果汇总表", "郑州市2025年上半年征兵体检结果汇总表", "郑州市2025年上半年征兵体检结果汇总表", "郑州市2025年上半年征兵体检结果汇总表"},
				{"身份证号", "检查日期", "体检结果", "体检结果"},
				{"身份证号", "检查日期", "结论", "不合格原因"},
				{"41010220060309001X", "2025-02-11", "合格", ""},
			},
			wantRow:  2,
			wantCols: map[string]int{"id_number": 0, "exam_date": 1, "result": 2, "reason": 3},
		},
		{
			name: "sub-header row below without vertical merge fill",
			rows: [][]string{
				{"身份证号", "检查日期", "体检结果", ""},
				{"", "", "结论", "不合格原因"},
				{"41010220060309001X", "2025-02-11", "合格", ""},
			},
			wantRow:  1,
			wantCols: map[string]int{"id_number": 0, "exam_date": 1, "result": 2, "reason": 3},
		},
		{
			name:    "ambiguous: two columns mean the same",
			rows:    [][]string{{"身份证号", "公民身份号码", "登记日期"}},
			wantErr: "both mean id_number",
		},
		{
			name:    "no header at all",
			rows:    [][]string{{"a", "b"}, {"1", "2"}},
			wantErr: "no header row",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := v.DetectHeader(tt.rows)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Row != tt.wantRow {
				t.Errorf("header row = %d, want %d", h.Row, tt.wantRow)
			}
			if len(h.Columns) != len(tt.wantCols) {
				t.Errorf("columns = %v, want %v", h.Columns, tt.wantCols)
			}
			for c, i := range tt.wantCols {
				if h.Columns[c] != i {
					t.Errorf("column %s at %d, want %d (all: %v)", c, h.Columns[c], i, h.Columns)
				}
			}
			if tt.wantTitle != "" && !strings.Contains(h.Title, tt.wantTitle) {
				t.Errorf("title = %q", h.Title)
			}
		})
	}
}

func TestDetectKind(t *testing.T) {
	v := vocab(t)
	cols := func(headers ...string) map[string]int {
		m := map[string]int{}
		for i, h := range headers {
			c, ok := v.Column(h)
			if !ok {
				t.Fatalf("no alias %q", h)
			}
			m[c] = i
		}
		return m
	}
	tests := []struct {
		cols  map[string]int
		hints TitleHints
		want  Kind
		err   bool
	}{
		{cols("身份证号", "姓名", "区划代码", "登记日期", "文化程度"), TitleHints{}, Registrations, false},
		{cols("身份证号", "检查类型", "检查日期", "结论"), TitleHints{}, Exams, false},
		{cols("身份证号", "检查日期", "结论"), ReadTitle("2025年上半年征兵体检结果汇总表"), Exams, false},
		{cols("身份证号", "批准日期", "退兵日期"), TitleHints{}, Approvals, false},
		{cols("身份证号", "安置地区划代码", "退役日期", "安置方式"), TitleHints{}, Resettlement, false},
		{cols("年度", "批次", "区划代码", "征集任务数"), TitleHints{}, Quotas, false},
		{cols("区划代码", "区划名称"), TitleHints{}, Regions, false},
		{cols("姓名", "民族"), TitleHints{}, "", true},
	}
	for i, tt := range tests {
		got, err := DetectKind(tt.cols, tt.hints)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("case %d: DetectKind = %q, %v; want %q", i, got, err, tt.want)
		}
	}
}

func TestReadTitle(t *testing.T) {
	h := ReadTitle("郑州市2025年上半年征兵体检结果汇总表")
	if h.Kind != Exams || h.ExamType != "physical" || h.Year != 2025 || h.Season != 1 {
		t.Errorf("hints = %+v", h)
	}
	h = ReadTitle("中原区2024年下半年政治考核情况统计表")
	if h.ExamType != "political" || h.Year != 2024 || h.Season != 2 {
		t.Errorf("hints = %+v", h)
	}
}

func TestValues(t *testing.T) {
	v := vocab(t)
	tests := []struct{ field, raw, want string }{
		{"education", "大专", "associate"},
		{"education", " 本科 ", "bachelor"},
		{"education", "研究生", "master"},
		{"student_status", "应届毕业生", "fresh_graduate"},
		{"result", "通过", "pass"},
		{"result", "否", "fail"},
		{"result", "PASS", "pass"},
		{"season", "下半年", "2"},
		{"plan", "自主就业", "self_employed"},
	}
	for _, tt := range tests {
		if got, ok := v.Value(tt.field, tt.raw); !ok || got != tt.want {
			t.Errorf("Value(%s, %q) = %q, %v; want %q", tt.field, tt.raw, got, ok, tt.want)
		}
	}
	if _, ok := v.Value("education", "未知学历"); ok {
		t.Error("unknown education accepted")
	}
	if got := v.Label("id_number"); got != "身份证号 (id_number)" {
		t.Errorf("Label = %q", got)
	}
}

func FuzzDetectHeader(f *testing.F) {
	f.Add("身份证号,姓名,区划代码\n1,2,3")
	f.Add("标题\n身份证号,检查日期,体检结果,体检结果\n,,结论,原因")
	v, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		h, err := v.DetectHeader(rows)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, i := range h.Columns {
			if seen[i] {
				t.Fatalf("two columns mapped to cell %d", i)
			}
			seen[i] = true
		}
	})
}

// TestValueSpellings: value vocabularies are matched like headers: NFKC,
// spaces, a note in brackets, and the marks offices use for yes.
func TestValueSpellings(t *testing.T) {
	v := vocab(t)
	for _, tt := range []struct{ field, raw, want string }{
		{"education", "大学本科", "bachelor"},
		{"education", "本科（学士）", "bachelor"},
		{"education", "本 科", "bachelor"},
		{"education", "大专(高职)", "associate"},
		{"gender", "男性", "male"},
		{"gender", "Ｍ", "male"},
		{"applied", "√", "true"},
		{"applied", "是", "true"},
		{"applied", "Y", "true"},
		{"applied", "1", "true"},
		{"return_responsible", "√", "true"},
	} {
		if got, ok := v.Value(tt.field, tt.raw); !ok || got != tt.want {
			t.Errorf("Value(%s, %q) = %q, %v; want %q", tt.field, tt.raw, got, ok, tt.want)
		}
	}
}

// TestPrecedence: --map over enlist.yaml over the built-in aliases; a kind's
// own enlist.yaml spellings only for that kind; unknown columns and codes
// refused with the spelling named.
func TestPrecedence(t *testing.T) {
	v := vocab(t)
	withYAML, err := v.WithOverrides(Overrides{
		Columns: map[string]map[string]string{
			"all":       {"备注": "station", "户籍地编码": "region_code"},
			"approvals": {"日期": "approved_on"},
		},
		Values: map[string]map[string]string{"education": {"全日制本科": "bachelor", "大学": "associate"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(v *Vocabulary, header, col string, rule Rule) {
		t.Helper()
		m, ok := v.Match(header)
		if !ok || m.Column != col || m.Rule != rule {
			t.Errorf("Match(%q) = %+v, %v; want %s by %s", header, m, ok, col, rule)
		}
	}
	check(v, "备注", "reason", RuleExact)
	check(withYAML, "备注", "station", RuleConfig)
	check(withYAML, "户籍地编码（必填）", "region_code", RuleConfig)
	check(withYAML, "日期", "exam_date", RuleExact)
	check(withYAML.ForKind(Approvals), "日期", "approved_on", RuleConfig)
	withMap, err := withYAML.WithMap(map[string]string{"备注": "reason"})
	if err != nil {
		t.Fatal(err)
	}
	check(withMap, "备注", "reason", RuleMap)
	if got, _ := withYAML.Value("education", "全日制本科"); got != "bachelor" {
		t.Errorf("office value = %q", got)
	}
	if got, _ := withYAML.Value("education", "大学"); got != "associate" {
		t.Errorf("office value does not override the built-in: %q", got)
	}
	for _, o := range []Overrides{
		{Columns: map[string]map[string]string{"all": {"户籍码": "regon_code"}}},
		{Columns: map[string]map[string]string{"approvals": {"户籍码": "region_code"}}},
		{Columns: map[string]map[string]string{"pizzas": {"户籍码": "region_code"}}},
		{Values: map[string]map[string]string{"education": {"全日制本科": "bachelors"}}},
	} {
		if _, err := v.WithOverrides(o); err == nil || !strings.Contains(err.Error(), "户籍码") && !strings.Contains(err.Error(), "pizzas") && !strings.Contains(err.Error(), "全日制本科") {
			t.Errorf("%+v: err = %v", o, err)
		}
	}
	if _, err := v.WithMap(map[string]string{"X": "nope"}); err == nil || !strings.Contains(err.Error(), `"nope" is not a column`) {
		t.Errorf("--map to an unknown column: %v", err)
	}
	// Two headers ending on the same column are refused, naming both.
	_, err = withMap.DetectHeader([][]string{{"身份证号", "备注", "不合格原因", "检查日期"}})
	if err == nil || !strings.Contains(err.Error(), "备注") || !strings.Contains(err.Error(), "不合格原因") {
		t.Errorf("two headers on one column: %v", err)
	}
}

// TestGuessesAreNamed: a guessed header is mapped with its rule, so the
// load can warn; an ambiguous one stays unmapped with its candidates.
func TestGuessesAreNamed(t *testing.T) {
	v := vocab(t)
	h, err := v.DetectHeader([][]string{{"身分证号", "区划代码", "登记日期", "退兵原期", "联系电话"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := h.Rules["id_number"]; m.Rule != RuleGuessed || m.Alias != "身份证号" {
		t.Errorf("id_number rule = %+v", m)
	}
	if g := h.Guessed(); len(g) != 1 || g[0] != "身分证号 → id_number" {
		t.Errorf("Guessed = %v", g)
	}
	if len(h.Unmapped) != 2 || h.Unmapped[0].Text != "退兵原期" || len(h.Unmapped[0].Ambiguous) != 2 || h.Unmapped[1].Text != "联系电话" {
		t.Errorf("Unmapped = %+v", h.Unmapped)
	}
}

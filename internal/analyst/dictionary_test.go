package analyst

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enlist/internal/tabular"
)

// TestEveryMacroIsDocumented: the dictionary lists every table macro of the
// model files with its parameters, its column count and a comment, and
// describes each: the columns it returns, every one with a comment.
func TestEveryMacroIsDocumented(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	// The macros the model files create.
	files, err := filepath.Glob("../../sql/models/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	create := regexp.MustCompile(`(?i)CREATE OR REPLACE MACRO (\w+)\(([^)]*)\) AS TABLE`)
	want := map[string]string{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range create.FindAllStringSubmatch(string(b), -1) {
			want[m[1]] = m[1] + "(" + m[2] + ")"
		}
	}
	if len(want) < 12 {
		t.Fatalf("found %d table macros in the model files", len(want))
	}
	objs, err := Objects(ctx, fx.wh.DB())
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]int{}
	for i := range objs.Rows {
		listed[tabular.Text(objs.Value(i, "name"))] = i
	}
	for name, sig := range want {
		i, ok := listed[sig]
		if !ok {
			t.Errorf("%s is not listed", sig)
			continue
		}
		if k := tabular.Text(objs.Value(i, "kind")); k != "table macro" {
			t.Errorf("%s: kind %q", sig, k)
		}
		if n, _ := objs.Value(i, "columns").(int64); n < 3 {
			t.Errorf("%s: %v columns", sig, objs.Value(i, "columns"))
		}
		if tabular.Text(objs.Value(i, "comment")) == "" {
			t.Errorf("%s has no comment", sig)
		}
		// Described by name alone or with its parameters.
		for _, asked := range []string{name, sig} {
			o, err := Describe(ctx, fx.wh.DB(), asked)
			if err != nil {
				t.Errorf("describe %s: %v", asked, err)
				continue
			}
			if o.Kind != "table macro" || len(o.Columns.Rows) < 3 || o.Comment == "" {
				t.Errorf("%s: kind %q, %d columns, comment %q", asked, o.Kind, len(o.Columns.Rows), o.Comment)
			}
		}
	}
	// The analysts' macros have every column documented.
	for _, name := range []string{"metrics_at", "counts_at", "person_facts_at", "integrity_people_at", "metrics_year_on_year_at", "approvals_weekly_at"} {
		o, err := Describe(ctx, fx.wh.DB(), name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range o.Columns.Rows {
			if tabular.Text(o.Columns.Value(i, "comment")) == "" {
				t.Errorf("%s.%s has no comment", name, o.Columns.Value(i, "column"))
			}
		}
	}
	o, err := Describe(ctx, fx.wh.DB(), "metrics_at")
	if err != nil || o.DocumentedBy != "metrics" || strings.Join(o.Parameters, ",") != "as_of,y,s" {
		t.Errorf("metrics_at: %v %+v", err, o)
	}
	o, err = Describe(ctx, fx.wh.DB(), "label")
	if err != nil || o.Kind != "macro" || strings.Join(o.Parameters, ",") != "f,c" {
		t.Errorf("label: %v %+v", err, o)
	}
}

// TestEveryCodedColumnHasItsLabel: every coded field the loader normalises
// (pipelines/mapping/values.csv) has its codes in labels, and the analyst
// views carry a *_label column beside each coded column.
func TestEveryCodedColumnHasItsLabel(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	b, err := os.ReadFile("../../pipelines/mapping/values.csv")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		parts := strings.Split(line, ",")
		codes[parts[0]+"="+parts[len(parts)-1]] = true
	}
	r, err := fx.s.Run(ctx, "SELECT field || '=' || code, label FROM labels")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, row := range r.Frame.Rows {
		have[tabular.Text(row[0])] = tabular.Text(row[1])
	}
	for c := range codes {
		if have[c] == "" {
			t.Errorf("labels has no label for %s", c)
		}
	}
	if have["education=bachelor"] != "本科" {
		t.Errorf("bachelor = %q", have["education=bachelor"])
	}
	r, err = fx.s.Run(ctx, "SELECT label('education', 'bachelor'), label('season', 2)")
	if err != nil || tabular.Text(r.Frame.Rows[0][0]) != "本科" || tabular.Text(r.Frame.Rows[0][1]) != "下半年" {
		t.Errorf("label(): %v %v", err, r)
	}
	for view, coded := range map[string][]string{
		"person_facts":     {"gender", "education", "student_status", "major_category", "season"},
		"integrity_people": {"issue"},
	} {
		o, err := Describe(ctx, fx.wh.DB(), view)
		if err != nil {
			t.Fatal(err)
		}
		cols := map[string]bool{}
		for i := range o.Columns.Rows {
			cols[tabular.Text(o.Columns.Value(i, "column"))] = true
		}
		for _, c := range coded {
			if !cols[c] || !cols[c+"_label"] {
				t.Errorf("%s: %s without %s_label", view, c, c)
			}
		}
	}
}

// TestXLSXForPeople: rates become percentages, widths fit Chinese text and
// --headers zh puts the dictionary's Chinese labels in the header row.
func TestXLSXForPeople(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	cols := []string{"region_name", "quota", "quota_completion", "college_ratio", "registered_change", "approved_change", "composite_rank", "mine"}
	opt, err := fx.s.XLSXOptionsFor(ctx, cols, true)
	if err != nil {
		t.Fatal(err)
	}
	wantHeaders := []string{"单位", "征集任务数", "任务完成率", "大学生比例", "较上周 (registered_change)", "较上周 (approved_change)", "总评排名", "mine"}
	for i, c := range cols {
		if opt.Headers[c] != wantHeaders[i] {
			t.Errorf("header of %s = %q, want %q", c, opt.Headers[c], wantHeaders[i])
		}
		if want := c == "quota_completion" || c == "college_ratio"; opt.Percent[c] != want {
			t.Errorf("%s percent = %v", c, opt.Percent[c])
		}
	}
	f := &tabular.Frame{Columns: cols, Rows: [][]any{
		{"郑州高新技术产业开发区", int64(12), 0.8125, 0.5, int64(3), int64(1), int64(2), "x"},
	}}
	var buf bytes.Buffer
	if err := WriteXLSXWith(&buf, f, opt); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], "|"); got != strings.Join(wantHeaders, "|") {
		t.Errorf("headers %q", got)
	}
	if rows[1][2] != "81.3%" || rows[1][3] != "50.0%" || rows[1][1] != "12" {
		t.Errorf("values %q", rows[1])
	}
	// The stored value stays the fraction.
	if v, _ := x.GetCellValue(sheet, "C2", excelize.Options{RawCellValue: true}); v != "0.8125" {
		t.Errorf("C2 raw %q", v)
	}
	// 11 Chinese characters are 22 cells wide; a short header column is
	// narrower.
	if w, _ := x.GetColWidth(sheet, "A"); w < 22 || w > 26 {
		t.Errorf("width of A = %v", w)
	}
	if w, _ := x.GetColWidth(sheet, "H"); w > 8 {
		t.Errorf("width of H = %v", w)
	}
}

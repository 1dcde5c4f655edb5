package mapping

import (
	"strings"
	"testing"
)

// FuzzHeaderMapping runs the whole header stage on arbitrary leading rows:
// header detection, title hints, kind detection and the missing-column
// check. No panic; the header row is one of the rows given; each canonical
// column points at a cell of the header (or of the group row above it)
// and no cell means two columns.
func FuzzHeaderMapping(f *testing.F) {
	f.Add("XX县2025年上半年征兵体检结果汇总表\x1e填报单位：XX\x1e序号\x1f身份证号\x1f体检结果\x1f体检结果\x1e\x1f\x1f结论\x1f原因\x1e1\x1f990101200501011238\x1f合格")
	f.Add("身份证号\x1f姓名\x1f区划代码\x1f登记日期\x1f身份证号码")
	f.Add("ID\x1fregion\x1fregistered_on\x1fexam date\x1fresult")
	f.Add("年度\x1f批次\x1f区划代码\x1f征集任务数\x1e2025\x1f上半年\x1f410102\x1f120")
	f.Add("＊身份证号：\x1f 区 划 代 码 \x1f登记\n日期")
	f.Add(strings.Repeat("身份证号\x1f", 50))
	v, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\x1e") {
			rows = append(rows, strings.Split(line, "\x1f"))
		}
		h, err := v.DetectHeader(rows)
		if err != nil {
			if h.Columns != nil {
				t.Fatalf("error %v with a header %+v", err, h)
			}
			return
		}
		if h.Row < 0 || h.Row >= len(rows) || h.Row > headerScan {
			t.Fatalf("header row %d of %d rows", h.Row, len(rows))
		}
		width := len(rows[h.Row])
		if h.Row > 0 && len(rows[h.Row-1]) > width {
			width = len(rows[h.Row-1])
		}
		cells := map[int]string{}
		for col, i := range h.Columns {
			if i < 0 || i >= width {
				t.Fatalf("%s at cell %d of a %d-cell header", col, i, width)
			}
			if prev, ok := cells[i]; ok {
				t.Fatalf("cell %d means both %s and %s", i, prev, col)
			}
			cells[i] = col
			if strings.TrimSpace(h.Names[col]) == "" {
				t.Fatalf("%s has no header text for messages", col)
			}
		}
		hints := ReadTitle(h.Title)
		if hints.Year != 0 && (hints.Year < 2000 || hints.Year > 2099) {
			t.Fatalf("title %q gives year %d", h.Title, hints.Year)
		}
		kind, err := DetectKind(h.Columns, hints)
		if err != nil {
			return
		}
		spec, ok := Spec(kind)
		if !ok {
			t.Fatalf("DetectKind gave unknown kind %q", kind)
		}
		supplied := map[string]bool{"year": true, "season": true, "exam_type": true}
		for _, m := range spec.Missing(h.Columns, supplied) {
			if _, ok := h.Columns[m]; ok {
				t.Fatalf("%s reported missing but mapped", m)
			}
		}
	})
}

// FuzzValues checks the value vocabulary: folding is idempotent (so a
// spelling matches however often it is cleaned), and every code a field
// gives is one of that field's codes in values.csv.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"本科", " 大 专 ", "ＢＡＣＨＥＬＯＲ", "合格\n", "是", "上半年", "体检", "*", "\ufeff否"} {
		f.Add(s)
	}
	v, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	codes := map[string]map[string]bool{}
	for field, m := range v.values {
		codes[field] = map[string]bool{}
		for _, c := range m {
			codes[field][c] = true
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold(%q) = %q but Fold of that = %q", s, once, twice)
		}
		for field := range codes {
			c, ok := v.Value(field, s)
			if ok && !codes[field][c] {
				t.Fatalf("Value(%s, %q) = %q, not a code of %s", field, s, c, field)
			}
			if ok2 := v.HasVocabulary(field); !ok2 {
				t.Fatalf("field %s has values but no vocabulary", field)
			}
		}
		if c, ok := v.Column(s); ok {
			if c2, ok2 := v.Column(once); !ok2 || c2 != c {
				t.Fatalf("Column(%q) = %s but the folded spelling gives %q", s, c, c2)
			}
		}
	})
}

package read

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// book is an excelize workbook under construction; its methods fail the
// test on error so that fixtures read as a list of cells.
type book struct {
	t testing.TB
	f *excelize.File
}

func newBook(t testing.TB, first string) *book {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", first); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &book{t, f}
}

func (b *book) must(err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
}

func (b *book) set(sheet, cell string, v any) { b.t.Helper(); b.must(b.f.SetCellValue(sheet, cell, v)) }
func (b *book) str(sheet, cell, v string)     { b.t.Helper(); b.must(b.f.SetCellStr(sheet, cell, v)) }
func (b *book) merge(sheet, from, to string)  { b.t.Helper(); b.must(b.f.MergeCell(sheet, from, to)) }

// styled sets v with a number format: a built-in id, or a custom code.
func (b *book) styled(sheet, cell string, v any, format any) {
	b.t.Helper()
	b.set(sheet, cell, v)
	st := &excelize.Style{}
	switch f := format.(type) {
	case int:
		st.NumFmt = f
	case string:
		st.CustomNumFmt = &f
	}
	id, err := b.f.NewStyle(st)
	b.must(err)
	b.must(b.f.SetCellStyle(sheet, cell, cell, id))
}

func (b *book) sheet(name string) { b.t.Helper(); _, err := b.f.NewSheet(name); b.must(err) }

func (b *book) save(name string) string {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), name)
	b.must(b.f.SaveAs(path))
	return path
}

// The shape offices send: a merged title, a two-row merged header, data,
// a 合计 row with a merged label, a blank row and a footer.
func TestXLSXReportLayout(t *testing.T) {
	const s = "体检结果"
	res := readAll(t, reportBook(t).save("report.xlsx"), Options{})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	if res.sheet != s || res.encoding != EncodingXLSX {
		t.Errorf("sheet %q encoding %q", res.sheet, res.encoding)
	}
	title := "XX县2025年上半年征兵体检结果汇总表"
	checkRows(t, res.rows, []Row{
		row(1, title, title, title, title, title, title),
		row(2, "序号", "姓名", "身份证号", "体检", "体检", "备注"),
		row(3, "序号", "姓名", "身份证号", "日期", "结果", "备注"),
		row(4, "1", "张三", "110101200501011234", "2025-03-05", "合格"),
		row(5, "2", "李四", "11010120050202123X", "2025-03-06", "不合格", "视力"),
		row(6, "合计", "合计", "合计", "", "合格1人"),
		row(8, "填表人：王五", "", "", "审核人：赵六"),
	})
}

func reportBook(t testing.TB) *book {
	const s = "体检结果"
	b := newBook(t, s)
	b.str(s, "A1", "XX县2025年上半年征兵体检结果汇总表")
	b.merge(s, "A1", "F1")
	for _, h := range []struct{ cell, text, to string }{
		{"A2", "序号", "A3"}, {"B2", "姓名", "B3"}, {"C2", "身份证号", "C3"},
		{"D2", "体检", "E2"}, {"F2", "备注", "F3"},
	} {
		b.str(s, h.cell, h.text)
		b.merge(s, h.cell, h.to)
	}
	b.str(s, "D3", "日期")
	b.str(s, "E3", "结果")
	b.set(s, "A4", 1)
	b.str(s, "B4", "张三")
	b.str(s, "C4", "110101200501011234")
	b.styled(s, "D4", 45721, 14) // 2025-03-05 as Excel stores it
	b.str(s, "E4", "合格")
	b.set(s, "A5", 2)
	b.str(s, "B5", "李四")
	b.str(s, "C5", "11010120050202123X")
	b.styled(s, "D5", 45722, `yyyy"年"m"月"d"日"`)
	b.str(s, "E5", "不合格")
	b.str(s, "F5", "视力")
	b.str(s, "A6", "合计")
	b.merge(s, "A6", "C6")
	b.str(s, "E6", "合格1人")
	b.str(s, "A8", "填表人：王五")
	b.str(s, "D8", "审核人：赵六")
	return b
}

// Values come back as stored, except that date and time formats give
// ISO text: numbers stay plain whatever their display format, and long
// digit strings, stored as text or even as a number, keep every digit.
func TestXLSXValues(t *testing.T) {
	const s = "Sheet1"
	b := newBook(t, s)
	cells := []struct {
		cell   string
		value  any
		format any // nil: none
		want   string
	}{
		{"A1", 12, nil, "12"},
		{"B1", 3.14, nil, "3.14"},
		{"C1", 0.35, 9, "0.35"},                                 // 0%: shown 35%
		{"D1", 1234.5, 4, "1234.5"},                             // #,##0.00: shown 1,234.50
		{"E1", "110101200501011234", nil, "110101200501011234"}, // text
		{"F1", int64(110101200501011234), nil, "110101200501011234"},
		{"G1", "0012", nil, "0012"},
		{"H1", 45721.5, 22, "2025-03-05 12:00:00"},
		{"I1", 45721.0, 22, "2025-03-05"}, // a date-time format at midnight
		{"J1", 0.75, "h:mm", "18:00:00"},
		{"K1", 45721, "yyyy/m/d", "2025-03-05"},
		{"L1", 45721, `[$-804]yyyy"年"m"月"d"日";@`, "2025-03-05"},
		{"M1", "2025/3/5", 14, "2025/3/5"}, // text in a date-formatted cell
		{"N1", true, nil, "TRUE"},
		{"O1", 45721, 17, "2025-03-05"}, // mmm-yy
		{"P1", 12345, "0.00E+00", "12345"},
		{"Q1", 45721, 31, "2025-03-05"}, // zh-CN built-in yyyy"年"m"月"d"日"
		{"R1", time.Date(2025, 3, 5, 8, 30, 0, 0, time.UTC), nil, "2025-03-05 08:30:00"},
		{"S1", 45721, "[Red]#,##0", "45721"},
		{"T1", -1, 14, "-1"}, // no date before 1900
	}
	var want []string
	for _, c := range cells {
		if c.format == nil {
			b.set(s, c.cell, c.value)
		} else {
			b.styled(s, c.cell, c.value, c.format)
		}
		want = append(want, c.want)
	}
	res := readAll(t, b.save("values.xlsx"), Options{})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	if len(res.rows) != 1 {
		t.Fatalf("%d rows, want 1", len(res.rows))
	}
	got := res.rows[0].Cells
	for i, c := range cells {
		if i >= len(got) || got[i] != c.want {
			g := "<missing>"
			if i < len(got) {
				g = got[i]
			}
			t.Errorf("%s (%v, format %v) = %q, want %q", c.cell, c.value, c.format, g, c.want)
		}
	}
}

func TestXLSXSheets(t *testing.T) {
	b := newBook(t, "说明")
	b.sheet("代码表")
	b.str("代码表", "A1", "代码")
	b.must(b.f.SetSheetVisible("代码表", false))
	b.sheet("数据")
	b.str("数据", "A1", "姓名")
	b.str("数据", "A2", "张三")
	b.sheet("Summary")
	b.str("Summary", "B3", "合计")
	path := b.save("sheets.xlsx")

	tests := []struct {
		sheet     string
		wantSheet string
		want      []Row
		err       error
		fragments []string
	}{
		{"", "数据", []Row{row(1, "姓名"), row(2, "张三")}, nil, nil},
		{"Summary", "Summary", []Row{row(3, "", "合计")}, nil, nil},
		{" summary ", "Summary", []Row{row(3, "", "合计")}, nil, nil},
		{"代码表", "代码表", []Row{row(1, "代码")}, nil, nil},
		{"说明", "", nil, ErrEmpty, []string{`sheet "说明"`, "no data"}},
		{"不存在", "", nil, ErrNoSheet, []string{"sheets.xlsx", `"不存在"`, `"说明", "代码表", "数据", "Summary"`}},
	}
	for _, tc := range tests {
		t.Run(tc.sheet, func(t *testing.T) {
			res := readAll(t, path, Options{Sheet: tc.sheet})
			if tc.err != nil {
				checkErr(t, res.openErr, tc.err, tc.fragments...)
				return
			}
			if res.openErr != nil || res.err != nil {
				t.Fatalf("%v %v", res.openErr, res.err)
			}
			if res.sheet != tc.wantSheet {
				t.Errorf("sheet %q, want %q", res.sheet, tc.wantSheet)
			}
			checkRows(t, res.rows, tc.want)
		})
	}

	empty := newBook(t, "Sheet1")
	empty.sheet("Sheet2")
	res := readAll(t, empty.save("empty.xlsx"), Options{})
	checkErr(t, res.openErr, ErrEmpty, "empty.xlsx", "no sheet")
}

// What excelize will not write: oversized cells, boolean and ISO-date
// cells, the 1904 date system, rows and cells without r attributes, and
// namespace prefixes.
func TestXLSXRaw(t *testing.T) {
	inline := func(ref, text string) string {
		return `<c r="` + ref + `" t="inlineStr"><is><t>` + text + `</t></is></c>`
	}
	tests := []struct {
		name      string
		x         rawXLSX
		want      []Row
		err       error
		fragments []string
	}{
		{
			name: "booleans and ISO date cells",
			x: rawXLSX{xfs: []int{14}, order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` +
				`<c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c>` +
				`<c r="C1" t="d"><v>2025-03-05T00:00:00Z</v></c><c r="D1" t="d" s="1"><v>2025-03-05T08:30:00</v></c></row>`}},
			want: []Row{row(1, "TRUE", "FALSE", "2025-03-05", "2025-03-05")},
		},
		{
			name: "1904 date system",
			x: rawXLSX{date1904: true, xfs: []int{14}, order: []string{"S"},
				sheets: map[string]string{"S": `<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>44259</v></c></row>`}},
			want: []Row{row(1, "1904-01-01", "2025-03-05")},
		},
		{
			name: "custom format defined in the workbook",
			x: rawXLSX{numFmts: `<numFmt numFmtId="176" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="177" formatCode="0.0_ "/>`,
				xfs: []int{176, 177}, order: []string{"S"},
				sheets: map[string]string{"S": `<row r="1"><c r="A1" s="1"><v>45721</v></c><c r="B1" s="2"><v>45721</v></c></row>`}},
			want: []Row{row(1, "2025-03-05", "45721")},
		},
		{
			name: "rows and cells without r attributes",
			x: rawXLSX{xfs: []int{14}, order: []string{"S"}, sheets: map[string]string{"S": `<row><c t="inlineStr"><is><t>a</t></is></c>` +
				`<c s="1"><v>45721</v></c></row><row r="3"><c><v>1</v></c><c r="C3" s="1"><v>45722</v></c></row>`}},
			want: []Row{row(1, "a", "2025-03-05"), row(3, "1", "", "2025-03-06")},
		},
		{
			name: "a two-row title merged over a row the XML leaves out",
			x: rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` + inline("A1", "标题") + `</row>` +
				`<row r="3">` + inline("A3", "姓名") + inline("B3", "结果") + `</row>`},
				tail: map[string]string{"S": `<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>`}},
			want: []Row{row(1, "标题", "标题"), row(2, "标题", "标题"), row(3, "姓名", "结果")},
		},
		{
			name: "a title merged across the whole row stops at the row bound",
			x: rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` + inline("A1", "T") + `</row>` +
				`<row r="2">` + inline("A2", "x") + `</row>`},
				tail: map[string]string{"S": `<mergeCells count="1"><mergeCell ref="A1:XFD1"/></mergeCells>`}},
			want: []Row{row(1, strings.Split(strings.Repeat("T", MaxRowCells), "")...), row(2, "x")},
		},
		{
			name: "a comment and CDATA holding tags do not confuse the scans",
			x: rawXLSX{xfs: []int{14}, order: []string{"S"}, sheets: map[string]string{"S": `<!-- <row r="9"><c r="A9" s="1"/> -->` +
				`<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<c r="B1" s="1">]]></t></is></c><c r="B1"><v>45721</v></c></row>`}},
			want: []Row{row(1, `<c r="B1" s="1">`, "45721")},
		},
		{
			name: "prefixed element names",
			x: rawXLSX{xfs: []int{14}, order: []string{"S"}, sheets: map[string]string{"S": `<row r="1"><c r="A1" s="1"><v>45721</v></c></row>`},
				tail: map[string]string{"S": `<x:mergeCells xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:mergeCell ref="A1:B1"/></x:mergeCells>`}},
			want: []Row{row(1, "2025-03-05", "2025-03-05")},
		},
		{
			name: "a merged range too large to fill",
			x: rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` + inline("A1", "T") + `</row>` +
				`<row r="1048576">` + inline("A1048576", "x") + `</row>`},
				tail: map[string]string{"S": `<mergeCells count="1"><mergeCell ref="A1:ALL1048576"/></mergeCells>`}},
			err:       ErrTooLarge,
			fragments: []string{"merged ranges fill more than"},
		},
		{
			name: "oversized cell",
			x: rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` + inline("A1", "ok") + `</row>` +
				`<row r="2">` + inline("A2", "ok") + inline("B2", strings.Repeat("x", MaxCellBytes+1)) + `</row>`}},
			err:       ErrTooLarge,
			fragments: []string{"line 2", "cell B2", `sheet "S"`},
		},
		{
			name: "row over 1000 cells",
			x: rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": `<row r="1">` + inline("A1", "a") +
				inline("ALN1", "b") + `</row>`}}, // ALN is column 1002
			err:       ErrTooLarge,
			fragments: []string{"line 1", "1002 cells"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, writeFile(t, "raw.xlsx", tc.x.bytes(t)), Options{})
			if tc.err != nil {
				err := res.openErr
				if err == nil {
					err = res.err
				}
				checkErr(t, err, tc.err, tc.fragments...)
				return
			}
			if res.openErr != nil || res.err != nil {
				t.Fatalf("%v %v", res.openErr, res.err)
			}
			checkRows(t, res.rows, tc.want)
		})
	}
}

func TestXLSXRefused(t *testing.T) {
	zipOf := func(files map[string]string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range files {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		return buf.Bytes()
	}
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	tests := []struct {
		name, file string
		data       []byte
		want       error
		fragments  []string
	}{
		{"zip of a CSV", "a.xlsx", zipOf(map[string]string{"a.csv": "a,b\n"}), ErrUnsupported, []string{"not an Excel workbook"}},
		{"OpenDocument", "a.ods", zipOf(map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
			ErrUnsupported, []string{".ods"}},
		{"truncated zip", "a.xlsx", []byte("PK\x03\x04 this is not really a zip"), ErrMalformed, []string{"a.xlsx"}},
		{"encrypted workbook", "a.xlsx", ole, ErrUnsupported, []string{"password"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, writeFile(t, tc.file, tc.data), Options{})
			checkErr(t, res.openErr, tc.want, tc.fragments...)
		})
	}
}

// A zip bomb is refused from its declared sizes before anything is
// unpacked; the bound is lowered here so that the fixture stays small.
func TestXLSXZipBomb(t *testing.T) {
	small := unpackLimits{unzipped: 256 << 10, partInMemory: defaultUnpackLimits().partInMemory}
	var sheet strings.Builder
	for i := 1; sheet.Len() < 512<<10; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d"><v>0</v></c></row>`, i, i)
	}
	x := rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": sheet.String()}}
	data := x.bytes(t)
	if len(data) > 64<<10 {
		t.Fatalf("fixture is %d bytes; it should compress well", len(data))
	}
	res := readAll(t, writeFile(t, "bomb.xlsx", data), Options{unpack: &small})
	checkErr(t, res.openErr, ErrTooLarge, "bomb.xlsx", "unpacks to")

	// The unpacking itself is bounded too, behind the declared sizes (a
	// part declared in another encoding grows as it is decoded), and maps
	// to the same sentinel.
	wb, err := openWorkbook(writeFile(t, "bomb2.xlsx", data), defaultUnpackLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	wb.limits = small
	_, err = wb.unpackPart(wb.sheets[0].part)
	checkErr(t, err, ErrTooLarge)
}

func TestXLSXContext(t *testing.T) {
	b := newBook(t, "S")
	sw, err := b.f.NewStreamWriter("S")
	b.must(err)
	for i := 1; i <= 3*ctxCheckEvery; i++ {
		b.must(sw.SetRow(fmt.Sprintf("A%d", i), []any{i, "x"}))
	}
	b.must(sw.Flush())
	path := b.save("ctx.xlsx")

	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	n := 0
	for {
		if _, err = r.Next(); err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, context.Canceled) || n > ctxCheckEvery {
		t.Errorf("after cancel: %d rows then %v; want context.Canceled within %d rows", n, err, ctxCheckEvery)
	}
}

func TestFormatKind(t *testing.T) {
	tests := []struct {
		code string
		want cellKind
	}{
		{"General", kindPlain},
		{"0.00", kindPlain},
		{"#,##0.00_);[Red](#,##0.00)", kindPlain},
		{"0.00E+00", kindPlain},
		{"0%", kindPlain},
		{"@", kindPlain},
		{`0"天"`, kindPlain},
		{`"d"0`, kindPlain},
		{`\d0`, kindPlain},
		{"yyyy-mm-dd", kindDate},
		{"YYYY/MM/DD", kindDate},
		{`yyyy"年"m"月"d"日"`, kindDate},
		{`[$-804]yyyy"年"m"月"d"日";@`, kindDate},
		{`[DBNum1][$-804]yyyy"年"m"月"`, kindDate},
		{"[$-F800]dddd, mmmm dd, yyyy", kindDate},
		{"mmm", kindDate},
		{"m/d/yy h:mm", kindDateTime},
		{"yyyy-mm-dd hh:mm:ss", kindDateTime},
		{"h:mm AM/PM", kindTime},
		{"mm:ss", kindTime},
		{"[h]:mm:ss", kindTime},
		{"[Red][h]", kindTime},
	}
	for _, tc := range tests {
		if got := formatKind(tc.code); got != tc.want {
			t.Errorf("formatKind(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
}

func TestFormatSerial(t *testing.T) {
	tests := []struct {
		raw      string
		kind     cellKind
		date1904 bool
		want     string
	}{
		{"1", kindDate, false, "1900-01-01"},
		{"59", kindDate, false, "1900-02-28"},
		{"60", kindDate, false, "1900-02-29"}, // Excel's phantom leap day
		{"61", kindDate, false, "1900-03-01"},
		{"45721", kindDate, false, "2025-03-05"},
		{"45721.75", kindDate, false, "2025-03-05"},
		{"45721.99999999", kindDate, false, "2025-03-06"},
		{"45721.5", kindDateTime, false, "2025-03-05 12:00:00"},
		{"45721", kindDateTime, false, "2025-03-05"},
		{"0.75", kindTime, false, "18:00:00"},
		{"0", kindDate, false, "0"},
		{"0", kindDate, true, "1904-01-01"},
		{"2958465", kindDate, false, "9999-12-31"},
		{"2958466", kindDate, false, "2958466"},
		{"-3", kindDate, false, "-3"},
		{"abc", kindDate, false, "abc"},
		{"NaN", kindDate, false, "NaN"},
	}
	for _, tc := range tests {
		if got := formatSerial(tc.raw, tc.kind, tc.date1904); got != tc.want {
			t.Errorf("formatSerial(%q, %d, %v) = %q, want %q", tc.raw, tc.kind, tc.date1904, got, tc.want)
		}
	}
}

package read

import (
	"context"
	"io"
	"os"

	"strings"
	"testing"
)

// readSheet reads every row of r and closes it.
func readSheet(t *testing.T, r Reader) []Row {
	t.Helper()
	defer r.Close()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

// The text of shared and inline strings is decoded as Excel and excelize
// read it: entities and character references, CDATA, line ends as \n, the
// _xHHHH_ escapes Office writes, rich-text runs joined, phonetic runs left
// out; a number's <v> is taken as written.
func TestXLSXText(t *testing.T) {
	sst := `<si><t>A&amp;B &lt;C&gt; &#x4E2D;&#22269;</t></si>` +
		`<si><t xml:space="preserve">第一行_x000D_` + "\r\n" + `第二行</t></si>` +
		`<si><r><rPr><b/></rPr><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>ちょう</t></rPh></si>` +
		`<si><t>a_x005F_x0041_b _x0041_</t></si>` +
		`<si/>`
	x := rawXLSX{order: []string{"S"},
		sheets: map[string]string{"S": `<row r="1">` +
			`<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v> 1 </v></c><c r="C1" t="s"><v>2</v></c>` +
			`<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c>` +
			`<c r="F1" t="inlineStr"><is><t><![CDATA[x<y]]>&amp;z</t></is></c>` +
			`<c r="G1" t="str"><f>A1&amp;"!"</f><v>A&amp;B!</v></c><c r="H1" t="e"><v>#N/A</v></c></row>`},
		extra: map[string]string{"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?>` +
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst + `</sst>`},
	}
	res := readAll(t, writeFile(t, "text.xlsx", x.bytes(t)), Options{})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	checkRows(t, res.rows, []Row{row(1, "A&B <C> 中国", "第一行\r\n第二行", "张三", "a_x0041_b A", "",
		"x<y&z", "A&B!", "#N/A")})
}

// A shared string the table does not hold refuses the file, naming the
// cell.
func TestXLSXSharedStringMissing(t *testing.T) {
	x := rawXLSX{order: []string{"S"},
		sheets: map[string]string{"S": `<row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row>` +
			`<row r="2"><c r="C2" t="s"><v>7</v></c></row>`},
		extra: map[string]string{"xl/sharedStrings.xml": `<sst><si><t>a</t></si></sst>`},
	}
	res := readAll(t, writeFile(t, "sst.xlsx", x.bytes(t)), Options{})
	checkErr(t, res.err, ErrMalformed, "line 2", "cell C2", "shared string 7", "has 1")
}

// A sheet larger than its workbook's partInMemory is unpacked once to a temporary
// file; its merged ranges, after the data, are found from its tail.
func TestXLSXLargeSheet(t *testing.T) {
	small := unpackLimits{unzipped: defaultUnpackLimits().unzipped, partInMemory: 4 << 10}
	var cells strings.Builder
	cells.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>`)
	const rows = 2000
	for i := 2; i <= rows; i++ {
		cells.WriteString(`<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `" s="1"><v>45721</v></c><c r="B` + itoa(i) + `"><v>` + itoa(i) + `</v></c></row>`)
	}
	x := rawXLSX{xfs: []int{14}, order: []string{"S"}, sheets: map[string]string{"S": cells.String()},
		tail: map[string]string{"S": `<x:mergeCells xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<x:mergeCell ref="A1:C1"/></x:mergeCells><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>`}}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	res := readAll(t, writeFile(t, "large.xlsx", x.bytes(t)), Options{unpack: &small})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	if len(res.rows) != rows {
		t.Fatalf("%d rows, want %d", len(res.rows), rows)
	}
	checkRows(t, res.rows[:2], []Row{row(1, "标题", "标题", "标题"), row(2, "2025-03-05", "2")})
	checkRows(t, res.rows[rows-1:], []Row{row(rows, "2025-03-05", itoa(rows))})
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A sheet whose XML declares GBK (an old Chinese tool) is decoded.
func TestXLSXDeclaredEncoding(t *testing.T) {
	x := rawXLSX{order: []string{"S"}, sheets: map[string]string{"S": ""}}
	sheet := `<?xml version="1.0" encoding="GBK"?><worksheet><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row></sheetData></worksheet>`
	x.extra = map[string]string{"xl/worksheets/sheet1.xml": string(gb(t, sheet))}
	res := readAll(t, writeFile(t, "gbk.xlsx", x.bytes(t)), Options{})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	checkRows(t, res.rows, []Row{row(1, "姓名")})
}

// A workbook's sheets are read from the one opened package, in any order
// and side by side, each until the book is closed.
func TestBookSheetsShareWorkbook(t *testing.T) {
	b := newBook(t, "一")
	b.str("一", "A1", "姓名")
	b.str("一", "A2", "张三")
	b.sheet("二")
	b.str("二", "A1", "姓名")
	b.str("二", "A2", "李四")
	b.styled("二", "B2", 45721, 14)
	path := b.save("two.xlsx")

	ctx := context.Background()
	book, err := OpenBook(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	second, err := book.Open(ctx, Options{Sheet: "二"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := book.Open(ctx, Options{Sheet: "一"})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readSheet(t, first), []Row{row(1, "姓名"), row(2, "张三")})
	checkRows(t, readSheet(t, second), []Row{row(1, "姓名"), row(2, "李四", "2025-03-05")})
	if book.wb == nil || book.wb.zip == nil {
		t.Fatal("the book holds no opened workbook")
	}
	again, err := book.Open(ctx, Options{Sheet: "二"})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readSheet(t, again), []Row{row(1, "姓名"), row(2, "李四", "2025-03-05")})
}

func TestDataEnd(t *testing.T) {
	tests := []struct {
		xml  string
		want int64
	}{
		{`<worksheet><sheetData><row/></sheetData><mergeCells/></worksheet>`, 28},
		{`<x:worksheet><x:sheetData></x:sheetData ><x:mergeCells/></x:worksheet>`, 26},
		{`<worksheet><sheetData/></worksheet>`, -1},
		{`<worksheet><sheetDataX></sheetDataX></worksheet>`, -1},
	}
	for _, tc := range tests {
		got, err := dataEnd(strings.NewReader(tc.xml), int64(len(tc.xml)))
		if err != nil || got != tc.want {
			t.Errorf("dataEnd(%q) = %d, %v; want %d", tc.xml, got, err, tc.want)
		}
	}
	// A tag cut by the window boundary is still found.
	long := `<worksheet><sheetData>` + strings.Repeat(" ", 64<<10-20) + `</x:sheetData><mergeCells/>` + strings.Repeat(" ", 64<<10)
	want := int64(strings.Index(long, "</x:sheetData>"))
	if got, _ := dataEnd(strings.NewReader(long), int64(len(long))); got != want {
		t.Errorf("across the window: %d, want %d", got, want)
	}
}

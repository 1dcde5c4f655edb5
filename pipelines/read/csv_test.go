package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCSV(t *testing.T) {
	const id = "110101200501011234"
	tests := []struct {
		name     string
		data     []byte
		opt      Options
		encoding string
		want     []Row
	}{
		{
			name:     "utf-8",
			data:     []byte("姓名,身份证号,性别\n张三," + id + ",男\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "姓名", "身份证号", "性别"), row(2, "张三", id, "男")},
		},
		{
			name:     "utf-8 with BOM, the BOM stripped",
			data:     []byte("\xEF\xBB\xBF姓名,性别\n张三,男\n"),
			encoding: EncodingUTF8BOM,
			want:     []Row{row(1, "姓名", "性别"), row(2, "张三", "男")},
		},
		{
			name:     "gb18030 from Windows Excel, CRLF",
			data:     gb(t, "姓名,性别,学历\r\n张三,男,本科\r\n李四,男,大专\r\n"),
			encoding: EncodingGB18030,
			want:     []Row{row(1, "姓名", "性别", "学历"), row(2, "张三", "男", "本科"), row(3, "李四", "男", "大专")},
		},
		{
			name:     "gb18030 forced as gbk",
			data:     gb(t, "姓名\n张三\n"),
			opt:      Options{Encoding: "GBK"},
			encoding: EncodingGB18030,
			want:     []Row{row(1, "姓名"), row(2, "张三")},
		},
		{
			name:     "gb18030 forced on ASCII text",
			data:     []byte("id,name\n1,x\n"),
			opt:      Options{Encoding: "gb18030"},
			encoding: EncodingGB18030,
			want:     []Row{row(1, "id", "name"), row(2, "1", "x")},
		},
		{
			name:     "utf-8 forced on a BOM file",
			data:     []byte("\xEF\xBB\xBFa,b\n"),
			opt:      Options{Encoding: "utf8"},
			encoding: EncodingUTF8BOM,
			want:     []Row{row(1, "a", "b")},
		},
		{
			name:     "gb18030 characters outside GBK (four-byte sequences)",
			data:     gb(t, "姓名\n㐀𠀀\n"),
			encoding: EncodingGB18030,
			want:     []Row{row(1, "姓名"), row(2, "㐀𠀀")},
		},
		{
			name:     "tab delimiter, commas inside values",
			data:     []byte("姓名\t地址\t数量\n张三\t郑州,中原区\t1,234\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "姓名", "地址", "数量"), row(2, "张三", "郑州,中原区", "1,234")},
		},
		{
			name:     "semicolon delimiter",
			data:     []byte("a;b;c\n1;2;3\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b", "c"), row(2, "1", "2", "3")},
		},
		{
			name:     "pipe delimiter",
			data:     []byte("a|b\n1|2\n3|4\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b"), row(2, "1", "2"), row(3, "3", "4")},
		},
		{
			name:     "quoted newline: the row keeps its first line, the next row its own",
			data:     []byte("id,备注\n1,\"第一行\n第二行\"\n2,x\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "id", "备注"), row(2, "1", "第一行\n第二行"), row(4, "2", "x")},
		},
		{
			name:     "quoted CRLF becomes LF, quotes and delimiters inside quotes",
			data:     []byte("a,\"x\r\ny\",\"he said \"\"ok\"\", then left\"\r\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "x\ny", `he said "ok", then left`)},
		},
		{
			name:     "CRLF",
			data:     []byte("a,b\r\n1,2\r\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b"), row(2, "1", "2")},
		},
		{
			name:     "lone CR line ends",
			data:     []byte("a,b\r1,2\r3,4"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b"), row(2, "1", "2"), row(3, "3", "4")},
		},
		{
			name:     "lone CR with GB18030",
			data:     gb(t, "姓名,性别\r张三,男\r"),
			encoding: EncodingGB18030,
			want:     []Row{row(1, "姓名", "性别"), row(2, "张三", "男")},
		},
		{
			name: "title, padded blank rows, header, 合计, footer",
			data: []byte("XX县2025年上半年征兵体检结果汇总表,,,\n,,,\n姓名,身份证号,结果,\n张三," + id +
				",合格,\n合计,,1,\n\n填表人：王五,,审核人：赵六,\n"),
			encoding: EncodingUTF8,
			want: []Row{
				row(1, "XX县2025年上半年征兵体检结果汇总表"),
				row(3, "姓名", "身份证号", "结果"),
				row(4, "张三", id, "合格"),
				row(5, "合计", "", "1"),
				row(7, "填表人：王五", "", "审核人：赵六"),
			},
		},
		{
			name:     "stray quotes kept as text",
			data:     []byte("身高,备注\n175\",a\"b\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "身高", "备注"), row(2, `175"`, `a"b`)},
		},
		{
			name:     "spaces are raw text",
			data:     []byte(" a , b \n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, " a ", " b ")},
		},
		{
			name:     "no final line break",
			data:     []byte("a,b\n1,2"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b"), row(2, "1", "2")},
		},
		{
			name:     "a .xls name on tab-separated text reads as text",
			data:     []byte("a\tb\n1\t2\n"),
			encoding: EncodingUTF8,
			want:     []Row{row(1, "a", "b"), row(2, "1", "2")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "extract.csv"
			if strings.Contains(tc.name, ".xls") {
				name = "extract.xls"
			}
			res := readAll(t, writeFile(t, name, tc.data), tc.opt)
			if res.openErr != nil || res.err != nil {
				t.Fatalf("open: %v; next: %v", res.openErr, res.err)
			}
			if res.encoding != tc.encoding {
				t.Errorf("encoding %q, want %q", res.encoding, tc.encoding)
			}
			if res.sheet != "" {
				t.Errorf("sheet %q for CSV", res.sheet)
			}
			checkRows(t, res.rows, tc.want)
		})
	}
}

func TestCSVRefused(t *testing.T) {
	big := bytes.Repeat([]byte("x"), MaxCellBytes+1)
	tests := []struct {
		name      string
		data      []byte
		opt       Options
		want      error
		fragments []string
	}{
		{"empty file", nil, Options{}, ErrEmpty, []string{"extract.csv", "empty"}},
		{"only a BOM", utf8BOM, Options{}, ErrEmpty, nil},
		{"only blank lines", []byte("\r\n\n,,,\n"), Options{}, ErrEmpty, []string{"no non-blank row"}},
		{"binary garbage", []byte("GIF89a\x00\x01\x02\x03"), Options{}, ErrUnsupported, []string{"not a text file"}},
		{"legacy .xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), Options{},
			ErrUnsupported, []string{"Excel 97-2003", "save it as .xlsx"}},
		{"UTF-16 (Excel Unicode Text)", []byte("\xFF\xFEa\x00,\x00b\x00"), Options{}, ErrUnsupported, []string{"UTF-16"}},
		{"HTML saved as .xls", []byte("<html><body><table><tr><td>姓名</td></tr></table></body></html>"), Options{},
			ErrUnsupported, []string{"HTML"}},
		{"unknown encoding name", []byte("a\n"), Options{Encoding: "big5"}, ErrUnsupported, []string{`"big5"`}},
		{"neither UTF-8 nor GB18030", []byte("a,b\n1,\xFF\xFF\n"), Options{}, ErrEncoding,
			[]string{"line 2", "neither UTF-8 nor GB18030"}},
		{"utf-8 forced on GB18030 text", gb(t, "id,姓名\n1,张三\n"), Options{Encoding: "utf-8"}, ErrEncoding,
			[]string{"line 1", "--encoding utf-8 was given", "--encoding gb18030"}},
		{"gb18030 forced on UTF-8 text", []byte("id,姓名\n1,张三\n"), Options{Encoding: "gb18030"}, ErrEncoding,
			[]string{"UTF-8 text", "drop --encoding"}},
		{"gb18030 forced on a BOM file", []byte("\xEF\xBB\xBFid\n1\n"), Options{Encoding: "gbk"}, ErrEncoding,
			[]string{"byte-order mark"}},
		{"gb18030 forced, bytes that are not GB18030", []byte("a\nb\n\x81\x20\n"), Options{Encoding: "gb18030"}, ErrEncoding,
			[]string{"line 3"}},
		{"BOM but invalid UTF-8", []byte("\xEF\xBB\xBFa\nb\xFF\n"), Options{}, ErrEncoding, []string{"line 2", "byte-order mark"}},
		{"cell over 1 MiB", append(append([]byte("a,b\n1,"), big...), "\n"...), Options{}, ErrTooLarge,
			[]string{"line 2", "field 2"}},
		{"row over 1000 cells", []byte("a\n" + strings.Repeat("x,", MaxRowCells) + "x\n"), Options{}, ErrTooLarge,
			[]string{"line 2", "1001 cells"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, writeFile(t, "extract.csv", tc.data), tc.opt)
			err := res.openErr
			if err == nil {
				err = res.err
			}
			checkErr(t, err, tc.want, tc.fragments...)
		})
	}
}

// A file that is ASCII for its first block and GB18030 later passes
// detection as UTF-8; the first GB18030 row must fail with its line and the
// advice to force the encoding, and forcing it must then read the file.
func TestCSVGB18030AfterFirstBlock(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,name,region\n")
	line := 1
	for b.Len() < sniffBytes+1000 {
		line++
		fmt.Fprintf(&b, "%d,user%d,410102\n", line, line)
	}
	late := line + 1
	b.Write(gb(t, fmt.Sprintf("%d,张三,410102\n", late)))
	path := writeFile(t, "late.csv", b.Bytes())

	res := readAll(t, path, Options{})
	if res.openErr != nil {
		t.Fatal(res.openErr)
	}
	if res.encoding != EncodingUTF8 {
		t.Errorf("encoding %q, want utf-8 from the first block", res.encoding)
	}
	checkErr(t, res.err, ErrEncoding, fmt.Sprintf("line %d", late), "--encoding gb18030", "late.csv")
	var re *Error
	if !errors.As(res.err, &re) || re.Line != late {
		t.Errorf("Error.Line = %v, want %d", re, late)
	}
	if n := len(res.rows); n != late-1 {
		t.Errorf("%d rows before the failure, want %d", n, late-1)
	}

	res = readAll(t, path, Options{Encoding: "gb18030"})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("forced gb18030: %v %v", res.openErr, res.err)
	}
	if last := res.rows[len(res.rows)-1]; last.Line != late || last.Cells[1] != "张三" {
		t.Errorf("last row %+v, want line %d with 张三", last, late)
	}
}

// The detection block must not end inside a character: a UTF-8 file whose
// block edge splits a Chinese character is still UTF-8, and a GB18030 file
// whose edge splits a two-byte character raises no decoding error.
func TestCSVBlockEdge(t *testing.T) {
	for _, enc := range []string{EncodingUTF8, EncodingGB18030} {
		t.Run(enc, func(t *testing.T) {
			var b bytes.Buffer
			n := 0
			for b.Len() < sniffBytes+100 {
				n++
				s := fmt.Sprintf("%d,张三李四王五赵六\n", n)
				if enc == EncodingGB18030 {
					b.Write(gb(t, s))
				} else {
					b.WriteString(s)
				}
			}
			// Shifting the text by 0-3 bytes puts the edge inside a
			// character in at least one of the runs.
			for shift := range 4 {
				data := append([]byte(strings.Repeat("x", shift)), b.Bytes()...)
				res := readAll(t, writeFile(t, "edge.csv", data), Options{})
				if res.openErr != nil || res.err != nil {
					t.Fatalf("shift %d: %v %v", shift, res.openErr, res.err)
				}
				if res.encoding != enc {
					t.Errorf("shift %d: encoding %q, want %q", shift, res.encoding, enc)
				}
				if len(res.rows) != n {
					t.Errorf("shift %d: %d rows, want %d", shift, len(res.rows), n)
				}
			}
		})
	}
}

// Invalid UTF-8 inside a multi-line field is placed on its own line.
func TestCSVInvalidUTF8InMultiLineField(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,note\n")
	for b.Len() < sniffBytes+10 {
		b.WriteString("1,abc\n")
	}
	start := bytes.Count(b.Bytes(), []byte("\n")) + 1
	b.WriteString("2,\"one\ntwo\nth\xFFree\"\n")
	res := readAll(t, writeFile(t, "x.csv", b.Bytes()), Options{})
	checkErr(t, res.err, ErrEncoding, fmt.Sprintf("line %d", start+2))
}

// An unclosed quote would make encoding/csv buffer the rest of the file as
// one field; the record bound stops it.
func TestCSVUnclosedQuote(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,note\n1,ok\n2,\"never closed\n")
	for b.Len() < maxRecordBytes+(1<<20) {
		b.WriteString("3,short line\n")
	}
	res := readAll(t, writeFile(t, "q.csv", b.Bytes()), Options{})
	checkErr(t, res.err, ErrTooLarge, "line 3", "quote")
	if len(res.rows) != 2 {
		t.Errorf("%d rows before the failure, want 2", len(res.rows))
	}
}

func TestCSVContext(t *testing.T) {
	var b bytes.Buffer
	for i := range 3 * ctxCheckEvery {
		fmt.Fprintf(&b, "%d,x\n", i)
	}
	path := writeFile(t, "ctx.csv", b.Bytes())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	r, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	n := 0
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, context.Canceled) || n > ctxCheckEvery {
		t.Errorf("after cancel: %d rows then %v; want context.Canceled within %d rows", n, err, ctxCheckEvery)
	}
	if _, again := r.Next(); again != err {
		t.Errorf("Next after an error gave %v, want the same error", again)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		text string
		want rune
	}{
		{"", ','},
		{"单列\n张三\n", ','},
		{"a,b,c\n1,2,3\n", ','},
		{"a\tb\tc\n1\t2,5\t3\n4\t5\t6,7\n", '\t'},
		{"标题\na;b;c\n1;2;3\n4;5;6\n填表人：王五\n", ';'},
		{"a|b\n1|2\n", '|'},
		{"\"a,b\";c;d\n\"1,2,3\";4;5\n", ';'},
		{"a,b;c\n1,2;3\n", ','}, // a tie on agreement goes to the wider split, then to the comma
	}
	for _, tc := range tests {
		if got := sniffDelimiter([]byte(tc.text)); got != tc.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// The CR translation must hold at every chunk boundary, including a CR at
// the end of one read and its LF at the start of the next.
func TestTextReaderLineEnds(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\rb\r\nc\r", "a\nb\r\nc\n"},
		{"\r\r\n\r", "\n\r\n\n"},
		{"no breaks", "no breaks"},
		{"x\r\n", "x\r\n"},
	}
	for _, tc := range tests {
		for _, one := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tc.in)
			if one {
				src = iotest.OneByteReader(src)
			}
			got, err := io.ReadAll(newTextReader(src))
			if err != nil || string(got) != tc.want {
				t.Errorf("%q (one byte at a time: %v) → %q, %v; want %q", tc.in, one, got, err, tc.want)
			}
		}
	}
}

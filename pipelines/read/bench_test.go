package read

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

var (
	surnames = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄"}
	given    = []string{"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超"}
	schools  = []string{"郑州大学", "河南大学", "河南工业大学", "", "郑州轻工业大学"}
	statuses = []string{"在校生", "应届毕业生", "往届毕业生", "非学生"}
	levels   = []string{"高中", "大专", "本科", "中专"}
	majors   = []string{"工学", "理学", "管理学", "文学", ""}
)

// registrations is a synthetic registration extract of n rows in the
// 13-column shape offices send (about 120 bytes a row, as the 1,000,000-row
// reference file of FACTS.md).
func registrations(n int) []byte {
	var b bytes.Buffer
	b.WriteString("身份证号,姓名,性别,出生日期,行政区划,学历,学业状态,专业类别,学校,民族,登记日期,是否报名,年度\n")
	for i := range n {
		fmt.Fprintf(&b, "41010220%02d%02d%02d%03d%d,%s%s%s,男,20%02d-%02d-%02d,4101%02d,%s,%s,%s,%s,汉族,2025-%02d-%02d,%s,2025\n",
			i%8, 1+i%12, 1+i%28, i%1000, i%10,
			surnames[i%len(surnames)], given[i%len(given)], given[(i/7)%len(given)],
			i%8, 1+i%12, 1+i%28, 2+i%80,
			levels[i%len(levels)], statuses[i%len(statuses)], majors[i%len(majors)], schools[i%len(schools)],
			1+i%6, 1+i%28, []string{"是", "否"}[i%2])
	}
	return b.Bytes()
}

func benchRead(b *testing.B, path string, size int64, wantRows int) {
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != wantRows {
			b.Fatalf("%d rows, want %d", n, wantRows)
		}
	}
}

// BenchmarkCSV streams a generated 100,000-row registration extract.
func BenchmarkCSV(b *testing.B) {
	const rows = 100_000
	data := registrations(rows)
	b.Run("utf-8", func(b *testing.B) {
		benchRead(b, writeFile(b, "reg.csv", data), int64(len(data)), rows+1)
	})
	b.Run("gb18030", func(b *testing.B) {
		enc := gb(b, string(data))
		benchRead(b, writeFile(b, "reg.csv", enc), int64(len(enc)), rows+1)
	})
}

// BenchmarkXLSX streams a 10,000-row workbook written by excelize's stream
// writer (inline strings, two date-formatted cells a row).
func BenchmarkXLSX(b *testing.B) {
	const rows = 10_000
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		row := []any{"410102200501011234", "张三", "男", excelize.Cell{StyleID: date, Value: 45721}, "410102",
			"本科", "应届毕业生", "工学", "郑州大学", "汉族", excelize.Cell{StyleID: date, Value: 45722}, "是", 2025}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "reg.xlsx")
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	benchRead(b, path, 0, rows)
}

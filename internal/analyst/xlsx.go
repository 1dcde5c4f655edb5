package analyst

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"enlist/internal/tabular"
)

// maxSheetRows is Excel's row limit, header included.
const maxSheetRows = 1048576

// WriteXLSX writes f as one worksheet: a bold header row, numbers as
// numbers, dates as dates, and every text as text. Text is never written as
// a formula, so a value from an extract that starts with = + - or @ stays
// the characters it was (no formula injection).
func WriteXLSX(w io.Writer, f *tabular.Frame) error {
	if len(f.Rows)+1 > maxSheetRows {
		return fmt.Errorf("write xlsx: %d rows do not fit a worksheet (at most %d); narrow the query or use --format csv",
			len(f.Rows), maxSheetRows-1)
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "查询结果"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	date, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	stampFmt := "yyyy-mm-dd hh:mm:ss"
	stamp, err := x.NewStyle(&excelize.Style{CustomNumFmt: &stampFmt})
	if err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(f.Columns))
	for i, c := range f.Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for r, row := range f.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = xlsxCell(v, date, stamp)
		}
		ref, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return fmt.Errorf("write xlsx row %d: %w", r+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

// xlsxCell converts one value. Strings go in as excelize.Cell values with
// no formula, which excelize stores as inline text.
func xlsxCell(v any, date, stamp int) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return excelize.Cell{Value: x}
	case bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return x
	case float32:
		return xlsxCell(float64(x), date, stamp)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return excelize.Cell{Value: x.String()}
	case duckdb.Decimal:
		return x.Float64()
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return excelize.Cell{StyleID: date, Value: x}
		}
		return excelize.Cell{StyleID: stamp, Value: x}
	default:
		return excelize.Cell{Value: tabular.Text(v)}
	}
}

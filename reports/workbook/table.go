package workbook

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"enlist/reports/bulletin"
)

// kind says how a column's cells look: text, counts, rates and changes.
type kind int

const (
	kText       kind = iota
	kName            // the region column: 合计 on the total row
	kInt             // a count
	kPct             // a rate, as a percentage
	kChange          // a count's change since last week, signed
	kPctChange       // a rate's change, signed percentage
	kScore           // a score out of 100, one decimal
	kDays            // days, one decimal
	kRank            // a rank: blank on the total row
	kTextCenter      // short text, centred
	kPoints          // a difference of two rates, in percentage points (个百分点), signed
	kTimes           // a ratio of two counts as a multiple (倍)
)

// column is one column of a table: its heads and how it looks. group, when
// set, is the upper head spanning consecutive columns of the same group;
// without one the head spans both header rows.
type column struct {
	group, head string
	kind        kind
	// behind, when set, is a conditional-format formula marking a cell
	// behind target, written for the first data row: {self} stands for the
	// cell, {id} for the cell of the column with that id in the same row.
	behind string
	id     string
}

// record is one table row's values (nil shows as —).
type record struct {
	vals  []any
	total bool
}

// table is a sheet in the form of a Chinese statistics table: a merged
// title, a 统计截止日期 / 单位 line, two header rows, data rows and a 合计 row.
type table struct {
	sheet, title string
	dateLine     string
	unitLine     string
	cols         []column
	records      []record
	notes        []string
	freezeCols   int    // columns kept in view when scrolling right
	lead         string // a paragraph above the header (总览's 通报 lead)
	signature    string // the 填报单位 / 填表人 / 审核人 / 填表日期 line
	// noRepeat prints the header rows once: a table followed by a list of
	// its own (总览's 需关注单位) must not carry the table's header onto
	// the list's pages.
	noRepeat bool
}

const (
	titleRow   = 1
	subRow     = 2
	headRow    = 3
	headRows   = 2
	firstData  = headRow + headRows
	pctFormat  = "0.0%"
	intFormat  = "#,##0"
	chgFormat  = "+#,##0;-#,##0;0"
	pchgFormat = "+0.0%;-0.0%;0.0%"
	oneDecimal = "0.0"
)

// writeTable lays the table out on its sheet.
func (w *writer) writeTable(t table) error {
	f := w.f
	last := len(t.cols)
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }

	if err := w.titleLines(t.sheet, t.title, t.dateLine, t.unitLine, last); err != nil {
		return err
	}
	hr, fd := headRow, firstData
	if t.lead != "" {
		// The lead paragraph sits between the date line and the header.
		if err := w.paragraph(t.sheet, headRow, last, t.lead, w.st.lead); err != nil {
			return err
		}
		hr, fd = headRow+1, firstData+1
	}
	// Two header rows: a group head merged across its columns, a single
	// head merged down both rows.
	for i := 0; i < len(t.cols); i++ {
		c := t.cols[i]
		col := i + 1
		if c.group == "" {
			if err := f.SetCellStr(t.sheet, cell(col, hr), c.head); err != nil {
				return err
			}
			if err := f.MergeCell(t.sheet, cell(col, hr), cell(col, hr+1)); err != nil {
				return err
			}
			continue
		}
		end := i
		for end+1 < len(t.cols) && t.cols[end+1].group == c.group {
			end++
		}
		if err := f.SetCellStr(t.sheet, cell(col, hr), c.group); err != nil {
			return err
		}
		if end > i {
			if err := f.MergeCell(t.sheet, cell(col, hr), cell(end+1, hr)); err != nil {
				return err
			}
		}
		for j := i; j <= end; j++ {
			if err := f.SetCellStr(t.sheet, cell(j+1, hr+1), t.cols[j].head); err != nil {
				return err
			}
		}
		i = end
	}
	if err := f.SetCellStyle(t.sheet, cell(1, hr), cell(last, hr+1), w.st.header); err != nil {
		return err
	}

	widths := make([]int, last)
	for i, c := range t.cols {
		widths[i] = displayWidth(c.head)
		if c.group != "" {
			// A group head shares its width among its columns.
			widths[i] = max(widths[i], displayWidth(c.group)/2)
		}
	}
	row := fd
	texts := make([][]int, len(t.records)) // display widths of each row's cells
	for n, rec := range t.records {
		texts[n] = make([]int, len(t.cols))
		for i, c := range t.cols {
			v := rec.vals[i]
			ref := cell(i+1, row)
			shown, err := w.setValue(t.sheet, ref, c.kind, v, rec.total)
			if err != nil {
				return err
			}
			texts[n][i] = displayWidth(shown)
			widths[i] = max(widths[i], texts[n][i])
		}
		row++
	}
	lastData := row - 1
	for _, n := range t.notes {
		if err := f.SetCellStr(t.sheet, cell(1, row+1), n); err != nil {
			return err
		}
		if err := f.MergeCell(t.sheet, cell(1, row+1), cell(last, row+1)); err != nil {
			return err
		}
		if err := f.SetCellStyle(t.sheet, cell(1, row+1), cell(1, row+1), w.st.note); err != nil {
			return err
		}
		row++
	}
	if t.signature != "" {
		if err := w.paragraph(t.sheet, row+1, last, t.signature, w.st.subLeft); err != nil {
			return err
		}
		row++
	}

	// Cells behind target, coloured by Excel itself so the colour follows
	// the value if someone corrects a figure by hand.
	if lastData >= fd {
		for i, c := range t.cols {
			if c.behind == "" {
				continue
			}
			formula := strings.ReplaceAll(c.behind, "{self}", cell(i+1, fd))
			for j, o := range t.cols {
				if o.id != "" {
					formula = strings.ReplaceAll(formula, "{"+o.id+"}", cell(j+1, fd))
				}
			}
			colName, _ := excelize.ColumnNumberToName(i + 1)
			rng := fmt.Sprintf("%s%d:%s%d", colName, fd, colName, lastData)
			if err := f.SetConditionalFormat(t.sheet, rng, []excelize.ConditionalFormatOptions{
				{Type: "formula", Criteria: formula, Format: &w.st.behind},
			}); err != nil {
				return fmt.Errorf("%s: conditional format %s: %w", t.sheet, rng, err)
			}
		}
	}
	for i, wd := range widths {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(t.sheet, name, name, columnWidth(wd)); err != nil {
			return err
		}
	}
	// Text wider than its (capped) column wraps: make its row tall enough,
	// since spreadsheets do not grow rows for wrapped text written by a program.
	for n, ws := range texts {
		lines := 1
		for i, wd := range ws {
			lines = max(lines, wrappedLines(wd, columnWidth(widths[i])))
		}
		if lines > 1 {
			if err := f.SetRowHeight(t.sheet, fd+n, rowHeight(lines)); err != nil {
				return err
			}
		}
	}
	if !t.noRepeat {
		if err := w.breakPages(t.sheet, widths, fd, lastData); err != nil {
			return err
		}
	}
	repeat := fd - 1
	if t.noRepeat {
		repeat = 0
	}
	if err := w.printSetup(t.sheet, repeat, t.freezeCols); err != nil {
		return err
	}
	if t.noRepeat {
		return w.freeze(t.sheet, fd-1, t.freezeCols)
	}
	return nil
}

// A4 landscape less the 0.4-inch margins and the footer, in points.
const (
	printableWidth  = (11.69 - 0.8) * 72
	printableHeight = (8.27-0.8)*72 - 24
)

// breakPages puts page breaks into a table longer than a page so that the
// 合计 row (the last data row) never stands alone on the last page: the
// last page carries at least two regions above it. Spreadsheets break
// pages by their own measure of fonts; the estimate here is conservative
// (rows counted at least 15 pt, a tenth of each page left free), so its
// breaks come before the program's own.
func (w *writer) breakPages(sheet string, widths []int, first, last int) error {
	var tablePt float64
	for _, wd := range widths {
		tablePt += 0.75 * (7*columnWidth(wd) + 5) // Excel: width units → pixels → points
	}
	scale := min(1, printableWidth/tablePt)
	var headPt float64
	for r := 1; r < first; r++ {
		h, err := w.f.GetRowHeight(sheet, r)
		if err != nil {
			return err
		}
		headPt += max(h, 15)
	}
	room := 0.9*printableHeight/scale - headPt
	heights := make([]float64, 0, last-first+1)
	var total float64
	for r := first; r <= last; r++ {
		h, err := w.f.GetRowHeight(sheet, r)
		if err != nil {
			return err
		}
		heights = append(heights, max(h, 15))
		total += max(h, 15)
	}
	if total <= room || room <= 0 {
		return nil
	}
	// Greedy pages; then the last break moves up until the last page has
	// the 合计 row and two regions.
	var breaks []int // index into heights of the first row of a new page
	used := 0.0
	for i, h := range heights {
		if used+h > room && i > 0 {
			breaks = append(breaks, i)
			used = 0
		}
		used += h
	}
	if n := len(breaks); n > 0 && len(heights)-breaks[n-1] < 3 {
		prev := 0
		if n > 1 {
			prev = breaks[n-2]
		}
		breaks[n-1] = max(prev+1, len(heights)-3)
	}
	for _, i := range breaks {
		ref, _ := excelize.CoordinatesToCellName(1, first+i)
		if err := w.f.InsertPageBreak(sheet, ref); err != nil {
			return fmt.Errorf("%s page break: %w", sheet, err)
		}
	}
	return nil
}

// paragraph writes text merged across n columns at row, wrapped, with a
// row tall enough for it.
func (w *writer) paragraph(sheet string, row, n int, text string, style int) error {
	f := w.f
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	if err := f.SetCellStr(sheet, cell(1, row), text); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, cell(1, row), cell(max(n, 2), row)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cell(1, row), cell(max(n, 2), row), style); err != nil {
		return err
	}
	// The merged width is not known until the columns are sized: assume
	// about 90 display columns (an A4 landscape page at fit-to-width).
	return f.SetRowHeight(sheet, row, rowHeight(wrappedLines(displayWidth(text), 90)))
}

// titleLines writes the merged title and the date / unit line over n columns.
func (w *writer) titleLines(sheet, title, dateLine, unitLine string, n int) error {
	f := w.f
	cell := func(c, r int) string { s, _ := excelize.CoordinatesToCellName(c, r); return s }
	n = max(n, 2)
	steps := []func() error{
		func() error { return f.SetCellStr(sheet, cell(1, titleRow), title) },
		func() error { return f.MergeCell(sheet, cell(1, titleRow), cell(n, titleRow)) },
		func() error { return f.SetCellStyle(sheet, cell(1, titleRow), cell(n, titleRow), w.st.title) },
		func() error { return f.SetRowHeight(sheet, titleRow, 30) },
	}
	split := (n + 1) / 2
	steps = append(steps,
		func() error { return f.SetCellStr(sheet, cell(1, subRow), dateLine) },
		func() error { return f.MergeCell(sheet, cell(1, subRow), cell(split, subRow)) },
		func() error { return f.SetCellStyle(sheet, cell(1, subRow), cell(split, subRow), w.st.subLeft) },
		func() error { return f.SetCellStr(sheet, cell(split+1, subRow), unitLine) },
		func() error { return f.MergeCell(sheet, cell(split+1, subRow), cell(n, subRow)) },
		func() error { return f.SetCellStyle(sheet, cell(split+1, subRow), cell(n, subRow), w.st.subRight) },
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("%s title: %w", sheet, err)
		}
	}
	return nil
}

// setValue writes one cell and returns the text it shows (for the width).
// Text is always written as a string, never a formula, whatever it starts
// with: names and reasons come from extracts.
func (w *writer) setValue(sheet, ref string, k kind, v any, total bool) (string, error) {
	f := w.f
	style := w.st.cell(k, total)
	if k == kName && total {
		v = w.lang.T("total")
	}
	if k == kRank && total {
		v = nil
	}
	var shown string
	switch x := v.(type) {
	case nil:
		shown = "—"
		if k == kRank && total {
			shown = ""
		}
		if err := f.SetCellStr(sheet, ref, shown); err != nil {
			return "", err
		}
		style = w.st.dash(total)
	case string:
		shown = x
		if err := f.SetCellStr(sheet, ref, x); err != nil {
			return "", err
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			// excelize would write NaN into the XML, which Excel refuses.
			return w.setValue(sheet, ref, k, nil, total)
		}
		// The cell holds the figure as printed (the bulletin's one rounding
		// rule), so a spreadsheet shows the digits the page shows and a
		// conditional format compares what the reader sees.
		x = stored(k, x)
		if err := f.SetCellFloat(sheet, ref, x, -1, 64); err != nil {
			return "", err
		}
		shown = numberText(k, x)
	case int64:
		if err := f.SetCellInt(sheet, ref, x); err != nil {
			return "", err
		}
		shown = numberText(k, float64(x))
	case int:
		return w.setValue(sheet, ref, k, int64(x), total)
	default:
		return "", fmt.Errorf("%s!%s: cannot write %T", sheet, ref, v)
	}
	return shown, f.SetCellStyle(sheet, ref, ref, style)
}

// stored is the value a cell of kind k holds: rates rounded to one decimal
// of a percent, points, multiples, scores and days to one decimal, half
// away from zero (bulletin.Round).
func stored(k kind, x float64) float64 {
	switch k {
	case kPct, kPctChange:
		return bulletin.RoundRate(x)
	case kPoints:
		return bulletin.Round(100*x, 1)
	case kTimes, kScore, kDays:
		return bulletin.Round(x, 1)
	}
	return x
}

func numberText(k kind, x float64) string {
	switch k {
	case kPct:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case kPctChange:
		return "+" + strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case kPoints:
		return "+" + strconv.FormatFloat(x, 'f', 1, 64) + "个百分点"
	case kTimes:
		return strconv.FormatFloat(x, 'f', 1, 64) + "倍"
	case kScore, kDays:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	s := strconv.FormatFloat(math.Round(math.Abs(x)), 'f', 0, 64)
	s += strings.Repeat(",", (len(s)-1)/3)
	if k == kChange {
		s = "+" + s
	}
	return s
}

// displayWidth counts a Chinese character as two columns, as a
// spreadsheet's column width does.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func columnWidth(chars int) float64 {
	return math.Min(math.Max(float64(chars)+2.5, 6), 48)
}

// wrappedLines is how many lines text of display width wd takes in a
// column of width colWidth.
func wrappedLines(wd int, colWidth float64) int {
	usable := max(colWidth-1.5, 1)
	return max(1, int(math.Ceil(float64(wd)/usable)))
}

func rowHeight(lines int) float64 { return 14*float64(lines) + 3 }

// printSetup: landscape A4, fit to one page wide, header rows repeated on
// every page, header frozen on screen.
func (w *writer) printSetup(sheet string, headerRows, freezeCols int) error {
	f := w.f
	size, orient, one, zero := 9, "landscape", 1, 0 // 9 = A4 in SpreadsheetML
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return fmt.Errorf("%s page layout: %w", sheet, err)
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("%s fit to page: %w", sheet, err)
	}
	margin := 0.4
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin}); err != nil {
		return fmt.Errorf("%s margins: %w", sheet, err)
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: w.lang.T("footer")}); err != nil {
		return fmt.Errorf("%s footer: %w", sheet, err)
	}
	if headerRows > 0 {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Titles",
			RefersTo: fmt.Sprintf("'%s'!$1:$%d", sheet, headerRows),
			Scope:    sheet,
		}); err != nil {
			return fmt.Errorf("%s print titles: %w", sheet, err)
		}
		return w.freeze(sheet, headerRows, freezeCols)
	}
	return nil
}

// freeze keeps the header rows and the first columns in view on screen.
func (w *writer) freeze(sheet string, headerRows, freezeCols int) error {
	topLeft, _ := excelize.CoordinatesToCellName(freezeCols+1, headerRows+1)
	pane := "bottomLeft"
	if freezeCols > 0 {
		pane = "bottomRight"
	}
	if err := w.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: freezeCols, YSplit: headerRows,
		TopLeftCell: topLeft, ActivePane: pane}); err != nil {
		return fmt.Errorf("%s freeze header: %w", sheet, err)
	}
	return nil
}

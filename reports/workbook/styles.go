package workbook

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"enlist/reports/bulletin"
)

// styles are created once per workbook: excelize adds a style record per
// NewStyle call, so a style per cell would bloat the file.
type styles struct {
	title, subLeft, subRight, header, note int
	lead                                   int // 总览's lead paragraph
	behind                                 int // conditional format: behind target
	cells                                  map[string]int
	dashes                                 [2]int
	metGood                                int // conditional format: 达标 是
}

const (
	bodyFont  = "宋体"
	titleFont = "黑体"
	totalFill = "F2F2F2"
	headFill  = "DDEBF7"
)

func newStyles(f *excelize.File, l bulletin.Lang) (*styles, error) {
	s := &styles{cells: map[string]int{}}
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	s.title = mk(&excelize.Style{Font: &excelize.Font{Family: titleFont, Size: 16, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	s.subLeft = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10},
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}})
	s.subRight = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10},
		Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}})
	s.header = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10, Bold: true}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headFill}}, Alignment: center})
	s.note = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 9, Italic: true},
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}})
	s.lead = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 11, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}})
	for i, total := range []bool{false, true} {
		s.dashes[i] = mk(cellStyle(l, kTextCenter, total, border))
	}
	for _, k := range []kind{kText, kName, kInt, kPct, kChange, kPctChange, kScore, kDays, kRank, kTextCenter, kPoints, kTimes} {
		for _, total := range []bool{false, true} {
			s.cells[key(k, total)] = mk(cellStyle(l, k, total, border))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create styles: %w", err)
	}
	// Excel's own "light red fill with dark red text".
	s.behind, err = f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}})
	if err != nil {
		return nil, fmt.Errorf("create conditional style: %w", err)
	}
	// Excel's "green fill with dark green text".
	s.metGood, err = f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: "006100"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}})
	if err != nil {
		return nil, fmt.Errorf("create conditional style: %w", err)
	}
	return s, nil
}

func key(k kind, total bool) string { return fmt.Sprint(int(k), total) }

func (s *styles) cell(k kind, total bool) int { return s.cells[key(k, total)] }

func (s *styles) dash(total bool) int {
	if total {
		return s.dashes[1]
	}
	return s.dashes[0]
}

// pointsFormat and timesFormat carry their unit in the cell, so a printed
// difference of rates never reads as a percentage: +16.8个百分点, 5.8倍.
func pointsFormat(l bulletin.Lang) string {
	u := l.T("points_unit")
	return `+0.0"` + u + `";-0.0"` + u + `";0.0"` + u + `"`
}

func timesFormat(l bulletin.Lang) string { return `0.0"` + l.T("times_unit") + `"` }

func cellStyle(l bulletin.Lang, k kind, total bool, border []excelize.Border) *excelize.Style {
	st := &excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10, Bold: total}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}}
	if total {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{totalFill}}
	}
	format := ""
	switch k {
	case kText:
		st.Alignment = &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	case kName:
		st.Alignment = &excelize.Alignment{Horizontal: "left", Vertical: "center"}
		if total {
			st.Alignment.Horizontal = "center"
		}
	case kTextCenter, kRank:
		st.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center"}
	case kInt:
		format = intFormat
	case kPct:
		format = pctFormat
	case kChange:
		format = chgFormat
	case kPctChange:
		format = pchgFormat
	case kScore, kDays:
		format = oneDecimal
	case kPoints:
		format = pointsFormat(l)
	case kTimes:
		format = timesFormat(l)
	}
	if format != "" {
		st.CustomNumFmt = &format
	}
	return st
}

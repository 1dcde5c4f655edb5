package workbook

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// styles are created once per workbook: excelize adds a style record per
// NewStyle call, so a style per cell would bloat the file.
type styles struct {
	title, subLeft, subRight, header, note int
	behind                                 int // conditional format: behind target
	cells                                  map[string]int
	dashes                                 [2]int
	good, bad                              int // 达标 是 / 否
}

const (
	bodyFont  = "宋体"
	titleFont = "黑体"
	totalFill = "F2F2F2"
	headFill  = "DDEBF7"
)

func newStyles(f *excelize.File) (*styles, error) {
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
	s.good = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10, Color: "006100"}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}, Alignment: center})
	s.bad = mk(&excelize.Style{Font: &excelize.Font{Family: bodyFont, Size: 10, Color: "9C0006"}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Alignment: center})
	for i, total := range []bool{false, true} {
		s.dashes[i] = mk(cellStyle(kTextCenter, total, border))
	}
	for _, k := range []kind{kText, kName, kInt, kPct, kChange, kPctChange, kScore, kDays, kRank, kTextCenter} {
		for _, total := range []bool{false, true} {
			s.cells[key(k, total)] = mk(cellStyle(k, total, border))
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

func cellStyle(k kind, total bool, border []excelize.Border) *excelize.Style {
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
	}
	if format != "" {
		st.CustomNumFmt = &format
	}
	return st
}

package mapping

import (
	"fmt"
	"strings"
)

// headerScan is how many leading rows may hold titles and headers.
const headerScan = 20

// Header is where a table starts and what its columns mean.
type Header struct {
	Row     int               // index (in the rows given) of the last header row
	Columns map[string]int    // canonical column → cell index
	Names   map[string]string // canonical column → the header text as written, for messages
	Ignored []string          // header texts that mean nothing to enlist
	Title   string            // text of the lines above the header
}

// DetectHeader finds the header among the first rows of a table: the row
// whose cells name the most known columns. A row directly above it with
// group titles (a two-row merged header: 体检结果 over 结论 and 不合格原因)
// lends its text to cells the lower row leaves unexplained, and so does a
// row below that names columns the header row lacks.
func (v *Vocabulary) DetectHeader(rows [][]string) (Header, error) {
	best, bestScore := -1, 0
	for i := 0; i < len(rows) && i < headerScan; i++ {
		if s := len(v.mapRow(rows[i], nil)); s > bestScore {
			best, bestScore = i, s
		}
	}
	if bestScore < 2 {
		return Header{}, fmt.Errorf("no header row in the first %d rows: expected column names such as 身份证号, 区划代码, 登记日期", headerScan)
	}
	var top []string
	if best > 0 && isGroupRow(rows[best-1]) {
		top = rows[best-1]
	}
	cols, names := v.mapCells(rows[best], top)
	last := best
	if best+1 < len(rows) {
		below, belowNames := v.mapCells(rows[best+1], rows[best])
		if len(below) > len(cols) {
			cols, names, last = below, belowNames, best+1
			top = rows[best]
		}
	}
	h := Header{Row: last, Columns: map[string]int{}, Names: map[string]string{}}
	for idx, col := range cols {
		if prev, ok := h.Columns[col]; ok {
			return Header{}, fmt.Errorf("columns %s and %s both mean %s; remove one or rename it",
				cellRef(prev, names[prev]), cellRef(idx, names[idx]), col)
		}
		h.Columns[col] = idx
		h.Names[col] = names[idx]
	}
	for j, cell := range rows[last] {
		if _, ok := cols[j]; !ok && strings.TrimSpace(cell) != "" {
			h.Ignored = append(h.Ignored, strings.TrimSpace(cell))
		}
	}
	titleEnd := best
	if top != nil && last == best {
		titleEnd = best - 1
	}
	var title []string
	for i := 0; i < titleEnd; i++ {
		seen := map[string]bool{}
		for _, c := range rows[i] {
			c = strings.TrimSpace(c)
			if c != "" && !seen[c] {
				seen[c] = true
				title = append(title, c)
			}
		}
	}
	h.Title = strings.Join(title, " ")
	return h, nil
}

// mapRow maps the cells of one row alone.
func (v *Vocabulary) mapRow(row []string, top []string) map[string]bool {
	cols, _ := v.mapCells(row, top)
	out := map[string]bool{}
	for _, c := range cols {
		out[c] = true
	}
	return out
}

// mapCells maps each cell, trying the cell, then group title + cell, then the
// group title alone.
func (v *Vocabulary) mapCells(row, top []string) (map[int]string, map[int]string) {
	cols := map[int]string{}
	names := map[int]string{}
	width := len(row)
	if len(top) > width {
		width = len(top)
	}
	for j := 0; j < width; j++ {
		cell := at(row, j)
		group := at(top, j)
		for _, cand := range []string{cell, group + cell, group} {
			if strings.TrimSpace(cand) == "" {
				continue
			}
			if c, ok := v.Column(cand); ok {
				cols[j] = c
				names[j] = strings.TrimSpace(cand)
				break
			}
		}
	}
	return cols, names
}

// isGroupRow tells a group-title row from a title line: a title is one text
// merged across the table, a group row has at least two different texts.
func isGroupRow(row []string) bool {
	seen := map[string]bool{}
	for _, c := range row {
		if c = strings.TrimSpace(c); c != "" {
			seen[c] = true
		}
	}
	return len(seen) >= 2
}

func at(row []string, j int) string {
	if j < len(row) {
		return row[j]
	}
	return ""
}

// ColumnLetter names a cell index as a spreadsheet column (0 → A, 26 → AA).
func ColumnLetter(j int) string {
	s := ""
	for j++; j > 0; j = (j - 1) / 26 {
		s = string(rune('A'+(j-1)%26)) + s
	}
	return s
}

func cellRef(j int, name string) string {
	return fmt.Sprintf("%s (%s)", ColumnLetter(j), name)
}

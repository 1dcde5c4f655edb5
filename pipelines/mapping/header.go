package mapping

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// headerScan is how many leading rows may hold titles and headers.
const headerScan = 20

// ErrNoHeader: no row among the first of a table names two known columns.
var ErrNoHeader = errors.New("no header row")

// Header is where a table starts and what its columns mean.
type Header struct {
	Row     int               // index (in the rows given) of the last header row
	Columns map[string]int    // canonical column → cell index
	Names   map[string]string // canonical column → the header text as written, for messages
	Rules   map[string]Match  // canonical column → how its header was matched
	Ignored []string          // header texts that mean nothing to enlist
	// Unmapped are the header cells that matched no column, each with the
	// columns it is close to when it is close to more than one.
	Unmapped []Unmapped
	Seen     []string // every non-empty header text, in column order
	Title    string   // text of the lines above the header
}

// Unmapped is a header cell that matched no column.
type Unmapped struct {
	Text      string
	Index     int
	Ambiguous []string // the columns it is equally close to, when more than one
}

// Guessed lists the headers mapped by a guess, as "HEADER → column".
func (h Header) Guessed() []string {
	var out []string
	for col, m := range h.Rules {
		if m.Rule == RuleGuessed {
			out = append(out, fmt.Sprintf("%s → %s", h.Names[col], col))
		}
	}
	sort.Strings(out)
	return out
}

// DetectHeader finds the header among the first rows of a table: the row
// whose cells name the most known columns. A row directly above it with
// group titles (a two-row merged header: 体检结果 over 结论 and 不合格原因)
// lends its text to cells the lower row leaves unexplained, and so does a
// row below that names columns the header row lacks. Cells of the header
// that match nothing but are close to exactly one column are mapped as
// guesses (Rules says so, for a warning); those close to several are left
// unmapped and listed as ambiguous.
func (v *Vocabulary) DetectHeader(rows [][]string) (Header, error) {
	best, bestScore := -1, 0
	for i := 0; i < len(rows) && i < headerScan; i++ {
		if s := len(v.mapRow(rows[i], nil)); s > bestScore {
			best, bestScore = i, s
		}
	}
	if bestScore < 2 {
		// A header in spellings of its own: let guesses count.
		for i := 0; i < len(rows) && i < headerScan; i++ {
			cols, _, _ := v.mapCells(rows[i], nil)
			v.guessCells(rows[i], nil, cols, map[int]string{}, map[int]Match{})
			if len(cols) > bestScore {
				best, bestScore = i, len(cols)
			}
		}
	}
	if bestScore < 2 {
		return Header{}, fmt.Errorf("%w in the first %d rows: expected column names such as 身份证号, 区划代码, 登记日期", ErrNoHeader, headerScan)
	}
	var top []string
	if best > 0 && isGroupRow(rows[best-1]) {
		top = rows[best-1]
	}
	cols, names, rules := v.mapCells(rows[best], top)
	last := best
	if best+1 < len(rows) {
		below, belowNames, belowRules := v.mapCells(rows[best+1], rows[best])
		if len(below) > len(cols) {
			cols, names, rules, last = below, belowNames, belowRules, best+1
			top = rows[best]
		}
	}
	ambiguous := v.guessCells(rows[last], top, cols, names, rules)
	h := Header{Row: last, Columns: map[string]int{}, Names: map[string]string{}, Rules: map[string]Match{}}
	for _, idx := range slices.Sorted(maps.Keys(cols)) {
		col := cols[idx]
		if prev, ok := h.Columns[col]; ok {
			return Header{}, fmt.Errorf("columns %s and %s both mean %s; remove one or rename it",
				cellRef(prev, names[prev]), cellRef(idx, names[idx]), col)
		}
		h.Columns[col] = idx
		h.Names[col] = names[idx]
		h.Rules[col] = rules[idx]
	}
	width := max(len(rows[last]), len(top))
	for j := 0; j < width; j++ {
		text := strings.TrimSpace(at(rows[last], j))
		if text == "" {
			text = strings.TrimSpace(at(top, j))
		}
		if text == "" {
			continue
		}
		h.Seen = append(h.Seen, text)
		if _, ok := cols[j]; ok {
			continue
		}
		if strings.TrimSpace(at(rows[last], j)) == "" {
			continue // a group title over mapped sub-columns
		}
		h.Ignored = append(h.Ignored, text)
		h.Unmapped = append(h.Unmapped, Unmapped{Text: text, Index: j, Ambiguous: ambiguous[j]})
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
	cols, _, _ := v.mapCells(row, top)
	out := map[string]bool{}
	for _, c := range cols {
		out[c] = true
	}
	return out
}

// mapCells maps each cell, trying the cell, then group title + cell, then the
// group title alone.
func (v *Vocabulary) mapCells(row, top []string) (map[int]string, map[int]string, map[int]Match) {
	cols := map[int]string{}
	names := map[int]string{}
	rules := map[int]Match{}
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
			if m, ok := v.Match(cand); ok {
				cols[j] = m.Column
				names[j] = strings.TrimSpace(cand)
				rules[j] = m
				break
			}
		}
	}
	return cols, names, rules
}

// guessCells maps the cells mapCells left unexplained when each is close
// to exactly one column that no other cell has; it returns, by cell, the
// columns of cells close to several.
func (v *Vocabulary) guessCells(row, top []string, cols, names map[int]string, rules map[int]Match) map[int][]string {
	taken := map[string]bool{}
	for _, c := range cols {
		taken[c] = true
	}
	ambiguous := map[int][]string{}
	for j := 0; j < len(row); j++ {
		if _, ok := cols[j]; ok {
			continue
		}
		cell := strings.TrimSpace(at(row, j))
		if cell == "" {
			continue
		}
		found, alias := v.Guess(cell)
		if len(found) == 0 && strings.TrimSpace(at(top, j)) != "" {
			found, alias = v.Guess(at(top, j) + cell)
		}
		switch {
		case len(found) == 1 && !taken[found[0]]:
			cols[j], names[j] = found[0], cell
			rules[j] = Match{Column: found[0], Rule: RuleGuessed, Alias: alias}
			taken[found[0]] = true
		case len(found) > 1:
			sort.Strings(found)
			ambiguous[j] = found
		}
	}
	return ambiguous
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

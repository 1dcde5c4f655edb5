package mapping

import (
	_ "embed"
	"fmt"
	"strings"
)

// rows.csv holds the words that mark the lines around a government table
// rather than rows of it: a total line (合计, 小计) and the sign-off lines
// under it (填表人, 审核, 注：). Like aliases.csv and values.csv, a word an
// office uses and enlist does not know is a line of data, not of code.
//
//go:embed rows.csv
var rowsCSV string

// RowKind says what a line of an extract is.
type RowKind int

const (
	DataRow   RowKind = iota
	BlankRow          // no cell holds anything but spaces
	TotalRow          // one of its first three cells says 合计, 总计, 小计 or total
	FooterRow         // its first cell begins with a sign-off word (填表人, 审核人, 注：…)
)

// rowWords are rows.csv, parsed.
type rowWords struct {
	totals  map[string]bool // compared with spaces (ASCII and 　) removed, so 合 计 is 合计
	footers []string        // prefixes of the first non-empty cell
}

func parseRowWords(text string) (rowWords, error) {
	recs, err := readTable("rows.csv", text, 2)
	if err != nil {
		return rowWords{}, err
	}
	w := rowWords{totals: map[string]bool{}}
	for i, rec := range recs {
		switch rec[0] {
		case "total":
			w.totals[unspaced(rec[1])] = true
		case "footer":
			w.footers = append(w.footers, rec[1])
		default:
			return rowWords{}, fmt.Errorf("rows.csv line %d: kind %q; use total or footer", i+2, rec[0])
		}
	}
	return w, nil
}

// unspaced drops the ASCII and ideographic spaces offices put between the
// characters of a short label (合 计, 合　计).
func unspaced(s string) string {
	// Two byte searches: ContainsAny with a non-ASCII set decodes s rune by rune.
	if strings.IndexByte(s, ' ') < 0 && !strings.Contains(s, "\u3000") {
		return s
	}
	return strings.NewReplacer(" ", "", "\u3000", "").Replace(s)
}

// RowKind tells data rows from the lines around a table: blank lines, a
// total line (one of its first three non-empty cells a total word of
// rows.csv) and sign-off lines (the first non-empty cell beginning with a
// footer word).
func (v *Vocabulary) RowKind(cells []string) RowKind {
	first := ""
	nonEmpty := 0
	for _, c := range cells {
		c = TrimSpace(c)
		if c == "" {
			continue
		}
		if first == "" {
			first = c
		}
		nonEmpty++
		if v.rows.totals[unspaced(c)] {
			return TotalRow
		}
		if nonEmpty == 3 {
			// Nothing further can make it a total line, and it is not
			// blank: the rest of a million rows' cells need no look.
			break
		}
	}
	if nonEmpty == 0 {
		return BlankRow
	}
	for _, p := range v.rows.footers {
		if strings.HasPrefix(first, p) {
			return FooterRow
		}
	}
	return DataRow
}

// TrimSpace is strings.TrimSpace with a fast exit for the usual cell that has
// nothing to trim, which strings.TrimSpace lacks for non-ASCII text (its
// slow path ran for every Chinese cell of every row). A cell can only
// start with a space if its first byte is an ASCII space or the lead byte of
// a Unicode space (C2, E1, E2, E3), and end with one if its last byte is an
// ASCII space or the final byte of one (80–8A, 9F, A0, A8, A9, AF).
func TrimSpace(s string) string {
	n := len(s)
	if n == 0 {
		return s
	}
	first, last := s[0], s[n-1]
	leadOK := first > ' ' && first != 0xC2 && (first < 0xE1 || first > 0xE3)
	tailOK := last > ' ' && !(last >= 0x80 && last <= 0x8A) && last != 0x9F && last != 0xA0 &&
		last != 0xA8 && last != 0xA9 && last != 0xAF
	if leadOK && tailOK {
		return s
	}
	return strings.TrimSpace(s)
}

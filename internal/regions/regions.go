// Package regions holds the national statistical division codes (统计用区划代码,
// 2023 edition) from province down to town, and the rules that relate them: a
// region's level is the length of its code and its parent is a prefix.
package regions

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:embed data/*.csv
var data embed.FS

// Level of a region, named as the offices name them.
type Level int

const (
	Province Level = 1 // 省, 2 digits
	City     Level = 2 // 市, 4 digits
	County   Level = 3 // 区县, 6 digits
	Town     Level = 4 // 乡镇街道, 9 digits
	Village  Level = 5 // 村居, 12 digits
)

var codeLengths = [...]int{0, 2, 4, 6, 9, 12}

// LevelOf tells the level from the length of a code, 0 for a malformed one.
func LevelOf(code string) Level {
	for l := Province; l <= Village; l++ {
		if len(code) == codeLengths[l] {
			return l
		}
	}
	return 0
}

// Length is the number of digits a code of this level has.
func (l Level) Length() int { return codeLengths[l] }

// Label is the Chinese name of the level.
func (l Level) Label() string {
	switch l {
	case Province:
		return "省"
	case City:
		return "市"
	case County:
		return "区县"
	case Town:
		return "乡镇街道"
	case Village:
		return "村居"
	}
	return "?"
}

// Parent returns the code one level up, "" for a province.
func Parent(code string) string {
	l := LevelOf(code)
	if l <= Province {
		return ""
	}
	return code[:codeLengths[l-1]]
}

// Within reports whether code is scope or lies under it.
func Within(code, scope string) bool { return strings.HasPrefix(code, scope) }

// CommonAncestor returns the longest code of a region holding both a and b.
func CommonAncestor(a, b string) string {
	for l := Village; l >= Province; l-- {
		n := codeLengths[l]
		if len(a) >= n && len(b) >= n && a[:n] == b[:n] {
			return a[:n]
		}
	}
	return ""
}

// NormaliseCode accepts the forms offices type: the 12-digit form padded with
// zeros ("410102000000" is the county 410102), surrounding spaces, and Excel's
// numeric rendering. It returns "" when the text is not a code.
func NormaliseCode(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".0")
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	if len(s) == 12 || len(s) == 9 || len(s) == 6 || len(s) == 4 {
		// Strip zero-filled trailing levels: 410102000000 → 410102.
		for l := LevelOf(s); l > Province; l-- {
			tail := s[codeLengths[l-1]:]
			if strings.Trim(tail, "0") != "" {
				break
			}
			s = s[:codeLengths[l-1]]
		}
	}
	if LevelOf(s) == 0 {
		return ""
	}
	return s
}

// Region is one division.
type Region struct {
	Code  string
	Name  string
	Level Level
}

// Table is a set of regions indexed by code. The zero value is empty.
type Table struct {
	byCode   map[string]Region
	children map[string][]string
}

// Builtin loads the division tables the binary carries.
func Builtin() (*Table, error) {
	t := &Table{}
	for _, f := range []string{"provinces.csv", "cities.csv", "areas.csv", "streets.csv"} {
		r, err := data.Open("data/" + f)
		if err != nil {
			return nil, fmt.Errorf("open built-in divisions %s: %w", f, err)
		}
		err = t.readCSV(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read built-in divisions %s: %w", f, err)
		}
	}
	return t, nil
}

func (t *Table) readCSV(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // header: code,name,...
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(rec) < 2 {
			continue
		}
		t.Add(Region{Code: rec[0], Name: rec[1], Level: LevelOf(rec[0])})
	}
}

// Add inserts or replaces a region; a regions extract overrides this way.
func (t *Table) Add(r Region) {
	if t.byCode == nil {
		t.byCode = make(map[string]Region)
		t.children = make(map[string][]string)
	}
	if _, ok := t.byCode[r.Code]; !ok {
		p := Parent(r.Code)
		t.children[p] = append(t.children[p], r.Code)
	}
	t.byCode[r.Code] = r
}

// Lookup finds a region by code.
func (t *Table) Lookup(code string) (Region, bool) {
	r, ok := t.byCode[code]
	return r, ok
}

// Name returns the region's name, or the code itself when unknown.
func (t *Table) Name(code string) string {
	if r, ok := t.byCode[code]; ok {
		return r.Name
	}
	return code
}

// Children lists the codes directly under code ("" lists the provinces), sorted.
func (t *Table) Children(code string) []string {
	c := append([]string(nil), t.children[code]...)
	sort.Strings(c)
	return c
}

// Descendants lists every code under scope at the given level, sorted.
func (t *Table) Descendants(scope string, l Level) []string {
	var out []string
	for code, r := range t.byCode {
		if r.Level == l && Within(code, scope) {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}

// All returns every region, sorted by code.
func (t *Table) All() []Region {
	out := make([]Region, 0, len(t.byCode))
	for _, r := range t.byCode {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Len is the number of regions.
func (t *Table) Len() int { return len(t.byCode) }

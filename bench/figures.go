package bench

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Figures are the per-county counts both sides must agree on, for the
// bench's year, season and as-of date (SPEC §7's definitions: people once
// per season in their latest registration's region, the latest exam result
// of each type, approvals and returns by their dates).
var Figures = []string{
	"quota", "registered", "applied",
	"physical_examined", "physical_passed",
	"political_reviewed", "political_passed",
	"double_qualified", "approved", "returned",
}

// countyFigures maps a county code to its figures, as text (both sides
// print whole numbers).
type countyFigures map[string]map[string]string

// readFigures reads a CSV with a region_code column and the Figures
// columns, keeping 6-digit (county) codes. enlist metrics --format csv
// and peer.py's figures.csv both have that shape.
func readFigures(path string) (countyFigures, error) {
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	code := t.col("region_code")
	if code < 0 {
		return nil, fmt.Errorf("%s: no region_code column", path)
	}
	idx := map[string]int{}
	for _, f := range Figures {
		i := t.col(f)
		if i < 0 {
			return nil, fmt.Errorf("%s: no %s column", path, f)
		}
		idx[f] = i
	}
	out := countyFigures{}
	for _, r := range t.rows {
		if len(r[code]) != 6 {
			continue
		}
		m := map[string]string{}
		for f, i := range idx {
			v := strings.TrimSpace(r[i])
			if v == "" {
				v = "0"
			}
			m[f] = strings.TrimSuffix(v, ".0")
		}
		out[r[code]] = m
	}
	return out, nil
}

// compareFigures returns how many counties were compared, and an error
// listing the first differences. A county with no registrations may be
// missing on one side only when every figure of the other is zero.
func compareFigures(ours, peer countyFigures) (int, error) {
	codes := map[string]bool{}
	for c := range ours {
		codes[c] = true
	}
	for c := range peer {
		codes[c] = true
	}
	sorted := make([]string, 0, len(codes))
	for c := range codes {
		sorted = append(sorted, c)
	}
	sort.Strings(sorted)
	var diffs []string
	compared := 0
	for _, c := range sorted {
		o, p := ours[c], peer[c]
		if o == nil || p == nil {
			if zero(o) && zero(p) {
				continue
			}
			diffs = append(diffs, fmt.Sprintf("county %s: ours %v, peer's %v", c, o, p))
			continue
		}
		compared++
		for _, f := range Figures {
			if o[f] != p[f] {
				diffs = append(diffs, fmt.Sprintf("county %s %s: ours %s, peer's %s", c, f, o[f], p[f]))
			}
		}
	}
	if len(diffs) > 0 {
		n := len(diffs)
		if n > 10 {
			diffs = diffs[:10]
		}
		return compared, fmt.Errorf("%w (%d differences):\n  %s", errFigures, n, strings.Join(diffs, "\n  "))
	}
	if compared == 0 {
		return 0, fmt.Errorf("%w: no county to compare", errFigures)
	}
	return compared, nil
}

func zero(m map[string]string) bool {
	for _, v := range m {
		if v != "0" {
			return false
		}
	}
	return true
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

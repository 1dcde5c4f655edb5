package mapping

import (
	"fmt"
	"strings"
)

// AddHeaderMap adds one 'HEADER=column' mapping (enlist ingest --map) to
// m: the header is everything before the last '=', so a header may hold
// one; the column must be a canonical column; a header maps to one column.
func AddHeaderMap(m map[string]string, spec string) error {
	i := strings.LastIndex(spec, "=")
	if i <= 0 || i == len(spec)-1 {
		return fmt.Errorf("%q: write HEADER=column, e.g. --map '户籍地编码=region_code'", spec)
	}
	h, col := strings.TrimSpace(spec[:i]), strings.TrimSpace(spec[i+1:])
	if !IsColumn(col) {
		return fmt.Errorf("%q: %q is not a column; columns are %s", spec, col, strings.Join(Columns(), ", "))
	}
	if prev, ok := m[h]; ok && prev != col {
		return fmt.Errorf("%q: header %q is already mapped to %s", spec, h, prev)
	}
	m[h] = col
	return nil
}

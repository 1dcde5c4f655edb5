package jobs

import (
	"encoding/json"
	"io"
	"sort"
)

// WriteJSON writes the report as enlist check --format json shows it:
// indented, with Chinese and <, > unescaped.
func (r *CheckReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReasonsByCount lists the file's reject reasons, the commonest first
// (ties in name order).
func (f *CheckFile) ReasonsByCount() []string {
	reasons := make([]string, 0, len(f.Reasons))
	for reason := range f.Reasons {
		reasons = append(reasons, reason)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := f.Reasons[reasons[i]], f.Reasons[reasons[j]]
		return a > b || a == b && reasons[i] < reasons[j]
	})
	return reasons
}

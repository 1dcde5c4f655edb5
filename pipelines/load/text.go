package load

import (
	"fmt"
	"strings"
)

// Text is a scope as enlist shows it: "4101 2025 S1", the year and season
// left out when the file spans several.
func (s Scope) Text() string {
	out := s.Region
	if s.Year != 0 {
		out += fmt.Sprintf(" %d", s.Year)
	}
	if s.Season != 0 {
		out += fmt.Sprintf(" S%d", s.Season)
	}
	return strings.TrimSpace(out)
}

// KindText is a load's kind as enlist shows it: exams with their type
// (exams/physical).
func KindText(kind, examType string) string {
	if examType != "" {
		return kind + "/" + examType
	}
	return kind
}

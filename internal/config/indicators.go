package config

import (
	"fmt"
	"regexp"
)

var indicatorName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateIndicators checks what can be checked without a database: names,
// labels, formats, targets and weights. Whether the SQL is an expression
// over person_facts and nothing else is checked by the warehouse that
// installs it (internal/analyst.CheckIndicator), with the same file and line.
func (c Config) validateIndicators() error {
	seen := map[string]string{}
	for _, ind := range c.Indicators {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s: indicator %q: %s", ind.Where(), ind.Name, fmt.Sprintf(format, a...))
		}
		if !indicatorName.MatchString(ind.Name) {
			return bad("name must be lower-case letters, digits and _ (at most 40, starting with a letter): it becomes the column office_%s", ind.Name)
		}
		if first, dup := seen[ind.Name]; dup {
			return bad("the name is already used at %s", first)
		}
		seen[ind.Name] = ind.Where()
		if ind.Label == "" {
			return bad("label is empty: give the Chinese name the bulletin prints")
		}
		if ind.SQL == "" {
			return bad("sql is empty: give an expression over person_facts, e.g. count(*) FILTER (approved AND stem) / nullif(count(*) FILTER (approved), 0)")
		}
		if ind.Format != "" && ind.Format != "percent" && ind.Format != "number" {
			return bad("format %q: percent or number", ind.Format)
		}
		if ind.Target != nil && (*ind.Target < 0 || (ind.Percent() && *ind.Target > 1)) {
			return bad("target %v: a ratio between 0 and 1 (or a number ≥ 0 with format: number)", *ind.Target)
		}
		if ind.Weight < 0 {
			return bad("weight %v cannot be negative", ind.Weight)
		}
		if ind.Weight > 0 && (ind.Target == nil || *ind.Target == 0) {
			return bad("weight %v needs a target above 0: the score is 100 × min(value / target, 1)", ind.Weight)
		}
	}
	return nil
}

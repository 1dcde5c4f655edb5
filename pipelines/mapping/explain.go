package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// Explain writes the refusal of a header that cannot be loaded so that it
// is enough to make the file load: the headers seen, what each was
// understood as and by which rule, the ones not understood with the columns
// nearest to each, the columns kind still needs, and the --map flag and
// enlist.yaml lines that would supply them. reason is the first line.
func (v *Vocabulary) Explain(reason string, h Header, kind Kind, missing []string) string {
	var b strings.Builder
	b.WriteString(reason)
	fmt.Fprintf(&b, "\n  headers seen: %s", strings.Join(quoteAll(h.Seen), ", "))
	var understood []string
	for _, col := range orderedColumns(h) {
		m := h.Rules[col]
		how := string(m.Rule)
		if m.Rule == RuleGuessed {
			how = "guessed from " + m.Alias
		}
		understood = append(understood, fmt.Sprintf("%q → %s (%s)", h.Names[col], col, how))
	}
	if len(understood) == 0 {
		understood = []string{"none"}
	}
	fmt.Fprintf(&b, "\n  understood: %s", strings.Join(understood, "; "))
	closest := map[string][]string{}
	if len(h.Unmapped) > 0 {
		var parts []string
		for _, u := range h.Unmapped {
			c := u.Ambiguous
			what := "close to both"
			if len(c) == 0 {
				c = v.Closest(u.Text, 3)
				what = "closest"
			}
			closest[u.Text] = c
			parts = append(parts, fmt.Sprintf("%q (%s: %s)", u.Text, what, strings.Join(c, ", ")))
		}
		fmt.Fprintf(&b, "\n  not understood: %s", strings.Join(parts, "; "))
	}
	if kind == "" {
		return b.String()
	}
	spec, _ := Spec(kind)
	if len(missing) == 0 {
		return b.String()
	}
	var need []string
	for _, m := range missing {
		need = append(need, v.Label(m))
	}
	fmt.Fprintf(&b, "\n  still needed for a %s file (%s): %s", kind, spec.Label, strings.Join(need, ", "))
	// Pair each missing column with the header most likely to hold it:
	// the unmapped header most similar to one of the column's aliases.
	pairs := map[string]string{}
	used := map[string]bool{}
	for _, m := range missing {
		best, bestSim := "", 0.0
		for _, u := range h.Unmapped {
			if used[u.Text] {
				continue
			}
			if s := v.similarity(u.Text)[m]; s > bestSim {
				best, bestSim = u.Text, s
			}
		}
		if best != "" {
			pairs[m], used[best] = best, true
		}
	}
	var flags, yaml []string
	for _, m := range missing {
		header, ok := pairs[m]
		if !ok {
			header = "HEADER"
		}
		flags = append(flags, fmt.Sprintf("--map '%s=%s'", header, m))
		yaml = append(yaml, fmt.Sprintf("      %q: %s", header, m))
	}
	fmt.Fprintf(&b, "\n  to load it, add %s to the command", strings.Join(flags, " "))
	if len(pairs) < len(missing) {
		b.WriteString(" (HEADER: the header of the column that holds it)")
	}
	fmt.Fprintf(&b, ",\n  or teach enlist these spellings for good in enlist.yaml:\n    columns:\n      %s:\n  %s",
		kind, strings.Join(yaml, "\n  "))
	return b.String()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// orderedColumns lists the mapped columns in the order of their cells.
func orderedColumns(h Header) []string {
	cols := make([]string, 0, len(h.Columns))
	for c := range h.Columns {
		cols = append(cols, c)
	}
	slices.SortFunc(cols, func(a, b string) int { return h.Columns[a] - h.Columns[b] })
	return cols
}

// ClosestKind is the kind a file of these columns most likely is, when no
// kind fits: the one missing the fewest required columns (the title breaks
// ties, then the number of its columns the file has).
func ClosestKind(cols map[string]int, hints TitleHints) (Kind, []string) {
	var best Kind
	var bestMissing []string
	bestScore := -1 << 30
	for _, s := range kinds {
		if s.Kind == Regions {
			continue
		}
		supplied := map[string]bool{}
		for _, c := range s.Constants {
			supplied[c] = true
		}
		missing := s.Missing(cols, supplied)
		score := -10 * len(missing)
		for c := range cols {
			if s.has(c) {
				score++
			}
		}
		if hints.Kind == s.Kind {
			score += 5
		}
		if score > bestScore {
			best, bestMissing, bestScore = s.Kind, missing, score
		}
	}
	return best, bestMissing
}

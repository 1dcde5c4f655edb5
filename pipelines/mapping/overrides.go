package mapping

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Overrides are the spellings an office adds without rebuilding enlist:
// the columns: and values: sections of enlist.yaml.
type Overrides struct {
	// Columns maps "all" or a kind to alias → canonical column.
	Columns map[string]map[string]string
	// Values maps a field to spelling → code.
	Values map[string]map[string]string
}

// IsColumn reports whether col is a canonical column of some kind.
func IsColumn(col string) bool {
	for _, s := range kinds {
		if s.has(col) {
			return true
		}
	}
	return false
}

// Columns lists every canonical column, sorted.
func Columns() []string {
	seen := map[string]bool{}
	for _, s := range kinds {
		for _, c := range append(slices.Clone(s.Required), s.Optional...) {
			seen[c] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// WithOverrides returns the vocabulary with an office's enlist.yaml
// spellings, which take precedence over the built-in tables. A column or
// code that does not exist is refused, naming the spelling.
func (v *Vocabulary) WithOverrides(o Overrides) (*Vocabulary, error) {
	out := v.clone()
	for scope, m := range o.Columns {
		if scope != "all" {
			if _, ok := Spec(Kind(scope)); !ok {
				return nil, fmt.Errorf("columns: %q is neither all nor a kind (%s)", scope, strings.Join(KindNames(), ", "))
			}
		}
		for alias, col := range m {
			if err := checkColumn(alias, col, scope); err != nil {
				return nil, fmt.Errorf("columns: %s: %w", scope, err)
			}
		}
		if scope == "all" {
			out.allAlias = m
		} else {
			if out.kindAlias == nil {
				out.kindAlias = map[Kind]map[string]string{}
			}
			out.kindAlias[Kind(scope)] = m
		}
	}
	fields := slices.Sorted(maps.Keys(o.Values))
	for _, field := range fields {
		codes, ok := v.codes[field]
		if !ok {
			return nil, fmt.Errorf("values: %q has no vocabulary; fields with one: %s", field, strings.Join(slices.Sorted(maps.Keys(v.codes)), ", "))
		}
		out.values[field] = maps.Clone(v.values[field])
		for _, spelling := range slices.Sorted(maps.Keys(o.Values[field])) {
			code := o.Values[field][spelling]
			if !slices.Contains(codes, code) {
				return nil, fmt.Errorf("values: %s: %q: %q is not a code of %s; use one of %s",
					field, spelling, code, field, strings.Join(codes, ", "))
			}
			// An office's spelling overrides the built-in one.
			out.values[field][Fold(spelling)] = code
			out.values[field][spelling] = code
			out.values[field][Fold(normaliseText(spelling))] = code
		}
	}
	out.rebuild()
	return out, nil
}

// WithMap returns the vocabulary with one delivery's --map HEADER=column
// pairs, which take precedence over everything else.
func (v *Vocabulary) WithMap(pairs map[string]string) (*Vocabulary, error) {
	for h, col := range pairs {
		if err := checkColumn(h, col, ""); err != nil {
			return nil, fmt.Errorf("--map: %w", err)
		}
	}
	out := v.clone()
	out.flagAlias = pairs
	out.rebuild()
	return out, nil
}

// ForKind returns the vocabulary with enlist.yaml's columns for kind k.
func (v *Vocabulary) ForKind(k Kind) *Vocabulary {
	if v.kind == k {
		return v
	}
	out := v.clone()
	out.kind = k
	out.rebuild()
	return out
}

// HasKindColumns reports whether enlist.yaml names columns for kind k only.
func (v *Vocabulary) HasKindColumns(k Kind) bool { return len(v.kindAlias[k]) > 0 }

func checkColumn(alias, col, scope string) error {
	if strings.TrimSpace(alias) == "" {
		return fmt.Errorf("an empty header cannot be mapped (to %s)", col)
	}
	if scope != "" && scope != "all" {
		if s, _ := Spec(Kind(scope)); !s.has(col) {
			return fmt.Errorf("%q: %q is not a column of %s; its columns are %s", alias, col, scope,
				strings.Join(append(slices.Clone(s.Required), s.Optional...), ", "))
		}
		return nil
	}
	if !IsColumn(col) {
		return fmt.Errorf("%q: %q is not a column; columns are %s", alias, col, strings.Join(Columns(), ", "))
	}
	return nil
}

func (v *Vocabulary) clone() *Vocabulary {
	out := *v
	out.values = maps.Clone(v.values)
	out.layers = nil
	return &out
}

// rebuild orders the office's spellings by precedence: --map, enlist.yaml
// for the kind, enlist.yaml for all.
func (v *Vocabulary) rebuild() {
	v.layers = nil
	add := func(rule Rule, m map[string]string) {
		if len(m) == 0 {
			return
		}
		l := layer{rule: rule, cols: map[string]string{}}
		// Sorted, so that two spellings folding alike resolve the same way
		// every run.
		for _, a := range slices.Sorted(maps.Keys(m)) {
			l.cols[Fold(a)] = m[a]
			l.cols["\x00"+v.folds.Normalise(a)] = m[a]
		}
		v.layers = append(v.layers, l)
	}
	add(RuleMap, v.flagAlias)
	if v.kind != "" {
		add(RuleConfig, v.kindAlias[v.kind])
	}
	add(RuleConfig, v.allAlias)
}

// ValueLine is the enlist.yaml text that teaches enlist a value spelling.
func (v *Vocabulary) ValueLine(field, spelling string) string {
	return fmt.Sprintf("values: {%s: {%q: CODE}} in enlist.yaml, CODE one of %s", field, spelling, strings.Join(v.codes[field], ", "))
}

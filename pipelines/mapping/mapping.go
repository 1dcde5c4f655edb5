// Package mapping turns the headers and values offices write into the
// canonical columns and codes the warehouse stores. The spellings live in
// aliases.csv (column,alias) and values.csv (field,value,code), the words
// of total and sign-off lines in rows.csv (kind,word): adding a spelling
// is a one-line change to data, never to code.
package mapping

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
)

//go:embed aliases.csv
var aliasesCSV string

//go:embed values.csv
var valuesCSV string

// Vocabulary is the alias and value tables, with the additions an office
// makes in enlist.yaml and on the command line. It is never changed after
// it is built: the With… methods return a new one.
type Vocabulary struct {
	columns map[string]string            // folded alias → canonical column
	normal  map[string]string            // normalised alias → canonical column
	aliases []aliasEntry                 // every alias, normalised, for guesses
	labels  map[string]string            // canonical column → its first Chinese spelling
	values  map[string]map[string]string // field → folded value → code
	codes   map[string][]string          // field → its codes, in values.csv order
	folds   foldRules
	rows    rowWords // rows.csv: the words of total and sign-off lines
	// layers are the office's own spellings, highest precedence first:
	// --map, then enlist.yaml for the file's kind, then enlist.yaml for all.
	layers    []layer
	kindAlias map[Kind]map[string]string // enlist.yaml columns by kind, as given
	allAlias  map[string]string          // enlist.yaml columns for all kinds
	flagAlias map[string]string          // --map
	kind      Kind                       // the kind whose enlist.yaml columns apply
}

type aliasEntry struct{ norm, column string }

// layer is one source of extra spellings, keyed by folded and by
// normalised spelling.
type layer struct {
	rule Rule
	cols map[string]string
}

// Rule says how a header was matched to its column.
type Rule string

const (
	RuleExact      Rule = "exact"       // an alias of aliases.csv, up to case, spaces and full-width forms
	RuleNormalised Rule = "normalised"  // an alias after the rules of folds.csv and dropped notes
	RuleGuessed    Rule = "guessed"     // close to one column's alias: mapped with a warning
	RuleConfig     Rule = "enlist.yaml" // the columns: section of enlist.yaml
	RuleMap        Rule = "--map"       // the --map flag of this delivery
)

// Load parses the embedded tables.
func Load() (*Vocabulary, error) {
	v := &Vocabulary{columns: map[string]string{}, normal: map[string]string{}, labels: map[string]string{},
		values: map[string]map[string]string{}, codes: map[string][]string{}}
	folds, err := parseFolds(foldsCSV)
	if err != nil {
		return nil, err
	}
	if v.rows, err = parseRowWords(rowsCSV); err != nil {
		return nil, err
	}
	v.folds = folds
	aliases, err := readTable("aliases.csv", aliasesCSV, 2)
	if err != nil {
		return nil, err
	}
	for i, rec := range aliases {
		key := Fold(rec[1])
		if prev, ok := v.columns[key]; ok && prev != rec[0] {
			return nil, fmt.Errorf("aliases.csv line %d: %q already means %s", i+2, rec[1], prev)
		}
		v.columns[key] = rec[0]
		n := folds.Normalise(rec[1])
		if prev, ok := v.normal[n]; ok && prev != rec[0] {
			return nil, fmt.Errorf("aliases.csv line %d: %q normalises to %q, which already means %s; change folds.csv or the alias",
				i+2, rec[1], n, prev)
		}
		v.normal[n] = rec[0]
		v.aliases = append(v.aliases, aliasEntry{n, rec[0]})
		if _, ok := v.labels[rec[0]]; !ok && !isASCII(rec[1]) {
			v.labels[rec[0]] = rec[1]
		}
	}
	values, err := readTable("values.csv", valuesCSV, 3)
	if err != nil {
		return nil, err
	}
	for i, rec := range values {
		if err := v.addValue(rec[0], rec[1], rec[2]); err != nil {
			return nil, fmt.Errorf("values.csv line %d: %w", i+2, err)
		}
	}
	return v, nil
}

func (v *Vocabulary) addValue(field, spelling, code string) error {
	m := v.values[field]
	if m == nil {
		m = map[string]string{}
		v.values[field] = m
	}
	if !slices.Contains(v.codes[field], code) {
		v.codes[field] = append(v.codes[field], code)
	}
	key := Fold(spelling)
	if prev, ok := m[key]; ok && prev != code {
		return fmt.Errorf("%s %q already means %s", field, spelling, prev)
	}
	m[key] = code
	// The spelling as listed too, so the common case needs no folding.
	m[spelling] = code
	return nil
}

func readTable(name, text string, fields int) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = fields
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return recs[1:], nil
}

// Fold makes header and value spellings comparable: spaces, line breaks and
// required-field asterisks dropped, full-width forms made half-width, ASCII
// lower-cased.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '*' || r == '＊' || r == '：' || r == ':' || isZeroWidth(r):
			continue
		case unicode.IsSpace(r):
			continue
		case r >= '！' && r <= '～': // full-width ASCII block
			r = r - '！' + '!'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Column returns the canonical column a header spelling means, matched
// exactly, normalised or through an office's own spellings; never guessed.
func (v *Vocabulary) Column(header string) (string, bool) {
	m, ok := v.Match(header)
	return m.Column, ok
}

// Match finds the column a header means and the rule that found it:
// --map, enlist.yaml, the alias table as written, then the alias table
// after normalisation (with qualifiers such as 户籍地 dropped when what
// remains names a column). It does not guess; see Guess.
func (v *Vocabulary) Match(header string) (Match, bool) {
	f := Fold(header)
	n := v.folds.Normalise(header)
	for _, l := range v.layers {
		if c, ok := l.cols[f]; ok {
			return Match{Column: c, Rule: l.rule}, true
		}
		if c, ok := l.cols["\x00"+n]; ok {
			return Match{Column: c, Rule: l.rule}, true
		}
	}
	if c, ok := v.columns[f]; ok {
		return Match{Column: c, Rule: RuleExact}, true
	}
	if c, ok := v.lookupNormal(n, 0); ok {
		return Match{Column: c, Rule: RuleNormalised}, true
	}
	return Match{}, false
}

// lookupNormal looks a normalised header up, dropping leading qualifiers
// (户籍所在地, 现, 行政 …) one at a time while nothing matches.
func (v *Vocabulary) lookupNormal(n string, depth int) (string, bool) {
	if c, ok := v.normal[n]; ok {
		return c, true
	}
	for _, l := range v.layers {
		if c, ok := l.cols["\x00"+n]; ok {
			return c, true
		}
	}
	if depth > 3 {
		return "", false
	}
	for _, q := range v.folds.qualifiers {
		if rest, ok := strings.CutPrefix(n, q); ok && rest != "" {
			if c, ok := v.lookupNormal(rest, depth+1); ok {
				return c, true
			}
		}
	}
	return "", false
}

// Match is what a header was taken to mean.
type Match struct {
	Column string
	Rule   Rule
	Alias  string // for a guess: the known spelling the header resembles
}

// Guess finds the columns a header that matches nothing is close to: the
// aliases within a few characters' edit distance of its normalised text,
// else the longest aliases it contains. One column is a guess the caller may
// take with a warning; several mean the header is ambiguous.
func (v *Vocabulary) Guess(header string) (cols []string, alias string) {
	n := v.folds.Normalise(header)
	if n == "" {
		return nil, ""
	}
	for _, w := range v.folds.never {
		if strings.Contains(n, w) {
			return nil, ""
		}
	}
	limit := guessDistance(len([]rune(n)))
	best := limit + 1
	var found []string
	for _, a := range v.allAliases() {
		if limit == 0 {
			break
		}
		d := editDistance(n, a.norm)
		switch {
		case d < best:
			best, found, alias = d, []string{a.column}, a.norm
		case d == best && !slices.Contains(found, a.column):
			found = append(found, a.column)
		}
	}
	if len(found) > 1 {
		// Equally close to several: an alias the header contains decides
		// (政考结论 is as close to 政考日期 as to 考核结论, and holds 结论).
		var holding []string
		held := ""
		for _, a := range v.allAliases() {
			if slices.Contains(found, a.column) && minContained(a.norm) && strings.Contains(n, a.norm) &&
				!slices.Contains(holding, a.column) {
				holding, held = append(holding, a.column), a.norm
			}
		}
		if len(holding) == 1 {
			return holding, held
		}
	}
	if len(found) > 0 {
		return found, alias
	}
	longest := 0
	for _, a := range v.allAliases() {
		if !minContained(a.norm) || !strings.Contains(n, a.norm) {
			continue
		}
		l := len([]rune(a.norm))
		switch {
		case l > longest:
			longest, found, alias = l, []string{a.column}, a.norm
		case l == longest && !slices.Contains(found, a.column):
			found = append(found, a.column)
		}
	}
	return found, alias
}

// Resolve is what DetectHeader makes of one header cell on its own: its
// match (exact, normalised, an office's spelling, or a guess), or the
// columns it is equally close to.
func (v *Vocabulary) Resolve(header string) (m Match, ambiguous []string, ok bool) {
	if m, ok := v.Match(header); ok {
		return m, nil, true
	}
	cols, alias := v.Guess(header)
	switch len(cols) {
	case 0:
		return Match{}, nil, false
	case 1:
		return Match{Column: cols[0], Rule: RuleGuessed, Alias: alias}, nil, true
	}
	sort.Strings(cols)
	return Match{}, cols, false
}

// Closest lists up to n canonical columns nearest to a header, nearest
// first, for messages that suggest what a header might be. Nearness is the
// longest run of characters the header shares, in order, with a column's
// alias, against their lengths (户籍码 is near 户籍地区划代码): edit distance
// alone rates every short Chinese header equally far from everything.
func (v *Vocabulary) Closest(header string, n int) []string {
	sim := v.similarity(header)
	cols := make([]string, 0, len(sim))
	for c, s := range sim {
		if s > 0 {
			cols = append(cols, c)
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if sim[cols[i]] != sim[cols[j]] {
			return sim[cols[i]] > sim[cols[j]]
		}
		return cols[i] < cols[j]
	})
	if len(cols) > n {
		cols = cols[:n]
	}
	return cols
}

// similarity rates each canonical column against a header, 0 to 1.
func (v *Vocabulary) similarity(header string) map[string]float64 {
	h := []rune(v.folds.Normalise(header))
	out := map[string]float64{}
	for _, a := range v.allAliases() {
		if !IsColumn(a.column) {
			continue
		}
		ar := []rune(a.norm)
		if len(h)+len(ar) == 0 {
			continue
		}
		s := 2 * float64(lcs(h, ar)) / float64(len(h)+len(ar))
		if s > out[a.column] {
			out[a.column] = s
		}
	}
	return out
}

// lcs is the length of the longest common subsequence of a and b.
func lcs(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// allAliases is the built-in aliases and the office's own.
func (v *Vocabulary) allAliases() []aliasEntry {
	if len(v.layers) == 0 {
		return v.aliases
	}
	out := slices.Clone(v.aliases)
	for _, l := range v.layers {
		for k, c := range l.cols {
			if n, ok := strings.CutPrefix(k, "\x00"); ok {
				out = append(out, aliasEntry{n, c})
			}
		}
	}
	return out
}

// Value returns the code for a value of a field (education, result, …):
// as written, folded, then normalised (NFKC, spaces, a note in brackets
// dropped: 本科（学士） is 本科).
func (v *Vocabulary) Value(field, raw string) (string, bool) {
	m, ok := v.values[field]
	if !ok {
		return "", false
	}
	if c, ok := m[raw]; ok {
		return c, true
	}
	if c, ok := m[Fold(raw)]; ok {
		return c, true
	}
	c, ok := m[Fold(normaliseText(raw))]
	return c, ok
}

// Codes lists the codes a field's values map to, for messages.
func (v *Vocabulary) Codes(field string) []string { return v.codes[field] }

// HasVocabulary reports whether field takes its values from values.csv.
func (v *Vocabulary) HasVocabulary(field string) bool {
	_, ok := v.values[field]
	return ok
}

// Label names a canonical column the way offices write it: 身份证号 (id_number).
func (v *Vocabulary) Label(col string) string {
	if l, ok := v.labels[col]; ok {
		return l + " (" + col + ")"
	}
	return col
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

package mapping

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed folds.csv
var foldsCSV string

// foldRules are the word rules of folds.csv: replace rules make two
// spellings one (时间 → 日期), qualifiers are words an office puts before a
// column's name (户籍地, 行政) that are dropped when what remains names a
// column, and never words keep a header from being guessed.
type foldRules struct {
	replace    []*strings.Replacer
	qualifiers []string
	// never are words naming someone or something else (父亲, 监护人): a
	// header holding one is never guessed to be a column it resembles
	// (父亲姓名 is not the recruit's 姓名).
	never []string
}

func parseFolds(text string) (foldRules, error) {
	recs, err := readTable("folds.csv", text, 3)
	if err != nil {
		return foldRules{}, err
	}
	var f foldRules
	for i, rec := range recs {
		from := normaliseText(rec[1])
		switch rec[0] {
		case "replace":
			if from == "" {
				return foldRules{}, fmt.Errorf("folds.csv line %d: nothing to replace", i+2)
			}
			// One replacer per rule, applied in file order, so that a longer
			// rule listed first (是否有责任) wins over a shorter one inside it.
			f.replace = append(f.replace, strings.NewReplacer(from, normaliseText(rec[2])))
		case "qualifier":
			if from == "" {
				return foldRules{}, fmt.Errorf("folds.csv line %d: empty qualifier", i+2)
			}
			f.qualifiers = append(f.qualifiers, from)
		case "never":
			if from == "" {
				return foldRules{}, fmt.Errorf("folds.csv line %d: empty word", i+2)
			}
			f.never = append(f.never, from)
		default:
			return foldRules{}, fmt.Errorf("folds.csv line %d: rule %q: use replace, qualifier or never", i+2, rec[0])
		}
	}
	return f, nil
}

// Normalise is the spelling-independent form of a header: NFKC (full-width
// letters, digits and brackets become half-width), whitespace and
// zero-width characters removed, notes in brackets dropped (（必填）,
// [单位:元]), required-field marks and a trailing colon dropped, ASCII
// lower-cased, then the replace rules of folds.csv applied.
func (f foldRules) Normalise(s string) string {
	s = normaliseText(s)
	for _, r := range f.replace {
		s = r.Replace(s)
	}
	return s
}

// normaliseText is Normalise without the word rules; values use it too.
func normaliseText(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), isZeroWidth(r):
			continue
		case r == '*' || r == '※' || r == '★' || r == '☆' || r == '#':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	out := dropNotes(b.String())
	out = strings.TrimRight(out, ":：")
	if out == "" {
		// A header that is nothing but a note keeps its text, so it can
		// still be named in messages and matched by a --map.
		return strings.TrimRight(b.String(), ":：")
	}
	return out
}

func isZeroWidth(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

// brackets pairs the brackets offices put notes in. NFKC has already made
// （） and ［］ half-width; 【】, 〔〕 and 《》 have no half-width form.
var brackets = map[rune]rune{'(': ')', '[': ']', '【': '】', '〔': '〕', '<': '>', '{': '}', '〈': '〉'}

// dropNotes removes bracketed notes: 任务数(人) → 任务数, 身份证号[必填] →
// 身份证号. An unclosed bracket is kept as text.
func dropNotes(s string) string {
	if !strings.ContainsAny(s, "([【〔<{〈") {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		closer, ok := brackets[rs[i]]
		if ok {
			depth, j := 1, i+1
			for ; j < len(rs) && depth > 0; j++ {
				switch rs[j] {
				case rs[i]:
					depth++
				case closer:
					depth--
				}
			}
			if depth == 0 {
				i = j - 1
				continue
			}
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// editDistance is the Levenshtein distance between a and b in characters.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// guessDistance is how many characters a header may be off from an alias
// and still be guessed: none for short headers, where one character changes
// the meaning (年度/季度), one from four characters, two from eight.
func guessDistance(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// minContained is the shortest alias a header may contain to be guessed as
// that alias's column: two Chinese characters, or four letters.
func minContained(alias string) bool {
	n := len([]rune(alias))
	if isASCII(alias) {
		return n >= 4
	}
	return n >= 2
}

// Package mapping turns the headers and values offices write into the
// canonical columns and codes the warehouse stores. The spellings live in
// aliases.csv (column,alias) and values.csv (field,value,code): adding a
// spelling is a one-line change to data, never to code.
package mapping

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"unicode"
)

//go:embed aliases.csv
var aliasesCSV string

//go:embed values.csv
var valuesCSV string

// Vocabulary is the alias and value tables.
type Vocabulary struct {
	columns map[string]string            // folded alias → canonical column
	labels  map[string]string            // canonical column → its first Chinese spelling
	values  map[string]map[string]string // field → folded value → code
}

// Load parses the embedded tables.
func Load() (*Vocabulary, error) {
	v := &Vocabulary{columns: map[string]string{}, labels: map[string]string{}, values: map[string]map[string]string{}}
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
		if _, ok := v.labels[rec[0]]; !ok && !isASCII(rec[1]) {
			v.labels[rec[0]] = rec[1]
		}
	}
	values, err := readTable("values.csv", valuesCSV, 3)
	if err != nil {
		return nil, err
	}
	for i, rec := range values {
		m := v.values[rec[0]]
		if m == nil {
			m = map[string]string{}
			v.values[rec[0]] = m
		}
		key := Fold(rec[1])
		if prev, ok := m[key]; ok && prev != rec[2] {
			return nil, fmt.Errorf("values.csv line %d: %s %q already means %s", i+2, rec[0], rec[1], prev)
		}
		m[key] = rec[2]
		// The spelling as listed too, so the common case needs no folding.
		m[rec[1]] = rec[2]
	}
	return v, nil
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
		case r == '*' || r == '＊' || r == '：' || r == ':' || r == '\ufeff':
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

// Column returns the canonical column a header spelling means.
func (v *Vocabulary) Column(header string) (string, bool) {
	c, ok := v.columns[Fold(header)]
	return c, ok
}

// Value returns the code for a value of a field (education, result, …).
func (v *Vocabulary) Value(field, raw string) (string, bool) {
	m, ok := v.values[field]
	if !ok {
		return "", false
	}
	if c, ok := m[raw]; ok {
		return c, true
	}
	c, ok := m[Fold(raw)]
	return c, ok
}

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

package load

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"enlist/pipelines/mapping"
)

// UseOverrides adds an office's own header and value spellings (the
// columns: and values: sections of enlist.yaml) to the built-in tables.
func (l *Loader) UseOverrides(o mapping.Overrides) error {
	v, err := l.vocab.WithOverrides(o)
	if err != nil {
		return fmt.Errorf("enlist.yaml: %w", err)
	}
	l.vocab = v
	return nil
}

// vocabulary is the loader's vocabulary with the delivery's --map pairs.
func (l *Loader) vocabulary(opt Options) (*mapping.Vocabulary, error) {
	if len(opt.Map) == 0 {
		return l.vocab, nil
	}
	return l.vocab.WithMap(opt.Map)
}

// mapHeader finds the header and the kind. enlist.yaml may give spellings
// for one kind only (日期 is an exam date in one office's exam lists and an
// approval date in its approval lists), so a kind with such spellings is
// tried with them when the kind-independent spellings do not settle it.
func mapHeader(v *mapping.Vocabulary, cells [][]string, given mapping.Kind) (mapping.Header, mapping.Kind, *mapping.Vocabulary, error) {
	if given != "" {
		vk := v.ForKind(given)
		h, err := vk.DetectHeader(cells)
		return h, given, vk, err
	}
	withKindSpellings := func() (mapping.Header, mapping.Kind, *mapping.Vocabulary, bool) {
		for _, name := range mapping.KindNames() {
			k := mapping.Kind(name)
			if !v.HasKindColumns(k) {
				continue
			}
			vk := v.ForKind(k)
			hk, err := vk.DetectHeader(cells)
			if err != nil {
				continue
			}
			if kk, err := mapping.DetectKind(hk.Columns, mapping.ReadTitle(hk.Title)); err == nil && kk == k {
				return hk, k, vk, true
			}
		}
		return mapping.Header{}, "", nil, false
	}
	h, err := v.DetectHeader(cells)
	if err != nil {
		if hk, k, vk, ok := withKindSpellings(); ok {
			return hk, k, vk, nil
		}
		return h, "", v, err
	}
	hints := mapping.ReadTitle(h.Title)
	kind, kerr := mapping.DetectKind(h.Columns, hints)
	if kerr == nil && !v.HasKindColumns(kind) {
		return h, kind, v, nil
	}
	if hk, k, vk, ok := withKindSpellings(); ok {
		return hk, k, vk, nil
	}
	if kerr == nil {
		return h, kind, v, nil
	}
	closest, missing := mapping.ClosestKind(h.Columns, hints)
	msg := kerr.Error()
	if len(missing) > 0 {
		msg += fmt.Sprintf("; it is closest to a %s file", closest)
	} else {
		closest = ""
	}
	return h, "", v, errors.New(scrubIDs(v.Explain(msg, h, closest, missing)))
}

// headerMap is the ledger's record of the header: HEADER → column (rule),
// one per line, in column order.
func headerMap(h mapping.Header) string {
	cols := make([]string, 0, len(h.Columns))
	for c := range h.Columns {
		cols = append(cols, c)
	}
	slices.SortFunc(cols, func(a, b string) int { return h.Columns[a] - h.Columns[b] })
	var lines []string
	for _, c := range cols {
		lines = append(lines, fmt.Sprintf("%s → %s (%s)", h.Names[c], c, h.Rules[c].Rule))
	}
	return strings.Join(lines, "\n")
}

// headerWarnings are what an office should read about its header: the
// guesses, and the columns enlist did not use.
func headerWarnings(h mapping.Header) []string {
	var out []string
	for _, g := range h.Guessed() {
		out = append(out, "header guessed: "+g+"; if wrong, give --map 'HEADER=column' or add it to columns: in enlist.yaml")
	}
	for _, u := range h.Unmapped {
		t := headerTexts([]string{u.Text})
		if len(t) == 0 {
			continue
		}
		if len(u.Ambiguous) > 0 {
			out = append(out, fmt.Sprintf("column ignored: %q could be %s; give --map '%s=COLUMN' to use it",
				t[0], strings.Join(u.Ambiguous, " or "), t[0]))
			continue
		}
		out = append(out, fmt.Sprintf("column ignored: %q", t[0]))
	}
	return out
}

package bulletin

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"
)

// reasons.csv is the vocabulary of failure and return reasons as offices
// write them, in English: one line per spelling, a one-line change for a
// new one. A reason not in it stays as the extract has it.
//
//go:embed reasons.csv
var reasonsCSV []byte

var reasonVocabulary = sync.OnceValue(func() map[string]string {
	rows, err := csv.NewReader(bytes.NewReader(reasonsCSV)).ReadAll()
	if err != nil {
		panic("reports/bulletin/reasons.csv: " + err.Error()) // embedded: a build-time mistake
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows[1:] {
		m[strings.TrimSpace(r[0])] = strings.TrimSpace(r[1])
	}
	return m
})

// Reason is a failure or return reason in the bulletin's language: an
// English bulletin translates it through the vocabulary where it can.
func (l Lang) Reason(s string) string {
	if s == "" {
		return l.T("not_stated")
	}
	if l == English {
		if en, ok := reasonVocabulary()[strings.TrimSpace(s)]; ok {
			return en
		}
	}
	return s
}

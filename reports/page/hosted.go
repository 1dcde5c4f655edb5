package page

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"enlist/reports/bulletin"
)

// Hosted is the bulletin page as a web server shows it inside a page of its
// own (the web console): the same header, sections and chart data as the
// file Write produces, with the style sheet and the scripts served as files
// (Style, InitScript and the ECharts bundle of reports/assets), because the
// server's Content Security Policy runs no inline script and allows no
// inline style. Body goes into the host page as is; the host page loads the
// style sheet in its head and, after Body, the ECharts bundle and then
// InitScript, which draws the charts and marks body[data-rendered="true"].
type Hosted struct {
	Title    string
	HTMLLang string
	Body     template.HTML
}

// Host renders b for a host page. now is the generation time shown.
func Host(b *bulletin.Bulletin, now time.Time) (Hosted, error) {
	v, err := build(b, now)
	if err != nil {
		return Hosted{}, err
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "content", v); err != nil {
		return Hosted{}, fmt.Errorf("render bulletin page: %w", err)
	}
	// The template escaped every text from the extracts; what it wrote is
	// markup to embed whole.
	return Hosted{Title: v.Title, HTMLLang: v.HTMLLang, Body: template.HTML(buf.String())}, nil //nolint:gosec // escaped by html/template above
}

// Style is the page's style sheet.
func Style() []byte { return []byte(pageCSS) }

// InitScript is the script that draws the charts from the data block.
func InitScript() []byte { return []byte(initJS) }

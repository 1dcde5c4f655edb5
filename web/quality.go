package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
)

// example is a refused row as the rejects table keeps it: row number,
// column, reason and the value masked at load (an identity number keeps its
// first 6 and last 4 characters, a name its first character).
type example struct {
	File, Label, Row, Column, Value, Detail string
}

type qualityPage struct {
	Title, AsOfLine string
	Reasons         []bulletin.IssueTotal
	Total           bulletin.IssueTotal
	Files           []bulletin.FileQuality
	FileTotal       bulletin.FileQuality
	Examples        []example
	XLSXURL         string
	KindName        func(string) string
	SourceLabel     func(string) string
	BT              func(string) string // the bulletin's words
}

// examplesPerReason is how many refused rows the page shows per file and
// reason; the workbook and enlist sql have the rest.
const examplesPerReason = 3

// quality shows the data problems of the region and below, counted as the
// bulletin's data-quality section counts them (rows inside the region
// only), every reason listed, with masked examples of refused rows.
func (s *Server) quality(w http.ResponseWriter, r *http.Request, c *call) {
	b, ok := s.bulletinOrFail(w, r, c)
	if !ok {
		return
	}
	q := b.Quality()
	p := qualityPage{Title: b.QualityTitle(), AsOfLine: b.AsOfLine(), Reasons: b.IssuesByReason(), Total: q.Total,
		Files: q.Files, FileTotal: q.FileTotal, KindName: b.Lang.KindName, BT: b.Lang.T,
		SourceLabel: func(src string) string { return b.Lang.T("source_" + src) },
		XLSXURL:     c.link("/quality.xlsx", url.Values{"scope": {c.Scope}, "as_of": {b.AsOf.Format(time.DateOnly)}})}
	var err error
	if p.Examples, err = s.examples(r.Context(), b); err != nil {
		s.failed(w, r, c, err)
		return
	}
	s.render(w, r, c, http.StatusOK, "quality", s.frame(r, c, "quality", c.Lang.t("quality"), p))
}

// examples reads a few refused rows of each file with problems whose
// region lies within the bulletin's: a refused row has no trusted region of
// its own, so it belongs to the region its file covers (as row_issues
// counts it), and a file covering a larger region shows none here.
func (s *Server) examples(ctx context.Context, b *bulletin.Bulletin) ([]example, error) {
	var ids []string
	names := map[int64]string{}
	for _, f := range b.Quality().Files {
		if f.Rejected > 0 && Within(b.Scope.Code(), f.RegionCode) {
			ids = append(ids, strconv.FormatInt(f.LoadID, 10))
			names[f.LoadID] = f.File
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	wh, release, err := s.pub.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return readExamples(ctx, wh, b, ids, names)
}

func readExamples(ctx context.Context, wh *warehouse.Warehouse, b *bulletin.Bulletin, ids []string, names map[int64]string) ([]example, error) {
	labels := map[string]string{}
	for _, t := range b.IssuesByReason() {
		labels[t.Source+"/"+t.Reason] = t.Label
	}
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT load_id, reason, source_row, coalesce(column_name, ''), coalesce(raw_value, ''), coalesce(detail, '')
		FROM rejects
		WHERE list_contains(?::BIGINT[], load_id)
		QUALIFY row_number() OVER (PARTITION BY load_id, reason ORDER BY source_row, column_name) <= ?
		ORDER BY load_id, reason, source_row`, "["+strings.Join(ids, ",")+"]", examplesPerReason)
	if err != nil {
		return nil, fmt.Errorf("read refused rows: %w", err)
	}
	defer rows.Close()
	var out []example
	for rows.Next() {
		var id int64
		var reason string
		var row int
		var e example
		if err := rows.Scan(&id, &reason, &row, &e.Column, &e.Value, &e.Detail); err != nil {
			return nil, fmt.Errorf("read refused rows: %w", err)
		}
		e.File, e.Row = names[id], fmt.Sprint(row)
		e.Label = labels["reject/"+reason]
		if e.Label == "" {
			e.Label = reason
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// qualityXLSX is the data-quality workbook (enlist report quality) of the
// region, counted inside it as the page counts: the bulletin is gathered
// as for the page (problems of rows inside the region only), not as the
// command's audit of every file around the region, which would count rows
// of the regions beside it.
func (s *Server) qualityXLSX(w http.ResponseWriter, r *http.Request, c *call) {
	b, ok := s.bulletinOrFail(w, r, c)
	if !ok {
		return
	}
	s.sendWorkbook(w, r, c, "download", b, true)
}

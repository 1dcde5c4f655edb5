package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
	"enlist/reports/page"
)

// maxDepth is the deepest --depth that means anything: province to village.
const maxDepth = 4

// badParam answers 400 naming the parameter.
func (s *Server) badParam(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var pe *paramError
	if !errors.As(err, &pe) {
		pe = &paramError{Name: "", Err: err}
	}
	s.fail(w, r, c, http.StatusBadRequest, pe.Name, pe.Error())
}

// apiMetrics is /api/v1/metrics: what `enlist metrics --format json`
// prints for the same scope, year, season, as-of date and depth.
func (s *Server) apiMetrics(w http.ResponseWriter, r *http.Request, c *call) {
	now := s.now()
	q := metrics.Query{Scope: c.Scope, Depth: 1}
	var err error
	if q.AsOf, err = asOf(r, now); err == nil {
		if q.Year, err = number(r, "year", now); err == nil {
			q.Season, err = number(r, "season", now)
		}
	}
	if err == nil {
		var d string
		if d, err = one(r, "depth"); err == nil && d != "" {
			n, perr := strconv.Atoi(d)
			if perr != nil || n < 0 || n > maxDepth {
				err = &paramError{"depth", fmt.Errorf("%q: give the levels below the scope to include, 0 to %d", d, maxDepth)}
			}
			q.Depth = n
		}
	}
	if err != nil {
		s.badParam(w, r, c, err)
		return
	}
	if q.AsOf.IsZero() {
		q.AsOf = s.today()
	}
	key := metricsKey{scope: q.Scope, year: q.Year, season: q.Season, asOf: q.AsOf.Format(time.DateOnly), depth: q.Depth}
	// On the quick lane: a metrics answer takes a fraction of a bulletin's
	// time and never waits behind bulletins being gathered.
	a, err := fromCopy(r.Context(), s, &s.answers, s.quick, key, s.readMetrics)
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	copyHeaders(w, a.From, a.Stale)
	writeMetrics(w, a.V)
}

// metricsKey names a metrics API answer of a copy.
type metricsKey struct {
	scope, asOf         string
	year, season, depth int
}

// readMetrics is the metrics API's answer, as enlist metrics --format
// json writes it, from the copy wh.
func (s *Server) readMetrics(ctx context.Context, wh *warehouse.Warehouse, k metricsKey) ([]byte, error) {
	at, err := time.Parse(time.DateOnly, k.asOf)
	if err != nil {
		return nil, err
	}
	// The week's figures of the whole province are read once and shared
	// by every region's answer of that week (metrics.Province).
	q, err := metrics.Resolve(ctx, wh.DB(), metrics.Query{Scope: k.scope, Year: k.year, Season: k.season, AsOf: at, Depth: k.depth})
	if err != nil {
		return nil, err
	}
	wk := weekKey{province: q.Scope[:2], asOf: k.asOf, year: q.Year, season: q.Season}
	prov, err := s.provinces.get(ctx, wh, wk, func() (*metrics.Province, error) {
		return metrics.ReadProvince(ctx, wh, wk.province, q.AsOf, q.Year, q.Season)
	})
	if err != nil {
		return nil, err
	}
	frame, ok, err := prov.Of(q)
	if err != nil {
		return nil, err
	}
	if !ok {
		if frame, err = metrics.Read(ctx, wh, q); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := tabular.Write(&buf, "json", frame); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// copyHeaders say which published copy an API answer comes from, and,
// right after a publish, that it is the previous one (the new copy's
// answer is being computed): the body stays as enlist metrics writes it.
func copyHeaders(w http.ResponseWriter, from copyInfo, stale bool) {
	if !from.Published.IsZero() {
		w.Header().Set("X-Enlist-Copy-Published", from.Published.UTC().Format(time.RFC3339))
	}
	if stale {
		w.Header().Set("X-Enlist-Copy-Stale", "previous copy; the new one's answer is being computed")
	}
}

func writeMetrics(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b) //nolint:errcheck // the client went away
}

// apiBulletin is /api/v1/bulletin: the weekly bulletin of the scope as the
// XLSX workbook (default) or the offline HTML page, as `enlist report
// weekly` writes them, sent as attachments.
func (s *Server) apiBulletin(w http.ResponseWriter, r *http.Request, c *call) {
	format, err := one(r, "format")
	if err == nil && format != "" && format != "xlsx" && format != "html" {
		err = &paramError{"format", fmt.Errorf("%q: use xlsx or html", format)}
	}
	var at time.Time
	if err == nil {
		at, err = asOf(r, s.now())
	}
	if err != nil {
		s.badParam(w, r, c, err)
		return
	}
	b, a, err := s.gather(r.Context(), c, at)
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	copyHeaders(w, a.From, a.Stale)
	if format != "html" {
		s.sendWorkbook(w, r, c, "download", b, false)
		return
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, b, s.now()); err != nil {
		s.failed(w, r, c, err)
		return
	}
	name := fmt.Sprintf("bulletin_%s_%s.html", b.Scope.Code(), b.AsOf.Format("20060102"))
	// An attachment: the page runs its own scripts under its own policy
	// when opened as a file, not under the console's.
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

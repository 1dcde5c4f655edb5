package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/tabular"
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
	wh, release, err := s.pub.acquire(r.Context())
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	defer release()
	key := fmt.Sprintf("%s|%d|%d|%s|%d", q.Scope, q.Year, q.Season, q.AsOf.Format(time.DateOnly), q.Depth)
	if b, ok := s.answers.get(wh.Path(), key); ok {
		writeMetrics(w, b)
		return
	}
	done, err := s.turns.take(r.Context())
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	frame, err := metrics.Read(r.Context(), wh, q)
	done()
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	var buf bytes.Buffer
	if err := tabular.Write(&buf, "json", frame); err != nil {
		s.failed(w, r, c, err)
		return
	}
	s.answers.put(wh.Path(), key, buf.Bytes())
	writeMetrics(w, buf.Bytes())
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
	b, err := s.gather(r.Context(), c, at)
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
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

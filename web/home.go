package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
	"enlist/reports/page"
	"enlist/reports/workbook"
)

// gather reads the bulletin of c's region as of a date (today when zero),
// from the published copy, as `enlist report weekly --latest` would: a
// season without data shows the latest with data, and the page says so.
// Right after a publish it may be the previous copy's bulletin while the
// new copy's is gathered (copyCache); the answer says which copy.
func (s *Server) gather(ctx context.Context, c *call, at time.Time) (*bulletin.Bulletin, answer[*bulletin.Bulletin], error) {
	if at.IsZero() {
		at = s.today()
	}
	a, err := fromCopy(ctx, s, &s.bulletins, s.turns, bulletinKey{scope: c.Scope, asOf: at.Format(time.DateOnly), lang: c.Lang.bulletin()}, s.gatherBulletin)
	if err != nil {
		return nil, a, err
	}
	// Callers may set Generated; the others keep theirs.
	b := *a.V
	return &b, a, nil
}

// gatherBulletin is a bulletin as the console shows it, from the copy wh.
func (s *Server) gatherBulletin(ctx context.Context, wh *warehouse.Warehouse, k bulletinKey) (*bulletin.Bulletin, error) {
	at, err := time.Parse(time.DateOnly, k.asOf)
	if err != nil {
		return nil, err
	}
	return bulletin.Gather(ctx, wh, bulletin.Options{Scope: k.scope, AsOf: at, Lang: k.lang, Fallback: true, Signature: s.cfg.Signature,
		Day: func(ctx context.Context, asOf time.Time, year, season int) (*bulletin.Day, error) {
			return s.day(ctx, wh, asOf, year, season)
		}})
}

// day is the Day of a week from the copy wh, read once per copy and week
// whichever region's bulletin asks first; the copy's files are read once
// for all its Days of the season.
func (s *Server) day(ctx context.Context, wh *warehouse.Warehouse, asOf time.Time, year, season int) (*bulletin.Day, error) {
	return s.days.get(ctx, wh, weekKey{asOf: asOf.Format(time.DateOnly), year: year, season: season}, func() (*bulletin.Day, error) {
		files, err := s.files.get(ctx, wh, seasonKey{year, season}, func() (*bulletin.Files, error) { return bulletin.ReadFiles(ctx, wh, year, season) })
		if err != nil {
			return nil, err
		}
		return bulletin.ReadDayWith(ctx, wh, asOf, year, season, files)
	})
}

// asOfOrFail reads as_of, answering 400 when it is bad.
func (s *Server) asOfOrFail(w http.ResponseWriter, r *http.Request, c *call) (time.Time, bool) {
	at, err := asOf(r, s.now())
	if err != nil {
		var pe *paramError
		errors.As(err, &pe)
		s.fail(w, r, c, http.StatusBadRequest, "as_of", c.Lang.f("bad_as_of", pe.Err))
		return at, false
	}
	return at, true
}

// bulletinOrFail is the bulletin of the call's region as of the date the
// request asks for, or false once the failure has been answered: the
// start of every page and download that shows a bulletin.
func (s *Server) bulletinOrFail(w http.ResponseWriter, r *http.Request, c *call) (*bulletin.Bulletin, bool) {
	b, _, ok := s.shownBulletin(w, r, c)
	return b, ok
}

// shownBulletin is bulletinOrFail with the copy the bulletin came from.
func (s *Server) shownBulletin(w http.ResponseWriter, r *http.Request, c *call) (*bulletin.Bulletin, answer[*bulletin.Bulletin], bool) {
	at, ok := s.asOfOrFail(w, r, c)
	if !ok {
		return nil, answer[*bulletin.Bulletin]{}, false
	}
	b, a, err := s.gather(r.Context(), c, at)
	if err != nil {
		s.failed(w, r, c, err)
		return nil, a, false
	}
	return b, a, true
}

type childLink struct{ Code, Name, URL string }

type homePage struct {
	English                          bool
	AsOf                             string
	PrevURL, NextURL, XLSXURL, UpURL string
	Children                         []childLink
	Body                             template.HTML
	// Stale, when not empty, says the page shows the previous published
	// copy while the new one's bulletin is gathered.
	Stale string
}

// home is the bulletin of the region asked for (the user's own by
// default) as the HTML bulletin shows it, with a week picker, the regions
// below to drill into, and the workbook of what is shown.
func (s *Server) home(w http.ResponseWriter, r *http.Request, c *call) {
	b, a, ok := s.shownBulletin(w, r, c)
	if !ok {
		return
	}
	hosted, err := page.Host(b, s.now())
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	day := b.AsOf.Format(time.DateOnly)
	at := b.AsOf
	here := func(scope string, d time.Time) string {
		return c.link("/", url.Values{"scope": {scope}, "as_of": {d.Format(time.DateOnly)}})
	}
	p := homePage{English: c.Lang == en, AsOf: day, Body: hosted.Body,
		PrevURL: here(c.Scope, at.AddDate(0, 0, -7)), NextURL: here(c.Scope, at.AddDate(0, 0, 7)),
		XLSXURL: c.link("/bulletin.xlsx", url.Values{"scope": {c.Scope}, "as_of": {day}})}
	if a.Stale {
		p.Stale = c.Lang.f("stale_copy", a.From.Published.In(s.cfg.Zone).Format("2006-01-02 15:04"))
	}
	if c.Scope != c.User.Region {
		p.UpURL = here(regions.Parent(c.Scope), at)
	}
	for _, ch := range b.Children {
		p.Children = append(p.Children, childLink{Code: ch.Code(), Name: ch.Name(), URL: here(ch.Code(), at)})
	}
	f := s.frame(r, c, "home", hosted.Title, p)
	f.Bulletin = true
	s.render(w, r, c, http.StatusOK, "home", f)
}

// bulletinXLSX is the workbook of the bulletin the home page shows.
func (s *Server) bulletinXLSX(w http.ResponseWriter, r *http.Request, c *call) {
	b, ok := s.bulletinOrFail(w, r, c)
	if !ok {
		return
	}
	s.sendWorkbook(w, r, c, "download", b, false)
}

// sendWorkbook writes the bulletin's workbook (or, with quality, the
// data-quality workbook) as an attachment, and records the download.
func (s *Server) sendWorkbook(w http.ResponseWriter, r *http.Request, c *call, action string, b *bulletin.Bulletin, quality bool) {
	b.Generated = s.now()
	kind, build := "bulletin", workbook.Weekly
	if quality {
		kind, build = "quality", workbook.Quality
	}
	f, err := build(b)
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	defer f.Close()
	name := fmt.Sprintf("%s_%s_%s.xlsx", kind, b.Scope.Code(), b.AsOf.Format("20060102"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := f.Write(w); err != nil {
		s.cfg.Log.Warn("send workbook", "file", name, "err", err)
		s.audit(r, c, action, name, http.StatusInternalServerError)
		return
	}
	s.audit(r, c, action, name, http.StatusOK)
}

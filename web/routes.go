package web

import (
	"net/http"
	"regexp"
	"strings"

	"enlist/internal/regions"
	"enlist/web/auth"
)

// scopeFrom says where a route finds the region it answers for.
type scopeFrom int

const (
	// fromQuery: ?scope=CODE, the user's own region when absent.
	fromQuery scopeFrom = iota
	// fromFile: the {file} path segment, an archived report named
	// <kind>_<scope>_<date>.<ext> (reports.WriteWeekly's names).
	fromFile
	// serviceWide: the service's own jobs and inbox, which hold no region's
	// rows; the user's region is the scope.
	serviceWide
)

// route is one line of the route table.
type route struct {
	Method, Pattern string
	Min             auth.Role
	Scope           scopeFrom
	API             bool // answers JSON (401/403/400 as JSON) instead of pages
	Handle          handler
}

// handler serves a request whose user and region the table has checked.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, c *call)

// call is what the table hands a handler: the signed-in user, the region
// checked against the user's, and the language of the page.
type call struct {
	User  auth.User
	Scope string
	Lang  lang
	API   bool
}

// routeTable is every route the console serves besides /login, /logout
// and /static/. The region check is not a handler's business: guarded
// applies it to each line, so a new line cannot skip it.
func routeTable() []route {
	return []route{
		{"GET", "/{$}", auth.Leader, fromQuery, false, (*Server).home},
		{"GET", "/bulletin.xlsx", auth.Leader, fromQuery, false, (*Server).bulletinXLSX},
		{"GET", "/archive", auth.Leader, fromQuery, false, (*Server).archive},
		{"GET", "/archive/{file}", auth.Leader, fromFile, false, (*Server).archiveFile},
		{"GET", "/quality", auth.Analyst, fromQuery, false, (*Server).quality},
		{"GET", "/quality.xlsx", auth.Analyst, fromQuery, false, (*Server).qualityXLSX},
		{"GET", "/runs", auth.Operator, serviceWide, false, (*Server).runsPage},
		{"POST", "/runs/{job}", auth.Operator, serviceWide, false, (*Server).runNow},
		{"GET", "/users", auth.Admin, fromQuery, false, (*Server).users},
		{"GET", "/sql", auth.Analyst, fromQuery, false, (*Server).sqlPage},
		{"POST", "/sql/download", auth.Analyst, fromQuery, false, (*Server).sqlDownload},
		{"GET", "/upload", auth.Operator, serviceWide, false, (*Server).uploadForm},
		{"POST", "/upload", auth.Operator, serviceWide, false, (*Server).uploadPost},
		{"GET", "/upload/{id}", auth.Operator, serviceWide, false, (*Server).uploadShow},
		{"POST", "/upload/{id}/check", auth.Operator, serviceWide, false, (*Server).uploadRecheck},
		{"POST", "/upload/{id}/confirm", auth.Operator, serviceWide, false, (*Server).uploadConfirm},
		{"POST", "/upload/{id}/cancel", auth.Operator, serviceWide, false, (*Server).uploadCancel},
		{"GET", "/api/v1/metrics", auth.Leader, fromQuery, true, (*Server).apiMetrics},
		{"GET", "/api/v1/bulletin", auth.Leader, fromQuery, true, (*Server).apiBulletin},
		{"GET", "/api/v1/runs", auth.Operator, serviceWide, true, (*Server).apiRuns},
		{"POST", "/api/v1/sql", auth.Analyst, fromQuery, true, (*Server).apiSQL},
		{"POST", "/api/v1/check", auth.Operator, serviceWide, true, (*Server).apiCheck},
		{"POST", "/api/v1/ingest", auth.Operator, serviceWide, true, (*Server).apiIngest},
		{"GET", "/api/v1/queries", auth.Analyst, fromQuery, true, (*Server).apiSavedList},
		{"POST", "/api/v1/queries", auth.Analyst, fromQuery, true, (*Server).apiSavedSave},
		{"POST", "/api/v1/queries/{id}/run", auth.Analyst, fromQuery, true, (*Server).apiSavedRun},
		{"DELETE", "/api/v1/queries/{id}", auth.Analyst, fromQuery, true, (*Server).apiSavedDelete},
	}
}

// archivedName is an archived report's file name: kind, scope, date.
var archivedName = regexp.MustCompile(`^(bulletin|quality)_([0-9]+)_([0-9]{8})\.(xlsx|html)$`)

// Within tells whether a user bound to region may read code: code is the
// region itself or lies under it. A parent or a sibling is outside.
func Within(region, code string) bool {
	return regions.LevelOf(code) != 0 && strings.HasPrefix(code, region)
}

// guarded wraps a route's handler: the guard admits a signed-in user of at
// least the route's role, then the region the request names — in ?scope=
// on every route, and in the path where the route takes it from there —
// must be the user's region or lie under it.
func (s *Server) guarded(rt route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := auth.UserFrom(r.Context())
		c := &call{User: u, Lang: langOf(r), API: rt.API}
		if !ok {
			// The guard lets no request without a user through; should one
			// come, it is refused like a stranger.
			s.fail(w, r, c, http.StatusUnauthorized, "", "")
			return
		}
		c.Scope = u.Region
		var named []string
		if q := r.URL.Query()["scope"]; len(q) > 0 {
			if len(q) > 1 {
				s.fail(w, r, c, http.StatusBadRequest, "scope", c.Lang.t("scope_twice"))
				return
			}
			named = append(named, q[0])
			if rt.Scope == fromQuery {
				c.Scope = q[0]
			}
		}
		if rt.Scope == fromFile {
			m := archivedName.FindStringSubmatch(r.PathValue("file"))
			if m == nil {
				s.fail(w, r, c, http.StatusNotFound, "file", c.Lang.t("no_such_file"))
				return
			}
			named = append(named, m[2])
			c.Scope = m[2]
		}
		for _, code := range named {
			if regions.LevelOf(code) == 0 {
				s.fail(w, r, c, http.StatusBadRequest, "scope", c.Lang.f("bad_scope", code))
				return
			}
			if !Within(u.Region, code) {
				s.audit(r, c, "refused", r.Method+" "+r.URL.Path+" scope "+code, http.StatusForbidden)
				s.fail(w, r, c, http.StatusForbidden, "scope", c.Lang.f("out_of_scope", code, u.Region))
				return
			}
		}
		rt.Handle(s, w, r, c)
	})
	if rt.API {
		return s.cfg.Guard.API(rt.Min, h)
	}
	return s.cfg.Guard.Page(rt.Min, h)
}

package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"enlist/internal/metrics"
	"enlist/web/auth"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

// pages are the console's pages, each the layout around its own "page".
var pages = func() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFiles, "templates/layout.tmpl"))
	out := map[string]*template.Template{}
	for _, name := range []string{"home", "error", "archive", "quality", "runs", "users", "sql", "upload"} {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+name+".tmpl"))
	}
	return out
}()

// frame is what the layout shows around every page.
type frame struct {
	L                          lang
	HTMLLang, Title, RoleLabel string
	LangURL, Scope             string
	User                       auth.User
	Nav                        []navItem
	Bulletin                   bool // the page holds a bulletin: its style and scripts load
	Page                       any
}

type navItem struct {
	URL, Label string
	Current    bool
}

// link is path with the query q, keeping the language.
func (c *call) link(path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if c.Lang == en {
		q.Set("lang", "en")
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (s *Server) frame(r *http.Request, c *call, current, title string, body any) frame {
	f := frame{L: c.Lang, HTMLLang: "zh-CN", Title: title + " · " + c.Lang.t("console"), User: c.User,
		RoleLabel: c.User.Role.Label(string(c.Lang)), Scope: c.Scope, Page: body}
	if c.Lang == en {
		f.HTMLLang = "en"
	}
	// The other language: the same address with lang switched.
	q := r.URL.Query()
	if c.Lang == en {
		q.Del("lang")
	} else {
		q.Set("lang", "en")
	}
	f.LangURL = r.URL.Path
	if len(q) > 0 {
		f.LangURL += "?" + q.Encode()
	}
	for _, rt := range routeTable() {
		if rt.Method != "GET" || rt.API || !c.User.Role.AtLeast(rt.Min) {
			continue
		}
		name := ""
		switch rt.Pattern {
		case "/{$}":
			name = "home"
		case "/archive", "/quality", "/runs", "/users", "/sql", "/upload":
			name = rt.Pattern[1:]
		}
		if name == "" {
			continue
		}
		path := rt.Pattern
		if name == "home" {
			path = "/"
		}
		f.Nav = append(f.Nav, navItem{URL: c.link(path, nil), Label: c.Lang.t(name), Current: name == current})
	}
	return f
}

// render writes a page; a template error is the server's.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c *call, status int, name string, f frame) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", f); err != nil {
		s.cfg.Log.Error("render page", "page", name, "err", err)
		http.Error(w, c.Lang.t("server_error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// apiError is the API's error body: what went wrong and, for a bad request,
// the parameter to fix.
type apiError struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"`
}

// fail answers an error: JSON for the API, a page saying so otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *call, status int, param, msg string) {
	if msg == "" {
		msg = c.Lang.t("status_" + itoa(status))
	}
	if c.API {
		writeJSON(w, status, apiError{Error: msg, Parameter: param})
		return
	}
	type errorPage struct {
		Status           int
		Heading, Message string
		Home             string
	}
	s.render(w, r, c, status, "error", s.frame(r, c, "", c.Lang.t("error"),
		errorPage{Status: status, Heading: c.Lang.t("status_" + itoa(status)), Message: msg, Home: c.link("/", nil)}))
}

// failed answers err: a missing copy or a region without data is said as
// such; anything else is logged and answered 500 without its text, which
// may name files of the server.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, c *call, err error) {
	switch {
	case errors.Is(err, errNoCopy):
		s.fail(w, r, c, http.StatusServiceUnavailable, "", err.Error())
	case errors.Is(err, metrics.ErrNoData), errors.Is(err, metrics.ErrNoSeasonData):
		s.fail(w, r, c, http.StatusNotFound, "", c.Lang.f("no_data", err))
	case r.Context().Err() != nil:
		// The client went away; nothing to answer.
	default:
		s.cfg.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "user", c.User.Name, "err", err)
		s.fail(w, r, c, http.StatusInternalServerError, "", c.Lang.t("server_error"))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) //nolint:errcheck // the client went away
}

func itoa(n int) string { return strconv.Itoa(n) }

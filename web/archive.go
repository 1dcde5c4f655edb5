package web

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// archived is a report file a scheduled job wrote.
type archived struct {
	Name, Scope, Kind, Ext string
	Date                   time.Time
	path                   string
}

// archiveFiles are the reports in the archive folders (and the dated
// folders a job's {date} makes in them) for regions within scope, newest
// week first. Only names of the form reports writes are listed.
func (s *Server) archiveFiles(scope string) []archived {
	var out []archived
	seen := map[string]bool{}
	for _, root := range s.cfg.Archives {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error { //nolint:errcheck // an unreadable folder lists nothing
			if err != nil || d.IsDir() {
				return nil
			}
			m := archivedName.FindStringSubmatch(d.Name())
			if m == nil || !Within(scope, m[2]) || seen[d.Name()] {
				return nil
			}
			date, err := time.Parse("20060102", m[3])
			if err != nil {
				return nil
			}
			seen[d.Name()] = true
			out = append(out, archived{Name: d.Name(), Kind: m[1], Scope: m[2], Date: date, Ext: m[4], path: path})
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Date.Equal(out[j].Date) {
			return out[i].Date.After(out[j].Date)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

type archiveWeek struct {
	Date    string
	Regions []archiveRegion
}

type archiveRegion struct {
	Scope, Name string
	Files       []archiveLink
}

type archiveLink struct{ Name, URL string }

type archivePage struct {
	Weeks []archiveWeek
}

// archive lists the bulletins the scheduled jobs wrote, by week, for the
// region asked for and below.
func (s *Server) archive(w http.ResponseWriter, r *http.Request, c *call) {
	var p archivePage
	// Regions by name, as the published copy's division table has them
	// (an office's own names included); the code alone without a copy.
	name := func(code string) string { return code }
	if wh, release, err := s.pub.acquire(r.Context()); err == nil {
		if tab, err := wh.Regions(r.Context()); err == nil {
			name = tab.Name
		}
		release()
	}
	for _, a := range s.archiveFiles(c.Scope) {
		day := a.Date.Format(time.DateOnly)
		if len(p.Weeks) == 0 || p.Weeks[len(p.Weeks)-1].Date != day {
			p.Weeks = append(p.Weeks, archiveWeek{Date: day})
		}
		wk := &p.Weeks[len(p.Weeks)-1]
		if len(wk.Regions) == 0 || wk.Regions[len(wk.Regions)-1].Scope != a.Scope {
			wk.Regions = append(wk.Regions, archiveRegion{Scope: a.Scope, Name: name(a.Scope)})
		}
		rg := &wk.Regions[len(wk.Regions)-1]
		rg.Files = append(rg.Files, archiveLink{Name: a.Name, URL: c.link("/archive/"+a.Name, nil)})
	}
	// Regions in code order within a week.
	for _, wk := range p.Weeks {
		sort.SliceStable(wk.Regions, func(i, j int) bool { return wk.Regions[i].Scope < wk.Regions[j].Scope })
	}
	s.render(w, r, c, http.StatusOK, "archive", s.frame(r, c, "archive", c.Lang.t("archive"), p))
}

// archiveFile sends one archived report; the table has checked the region
// its name carries.
func (s *Server) archiveFile(w http.ResponseWriter, r *http.Request, c *call) {
	name := r.PathValue("file")
	for _, a := range s.archiveFiles(c.Scope) {
		if a.Name != name {
			continue
		}
		f, err := os.Open(a.path)
		if err != nil {
			s.failed(w, r, c, err)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			s.failed(w, r, c, err)
			return
		}
		// Always a download: an archived page carries its own inline
		// scripts, which run when opened as a file, not under the console.
		w.Header().Set("Content-Disposition", `attachment; filename="`+a.Name+`"`)
		if strings.HasSuffix(a.Name, ".html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		http.ServeContent(w, r, a.Name, st.ModTime(), f)
		s.audit(r, c, "download", "archive/"+a.Name, http.StatusOK)
		return
	}
	s.fail(w, r, c, http.StatusNotFound, "file", c.Lang.t("no_such_file"))
}

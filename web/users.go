package web

import (
	"net/http"
	"sort"
)

type userRow struct {
	Name, Role, Region string
	Disabled           bool
}

// users lists the accounts of the admin's region and below.
func (s *Server) users(w http.ResponseWriter, r *http.Request, c *call) {
	var rows []userRow
	if s.cfg.Users != nil {
		all, err := s.cfg.Users()
		if err != nil {
			s.failed(w, r, c, err)
			return
		}
		for _, u := range all {
			if Within(c.Scope, u.Region) {
				rows = append(rows, userRow{Name: u.Name, Role: u.Role.Label(string(c.Lang)), Region: u.Region, Disabled: u.Disabled})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Region != rows[j].Region {
			return rows[i].Region < rows[j].Region
		}
		return rows[i].Name < rows[j].Name
	})
	s.render(w, r, c, http.StatusOK, "users", s.frame(r, c, "users", c.Lang.t("users"), rows))
}

package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"enlist/web/auth"
)

var roles = []auth.Role{auth.Leader, auth.Analyst, auth.Operator, auth.Admin}

// target is a request for rt naming region code where the route takes its
// region from; with code "" it names none.
func target(rt route, code string) string {
	path := rt.Pattern
	path = strings.Replace(path, "{$}", "", 1)
	path = strings.Replace(path, "{job}", "weekly", 1)
	path = strings.Replace(path, "{id}", "1", 1)
	if rt.Scope == fromFile {
		c := code
		if c == "" {
			c = fix.county
		}
		path = strings.Replace(path, "{file}", "bulletin_"+c+"_20250930.xlsx", 1)
		return path
	}
	if code == "" {
		return path
	}
	return path + "?" + url.Values{"scope": {code}}.Encode()
}

// TestEveryRouteRefusesParentsAndSiblings is generated from the route
// table: for every route and every role, a user of a county is refused
// the province, the city, a sibling county, a town of that sibling and
// another city — 403, and for the roles the route admits, an answer that
// says the region is outside the user's scope. The user's own region is
// not refused for those roles, so the check cannot pass by refusing all.
func TestEveryRouteRefusesParentsAndSiblings(t *testing.T) {
	s := newServer(t, Config{})
	outside := []string{fix.county[:2], fix.county[:4], fix.sibling, fix.sibling + "001", "4102", "420102"}
	for _, rt := range routeTable() {
		for _, role := range roles {
			u := auth.User{Name: "county-" + role.String(), Role: role, Region: fix.county}
			h := s.as(t, u)
			for _, code := range outside {
				rec := get(t, h, rt.Method, target(rt, code))
				name := rt.Method + " " + target(rt, code) + " as " + role.String()
				if rec.Code != http.StatusForbidden {
					t.Errorf("%s = %d, want 403", name, rec.Code)
					continue
				}
				if !role.AtLeast(rt.Min) {
					continue
				}
				if rt.API {
					var e apiError
					if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Parameter != "scope" || !strings.Contains(e.Error, code) {
						t.Errorf("%s: body %s, want a JSON error naming scope and %s", name, rec.Body, code)
					}
				} else if !strings.Contains(rec.Body.String(), "不在您的权限范围内") {
					t.Errorf("%s: the page does not say the region is outside the user's scope", name)
				}
			}
			// Once per route, with the least role it admits.
			if role == rt.Min && rt.Method == "GET" {
				for _, own := range []string{"", fix.town} {
					if rec := get(t, h, rt.Method, target(rt, own)); rec.Code == http.StatusForbidden {
						t.Errorf("%s %s as %s = 403 for the user's own region", rt.Method, target(rt, own), role)
					}
				}
			}
		}
	}
}

// A region code of the wrong shape is a bad request naming scope.
func TestBadScopeIsABadRequest(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "a", Role: auth.Admin, Region: fix.county})
	for _, code := range []string{"4101020", "x", "41010"} {
		rec := get(t, h, "GET", "/api/v1/metrics?scope="+code)
		var e apiError
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Parameter != "scope" {
			t.Errorf("scope=%s: %d %s, want 400 naming scope", code, rec.Code, rec.Body)
		}
	}
	if rec := get(t, h, "GET", "/?scope=41&scope="+fix.county); rec.Code != http.StatusBadRequest {
		t.Errorf("scope given twice = %d, want 400", rec.Code)
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		region, code string
		want         bool
	}{
		{"410102", "410102", true}, {"410102", "410102001", true}, {"41", "410102001", true},
		{"410102", "4101", false}, {"410102", "41", false}, {"410102", "410103", false},
		{"410102", "410103001", false}, {"4101", "410", false}, {"410102", "4101020", false},
	} {
		if got := Within(c.region, c.code); got != c.want {
			t.Errorf("Within(%s, %s) = %v, want %v", c.region, c.code, got, c.want)
		}
	}
}

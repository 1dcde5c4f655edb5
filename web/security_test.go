package web

import (
	"net/http"
	"strings"
	"testing"

	"enlist/web/auth"
)

// Every route of the table is behind the guard: without a session a page
// sends the browser to the login form and an API route answers 401 JSON;
// a forged token is 401 too.
func TestEveryRouteNeedsASignedInUser(t *testing.T) {
	s := newServer(t, Config{})
	for _, rt := range routeTable() {
		rec := get(t, s, rt.Method, target(rt, fix.county))
		name := rt.Method + " " + rt.Pattern
		if rt.API {
			if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s without a token = %d %s, want 401 JSON", name, rec.Code, rec.Header().Get("Content-Type"))
			}
			req := newRequest(rt.Method, target(rt, fix.county))
			req.Header.Set("Authorization", "Bearer enlist_forged")
			if rec := serve(s, req); rec.Code != http.StatusUnauthorized {
				t.Errorf("%s with a forged token = %d, want 401", name, rec.Code)
			}
			continue
		}
		if rt.Method == "GET" {
			if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
				t.Errorf("%s without a session = %d to %q, want a redirect to /login", name, rec.Code, rec.Header().Get("Location"))
			}
		} else if rec.Code < 300 || rec.Code == http.StatusNotFound {
			t.Errorf("%s without a session = %d", name, rec.Code)
		}
	}
}

// A run-now POST from another site is refused, even for a signed-in
// operator: the browser says where it comes from.
func TestCrossSiteRunNowIsRefused(t *testing.T) {
	ran := make(chan string, 1)
	s := newServer(t, Config{Scheduler: engine(t, ran)})
	h := s.as(t, auth.User{Name: "op", Role: auth.Operator, Region: fix.county})
	req := newRequest("POST", "/runs/weekly")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "http://evil.example")
	if rec := serve(h, req); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST /runs/weekly = %d, want 403", rec.Code)
	}
	select {
	case <-ran:
		t.Error("the job ran")
	default:
	}
}

// The users page lists the accounts of the admin's region and below only.
func TestUsersPageListsTheRegionsAccounts(t *testing.T) {
	s := newServer(t, Config{})
	for _, u := range []auth.User{{Name: "town-lead", Role: auth.Leader, Region: fix.town},
		{Name: "sibling-op", Role: auth.Operator, Region: fix.sibling}, {Name: "city-ana", Role: auth.Analyst, Region: fix.county[:4]}} {
		if err := s.acc.Add(u.Name, u.Role, u.Region, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	body := get(t, s.as(t, auth.User{Name: "county-admin", Role: auth.Admin, Region: fix.county}), "GET", "/users").Body.String()
	for _, want := range []string{"town-lead", "county-admin"} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %s", want)
		}
	}
	for _, not := range []string{"sibling-op", "city-ana"} {
		if strings.Contains(body, not) {
			t.Errorf("users page lists %s, outside the admin's region", not)
		}
	}
}

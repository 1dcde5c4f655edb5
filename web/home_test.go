package web

import (
	"net/http"
	"strings"
	"testing"

	"enlist/web/auth"
)

func TestHomeShowsTheCountyBulletinWithItsTowns(t *testing.T) {
	s := newServer(t, Config{})
	u := auth.User{Name: "zhang", Role: auth.Leader, Region: fix.county}
	rec := get(t, s.as(t, u), "GET", "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	t.Logf("county %s sibling %s town %s", fix.county, fix.sibling, fix.town)
	for _, want := range []string{"周通报", `id="chart-ranking"`, `data-code="` + fix.town + `"`, "&lt;script&gt;alert(&#34;town&#34;)&lt;/script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(body, scriptName) {
		t.Errorf("the town's name reached the page unescaped")
	}
}

func BenchmarkHome(b *testing.B) {
	s := newServer(b, Config{})
	h := s.as(b, auth.User{Name: "zhang", Role: auth.Leader, Region: fix.county[:4]})
	for b.Loop() {
		if rec := get(b, h, "GET", "/"); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

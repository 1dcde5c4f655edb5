package web

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/web/auth"
)

// One answer per key and copy, however many ask at once; across a
// publish the previous copy's ready answer is given while the new copy's
// is computed, and the previous copy's keys come back to be computed anew,
// the most asked for first.
func TestCopyCacheComputesOnceAndKeepsThePreviousCopy(t *testing.T) {
	c := copyCache[string, string]{limit: 4}
	g, stale, start, rotated := c.lookup("v1", "a")
	if !start || stale != nil || rotated != nil {
		t.Fatalf("first lookup: start %v stale %v rotated %v", start, stale, rotated)
	}
	if g2, _, start2, _ := c.lookup("v1", "a"); start2 || g2 != g {
		t.Fatal("a second reader of the same key starts a second computation")
	}
	c.finish("a", g, "a@v1", copyInfo{Path: "v1"}, nil)
	gb, _, _, _ := c.lookup("v1", "b")
	c.finish("b", gb, "b@v1", copyInfo{Path: "v1"}, nil)
	// A failure is not kept: the next reader tries again.
	gf, _, _, _ := c.lookup("v1", "f")
	c.finish("f", gf, "", copyInfo{}, context.DeadlineExceeded)
	if _, _, again, _ := c.lookup("v1", "f"); !again {
		t.Error("a failed answer was kept")
	}

	// The publish: v2.
	g, stale, start, rotated = c.lookup("v2", "b")
	if !start || stale == nil || stale.v != "b@v1" || stale.from.Path != "v1" {
		t.Fatalf("after the publish: start %v, stale %+v", start, stale)
	}
	if strings.Join(rotated, ",") != "a,b" {
		t.Errorf("rotated %v, want a (asked twice) before b (once)", rotated)
	}
	c.finish("b", g, "b@v2", copyInfo{Path: "v2"}, nil)
	if g, stale, start, _ := c.lookup("v2", "b"); start || stale != nil || g.v != "b@v2" {
		t.Errorf("once computed: start %v stale %v value %q", start, stale, g.v)
	}
	if _, stale, _, _ := c.lookup("v2", "new"); stale != nil {
		t.Error("a key the previous copy never had has a stale answer")
	}
}

// The home page right after a publish: the previous copy's bulletin at
// once, saying which copy it shows, while the new copy's is gathered; then
// the new one, without the note. The metrics API is answered on its own
// lane while every bulletin turn is taken.
func TestPagesAfterAPublishAndTheQuickLane(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "leader", Role: auth.Leader, Region: fix.county})
	if rec := get(t, h, "GET", "/"); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `id="stale-copy"`) {
		t.Fatalf("first page: %d, stale note %v", rec.Code, strings.Contains(rec.Body.String(), `id="stale-copy"`))
	}
	// As if the copy read so far were a previous one: the current copy's
	// bulletin is then not gathered yet, and the previous one is ready.
	s.bulletins.mu.Lock()
	s.bulletins.version = "a previous copy"
	s.bulletins.mu.Unlock()
	rec := get(t, h, "GET", "/")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `id="stale-copy"`) || !strings.Contains(body, "发布的版本") {
		t.Fatalf("the page after a publish: %d, without the note saying which copy it shows", rec.Code)
	}
	s.computing.Wait()
	if rec := get(t, h, "GET", "/"); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `id="stale-copy"`) {
		t.Errorf("once gathered: %d, stale note still shown", rec.Code)
	}

	// Every bulletin turn taken: a metrics answer nobody asked for yet
	// still comes, on the quick lane.
	var held []func()
	for range cap(s.turns) {
		done, err := s.turns.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, done)
	}
	defer func() {
		for _, done := range held {
			done()
		}
	}()
	answered := make(chan int, 1)
	go func() {
		answered <- get(t, h, "GET", "/api/v1/metrics?scope="+fix.county+"&as_of=2025-09-01&depth=1").Code
	}()
	select {
	case code := <-answered:
		if code != http.StatusOK {
			t.Errorf("metrics while the bulletin turns are taken: %d", code)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the metrics API waited behind the bulletins' turns")
	}
}

// Every county's bulletin of one week shares one reading of the week's
// figures: gathering several counties reads the Day once.
func TestCountiesOfAWeekShareOneDay(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "province", Role: auth.Leader, Region: fix.county[:2]})
	reads := 0
	for _, scope := range []string{fix.county, fix.sibling, fix.county[:4]} {
		if rec := get(t, h, "GET", "/?as_of=2025-09-10&scope="+scope); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", scope, rec.Code)
		}
	}
	s.days.mu.Lock()
	for k := range s.days.entries {
		if k.key.asOf == "2025-09-10" {
			reads++
		}
	}
	s.days.mu.Unlock()
	if reads != 1 {
		t.Errorf("%d days kept for 2025-09-10, want the one all three bulletins read", reads)
	}
}

// Two weeks' pages share one reading of the copy's files and their
// problems (they do not depend on the date), and the bulletin of the second
// week read through the console's Day is the one read alone.
func TestWeeksShareTheCopysFiles(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "province", Role: auth.Leader, Region: fix.county[:2]})
	for _, day := range []string{"2025-09-10", "2025-09-03"} {
		if rec := get(t, h, "GET", "/?as_of="+day+"&scope="+fix.county); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", day, rec.Code)
		}
	}
	var week *bulletin.Day
	s.days.mu.Lock()
	days := len(s.days.entries)
	for k, g := range s.days.entries {
		if k.key.asOf == "2025-09-03" {
			week = g.v
		}
	}
	s.days.mu.Unlock()
	s.files.mu.Lock()
	files := len(s.files.entries)
	s.files.mu.Unlock()
	if days != 2 || files != 1 {
		t.Fatalf("%d weeks and %d readings of the files kept, want 2 weeks sharing 1", days, files)
	}
	wh, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	at := time.Date(2025, 9, 3, 0, 0, 0, 0, time.UTC)
	alone, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: fix.county, AsOf: at, Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: fix.county, AsOf: at, Fallback: true,
		Day: func(context.Context, time.Time, int, int) (*bulletin.Day, error) { return week, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone.Scope, shared.Scope) || !reflect.DeepEqual(alone.Children, shared.Children) ||
		!reflect.DeepEqual(alone.Files, shared.Files) || !reflect.DeepEqual(alone.Issues, shared.Issues) {
		t.Error("the bulletin read through the shared files differs from the one read alone")
	}
}

// A full cache drops the answer asked for least, never the most read.
func TestCopyCacheKeepsTheMostRead(t *testing.T) {
	c := copyCache[string, string]{limit: 3}
	for _, k := range []string{"province", "province", "province", "once", "city", "city"} {
		if g, _, start, _ := c.lookup("v1", k); start {
			c.finish(k, g, k, copyInfo{}, nil)
		}
	}
	for _, k := range []string{"new1", "new2"} {
		g, _, _, _ := c.lookup("v1", k)
		c.finish(k, g, k, copyInfo{}, nil)
	}
	for _, k := range []string{"province", "city"} {
		if _, ok := c.cur[k]; !ok {
			t.Errorf("%s was dropped", k)
		}
	}
	if _, ok := c.cur["once"]; ok {
		t.Error("the answer asked for once was kept over the most read")
	}
}

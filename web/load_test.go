package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"enlist/bench"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/web/auth"
)

// The console's load, small: 8 clients read cached and uncached home pages
// and the metrics API over real HTTP on loopback for a few seconds, with a
// session cookie and an API token, while a load and a publish happen. Every
// answer must be 200 and for the region asked. The latencies are logged,
// never asserted (enlist bench console measures them at scale).
func TestLoadDuringAnIngestAndAPublish(t *testing.T) {
	s := newServer(t, Config{})
	const name = "load-reader"
	city := fix.county[:4]
	if err := s.acc.Add(name, auth.Leader, city, testPassword); err != nil {
		t.Fatal(err)
	}
	token, err := s.acc.NewToken(name)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(hs.URL+"/login", url.Values{"name": {name}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("login = %d, cookie %v", resp.StatusCode, cookie)
	}
	session := func(r *http.Request) { r.AddCookie(cookie) }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }

	today := fixtureNow.Format(time.DateOnly)
	page := func(scope, day string) bench.Request {
		return bench.Request{Path: "/?" + url.Values{"scope": {scope}, "as_of": {day}}.Encode(),
			// The workbook's link names the region and the week shown.
			Want: "/bulletin.xlsx?as_of=" + day + "&amp;scope=" + scope, Auth: session}
	}
	hot := []string{city, fix.county}
	cold := []string{city, fix.county, fix.sibling, fix.town}
	for _, scope := range hot { // fill the cache the cached pages read
		rq := page(scope, today)
		if rec := get(t, s.as(t, auth.User{Name: "warm", Role: auth.Leader, Region: city}), "GET", rq.Path); rec.Code != http.StatusOK {
			t.Fatalf("%s = %d", rq.Path, rec.Code)
		}
	}
	var fresh atomic.Int64
	next := func(c, i int) bench.Request {
		switch (c + i) % 4 {
		case 0, 1:
			rq := page(hot[(c+i)%len(hot)], today)
			rq.Kind = bench.KindCached
			return rq
		case 2:
			n := int(fresh.Add(1))
			rq := page(cold[n%len(cold)], fixtureNow.AddDate(0, 0, -n/len(cold)-1).Format(time.DateOnly))
			rq.Kind = bench.KindUncached
			return rq
		default:
			scope := []string{city, fix.county}[(c+i)%2]
			return bench.Request{Kind: bench.KindMetrics, Path: "/api/v1/metrics?" + url.Values{"scope": {scope}, "depth": {"1"}}.Encode(),
				Want: `"region_code": "` + scope + `"`, Auth: bearer}
		}
	}
	before, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	writer := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		writer <- loadAndPublish(t.TempDir())
	}()
	res := bench.Load(context.Background(), bench.LoadOptions{Base: hs.URL, Clients: 8, Duration: 5 * time.Second, Next: next})
	if err := <-writer; err != nil {
		t.Fatalf("the load and publish beside the readers: %v", err)
	}
	for _, k := range res.Kinds {
		t.Logf("%-14s %4d requests %d errors  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms", k.Kind, k.Requests, k.Errors, k.P50, k.P95, k.Max)
	}
	if res.Errors > 0 {
		t.Errorf("%d of %d answers wrong: %s", res.Errors, res.Requests, strings.Join(res.FirstErrors, "\n"))
	}
	if len(res.Kinds) != 3 {
		t.Errorf("kinds read: %+v, want the cached page, the uncached page and the metrics API", res.Kinds)
	}
	after, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if after.Path() == before.Path() {
		t.Errorf("still reading %s: the publish did not happen during the load", before.Path())
	}
}

// loadAndPublish loads a regions extract renaming the sibling county's
// first town into the fixture's live file, and publishes it.
func loadAndPublish(dir string) error {
	ctx := context.Background()
	key, err := secret.Load("")
	if err != nil {
		return err
	}
	wh, err := warehouse.Open(ctx, fix.live, warehouse.Options{Threads: 1})
	if err != nil {
		return err
	}
	l, err := load.NewLoader(wh, key, nil, nil)
	if err == nil {
		in := filepath.Join(dir, "rename")
		if err = writeCSV(filepath.Join(in, "更名.csv"), []string{"区划代码", "区划名称"}, [][]string{{fix.sibling + "001", "负载镇"}}); err == nil {
			_, err = l.LoadPaths(ctx, []string{in}, load.Options{})
		}
	}
	if err := errors.Join(err, wh.Close()); err != nil {
		return err
	}
	_, err = warehouse.Publish(ctx, fix.live)
	return err
}

package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Load counts as errors a status other than 200 and a body without the
// region asked for, and each kind's figures are its own.
func TestLoadCountsWrongAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("Authorization") != "Bearer t" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"region_code": "4101"}`))
		case "/wrong":
			w.Write([]byte(`{"region_code": "4102"}`))
		default:
			http.Error(w, "refused\n  here", http.StatusForbidden)
		}
	}))
	defer srv.Close()
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer t") }
	kinds := []Request{
		{Kind: KindMetrics, Path: "/ok", Want: `"4101"`, Auth: bearer},
		{Kind: KindCached, Path: "/wrong", Want: `"4101"`},
		{Kind: KindUncached, Path: "/refused"},
	}
	res := Load(context.Background(), LoadOptions{Base: srv.URL, Clients: 3, Duration: 50 * time.Millisecond,
		Next: func(c, i int) Request { return kinds[c] }})
	if res.Requests < 3 {
		t.Fatalf("%d requests, want at least one per client", res.Requests)
	}
	got := map[string]Latency{}
	for _, k := range res.Kinds {
		got[k.Kind] = k
	}
	if k := got[KindMetrics]; k.Requests == 0 || k.Errors != 0 {
		t.Errorf("metrics: %+v, want requests and no error", k)
	}
	for _, kind := range []string{KindCached, KindUncached} {
		if k := got[kind]; k.Requests == 0 || k.Errors != k.Requests {
			t.Errorf("%s: %+v, want every request an error", kind, k)
		}
	}
	if res.Errors != got[KindCached].Requests+got[KindUncached].Requests {
		t.Errorf("errors %d, want %d", res.Errors, got[KindCached].Requests+got[KindUncached].Requests)
	}
	for _, e := range res.FirstErrors {
		if e != `/wrong: the answer lacks "\"4101\""` && e != "/refused = 403: refused here" {
			t.Errorf("error %q, want the path and what was wrong", e)
		}
	}
}

// The percentiles are nearest-rank: of 20 samples 1..20 ms, p50 is 10
// and p95 is 19.
func TestLatencyNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 20; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := latency(KindCached, ds, 1)
	if l.P50 != 10 || l.P95 != 19 || l.Max != 20 || l.Requests != 20 || l.Errors != 1 {
		t.Errorf("%+v, want p50 10, p95 19, max 20 of 20 requests", l)
	}
}

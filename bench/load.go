package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The kinds of request the console's load measures (issue 16's goals:
// p95 < 300 ms for a cached bulletin page, < 1.5 s uncached).
const (
	KindCached   = "cached page"   // a home page asked before, of the same published copy
	KindUncached = "uncached page" // a home page of a region and week nobody asked for yet
	KindMetrics  = "metrics API"   // GET /api/v1/metrics with an API token
)

// Request is one request a load client sends, and what its answer must hold.
type Request struct {
	Kind string
	Path string // from the server's root, with its query
	// Want is text the answer's body must contain (the region it is for).
	Want string
	// Auth signs the request in: a session cookie or a token.
	Auth func(*http.Request)
}

// LoadOptions say how hard and how long to read.
type LoadOptions struct {
	Base     string // http://127.0.0.1:PORT
	Clients  int
	Duration time.Duration
	Client   *http.Client
	// Next is the request client c sends the i-th time; it must be safe
	// for concurrent use.
	Next func(c, i int) Request
}

// Latency is one kind's figures, in milliseconds.
type Latency struct {
	Kind     string  `json:"kind"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	Max      float64 `json:"max_ms"`
}

// LoadResult is what a load measured.
type LoadResult struct {
	Requests int       `json:"requests"`
	Errors   int       `json:"errors"`
	Seconds  float64   `json:"seconds"`
	Kinds    []Latency `json:"kinds"`
	// FirstErrors are the first few errors, whole, for the report.
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Load runs opt.Clients clients, each sending its next request as soon as
// the previous one is answered, once and then for opt.Duration (requests in flight then
// finish and count). An error is a transport failure, a status other than
// 200, or a body without the region it was asked for.
func Load(ctx context.Context, opt LoadOptions) LoadResult {
	client := opt.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute,
			Transport: &http.Transport{MaxIdleConnsPerHost: opt.Clients, MaxConnsPerHost: opt.Clients}}
	}
	type sample struct {
		kind string
		d    time.Duration
		err  string
	}
	var (
		mu      sync.Mutex
		samples []sample
		wg      sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(opt.Duration)
	for c := range opt.Clients {
		wg.Go(func() {
			// Each client sends at least one request, then more until the
			// deadline.
			for i := 0; i == 0 || time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				rq := opt.Next(c, i)
				t0 := time.Now()
				errText := fetchOne(ctx, client, opt.Base, rq)
				s := sample{kind: rq.Kind, d: time.Since(t0), err: errText}
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res := LoadResult{Seconds: time.Since(start).Seconds()}
	byKind := map[string][]time.Duration{}
	errs := map[string]int{}
	for _, s := range samples {
		res.Requests++
		byKind[s.kind] = append(byKind[s.kind], s.d)
		if s.err != "" {
			res.Errors++
			errs[s.kind]++
			if len(res.FirstErrors) < 5 {
				res.FirstErrors = append(res.FirstErrors, s.err)
			}
		}
	}
	for _, k := range []string{KindCached, KindUncached, KindMetrics} {
		if ds, ok := byKind[k]; ok {
			res.Kinds = append(res.Kinds, latency(k, ds, errs[k]))
			delete(byKind, k)
		}
	}
	for k, ds := range byKind {
		res.Kinds = append(res.Kinds, latency(k, ds, errs[k]))
	}
	return res
}

func fetchOne(ctx context.Context, client *http.Client, base string, rq Request) string {
	req, err := http.NewRequestWithContext(ctx, "GET", base+rq.Path, nil)
	if err != nil {
		return fmt.Sprintf("%s: %v", rq.Path, err)
	}
	if rq.Auth != nil {
		rq.Auth(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Sprintf("%s: %v", rq.Path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Sprintf("%s: read: %v", rq.Path, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("%s = %d: %.160s", rq.Path, resp.StatusCode, strings.Join(strings.Fields(string(body)), " "))
	case rq.Want != "" && !strings.Contains(string(body), rq.Want):
		return fmt.Sprintf("%s: the answer lacks %q", rq.Path, rq.Want)
	}
	return ""
}

func latency(kind string, ds []time.Duration, errs int) Latency {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	// Nearest rank: the smallest sample at or above the share asked.
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Latency{Kind: kind, Requests: len(ds), Errors: errs, P50: ms(at(0.50)), P95: ms(at(0.95)), Max: ms(ds[len(ds)-1])}
}

package web

import (
	"context"
	"os"
	"sort"
	"sync"
	"time"

	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
)

// What the console computes from a published copy — a bulletin, a
// metrics API answer — stays true until the next publish: a copy never
// changes. copyCache keeps those answers per copy, computes each once
// however many readers ask for it at the same time, and across a publish
// keeps answering from the previous copy until the new copy's answer is
// ready (stale-while-revalidate), so that a publish in the middle of the
// morning does not send every reader of the most-read pages to the back
// of the queue at once. A page served from the previous copy says so, and
// names the copy's time (copyInfo).
//
// The computing is the server's, apart from the requests: the request
// that asks first starting it does not fail the others waiting when it
// goes away, and it holds its own reference to the copy it reads.
type copyCache[K comparable, V any] struct {
	limit int
	// also lists, after a publish, keys to compute at once besides the
	// previous copy's (the home pages the accounts open first).
	also func() []K
	mu   sync.Mutex
	// version is the copy whose answers cur holds; prev holds the
	// previous copy's answers that were ready, until the new copy's are.
	version string
	cur     map[K]*computed[V]
	prev    map[K]*computed[V]
}

// computed is one answer, ready once done is closed.
type computed[V any] struct {
	done chan struct{}
	v    V
	err  error
	from copyInfo // the copy it was computed from
	hits int      // how often it was asked for (under the cache's lock)
}

// copyInfo names a published copy: its file and when it was published.
type copyInfo struct {
	Path      string
	Published time.Time
}

func infoOf(wh *warehouse.Warehouse) copyInfo {
	ci := copyInfo{Path: wh.Path()}
	if st, err := os.Stat(wh.Path()); err == nil {
		ci.Published = st.ModTime()
	}
	return ci
}

func (g *computed[V]) ready() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// lookup finds key's answer for the copy at version. start says the
// caller must start computing g; stale, when not nil, is the previous
// copy's answer to give meanwhile. When version is a copy the cache has
// not seen, the previous copy's ready answers become prev and rotated
// lists their keys, most asked for first, for the caller to compute anew.
func (c *copyCache[K, V]) lookup(version string, key K) (g, stale *computed[V], start bool, rotated []K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.cur == nil {
		if c.cur != nil {
			ready := map[K]*computed[V]{}
			for k, e := range c.cur {
				if e.ready() && e.err == nil {
					ready[k] = e
					rotated = append(rotated, k)
				}
			}
			sort.Slice(rotated, func(i, j int) bool { return ready[rotated[i]].hits > ready[rotated[j]].hits })
			c.prev = ready
		}
		c.version, c.cur = version, map[K]*computed[V]{}
	}
	g, ok := c.cur[key]
	if !ok {
		if len(c.cur) >= c.limit {
			c.evict()
		}
		g = &computed[V]{done: make(chan struct{})}
		c.cur[key] = g
		start = true
	}
	g.hits++
	if !g.ready() {
		if p, ok := c.prev[key]; ok {
			stale = p
		}
	}
	return g, stale, start, rotated
}

// evict drops the least asked-for ready answer, or when none is ready,
// nothing: answers being computed have readers waiting. The pages read
// most (the province's and the cities' this week) stay however many
// pages nobody asks for twice go through.
func (c *copyCache[K, V]) evict() {
	var victim K
	least := -1
	for k, e := range c.cur {
		if e.ready() && (least < 0 || e.hits < least) {
			victim, least = k, e.hits
		}
	}
	if least >= 0 {
		delete(c.cur, victim)
	}
}

// finish records g's answer; a failure is forgotten, so the next reader
// tries again.
func (c *copyCache[K, V]) finish(key K, g *computed[V], v V, from copyInfo, err error) {
	g.v, g.from, g.err = v, from, err
	if err != nil {
		c.mu.Lock()
		if c.cur[key] == g {
			delete(c.cur, key)
		}
		c.mu.Unlock()
	}
	close(g.done)
}

// answer is what fromCopy gives: the answer, the copy it came from, and
// whether that is the previous copy (a newer one is being computed).
type answer[V any] struct {
	V     V
	From  copyInfo
	Stale bool
}

// computeFunc computes key's answer from the copy wh.
type computeFunc[K comparable, V any] func(ctx context.Context, wh *warehouse.Warehouse, key K) (V, error)

// fromCopy answers key from the current published copy: at once when it
// is ready; from the previous copy while the current copy's is computed,
// when the previous copy had it; else once it is computed, on one of the
// lane's turns. After a publish the previous copy's most-read answers are
// computed anew in the background, on the warm lane's one turn, so that
// the readers' own lanes stay free for the pages nobody asked for yet.
func fromCopy[K comparable, V any](ctx context.Context, s *Server, c *copyCache[K, V], lane turns, key K, fn computeFunc[K, V]) (answer[V], error) {
	version, err := warehouse.PublishedPath(s.cfg.Warehouse)
	if err != nil {
		return answer[V]{}, err
	}
	if version == "" {
		return answer[V]{}, errNoCopy
	}
	g, stale, start, rotated := c.lookup(version, key)
	if start {
		startComputing(s, c, lane, key, g, fn)
	}
	if len(rotated) > 0 && c.also != nil {
		rotated = append(c.also(), rotated...)
	}
	for i, k := range rotated {
		if i == maxWarm {
			break
		}
		if wg, _, wstart, _ := c.lookup(version, k); wstart {
			startComputing(s, c, s.warmTurn, k, wg, fn)
		}
	}
	if stale != nil {
		return answer[V]{V: stale.v, From: stale.from, Stale: true}, nil
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		return answer[V]{}, ctx.Err()
	}
	if g.err != nil {
		return answer[V]{}, g.err
	}
	return answer[V]{V: g.v, From: g.from}, nil
}

// maxWarm bounds the answers computed anew after a publish: the most read.
const maxWarm = 32

// startComputing computes g in the background on one of lane's turns,
// from the copy current when the turn comes (a newer copy than the one
// asked for is no harm: the answer names the copy it came from). The
// server's Close cancels it.
func startComputing[K comparable, V any](s *Server, c *copyCache[K, V], lane turns, key K, g *computed[V], fn computeFunc[K, V]) {
	s.computing.Add(1)
	go func() {
		defer s.computing.Done()
		v, from, err := func() (v V, from copyInfo, err error) {
			done, err := lane.take(s.runCtx)
			if err != nil {
				return v, from, err
			}
			defer done()
			wh, release, err := s.pub.acquire(s.runCtx)
			if err != nil {
				return v, from, err
			}
			defer release()
			v, err = fn(s.runCtx, wh, key)
			return v, infoOf(wh), err
		}()
		c.finish(key, g, v, from, err)
	}()
}

// turns bounds the queries the console runs at once: a request takes a
// turn before its query and gives it back after; waiting ends with the
// request.
type turns chan struct{}

func (t turns) take(ctx context.Context) (done func(), err error) {
	select {
	case t <- struct{}{}:
		return func() { <-t }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bulletinKey names a bulletin of a copy.
type bulletinKey struct {
	scope, asOf string
	lang        bulletin.Lang
}

// cachedBulletins and cachedAnswers bound the answers kept for one copy.
const (
	cachedBulletins = 256
	cachedAnswers   = 1024
)

// shared keeps what many answers of one copy read in common — the
// figures of every region for a week — computed once per copy and key by
// the first answer that needs it, on that answer's copy and turn (never a
// newer copy); the others wait for it. days keeps the bulletins' (every
// county's bulletin of a week shares the province's figures of that week),
// provinces the metrics API's.
type shared[K comparable, V any] struct {
	limit   int
	mu      sync.Mutex
	entries map[sharedKey[K]]*computed[V]
}

type sharedKey[K comparable] struct {
	copy string
	key  K
}

// weekKey names a week's figures: the as-of date and season, and for the
// metrics API the province.
type weekKey struct {
	province, asOf string
	year, season   int
}

// seasonKey names a season's files and their problems.
type seasonKey struct{ year, season int }

// cachedWeeks bounds the weeks kept (each a week's figures of every region).
const cachedWeeks = 32

func (d *shared[K, V]) get(ctx context.Context, wh *warehouse.Warehouse, k K, compute func() (V, error)) (V, error) {
	key := sharedKey[K]{copy: wh.Path(), key: k}
	d.mu.Lock()
	if d.entries == nil {
		d.entries = map[sharedKey[K]]*computed[V]{}
	}
	g, ok := d.entries[key]
	if !ok {
		// Make room: another copy's first, then any that is ready.
		for pass := 0; pass < 2 && len(d.entries) >= d.limit; pass++ {
			for sk, e := range d.entries {
				if (pass == 1 || sk.copy != key.copy) && e.ready() {
					delete(d.entries, sk)
					if len(d.entries) < d.limit {
						break
					}
				}
			}
		}
		g = &computed[V]{done: make(chan struct{})}
		d.entries[key] = g
	}
	d.mu.Unlock()
	if !ok {
		g.v, g.err = compute()
		if g.err != nil {
			d.mu.Lock()
			if d.entries[key] == g {
				delete(d.entries, key)
			}
			d.mu.Unlock()
		}
		close(g.done)
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
	return g.v, g.err
}

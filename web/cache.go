package web

import (
	"context"
	"sync"
	"time"

	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
)

// bulletins keeps the bulletins gathered from the current published copy:
// a copy never changes, so a bulletin read from it stays true until the
// next publish, and the pages most read (a region's bulletin this week)
// are then served without a query. Concurrent requests for one bulletin
// wait for one gathering.
type bulletins struct {
	turns   turns
	mu      sync.Mutex
	version string
	entries map[bulletinKey]*gathering
}

type bulletinKey struct {
	scope, asOf string
	lang        bulletin.Lang
}

type gathering struct {
	done chan struct{}
	b    *bulletin.Bulletin
	err  error
}

// cachedBulletins bounds the bulletins kept for one copy.
const cachedBulletins = 256

// get returns the bulletin for opt from wh's copy, gathering it once.
func (c *bulletins) get(ctx context.Context, wh *warehouse.Warehouse, opt bulletin.Options) (*bulletin.Bulletin, error) {
	key := bulletinKey{scope: opt.Scope, asOf: opt.AsOf.Format(time.DateOnly), lang: opt.Lang}
	c.mu.Lock()
	if c.version != wh.Path() || c.entries == nil {
		c.version, c.entries = wh.Path(), map[bulletinKey]*gathering{}
	}
	g, ok := c.entries[key]
	if !ok {
		if len(c.entries) >= cachedBulletins {
			for k := range c.entries {
				delete(c.entries, k)
				break
			}
		}
		g = &gathering{done: make(chan struct{})}
		c.entries[key] = g
	}
	entries := c.entries
	c.mu.Unlock()
	if !ok {
		// Gathered apart from the request that asked first, so that its
		// going away does not fail the others waiting.
		gctx := context.WithoutCancel(ctx)
		var done func()
		if done, g.err = c.turns.take(gctx); g.err == nil {
			g.b, g.err = bulletin.Gather(gctx, wh, opt)
			done()
		}
		if g.err != nil {
			c.mu.Lock()
			if entries[key] == g {
				delete(entries, key)
			}
			c.mu.Unlock()
		}
		close(g.done)
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if g.err != nil {
		return nil, g.err
	}
	// Callers may set Generated; the others keep theirs.
	b := *g.b
	return &b, nil
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

// answers keeps the metrics API's answers for the current published copy,
// as bulletins keeps bulletins: the same question of the same copy has the
// same answer.
type answers struct {
	mu      sync.Mutex
	version string
	entries map[string][]byte
}

// cachedAnswers bounds the answers kept for one copy.
const cachedAnswers = 1024

func (a *answers) get(version, key string) ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version {
		return nil, false
	}
	b, ok := a.entries[key]
	return b, ok
}

func (a *answers) put(version, key string, b []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version || a.entries == nil {
		a.version, a.entries = version, map[string][]byte{}
	}
	if len(a.entries) >= cachedAnswers {
		for k := range a.entries {
			delete(a.entries, k)
			break
		}
	}
	a.entries[key] = b
}

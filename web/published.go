package web

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"enlist/internal/warehouse"
)

// published hands out the current published copy of the warehouse,
// read-only, opened once per version: each request asks which version is
// current (a symlink read), and a version the writer has replaced is closed
// when its last request is done with it. The live file is never opened,
// so a running load never waits for the console nor the console for it.
type published struct {
	live string
	opt  warehouse.Options

	mu  sync.Mutex
	cur *version
}

type version struct {
	path    string
	wh      *warehouse.Warehouse
	refs    int
	retired bool
}

func newPublished(live string, opt warehouse.Options) *published {
	opt.ReadOnly = true
	return &published{live: live, opt: opt}
}

// acquire returns the current copy and the function that gives it back.
func (p *published) acquire(ctx context.Context) (*warehouse.Warehouse, func(), error) {
	path, err := warehouse.PublishedPath(p.live)
	if err != nil {
		return nil, nil, fmt.Errorf("find the published copy of %s: %w", p.live, err)
	}
	if path == "" {
		return nil, nil, errNoCopy
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil || p.cur.path != path {
		wh, err := warehouse.Open(ctx, path, p.opt)
		if err != nil {
			return nil, nil, fmt.Errorf("open the published copy %s: %w", path, err)
		}
		if old := p.cur; old != nil {
			old.retired = true
			if old.refs == 0 {
				old.wh.Close() //nolint:errcheck // read-only: nothing to lose
			}
		}
		p.cur = &version{path: path, wh: wh}
	}
	v := p.cur
	v.refs++
	var once sync.Once
	return v.wh, func() { once.Do(func() { p.release(v) }) }, nil
}

func (p *published) release(v *version) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v.refs--
	if v.retired && v.refs == 0 {
		v.wh.Close() //nolint:errcheck // read-only: nothing to lose
	}
}

// version names the copy a request reads, for caches keyed by it.
func (p *published) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return nil
	}
	v := p.cur
	p.cur = nil
	v.retired = true
	if v.refs == 0 {
		return v.wh.Close()
	}
	return errors.New("web: published copy still in use at close")
}

package main

import (
	"context"
	"errors"
	"fmt"

	"enlist/internal/analyst"
	"enlist/internal/scoped"
	"enlist/internal/warehouse"
)

// openScopedSession opens an analyst's sandboxed session on scope's copy of
// the published warehouse (internal/scoped): what an analyst bound to that
// region reads in the web console, so an operator can check it from the
// command line. A scope covering the whole warehouse reads the published
// copy itself.
func openScopedSession(ctx context.Context, e *env, scope string, vars [][2]string, what string) (s *analyst.Session, from string, closeSession func(), err error) {
	if err := scoped.CheckScope(scope); err != nil {
		return nil, "", nil, fmt.Errorf("%w: --scope: %w", errUsage, err)
	}
	// Opening the reader brings the published copy up to date; it is closed
	// before the scoped copy is built, which opens the same version.
	wh, err := e.openReader(ctx, true)
	if err != nil {
		return nil, "", nil, err
	}
	published := wh.Path()
	if err := wh.Close(); err != nil {
		return nil, "", nil, err
	}
	path, err := scoped.Copy(ctx, published, scope)
	if err != nil {
		return nil, "", nil, err
	}
	cfg, err := e.config()
	if err != nil {
		return nil, "", nil, err
	}
	r, err := e.resources(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	sw, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, Sandbox: true, Threads: r.Threads, MemoryLimit: r.MemoryLimit})
	if err != nil {
		return nil, "", nil, err
	}
	s, err = analyst.NewSession(ctx, sw.DB())
	if err != nil {
		return nil, "", nil, errors.Join(err, sw.Close())
	}
	closeSession = func() { s.Close(); sw.Close() }
	for _, v := range vars {
		if err := s.SetVariable(ctx, v[0], v[1]); err != nil {
			closeSession()
			return nil, "", nil, fmt.Errorf("%s%s: %w", what, v[0], err)
		}
	}
	return s, path, closeSession, nil
}

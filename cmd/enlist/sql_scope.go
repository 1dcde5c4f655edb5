package main

import (
	"context"
	"fmt"

	"enlist/internal/analyst"
	"enlist/internal/scoped"
	"enlist/internal/site"
)

// openScopedSQL opens an analyst's sandboxed session on scope's copy of the
// published warehouse (internal/scoped): what an analyst bound to that
// region reads in the web console, so an operator can check it from the
// command line. A scope covering the whole warehouse reads the published
// copy itself.
func openScopedSQL(ctx context.Context, st *site.Site, scope string, vars []analyst.Var, what string) (*analyst.Session, string, func(), error) {
	if err := scoped.CheckScope(scope); err != nil {
		return nil, "", nil, fmt.Errorf("%w: --scope: %w", errUsage, err)
	}
	// Opening the reader brings the published copy up to date; it is closed
	// before the scoped copy is built, which reads the same version.
	wh, err := st.OpenReader(ctx, true)
	if err != nil {
		return nil, "", nil, err
	}
	published := wh.Path()
	if err := wh.Close(); err != nil {
		return nil, "", nil, err
	}
	cfg, err := st.Config()
	if err != nil {
		return nil, "", nil, err
	}
	r, err := st.Resources(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	return scoped.OpenSession(ctx, published, scope, scoped.QueryOptions{Threads: r.Threads, MemoryLimit: r.MemoryLimit}, vars, what)
}

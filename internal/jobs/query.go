package jobs

import (
	"context"
	"fmt"
	"strings"

	"enlist/internal/analyst"
	"enlist/internal/site"
)

// ParseVar reads a session variable given as NAME=VALUE (enlist sql --var).
func ParseVar(s string) (analyst.Var, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || !VarName.MatchString(name) {
		return analyst.Var{}, fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	return analyst.Var{Name: name, Value: value}, nil
}

// OpenSQLAs opens the session enlist sql runs in: OpenSQL on the published
// copy, or with a scope OpenScopedSQL, what an analyst bound to that
// region reads.
func OpenSQLAs(ctx context.Context, s *site.Site, scope string, vars []analyst.Var, what string) (sess *analyst.Session, from string, closeSession func(), err error) {
	if scope == "" {
		return OpenSQL(ctx, s, vars, what)
	}
	return OpenScopedSQL(ctx, s, scope, vars, what)
}

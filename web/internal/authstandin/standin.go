// Package authstandin mirrors the contract of web/auth (roles, the signed-in
// user in a request's context) while that package is being written beside
// this one; it is replaced by web/auth when both meet, and nothing outside
// web's tests serves through it.
package authstandin

import (
	"context"
	"net/http"
)

// Role is what an account may do; each role may do what the ones below it may.
type Role int

const (
	Leader Role = iota + 1
	Analyst
	Operator
	Admin
)

// AtLeast tells whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r >= min }

func (r Role) String() string {
	switch r {
	case Leader:
		return "leader"
	case Analyst:
		return "analyst"
	case Operator:
		return "operator"
	case Admin:
		return "admin"
	}
	return "none"
}

// Label is the role's name for people.
func (r Role) Label(lang string) string {
	if lang == "en" {
		return r.String()
	}
	switch r {
	case Leader:
		return "领导小组"
	case Analyst:
		return "分析员"
	case Operator:
		return "经办人"
	case Admin:
		return "管理员"
	}
	return "无"
}

// User is a signed-in account.
type User struct {
	Name     string
	Role     Role
	Region   string
	Disabled bool
}

type userKey struct{}

// WithUser puts u in ctx.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom is the signed-in user of a request.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

// Guard is the test guard: the user comes from the request's context.
type Guard struct{}

func (Guard) Routes(mux *http.ServeMux) {}

func (Guard) Page(min Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if !u.Role.AtLeast(min) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (Guard) API(min Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			http.Error(w, `{"error":"sign in"}`, http.StatusUnauthorized)
			return
		}
		if !u.Role.AtLeast(min) {
			http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (Guard) Secure(h http.Handler) http.Handler { return h }

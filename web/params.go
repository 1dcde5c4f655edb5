package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"enlist/internal/analyst"
)

// paramError is a bad query parameter: its name and what is wrong.
type paramError struct {
	Name string
	Err  error
}

func (e *paramError) Error() string { return fmt.Sprintf("%s: %v", e.Name, e.Err) }

// one is a query parameter given at most once ("" when absent).
func one(r *http.Request, name string) (string, error) {
	v := r.URL.Query()[name]
	switch len(v) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(v[0]), nil
	}
	return "", &paramError{name, fmt.Errorf("given %d times; give it once", len(v))}
}

// checked reads a parameter the models also take as a session variable
// (as_of, year, season), checked as `enlist sql --var` checks it
// (internal/analyst), and returns the value it stands for.
func checked(r *http.Request, name string, now time.Time) (string, error) {
	v, err := one(r, name)
	if err != nil || v == "" {
		return "", err
	}
	lit, err := analyst.CheckVariable(name, v, now)
	if err != nil {
		return "", &paramError{name, err}
	}
	// The checker gives an SQL literal: DATE 'YYYY-MM-DD' or a number.
	return strings.TrimSuffix(strings.TrimPrefix(lit, "DATE '"), "'"), nil
}

// asOf is the as_of parameter as a date; zero when absent.
func asOf(r *http.Request, now time.Time) (time.Time, error) {
	v, err := checked(r, "as_of", now)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &paramError{"as_of", err}
	}
	return t, nil
}

// number is an integer parameter checked like the variable of its name.
func number(r *http.Request, name string, now time.Time) (int, error) {
	v, err := checked(r, name, now)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &paramError{name, err}
	}
	return n, nil
}

package scoped

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSavedQueries(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "enlist.duckdb")
	path := SavedPathFor(db)
	if filepath.Base(path) != "enlist.queries.json" {
		t.Fatalf("saved queries at %s", path)
	}
	s := OpenSaved(path)
	s.Now = func() time.Time { return time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC) }
	save := func(q SavedQuery) SavedQuery {
		t.Helper()
		out, err := s.Save(ctx, q)
		if err != nil {
			t.Fatalf("save %q: %v", q.Name, err)
		}
		return out
	}
	// a and b work in county 410102, c in its sibling 410103, d in the
	// city 4101, e in the province.
	q1 := save(SavedQuery{Name: "本区登记数", Description: "每周", Owner: "a", Region: "410102", Shared: true,
		Query: "SELECT count(*) FROM registrations", Vars: Vars{"as_of": "2025-03-01"}})
	q2 := save(SavedQuery{Name: "草稿", Owner: "a", Region: "410102", Query: "SELECT 1"})
	q3 := save(SavedQuery{Name: "全市完成率", Owner: "d", Region: "4101", Shared: true, Query: "SELECT region_code, quota_completion FROM metrics"})
	q4 := save(SavedQuery{Name: "兄弟区", Owner: "c", Region: "410103", Shared: true, Query: "SELECT 2"})
	if q1.ID == 0 || q2.ID == q1.ID || q3.ID == q2.ID {
		t.Fatalf("ids %d %d %d", q1.ID, q2.ID, q3.ID)
	}
	list := func(user, region string) string {
		t.Helper()
		qs, err := s.List(ctx, user, region)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, q := range qs {
			names = append(names, q.Name)
		}
		return strings.Join(names, ",")
	}
	for _, c := range []struct{ user, region, want string }{
		{"a", "410102", "全市完成率,本区登记数,草稿"}, // own, and the city's shared one
		{"b", "410102", "全市完成率,本区登记数"},    // a colleague: shared only
		{"c", "410103", "兄弟区,全市完成率"},      // the sibling: never 410102's
		{"d", "4101", "兄弟区,全市完成率,本区登记数"},  // the city: its counties' shared ones
		{"e", "41", "兄弟区,全市完成率,本区登记数"},
		{"f", "4102", ""}, // another city
	} {
		if got := list(c.user, c.region); got != c.want {
			t.Errorf("%s@%s sees %q, want %q", c.user, c.region, got, c.want)
		}
	}
	if _, err := s.Get(ctx, q1.ID, "c", "410103"); !errors.Is(err, ErrNotFound) {
		t.Errorf("sibling gets a's query: %v", err)
	}
	if _, err := s.Get(ctx, q2.ID, "b", "410102"); !errors.Is(err, ErrNotFound) {
		t.Errorf("colleague gets a's private query: %v", err)
	}
	// Changes: by the owner only; names unique per owner.
	q1.Description = "每周一"
	if _, err := s.Save(ctx, SavedQuery{ID: q1.ID, Name: q1.Name, Owner: "b", Region: "410102", Query: "SELECT 3"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("b changes a's query: %v", err)
	}
	if got := save(q1); got.Description != "每周一" || got.ID != q1.ID || !got.Created.Equal(q1.Created) {
		t.Errorf("changed: %+v", got)
	}
	for q, want := range map[*SavedQuery]string{
		{Name: "草稿", Owner: "a", Region: "410102", Query: "SELECT 4"}:                           `a already has a query named "草稿"`,
		{Name: "x", Owner: "a", Region: "41010", Query: "SELECT 4"}:                             "must have 2 (省), 4 (市), 6 (区县), 9 (乡镇) or 12 (村居) digits",
		{Name: "x", Owner: "a", Region: "410102", Query: "  "}:                                  "the query is empty",
		{Name: " ", Owner: "a", Region: "410102", Query: "SELECT 1"}:                            "give it a name",
		{Name: "x", Owner: "a", Region: "410102", Query: "SELECT 1", Vars: Vars{"season": "3"}}: `variable season = "3"`,
		{Name: "x", Owner: "a", Region: "410102", Query: "SELECT 1", Vars: Vars{"who": "me"}}:   `unknown variable "who"`,
		{Name: "a\x00b", Owner: "a", Region: "410102", Query: "SELECT 1"}:                       "control character",
		{Name: strings.Repeat("名", 101), Owner: "a", Region: "410102", Query: "SELECT 1"}:       "longer than 100 characters",
	} {
		if _, err := s.Save(ctx, *q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("save %q: %v, want %q", q.Name, err, want)
		}
	}
	if err := s.Delete(ctx, q2.ID, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("b deletes a's query: %v", err)
	}
	if err := s.Delete(ctx, q2.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if got := list("a", "410102"); got != "全市完成率,本区登记数" {
		t.Errorf("after delete a sees %q", got)
	}
	_ = q4
	// The file is the service's own: private, outside the warehouse.
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	// Saves from many requests at once all land, each with its own id.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := OpenSaved(path).Save(ctx, SavedQuery{Name: fmt.Sprint("q", i), Owner: "b", Region: "410102", Query: "SELECT 1"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	qs, err := s.List(ctx, "b", "410102")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, q := range qs {
		ids[q.ID] = true
	}
	if len(qs) != 10 || len(ids) != 10 {
		t.Errorf("b sees %d queries with %d ids, want 10", len(qs), len(ids))
	}
}

// TestSavedQueryRunsInTheRunnersScope: a shared query runs over the scope
// of whoever runs it, with the saved variables unless new ones are given.
func TestSavedQueryRunsInTheRunnersScope(t *testing.T) {
	ctx := context.Background()
	pub := handMadeWarehouse(t)
	s := OpenSaved(SavedPathFor(filepath.Join(filepath.Dir(pub), "enlist.duckdb")))
	q, err := s.Save(ctx, SavedQuery{Name: "登记", Owner: "d", Region: "4101", Shared: true,
		Query: "SELECT count(*) AS n, getvariable('as_of') AS as_of FROM registrations", Vars: Vars{"as_of": "2025-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, region string
		vars         Vars
		want         string
	}{
		{"a", "410102", nil, "[[3 2025-03-01 00:00:00 +0000 UTC]]"},
		{"c", "410103", Vars{"as_of": "2025/6/30"}, "[[2 2025-06-30 00:00:00 +0000 UTC]]"},
	} {
		res, err := s.Run(ctx, pub, q.ID, c.user, c.region, c.vars, QueryOptions{})
		if err != nil {
			t.Fatalf("%s runs: %v", c.user, err)
		}
		if got := fmt.Sprint(res.Rows); got != c.want {
			t.Errorf("%s@%s: %s, want %s", c.user, c.region, got, c.want)
		}
	}
	if _, err := s.Run(ctx, pub, q.ID, "f", "4102", nil, QueryOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("another city runs the query: %v", err)
	}
}

package prompt

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/analyst"
	"enlist/internal/warehouse"
)

// session is an analyst's session on a fresh warehouse's published copy,
// opened as enlist sql opens it, with year set through the variables.
func session(t *testing.T) *analyst.Session {
	t.Helper()
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := warehouse.Open(ctx, live, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.OpenReader(ctx, live, warehouse.Options{Threads: 1, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	s, err := analyst.Open(ctx, wh.DB(), []analyst.Var{{Name: "year", Value: "2025"}}, "--var ")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Lines from a pipe: a query over two lines, a refused one, a variable,
// the dictionary, a command it does not know, and text left unfinished
// at the end, which still runs.
func TestPromptFromAPipe(t *testing.T) {
	var out, errs bytes.Buffer
	in := strings.Join([]string{
		"SELECT 41 + 1",
		"  AS answer;",
		"COPY load_ledger TO 'x.csv';",
		"SET VARIABLE season = 3;",
		`\d person_facts_at`,
		`\frobnicate`,
		"",
		"SELECT getvariable('year') AS y",
	}, "\n")
	err := Run(context.Background(), Options{Session: session(t), In: strings.NewReader(in), Stdout: &out, Stderr: &errs,
		Format: "csv", From: "/srv/w.duckdb.published/current"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"answer\n42\n", "person_facts_at(as_of, y, s) (table macro)", "education_label", "y\n2025\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("results lack %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"enlist sql: reading /srv/w.duckdb.published/current (read-only).", "(1 row)",
		"error: ", "COPY", "season", "unknown command \\frobnicate: \\? lists the commands", "enlist> ", "   ...> "} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("prompt output lacks %q:\n%s", want, errs.String())
		}
	}
	if strings.Contains(out.String(), "x.csv") {
		t.Errorf("a refused query reached the results:\n%s", out.String())
	}
}

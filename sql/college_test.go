package sql_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/warehouse"
	enlistsql "enlist/sql"
)

// TestCollegeIsDefinedOnce: "college" (大专 and above) is spelt in one
// place, sql/college.go: no model lists education codes itself, and the
// models' is_college macro agrees with IsCollege, which the loader's age
// rule asks, on every education code the warehouse knows, NULL and junk.
func TestCollegeIsDefinedOnce(t *testing.T) {
	err := fs.WalkDir(os.DirFS("models"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join("models", path))
		if err != nil {
			return err
		}
		for _, code := range []string{"'associate'", "'bachelor'", "'master'", "'doctor'"} {
			// The labels view names every code with its Chinese label;
			// a list of codes in a condition is a second definition.
			if strings.Contains(string(b), code) && !strings.Contains(string(b), "("+"'education', "+code) {
				t.Errorf("models/%s spells the education code %s outside the labels: use is_college(education)", path, code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	rows, err := wh.DB().QueryContext(ctx, `
		SELECT code, is_college(code) FROM labels WHERE field = 'education'
		UNION ALL SELECT 'junk', is_college('junk')
		UNION ALL SELECT NULL, is_college(NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, college := 0, 0
	for rows.Next() {
		var code sql.NullString
		var got bool
		if err := rows.Scan(&code, &got); err != nil {
			t.Fatal(err)
		}
		if want := enlistsql.IsCollege(code.String); got != want {
			t.Errorf("is_college(%v) = %v, IsCollege says %v", code, got, want)
		}
		n++
		if got {
			college++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// 小学 … 中专 are not college; 大专, 本科, 硕士, 博士 are.
	if n != 10 || college != 4 {
		t.Errorf("%d codes, %d college; want 10 and 4", n, college)
	}
}

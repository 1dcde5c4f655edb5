package sql_test

import (
	"context"
	"path/filepath"
	"testing"

	"enlist/internal/warehouse"
)

// TestFormerNamesAreDropped: a warehouse made before the metrics models
// were renamed loses scores_at, bulletin_at, metrics_pair_at and the
// bulletin view when it is opened, a view built on them included, so no
// stale copy answers an analyst's query.
func TestFormerNamesAreDropped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE MACRO metrics_pair_at(a, p, y, s) AS TABLE SELECT * FROM counts_pair_at(a, p, y, s)`,
		`CREATE MACRO scores_at(a, y, s) AS TABLE SELECT * FROM metrics_at(a, y, s)`,
		`CREATE MACRO bulletin_at(a, y, s) AS TABLE SELECT * FROM scores_at(a, y, s)`,
		`CREATE VIEW bulletin AS SELECT * FROM bulletin_at(DATE '2025-03-05', 2025, 1)`,
		// The models are installed again when their fingerprint changes.
		`DELETE FROM model_state`,
	} {
		if _, err := wh.DB().ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	wh, err = warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatalf("open a warehouse with the former names: %v", err)
	}
	defer wh.Close()
	var n int
	if err := wh.DB().QueryRowContext(ctx, `
		SELECT (SELECT count(*) FROM duckdb_functions() WHERE function_name IN ('scores_at', 'bulletin_at', 'metrics_pair_at'))
		     + (SELECT count(*) FROM duckdb_views() WHERE view_name = 'bulletin')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d former models left in the warehouse", n)
	}
}

package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"enlist/internal/config"
	enlistsql "enlist/sql"
)

func TestOpenMigratesOnceAndKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	migrations, _ := enlistsql.Migrations()
	want := migrations[len(migrations)-1].Version
	if v, err := wh.SchemaVersion(ctx); err != nil || v != want {
		t.Fatalf("schema version %d (%v), want %d", v, err, want)
	}
	if _, err := wh.DB().Exec(`INSERT INTO quotas (load_id, source_row, year, season, region_code, quota) VALUES (1, 2, 2025, 1, '410102', 120)`); err != nil {
		t.Fatal(err)
	}
	wh.Close()
	// Opening again applies nothing twice and loses nothing.
	cfg, _ := config.Default()
	cfg.Targets.CollegeRatio = 0.8
	wh, err = Open(ctx, path, Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var versions, quotas, regionsN int
	var college float64
	db := wh.DB()
	if err := db.QueryRow(`SELECT count(*) FROM schema_version`).Scan(&versions); err != nil || versions != len(migrations) {
		t.Errorf("schema_version rows %d (%v), want %d", versions, err, len(migrations))
	}
	if err := db.QueryRow(`SELECT count(*) FROM quotas`).Scan(&quotas); err != nil || quotas != 1 {
		t.Errorf("quotas %d (%v)", quotas, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM regions`).Scan(&regionsN); err != nil || regionsN != 31+342+2978+41352 {
		t.Errorf("regions %d (%v)", regionsN, err)
	}
	// The configuration of the latest open is what the models see.
	if err := db.QueryRow(`SELECT value FROM settings WHERE name = 'target.college_ratio'`).Scan(&college); err != nil || college != 0.8 {
		t.Errorf("college target %v (%v)", college, err)
	}
}

// TestEveryColumnDocumented: analysts read the warehouse through its
// comments, so a table, view or column without one is a defect.
func TestEveryColumnDocumented(t *testing.T) {
	ctx := context.Background()
	wh, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	rows, err := wh.DB().Query(`
		SELECT c.table_name, c.column_name
		FROM duckdb_columns() c
		WHERE c.database_name = current_database() AND c.schema_name = 'main'
		  AND c.table_name <> 'schema_version' AND (c.comment IS NULL OR c.comment = '')
		UNION ALL
		SELECT t.table_name, '(table)' FROM duckdb_tables() t
		WHERE t.database_name = current_database() AND t.table_name <> 'schema_version' AND (t.comment IS NULL OR t.comment = '')
		UNION ALL
		SELECT v.view_name, '(view)' FROM duckdb_views() v
		WHERE v.database_name = current_database() AND NOT v.internal AND (v.comment IS NULL OR v.comment = '')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s.%s has no comment", table, col)
	}
}

// TestDetachingIsRetried pins the text DuckDB 1.4 refuses an open with
// while the process's previous instance of the file is still closing (as a
// scheduled job's run record met in CI): opens must retry through it
// rather than fail the job's bookkeeping.
func TestDetachingIsRetried(t *testing.T) {
	seen := errors.New(`database/sql/driver: could not connect to database: Binder Error: Unique file handle conflict: Cannot attach "w" - the database file "/tmp/x/w.duckdb" is already attached by database "w"`)
	if !isDetaching(seen) {
		t.Errorf("not recognised as a closing handle: %v", seen)
	}
	if isDetaching(errors.New(`IO Error: Could not set lock on file "/tmp/x/w.duckdb": Conflicting lock is held`)) {
		t.Error("another process's lock taken for this process's closing handle")
	}
}

// A close waits for the connections still in use, so that no DuckDB
// connection outlives its database: one that did kept the file's instance
// alive, and the next open of the file in this process was refused or, once,
// spun in DuckDB's instance cache for ever.
func TestCloseWaitsForConnectionsInUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wh.DB().QueryContext(ctx, `SELECT * FROM range(3)`)
	if err != nil {
		t.Fatal(err)
	}
	var rowsClosed atomic.Bool
	go func() {
		time.Sleep(200 * time.Millisecond)
		rowsClosed.Store(true)
		rows.Close()
	}()
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	if !rowsClosed.Load() {
		t.Fatal("the warehouse closed while a query still held a connection")
	}
	again, err := Open(ctx, path, Options{LockWait: -1})
	if err != nil {
		t.Fatalf("open after the close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

package analyst

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/tabular"
	"enlist/internal/warehouse"
)

// fixture is a fresh warehouse (schema, models, built-in regions) opened
// the way enlist sql opens it: its published copy, read-only, sandboxed.
type fixture struct {
	dir, live string
	wh        *warehouse.Warehouse
	s         *Session
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "w.duckdb")
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
	s, err := NewSession(ctx, wh.DB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{dir: dir, live: live, wh: wh, s: s}
}

func (f *fixture) count(t *testing.T, table string) int64 {
	t.Helper()
	r, err := f.s.Run(context.Background(), "SELECT count(*) AS n FROM "+table)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return r.Frame.Rows[0][0].(int64)
}

// TestRefusals: everything but a query, and every way to a file, is refused
// before it runs, with a message naming what was refused; afterwards the
// data is unchanged and no file the text named exists.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	regionsBefore := f.count(t, "regions")
	if regionsBefore < 3000 {
		t.Fatalf("fixture has %d regions, want the built-in table", regionsBefore)
	}
	out := func(name string) string { return filepath.Join(f.dir, name) }
	cases := []struct{ text, want string }{
		// Statements that change data or schema.
		{"INSERT INTO regions VALUES ('99', 'x', 1, NULL, 'builtin')", "refused INSERT: it changes data"},
		{"UPDATE regions SET name = 'x'", "refused UPDATE: it changes data"},
		{"DELETE FROM regions", "refused DELETE: it changes data"},
		{"TRUNCATE regions", "refused TRUNCATE"},
		{"CREATE TABLE t AS SELECT 1", "refused CREATE TABLE: it changes the schema"},
		{"CREATE OR REPLACE TEMP VIEW v AS SELECT 1", "refused CREATE VIEW"},
		{"CREATE MACRO m(x) AS x", "refused CREATE MACRO"},
		{"DROP TABLE regions", "refused DROP TABLE: it changes the schema"},
		{"ALTER TABLE regions ADD COLUMN x INT", "refused ALTER TABLE"},
		{"COMMENT ON TABLE regions IS 'x'", "refused COMMENT ON TABLE"},
		// Other databases and files.
		{"ATTACH '" + out("new.duckdb") + "' AS n", "refused ATTACH: it opens another database or file"},
		{"DETACH n", "refused DETACH"},
		{"USE memory", "refused USE"},
		{"COPY regions TO '" + out("regions.csv") + "'", "refused COPY: it reads or writes files"},
		{"COPY (SELECT * FROM regions) TO '" + out("q.parquet") + "' (FORMAT parquet)", "refused COPY"},
		{"EXPORT DATABASE '" + out("export") + "'", "refused EXPORT DATABASE: it writes files"},
		{"IMPORT DATABASE '" + out("export") + "'", "refused IMPORT DATABASE: it reads files"},
		{"INSTALL httpfs", "refused INSTALL: it installs extensions"},
		{"LOAD sqlite", "refused LOAD: it loads extensions"},
		{"FORCE INSTALL excel", "refused FORCE INSTALL"},
		// Settings, procedures, maintenance, transactions.
		{"SET enable_external_access = true", "refused SET enable_external_access: it changes settings"},
		{"SET threads TO 64", "refused SET threads"},
		{"RESET threads", "refused RESET threads"},
		{"PRAGMA enable_profiling", "refused PRAGMA"},
		{"PRAGMA table_info('regions')", "refused PRAGMA"},
		{"CALL pragma_version()", "refused CALL"},
		{"CALL checkpoint()", "refused CALL"},
		{"CHECKPOINT", "refused CHECKPOINT: it writes the database file"},
		{"VACUUM", "refused VACUUM"},
		{"BEGIN TRANSACTION", "refused BEGIN"},
		{"COMMIT", "refused COMMIT"},
		{"EXPLAIN ANALYZE SELECT 1", "refused EXPLAIN"},
		// Files through table functions, scalar functions and file names.
		{"SELECT * FROM read_csv('/etc/passwd')", "refused table function read_csv: it reads files"},
		{"SELECT * FROM read_csv_auto('/etc/passwd', header = false)", "refused table function read_csv_auto"},
		{"FROM read_parquet('" + out("x.parquet") + "')", "refused table function read_parquet"},
		{"SELECT * FROM read_json('/etc/x.json')", "refused table function read_json"},
		{"SELECT * FROM read_text('/etc/passwd')", "refused table function read_text: it reads files"},
		{"SELECT content FROM read_blob('/etc/hostname')", "refused table function read_blob"},
		{"SELECT * FROM glob('/etc/*')", "refused table function glob: it lists files"},
		{"SELECT * FROM sqlite_scan('" + out("x.db") + "', 't')", "refused table function sqlite_scan"},
		{"SELECT * FROM parquet_metadata('x.parquet')", "refused table function parquet_metadata"},
		{"SELECT * FROM '/etc/passwd.csv'", "refused FROM '/etc/passwd.csv': reading files is not allowed"},
		{"SELECT * FROM 'registrations.parquet'", "refused FROM 'registrations.parquet'"},
		{"SELECT * FROM \"data/*.csv\"", "refused FROM 'data/*.csv'"},
		{"DESCRIBE '/etc/passwd.csv'", "refused FROM '/etc/passwd.csv'"},
		{"SELECT getenv('HOME')", "refused function getenv: it reads the server's environment"},
		{"SELECT upper(getenv('ENLIST_SECRET')) AS s FROM regions", "refused function getenv"},
		{"SELECT * FROM query('DROP TABLE regions')", "refused table function query: it runs SQL text"},
		{"SELECT * FROM query_table('regions')", "refused table function query_table"},
		{"SELECT * FROM checkpoint()", "refused table function checkpoint"},
		{"SELECT nextval('load_id_seq')", "refused function nextval"},
		{"SELECT * FROM duckdb_secrets()", "refused table function duckdb_secrets"},
		{"SELECT write_log('x')", "refused function write_log"},
		{"SELECT * FROM enable_logging()", "refused table function enable_logging"},
		{"SELECT * FROM sql_auto_complete('SEL')", "refused table function sql_auto_complete"},
		{"SELECT * FROM pragma_storage_info('regions') s, read_csv('/etc/passwd') p", "refused table function read_csv"},
		{"SELECT * FROM regions WHERE code IN (SELECT column0 FROM read_csv('/etc/passwd'))", "refused table function read_csv"},
		{"WITH p AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM p", "refused table function read_text"},
		{"SELECT (SELECT count(*) FROM glob('/*'))", "refused table function glob"},
		{"SELECT * FROM test_all_types()", "refused table function test_all_types"},
		{"SUMMARIZE SELECT * FROM read_csv('/etc/passwd')", "refused table function read_csv"},
		// Several statements, and statements hidden by comments and strings.
		{"SELECT 1; DROP TABLE regions", "refused DROP TABLE (statement 2 of 2)"},
		{"SELECT 1 /* ; */; DROP TABLE regions", "refused DROP TABLE (statement 2 of 2)"},
		{"SELECT 1 -- ;\n; DELETE FROM regions", "refused DELETE (statement 2 of 2)"},
		{"SELECT ';' AS x; DROP TABLE regions;", "refused DROP TABLE (statement 2 of 2)"},
		{"SELECT $$;$$; COPY regions TO '" + out("d.csv") + "'", "refused COPY (statement 2 of 2)"},
		{"DROP TABLE regions; SELECT 42", "refused DROP TABLE (statement 1 of 2)"},
		{"/* hello */ DROP /* x */ TABLE regions", "refused DROP TABLE"},
		{"SELECT 1; SELECT 2", "refused 2 statements: run one query at a time"},
		{"SELECT 1; SELECT * FROM read_csv('/etc/passwd')", "refused 2 statements"},
		{"SET VARIABLE x = (SELECT count(*) FROM read_csv('/etc/passwd'))", "refused SET VARIABLE"},
		{"SET VARIABLE x = 1; DROP TABLE regions", "refused"},
		{"PIVOT regions ON level", "refused PIVOT"},
	}
	for _, c := range cases {
		_, err := f.s.Run(ctx, c.text)
		if err == nil {
			t.Errorf("%q ran; want refused", c.text)
			continue
		}
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was run") {
			t.Errorf("%q:\n got  %v\n want %q", c.text, err, c.want)
		}
	}
	// A file the analyst may not read: no way round the check or the engine
	// shows its content.
	canary := out("canary.csv")
	if err := os.WriteFile(canary, []byte("secret\nCANARY-7f3a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT * FROM read_csv('" + canary + "')",
		"SELECT * FROM '" + canary + "'",
		"SELECT * FROM \"" + canary + "\"",
		"SELECT content FROM read_text('" + canary + "')",
		"SELECT * FROM read_csv(['" + canary + "'], header = true)",
		"SELECT * FROM metrics_at((SELECT max(column0) FROM read_csv('" + canary + "'))::DATE, 2025, 1)",
		"SELECT * FROM query('SELECT * FROM read_csv(''" + canary + "'')')",
		"FROM glob('" + f.dir + "/*')",
	} {
		r, err := f.s.Run(ctx, q)
		if err == nil {
			t.Errorf("%q ran: %v", q, r.Frame.Rows)
			continue
		}
		if strings.Contains(err.Error(), "CANARY") {
			t.Errorf("%q leaked the file: %v", q, err)
		}
	}
	os.Remove(canary)

	// Nothing reached the data or the file system.
	if n := f.count(t, "regions"); n != regionsBefore {
		t.Errorf("regions: %d rows, was %d", n, regionsBefore)
	}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "w.duckdb" && n != "w.duckdb.published" && n != "w.duckdb.wal" {
			t.Errorf("a refused statement left %s in the warehouse folder", n)
		}
	}
	for _, v := range []string{"x", "n"} {
		if _, err := f.s.Run(ctx, "SELECT getvariable('"+v+"') IS NULL AS unset"); err != nil {
			t.Error(err)
		}
	}
}

// TestEngineRefusesFilesToo: should the text check ever miss a way to a
// file, the engine itself, opened without external access and with its
// configuration locked, still refuses.
func TestEngineRefusesFilesToo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	target := filepath.Join(f.dir, "leak.csv")
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM '/etc/hostname.csv'",
		"SELECT * FROM glob('/etc/*')",
		"COPY (SELECT 1) TO '" + target + "'",
		"SET enable_external_access = true",
		"SET lock_configuration = false",
		"INSTALL sqlite",
	} {
		// Straight to DuckDB, past the check.
		if _, err := f.wh.DB().ExecContext(ctx, q); err == nil {
			t.Errorf("engine ran %q", q)
		}
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a refused COPY: %v", target, err)
	}
	// A session will not start on a warehouse opened with file access.
	open, err := warehouse.Open(ctx, f.live, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := NewSession(ctx, open.DB()); err == nil || !strings.Contains(err.Error(), "sandboxed") {
		t.Errorf("session on an unsandboxed warehouse: %v", err)
	}
}

// TestQueriesRun: the forms analysts use all pass the check and give the
// hand-known answer.
func TestQueriesRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		text string
		want string // first cell, as text
	}{
		{"SELECT 42 AS answer", "42"},
		{"SELECT 42 AS answer;", "42"},
		{"  -- the answer\nSELECT 42 /* ; */ AS answer ; ", "42"},
		{"SELECT name FROM regions WHERE code = '41'", "河南省"},
		{"FROM regions SELECT name WHERE code = '4101'", "郑州市"},
		{"WITH p AS (SELECT * FROM regions WHERE level = 1) SELECT count(*) FROM p", "31"},
		{"SELECT name FROM regions WHERE code IN (SELECT code FROM regions WHERE parent_code = '41') ORDER BY code", "郑州市"},
		{"VALUES ('a;b')", "a;b"},
		{"SELECT ';' || 'DROP TABLE regions' AS s", ";DROP TABLE regions"},
		{"SELECT count(*) FROM range(10)", "10"},
		{"SELECT count(*) FROM histogram(regions, level)", "4"}, // province, city, county, town
		{"SELECT sum(x) FROM unnest([1, 2, 3]) t(x)", "6"},
		{"SELECT count(*) > 0 FROM duckdb_views() WHERE view_name = 'metrics'", "true"},
		{"SELECT name FROM pragma_table_info('regions') LIMIT 1", "code"},
		{"DESCRIBE regions", "code"},
		{"SELECT count(*) FROM (SHOW TABLES) WHERE name = 'regions'", "1"},
		{"SELECT count(*) FROM metrics_at(DATE '2025-03-05', 2025, 1)", "0"},
		{"SELECT count(*) FROM information_schema.tables WHERE table_name = 'regions'", "1"},
	}
	for _, c := range cases {
		r, err := f.s.Run(ctx, c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if len(r.Frame.Rows) == 0 {
			t.Errorf("%q: no rows", c.text)
			continue
		}
		if got := cellText(r.Frame.Rows[0][0]); got != c.want {
			t.Errorf("%q = %q, want %q", c.text, got, c.want)
		}
	}
	// Session variables, which the metrics view reads, persist in the session.
	r, err := f.s.Run(ctx, "SET VARIABLE as_of = '2025-03-05';")
	if err != nil || r.Variable != "as_of" {
		t.Fatalf("set variable: %v %+v", err, r)
	}
	if _, err := f.s.Run(ctx, "set variable season to 1"); err != nil {
		t.Fatal(err)
	}
	r, err = f.s.Run(ctx, "SELECT getvariable('as_of')::DATE::VARCHAR || '/' || getvariable('season')")
	if err != nil || cellText(r.Frame.Rows[0][0]) != "2025-03-05/1" {
		t.Fatalf("variables: %v %+v", err, r)
	}
	// A syntax error is an error, not a refusal.
	if _, err := f.s.Run(ctx, "SELEC 1"); err == nil || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := f.s.Run(ctx, "-- nothing"); err == nil || errors.Is(err, ErrRefused) {
		t.Errorf("empty text: %v", err)
	}
}

func cellText(v any) string { return tabular.Text(v) }

// TestRenamedModelsSayTheirNewName: a query saved before the metrics
// models were renamed (scores_at and bulletin_at are metrics_at now, the
// bulletin view's columns are the metrics view's) is told the new name;
// a query's own CTE named like an old view still runs.
func TestRenamedModelsSayTheirNewName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for text, want := range map[string]string{
		"SELECT * FROM scores_at(DATE '2025-03-05', 2025, 1)":                          "scores_at was renamed: use metrics_at",
		"SELECT * FROM bulletin_at(DATE '2025-03-05', 2025, 1)":                        "bulletin_at was renamed: use metrics_at",
		"SELECT * FROM metrics_pair_at(DATE '2025-03-05', DATE '2025-02-26', 2025, 1)": "metrics_pair_at was renamed: use counts_pair_at",
		"SELECT behind FROM bulletin":                                                  "bulletin was renamed: use metrics",
	} {
		if _, err := f.s.Run(ctx, text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
	r, err := f.s.Run(ctx, "WITH bulletin AS (SELECT 1 AS x) SELECT x FROM bulletin")
	if err != nil || cellText(r.Frame.Rows[0][0]) != "1" {
		t.Errorf("a CTE named bulletin: %v", err)
	}
}

// TestTimeoutCancels: a query that would run for hours stops when its
// context ends, and the session stays usable.
func TestTimeoutCancels(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.s.Run(ctx, "SELECT sum(hash(i)) FROM range(1000000000000) t(i)")
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "cancelled") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("cancel took %v", took)
	}
	t.Logf("a 300 ms timeout returned after %v", took)
	r, err := f.s.Run(context.Background(), "SELECT 1")
	if err != nil || len(r.Frame.Rows) != 1 {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestSplitStatements(t *testing.T) {
	cases := []struct {
		text string
		want []string // labels
	}{
		{"SELECT 1", []string{"SELECT"}},
		{"SELECT 1; DROP TABLE x;", []string{"SELECT", "DROP TABLE"}},
		{"SELECT 1 /* ; /* nested ; */ ; */; drop view v", []string{"SELECT", "DROP VIEW"}},
		{"SELECT 'a;''b' -- ;\n; insert into t values (1)", []string{"SELECT", "INSERT"}},
		{"SELECT E'\\';' ; CREATE OR REPLACE TEMP TABLE t (a int)", []string{"SELECT", "CREATE TABLE"}},
		{"SELECT \"a;b\" FROM t; SET threads = 1", []string{"SELECT", "SET threads"}},
		{"SELECT $x$ ; $x$, $1; COMMENT ON COLUMN t.a IS 'x'", []string{"SELECT", "COMMENT ON COLUMN"}},
		{" ; -- only\n ; /* c */", nil},
	}
	for _, c := range cases {
		var got []string
		for _, s := range splitStatements(c.text) {
			got = append(got, s.label())
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// TestComplete: the prompt runs typed text once a semicolon ends it, and
// not while the semicolon sits inside a string, name or comment.
func TestComplete(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT 1":                    false,
		"SELECT 1;":                   true,
		"SELECT 1;\n":                 true,
		"SELECT 1; -- done":           true,
		"SELECT 1; /* still":          false,
		"SELECT ';":                   false,
		"SELECT ';'":                  false,
		"SELECT ';';":                 true,
		"SELECT \"a;":                 false,
		"SELECT $$ ; ":                false,
		"SELECT 1 /* ; */":            false,
		"SELECT 1;\nSELECT":           false,
		"-- a comment;\n":             false,
		"SELECT 1 -- ;\n":             false,
		"SELECT E'it\\'s;' AS x;":     true,
		"SELECT E'it\\'s;' AS x":      false,
		"SELECT 1 /* /* */ ; */ + 1;": true,
		"SELECT 1 /* /* */ ; */ + 1 ": false,
	} {
		if got := Complete(text); got != want {
			t.Errorf("Complete(%q) = %v, want %v", text, got, want)
		}
	}
}

// Package warehouse opens the DuckDB file, brings its schema up to date and
// installs the models. Everything that reads or writes the warehouse goes
// through a *Warehouse so settings and migrations live in one place.
package warehouse

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"enlist/internal/config"
	"enlist/internal/regions"
	enlistsql "enlist/sql"

	"github.com/duckdb/duckdb-go/v2"
)

// Options tune DuckDB for the machine. Zero values take DuckDB's defaults.
type Options struct {
	Threads     int
	MemoryLimit string // e.g. "2GB"
	ReadOnly    bool
	// Sandbox turns off every way for SQL to reach the file system or
	// change the engine's settings (enable_external_access=false, locked),
	// for analysts' queries. It cannot be turned back on for the process's
	// instance of that file.
	Sandbox bool
	// LockWait is how long to keep trying when another process holds the
	// file (another writer, or a reader publishing a copy). Zero means
	// DefaultLockWait; negative means fail at once.
	LockWait time.Duration
	// Config is written into the settings tables on open; the zero value
	// means the built-in defaults.
	Config *config.Config
	// CheckIndicator checks the indicators the configuration defines
	// before they are installed (analyst.CheckIndicator); needed when
	// there are any.
	CheckIndicator IndicatorCheck

	// ungated: the open is a publish's own hold on the file, made while
	// the publish has the file's gate (see lock.go).
	ungated bool
}

// Warehouse is an open warehouse file.
type Warehouse struct {
	db    *sql.DB
	path  string
	gated bool
}

// Open opens (creating if needed) the warehouse at path, applies pending
// migrations, re-creates the models and loads the built-in regions on first
// use. A read-only open does none of that and fails if the file is missing.
func Open(ctx context.Context, path string, opt Options) (*Warehouse, error) {
	q := url.Values{}
	if opt.Threads > 0 {
		q.Set("threads", strconv.Itoa(opt.Threads))
	}
	if opt.MemoryLimit != "" {
		q.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	if opt.Sandbox {
		q.Set("enable_external_access", "false")
		q.Set("lock_configuration", "true")
	}
	dsn := path
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	if !opt.ungated {
		if err := files.enter(ctx, path, dsn); err != nil {
			return nil, fmt.Errorf("open warehouse %s: %w", path, err)
		}
	}
	w := &Warehouse{path: path, gated: !opt.ungated}
	connector, err := connectWaiting(ctx, dsn, opt.LockWait)
	if err != nil {
		w.release()
		if !opt.ReadOnly {
			err = inPeoplesTerms(path, err)
		}
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	cc := &closingConnector{Connector: connector, wait: lingerWait}
	w.db = sql.OpenDB(cc)
	cc.open = func() int { return w.db.Stats().OpenConnections }
	if opt.ReadOnly {
		return w, nil
	}
	cfg := opt.Config
	if cfg == nil {
		def, err := config.Default()
		if err != nil {
			return nil, errors.Join(err, w.Close())
		}
		cfg = &def
	}
	if err := w.migrate(ctx, *cfg, opt.CheckIndicator); err != nil {
		return nil, errors.Join(fmt.Errorf("open warehouse %s: %w", path, inPeoplesTerms(path, err)), w.Close())
	}
	return w, nil
}

// closingConnector closes the DuckDB database only once every connection
// of the pool on it has closed. database/sql closes the connector as soon
// as the pool is closed, while a connection still in use (a query being
// interrupted, rows not yet closed) closes later, when it is returned; that
// connection keeps DuckDB's instance of the file alive after the database
// was closed, and DuckDB 1.4's instance cache makes the next open of the
// same file in this process wait for it: refused with "Unique file handle
// conflict" (isDetaching), or spinning for ever inside the cache. Waiting
// here keeps a close a close. Its connections settle before they close
// (settlingConn): a query the driver dropped unrun kept the instance alive
// after every connection had closed, which no wait ends.
type closingConnector struct {
	*duckdb.Connector
	open func() int // the pool's open connections
	wait time.Duration
}

// lingerWait bounds the wait for connections still in use at a close: a
// query interrupted by its context stops within milliseconds, and one that
// runs to its end takes seconds. Past it the database is closed anyway, as
// database/sql alone would.
const lingerWait = time.Minute

// Connect gives database/sql connections that settle before they close
// (settlingConn).
func (c *closingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, ok := dc.(*duckdb.Conn)
	if !ok {
		return nil, errors.Join(fmt.Errorf("connection is %T, not a DuckDB connection", dc), dc.Close())
	}
	return settlingConn{conn}, nil
}

// settlingConn is a DuckDB connection that has DuckDB finish whatever
// query it last began before it disconnects. A context cancelled after the
// driver has begun a query (duckdb_pending_prepared) but before it runs it
// makes the driver drop the pending query unrun (duckdb-go v2.5.6,
// Stmt.executeBound); DuckDB then keeps that query's state, and through it
// the database instance, after the connection and the database are closed,
// and the next open of the same file in this process spins for ever inside
// DuckDB's instance cache, holding the lock every open of the process
// takes. The console's tests hung that way, and a published copy reopened
// as its sandboxed and plain readers take turns would too. Any statement
// prepared on the connection first clears the dropped query
// (TestCancelledQueryLetsTheFileGo).
type settlingConn struct{ *duckdb.Conn }

func (c settlingConn) Close() error {
	if st, err := c.Conn.PrepareContext(context.Background(), "SELECT 1"); err == nil {
		st.Close() //nolint:errcheck // preparing it was the point
	}
	return c.Conn.Close()
}

// duckConn is the driver's own connection behind a connection of the pool
// (database/sql's Conn.Raw), which the driver's appender and Arrow
// interface need.
func duckConn(dc any) (*duckdb.Conn, error) {
	switch c := dc.(type) {
	case settlingConn:
		return c.Conn, nil
	case *duckdb.Conn:
		return c, nil
	}
	return nil, fmt.Errorf("connection is %T, not a DuckDB connection", dc)
}

func (c *closingConnector) Close() error {
	deadline := time.Now().Add(c.wait)
	pause := time.Millisecond
	for c.open != nil && c.open() > 0 && time.Now().Before(deadline) {
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
	return c.Connector.Close()
}

// DB is the pool for queries.
func (w *Warehouse) DB() *sql.DB { return w.db }

// Path is the file the warehouse lives in.
func (w *Warehouse) Path() string { return w.path }

// Close closes the file; DuckDB checkpoints it so it can be copied or opened
// read-only afterwards. The last of the process's handles on a file whose
// publish was asked for while it was open publishes it now (see lock.go).
func (w *Warehouse) Close() error {
	err := w.db.Close()
	w.release()
	return err
}

func (w *Warehouse) release() {
	if !w.gated {
		return
	}
	w.gated = false
	if publish, keep := files.leave(w.path); publish {
		// A failure here leaves the copy stale, which the next publish
		// (every job's end, or a reader finding the copy behind) mends.
		PublishKeeping(context.Background(), w.path, keep) //nolint:errcheck // see above
	}
}

// SchemaVersion is the highest migration applied.
func (w *Warehouse) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := w.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

func (w *Warehouse) migrate(ctx context.Context, cfg config.Config, check IndicatorCheck) error {
	migrations, err := enlistsql.Migrations()
	if err != nil {
		return err
	}
	models, err := enlistsql.Models()
	if err != nil {
		return err
	}
	office, err := enlistsql.IndicatorModels(cfg.Indicators)
	if err != nil {
		return err
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	// Each migration is applied once, by its own number, not by the highest
	// applied: migrations merged from parallel branches may arrive with a
	// number below one a warehouse already has.
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_version`)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema version: %w", err)
		}
		applied[v] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("apply %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UTC()); err != nil {
			return fmt.Errorf("record %s: %w", m.Name, err)
		}
	}
	fp := fingerprint(append(slices.Clip(models), office...), cfg)
	var installed string
	err = tx.QueryRowContext(ctx, `SELECT coalesce(max(fingerprint), '') FROM model_state`).Scan(&installed)
	if err != nil {
		return fmt.Errorf("read model state: %w", err)
	}
	if installed != fp {
		if err := writeSettings(ctx, tx, cfg); err != nil {
			return err
		}
		for _, m := range models {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("install model %s: %w", m.Name, err)
			}
		}
		// The office's indicators go in only once each has passed the
		// analysts' sandbox check against the person_facts just installed.
		if err := checkIndicators(ctx, tx, cfg.Indicators, check); err != nil {
			return err
		}
		for _, m := range office {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("install model %s: %w", m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM model_state; INSERT INTO model_state VALUES ('`+fp+`')`); err != nil {
			return fmt.Errorf("record model state: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM regions`).Scan(&n); err != nil {
		return fmt.Errorf("count regions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if n == 0 {
		return w.loadBuiltinRegions(ctx)
	}
	return nil
}

// fingerprint identifies the models and settings a warehouse should have.
func fingerprint(models []enlistsql.Model, cfg config.Config) string {
	h := sha256.New()
	for _, m := range models {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	for _, kv := range cfg.Settings() {
		fmt.Fprintf(h, "%v=%v\x00", kv[0], kv[1])
	}
	for _, s := range []int{1, 2} {
		fmt.Fprintf(h, "season%d=%s..%s\x00", s, cfg.Seasons[s].Start, cfg.Seasons[s].End)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeSettings(ctx context.Context, tx *sql.Tx, cfg config.Config) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM settings; DELETE FROM season_calendar`); err != nil {
		return fmt.Errorf("clear settings: %w", err)
	}
	for _, kv := range cfg.Settings() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings VALUES (?, ?)`, kv[0], kv[1]); err != nil {
			return fmt.Errorf("write setting %v: %w", kv[0], err)
		}
	}
	for s, win := range cfg.Seasons {
		if _, err := tx.ExecContext(ctx, `INSERT INTO season_calendar VALUES (?, ?, ?)`, int8(s), win.Start, win.End); err != nil {
			return fmt.Errorf("write season %d: %w", s, err)
		}
	}
	return nil
}

func (w *Warehouse) loadBuiltinRegions(ctx context.Context) error {
	tab, err := regions.Builtin()
	if err != nil {
		return err
	}
	return w.WithConn(ctx, func(c *Conn) error {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		app, err := c.Appender("main", "regions")
		if err != nil {
			return errors.Join(err, c.Rollback(ctx))
		}
		for _, r := range tab.All() {
			var parent any
			if p := regions.Parent(r.Code); p != "" {
				parent = p
			}
			if err := app.AppendRow(r.Code, r.Name, int8(r.Level), parent, "builtin"); err != nil {
				return errors.Join(fmt.Errorf("append region %s: %w", r.Code, err), app.Close(), c.Rollback(ctx))
			}
		}
		if err := app.Close(); err != nil {
			return errors.Join(fmt.Errorf("load built-in regions: %w", err), c.Rollback(ctx))
		}
		return c.Commit(ctx)
	})
}

// Regions reads the region table as the warehouse has it (built-in codes
// plus any overrides from regions extracts).
func (w *Warehouse) Regions(ctx context.Context) (*regions.Table, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT code, name FROM regions`)
	if err != nil {
		return nil, fmt.Errorf("read regions: %w", err)
	}
	defer rows.Close()
	t := &regions.Table{}
	for rows.Next() {
		var r regions.Region
		if err := rows.Scan(&r.Code, &r.Name); err != nil {
			return nil, err
		}
		r.Level = regions.LevelOf(r.Code)
		t.Add(r)
	}
	return t, rows.Err()
}

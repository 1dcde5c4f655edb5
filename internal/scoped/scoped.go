// Package scoped gives an analyst bound to a region a warehouse holding only
// that region's rows: a per-scope copy of the published warehouse, built on
// demand from the published version, with every model re-created over it,
// and cached beside that version. The analysts' sandbox (internal/analyst)
// opens it read-only, exactly as enlist sql opens the whole published copy,
// so whatever a query names — a catalog-qualified table, duckdb_tables(),
// information_schema, a join through regions, a metrics macro called for
// another code — the rows of other regions are not in the file to be read.
//
// Why a copy and not a session of filtered views: a filtered view is one
// more thing the query can go around. DuckDB resolves catalog-qualified
// names, table functions and the system catalogs against every attached
// database, so a session exposing "views of the real tables" must still
// attach the real tables somewhere the engine can reach, and each new way
// of naming them (a new catalog function, a new macro, a new model reading
// a base table directly) would have to be found and closed. A copy has
// nothing to close: the file simply does not hold the other rows. It costs
// one build per scope and published version (seconds for a county of a
// province-sized warehouse) and the disk of that county's rows.
package scoped

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"enlist/internal/files"
	"enlist/internal/warehouse"
)

// builderVersion changes whenever the rules of what a scoped copy holds
// change, so copies cached by an earlier binary are built again.
const builderVersion = "s2"

// internalSchema holds the unfiltered bodies of the table macros the copy
// wraps (see wrapMacros). The analysts' check refuses table functions of
// any schema but main, so an analyst cannot call them; they would find only
// the scope's rows there anyway, summed under the names of its ancestors.
const internalSchema = "enlist_scope"

// ErrScope marks a scope that is not a region code the warehouse knows.
var ErrScope = errors.New("bad scope")

// CheckScope says whether scope has the shape of a region code (SPEC §3:
// 2, 4, 6, 9 or 12 digits). Only such a string ever reaches SQL text.
func CheckScope(scope string) error {
	switch len(scope) {
	case 2, 4, 6, 9, 12:
	default:
		return fmt.Errorf("%w: region code %q must have 2 (省), 4 (市), 6 (区县), 9 (乡镇) or 12 (村居) digits", ErrScope, scope)
	}
	for i := 0; i < len(scope); i++ {
		if scope[i] < '0' || scope[i] > '9' {
			return fmt.Errorf("%w: region code %q must be digits only", ErrScope, scope)
		}
	}
	return nil
}

// Copy returns the path of a warehouse holding only scope's rows of the
// published version at published, building it when it is not cached yet.
// When every region-bearing row of the published version already lies
// within scope (a province's analyst on the province's warehouse, a county
// office's own warehouse), the published version itself is returned: such
// an analyst sees everything, as enlist sql does.
//
// The copy lives in a folder scoped/ beside the published version, named
// after the version and the scope; copies of versions that no longer exist
// are removed when another copy is built.
func Copy(ctx context.Context, published, scope string) (string, error) {
	if err := CheckScope(scope); err != nil {
		return "", err
	}
	if _, err := os.Stat(published); err != nil {
		return "", fmt.Errorf("scoped copy for %s: published warehouse: %w", scope, err)
	}
	dir := filepath.Join(filepath.Dir(published), "scoped")
	base := strings.TrimSuffix(filepath.Base(published), ".duckdb")
	// Dashes, not dots: DuckDB names a file's catalog after the name up to
	// its first dot, and the copy's catalog must not take the published
	// version's name (a query naming that catalog should fail, not quietly
	// read the copy).
	final := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.duckdb", base, scope, builderVersion))
	// A scope found to cover the whole version leaves a mark instead of a
	// copy, so its next queries go straight to the published version.
	whole := strings.TrimSuffix(final, ".duckdb") + ".whole"
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	if _, err := os.Stat(whole); err == nil {
		return published, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("scoped copy for %s: %w", scope, warehouse.InPeoplesTerms(err))
	}
	// One builder at a time, across processes: two requests for the same
	// scope build it once.
	lock, err := files.WaitLock(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("scoped copy for %s: %w", scope, err)
	}
	defer lock.Unlock() //nolint:errcheck // the build's outcome is what matters
	// Another process (or request) may have built it while this one waited.
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	all, err := coversAll(ctx, published, scope)
	if err != nil {
		return "", fmt.Errorf("scoped copy for %s: %w", scope, err)
	}
	if all {
		// Without the mark the next query asks again: slower, not wrong.
		files.WriteFile(whole, nil, 0o640) //nolint:errcheck // see above
		pruneStale(dir, filepath.Dir(published))
		return published, nil
	}
	tmp := final + ".tmp"
	removeDB(tmp)
	if err := build(ctx, published, tmp, scope); err != nil {
		removeDB(tmp)
		return "", fmt.Errorf("scoped copy of %s for %s: %w", filepath.Base(published), scope, err)
	}
	// Readable as the published versions are: by the service's user and group.
	if err := os.Chmod(tmp, 0o640); err != nil {
		removeDB(tmp)
		return "", fmt.Errorf("scoped copy for %s: %w", scope, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		removeDB(tmp)
		return "", fmt.Errorf("scoped copy for %s: %w", scope, err)
	}
	pruneStale(dir, filepath.Dir(published))
	return final, nil
}

func removeDB(p string) {
	os.Remove(p)
	os.Remove(p + ".wal")
}

// pruneStale removes copies whose published version is gone (the publisher
// keeps a few versions and removes older ones once no reader holds them).
// A reader still holding a removed copy keeps reading it: the file lives on
// until it is closed.
func pruneStale(dir, publishedDir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".duckdb") && !strings.HasSuffix(name, ".whole") {
			continue
		}
		version, _, ok := strings.Cut(name, "-")
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(publishedDir, version+".duckdb")); errors.Is(err, fs.ErrNotExist) {
			removeDB(filepath.Join(dir, name))
		}
	}
}

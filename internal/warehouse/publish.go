package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"enlist/internal/config"
	enlistfiles "enlist/internal/files"
	enlistsql "enlist/sql"
)

// Readers never open the live warehouse. DuckDB lets a process holding the
// file read-write exclude every other process, readers included, so a long
// ingest would stop every analyst's query and report. Instead, after each
// successful write the writer publishes a copy:
//
//	<live>.published/v000042.duckdb   a complete, checkpointed warehouse
//	<live>.published/current          symlink to the newest version
//
// The copy is made while holding DuckDB's shared lock on the live file (so
// no writer is mid-transaction), written under a temporary name, synced and
// renamed; then the symlink is replaced by rename, which is atomic. A reader
// resolves the symlink once and opens that version read-only: it sees one
// committed state from start to end, and a later swap does not disturb it
// (an unlinked version stays readable while open).

// DefaultKeep is how many published versions stay on disk unless the
// configuration (publish.keep_versions) says otherwise. An older version is
// removed only once no reader holds it; readers keep the version they
// opened for as long as they read.
const DefaultKeep = 3

// staleAfter is how long the live file must have gone untouched before a
// reader publishes it itself. A writer that died after committing some
// loads but before publishing leaves the copy behind; waiting keeps readers
// from taking the lock a running writer is about to want again.
const staleAfter = 15 * time.Second

// PublishedDir is the folder holding the published copies of live.
func PublishedDir(live string) string { return live + ".published" }

// PublishedPath returns the version the current symlink points at, or ""
// when nothing has been published yet.
func PublishedPath(live string) (string, error) {
	dir := PublishedDir(live)
	target, err := os.Readlink(filepath.Join(dir, "current"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read published copy of %s: %w", live, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target, nil
}

// Publish copies the live warehouse into a new published version and points
// current at it, keeping DefaultKeep versions; see PublishKeeping.
func Publish(ctx context.Context, live string) (string, error) {
	p, err := PublishKeeping(ctx, live, DefaultKeep)
	return p.Path, err
}

// Published says what a publish did.
type Published struct {
	Path     string // the current version after the publish ("" when deferred)
	Copied   bool   // a new version was written; false when the warehouse had not changed
	Deferred bool   // this process held the file; its last handle to close publishes
}

// PublishKeeping publishes live, when its content has changed since the
// current version, and removes versions beyond the newest keep that no
// reader holds. Call it after closing the warehouse in this process; if
// another handle of this process still has the file open, the publish is
// left to that handle's close. It waits (up to DefaultLockWait) while
// another process writes.
//
// "Changed" leaves out the run records (job_runs) a service writes around
// every run: a run that loaded nothing changes nothing readers use, and
// copying a province's warehouse every minute for it would fill the disk.
func PublishKeeping(ctx context.Context, live string, keep int) (Published, error) {
	if keep <= 0 {
		keep = DefaultKeep
	}
	held, err := files.startPublish(ctx, live, keep)
	if err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, err)
	}
	if held {
		return Published{Deferred: true}, nil
	}
	defer files.endPublish(live)

	dir := PublishedDir(live)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, inPeoplesTerms(live, err))
	}
	// The lock serialises publishers, so two writers finishing together
	// cannot take the same version number or point current at the older
	// copy.
	lk, err := enlistfiles.WaitLock(ctx, filepath.Join(dir, lockName))
	if err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, inPeoplesTerms(live, err))
	}
	defer lk.Unlock() //nolint:errcheck // the process's end releases it too

	// A read-only open holds DuckDB's shared lock: no writer can be in the
	// middle of a transaction while the bytes are copied.
	holder, err := Open(ctx, live, Options{ReadOnly: true, ungated: true})
	if err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, err)
	}
	sig, sigErr := signature(ctx, holder)
	if cur, _ := PublishedPath(live); sigErr == nil && cur != "" && readSignature(dir, filepath.Base(cur)) == sig {
		// Nothing readers use has changed. The copy takes the live file's
		// time, so readers do not take it for stale and republish it.
		changed := latestChange(live)
		err := errors.Join(holder.Close(), os.Chtimes(cur, changed, changed))
		if err != nil {
			return Published{}, fmt.Errorf("publish %s: %w", live, err)
		}
		prune(dir, filepath.Base(cur), keep)
		return Published{Path: cur}, nil
	}
	path, copyErr := copyVersion(live, dir)
	if err := errors.Join(copyErr, holder.Close()); err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, inPeoplesTerms(live, err))
	}
	if err := swapCurrent(dir, filepath.Base(path)); err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", live, err)
	}
	if sigErr == nil {
		// Without it the next publish copies again: safe, only slower.
		writeSignature(dir, filepath.Base(path), sig) //nolint:errcheck // see above
	}
	prune(dir, filepath.Base(path), keep)
	return Published{Path: path, Copied: true}, nil
}

// bookkeeping are the tables whose changes alone do not call for a new
// published version.
var bookkeeping = map[string]bool{"job_runs": true}

// hashRowsUpTo: tables up to this many rows are compared by a hash of every
// row, larger ones by their row count. Large tables (registrations, exams)
// change only by loads, withdrawals and rollups, which always change a
// small table too (the ledger, the rollup lineage), so counting them is
// enough and hashing millions of rows every minute is not needed.
const hashRowsUpTo = 200_000

// signature sums up what readers of w would see: the rows of every table
// but the bookkeeping. The models (views and macros) are covered by
// model_state, which holds the fingerprint of the models and settings
// installed; their text as DuckDB gives it back is not stable enough to
// compare.
func signature(ctx context.Context, w *Warehouse) (string, error) {
	db := w.DB()
	rows, err := db.QueryContext(ctx, `SELECT table_name, estimated_size FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name`)
	if err != nil {
		return "", err
	}
	type table struct {
		name string
		size int64
	}
	var tables []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.size); err != nil {
			rows.Close()
			return "", err
		}
		if !bookkeeping[t.name] {
			tables = append(tables, t)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return "", err
	}
	h := sha256.New()
	for _, t := range tables {
		q := fmt.Sprintf(`SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(t))::HUGEINT, 0)::VARCHAR FROM main.%q t`, t.name)
		if t.size > hashRowsUpTo {
			q = fmt.Sprintf(`SELECT count(*)::VARCHAR FROM main.%q`, t.name)
		}
		var v string
		if err := db.QueryRowContext(ctx, q).Scan(&v); err != nil {
			return "", fmt.Errorf("sum up %s: %w", t.name, err)
		}
		fmt.Fprintf(h, "%s=%s\x00", t.name, v)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sigFile holds the signature of the current version, so an unchanged
// warehouse is not copied again.
const sigFile = "current.sig"

func readSignature(dir, version string) string {
	b, err := os.ReadFile(filepath.Join(dir, sigFile))
	if err != nil {
		return ""
	}
	v, sig, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok || v != version {
		return ""
	}
	return sig
}

func writeSignature(dir, version, sig string) error {
	return enlistfiles.WriteFile(filepath.Join(dir, sigFile), []byte(version+" "+sig+"\n"), 0o640)
}

// OpenReader opens the current published copy of live read-only. When there
// is none yet, when it was made by a binary with other models or settings,
// or when the live file changed and has since gone quiet (a writer that died
// before publishing), it publishes first if it can get the file; if a
// writer holds it, the existing copy is used as it is.
func OpenReader(ctx context.Context, live string, opt Options) (*Warehouse, error) {
	cur, err := PublishedPath(live)
	if err != nil {
		return nil, err
	}
	opt.ReadOnly = true
	if cur != "" && !liveChangedSince(live, cur) {
		// The usual case: the open that checks the copy's models is the
		// one the caller gets.
		if w, err := Open(ctx, cur, opt); err == nil {
			if w.modelsCurrent(ctx, opt.Config) {
				return w, nil
			}
			w.Close() //nolint:errcheck // read-only: nothing to lose
		}
	}
	if cur == "" {
		if _, err := os.Stat(live); err != nil {
			return nil, fmt.Errorf("no warehouse at %s (run enlist init, then enlist ingest): %w", live, err)
		}
	}
	if refreshed, err := refresh(ctx, live, opt.Config); err == nil {
		cur = refreshed
	} else if cur == "" {
		return nil, err
	}
	w, err := Open(ctx, cur, opt)
	if err != nil {
		return nil, fmt.Errorf("open published copy of %s: %w", live, err)
	}
	return w, nil
}

// refresh brings the live file's models up to date and publishes it, unless
// another process holds it.
func refresh(ctx context.Context, live string, cfg *config.Config) (string, error) {
	w, err := Open(ctx, live, Options{Config: cfg, LockWait: -1})
	if err != nil {
		return "", err
	}
	// Models installed anew make the kept warnings between files stale;
	// left so (an error here), readers compute them, so it is not fatal.
	w.KeepSeasonWarnings(ctx) //nolint:errcheck // see above
	if err := w.Close(); err != nil {
		return "", err
	}
	keep := DefaultKeep
	if cfg != nil && cfg.Publish.KeepVersions > 0 {
		keep = cfg.Publish.KeepVersions
	}
	p, err := PublishKeeping(ctx, live, keep)
	if err == nil && p.Deferred {
		// This process has the file open elsewhere; its copy is the one
		// to read meanwhile.
		return "", errors.New("published copy is being refreshed by this process")
	}
	return p.Path, err
}

// NeedsPublish tells whether the live file holds changes its published copy
// lacks, or has no copy at all: a writer killed between its commit and its
// publish leaves that state, and the next writer with nothing new to write
// must still publish.
func NeedsPublish(live string) bool {
	cur, err := PublishedPath(live)
	if err != nil || cur == "" {
		return true
	}
	pub, err := os.Stat(cur)
	return err != nil || latestChange(live).After(pub.ModTime())
}

func liveChangedSince(live, cur string) bool {
	pub, err := os.Stat(cur)
	if err != nil {
		return true
	}
	changed := latestChange(live)
	return changed.After(pub.ModTime()) && time.Since(changed) > staleAfter
}

// latestChange is when the live file or its write-ahead log last changed.
func latestChange(live string) time.Time {
	var t time.Time
	for _, p := range []string{live, live + ".wal"} {
		if st, err := os.Stat(p); err == nil && st.ModTime().After(t) {
			t = st.ModTime()
		}
	}
	return t
}

// modelsCurrent tells whether the copy open in w has the models and
// settings this binary (and configuration) would install.
func (w *Warehouse) modelsCurrent(ctx context.Context, cfg *config.Config) bool {
	want, err := expectedFingerprint(cfg)
	if err != nil {
		return false
	}
	var have string
	if err := w.db.QueryRowContext(ctx, `SELECT coalesce(max(fingerprint), '') FROM model_state`).Scan(&have); err != nil {
		return false
	}
	return have == want
}

func expectedFingerprint(cfg *config.Config) (string, error) {
	if cfg == nil {
		def, err := config.Default()
		if err != nil {
			return "", err
		}
		cfg = &def
	}
	models, err := enlistsql.Models()
	if err != nil {
		return "", err
	}
	return fingerprint(models, *cfg), nil
}

// copyVersion writes the next version number's file in dir from live (and
// its write-ahead log, should a crashed writer have left one).
func copyVersion(live, dir string) (string, error) {
	next := latestVersion(dir) + 1
	name := fmt.Sprintf("v%06d.duckdb", next)
	final := filepath.Join(dir, name)
	for _, suffix := range []string{"", ".wal"} {
		src := live + suffix
		if _, err := os.Stat(src); suffix != "" && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := enlistfiles.CopyAtomic(src, final+suffix, 0o640); err != nil {
			return "", err
		}
	}
	// The copy carries the live file's time, so readers can tell whether
	// the live file changed after it was published.
	changed := latestChange(live)
	if err := os.Chtimes(final, changed, changed); err != nil {
		return "", err
	}
	return final, nil
}

// swapCurrent points current at name by renaming a new symlink over it.
func swapCurrent(dir, name string) error {
	return enlistfiles.Symlink(name, filepath.Join(dir, "current"))
}

func versions(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "v") && strings.HasSuffix(n, ".duckdb") {
			if _, err := strconv.Atoi(strings.TrimSuffix(n[1:], ".duckdb")); err == nil {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

func latestVersion(dir string) int {
	vs := versions(dir)
	if len(vs) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(vs[len(vs)-1][1:], ".duckdb"))
	return n
}

// prune removes versions older than the newest keep, except those a reader
// still holds (this process's, or another's: DuckDB's lock on the file
// says so), which go at a later publish; and leftovers of interrupted
// copies.
func prune(dir, current string, keep int) {
	vs := versions(dir)
	for i, v := range vs {
		if v == current || i >= len(vs)-keep {
			continue
		}
		p := filepath.Join(dir, v)
		if files.inUse(p) || heldElsewhere(p) {
			continue
		}
		os.Remove(p)
		os.Remove(p + ".wal")
	}
	removeLeftovers(dir)
}

// lockName is the publishers' lock file in the published folder.
const lockName = ".lock"

// removeLeftovers removes what an interrupted publish left: temporary
// files and folders (named with a leading dot by files.Write and
// files.Symlink, "*.tmp" by earlier versions). It runs under the publish
// lock, so no publish is writing them now.
func removeLeftovers(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if n != lockName && (strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".tmp")) {
			os.RemoveAll(filepath.Join(dir, n))
		}
	}
}

package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sys/unix"
)

// DefaultLockWait is how long an open waits for another process to let go
// of the file. Writers hold it for one load or one publish; a scheduled job
// and an operator's ingest, or a reader making the first published copy,
// meet there and should take turns rather than fail.
const DefaultLockWait = 30 * time.Second

// ErrLocked means another process held the warehouse file for longer than
// the open was willing to wait.
var ErrLocked = errors.New("warehouse file is in use by another process")

// connectWaiting opens the DuckDB database behind dsn, retrying while
// another process holds its lock, or while this process's last handle on
// the file is still going away (see isDetaching).
func connectWaiting(ctx context.Context, dsn string, wait time.Duration) (*duckdb.Connector, error) {
	if wait == 0 {
		wait = DefaultLockWait
	}
	start := time.Now()
	pause := 10 * time.Millisecond
	for {
		c, err := duckdb.NewConnector(dsn, nil)
		var limit time.Duration
		switch {
		case err == nil:
			return c, nil
		case isDetaching(err):
			limit = max(wait, detachWait)
		case isLockConflict(err):
			limit = wait
		default:
			return nil, err
		}
		if limit < 0 || time.Since(start)+pause > limit {
			if isDetaching(err) {
				return nil, fmt.Errorf("this process's earlier handle on the file did not let go within %v: %w", limit, err)
			}
			return nil, errors.Join(ErrLocked, err)
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// detachWait bounds the wait for this process's own closing handle (see
// isDetaching): a close checkpoints the file, which takes seconds at most.
const detachWait = 10 * time.Second

// isLockConflict recognises DuckDB's message for a file locked by another
// process; the driver gives no typed error for it.
func isLockConflict(err error) bool {
	return strings.Contains(err.Error(), "Could not set lock on file")
}

// isDetaching recognises DuckDB 1.4's refusal to open a file that an
// instance of this process still has attached: the instance cache lets go
// of an instance before the instance has finished closing (checkpointing)
// and detached its file, so an open racing that close is refused with
// "Unique file handle conflict" although nothing will hold the file a
// moment later. It happened to a scheduled job recording its run's end
// while another job of the service closed the warehouse. Opens retry
// through it, even those that otherwise fail at once on a lock: the file is
// this process's own, not another writer's.
func isDetaching(err error) bool {
	return strings.Contains(err.Error(), "Unique file handle conflict")
}

// Within one process DuckDB keeps a single database instance per file, and
// refuses a second open of the file with other settings ("Can't open a
// connection to same database file with a different configuration"): the
// service's jobs share the process, so a publish (read-only) meeting a
// job's write (read-write), or a sandboxed query meeting a report on the
// same published copy, failed depending on which opened the file first.
// The gates below make such opens take turns instead: an open waits while
// the process holds the file with other settings, or while it publishes the
// file. A publish does not wait for the process's writers: it is left to
// the last of them to close, which publishes then.
//
// The registry is process-wide, as the DuckDB instance cache it mirrors is.
var files = &registry{gates: map[string]*gate{}}

type registry struct {
	mu    sync.Mutex
	gates map[string]*gate // by absolute path
}

type gate struct {
	dsn        string // settings of the handles open now
	holders    int
	publishing bool
	pending    bool // a publish was asked for while the file was held
	keep       int  // versions the pending publish keeps
	changed    chan struct{}
}

func fileKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// gateLocked returns path's gate, making it; files.mu is held.
func (r *registry) gateLocked(key string) *gate {
	g := r.gates[key]
	if g == nil {
		g = &gate{changed: make(chan struct{})}
		r.gates[key] = g
	}
	return g
}

// signalLocked wakes the waiters on g and forgets g once nothing refers to
// it; files.mu is held.
func (r *registry) signalLocked(key string, g *gate) {
	close(g.changed)
	g.changed = make(chan struct{})
	if g.holders == 0 && !g.publishing && !g.pending {
		delete(r.gates, key)
	}
}

// enter registers an open of path with settings dsn, waiting while the
// process holds it with other settings or publishes it.
func (r *registry) enter(ctx context.Context, path, dsn string) error {
	key := fileKey(path)
	for {
		r.mu.Lock()
		g := r.gateLocked(key)
		if !g.publishing && (g.holders == 0 || g.dsn == dsn) {
			g.holders++
			g.dsn = dsn
			r.mu.Unlock()
			return nil
		}
		wait := g.changed
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for this process's other use of %s: %w", path, ctx.Err())
		case <-wait:
		}
	}
}

// leave ends an open; it tells whether a publish asked for meanwhile is
// now the caller's to do, and the versions it keeps.
func (r *registry) leave(path string) (publish bool, keep int) {
	key := fileKey(path)
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.gates[key]
	if g == nil {
		return false, 0
	}
	g.holders--
	if g.holders == 0 && g.pending {
		publish, keep = true, g.keep
		g.pending = false
	}
	r.signalLocked(key, g)
	return publish, keep
}

// startPublish takes path for a publish. When the process holds the file
// it records the publish as pending and returns held: the last holder to
// close publishes. Another publish of the file in progress is waited for.
func (r *registry) startPublish(ctx context.Context, path string, keep int) (held bool, err error) {
	key := fileKey(path)
	for {
		r.mu.Lock()
		g := r.gateLocked(key)
		switch {
		case g.holders > 0:
			g.pending = true
			g.keep = max(g.keep, keep)
			r.mu.Unlock()
			return true, nil
		case !g.publishing:
			g.publishing = true
			r.mu.Unlock()
			return false, nil
		}
		wait := g.changed
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("waiting for this process's other publish of %s: %w", path, ctx.Err())
		case <-wait:
		}
	}
}

func (r *registry) endPublish(path string) {
	key := fileKey(path)
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.gates[key]; g != nil {
		g.publishing = false
		r.signalLocked(key, g)
	}
}

// inUse tells whether the process has path open.
func (r *registry) inUse(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.gates[fileKey(path)]
	return g != nil && g.holders > 0
}

// heldElsewhere tells whether another process has path open through
// DuckDB, which holds a POSIX lock on the whole file (shared for readers).
// The probe is an open-file-description lock, so it neither merges with
// nor releases this process's own locks.
func heldElsewhere(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		// Gone already, or not ours to probe (nor, then, to remove).
		return !errors.Is(err, fs.ErrNotExist)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		return true
	}
	lk.Type = unix.F_UNLCK
	unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk) //nolint:errcheck // closing releases it too
	return false
}

// inPeoplesTerms restates what DuckDB or the file system says about a
// file it cannot write (a read-only folder or file) in the words of the
// folder and the fix; path is the warehouse, named when the message names
// no file.
func inPeoplesTerms(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	what := ""
	switch {
	case strings.Contains(msg, "Permission denied") || strings.Contains(msg, "permission denied"):
		what = "permission denied"
	case strings.Contains(msg, "Read-only file system") || strings.Contains(msg, "read-only file system"):
		what = "read-only file system"
	default:
		return err
	}
	file := path
	if m := duckdbFile.FindStringSubmatch(msg); m != nil {
		file = m[1]
		writing := strings.HasSuffix(file, ".wal") || strings.Contains(msg, "commit") || strings.Contains(strings.ToLower(m[0]), "create")
		if !writing && file != path {
			return permissionError(fmt.Sprintf("cannot open %s: %s; give this user access to it", file, what))
		}
	}
	if file == "" {
		return err
	}
	dir := filepath.Dir(file)
	return permissionError(fmt.Sprintf("cannot write to %s: %s (%s is written there); give this user write access to the folder, "+
		"or use --db for a warehouse in a writable folder", dir, what, filepath.Base(file)))
}

// permissionError is a message for people that still answers
// errors.Is(err, fs.ErrPermission).
type permissionError string

func (e permissionError) Error() string { return string(e) }
func (e permissionError) Unwrap() error { return fs.ErrPermission }

// duckdbFile finds the file in DuckDB's IO messages, e.g. `Cannot open
// file "/srv/w.duckdb.wal": Permission denied`.
var duckdbFile = regexp.MustCompile(`(?i)(?:cannot open|could not open|failed to create|cannot create) (?:file|directory) "([^"]+)"`)

// InPeoplesTerms is inPeoplesTerms for an error that reached a command
// from anywhere (a load's commit, a publish): a DuckDB message about a file
// it cannot write becomes "cannot write to DIR: permission denied".
func InPeoplesTerms(err error) error { return inPeoplesTerms("", err) }

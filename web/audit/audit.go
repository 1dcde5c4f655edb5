// Package audit keeps the web console's audit trail: who logged in (or
// failed to), downloaded, called the API or ran a job, from where and when.
// It is a JSON-lines file of the service's own beside the warehouse, never a
// table in it, so nothing the analysts query (enlist sql, the published
// copy, an export) can read it (SPEC §10).
//
// An entry names an action and its target (a path, a job, a file name),
// never a figure or a personal value: the trail says that a bulletin was
// downloaded, not what it held.
package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Entry is one audited event.
type Entry struct {
	Time   time.Time `json:"time"`
	User   string    `json:"user,omitempty"`   // the account, "" when none is known
	Addr   string    `json:"addr,omitempty"`   // the client's address
	Action string    `json:"action"`           // login, login_failed, logout, download, api, run_now, upload, …
	Target string    `json:"target,omitempty"` // what the action was on: a path, a job, a file name
	Status int       `json:"status,omitempty"` // the HTTP status answered
}

// Common actions; callers may use others.
const (
	Login         = "login"
	LoginFailed   = "login_failed"
	Logout        = "logout"
	Download      = "download"
	API           = "api"
	RunNow        = "run_now"
	Upload        = "upload"
	CrossOrigin   = "cross_origin_refused"
	AccountChange = "account_change"
)

// maxField bounds each text field, so a long query string or a hostile
// header cannot make one record huge.
const maxField = 512

// Log is an append-only audit file. A nil *Log records nothing, so a
// console run without an audit trail (a test) needs no special case.
// It is safe for concurrent use.
type Log struct {
	path string
	now  func() time.Time

	mu      sync.Mutex // guards f's writes and written
	f       *os.File
	written uint64 // records written so far

	syncMu sync.Mutex // one fsync at a time; guards synced
	synced uint64     // records known to be on disk
}

// Open opens (creating it with mode 0600 when missing) the audit file at
// path for appending. An existing file readable by other users is made
// private: it is the service's own file, and the trail names people.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm() != 0o600 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open audit log %s: %w", path, err)
	}
	return &Log{path: path, now: time.Now, f: f}, nil
}

// PathFor is where the audit trail of the warehouse at db lives:
// enlist.audit.jsonl beside enlist.duckdb, as the secret is enlist.secret.
func PathFor(db string) string {
	return strings.TrimSuffix(db, ".duckdb") + ".audit.jsonl"
}

// Record appends e and returns once it is on disk. A zero Time is now.
// Concurrent records share one fsync (group commit), so a busy API does not
// queue behind the disk one record at a time.
func (l *Log) Record(e Entry) error {
	if l == nil {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC()
	e.User = clean(e.User)
	e.Addr = clean(e.Addr)
	e.Action = clean(e.Action)
	e.Target = clean(e.Target)
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	line = append(line, '\n')

	l.mu.Lock()
	if l.f == nil {
		l.mu.Unlock()
		return fmt.Errorf("audit log %s: closed", l.path)
	}
	_, err = l.f.Write(line)
	l.written++
	seq := l.written
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("write audit log %s: %w", l.path, err)
	}
	return l.syncThrough(seq)
}

// syncThrough returns once record seq is on disk: whoever holds syncMu
// syncs everything written so far, so the records queued behind it find
// their work done.
func (l *Log) syncThrough(seq uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced >= seq {
		return nil
	}
	l.mu.Lock()
	target, f := l.written, l.f
	l.mu.Unlock()
	if f == nil {
		return fmt.Errorf("audit log %s: closed", l.path)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync audit log %s: %w", l.path, err)
	}
	l.synced = target
	return nil
}

// Close closes the file; later records fail.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := errors.Join(l.f.Sync(), l.f.Close())
	l.f = nil
	return err
}

// Recent returns the last n records, newest first, reading the file from
// its end so that a long trail costs no more than the records shown.
func (l *Log) Recent(n int) ([]Entry, error) {
	if l == nil || n <= 0 {
		return nil, nil
	}
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("read audit log %s: %w", l.path, err)
	}
	defer f.Close()
	lines, err := lastLines(f, n)
	if err != nil {
		return nil, fmt.Errorf("read audit log %s: %w", l.path, err)
	}
	out := make([]Entry, 0, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		var e Entry
		if err := json.Unmarshal(lines[i], &e); err != nil {
			// A record cut short by a crash mid-write is skipped, not fatal:
			// the records around it are still worth showing.
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// lastLines returns up to n complete lines from the end of f, oldest first.
func lastLines(f *os.File, n int) ([][]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const block = 64 << 10
	end := st.Size()
	var tail []byte // the bytes read so far, from some offset to end
	for off := end; ; {
		if bytes.Count(tail, []byte{'\n'}) > n || off == 0 {
			break
		}
		step := int64(block)
		if off < step {
			step = off
		}
		off -= step
		buf := make([]byte, step)
		if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
			return nil, err
		}
		tail = append(buf, tail...)
		if off == 0 {
			break
		}
	}
	var lines [][]byte
	for _, ln := range bytes.Split(tail, []byte{'\n'}) {
		if len(bytes.TrimSpace(ln)) > 0 {
			lines = append(lines, ln)
		}
	}
	// The first piece may be the end of a longer line cut by the block
	// boundary; when more than n lines were read it is dropped with the rest.
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

// clean drops control characters (a forged header must not start a new
// line or hide text in a terminal) and bounds the length.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > maxField {
		cut := maxField
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

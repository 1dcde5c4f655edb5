// Package inbox takes the extracts offices drop into a folder and loads
// them: each file that has finished arriving is loaded through the same
// loader as `enlist ingest`, then moved to processed/ or, with a note saying
// why, to failed/. Nothing is deleted, and the loader's ledger (a file whose
// SHA-256 is already loaded is skipped) keeps a file from being loaded twice,
// even when a crash comes between the load and the move.
package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"enlist/internal/files"
	"enlist/pipelines/load"
)

// Folders inside the inbox where files end up.
const (
	ProcessedDir = "processed"
	FailedDir    = "failed"
)

// DefaultSettle is how long a file must have gone unmodified before it is
// taken: a copy over a slow share or an upload still in progress keeps
// changing the file's size and modification time.
const DefaultSettle = time.Minute

// lockName is the file an ingest holds (flock) while it works the inbox, so
// two processes (the service and an operator's enlist run) never move the
// same file from under each other.
const lockName = ".enlist-inbox.lock"

// ErrBusy means another process is ingesting the same inbox.
var ErrBusy = errors.New("another enlist process is ingesting this inbox")

// Inbox is a folder extracts are dropped into.
type Inbox struct {
	Dir    string
	Settle time.Duration // 0 = DefaultSettle
	// Now is the clock for settling and for the dated folders under
	// processed/ and failed/; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// LoadFunc loads files into the warehouse: the loader's LoadPaths, with the
// warehouse opened around it. A file it refuses comes back as a
// *load.FileError (joined with the others); any other error leaves the
// files it did not load where they are.
type LoadFunc func(ctx context.Context, paths []string) ([]load.Result, error)

// Report counts what one pass over the inbox did.
type Report struct {
	Loaded        int // files loaded now
	AlreadyLoaded int // files whose content was loaded before (moved to processed/ all the same)
	Failed        int // files the loader refused (moved to failed/)
	Refused       int // files refused before loading: unsafe names or links, not an extract (moved to failed/)
	Waiting       int // files still arriving (left in place)
	Left          int // files not loaded because of a problem not theirs, e.g. a stop or a busy warehouse (left in place)
	RowsRead      int
	RowsAccepted  int
	RowsRejected  int
}

// Counts are the report's figures under the names job_runs records.
func (r Report) Counts() map[string]int64 {
	return map[string]int64{
		"files_loaded": int64(r.Loaded), "files_already_loaded": int64(r.AlreadyLoaded),
		"files_failed": int64(r.Failed), "files_refused": int64(r.Refused),
		"files_waiting": int64(r.Waiting), "files_left": int64(r.Left),
		"rows_read": int64(r.RowsRead), "rows_accepted": int64(r.RowsAccepted), "rows_rejected": int64(r.RowsRejected),
	}
}

// String says it in one line for a log or a run record.
func (r Report) String() string {
	if r == (Report{}) {
		return "nothing in the inbox"
	}
	s := fmt.Sprintf("%d files loaded (%d rows read, %d accepted, %d rejected), %d already loaded, %d failed, %d refused, %d still arriving",
		r.Loaded, r.RowsRead, r.RowsAccepted, r.RowsRejected, r.AlreadyLoaded, r.Failed, r.Refused, r.Waiting)
	if r.Left > 0 {
		s += fmt.Sprintf(", %d left for the next run", r.Left)
	}
	return s
}

type candidate struct {
	path  string // absolute, inside the inbox
	rel   string // relative to the inbox, for messages and destinations
	size  int64
	mtime time.Time
}

type refusal struct {
	path, rel, why string
}

// Ingest makes one pass: it takes the settled files, loads them with loadFn
// and moves each to processed/ or failed/. The error is what kept files from
// loading that were not at fault themselves (they stay for the next pass);
// a refused file is not an error of the pass.
func (in Inbox) Ingest(ctx context.Context, loadFn LoadFunc) (Report, error) {
	var rep Report
	log := in.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	root, err := filepath.EvalSymlinks(in.Dir)
	if err != nil {
		return rep, fmt.Errorf("inbox %s: %w", in.Dir, err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return rep, fmt.Errorf("inbox %s: %w", in.Dir, err)
	}
	unlock, err := lock(root)
	if err != nil {
		return rep, fmt.Errorf("inbox %s: %w", in.Dir, err)
	}
	defer unlock()

	ready, refused, waiting, err := in.scan(root, log)
	if err != nil {
		return rep, err
	}
	rep.Waiting = waiting
	for _, r := range refused {
		if _, err := in.move(ctx, root, r.path, r.rel, FailedDir, r.why); err != nil {
			log.Error("inbox: could not move a refused file to failed/", "file", r.rel, "error", err)
			rep.Left++
			continue
		}
		log.Warn("inbox: file refused", "file", r.rel, "reason", r.why)
		rep.Refused++
	}
	if len(ready) == 0 {
		return rep, nil
	}

	paths := make([]string, len(ready))
	for i, c := range ready {
		paths[i] = c.path
	}
	log.Info("inbox: loading", "files", len(ready), "waiting", waiting)
	results, loadErr := loadFn(ctx, paths)
	byPath := map[string]load.Result{}
	for _, r := range results {
		if prev, ok := byPath[r.File]; ok { // the sheets of one workbook
			r.Read, r.Accepted, r.Rejected = r.Read+prev.Read, r.Accepted+prev.Accepted, r.Rejected+prev.Rejected
		}
		byPath[r.File] = r
	}
	fileErrs := map[string]*load.FileError{}
	var otherErrs []error
	for _, e := range load.Failures(loadErr) {
		var fe *load.FileError
		if errors.As(e, &fe) {
			fileErrs[fe.File] = fe
			continue
		}
		otherErrs = append(otherErrs, e)
	}
	for _, c := range ready {
		if changed(c) {
			// It was written to while it loaded: what loaded may be half of
			// it. Left in place, its final content loads next time as a new
			// snapshot of the same scope, replacing this one.
			log.Warn("inbox: file changed while it was loading; left for the next run", "file", c.rel)
			rep.Left++
			continue
		}
		if r, ok := byPath[c.path]; ok {
			if _, err := in.move(ctx, root, c.path, c.rel, ProcessedDir, ""); err != nil {
				log.Error("inbox: loaded, but could not move to processed/; the next run will find it already loaded", "file", c.rel, "error", err)
				rep.Left++
				continue
			}
			if r.Status == "already_loaded" {
				rep.AlreadyLoaded++
				log.Info("inbox: already loaded; moved to processed/", "file", c.rel, "load_id", r.LoadID)
				continue
			}
			rep.Loaded++
			rep.RowsRead += r.Read
			rep.RowsAccepted += r.Accepted
			rep.RowsRejected += r.Rejected
			continue
		}
		if fe, ok := fileErrs[c.path]; ok && ctx.Err() == nil {
			why := strings.ReplaceAll(fe.Err.Error(), c.path, c.rel)
			if _, err := in.move(ctx, root, c.path, c.rel, FailedDir, why); err != nil {
				log.Error("inbox: could not move a failed file to failed/", "file", c.rel, "error", err)
				rep.Left++
				continue
			}
			log.Warn("inbox: file failed to load; moved to failed/", "file", c.rel, "reason", why)
			rep.Failed++
			continue
		}
		// Not loaded and not refused for itself (or refused while the
		// pass was being stopped, when a read error may be the stop):
		// it stays for the next pass.
		rep.Left++
	}
	if err := ctx.Err(); err != nil && len(otherErrs) == 0 {
		otherErrs = append(otherErrs, err)
	}
	if len(otherErrs) > 0 {
		return rep, errors.Join(otherErrs...)
	}
	return rep, nil
}

func changed(c candidate) bool {
	st, err := os.Stat(c.path)
	return err != nil || st.Size() != c.size || !st.ModTime().Equal(c.mtime)
}

// inProgress names what copy tools, browsers and Office write while a file
// is still arriving or open; they are never taken and never moved.
func inProgress(name string) bool {
	if strings.HasPrefix(name, "~$") || strings.HasPrefix(name, ".") {
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart", ".swp":
		return true
	}
	return false
}

func (in Inbox) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

func (in Inbox) scan(root string, log *slog.Logger) (ready []candidate, refused []refusal, waiting int, err error) {
	settle := in.Settle
	if settle <= 0 {
		settle = DefaultSettle
	}
	now := in.now()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		if d.IsDir() {
			if rel == ProcessedDir || rel == FailedDir || strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if inProgress(name) {
			return nil
		}
		refuse := func(why string) error {
			refused = append(refused, refusal{path: path, rel: rel, why: why})
			return nil
		}
		if strings.Contains(name, "..") {
			return refuse(`the name contains ".."; rename the file without it and drop it in again`)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				return refuse("a link that points to nothing")
			}
			if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				return refuse("a link pointing outside the inbox; copy the file itself into the inbox")
			}
			if info, err = os.Stat(target); err != nil {
				return refuse("a link that points to nothing")
			}
			if info.IsDir() {
				return nil // the folder is inside the inbox and walked as itself
			}
		}
		if !info.Mode().IsRegular() {
			return refuse("not a regular file")
		}
		if !load.IsExtract(name) {
			return refuse("not an extract: enlist reads .csv, .tsv, .txt, .xlsx, .xls, .et and .ods files (export or save the data in one of them)")
		}
		if age := now.Sub(info.ModTime()); age < settle {
			log.Debug("inbox: file still arriving", "file", rel, "modified_ago", age.String())
			waiting++
			return nil
		}
		ready = append(ready, candidate{path: path, rel: rel, size: info.Size(), mtime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("scan inbox %s: %w", root, err)
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].rel < ready[j].rel })
	return ready, refused, waiting, nil
}

// maxNumbered bounds the search for a free name in a dated folder: a
// thousand files of one name in one day means something else is wrong, and
// a search that cannot end must not hold the service.
const maxNumbered = 1000

// suffixRoom is what move may add to a stored name: "-1000" before the
// extension and ".why.txt" after it.
const suffixRoom = len("-1000") + len(".why.txt")

// move renames a file into processed/ or failed/ under a folder for the
// day, keeping its path within the inbox and never replacing a file already
// there (offices send the same file name every week). A failed file gets
// a note beside it saying why. A name too long to take a number and the
// note's suffix within the file system's limit is stored shortened (the
// ledger's file column and the note keep the original).
func (in Inbox) move(ctx context.Context, root, path, rel, to, why string) (string, error) {
	now := in.now()
	dest := filepath.Join(root, to, now.Format("2006-01-02"), rel)
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		return "", err
	}
	dest = filepath.Join(filepath.Dir(dest), StoredName(filepath.Base(dest), nameMax(filepath.Dir(dest))))
	ext := filepath.Ext(dest)
	stem := strings.TrimSuffix(dest, ext)
	free := func(p string) (bool, error) {
		_, err := os.Lstat(p)
		if err == nil {
			return false, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return true, nil
		}
		return false, err
	}
	for n := 2; ; n++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		fileFree, err := free(dest)
		if err != nil {
			return "", err
		}
		noteFree, err := free(dest + ".why.txt")
		if err != nil {
			return "", err
		}
		if fileFree && noteFree {
			break
		}
		if n > maxNumbered {
			return "", fmt.Errorf("more than %d files named %s in %s already; move some away", maxNumbered, filepath.Base(stem+ext), filepath.Dir(dest))
		}
		dest = fmt.Sprintf("%s-%d%s", stem, n, ext)
	}
	if why != "" {
		note := fmt.Sprintf("file: %s\nmoved here: %s\nreason: %s\n\nFix the file and drop it into the inbox again.\n",
			rel, now.Format(time.RFC3339), why)
		// Written in place, not through files.Write: its temporary name
		// (about 20 bytes longer) would not fit beside a stored name cut to
		// the file system's limit, and a note cut short by a crash still
		// sits beside a file that is safely in failed/.
		if err := os.WriteFile(dest+".why.txt", []byte(note), 0o640); err != nil {
			return "", err
		}
	}
	if err := os.Rename(path, dest); err != nil {
		return "", err
	}
	return dest, nil
}

// StoredName is name as it is kept in processed/ or failed/: unchanged
// when a number and the note's suffix still fit within max bytes, else cut
// at a character boundary and marked with "~" and 8 hex digits of the
// original name's SHA-256, so two long names cut alike stay apart and the
// ledger row can be matched to the file. The extension is kept.
func StoredName(name string, max int) string {
	if len(name)+suffixRoom <= max {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 {
		ext = "" // not an extension anyone reads; part of the cut name
	}
	sum := sha256.Sum256([]byte(name))
	mark := "~" + hex.EncodeToString(sum[:4])
	room := max - suffixRoom - len(ext) - len(mark)
	stem := strings.TrimSuffix(name, ext)
	cut := 0
	for i := range stem { // i is always a rune boundary
		if i > room {
			break
		}
		cut = i
	}
	if len(stem) <= room {
		cut = len(stem)
	}
	return stem[:cut] + mark + ext
}

// nameMax is the longest file name, in bytes, the file system holding dir
// takes.
func nameMax(dir string) int {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil && st.Namelen > 0 && st.Namelen < 4096 {
		return int(st.Namelen)
	}
	return 255
}

// lock takes the inbox's lock file without waiting.
func lock(root string) (unlock func(), err error) {
	lk, err := files.TryLock(filepath.Join(root, lockName))
	if errors.Is(err, files.ErrLocked) {
		return nil, ErrBusy
	}
	if err != nil {
		return nil, err
	}
	return func() { lk.Unlock() }, nil //nolint:errcheck // the process's end releases it too
}

// Package load takes extract files into the warehouse: read, map headers,
// validate, and store in one transaction per file, with the file's rejects,
// flags and ledger row (SPEC §4–§5). A file either lands whole or changes
// nothing.
package load

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
	"sync/atomic"
	"time"

	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
	"enlist/pipelines/read"
	"enlist/pipelines/validate"
)

// Modes of delivery (SPEC §4).
const (
	Snapshot    = "snapshot"
	Incremental = "incremental"
)

// Options say what the command line knows about the files.
type Options struct {
	Kind     mapping.Kind // "" = detect from the headers and title
	Mode     string       // Snapshot (default) or Incremental
	Encoding string       // "" = detect
	Sheet    string       // XLSX sheet; "" = the first with data
	Region   string       // scope region when the file cannot tell
	Year     int
	Season   int
	ExamType string
	// Map gives this delivery's own header spellings, HEADER → column
	// (--map); they take precedence over enlist.yaml and the built-in aliases.
	Map map[string]string
	// LoadedBy is who loads the files, for the ledger's loaded_by: the
	// console's account, the operating-system user of enlist ingest.
	LoadedBy string
	// Admit, when set, sees each file's kind and scope once its rows are
	// staged and before anything replaces or commits; an error refuses the
	// file (its transaction rolls back), with the error as the reason. The
	// console refuses a scope outside the operator's region with it.
	Admit func(kind mapping.Kind, scope Scope) error
}

// Result is what happened to one file.
type Result struct {
	File   string
	Status string // loaded, already_loaded
	// Restores is the earlier load of the same file this load made
	// current again (the office took back a correction); 0 for a first
	// delivery. RestoredStatus is what that load was: replaced or withdrawn.
	Restores       int64
	RestoredStatus string
	LoadID         int64
	Kind           mapping.Kind
	ExamType       string
	Scope          Scope
	Sheet          string
	Encoding       string
	Read           int
	Accepted       int
	Rejected       int
	Flagged        int
	Replaced       []int64
	// PartlyReplaced are older snapshots of a larger region whose rows for
	// this file's region this file replaced.
	PartlyReplaced []PartialReplacement
	Ignored        []string // header texts enlist did not use
	Duration       time.Duration
	Reasons        map[string]int // rejects by reason
	// Headers says what each header became and by which rule.
	Headers []HeaderUse
	// Warnings an office should read: headers guessed, columns ignored,
	// value spellings not recognised. The ledger keeps them.
	Warnings []string
	// Examples are a few rejected rows per reason (values masked), for
	// enlist check.
	Examples map[string][]RejectExample
	// Skipped lists the sheets of the workbook that were not loaded, with
	// why; on the workbook's first result only.
	Skipped []SkippedSheet
	// unknownValues counts value spellings not recognised, by field and
	// spelling.
	unknownValues map[[2]string]int
}

// HeaderUse is one header of a file and the column it was read as.
type HeaderUse struct {
	Header string
	Column string
	Rule   mapping.Rule
}

// RejectExample is one rejected row, as the rejects table keeps it.
type RejectExample struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Detail string `json:"detail"`
	Raw    string `json:"raw"` // masked like rejects.raw_value
}

// SkippedSheet is a sheet of a workbook that was not loaded.
type SkippedSheet struct {
	Sheet string `json:"sheet"`
	Why   string `json:"why"`
}

// Scope is what a snapshot covers; a newer snapshot of the same scope
// replaces the older one.
type Scope struct {
	Region string `json:"region"`
	Year   int    `json:"year"`   // 0 when the file spans several
	Season int    `json:"season"` // 0 when the file spans both
}

// FileError refuses a whole file; nothing of it is stored.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Progress receives the rows read so far in the current file.
type Progress func(file string, rows int)

// Loader loads files into one warehouse.
type Loader struct {
	wh       *warehouse.Warehouse
	vocab    *mapping.Vocabulary
	key      secret.Key
	log      *slog.Logger
	progress Progress
	now      func() time.Time
	// table caches the warehouse's regions between files; a regions
	// extract clears it.
	table *regions.Table
	// secretChecked: the key was found to be the warehouse's (once per loader).
	secretChecked bool
	// preparations counts the files and sheets prepared, so a test can
	// tell that each is prepared once.
	preparations atomic.Int64
}

// NewLoader prepares a loader. log and progress may be nil.
func NewLoader(wh *warehouse.Warehouse, key secret.Key, log *slog.Logger, progress Progress) (*Loader, error) {
	vocab, err := mapping.Load()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Loader{wh: wh, vocab: vocab, key: key, log: log, progress: progress, now: time.Now}, nil
}

// LoadPaths loads files and folders (recursively). Files are loaded in
// dependency order; a refused file does not stop the others. The error
// joins every file-level refusal.
func (l *Loader) LoadPaths(ctx context.Context, paths []string, opt Options) ([]Result, error) {
	if err := l.checkSecret(ctx); err != nil {
		return nil, err
	}
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	type planned struct {
		path     string
		book     *read.Book
		prepared *preparedBook // nil once handed to the load, or when not kept
		order    int
	}
	var plan []planned
	defer func() {
		for _, p := range plan {
			if p.prepared != nil {
				p.prepared.closeSheets()
			}
			p.book.Close()
		}
	}()
	held := heldPrepared{}
	var errs []error
	// Legacy workbooks are converted together, in one LibreOffice run.
	books, openErrs := read.OpenBooks(ctx, files)
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			for _, b := range books[i:] {
				if b != nil {
					b.Close()
				}
			}
			return nil, errors.Join(append(errs, err)...)
		}
		book := books[i]
		if openErrs[i] != nil {
			errs = append(errs, &FileError{File: f, Err: openErrs[i]})
			continue
		}
		// A workbook goes where its first-needed sheet's kind goes.
		pb, err := l.prepareBook(ctx, f, book, opt)
		if err != nil {
			book.Close()
			errs = append(errs, err)
			continue
		}
		order := mapping.LoadOrder(pb.sheets[0].kind)
		// The preparation (header found, kind decided, the sheet's merged
		// ranges scanned) is carried to the load rather than done again.
		if !held.keep(book) {
			pb.closeSheets()
			pb = nil
		}
		plan = append(plan, planned{f, book, pb, order})
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].order < plan[j].order })
	var results []Result
	for i := range plan {
		p := &plan[i]
		if err := ctx.Err(); err != nil {
			return results, errors.Join(append(errs, err)...)
		}
		pb := p.prepared
		p.prepared = nil // the load closes it
		res, err := l.loadPrepared(ctx, p.path, p.book, pb, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		results = append(results, res...)
	}
	return results, errors.Join(errs...)
}

// Failures unpacks the error LoadPaths returns, errors joined (and joins
// within them), into the single ones: a *FileError for each file refused,
// and any other.
func Failures(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Failures(e)...)
		}
		return out
	}
	return []error{err}
}

// A prepared file holds its reader open: a CSV a file and a buffer, a
// workbook its unpacked parts (excelize keeps those up to 16 MiB in
// memory). heldPrepared bounds what a large batch holds between planning
// and loading; past the bounds a file is prepared again when its turn comes.
const (
	maxHeldCSV       = 256
	maxHeldWorkbooks = 16
)

type heldPrepared struct{ csv, workbooks int }

// keep counts book in if it stays within the bounds.
func (h *heldPrepared) keep(book *read.Book) bool {
	if book.Format() == read.FormatCSV {
		h.csv++
		return h.csv <= maxHeldCSV
	}
	h.workbooks++
	return h.workbooks <= maxHeldWorkbooks
}

// checkSecret refuses a key other than the one the warehouse was made with
// (SPEC §4): under another key every person gets a new pseudonym, and new
// files silently stop matching the people already stored. A warehouse made
// before fingerprints were kept records this key's at its first load.
func (l *Loader) checkSecret(ctx context.Context) error {
	if l.secretChecked {
		return nil
	}
	recorded, err := l.wh.CheckSecret(ctx, l.key, "load")
	if err != nil {
		return err
	}
	if recorded {
		l.log.Warn("the warehouse had no secret fingerprint; recorded the current secret's, so a different secret is refused from now on",
			"warehouse", l.wh.Path(), "fingerprint", secret.Short(l.key.Fingerprint()))
	}
	l.secretChecked = true
	return nil
}

// expand lists the files under paths, skipping hidden files and folders.
func expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("ingest %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != p && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !IsExtract(name) {
				return nil
			}
			out = append(out, path)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ingest %s: %w", p, err)
		}
	}
	return out, nil
}

// IsExtract says whether a file name is one the loader takes from a folder:
// CSV and text, and workbooks (.xlsx; .xls, WPS .et and .ods through
// LibreOffice).
func IsExtract(name string) bool {
	if strings.HasPrefix(name, "~$") { // Excel's lock file beside an open workbook
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".tsv", ".xlsx", ".xls", ".et", ".ods":
		return true
	}
	return false
}

// FileSHA256 is the content fingerprint the ledger keeps for a file: the
// same bytes are the same delivery, whatever the file is called.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errNoRows: the file or sheet holds nothing but blank rows.
var errNoRows = errors.New("the file holds no rows")

// preparedFile is a file (or one sheet of a workbook) opened, its header
// found and its kind decided.
type preparedFile struct {
	path   string
	reader read.Reader
	buffer []read.Row // rows read while looking for the header
	header mapping.Header
	kind   mapping.Kind
	spec   mapping.KindSpec
	consts validate.Constants
	vocab  *mapping.Vocabulary // with the office's spellings and this kind's
	// keep are the load ids of the workbook's sheets stored before this
	// one in the same delivery: its snapshot never replaces them.
	keep []int64
}

func (p *preparedFile) close() { p.reader.Close() }

// prepare opens a CSV file, or the one sheet opt.Sheet names (or the first
// with data), and maps its header.
func (l *Loader) prepare(ctx context.Context, path string, opt Options) (*preparedFile, error) {
	r, err := read.Open(ctx, path, read.Options{Encoding: opt.Encoding, Sheet: opt.Sheet})
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	return l.prepareReader(path, r, opt)
}

// prepareReader finds the header among the first rows of r and decides the
// kind; it closes r when it refuses.
func (l *Loader) prepareReader(path string, r read.Reader, opt Options) (*preparedFile, error) {
	l.preparations.Add(1)
	refuse := func(err error) (*preparedFile, error) {
		r.Close()
		if s := r.Sheet(); s != "" {
			err = fmt.Errorf("sheet %q: %w", s, err)
		}
		return nil, &FileError{File: path, Err: err}
	}
	vocab, err := l.vocabulary(opt)
	if err != nil {
		return refuse(err)
	}
	p := &preparedFile{path: path, reader: r}
	var cells [][]string
	for len(p.buffer) < 20 {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return refuse(err)
		}
		p.buffer = append(p.buffer, row)
		cells = append(cells, row.Cells)
	}
	if len(p.buffer) == 0 {
		return refuse(errNoRows)
	}
	h, kind, vocab, err := mapHeader(vocab, cells, opt.Kind)
	if err != nil {
		return refuse(err)
	}
	p.header, p.vocab = h, vocab
	hints := mapping.ReadTitle(h.Title)
	spec, ok := mapping.Spec(kind)
	if !ok {
		return refuse(fmt.Errorf("unknown kind %q; kinds are %s", kind, strings.Join(mapping.KindNames(), ", ")))
	}
	p.kind, p.spec = kind, spec
	p.consts = validate.Constants{Year: opt.Year, Season: opt.Season, ExamType: opt.ExamType}
	if p.consts.Year == 0 {
		p.consts.Year = hints.Year
	}
	if p.consts.Season == 0 {
		p.consts.Season = hints.Season
	}
	if p.consts.ExamType == "" && kind == mapping.Exams {
		p.consts.ExamType = hints.ExamType
	}
	supplied := map[string]bool{"year": p.consts.Year != 0, "season": p.consts.Season != 0, "exam_type": p.consts.ExamType != ""}
	if missing := spec.Missing(h.Columns, supplied); len(missing) > 0 {
		var names []string
		for _, m := range missing {
			names = append(names, vocab.Label(m))
		}
		msg := fmt.Sprintf("a %s file (%s) needs the column %s, which the header does not have",
			kind, spec.Label, strings.Join(names, ", "))
		for _, m := range missing {
			switch m {
			case "exam_type":
				msg += "; give --exam-type physical|political|pretraining if the whole file is one type"
			case "year":
				msg += "; give --year if the whole file is one year"
			case "season":
				msg += "; give --season 1|2 if the whole file is one season"
			}
		}
		// A data row taken for the header must not carry a number into a message.
		return refuse(errors.New(scrubIDs(vocab.Explain(msg, h, kind, missing))))
	}
	return p, nil
}

// regions is the division table as the warehouse has it.
func (l *Loader) regions(ctx context.Context) (*regions.Table, error) {
	if l.table == nil {
		t, err := l.wh.Regions(ctx)
		if err != nil {
			return nil, err
		}
		l.table = t
	}
	return l.table, nil
}

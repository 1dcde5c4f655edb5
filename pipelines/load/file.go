package load

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
	"enlist/pipelines/read"
	"enlist/pipelines/validate"
)

// tables maps a kind to the warehouse table it fills (mapping's list).
var tables = func() map[mapping.Kind]string {
	m := map[mapping.Kind]string{}
	for _, k := range mapping.KindNames() {
		spec, _ := mapping.Spec(mapping.Kind(k))
		m[spec.Kind] = spec.Table
	}
	return m
}()

// dataColumns names the columns a load writes into its kind's table, in
// the order the writer appends them: load_id and source_row, then the
// kind's column list (the regions table: the list, then source).
func dataColumns(k mapping.Kind) []string {
	spec, _ := mapping.Spec(k)
	if spec.Reference {
		return append(slices.Clone(spec.Stored), "source")
	}
	return append([]string{"load_id", "source_row"}, spec.Stored...)
}

// rejectColumns and flagColumns name the columns of rejects and row_flags
// in the order the writer appends them.
var (
	rejectColumns = []string{"load_id", "file", "sheet", "source_row", "column_name", "reason", "detail", "raw_value"}
	flagColumns   = []string{"load_id", "source_row", "kind", "region_code", "year", "season", "flag", "detail"}
)

// flaggedRows counts a load's flagged rows: the rows the flags view lists
// for it, read only from the parts of that view that can hold a row of the
// load's kind (each part lists rows of its own table, and a load fills one
// table). Through the whole view every file paid for every cross-file check,
// 40–50 ms a file on a small warehouse, more as it grows. Exams and
// approvals are counted with their scope (registeredPeople), regions not
// at all.
var flaggedRows = func() map[mapping.Kind]string {
	q := func(parts ...string) string {
		sel := `SELECT source_row FROM main.row_flags WHERE load_id = $1`
		for _, p := range parts {
			sel += ` UNION ALL ` + p
		}
		return `SELECT count(DISTINCT source_row) FROM (` + sel + `)`
	}
	m := map[mapping.Kind]string{mapping.Registrations: q(twoRegionRowsOfLoad)}
	for k := range tables {
		if _, ok := m[k]; !ok && k != mapping.Exams && k != mapping.Approvals && k != mapping.Regions {
			m[k] = q()
		}
	}
	return m
}()

// twoRegionRowsOfLoad lists the rows of load $1 that two_region_registrations
// lists (a person registered in another region the same season), as a plain
// join of the load's rows with every registration, each row once through the
// caller's count(DISTINCT). The view's correlated EXISTS is planned as a
// delim join that first groups the load's rows by person: after a
// 1,000,000-row roll it cost 1.3 CPU-s, the join 0.9 (EXPLAIN ANALYZE on
// the warehouse). Every column involved is NOT NULL, so the rows are the
// view's (TestFlaggedCountIsTheFlagsView).
const twoRegionRowsOfLoad = `SELECT r.source_row FROM main.registrations r
	JOIN main.registrations o ON o.person = r.person AND o.year = r.year AND o.season = r.season
	  AND o.region_code <> r.region_code
	WHERE r.load_id = $1`

// unqualifiedRowsOfLoad lists the rows of load $1 that unqualified_approvals
// lists (no latest passed physical and political result that season), with
// the latest results of only the load's people: through the view, every
// file of approvals grouped every exam result of the warehouse
// (latest_exams), 44 of the 64 ms the count took a file after a
// 1,000,000-registration province, 6 ms this way. The latest result is
// picked as latest_exams picks it (TestFlaggedCountIsTheFlagsView).
const unqualifiedRowsOfLoad = `SELECT m.source_row
	FROM (SELECT person, year, season, source_row FROM main.approvals WHERE load_id = $1) m
	LEFT JOIN (
		SELECT e.person, e.year, e.season,
		       arg_max(e.passed, (e.exam_date, e.load_id, e.source_row)) FILTER (e.exam_type = 'physical') AS physical,
		       arg_max(e.passed, (e.exam_date, e.load_id, e.source_row)) FILTER (e.exam_type = 'political') AS political
		FROM main.exams e
		SEMI JOIN (SELECT person, year, season FROM main.approvals WHERE load_id = $1) a USING (person, year, season)
		WHERE e.exam_type IN ('physical', 'political')
		GROUP BY e.person, e.year, e.season
	) x USING (person, year, season)
	WHERE NOT (coalesce(x.physical, false) AND coalesce(x.political, false))`

// LoadFile loads one file: a CSV, or a workbook's sheets (see LoadBook),
// giving the result of its first sheet. A file-level problem returns a
// *FileError and leaves the warehouse as it was.
func (l *Loader) LoadFile(ctx context.Context, path string, opt Options) (Result, error) {
	results, err := l.LoadBook(ctx, path, opt)
	if err != nil {
		return Result{}, err
	}
	return results[0], nil
}

// LoadBook loads one delivered file: a CSV, or every sheet of a workbook
// whose header names a kind (only opt.Sheet when given), in one
// transaction. A workbook is one delivery: its sheets never replace one
// another, and each has its own ledger row and result. A file-level
// problem returns a *FileError and leaves the warehouse as it was.
func (l *Loader) LoadBook(ctx context.Context, path string, opt Options) ([]Result, error) {
	return l.loadBook(ctx, path, nil, opt)
}

// loadBook loads path, read through book when the caller has it open
// already (so that a legacy workbook is converted once).
func (l *Loader) loadBook(ctx context.Context, path string, opened *read.Book, opt Options) ([]Result, error) {
	return l.loadPrepared(ctx, path, opened, nil, opt)
}

// loadPrepared is loadBook with the book's sheets already prepared (by the
// planning of LoadPaths, which had to learn their kinds): nil prepares
// them here. It closes prepared's sheets whatever happens.
func (l *Loader) loadPrepared(ctx context.Context, path string, opened *read.Book, prepared *preparedBook, opt Options) (_ []Result, err error) {
	defer func() {
		if prepared != nil {
			prepared.closeSheets()
		}
	}()
	started := l.now().UTC()
	if opt.Mode == "" {
		opt.Mode = Snapshot
	}
	if opt.Mode != Snapshot && opt.Mode != Incremental {
		return nil, fmt.Errorf("mode %q: use snapshot or incremental", opt.Mode)
	}
	if err := l.checkSecret(ctx); err != nil {
		return nil, err
	}
	sum, err := FileSHA256(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	prior, priorStatus, current, err := priorLoad(ctx, l.wh.DB(), sum)
	switch {
	case err != nil:
		return nil, fmt.Errorf("check ledger for %s: %w", path, err)
	case current:
		l.log.Info("file already loaded", "file", path, "load_id", prior)
		return []Result{{File: path, Status: "already_loaded", LoadID: prior}}, nil
	case prior != 0:
		// Loaded before and replaced (or withdrawn) since: the office is
		// taking back a correction, so the file becomes current again.
		l.log.Info("file loaded before, no longer current; loading it again", "file", path, "load_id", prior, "was", priorStatus)
	}
	windows, err := l.wh.SeasonWindows(ctx)
	if err != nil {
		return nil, err
	}

	if opened == nil {
		if opened, err = openBook(ctx, path); err != nil {
			return nil, err
		}
		defer opened.Close()
	}
	book := prepared
	if book == nil {
		if book, err = l.prepareBook(ctx, path, opened, opt); err != nil {
			return nil, err
		}
		defer book.closeSheets()
	}
	tab, err := l.regions(ctx)
	if err != nil {
		return nil, err
	}
	if opt.Region != "" {
		code := regions.NormaliseCode(opt.Region)
		if _, ok := tab.Lookup(code); !ok {
			return nil, &FileError{File: path, Err: fmt.Errorf("--region %s is not a known division code", opt.Region)}
		}
		opt.Region = code
	}
	results := make([]Result, len(book.sheets))
	for i, pf := range book.sheets {
		pf.consts.Windows = windows
		if pf.kind == mapping.Exams && pf.consts.ExamType != "" {
			code, ok := pf.vocab.Value("exam_type", pf.consts.ExamType)
			if !ok {
				return nil, &FileError{File: path, Err: fmt.Errorf("exam type %q: use physical, political or pretraining", pf.consts.ExamType)}
			}
			pf.consts.ExamType = code
		}
		results[i] = Result{File: path, Kind: pf.kind, Sheet: pf.reader.Sheet(), Encoding: pf.reader.Encoding(),
			Ignored: pf.header.Ignored, Reasons: map[string]int{}, Headers: headerUses(pf.header),
			Warnings: headerWarnings(pf.header), Restores: prior, RestoredStatus: priorStatus}
	}
	results[0].Skipped = book.skipped
	for _, sk := range book.skipped {
		// In the first sheet's ledger row too, so status and the quality
		// report show it, not only this command's output.
		results[0].Warnings = append(results[0].Warnings, fmt.Sprintf("sheet %q skipped: %s", sk.Sheet, sk.Why))
	}

	err = l.wh.WithConn(ctx, func(c *warehouse.Conn) error {
		return l.storeBook(ctx, c, book, opt, tab, sum, started, results)
	})
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	for i, pf := range book.sheets {
		if pf.kind == mapping.Regions {
			l.table = nil
		}
		res := &results[i]
		res.Status = "loaded"
		res.Duration = time.Since(started)
		l.log.Info("file loaded", "file", path, "sheet", res.Sheet, "kind", res.Kind, "load_id", res.LoadID,
			"read", res.Read, "accepted", res.Accepted, "rejected", res.Rejected, "flagged", res.Flagged,
			"replaced", len(res.Replaced), "warnings", len(res.Warnings), "seconds", res.Duration.Seconds())
	}
	return results, nil
}

// storeBook stores every prepared sheet in one transaction.
func (l *Loader) storeBook(ctx context.Context, c *warehouse.Conn, book *preparedBook, opt Options,
	tab *regions.Table, sum string, started time.Time, results []Result) (err error) {
	if err := c.Begin(ctx); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Rollback(ctx))
		}
	}()
	var stored []int64
	for i, pf := range book.sheets {
		pf.keep = stored
		if err := l.store(ctx, c, pf, opt, tab, sum, started, &results[i]); err != nil {
			return err
		}
		if err := recordHeaders(ctx, c, pf, &results[i]); err != nil {
			return err
		}
		stored = append(stored, results[i].LoadID)
	}
	return c.Commit(ctx)
}

// appenders write a file's rows straight into the warehouse tables inside
// the load's transaction: until COMMIT nobody sees them, and a ROLLBACK or a
// crash discards them.
type appenders struct {
	data, rejects, flags *warehouse.Bulk
}

func (a *appenders) close(ctx context.Context) error {
	var errs []error
	for _, app := range []*warehouse.Bulk{a.data, a.rejects, a.flags} {
		if app != nil {
			errs = append(errs, app.Close(ctx))
		}
	}
	*a = appenders{}
	return errors.Join(errs...)
}

// store stages one file or sheet inside the caller's transaction.
func (l *Loader) store(ctx context.Context, c *warehouse.Conn, pf *preparedFile, opt Options,
	tab *regions.Table, sum string, started time.Time, res *Result) (err error) {
	apps := &appenders{}
	defer func() {
		if err != nil {
			err = errors.Join(err, apps.close(context.WithoutCancel(ctx)))
		}
	}()
	if err := c.QueryRowContext(ctx, `SELECT nextval('load_id_seq')`).Scan(&res.LoadID); err != nil {
		return fmt.Errorf("next load id: %w", err)
	}
	table := tables[pf.kind]
	// The data stream last: from its start the connection is busy with
	// its INSERT until the stream closes.
	if apps.rejects, err = c.NewBulk(ctx, "rejects", rejectColumns...); err != nil {
		return err
	}
	if apps.flags, err = c.NewBulk(ctx, "row_flags", flagColumns...); err != nil {
		return err
	}
	if apps.data, err = c.NewStream(ctx, table, dataColumns(pf.kind)...); err != nil {
		return err
	}
	scope, err := l.stage(ctx, pf, opt, tab, apps, res)
	if err != nil {
		return err
	}
	if err := apps.close(ctx); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	if pf.kind == mapping.Exams || pf.kind == mapping.Approvals {
		found, flagged, err := registeredPeople(ctx, c, pf.kind, res.LoadID)
		if err != nil {
			return err
		}
		// Counted here, with the scope: see registeredPeople.
		res.Flagged = flagged
		if scope.Region == "" && res.Accepted > 0 {
			if found == "" {
				return &FileError{File: pf.path, Err: errors.New(
					"cannot tell which region this file covers: none of its people is registered yet; give --region CODE (or load the registrations first)")}
			}
			scope.Region = found
		}
	}
	res.Scope = scope
	if opt.Admit != nil {
		if err := opt.Admit(pf.kind, scope); err != nil {
			return &FileError{File: pf.path, Err: err}
		}
	}
	return l.finish(ctx, c, pf, opt, sum, started, res)
}

// checked is a batch of rows after validation, in file order.
type checked struct {
	seq  int
	rows []read.Row
	out  []validate.Row
	keys []keyHash // of out's keys, for the writer's duplicate check
	bad  [][]validate.Problem
	flag [][]validate.Flag
	err  error
}

// batchSize rows travel together between the reader, the checkers and the
// writer, so channel traffic stays small next to the work per row.
const batchSize = 1024

// stage reads the file, checks rows on every core and writes them in file
// order, working out the file's scope from the rows it accepts.
func (l *Loader) stage(ctx context.Context, pf *preparedFile, opt Options, tab *regions.Table,
	apps *appenders, res *Result) (Scope, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	batches := make(chan *checked, workers*2)
	done := make(chan *checked, workers*2)

	// Reader: the rows buffered while finding the header, then the rest.
	var readErr error
	go func() {
		defer close(batches)
		seq := 0
		cur := &checked{seq: seq}
		send := func() bool {
			select {
			case batches <- cur:
			case <-ctx.Done():
				return false
			}
			seq++
			cur = &checked{seq: seq}
			return true
		}
		add := func(row read.Row) bool {
			// Blank, 合计 and sign-off lines (the words of mapping's rows.csv)
			// are not rows of the table.
			if pf.vocab.RowKind(row.Cells) != mapping.DataRow {
				return true
			}
			cur.rows = append(cur.rows, row)
			if len(cur.rows) == batchSize {
				return send()
			}
			return true
		}
		for _, row := range pf.buffer[pf.header.Row+1:] {
			if !add(row) {
				return
			}
		}
		for {
			row, err := pf.reader.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = err
				return
			}
			if !add(row) {
				return
			}
		}
		if len(cur.rows) > 0 {
			send()
		}
	}()

	// Checkers: each has its own pseudonymiser, which is not safe to share.
	seeds := newKeySeeds()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		checker := validate.NewChecker(pf.kind, pf.vocab, tab, pf.header.Columns, pf.consts, l.key, l.now())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				b.out = make([]validate.Row, len(b.rows))
				b.keys = make([]keyHash, len(b.rows))
				b.bad = make([][]validate.Problem, len(b.rows))
				b.flag = make([][]validate.Flag, len(b.rows))
				for i, row := range b.rows {
					b.out[i], b.bad[i], b.flag[i] = checker.Check(row.Cells)
					if len(b.bad[i]) == 0 {
						b.keys[i] = seeds.of(b.out[i].Key)
					}
				}
				select {
				case done <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	w := newWriter(pf, opt, apps, res, pf.vocab)
	pending := map[int]*checked{}
	next := 0
	var werr error
	for b := range done {
		if werr != nil {
			continue // drain so the checkers can finish
		}
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if werr = w.write(nb); werr != nil {
				cancel()
				break
			}
			if l.progress != nil && res.Read/50000 != (res.Read-len(nb.rows))/50000 {
				l.progress(pf.path, res.Read)
			}
		}
	}
	if werr != nil {
		return Scope{}, werr
	}
	if readErr != nil {
		return Scope{}, &FileError{File: pf.path, Err: readErr}
	}
	if err := ctx.Err(); err != nil {
		return Scope{}, err
	}
	return w.scope(pf), nil
}

// maxRejects bounds the rejects (one per failing column of a row) of one
// file. A file whose rows nearly all fail (a wrong kind, shifted columns, a
// date format nobody uses) is better refused whole with its reasons than
// stored as a million rejects; and rejects are held in memory until the
// file's transaction ends, so the bound also caps what a hostile file can
// make the load hold (about 300 bytes a reject).
const maxRejects = 100_000

// topReasons lists the commonest reject reasons with their counts.
func topReasons(reasons map[string]int) string {
	type rc struct {
		reason string
		n      int
	}
	var all []rc
	for r, n := range reasons {
		all = append(all, rc{r, n})
	}
	sort.Slice(all, func(i, j int) bool {
		return all[i].n > all[j].n || all[i].n == all[j].n && all[i].reason < all[j].reason
	})
	var parts []string
	for i, x := range all {
		if i == 3 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", x.reason, x.n))
	}
	return strings.Join(parts, ", ")
}

// maxLine is the largest row number a file may have: the models order
// rows by a key that gives the row number 24 bits (sql/models/100_person_flags_at.sql).
const maxLine = 1<<24 - 1

// keyHash stands for a record's key (validate.Key, 48 bytes) in the
// writer's map of every record of the file: 16 bytes, worked out by the
// checkers on every core, where the writer works alone. At a million rows
// the map of full keys cost the writer 0.5 s of its 1.1 (docs/BENCHMARKS.md):
// its 56-byte entries missed the cache on nearly every look-up. Two records
// share a keyHash with odds of 2^-128 a pair, about 10^-27 for a file of a
// million rows; the seeds are new for every file, so no file can be made to
// collide.
type keyHash [2]uint64

type keySeeds [2]maphash.Seed

func newKeySeeds() keySeeds { return keySeeds{maphash.MakeSeed(), maphash.MakeSeed()} }

func (s keySeeds) of(k validate.Key) keyHash {
	return keyHash{maphash.Bytes(s[0], k[:]), maphash.Bytes(s[1], k[:])}
}

// writer appends checked rows in file order: it alone sees every row, so it
// finds duplicates and the file's scope.
type writer struct {
	kind    mapping.Kind
	path    string
	sheet   any
	region  string // --region, which rows must lie within
	names   map[string]string
	vocab   *mapping.Vocabulary
	apps    *appenders
	res     *Result
	rejects int               // reject records written, against maxRejects
	seen    map[keyHash]int32 // the first row of each record
	sc      Scope
	any     bool
	vals    []driver.Value
}

func newWriter(pf *preparedFile, opt Options, apps *appenders, res *Result, vocab *mapping.Vocabulary) *writer {
	w := &writer{kind: pf.kind, path: pf.path, region: opt.Region, names: pf.header.Names, vocab: vocab,
		apps: apps, res: res, seen: map[keyHash]int32{}, sc: Scope{Region: opt.Region}}
	if s := pf.reader.Sheet(); s != "" {
		w.sheet = s
	}
	return w
}

func (w *writer) write(b *checked) error {
	id := w.res.LoadID
	for i, row := range b.rows {
		if row.Line > maxLine {
			return &FileError{File: w.path, Err: fmt.Errorf("more than %d rows; split the file", maxLine)}
		}
		w.res.Read++
		out, problems, flags := b.out[i], b.bad[i], b.flag[i]
		if len(problems) == 0 && w.region != "" && out.Region != "" && !regions.Within(out.Region, w.region) {
			problems = []validate.Problem{{Column: "region_code", Reason: validate.ReasonRegion,
				Detail: "outside the file's region " + w.region, Raw: out.Region}}
		}
		if len(problems) == 0 {
			if first, dup := w.seen[b.keys[i]]; dup {
				p := validate.Problem{Column: "id_number", Reason: validate.ReasonDuplicate,
					Detail: fmt.Sprintf("same record as row %d of this file", first)}
				if w.kind == mapping.Quotas || w.kind == mapping.Regions {
					p.Column, p.Raw = "region_code", out.Region
				}
				if w.kind == mapping.Schools {
					p.Column, p.Raw = "school_code", out.School
				}
				problems = []validate.Problem{p}
			}
		}
		if len(problems) > 0 {
			w.res.Rejected++
			if w.rejects += len(problems); w.rejects > maxRejects {
				return &FileError{File: w.path, Err: fmt.Errorf(
					"more than %d rejects in %d rows by row %d (%s); is it the right kind of extract, "+
						"are its columns shifted? Fix the file and send it again",
					maxRejects, w.res.Rejected, row.Line, topReasons(w.res.Reasons))}
			}
			for _, p := range problems {
				w.res.Reasons[p.Reason]++
				w.example(row.Line, p)
				if err := w.apps.rejects.Append(id, w.path, w.sheet, int32(row.Line), w.column(p.Column),
					p.Reason, scrubIDs(p.Detail), nullable(scrubIDs(p.Raw))); err != nil {
					return fmt.Errorf("write reject of row %d: %w", row.Line, err)
				}
			}
			continue
		}
		w.seen[b.keys[i]] = int32(row.Line)
		w.res.Accepted++
		w.vals = w.vals[:0]
		if w.kind == mapping.Regions {
			w.vals = appendValues(w.vals, out.Values)
			w.vals = append(w.vals, fmt.Sprint(id))
		} else {
			w.vals = append(w.vals, id, int32(row.Line))
			w.vals = appendValues(w.vals, out.Values)
		}
		if err := w.apps.data.Append(w.vals...); err != nil {
			return fmt.Errorf("write row %d: %w", row.Line, err)
		}
		for _, f := range flags {
			if f.Field != "" {
				if w.res.unknownValues == nil {
					w.res.unknownValues = map[[2]string]int{}
				}
				w.res.unknownValues[[2]string{f.Field, f.Value}]++
			}
			if err := w.apps.flags.Append(id, int32(row.Line), string(w.kind), nullable(out.Region),
				nullableInt(out.Year), nullableSeason(out.Season), f.Flag, scrubIDs(f.Detail)); err != nil {
				return fmt.Errorf("write flag of row %d: %w", row.Line, err)
			}
		}
		w.widen(out)
	}
	return nil
}

// maxExamples is how many rejected rows per reason a result keeps to show.
const maxExamples = 3

// example keeps a rejected row to show, masked as the rejects table keeps it.
func (w *writer) example(line int, p validate.Problem) {
	if w.res.Examples == nil {
		w.res.Examples = map[string][]RejectExample{}
	}
	if len(w.res.Examples[p.Reason]) >= maxExamples {
		return
	}
	col, _ := w.column(p.Column).(string)
	w.res.Examples[p.Reason] = append(w.res.Examples[p.Reason],
		RejectExample{Line: line, Column: col, Detail: scrubIDs(p.Detail), Raw: scrubIDs(p.Raw)})
}

// widen grows the scope to cover an accepted row: the smallest region
// holding every row, and the year, season and exam type when all rows share them.
func (w *writer) widen(out validate.Row) {
	if !w.any {
		w.any = true
		if w.region == "" {
			w.sc.Region = out.Region
		}
		w.sc.Year, w.sc.Season, w.res.ExamType = out.Year, out.Season, out.ExamType
		return
	}
	if w.region == "" && out.Region != "" {
		w.sc.Region = regions.CommonAncestor(w.sc.Region, out.Region)
	}
	if w.sc.Year != out.Year {
		w.sc.Year = 0
	}
	if w.sc.Season != out.Season {
		w.sc.Season = 0
	}
	// A file of one exam type is a snapshot of that type only, whether the
	// type came from a column, the title or the command line.
	if w.res.ExamType != out.ExamType {
		w.res.ExamType = ""
	}
}

func (w *writer) scope(pf *preparedFile) Scope {
	if !w.any {
		w.res.ExamType = pf.consts.ExamType
		return Scope{Region: w.region, Year: pf.consts.Year, Season: pf.consts.Season}
	}
	return w.sc
}

// column names a column as the file's header wrote it.
func (w *writer) column(col string) any {
	if col == "" {
		return nil
	}
	if n, ok := w.names[col]; ok {
		return n
	}
	return w.vocab.Label(col)
}

// registeredPeople is what a load of exams or approvals learns from the
// registrations of its people, in one join of the load's rows with them:
// the smallest region holding every loaded person's registration for the
// season (the file's scope when its rows name none, SPEC §4), and the
// load's flagged rows (flaggedRows: its own flags, its people with no
// registration that season, and for approvals the unqualified). People
// registered in two regions that season (already flagged two_regions) are
// left out of the scope when there are others: one such person would
// otherwise widen a city's file to the whole province, and the snapshot
// would replace every other city's file.
//
// Apart, the scope and the count each read every registration of the
// warehouse, 10 and 8 ms a file after a 1,000,000-registration province;
// together once. What they read does not change before the load commits
// (a snapshot replaces earlier loads of its own kind only, and neither
// depends on those), so the count may be taken before the replacing.
func registeredPeople(ctx context.Context, c *warehouse.Conn, kind mapping.Kind, id int64) (scope string, flagged int, err error) {
	unqualified := ""
	if kind == mapping.Approvals {
		unqualified = ` UNION ALL ` + unqualifiedRowsOfLoad
	}
	var lo, hi sql.NullString
	err = c.QueryRowContext(ctx, `
		WITH j AS (
			SELECT s.person, s.source_row, r.region_code
			FROM (SELECT person, year, season, source_row FROM main.`+tables[kind]+` WHERE load_id = $1) s
			LEFT JOIN main.registrations r ON r.person = s.person AND r.year = s.year AND r.season = s.season
		),
		p AS (
			SELECT person, min(region_code) AS lo, max(region_code) AS hi, count(DISTINCT region_code) AS regions
			FROM j WHERE region_code IS NOT NULL
			GROUP BY person
		)
		SELECT (SELECT coalesce(min(lo) FILTER (regions = 1), min(lo)) FROM p),
		       (SELECT coalesce(max(hi) FILTER (regions = 1), max(hi)) FROM p),
		       (SELECT count(DISTINCT source_row) FROM (
		           SELECT source_row FROM main.row_flags WHERE load_id = $1
		           UNION ALL SELECT source_row FROM j WHERE region_code IS NULL`+unqualified+`))`, id).Scan(&lo, &hi, &flagged)
	if err != nil {
		return "", 0, fmt.Errorf("look up the people's registrations: %w", err)
	}
	if !lo.Valid {
		return "", flagged, nil
	}
	// The longest common prefix of the smallest and largest code is the
	// longest common prefix of all codes between them.
	return regions.CommonAncestor(lo.String, hi.String), flagged, nil
}

// finish replaces older snapshots, writes the ledger row and commits.
func (l *Loader) finish(ctx context.Context, c *warehouse.Conn, pf *preparedFile, opt Options,
	sum string, started time.Time, res *Result) error {
	id := res.LoadID
	table := tables[pf.kind]
	examType := nullable(res.ExamType)
	var err error
	if pf.kind == mapping.Regions {
		// The extract's codes take the place of the same codes from earlier sources.
		if _, err := c.ExecContext(ctx, `DELETE FROM main.regions WHERE source <> ?
			AND code IN (SELECT code FROM main.regions WHERE source = ?)`, fmt.Sprint(id), fmt.Sprint(id)); err != nil {
			return fmt.Errorf("replace regions: %w", err)
		}
	} else if opt.Mode == Snapshot && res.Scope.Region != "" {
		if res.Replaced, err = replaceScope(ctx, c, table, pf.kind, examType, res.Scope, id, pf.keep); err != nil {
			return err
		}
		if res.PartlyReplaced, err = replaceWithin(ctx, c, table, pf.kind, examType, res.Scope, id, pf.keep); err != nil {
			return err
		}
	}
	if q, ok := flaggedRows[pf.kind]; ok {
		if err := c.QueryRowContext(ctx, q, id).Scan(&res.Flagged); err != nil {
			return fmt.Errorf("count flags: %w", err)
		}
	}
	return writeLedger(ctx, c, pf, opt, sum, started, res)
}

// replaceScope removes the rows of earlier snapshots this one supersedes:
// same kind (and exam type), same year and season, region equal to or inside
// the new scope; never the loads in keep (earlier sheets of the same
// workbook, which together with this one form one snapshot).
func replaceScope(ctx context.Context, c *warehouse.Conn, table string, kind mapping.Kind, examType any,
	scope Scope, id int64, keep []int64) ([]int64, error) {
	rows, err := c.QueryContext(ctx, `
		SELECT load_id FROM main.load_ledger
		WHERE status = 'loaded' AND mode = 'snapshot' AND kind = ?
		  AND exam_type IS NOT DISTINCT FROM ?
		  AND scope_year IS NOT DISTINCT FROM ? AND scope_season IS NOT DISTINCT FROM ?
		  AND starts_with(scope_region, ?)`+notIn(keep),
		string(kind), examType, nullableInt(scope.Year), nullableInt(scope.Season), scope.Region)
	if err != nil {
		return nil, fmt.Errorf("find replaced snapshots: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, old := range ids {
		if _, err := c.ExecContext(ctx, `DELETE FROM main.row_flags WHERE load_id = ?`, old); err != nil {
			return nil, fmt.Errorf("replace load %d: %w", old, err)
		}
		r, err := c.ExecContext(ctx, `DELETE FROM main.`+table+` WHERE load_id = ?`, old)
		if err != nil {
			return nil, fmt.Errorf("replace load %d: %w", old, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, err
		}
		if err := recordReplacement(ctx, c, id, old, scope.Region, false, n); err != nil {
			return nil, err
		}
		if _, err := c.ExecContext(ctx, `UPDATE main.load_ledger SET status = 'replaced', replaced_by = ? WHERE load_id = ?`, id, old); err != nil {
			return nil, fmt.Errorf("mark load %d replaced: %w", old, err)
		}
	}
	return ids, nil
}

func summary(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d read, %d accepted, %d rejected, %d flagged", res.Read, res.Accepted, res.Rejected, res.Flagged)
	if res.Restores != 0 {
		fmt.Fprintf(&b, "; makes load %d (%s) current again", res.Restores, res.RestoredStatus)
	}
	if len(res.Replaced) > 0 {
		fmt.Fprintf(&b, "; replaced %d earlier snapshot(s)", len(res.Replaced))
	}
	for _, p := range res.PartlyReplaced {
		fmt.Fprintf(&b, "; replaced load %d for region %s only (%d rows)", p.LoadID, p.Region, p.Rows)
	}
	if ignored := headerTexts(res.Ignored); len(ignored) > 0 {
		fmt.Fprintf(&b, "; columns not used: %s", strings.Join(ignored, ", "))
	}
	return b.String()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableInt(v int) any {
	if v == 0 {
		return nil
	}
	return int32(v)
}

// headerTexts keeps ignored header texts fit for the ledger: short, and with
// nothing that could be a number copied from a data row.
func headerTexts(texts []string) []string {
	var out []string
	for _, t := range texts {
		digits := 0
		for _, r := range t {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= 6 {
			continue
		}
		if r := []rune(t); len(r) > 20 {
			t = string(r[:20]) + "…"
		}
		out = append(out, t)
		if len(out) == 10 {
			break
		}
	}
	return out
}

func appendValues(dst []driver.Value, vals []any) []driver.Value {
	for _, v := range vals {
		dst = append(dst, v)
	}
	return dst
}

func nullableSeason(v int) any {
	if v == 0 {
		return nil
	}
	return int8(v)
}

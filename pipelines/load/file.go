package load

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
	"enlist/pipelines/read"
	"enlist/pipelines/validate"
)

// tables maps a kind to the warehouse table it fills.
var tables = map[mapping.Kind]string{
	mapping.Quotas: "quotas", mapping.Registrations: "registrations", mapping.Exams: "exams",
	mapping.Approvals: "approvals", mapping.Resettlement: "resettlement", mapping.Regions: "regions",
}

// LoadFile loads one file. A file-level problem returns a *FileError and
// leaves the warehouse as it was.
func (l *Loader) LoadFile(ctx context.Context, path string, opt Options) (Result, error) {
	started := l.now().UTC()
	if opt.Mode == "" {
		opt.Mode = Snapshot
	}
	if opt.Mode != Snapshot && opt.Mode != Incremental {
		return Result{}, fmt.Errorf("mode %q: use snapshot or incremental", opt.Mode)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return Result{}, &FileError{File: path, Err: err}
	}
	res := Result{File: path}
	var prior int64
	err = l.wh.DB().QueryRowContext(ctx,
		`SELECT load_id FROM load_ledger WHERE sha256 = ? ORDER BY load_id LIMIT 1`, sum).Scan(&prior)
	switch {
	case err == nil:
		res.Status, res.LoadID = "already_loaded", prior
		l.log.Info("file already loaded", "file", path, "load_id", prior)
		return res, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Result{}, fmt.Errorf("check ledger for %s: %w", path, err)
	}

	pf, err := l.prepare(ctx, path, opt)
	if err != nil {
		return Result{}, err
	}
	defer pf.close()
	if pf.kind == mapping.Exams && pf.consts.ExamType != "" {
		if _, ok := l.vocab.Value("exam_type", pf.consts.ExamType); !ok {
			return Result{}, &FileError{File: path, Err: fmt.Errorf("exam type %q: use physical, political or pretraining", pf.consts.ExamType)}
		}
		pf.consts.ExamType, _ = l.vocab.Value("exam_type", pf.consts.ExamType)
	}
	tab, err := l.regions(ctx)
	if err != nil {
		return Result{}, err
	}
	if opt.Region != "" {
		code := regions.NormaliseCode(opt.Region)
		if _, ok := tab.Lookup(code); !ok {
			return Result{}, &FileError{File: path, Err: fmt.Errorf("--region %s is not a known division code", opt.Region)}
		}
		opt.Region = code
	}
	res.Kind, res.Sheet, res.Encoding, res.Ignored = pf.kind, pf.reader.Sheet(), pf.reader.Encoding(), pf.header.Ignored
	res.Reasons = map[string]int{}

	err = l.wh.WithConn(ctx, func(c *warehouse.Conn) error {
		return l.store(ctx, c, pf, opt, tab, sum, started, &res)
	})
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("load %s: %w", path, err)
	}
	if pf.kind == mapping.Regions {
		l.table = nil
	}
	res.Status = "loaded"
	res.Duration = time.Since(started)
	l.log.Info("file loaded", "file", path, "kind", res.Kind, "load_id", res.LoadID,
		"read", res.Read, "accepted", res.Accepted, "rejected", res.Rejected, "flagged", res.Flagged,
		"replaced", len(res.Replaced), "seconds", res.Duration.Seconds())
	return res, nil
}

// staging holds a file's rows on the load's connection until they are
// moved into the warehouse in one transaction.
type staging struct {
	data, rejects, flags *duckdb.Appender
}

func (s *staging) close() error {
	var errs []error
	for _, a := range []*duckdb.Appender{s.data, s.rejects, s.flags} {
		if a != nil {
			errs = append(errs, a.Close())
		}
	}
	return errors.Join(errs...)
}

func (l *Loader) store(ctx context.Context, c *warehouse.Conn, pf *preparedFile, opt Options,
	tab *regions.Table, sum string, started time.Time, res *Result) (err error) {
	table := tables[pf.kind]
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE stage_data AS SELECT * FROM main.` + table + ` LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE stage_rejects AS SELECT * FROM main.rejects LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE stage_flags AS SELECT * FROM main.row_flags LIMIT 0`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create staging: %w", err)
		}
	}
	defer func() {
		_, dropErr := c.ExecContext(context.WithoutCancel(ctx),
			`DROP TABLE IF EXISTS temp.stage_data; DROP TABLE IF EXISTS temp.stage_rejects; DROP TABLE IF EXISTS temp.stage_flags`)
		err = errors.Join(err, dropErr)
	}()
	st := &staging{}
	if st.data, err = c.TempAppender("stage_data"); err != nil {
		return err
	}
	if st.rejects, err = c.TempAppender("stage_rejects"); err != nil {
		return errors.Join(err, st.close())
	}
	if st.flags, err = c.TempAppender("stage_flags"); err != nil {
		return errors.Join(err, st.close())
	}
	scope, err := l.stage(ctx, pf, opt, tab, st, res)
	if cerr := st.close(); err == nil && cerr != nil {
		err = fmt.Errorf("stage rows: %w", cerr)
	}
	if err != nil {
		return err
	}
	if pf.kind == mapping.Exams || pf.kind == mapping.Approvals {
		if scope.Region == "" && res.Accepted > 0 {
			if scope.Region, err = scopeFromRegistrations(ctx, c); err != nil {
				return err
			}
			if scope.Region == "" {
				return &FileError{File: pf.path, Err: errors.New(
					"cannot tell which region this file covers: none of its people is registered yet; give --region CODE (or load the registrations first)")}
			}
		}
	}
	res.Scope = scope
	return l.commit(ctx, c, pf, opt, sum, started, res)
}

// stage reads every row of the file into the staging tables and works out
// the file's scope from the rows it accepted.
func (l *Loader) stage(ctx context.Context, pf *preparedFile, opt Options, tab *regions.Table,
	st *staging, res *Result) (Scope, error) {
	checker := validate.NewChecker(pf.kind, l.vocab, tab, pf.header.Columns, pf.consts, l.key, l.now())
	seen := map[string]int{}
	scope := Scope{Region: opt.Region}
	regionSet, yearSet, seasonSet, examSet := false, false, false, false
	names := map[string]string{}
	for col, i := range pf.header.Columns {
		names[col] = pf.header.Names[col]
		_ = i
	}
	sheet := any(nil)
	if s := pf.reader.Sheet(); s != "" {
		sheet = s
	}
	reject := func(line int, p validate.Problem) error {
		res.Reasons[p.Reason]++
		col := any(nil)
		if p.Column != "" {
			if n, ok := names[p.Column]; ok {
				col = n
			} else {
				col = l.vocab.Label(p.Column)
			}
		}
		return st.rejects.AppendRow(int64(0), pf.path, sheet, int32(line), col, p.Reason, p.Detail, nullable(p.Raw))
	}
	handle := func(row read.Row) error {
		switch rowKind(row.Cells) {
		case "blank", "total", "footer":
			return nil
		}
		res.Read++
		if l.progress != nil && res.Read%50000 == 0 {
			l.progress(pf.path, res.Read)
		}
		out, problems, flags := checker.Check(row.Cells)
		if len(problems) == 0 && opt.Region != "" && out.Region != "" && !regions.Within(out.Region, opt.Region) {
			problems = []validate.Problem{{Column: "region_code", Reason: validate.ReasonRegion,
				Detail: "outside the file's region " + opt.Region, Raw: out.Region}}
		}
		if len(problems) == 0 {
			if first, dup := seen[out.Key]; dup {
				problems = []validate.Problem{{Column: "id_number", Reason: validate.ReasonDuplicate,
					Detail: fmt.Sprintf("same record as row %d of this file", first)}}
				if pf.kind == mapping.Quotas || pf.kind == mapping.Regions {
					problems[0].Column = "region_code"
					problems[0].Raw = out.Region
				}
			}
		}
		if len(problems) > 0 {
			res.Rejected++
			for _, p := range problems {
				if err := reject(row.Line, p); err != nil {
					return err
				}
			}
			return nil
		}
		seen[out.Key] = row.Line
		res.Accepted++
		vals := make([]driver.Value, 0, len(out.Values)+3)
		if pf.kind == mapping.Regions {
			vals = appendValues(vals, out.Values)
			vals = append(vals, "load")
		} else {
			vals = append(vals, int64(0), int32(row.Line))
			vals = appendValues(vals, out.Values)
		}
		if err := st.data.AppendRow(vals...); err != nil {
			return fmt.Errorf("stage row %d: %w", row.Line, err)
		}
		for _, f := range flags {
			if err := st.flags.AppendRow(int64(0), int32(row.Line), string(pf.kind), nullable(out.Region),
				nullableInt(out.Year), nullableInt(out.Season), f.Flag, f.Detail); err != nil {
				return err
			}
		}
		if out.Region != "" && opt.Region == "" {
			if !regionSet {
				scope.Region, regionSet = out.Region, true
			} else {
				scope.Region = regions.CommonAncestor(scope.Region, out.Region)
			}
		}
		if !yearSet {
			scope.Year, yearSet = out.Year, true
		} else if scope.Year != out.Year {
			scope.Year = 0
		}
		if !seasonSet {
			scope.Season, seasonSet = out.Season, true
		} else if scope.Season != out.Season {
			scope.Season = 0
		}
		// A file of one exam type is a snapshot of that type only, whether the
		// type came from a column, the title or the command line.
		if !examSet {
			res.ExamType, examSet = out.ExamType, true
		} else if res.ExamType != out.ExamType {
			res.ExamType = ""
		}
		return nil
	}
	for _, row := range pf.buffer[pf.header.Row+1:] {
		if err := handle(row); err != nil {
			return scope, err
		}
	}
	for {
		row, err := pf.reader.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return scope, &FileError{File: pf.path, Err: err}
		}
		if res.Read%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return scope, err
			}
		}
		if err := handle(row); err != nil {
			return scope, err
		}
	}
	if !yearSet {
		scope.Year, scope.Season = pf.consts.Year, pf.consts.Season
		res.ExamType = pf.consts.ExamType
	}
	return scope, nil
}

// scopeFromRegistrations finds the smallest region holding every staged
// person's registration for the season (SPEC §4).
func scopeFromRegistrations(ctx context.Context, c *warehouse.Conn) (string, error) {
	var lo, hi sql.NullString
	err := c.QueryRowContext(ctx, `
		SELECT min(r.region_code), max(r.region_code)
		FROM temp.stage_data s
		JOIN main.registrations r ON r.person = s.person AND r.year = s.year AND r.season = s.season`).Scan(&lo, &hi)
	if err != nil {
		return "", fmt.Errorf("find scope from registrations: %w", err)
	}
	if !lo.Valid {
		return "", nil
	}
	// The longest common prefix of the smallest and largest code is the
	// longest common prefix of all codes between them.
	return regions.CommonAncestor(lo.String, hi.String), nil
}

func (l *Loader) commit(ctx context.Context, c *warehouse.Conn, pf *preparedFile, opt Options,
	sum string, started time.Time, res *Result) (err error) {
	if err := c.Begin(ctx); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Rollback(ctx))
		}
	}()
	table := tables[pf.kind]
	var id int64
	if err := c.QueryRowContext(ctx, `SELECT nextval('load_id_seq')`).Scan(&id); err != nil {
		return fmt.Errorf("next load id: %w", err)
	}
	res.LoadID = id
	examType := nullable(res.ExamType)
	if pf.kind == mapping.Regions {
		if _, err := c.ExecContext(ctx, `DELETE FROM main.regions WHERE code IN (SELECT code FROM temp.stage_data)`); err != nil {
			return fmt.Errorf("replace regions: %w", err)
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO main.regions SELECT * REPLACE (?::VARCHAR AS source) FROM temp.stage_data`,
			fmt.Sprint(id)); err != nil {
			return fmt.Errorf("store regions: %w", err)
		}
	} else {
		if opt.Mode == Snapshot && res.Scope.Region != "" {
			if res.Replaced, err = replaceScope(ctx, c, table, pf.kind, examType, res.Scope, id); err != nil {
				return err
			}
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO main.`+table+` SELECT * REPLACE (?::BIGINT AS load_id) FROM temp.stage_data`, id); err != nil {
			return fmt.Errorf("store rows: %w", err)
		}
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO main.rejects SELECT * REPLACE (?::BIGINT AS load_id) FROM temp.stage_rejects`, id); err != nil {
		return fmt.Errorf("store rejects: %w", err)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO main.row_flags SELECT * REPLACE (?::BIGINT AS load_id) FROM temp.stage_flags`, id); err != nil {
		return fmt.Errorf("store flags: %w", err)
	}
	if pf.kind != mapping.Regions {
		if err := c.QueryRowContext(ctx, `SELECT count(DISTINCT source_row) FROM main.flags WHERE load_id = ? AND kind = ?`, id, string(pf.kind)).Scan(&res.Flagged); err != nil {
			return fmt.Errorf("count flags: %w", err)
		}
	}
	msg := summary(res)
	_, err = c.ExecContext(ctx, `INSERT INTO main.load_ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, NULL)`,
		id, pf.path, sum, string(pf.kind), examType, opt.Mode, nullable(res.Scope.Region),
		nullableInt(res.Scope.Year), nullableInt(res.Scope.Season), nullable(res.Sheet), res.Encoding,
		res.Read, res.Accepted, res.Rejected, res.Flagged, started, time.Now().UTC(), msg)
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return c.Commit(ctx)
}

// replaceScope removes the rows of earlier snapshots this one supersedes:
// same kind (and exam type), same year and season, region equal to or inside
// the new scope.
func replaceScope(ctx context.Context, c *warehouse.Conn, table string, kind mapping.Kind, examType any,
	scope Scope, id int64) ([]int64, error) {
	rows, err := c.QueryContext(ctx, `
		SELECT load_id FROM main.load_ledger
		WHERE status = 'loaded' AND mode = 'snapshot' AND kind = ?
		  AND exam_type IS NOT DISTINCT FROM ?
		  AND scope_year IS NOT DISTINCT FROM ? AND scope_season IS NOT DISTINCT FROM ?
		  AND starts_with(scope_region, ?)`,
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
		for _, q := range []string{
			`DELETE FROM main.` + table + ` WHERE load_id = ?`,
			`DELETE FROM main.row_flags WHERE load_id = ?`,
		} {
			if _, err := c.ExecContext(ctx, q, old); err != nil {
				return nil, fmt.Errorf("replace load %d: %w", old, err)
			}
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
	if len(res.Replaced) > 0 {
		fmt.Fprintf(&b, "; replaced %d earlier snapshot(s)", len(res.Replaced))
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

package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
)

// PartialReplacement is an older snapshot covering a larger region whose
// rows for this load's region were replaced (a county's correction under a
// city-wide file); the older load stays in force for the rest of its region.
type PartialReplacement struct {
	LoadID int64  // the older load
	Region string // whose rows were replaced: this load's region
	Rows   int64  // rows of the older load removed
}

// priorLoad finds the latest earlier load of the same file content. It is
// current when it is still in force whole: not replaced, not withdrawn, and
// none of its rows replaced by a smaller region's newer snapshot. Only a
// current one makes a re-send a no-op (SPEC §4): a file replaced since is
// the office taking back a correction, and loads again.
//
// A workbook's sheets are loads of one delivery (the same file): the file
// is current when the latest load of each of its sheets is, and id is the
// first of those loads.
func priorLoad(ctx context.Context, db *sql.DB, sum string) (id int64, status string, current bool, err error) {
	var first sql.NullInt64
	var worst sql.NullString
	var whole sql.NullBool
	err = db.QueryRowContext(ctx, `
		WITH latest AS (
			SELECT l.load_id, l.status,
			       l.status = 'loaded' AND NOT EXISTS (
			           SELECT 1 FROM load_replacements r WHERE r.replaced_load_id = l.load_id AND r.partial) AS whole
			FROM load_ledger l
			WHERE l.load_id IN (SELECT max(load_id) FROM load_ledger WHERE sha256 = ? GROUP BY coalesce(sheet, '')))
		SELECT min(load_id), coalesce(min(status) FILTER (status <> 'loaded'), 'loaded'), bool_and(whole) FROM latest`,
		sum).Scan(&first, &worst, &whole)
	if err != nil {
		return 0, "", false, err
	}
	if !first.Valid {
		return 0, "", false, nil
	}
	status = worst.String
	if status == "loaded" && !whole.Bool {
		status = "partly replaced"
	}
	return first.Int64, status, whole.Bool, nil
}

// writeLedger records the load (with its column names: the ledger has grown
// columns since its first version).
func writeLedger(ctx context.Context, c *warehouse.Conn, pf *preparedFile, opt Options, sum string, started time.Time, res *Result) error {
	var restores any
	if res.Restores != 0 {
		restores = res.Restores
	}
	f := warehouse.Set
	err := c.InsertRow(ctx, "load_ledger",
		f("load_id", res.LoadID), f("file", pf.path), f("sha256", sum), f("kind", string(pf.kind)),
		f("exam_type", nullable(res.ExamType)), f("mode", opt.Mode),
		f("scope_region", nullable(res.Scope.Region)), f("scope_year", nullableInt(res.Scope.Year)),
		f("scope_season", nullableSeason(res.Scope.Season)),
		f("sheet", nullable(res.Sheet)), f("encoding", res.Encoding),
		f("rows_read", int64(res.Read)), f("rows_accepted", int64(res.Accepted)),
		f("rows_rejected", int64(res.Rejected)), f("rows_flagged", int64(res.Flagged)),
		f("started_at", started), f("finished_at", time.Now().UTC()),
		f("status", "loaded"), f("message", summary(res)), f("restores", restores),
		f("loaded_by", nullable(opt.LoadedBy)))
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}

// recordReplacement keeps which load replaced which, whole or for one region.
func recordReplacement(ctx context.Context, c *warehouse.Conn, id, old int64, region string, partial bool, rows int64) error {
	f := warehouse.Set
	err := c.InsertRow(ctx, "load_replacements", f("load_id", id), f("replaced_load_id", old),
		f("region_code", region), f("partial", partial), f("rows_removed", rows), f("replaced_at", time.Now().UTC()))
	if err != nil {
		return fmt.Errorf("record replacement of load %d: %w", old, err)
	}
	return nil
}

// inRegion is the condition, on a data row aliased t, that the row belongs
// to the region given as the query's last parameter. Exams and approvals
// carry no region: theirs is that of the person's registration for the year
// and season (SPEC §4), read after this load's own registrations landed.
func inRegion(kind mapping.Kind) string {
	switch kind {
	case mapping.Exams, mapping.Approvals:
		return `EXISTS (SELECT 1 FROM main.registrations g WHERE g.person = t.person AND g.year = t.year
			AND g.season = t.season AND starts_with(g.region_code, ?))`
	default:
		return `starts_with(t.region_code, ?)`
	}
}

// replaceWithin removes, for this snapshot's own region only, the rows of
// older snapshots of the same kind, exam type, year and season that cover a
// larger region (SPEC §4: the newest delivery wins for the region it
// covers). The older loads stay in force elsewhere; the ledger keeps each
// partial replacement in load_replacements.
func replaceWithin(ctx context.Context, c *warehouse.Conn, table string, kind mapping.Kind, examType any,
	scope Scope, id int64, keep []int64) ([]PartialReplacement, error) {
	if kind == mapping.Regions {
		return nil, nil
	}
	rows, err := c.QueryContext(ctx, `
		SELECT load_id FROM main.load_ledger
		WHERE status = 'loaded' AND mode = 'snapshot' AND kind = ? AND load_id <> ?
		  AND exam_type IS NOT DISTINCT FROM ?
		  AND scope_year IS NOT DISTINCT FROM ? AND scope_season IS NOT DISTINCT FROM ?
		  AND starts_with(?, scope_region) AND scope_region <> ?`+notIn(keep)+`
		ORDER BY load_id`,
		string(kind), id, examType, nullableInt(scope.Year), nullableInt(scope.Season), scope.Region, scope.Region)
	if err != nil {
		return nil, fmt.Errorf("find snapshots covering %s: %w", scope.Region, err)
	}
	var olds []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		olds = append(olds, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	sort.Slice(olds, func(i, j int) bool { return olds[i] < olds[j] })
	var out []PartialReplacement
	cond := inRegion(kind)
	for _, old := range olds {
		// Flags first: they find their rows through the data rows.
		if _, err := c.ExecContext(ctx, `DELETE FROM main.row_flags WHERE load_id = ? AND source_row IN (
			SELECT t.source_row FROM main.`+table+` t WHERE t.load_id = ? AND `+cond+`)`, old, old, scope.Region); err != nil {
			return nil, fmt.Errorf("replace load %d within %s: %w", old, scope.Region, err)
		}
		r, err := c.ExecContext(ctx, `DELETE FROM main.`+table+` t WHERE t.load_id = ? AND `+cond, old, scope.Region)
		if err != nil {
			return nil, fmt.Errorf("replace load %d within %s: %w", old, scope.Region, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, err
		}
		if err := recordReplacement(ctx, c, id, old, scope.Region, true, n); err != nil {
			return nil, err
		}
		out = append(out, PartialReplacement{LoadID: old, Region: scope.Region, Rows: n})
	}
	return out, nil
}

// Withdrawal is what withdrawing a load did.
type Withdrawal struct {
	LoadID   int64
	File     string
	Kind     string
	Was      string               // the load's status before: loaded or replaced
	Rows     int64                // data rows removed
	Rejects  int64                // reject lines removed
	Flags    int64                // row flags removed
	Replaced []PartialReplacement // what the load had replaced (Region "" = whole); not brought back
}

// ErrNoLoad means the ledger has no load of that id.
var ErrNoLoad = errors.New("no such load")

// Withdraw takes a wrong load back out (SPEC §4): its rows, rejects and
// flags go, in one transaction, and its ledger row stays, marked withdrawn
// with who, when and why. A withdrawn load claims no scope any more: a
// rollup no longer carries it, and a later snapshot does not meet it. What
// the load had replaced is not brought back (that data may be the wrong
// one too): the office re-sends those files, which makes them current again.
func Withdraw(ctx context.Context, wh *warehouse.Warehouse, id int64, by, why string) (Withdrawal, error) {
	w := Withdrawal{LoadID: id}
	err := wh.WithConn(ctx, func(c *warehouse.Conn) (err error) {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				err = errors.Join(err, c.Rollback(context.WithoutCancel(ctx)))
			}
		}()
		var at sql.NullTime
		var who sql.NullString
		err = c.QueryRowContext(ctx, `SELECT file, kind, status, withdrawn_at, withdrawn_by FROM main.load_ledger WHERE load_id = ?`, id).
			Scan(&w.File, &w.Kind, &w.Was, &at, &who)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w %d in %s; enlist status lists the loads", ErrNoLoad, id, wh.Path())
		}
		if err != nil {
			return fmt.Errorf("read load %d: %w", id, err)
		}
		if w.Was == "withdrawn" {
			return fmt.Errorf("load %d (%s) was withdrawn already, on %s by %s", id, w.File, at.Time.Format("2006-01-02 15:04"), who.String)
		}
		if w.Kind == string(mapping.Regions) {
			return fmt.Errorf("load %d (%s) is a regions extract, whose codes replaced the built-in table's; load a corrected regions extract instead", id, w.File)
		}
		var delivery sql.NullInt64
		var source sql.NullString
		if err := c.QueryRowContext(ctx, `SELECT r.delivery_id, d.source_path FROM main.rollup_loads r
			JOIN main.rollup_deliveries d USING (delivery_id) WHERE r.load_id = ?`, id).Scan(&delivery, &source); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read rollup lineage of load %d: %w", id, err)
		}
		if delivery.Valid {
			return fmt.Errorf("load %d came with rollup delivery %d from %s; withdraw that source with enlist rollup --withdraw %s (or withdraw the load in its own warehouse and roll up again)",
				id, delivery.Int64, source.String, source.String)
		}
		table, ok := tables[mapping.Kind(w.Kind)]
		if !ok {
			return fmt.Errorf("load %d has unknown kind %q", id, w.Kind)
		}
		for _, d := range []struct {
			table string
			n     *int64
		}{{table, &w.Rows}, {"rejects", &w.Rejects}, {"row_flags", &w.Flags}} {
			r, err := c.ExecContext(ctx, `DELETE FROM main.`+d.table+` WHERE load_id = ?`, id)
			if err != nil {
				return fmt.Errorf("withdraw load %d from %s: %w", id, d.table, err)
			}
			if *d.n, err = r.RowsAffected(); err != nil {
				return err
			}
		}
		if _, err := c.ExecContext(ctx, `UPDATE main.load_ledger SET status = 'withdrawn', withdrawn_at = ?, withdrawn_by = ?,
			withdraw_reason = ? WHERE load_id = ?`, time.Now().UTC(), by, nullable(why), id); err != nil {
			return fmt.Errorf("mark load %d withdrawn: %w", id, err)
		}
		rows, err := c.QueryContext(ctx, `SELECT replaced_load_id, CASE WHEN partial THEN region_code ELSE '' END, rows_removed
			FROM main.load_replacements WHERE load_id = ? ORDER BY replaced_load_id`, id)
		if err != nil {
			return fmt.Errorf("read what load %d replaced: %w", id, err)
		}
		for rows.Next() {
			var p PartialReplacement
			if err := rows.Scan(&p.LoadID, &p.Region, &p.Rows); err != nil {
				rows.Close()
				return err
			}
			w.Replaced = append(w.Replaced, p)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		return c.Commit(ctx)
	})
	return w, err
}

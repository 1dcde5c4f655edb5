package main

import (
	"context"
	"database/sql"
	"fmt"
	"text/tabwriter"
	"time"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("status", "[FLAGS]", "Show the load ledger in brief (latest loads first), then rejects and flags by reason.",
		"  enlist status\n  enlist status --limit 100")
	limit := fs.Int("limit", 20, "ledger rows to show")
	if rest, err := parse(fs, args); err != nil || len(rest) > 0 {
		return usageIf(err, "status takes no arguments")
	}
	wh, err := e.openReader(ctx, false)
	if err != nil {
		return err
	}
	defer wh.Close()
	db := wh.DB()
	var files, loaded int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (status = 'loaded') FROM load_ledger`).Scan(&files, &loaded); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warehouse %s: %d files loaded (%d current, %d replaced by newer snapshots)\n\n", e.db, files, loaded, files-loaded)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	loc, zone := e.peopleZone()
	fmt.Fprintf(tw, "LOAD\tKIND\tSCOPE\tREAD\tACCEPTED\tREJECTED\tFLAGGED\tSTATUS\tFINISHED (%s)\tFILE\n", zone)
	rows, err := db.QueryContext(ctx, `
		SELECT load_id, kind || coalesce('/' || exam_type, ''),
		       concat_ws(' ', scope_region, scope_year::VARCHAR, 'S' || scope_season),
		       rows_read, rows_accepted, rows_rejected, rows_flagged, status,
		       finished_at, file
		FROM load_ledger ORDER BY load_id DESC LIMIT ?`, *limit)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, read, acc, rej, fl int64
		var kind, scope, status, file string
		var fin time.Time // stored in UTC
		if err := rows.Scan(&id, &kind, &scope, &read, &acc, &rej, &fl, &status, &fin, &file); err != nil {
			rows.Close()
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", id, kind, scope, read, acc, rej, fl, status, fin.In(loc).Format("2006-01-02 15:04"), file)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	tw.Flush()
	if err := countsBy(ctx, db, e, "\nRejected rows by reason (current files):", `
		SELECT reason, count(*) AS lines, count(DISTINCT (r.load_id, source_row)) AS rows, count(DISTINCT r.load_id) AS files
		FROM rejects r JOIN load_ledger l USING (load_id) WHERE l.status = 'loaded'
		GROUP BY reason ORDER BY rows DESC, reason`); err != nil {
		return err
	}
	return countsBy(ctx, db, e, "\nFlags by reason (kept rows):", `
		SELECT flag, count(*) AS lines, count(DISTINCT (load_id, source_row)) AS rows, count(DISTINCT load_id) AS files
		FROM flags GROUP BY flag ORDER BY rows DESC, flag`)
}

func countsBy(ctx context.Context, db *sql.DB, e *env, title, query string) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintln(e.stdout, title)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  REASON\tROWS\tFILES")
	n := 0
	for rows.Next() {
		var reason string
		var lines, rowsN, files int64
		if err := rows.Scan(&reason, &lines, &rowsN, &files); err != nil {
			return err
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\n", reason, rowsN, files)
		n++
	}
	if n == 0 {
		fmt.Fprintln(tw, "  (none)\t\t")
	}
	tw.Flush()
	return rows.Err()
}

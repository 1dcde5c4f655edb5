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
	var files, loaded, withdrawn int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (status = 'loaded'), count(*) FILTER (status = 'withdrawn') FROM load_ledger`).Scan(&files, &loaded, &withdrawn); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warehouse %s: %d files loaded (%d current, %d replaced by newer snapshots, %d withdrawn)\n\n",
		e.db, files, loaded, files-loaded-withdrawn, withdrawn)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	// WARNINGS is what the flags view holds now (warnings come and go as
	// the files they depend on arrive); AT LOAD is what the load counted,
	// kept as history.
	loc, zone := e.peopleZone()
	fmt.Fprintf(tw, "LOAD\tKIND\tSCOPE\tREAD\tACCEPTED\tREJECTED\tWARNINGS\tAT LOAD\tSTATUS\tFINISHED (%s)\tFILE\n", zone)
	rows, err := db.QueryContext(ctx, `
		WITH shown AS (SELECT * FROM load_ledger ORDER BY load_id DESC LIMIT ?),
		     warned AS (SELECT load_id, count(DISTINCT source_row) AS n FROM flags
		                WHERE load_id IN (SELECT load_id FROM shown WHERE status = 'loaded') GROUP BY load_id)
		SELECT l.load_id, l.kind || coalesce('/' || l.exam_type, ''),
		       concat_ws(' ', l.scope_region, l.scope_year::VARCHAR, 'S' || l.scope_season),
		       l.rows_read, l.rows_accepted, l.rows_rejected, coalesce(w.n, 0), l.rows_flagged,
		       CASE WHEN l.status = 'loaded' AND EXISTS (SELECT 1 FROM load_replacements r WHERE r.replaced_load_id = l.load_id AND r.partial)
		            THEN 'loaded, partly replaced' ELSE l.status END
		       || CASE WHEN l.restores IS NOT NULL THEN ' (restores ' || l.restores || ')' ELSE '' END,
		       l.finished_at, l.file
		FROM shown l LEFT JOIN warned w USING (load_id) ORDER BY l.load_id DESC`, *limit)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, read, acc, rej, now, atLoad int64
		var kind, scope, status, file string
		var fin time.Time // stored in UTC
		if err := rows.Scan(&id, &kind, &scope, &read, &acc, &rej, &now, &atLoad, &status, &fin, &file); err != nil {
			rows.Close()
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", id, kind, scope, read, acc, rej, now, atLoad, status, fin.In(loc).Format("2006-01-02 15:04"), file)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	tw.Flush()
	if err := withdrawals(ctx, db, e); err != nil {
		return err
	}
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

// withdrawals lists the withdrawn loads with who, when and why.
func withdrawals(ctx context.Context, db *sql.DB, e *env) error {
	rows, err := db.QueryContext(ctx, `SELECT load_id, file, strftime(withdrawn_at, '%Y-%m-%d %H:%M'),
		coalesce(withdrawn_by, ''), coalesce(withdraw_reason, '')
		FROM load_ledger WHERE status = 'withdrawn' ORDER BY load_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	first := true
	for rows.Next() {
		var id int64
		var file, at, by, why string
		if err := rows.Scan(&id, &file, &at, &by, &why); err != nil {
			return err
		}
		if first {
			fmt.Fprintln(e.stdout, "\nWithdrawn loads:")
			first = false
		}
		if why == "" {
			why = "(no reason given)"
		}
		fmt.Fprintf(e.stdout, "  load %d %s: withdrawn %s UTC by %s: %s\n", id, file, at, by, why)
	}
	return rows.Err()
}

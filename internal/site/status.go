package site

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Status is the load ledger in brief: what enlist status shows.
type Status struct {
	// Files counts every load; Loaded those current, Withdrawn those taken
	// back out; the rest were replaced by newer snapshots.
	Files, Loaded, Withdrawn int
	Loads                    []LoadLine // the latest first
	Withdrawals              []Withdrawal
	// Rejects are the rejected rows of current files by reason; Flags the
	// flagged kept rows by flag.
	Rejects, Flags []ReasonCount
}

// LoadLine is one load of the ledger.
type LoadLine struct {
	ID       int64
	Kind     string // kind, with /exam type for exams
	Scope    string // region, year and S-season
	Read     int64
	Accepted int64
	Rejected int64
	// Warnings is what the flags view holds now (warnings come and go as
	// the files they depend on arrive); AtLoad is what the load counted,
	// kept as history.
	Warnings int64
	AtLoad   int64
	Status   string    // loaded, replaced, withdrawn; "loaded, partly replaced"; "(restores N)"
	Finished time.Time // UTC
	File     string
}

// Withdrawal is a withdrawn load with who, when and why.
type Withdrawal struct {
	ID     int64
	File   string
	At     string // UTC, minutes
	By     string
	Reason string
}

// ReasonCount is how many rows and files a reason touches.
type ReasonCount struct {
	Reason      string
	Lines, Rows int64
	Files       int64
}

// ReadStatus reads the ledger's latest limit loads, the withdrawals and
// the counts by reason from db (a published copy).
func ReadStatus(ctx context.Context, db *sql.DB, limit int) (Status, error) {
	var st Status
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (status = 'loaded'), count(*) FILTER (status = 'withdrawn') FROM load_ledger`).
		Scan(&st.Files, &st.Loaded, &st.Withdrawn); err != nil {
		return st, fmt.Errorf("count the ledger's loads: %w", err)
	}
	var err error
	if st.Loads, err = loadLines(ctx, db, limit); err != nil {
		return st, err
	}
	if st.Withdrawals, err = withdrawals(ctx, db); err != nil {
		return st, err
	}
	if st.Rejects, err = countsBy(ctx, db, "rejected rows", `
		SELECT reason, count(*) AS lines, count(DISTINCT (r.load_id, source_row)) AS rows, count(DISTINCT r.load_id) AS files
		FROM rejects r JOIN load_ledger l USING (load_id) WHERE l.status = 'loaded'
		GROUP BY reason ORDER BY rows DESC, reason`); err != nil {
		return st, err
	}
	st.Flags, err = countsBy(ctx, db, "flags", `
		SELECT flag, count(*) AS lines, count(DISTINCT (load_id, source_row)) AS rows, count(DISTINCT load_id) AS files
		FROM flags GROUP BY flag ORDER BY rows DESC, flag`)
	return st, err
}

func loadLines(ctx context.Context, db *sql.DB, limit int) ([]LoadLine, error) {
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
		FROM shown l LEFT JOIN warned w USING (load_id) ORDER BY l.load_id DESC`, limit)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	defer rows.Close()
	var out []LoadLine
	for rows.Next() {
		var l LoadLine
		if err := rows.Scan(&l.ID, &l.Kind, &l.Scope, &l.Read, &l.Accepted, &l.Rejected, &l.Warnings, &l.AtLoad, &l.Status, &l.Finished, &l.File); err != nil {
			return nil, fmt.Errorf("read the ledger: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	return out, nil
}

func countsBy(ctx context.Context, db *sql.DB, what, query string) ([]ReasonCount, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count %s by reason: %w", what, err)
	}
	defer rows.Close()
	var out []ReasonCount
	for rows.Next() {
		var c ReasonCount
		if err := rows.Scan(&c.Reason, &c.Lines, &c.Rows, &c.Files); err != nil {
			return nil, fmt.Errorf("count %s by reason: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count %s by reason: %w", what, err)
	}
	return out, nil
}

func withdrawals(ctx context.Context, db *sql.DB) ([]Withdrawal, error) {
	rows, err := db.QueryContext(ctx, `SELECT load_id, file, strftime(withdrawn_at, '%Y-%m-%d %H:%M'),
		coalesce(withdrawn_by, ''), coalesce(withdraw_reason, '')
		FROM load_ledger WHERE status = 'withdrawn' ORDER BY load_id`)
	if err != nil {
		return nil, fmt.Errorf("read the withdrawn loads: %w", err)
	}
	defer rows.Close()
	var out []Withdrawal
	for rows.Next() {
		var w Withdrawal
		if err := rows.Scan(&w.ID, &w.File, &w.At, &w.By, &w.Reason); err != nil {
			return nil, fmt.Errorf("read the withdrawn loads: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the withdrawn loads: %w", err)
	}
	return out, nil
}

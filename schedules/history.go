package schedules

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"enlist/internal/warehouse"
)

// WarehouseHistory keeps the run records in the live warehouse's job_runs
// table. DuckDB lets one process holding the file read-write lock out every
// other, so the file is opened only for the moment of each write and closed
// at once: between runs, and while a job works on it through its own open,
// operators and other processes can have it. After a run's end is recorded
// the warehouse is published, so readers see the run's data and its record
// together.
type WarehouseHistory struct {
	// Open opens the live warehouse read-write.
	Open func(ctx context.Context) (*warehouse.Warehouse, error)
	// Publish makes the closed warehouse visible to readers; nil skips it.
	Publish func(ctx context.Context) error
	Host    string
	PID     int
}

var _ History = (*WarehouseHistory)(nil)

// NewWarehouseHistory records runs as this process on this host.
func NewWarehouseHistory(open func(context.Context) (*warehouse.Warehouse, error), publish func(context.Context) error) *WarehouseHistory {
	host, _ := os.Hostname()
	return &WarehouseHistory{Open: open, Publish: publish, Host: host, PID: os.Getpid()}
}

func (h *WarehouseHistory) with(ctx context.Context, fn func(db *sql.DB) error) error {
	wh, err := h.Open(ctx)
	if err != nil {
		return err
	}
	return errors.Join(fn(wh.DB()), wh.Close())
}

// Begin implements History.
func (h *WarehouseHistory) Begin(ctx context.Context, rec Record) (int64, error) {
	var id int64
	err := h.with(ctx, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `
			INSERT INTO job_runs (run_id, job, job_type, trigger, scheduled_at, attempt, started_at, status, host, pid)
			VALUES (nextval('job_run_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING run_id`,
			rec.Job, rec.Type, rec.Trigger, rec.Scheduled.UTC(), rec.Attempt, rec.Started.UTC(), Running, h.Host, h.PID).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("record start of job %s: %w", rec.Job, err)
	}
	return id, nil
}

// End implements History.
func (h *WarehouseHistory) End(ctx context.Context, rec Record) error {
	var counts any
	if len(rec.Counts) > 0 {
		b, err := json.Marshal(rec.Counts)
		if err != nil {
			return err
		}
		counts = string(b)
	}
	err := h.with(ctx, func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, `
			UPDATE job_runs SET finished_at = ?, status = ?, message = ?, counts = ?
			WHERE run_id = ?`,
			rec.Finished.UTC(), rec.Status, nullString(rec.Message), counts, rec.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("record end of job %s run %d: %w", rec.Job, rec.ID, err)
	}
	if h.Publish != nil {
		if err := h.Publish(ctx); err != nil {
			return fmt.Errorf("%w after job %s run %d: %w", ErrNotPublished, rec.Job, rec.ID, err)
		}
	}
	return nil
}

// ErrNotPublished means a run's end was recorded but the copy readers use
// was not refreshed (another job of the process held the file, say); the
// next publish brings it up to date.
var ErrNotPublished = errors.New("run recorded but not published")

// LastScheduled implements History.
func (h *WarehouseHistory) LastScheduled(ctx context.Context, job string) (time.Time, bool, error) {
	var last sql.NullTime
	err := h.with(ctx, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT max(scheduled_at) FROM job_runs WHERE job = ? AND status IN (?, ?, ?)`,
			job, Succeeded, Partial, Failed).Scan(&last)
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last run of job %s: %w", job, err)
	}
	return last.Time.UTC(), last.Valid, nil
}

// Abandon implements History. A run of another host, or of a process on
// this host that is still alive (an operator's enlist run), is left alone.
func (h *WarehouseHistory) Abandon(ctx context.Context) (int, error) {
	n := 0
	err := h.with(ctx, func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT run_id, pid FROM job_runs WHERE status = ? AND host = ?`, Running, h.Host)
		if err != nil {
			return err
		}
		var dead []int64
		for rows.Next() {
			var id int64
			var pid sql.NullInt64
			if err := rows.Scan(&id, &pid); err != nil {
				rows.Close()
				return err
			}
			if !pid.Valid || !alive(int(pid.Int64)) {
				dead = append(dead, id)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, id := range dead {
			if _, err := db.ExecContext(ctx, `UPDATE job_runs SET status = ?, finished_at = ?, message = ? WHERE run_id = ?`,
				Abandoned, time.Now().UTC(), "the process running it ended before the run finished (killed or crashed)", id); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark abandoned runs: %w", err)
	}
	return n, nil
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		// A record with our own pid is from an earlier process that had it.
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// RecentRuns reads the latest n runs of every job, newest first, from a
// warehouse (a published copy will do). A warehouse made before job_runs
// existed has none.
func RecentRuns(ctx context.Context, db *sql.DB, n int) (map[string][]Record, error) {
	var exists int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'job_runs' AND schema_name = 'main'`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	out := map[string][]Record{}
	if exists == 0 {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, `
		SELECT run_id, job, job_type, trigger, scheduled_at, attempt, started_at, finished_at, status,
		       coalesce(message, ''), coalesce(counts::VARCHAR, '')
		FROM job_runs
		QUALIFY row_number() OVER (PARTITION BY job ORDER BY run_id DESC) <= ?
		ORDER BY job, run_id DESC`, n)
	if err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		var fin sql.NullTime
		var counts string
		if err := rows.Scan(&r.ID, &r.Job, &r.Type, &r.Trigger, &r.Scheduled, &r.Attempt, &r.Started, &fin, &r.Status, &r.Message, &counts); err != nil {
			return nil, fmt.Errorf("read job runs: %w", err)
		}
		if fin.Valid {
			r.Finished = fin.Time
		}
		if counts != "" {
			if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
				return nil, fmt.Errorf("read job run %d counts: %w", r.ID, err)
			}
		}
		out[r.Job] = append(out[r.Job], r)
	}
	return out, rows.Err()
}

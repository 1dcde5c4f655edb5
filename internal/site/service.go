package site

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"enlist/internal/files"
	"enlist/internal/warehouse"
	"enlist/schedules"
)

// ServiceLock keeps a second service off the same warehouse: it would run
// every job twice. The lock file beside the warehouse is held for the life
// of the process, so a crash releases it; unlock releases it earlier.
func (s *Site) ServiceLock() (unlock func(), err error) {
	path := s.DB + ".serve.lock"
	l, err := files.TryLock(path)
	if errors.Is(err, files.ErrLocked) {
		return nil, fmt.Errorf("another enlist serve is running for %s (%s); stop it first", s.DB, files.Holder(path))
	}
	if err != nil {
		return nil, fmt.Errorf("service lock: %w", err)
	}
	return func() { l.Unlock() }, nil
}

// History keeps the scheduled jobs' run records in the warehouse's
// job_runs, opening it only for each record and publishing after.
func (s *Site) History() *schedules.WarehouseHistory {
	return schedules.NewWarehouseHistory(s.Open, s.Publish)
}

// RecentRuns reads the last n runs of every job from job_runs; with no
// warehouse yet there are none. A run that changed nothing readers use is
// not published (the copy is not made again for a run record alone), so
// the live file is read when no process holds it, for a moment and
// read-only; else the published copy, whose runs are as of its last
// publish.
func (s *Site) RecentRuns(ctx context.Context, n int) (map[string][]schedules.Record, error) {
	if _, err := os.Stat(s.DB); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if live, err := warehouse.Open(ctx, s.DB, warehouse.Options{ReadOnly: true, LockWait: -1, Threads: s.Limits.Threads}); err == nil {
		runs, err := schedules.RecentRuns(ctx, live.DB(), n)
		if err = errors.Join(err, live.Close()); err == nil {
			return runs, nil
		}
	}
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	runs, err := schedules.RecentRuns(ctx, wh.DB(), n)
	return runs, errors.Join(err, wh.Close())
}

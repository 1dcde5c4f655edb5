// Package jobs is what enlist does to a site's warehouse — ingest, report,
// rollup, export and SQL — as the scheduled jobs run it, with each job's
// parameter checks, and the shared steps the command line calls too, so
// the command line, the scheduler and the web console run the same code.
//
// It sits in internal/ rather than under schedules/ because it depends on
// every pipeline and report package, while schedules is the engine alone
// (cron, runs, retries, run records) and knows nothing of what a job does.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/schedules"
)

// Kind prepares a job of one type: it checks the job's params and returns
// the task, which calls what the command line of that type calls.
type Kind func(s *site.Site, job schedules.Job) (schedules.Task, error)

// Kinds maps each schedule job type (schedules.Types) to its task.
func Kinds() map[string]Kind {
	return map[string]Kind{
		schedules.Ingest: ingestJob,
		schedules.Report: reportJob,
		schedules.Rollup: rollupJob,
		schedules.Export: exportJob,
		schedules.SQL:    sqlJob,
	}
}

// Engine reads the schedules in dir and prepares every job's task on the
// site, refusing the folder with every problem's file and line. The
// engine records runs in the site's warehouse and logs to its log.
func Engine(s *site.Site, dir string) (*schedules.Engine, error) {
	return EngineSharing(s, dir, NewWriter())
}

// EngineSharing is Engine whose writing jobs take turns on writer, which
// the process's other writers (the web console's uploads) take too.
func EngineSharing(s *site.Site, dir string, writer Writer) (*schedules.Engine, error) {
	jobs, loadErr := schedules.Load(dir)
	kinds := Kinds()
	zone, _ := s.Zone()
	log := s.Logger()
	eng, err := schedules.New(jobs, func(j schedules.Job) (schedules.Task, error) {
		kind, ok := kinds[j.Type]
		if !ok {
			return nil, &schedules.Error{File: j.File, Line: j.Line, Reason: fmt.Sprintf("job %s: type %s has no task in this build of enlist", j.Name, j.Type)}
		}
		task, err := kind(s, j)
		if err != nil {
			return nil, err
		}
		task = inPeoplesTerms(task)
		if !Writes(j.Type) {
			return task, nil
		}
		return oneWriter(writer, log.With("job", j.Name), task), nil
	}, schedules.Options{History: s.History(), Log: log, Zone: zone})
	if err := errors.Join(loadErr, err); err != nil {
		return nil, err
	}
	return eng, nil
}

// Writes tells whether jobs of type typ write the live warehouse (and so
// take turns); the others read its published copy.
func Writes(typ string) bool { return typ == schedules.Ingest || typ == schedules.Rollup }

// inPeoplesTerms puts a DuckDB error about a file it cannot write in the
// words enlist uses on the command line, for the run's record and log.
func inPeoplesTerms(task schedules.Task) schedules.Task {
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		out, err := task(ctx, run)
		if err != nil {
			err = warehouse.InPeoplesTerms(err)
		}
		return out, err
	}
}

// Writer is the turn the writers of one process take on the live
// warehouse: two loads in one DuckDB instance could conflict on the
// ledger, and a publish needs the file free. (Another process waits on
// DuckDB's file lock instead.)
type Writer chan struct{}

// NewWriter is a turn nobody holds.
func NewWriter() Writer { return make(Writer, 1) }

// Take waits for the turn, telling log when it must wait, and returns the
// function that gives it back; it gives up when ctx ends first.
func (w Writer) Take(ctx context.Context, log *slog.Logger, what string) (func(), error) {
	select {
	case w <- struct{}{}:
	default:
		log.Info("waiting for another writer of the warehouse to finish", "writer", what)
		select {
		case w <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-w }) }, nil
}

// oneWriter runs task once it holds turn, giving up if ctx ends first.
func oneWriter(turn Writer, log *slog.Logger, task schedules.Task) schedules.Task {
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		done, err := turn.Take(ctx, log, "job")
		if err != nil {
			return schedules.Outcome{}, err
		}
		defer done()
		return task(ctx, run)
	}
}

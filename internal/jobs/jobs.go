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
	jobs, loadErr := schedules.Load(dir)
	kinds := Kinds()
	zone, _ := s.Zone()
	log := s.Logger()
	// Jobs that write the live warehouse take turns within the process:
	// two loads in one DuckDB instance could conflict on the ledger, and a
	// publish needs the file free.
	writer := make(chan struct{}, 1)
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

// oneWriter runs task once it holds turn, giving up if ctx ends first.
func oneWriter(turn chan struct{}, log *slog.Logger, task schedules.Task) schedules.Task {
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		select {
		case turn <- struct{}{}:
		default:
			log.Info("waiting for another job writing the warehouse to finish")
			select {
			case turn <- struct{}{}:
			case <-ctx.Done():
				return schedules.Outcome{}, ctx.Err()
			}
		}
		defer func() { <-turn }()
		return task(ctx, run)
	}
}

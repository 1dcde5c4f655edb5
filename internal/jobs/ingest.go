package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/pipelines/inbox"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
	"enlist/schedules"
)

// Problem is one bad setting: the parameter (flag or schedule param) it
// is about, and what is wrong, e.g. {"mode", `"x": use snapshot or
// incremental`}.
type Problem struct {
	Param, Message string
}

// CheckLoadOptions checks what ingest, check and the ingest job take
// alike: the mode, the season and the kind.
func CheckLoadOptions(opt load.Options) []Problem {
	var out []Problem
	if opt.Mode != load.Snapshot && opt.Mode != load.Incremental {
		out = append(out, Problem{"mode", fmt.Sprintf("%q: use snapshot or incremental", opt.Mode)})
	}
	if err := config.CheckSeason(opt.Season); err != nil {
		out = append(out, Problem{"season", err.Error()})
	}
	if opt.Kind != "" {
		if _, ok := mapping.Spec(opt.Kind); !ok {
			out = append(out, Problem{"kind", fmt.Sprintf("%q: use one of %s", opt.Kind, strings.Join(mapping.KindNames(), ", "))})
		}
	}
	return out
}

// Ingest is the one path from files to warehouse, used by enlist ingest,
// enlist demo and the scheduled ingest job. progress hears of every 50,000
// rows read; notice hears what the office must be told (a warehouse made
// before fingerprints were kept taking this secret's now).
func Ingest(ctx context.Context, s *site.Site, wh *warehouse.Warehouse, key secret.Key, paths []string, opt load.Options,
	progress load.Progress, notice func(string)) ([]load.Result, error) {
	// The loader refuses another secret too; checking here first lets the
	// office hear when a warehouse made before fingerprints were kept
	// takes this secret's now.
	recorded, err := wh.CheckSecret(ctx, key, "ingest")
	if err != nil {
		return nil, err
	}
	if recorded {
		notice(fmt.Sprintf("warehouse %s had no secret fingerprint: recorded %s, that of the secret in use; from now on a different secret is refused",
			wh.Path(), secret.Short(key.Fingerprint())))
	}
	loader, err := s.NewLoader(wh, key, progress)
	if err != nil {
		return nil, err
	}
	results, err := loader.LoadPaths(ctx, paths, opt)
	// Even when nothing new loaded: a run killed after its loads' commit
	// left them to keep, and seeing that nothing changed costs little
	// (0.01 s at 1,000,000 registrations, 0.1-0.2 s at 10,000,000).
	keepWarnings(ctx, s, wh)
	return results, err
}

// keepWarnings keeps the warnings between files of the seasons a job
// changed (warehouse.KeepSeasonWarnings) once its loads are committed. Left
// stale, the bulletin computes them instead, so a failure is only logged.
func keepWarnings(ctx context.Context, s *site.Site, wh *warehouse.Warehouse) {
	if ctx.Err() != nil {
		return // interrupted: the next writer keeps them
	}
	start := time.Now()
	kept, err := wh.KeepSeasonWarnings(ctx)
	switch {
	case err != nil:
		s.Logger().Warn("warnings between files not kept; the bulletin will compute them", "err", err)
	case len(kept) > 0:
		s.Logger().Info("warnings between files kept", "seasons", kept, "seconds", time.Since(start).Seconds())
	}
}

// IngestParams are an ingest job's params: the inbox, and what enlist
// ingest takes as flags.
type IngestParams struct {
	Inbox    string        `yaml:"inbox"`
	Settle   time.Duration `yaml:"settle"`
	Kind     string        `yaml:"kind"`
	Mode     string        `yaml:"mode"`
	Encoding string        `yaml:"encoding"`
	Sheet    string        `yaml:"sheet"`
	Region   string        `yaml:"region"`
	Year     int           `yaml:"year"`
	Season   int           `yaml:"season"`
	ExamType string        `yaml:"exam_type"`
}

func ingestJob(s *site.Site, job schedules.Job) (schedules.Task, error) {
	var p IngestParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	var errs []error
	if p.Inbox == "" {
		errs = append(errs, job.ParamError("inbox", "give the inbox folder the extracts are dropped into"))
	}
	if p.Mode == "" {
		p.Mode = load.Snapshot
	}
	opt := load.Options{Kind: mapping.Kind(p.Kind), Mode: p.Mode, Encoding: p.Encoding, Sheet: p.Sheet,
		Region: p.Region, Year: p.Year, Season: p.Season, ExamType: p.ExamType, LoadedBy: "job " + job.Name}
	for _, pr := range CheckLoadOptions(opt) {
		errs = append(errs, job.ParamError(pr.Param, "%s", pr.Message))
	}
	if p.Settle < 0 {
		errs = append(errs, job.ParamError("settle", "must not be negative"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	dir := s.Beside(p.Inbox)
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		log := s.Logger().With("job", job.Name)
		box := inbox.Inbox{Dir: dir, Settle: p.Settle, Log: log,
			Now: func() time.Time { return time.Now().In(job.Zone) }}
		rep, err := box.Ingest(ctx, func(ctx context.Context, paths []string) ([]load.Result, error) {
			key, err := s.Key()
			if err != nil {
				return nil, err
			}
			wh, err := s.Open(ctx)
			if err != nil {
				return nil, err
			}
			// What enlist ingest runs, logging as this job; progress and
			// notices go to the log instead of a terminal.
			results, loadErr := Ingest(ctx, s.WithLog(log), wh, key, paths, opt,
				func(file string, rows int) { log.Info("loading", "file", file, "rows_read", rows) },
				func(msg string) { log.Warn(msg) })
			return results, errors.Join(loadErr, wh.Close())
		})
		out := schedules.Outcome{Message: rep.String(), Counts: rep.Counts(), Problems: rep.Failed + rep.Refused}
		if err != nil && rep == (inbox.Report{}) {
			// The pass stopped before it saw any file (a busy inbox, a
			// missing folder): "nothing in the inbox" would be untrue.
			out.Message = ""
		}
		return out, err
	}, nil
}

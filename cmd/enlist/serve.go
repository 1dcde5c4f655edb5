package main

import (
	"context"
	"enlist/schedules"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/site"
	"enlist/web"
)

// The service: `serve` runs the schedules, `run` runs one job now through
// the same engine, `jobs` lists them with their next and last runs. The
// jobs themselves are internal/jobs'.

const serveExamples = "  enlist serve                                  # schedules/*.yaml, warehouse ./enlist.duckdb\n" +
	"  enlist --db /srv/enlist/henan.duckdb serve --schedules /etc/enlist/schedules --log-format json\n" +
	"  enlist serve --grace 2m                       # on SIGTERM, give running jobs 2 minutes\n" +
	"  enlist serve --http 127.0.0.1:8080            # also the web console and API (behind the office's reverse proxy)\n" +
	"  enlist serve --http 127.0.0.1:8080 --no-schedules   # the console only; another enlist serve runs the jobs"

func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("serve", "[--schedules DIR] [--grace D] [--log-format text|json] [--http ADDR [--no-schedules]]",
		"Run the scheduled jobs in DIR/*.yaml until SIGTERM or SIGINT. Every attempt is recorded in the\n"+
			"warehouse's job_runs table; a job never overlaps itself; a panic is recorded as a failed run;\n"+
			"failed runs are retried with doubling backoff; on start, a run missed while the service was\n"+
			"down is caught up once for jobs with catch_up: true. On a stop no new run starts; running jobs\n"+
			"get --grace to finish and are then cancelled (a load in progress rolls back whole).\n"+
			"The warehouse is opened only while a job writes, then closed and published, so analysts,\n"+
			"reports and operators' own commands can use it between runs.\n"+
			"With --http ADDR it also serves the web console and its API (README, Web console) on ADDR,\n"+
			"e.g. "+web.DefaultAddr+", reading only the published copy; on a stop, requests in flight get --grace.",
		serveExamples)
	dir := fs.String("schedules", "schedules", "folder of schedule files (*.yaml)")
	grace := fs.Duration("grace", 30*time.Second, "on stop, how long running jobs may take to finish before they are cancelled")
	format := fs.String("log-format", "text", "log records as text or json, on standard error")
	addr := fs.String("http", "", "also serve the web console and API on this address, e.g. "+web.DefaultAddr)
	noSchedules := fs.Bool("no-schedules", false, "with --http: serve the console only, running no job (another enlist serve runs them)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	if *noSchedules && *addr == "" {
		return fmt.Errorf("%w: --no-schedules serves the console only: give --http ADDR too", errUsage)
	}
	if err := e.serviceLog(*format); err != nil {
		return err
	}
	return web.RunService(ctx, e.site(), web.ServiceOptions{Schedules: *dir, Grace: *grace,
		Console: web.ServeOptions{Addr: *addr}, NoSchedules: *noSchedules})
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("run", "[--schedules DIR] [--no-retry] JOB",
		"Run one scheduled job now, through the same path as the service: the same task, the same\n"+
			"run record in job_runs (trigger manual), the same retries unless --no-retry. Exit status 1\n"+
			"when the run did not succeed. Ctrl-C cancels it; a load in progress rolls back whole.",
		"  enlist run nightly-ingest\n  enlist run --schedules /etc/enlist/schedules --no-retry weekly-bulletin")
	dir := fs.String("schedules", "schedules", "folder of schedule files (*.yaml)")
	noRetry := fs.Bool("no-retry", false, "one attempt only, whatever the job's retries")
	format := fs.String("log-format", "text", "log records as text or json, on standard error")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: name one job (enlist jobs lists them)", errUsage)
	}
	if err := e.serviceLog(*format); err != nil {
		return err
	}
	eng, err := jobs.Engine(e.site(), *dir)
	if err != nil {
		return err
	}
	rec, err := eng.RunNow(ctx, rest[0], !*noRetry)
	if errors.Is(err, schedules.ErrNoJob) {
		return fmt.Errorf("%w: no job named %q in %s (enlist jobs lists them)", errUsage, rest[0], *dir)
	}
	if rec.ID != 0 || rec.Status != "" {
		fmt.Fprintf(e.stdout, "%s: %s (run %d, attempt %d, %.1fs)", rec.Job, rec.Status, rec.ID, rec.Attempt,
			rec.Finished.Sub(rec.Started).Seconds())
		if rec.Message != "" {
			fmt.Fprintf(e.stdout, ": %s", rec.Message)
		}
		fmt.Fprintln(e.stdout)
	}
	return err
}

func runJobs(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("jobs", "[--schedules DIR] [--runs N]",
		"List the scheduled jobs: type, cron spec, zone, the next run in the job's zone, and the last\n"+
			"runs recorded in job_runs (read from the published copy, so a running job does not block it).\n"+
			"A schedule folder with a problem is reported with file, line and reason.",
		"  enlist jobs\n  enlist jobs --schedules /etc/enlist/schedules --runs 10")
	dir := fs.String("schedules", "schedules", "folder of schedule files (*.yaml)")
	n := fs.Int("runs", 3, "last runs to show per job")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *n < 0 {
		return fmt.Errorf("%w: jobs takes no arguments and --runs must not be negative", errUsage)
	}
	eng, err := jobs.Engine(e.site(), *dir)
	if err != nil {
		return err
	}
	jobs := eng.Jobs()
	now := time.Now()
	loc, label := e.site().Zone()
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "JOB\tTYPE\tCRON\tZONE\tNEXT RUN (%s)\tCATCH-UP\tRETRIES\n", label)
	for _, j := range jobs {
		retries := "-"
		if j.Retries > 0 {
			retries = fmt.Sprintf("%d, backoff %s", j.Retries, j.Backoff)
		}
		next := "never"
		if t := j.Next(now); !t.IsZero() {
			next = t.In(loc).Format("2006-01-02 15:04:05 Mon")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Type, j.Spec, j.Zone, next, yesNo(j.CatchUp), retries)
	}
	tw.Flush()
	if *n == 0 {
		return nil
	}
	runs, err := e.site().RecentRuns(ctx, *n)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nLast runs:")
	tw = tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	// The message comes last and whole: it is what an operator acts on.
	fmt.Fprintf(tw, "  JOB\tRUN\tDUE (%s)\tTRIGGER\tATTEMPT\tSTATUS\tSECONDS\tMESSAGE\n", label)
	shown := 0
	for _, j := range jobs {
		for _, r := range runs[j.Name] {
			secs := "-"
			if !r.Finished.IsZero() {
				secs = fmt.Sprintf("%.1f", r.Finished.Sub(r.Started).Seconds())
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", j.Name, r.ID, r.Scheduled.In(loc).Format("2006-01-02 15:04:05"),
				r.Trigger, r.Attempt, r.Status, secs, strings.ReplaceAll(r.Message, "\n", " "))
			shown++
		}
	}
	if shown == 0 {
		fmt.Fprintln(tw, "  (none recorded yet)")
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// serviceLog sends structured records to standard error even on a
// terminal: the service and its runs are read from logs.
func (e *env) serviceLog(format string) error {
	loc, _ := e.site().Zone()
	log, err := site.NewLog(e.stderr, format, loc)
	if err != nil {
		return fmt.Errorf("%w: --log-format %w", errUsage, err)
	}
	e.log = log
	return nil
}

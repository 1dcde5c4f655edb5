package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/warehouse"
	"enlist/pipelines/export"
	"enlist/pipelines/inbox"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
	"enlist/pipelines/rollup"
	"enlist/reports"
	"enlist/reports/bulletin"
	"enlist/schedules"
)

// The service: `serve` runs the schedules, `run` runs one job now through
// the same engine, `jobs` lists them with their next and last runs. What a
// job does is the function its CLI command runs; jobKinds is the one place
// that says which.

const serveExamples = "  enlist serve                                  # schedules/*.yaml, warehouse ./enlist.duckdb\n" +
	"  enlist --db /srv/enlist/henan.duckdb serve --schedules /etc/enlist/schedules --log-format json\n" +
	"  enlist serve --grace 2m                       # on SIGTERM, give running jobs 2 minutes"

func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("serve", "[--schedules DIR] [--grace D] [--log-format text|json]",
		"Run the scheduled jobs in DIR/*.yaml until SIGTERM or SIGINT. Every attempt is recorded in the\n"+
			"warehouse's job_runs table; a job never overlaps itself; a panic is recorded as a failed run;\n"+
			"failed runs are retried with doubling backoff; on start, a run missed while the service was\n"+
			"down is caught up once for jobs with catch_up: true. On a stop no new run starts; running jobs\n"+
			"get --grace to finish and are then cancelled (a load in progress rolls back whole).\n"+
			"The warehouse is opened only while a job writes, then closed and published, so analysts,\n"+
			"reports and operators' own commands can use it between runs.",
		serveExamples)
	dir := fs.String("schedules", "schedules", "folder of schedule files (*.yaml)")
	grace := fs.Duration("grace", 30*time.Second, "on stop, how long running jobs may take to finish before they are cancelled")
	format := fs.String("log-format", "text", "log records as text or json, on standard error")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	if err := e.serviceLog(*format); err != nil {
		return err
	}
	eng, err := e.engine(*dir)
	if err != nil {
		return err
	}
	unlock, err := e.serviceLock()
	if err != nil {
		return err
	}
	defer unlock()
	e.log.Info("service starting", "warehouse", e.db, "schedules", *dir, "jobs", len(eng.Jobs()), "pid", os.Getpid())
	return eng.Serve(ctx, *grace)
}

// serviceLock keeps a second `enlist serve` off the same warehouse: it
// would run every job twice. The lock file beside the warehouse is held
// (flock) for the life of the process, so a crash releases it.
func (e *env) serviceLock() (func(), error) {
	path := e.db + ".serve.lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("service lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another enlist serve is running for %s (%s); stop it first", e.db, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("service lock %s: %w", path, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d", os.Getpid())
	return func() { f.Close() }, nil
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
	eng, err := e.engine(*dir)
	if err != nil {
		return err
	}
	known := false
	for _, j := range eng.Jobs() {
		known = known || j.Name == rest[0]
	}
	if !known {
		return fmt.Errorf("%w: no job named %q in %s (enlist jobs lists them)", errUsage, rest[0], *dir)
	}
	rec, err := eng.RunNow(ctx, rest[0], !*noRetry)
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
	eng, err := e.engine(*dir)
	if err != nil {
		return err
	}
	jobs := eng.Jobs()
	now := time.Now()
	loc, label := e.peopleZone()
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
	runs, err := e.recentRuns(ctx, *n)
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

// peopleZone is the configured zone times are shown to people in, and its
// label (the zone's name and offset now, e.g. "Asia/Shanghai, UTC+08:00").
func (e *env) peopleZone() (*time.Location, string) {
	loc := time.UTC
	if cfg, err := e.config(); err == nil {
		loc = cfg.Location()
	}
	return loc, zoneLabel(loc, time.Now())
}

func zoneLabel(loc *time.Location, t time.Time) string {
	return loc.String() + ", UTC" + t.In(loc).Format("-07:00")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// recentRuns reads job_runs; with no warehouse yet there are none. A run
// that changed nothing readers use is not published (the copy is not made
// again for a run record alone), so the live file is read when no process
// holds it, for a moment and read-only; else the published copy, whose
// runs are as of its last publish.
func (e *env) recentRuns(ctx context.Context, n int) (map[string][]schedules.Record, error) {
	if _, err := os.Stat(e.db); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if live, err := warehouse.Open(ctx, e.db, warehouse.Options{ReadOnly: true, LockWait: -1, Threads: e.threads}); err == nil {
		runs, err := schedules.RecentRuns(ctx, live.DB(), n)
		if err = errors.Join(err, live.Close()); err == nil {
			return runs, nil
		}
	}
	wh, err := e.openReader(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	runs, err := schedules.RecentRuns(ctx, wh.DB(), n)
	return runs, errors.Join(err, wh.Close())
}

// serviceLog sends structured records to standard error even on a
// terminal: the service and its runs are read from logs.
func (e *env) serviceLog(format string) error {
	opt := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "text" {
		// People read the text log: its times are in the configured zone,
		// with their offset. JSON keeps UTC for the machines that read it.
		loc, _ := e.peopleZone()
		opt.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
				return slog.String(slog.TimeKey, a.Value.Time().In(loc).Format("2006-01-02T15:04:05.000-07:00"))
			}
			return a
		}
	}
	switch format {
	case "text":
		e.log = slog.New(slog.NewTextHandler(e.stderr, opt))
	case "json":
		e.log = slog.New(slog.NewJSONHandler(e.stderr, opt))
	default:
		return fmt.Errorf("%w: --log-format must be text or json", errUsage)
	}
	return nil
}

// engine reads the schedules and prepares every job's task, refusing the
// folder with every problem's file and line.
func (e *env) engine(dir string) (*schedules.Engine, error) {
	jobs, loadErr := schedules.Load(dir)
	kinds := jobKinds()
	zone, _ := e.peopleZone()
	history := schedules.NewWarehouseHistory(e.open, e.publish)
	// Jobs that write the live warehouse take turns within the process:
	// two loads in one DuckDB instance could conflict on the ledger, and a
	// publish needs the file free.
	writer := make(chan struct{}, 1)
	eng, err := schedules.New(jobs, func(j schedules.Job) (schedules.Task, error) {
		kind, ok := kinds[j.Type]
		if !ok {
			return nil, &schedules.Error{File: j.File, Line: j.Line, Reason: fmt.Sprintf("job %s: type %s has no task in this build of enlist", j.Name, j.Type)}
		}
		task, err := kind(e, j)
		if err != nil {
			return nil, err
		}
		task = inPeoplesTerms(task)
		if j.Type != schedules.Ingest && j.Type != schedules.Rollup {
			return task, nil
		}
		return oneWriter(writer, e.log.With("job", j.Name), task), nil
	}, schedules.Options{History: history, Log: e.log, Zone: zone})
	if err := errors.Join(loadErr, err); err != nil {
		return nil, err
	}
	return eng, nil
}

// inPeoplesTerms puts a DuckDB error about a file it cannot write in the
// words `enlist` uses on the command line, for the run's record and log.
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

// jobKind prepares a job of one type: it checks the job's params and
// returns the task, which calls what the CLI command of that type calls.
type jobKind func(e *env, job schedules.Job) (schedules.Task, error)

// jobKinds maps each schedule job type (schedules.Types) to its task.
func jobKinds() map[string]jobKind {
	return map[string]jobKind{
		schedules.Ingest: ingestJob,
		schedules.Report: reportJob,
		schedules.Rollup: rollupJob,
		schedules.Export: exportJob,
		schedules.SQL:    sqlJob,
	}
}

// besideDB reads a relative path in a schedule as relative to the
// warehouse's folder, where enlist.yaml and the secret live too, so a
// schedule means the same whatever folder the service starts in.
func (e *env) besideDB(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(e.db), p)
}

// ingestParams are an ingest job's params: the inbox, and what `enlist
// ingest` takes as flags.
type ingestParams struct {
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

func ingestJob(e *env, job schedules.Job) (schedules.Task, error) {
	var p ingestParams
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
	if p.Mode != load.Snapshot && p.Mode != load.Incremental {
		errs = append(errs, job.ParamError("mode", "%q: use snapshot or incremental", p.Mode))
	}
	if p.Kind != "" {
		if _, ok := mapping.Spec(mapping.Kind(p.Kind)); !ok {
			errs = append(errs, job.ParamError("kind", "%q: use one of %s", p.Kind, strings.Join(mapping.KindNames(), ", ")))
		}
	}
	if p.Season != 0 && p.Season != 1 && p.Season != 2 {
		errs = append(errs, job.ParamError("season", "must be 1 or 2"))
	}
	if p.Settle < 0 {
		errs = append(errs, job.ParamError("settle", "must not be negative"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	opt := load.Options{Kind: mapping.Kind(p.Kind), Mode: p.Mode, Encoding: p.Encoding, Sheet: p.Sheet,
		Region: p.Region, Year: p.Year, Season: p.Season, ExamType: p.ExamType}
	dir := e.besideDB(p.Inbox)
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		log := e.log.With("job", job.Name)
		box := inbox.Inbox{Dir: dir, Settle: p.Settle, Log: log,
			Now: func() time.Time { return time.Now().In(job.Zone) }}
		rep, err := box.Ingest(ctx, func(ctx context.Context, paths []string) ([]load.Result, error) {
			key, err := e.key()
			if err != nil {
				return nil, err
			}
			wh, err := e.open(ctx)
			if err != nil {
				return nil, err
			}
			// What `enlist ingest` runs, logging as this job; progress goes
			// to the log instead of a terminal line.
			je := *e
			je.log = log
			results, loadErr := ingest(ctx, &je, wh, key, paths, opt, func(file string, rows int) {
				log.Info("loading", "file", file, "rows_read", rows)
			})
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

// reportParams are what `enlist report` takes, for one or more scopes.
// The as-of date is the day the run was due (in the job's zone) unless
// as_of names one: "previous_day" for the day before, or YYYY-MM-DD.
type reportParams struct {
	Report string   `yaml:"report"` // weekly (default) or quality
	Scopes []string `yaml:"scopes"`
	AsOf   string   `yaml:"as_of"`
	Year   int      `yaml:"year"`
	Season int      `yaml:"season"`
	Out    string   `yaml:"out"`
	Lang   string   `yaml:"lang"`
	// Latest: when the as-of date's season has no data, report the latest
	// season with data (the bulletin says so) instead of failing.
	Latest bool `yaml:"latest"`
}

func reportJob(e *env, job schedules.Job) (schedules.Task, error) {
	var p reportParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	var errs []error
	if p.Report == "" {
		p.Report = "weekly"
	}
	if p.Report != "weekly" && p.Report != "quality" {
		errs = append(errs, job.ParamError("report", "%q: use weekly or quality", p.Report))
	}
	if len(p.Scopes) == 0 {
		errs = append(errs, job.ParamError("scopes", "give the region codes to report on, e.g. [\"41\"]"))
	}
	if p.Season != 0 && p.Season != 1 && p.Season != 2 {
		errs = append(errs, job.ParamError("season", "must be 1 or 2"))
	}
	var fixed time.Time
	if p.AsOf != "" && p.AsOf != "due" && p.AsOf != "previous_day" {
		t, err := time.Parse(time.DateOnly, p.AsOf)
		if err != nil {
			errs = append(errs, job.ParamError("as_of", "%q: use due, previous_day or YYYY-MM-DD", p.AsOf))
		}
		fixed = t
	}
	if p.Lang == "" {
		p.Lang = "zh"
	}
	lang, err := bulletin.ParseLang(p.Lang)
	if err != nil {
		errs = append(errs, job.ParamError("lang", "%v", err))
	}
	if p.Out == "" {
		p.Out = "bulletins"
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		asOf := fixed
		if asOf.IsZero() {
			due := run.Scheduled.In(job.Zone)
			if p.AsOf == "previous_day" {
				due = due.AddDate(0, 0, -1)
			}
			asOf = time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
		}
		out := run.Dated(e.besideDB(p.Out))
		wh, err := e.openReader(ctx, false)
		if err != nil {
			return schedules.Outcome{}, err
		}
		defer wh.Close()
		sig, err := e.signature()
		if err != nil {
			return schedules.Outcome{}, err
		}
		var written []string
		var errs []error
		for _, scope := range p.Scopes {
			opt := reports.Options{Options: bulletin.Options{Scope: scope, AsOf: asOf, Year: p.Year, Season: p.Season, Lang: lang, Signature: sig, Fallback: p.Latest}, Out: out}
			if p.Report == "quality" {
				path, err := reports.Quality(ctx, wh, opt)
				if err != nil {
					errs = append(errs, fmt.Errorf("scope %s: %w", scope, err))
					continue
				}
				written = append(written, path)
				continue
			}
			files, err := reports.Weekly(ctx, wh, opt)
			if err != nil {
				errs = append(errs, fmt.Errorf("scope %s: %w", scope, err))
				continue
			}
			written = append(written, files.XLSX, files.HTML)
		}
		return schedules.Outcome{
			Message: fmt.Sprintf("%s report as of %s: %s", p.Report, asOf.Format(time.DateOnly), strings.Join(written, ", ")),
			Counts:  map[string]int64{"scopes": int64(len(p.Scopes) - len(errs)), "files": int64(len(written))},
		}, errors.Join(errs...)
	}, nil
}

// rollupParams are what `enlist rollup` takes: the province warehouse
// (default: the service's own), the sources, and sources to withdraw.
type rollupParams struct {
	Into     string   `yaml:"into"`
	Sources  []string `yaml:"sources"`
	Withdraw []string `yaml:"withdraw"`
}

func rollupJob(e *env, job schedules.Job) (schedules.Task, error) {
	var p rollupParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if len(p.Sources) == 0 && len(p.Withdraw) == 0 {
		return nil, job.ParamError("sources", "give at least one source: a county's or city's warehouse file or extract folder")
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		// The province warehouse's configuration and secret lie beside it,
		// as for `enlist rollup --into`.
		pe := *e
		if p.Into != "" {
			pe.db = e.besideDB(p.Into)
		}
		pe.log = e.log.With("job", job.Name)
		sources := make([]string, len(p.Sources))
		for i, s := range p.Sources {
			sources[i] = e.besideDB(s)
		}
		withdraw := make([]string, len(p.Withdraw))
		for i, s := range p.Withdraw {
			withdraw[i] = s
			if strings.ContainsAny(s, `/\.`) {
				withdraw[i] = e.besideDB(s)
			}
		}
		opt, err := pe.rollupOptions(withdraw)
		if err != nil {
			return schedules.Outcome{}, err
		}
		// Into the service's own warehouse, the run's record publishes it
		// once the run ends; publishing here as well would copy it twice.
		opt.NoPublish = pe.db == e.db
		rep, err := rollup.Run(ctx, pe.db, sources, opt)
		counts := map[string]int64{}
		for _, o := range rep.Outcomes {
			counts["sources_"+o.Status]++
			counts["rows"] += o.Rows
		}
		msg := fmt.Sprintf("%d sources into %s", len(rep.Outcomes), pe.db)
		if !rep.Changed {
			msg += ", unchanged"
		}
		return schedules.Outcome{Message: msg, Counts: counts}, err
	}, nil
}

// exportParams are what `enlist export` takes.
type exportParams struct {
	Out   string   `yaml:"out"`
	Kinds []string `yaml:"kinds"`
}

func exportJob(e *env, job schedules.Job) (schedules.Task, error) {
	var p exportParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if p.Out == "" {
		return nil, job.ParamError("out", "give the folder to write the Parquet files into")
	}
	for _, k := range p.Kinds {
		if !slices.Contains(export.Kinds(), k) {
			return nil, job.ParamError("kinds", "%q: use %s", k, strings.Join(export.Kinds(), ", "))
		}
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		out := run.Dated(e.besideDB(p.Out))
		wh, err := e.openReader(ctx, false)
		if err != nil {
			return schedules.Outcome{}, err
		}
		note, err := export.Write(ctx, wh.DB(), out, export.Options{Kinds: p.Kinds, Warehouse: e.db, ReadFrom: wh.Path()})
		err = errors.Join(err, wh.Close())
		counts := map[string]int64{}
		for _, w := range note.Kinds {
			counts["rows_"+w.Kind] = w.Rows
			counts["files"] += int64(w.Files)
		}
		return schedules.Outcome{Message: "wrote " + out, Counts: counts}, err
	}, nil
}

// sqlParams are what `enlist sql` takes for one query written to a file.
type sqlParams struct {
	Query   string            `yaml:"query"`
	File    string            `yaml:"file"`
	Out     string            `yaml:"out"`
	Format  string            `yaml:"format"`
	Timeout time.Duration     `yaml:"timeout"`
	Vars    map[string]string `yaml:"vars"`
}

func sqlJob(e *env, job schedules.Job) (schedules.Task, error) {
	var p sqlParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if (p.Query == "") == (p.File == "") {
		return nil, job.ParamError("query", "give the query, or file naming a .sql file (one of them)")
	}
	if p.Out == "" {
		return nil, job.ParamError("out", "give the file to write the result to (.csv, .json or .xlsx)")
	}
	names := make([]string, 0, len(p.Vars))
	for name := range p.Vars {
		if !varName.MatchString(name) {
			return nil, job.ParamError("vars", "%q is not a variable name", name)
		}
		if !analyst.KnownVariable(name) {
			return nil, job.ParamError("vars", "unknown variable %q: the models read %s", name, analyst.VariableNames())
		}
		names = append(names, name)
	}
	sort.Strings(names)
	probe := sqlOptions{format: p.Format, out: p.Out, timeout: p.Timeout}
	if err := probe.settle(); err != nil {
		return nil, job.ParamError("format", "use table, csv, json or xlsx (default: from the out file's extension)")
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		text := p.Query
		if p.File != "" {
			b, err := os.ReadFile(e.besideDB(p.File))
			if err != nil {
				return schedules.Outcome{}, fmt.Errorf("read query: %w", err)
			}
			text = string(b)
		}
		o := probe
		o.out = run.Dated(e.besideDB(p.Out))
		vars := make([][2]string, 0, len(names))
		for _, name := range names {
			vars = append(vars, [2]string{name, run.Dated(p.Vars[name])})
		}
		s, _, closeSession, err := openSession(ctx, e, vars, "vars ")
		if err != nil {
			return schedules.Outcome{}, err
		}
		defer closeSession()
		res, err := runOne(ctx, s, text, o.timeout)
		if err != nil {
			return schedules.Outcome{}, err
		}
		if res.Frame == nil {
			return schedules.Outcome{}, errors.New("the query set a variable and returned no rows")
		}
		if err := os.MkdirAll(filepath.Dir(o.out), 0o750); err != nil {
			return schedules.Outcome{}, fmt.Errorf("write result: %w", err)
		}
		if err := o.write(e, res.Frame); err != nil {
			return schedules.Outcome{}, err
		}
		msg := "wrote " + o.out
		if res.Notice != "" {
			msg += "; " + res.Notice
		}
		return schedules.Outcome{Message: msg, Counts: map[string]int64{"rows": int64(len(res.Frame.Rows))}}, nil
	}, nil
}

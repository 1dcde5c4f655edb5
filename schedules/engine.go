package schedules

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Triggers: why a run happened.
const (
	TriggerSchedule = "schedule" // the cron spec fired
	TriggerCatchUp  = "catch_up" // due while the service was down, run once at start
	TriggerManual   = "manual"   // enlist run
)

// Statuses of a run.
const (
	Running   = "running"
	Succeeded = "succeeded"
	Partial   = "partial" // the task ran to its end, but some of its items (files, scopes) failed or were refused
	Failed    = "failed"
	Cancelled = "cancelled" // the service was stopping
	Abandoned = "abandoned" // the process died mid-run
)

// ErrRunning means a run was not started because the previous run of the
// same job has not finished: a job never overlaps itself.
var ErrRunning = errors.New("the previous run of this job is still going")

// ErrStopping means a run was not started because the service is stopping.
var ErrStopping = errors.New("the service is stopping")

// ErrNoJob: RunNow was asked for a job the schedules do not name.
var ErrNoJob = errors.New("no job named")

// Run is one attempt of a job, as its task sees it.
type Run struct {
	Job       Job
	Trigger   string
	Scheduled time.Time // when the run was due; a report takes its as-of date from it
	Attempt   int       // 1 for the first try
}

// Dated puts the day the run was due, in the job's zone, where s says
// {date}, so a weekly output does not overwrite last week's.
func (r Run) Dated(s string) string {
	return strings.ReplaceAll(s, "{date}", r.Scheduled.In(r.Job.Zone).Format(time.DateOnly))
}

// Outcome is what a task reports besides success or failure. Problems
// counts the items (files, scopes) that failed or were refused in a run
// that otherwise went to its end: with any, the run is recorded partial.
type Outcome struct {
	Message  string
	Counts   map[string]int64
	Problems int
}

// Task does a job's work. It must stop when ctx is cancelled, leaving the
// warehouse as it was or with whole units of work committed.
type Task func(ctx context.Context, run Run) (Outcome, error)

// Dispatch turns a job into its task, decoding and checking its params; a
// problem is an *Error naming the schedule file and line.
type Dispatch func(job Job) (Task, error)

// Record is one attempt as job_runs keeps it.
type Record struct {
	ID        int64
	Job       string
	Type      string
	Trigger   string
	Scheduled time.Time
	Attempt   int
	Started   time.Time
	Finished  time.Time // zero while running
	Status    string
	Message   string
	Counts    map[string]int64
	// cause is what the task (or the run record) returned, kept for the
	// error RunNow returns; it is not stored.
	cause error
}

// History stores the run records.
type History interface {
	// Begin records an attempt as running and returns its id.
	Begin(ctx context.Context, rec Record) (int64, error)
	// End completes the record Begin made.
	End(ctx context.Context, rec Record) error
	// LastScheduled is the latest due time of a run of job that ended
	// (succeeded, partial or failed); cancelled and abandoned runs do not count, so
	// a run cut short by a stop is caught up like a missed one.
	LastScheduled(ctx context.Context, job string) (time.Time, bool, error)
	// Abandon marks runs left 'running' by processes that no longer exist.
	Abandon(ctx context.Context) (int, error)
}

// Options configure an Engine. History is required; the others have
// working zero values.
type Options struct {
	History History
	Log     *slog.Logger
	// Now is the clock used for due times, catch-up and records.
	Now func() time.Time
	// Sleep waits between a failed attempt and its retry; it returns early
	// with an error when ctx ends. Tests replace it to see the backoff.
	Sleep func(ctx context.Context, d time.Duration) error
	// Zone is the zone the log shows times in; nil shows each job's times
	// in its own zone.
	Zone *time.Location
}

// Engine runs a set of jobs.
type Engine struct {
	history History
	log     *slog.Logger
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	zone    *time.Location
	entries []*entry
	byName  map[string]*entry
}

type entry struct {
	job  Job
	task Task
	// busy is held for a run and its retries; a trigger that finds it
	// taken is skipped.
	busy sync.Mutex
}

// New prepares the jobs through dispatch. Every job's problem is reported
// together, so an operator fixes a schedule folder in one pass.
func New(jobs []Job, dispatch Dispatch, opt Options) (*Engine, error) {
	if opt.History == nil {
		return nil, errors.New("schedules: no run history")
	}
	e := &Engine{history: opt.History, log: opt.Log, now: opt.Now, sleep: opt.Sleep, zone: opt.Zone, byName: map[string]*entry{}}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.sleep == nil {
		e.sleep = sleep
	}
	var errs []error
	for _, j := range jobs {
		if j.schedule == nil {
			errs = append(errs, &Error{File: j.File, Line: j.Line, Reason: fmt.Sprintf("job %s has no cron spec", j.Name)})
			continue
		}
		if _, dup := e.byName[j.Name]; dup {
			errs = append(errs, &Error{File: j.File, Line: j.Line, Reason: fmt.Sprintf("duplicate job name %q", j.Name)})
			continue
		}
		task, err := dispatch(j)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ent := &entry{job: j, task: task}
		e.entries = append(e.entries, ent)
		e.byName[j.Name] = ent
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// Jobs lists the jobs in the order their files give them.
func (e *Engine) Jobs() []Job {
	out := make([]Job, len(e.entries))
	for i, ent := range e.entries {
		out[i] = ent.job
	}
	return out
}

// RunNow runs a job at once (enlist run), through the same path as a
// scheduled run, with its retries unless retry is false. It returns the
// last attempt's record; the error is nil only when that attempt succeeded.
func (e *Engine) RunNow(ctx context.Context, name string, retry bool) (Record, error) {
	ent, ok := e.byName[name]
	if !ok {
		return Record{}, fmt.Errorf("%w %q", ErrNoJob, name)
	}
	retries := ent.job.Retries
	if !retry {
		retries = 0
	}
	return e.fire(ctx, nil, ent, TriggerManual, e.now(), retries)
}

// fire runs a job with its retries, unless it is already running. A wait
// before a retry ends early when stop closes (the service is stopping).
func (e *Engine) fire(ctx context.Context, stop <-chan struct{}, ent *entry, trigger string, scheduled time.Time, retries int) (Record, error) {
	log := e.log.With("job", ent.job.Name, "trigger", trigger, "scheduled", e.shown(ent.job, scheduled))
	if !ent.busy.TryLock() {
		log.Warn("run skipped: the previous run of this job is still going")
		return Record{}, ErrRunning
	}
	defer ent.busy.Unlock()
	select {
	case <-stop:
		// A catch-up that reached this point after the stop began.
		log.Info("run not started: the service is stopping")
		return Record{}, ErrStopping
	default:
	}
	for attempt := 1; ; attempt++ {
		rec := e.attempt(ctx, log, ent, Run{Job: ent.job, Trigger: trigger, Scheduled: scheduled, Attempt: attempt})
		if rec.Status != Failed || attempt > retries || ctx.Err() != nil {
			return rec, rec.err()
		}
		wait := backoff(ent.job.Backoff, attempt)
		log.Warn("run failed; retrying", "attempt", attempt, "retry_in", wait.String(), "error", rec.Message)
		if err := e.wait(ctx, stop, wait); err != nil {
			log.Info("retry abandoned: the service is stopping", "attempt", attempt)
			return rec, rec.err()
		}
	}
}

// backoff doubles the wait for each further retry, capped at a day.
func backoff(first time.Duration, attempt int) time.Duration {
	if first <= 0 {
		first = DefaultBackoff
	}
	d := first
	for i := 1; i < attempt && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// RunError is a run that did not succeed, as its record says: its job,
// status and message. It wraps what the task returned (nothing for a
// partial run, which ran to its end), so a caller can still ask what went
// wrong with errors.Is and errors.As after the retries.
type RunError struct {
	Job, Status, Message string
	Err                  error
}

func (e *RunError) Error() string { return fmt.Sprintf("job %s %s: %s", e.Job, e.Status, e.Message) }

func (e *RunError) Unwrap() error { return e.Err }

func (r Record) err() error {
	if r.Status == Succeeded {
		return nil
	}
	return &RunError{Job: r.Job, Status: r.Status, Message: r.Message, Err: r.cause}
}

// attempt runs the task once between a start and an end record.
func (e *Engine) attempt(ctx context.Context, log *slog.Logger, ent *entry, run Run) Record {
	rec := Record{Job: ent.job.Name, Type: ent.job.Type, Trigger: run.Trigger, Scheduled: run.Scheduled.UTC(),
		Attempt: run.Attempt, Started: e.now().UTC(), Status: Running}
	log = log.With("attempt", run.Attempt)
	bctx, cancel := recordContext(ctx)
	id, err := e.history.Begin(bctx, rec)
	cancel()
	if err != nil {
		rec.Status, rec.Message, rec.Finished = Failed, "could not record the run's start: "+err.Error(), e.now().UTC()
		rec.cause = fmt.Errorf("could not record the run's start: %w", err)
		log.Error("run not started", "error", err)
		return rec
	}
	rec.ID = id
	log = log.With("run_id", id)
	log.Info("run started")

	tctx := ctx
	if ent.job.Timeout > 0 {
		var stop context.CancelFunc
		tctx, stop = context.WithTimeout(ctx, ent.job.Timeout)
		defer stop()
	}
	out, err := call(tctx, ent.task, run)
	rec.Finished = e.now().UTC()
	rec.cause = err
	rec.Counts, rec.Message = out.Counts, out.Message
	// A failed run keeps what it got done in its message, after the error:
	// an ingest that loaded three files before the fourth broke says so.
	withOutcome := func(msg string) string {
		if out.Message != "" {
			return msg + " (" + out.Message + ")"
		}
		return msg
	}
	var panicked *PanicError
	switch {
	case err == nil && out.Problems > 0:
		rec.Status = Partial
	case err == nil:
		rec.Status = Succeeded
	case ctx.Err() != nil && !errors.As(err, &panicked):
		// What the task was doing when it was stopped (a DuckDB
		// "INTERRUPT Error", a closed connection) is the stop itself, not
		// something for the operator to act on; it goes to the debug log.
		log.Debug("run stopped", "error", err)
		rec.Status, rec.Message = Cancelled, withOutcome("stopped before it finished: cancelled by a stop signal")
	case ent.job.Timeout > 0 && errors.Is(tctx.Err(), context.DeadlineExceeded) && !errors.As(err, &panicked):
		rec.cause = fmt.Errorf("timed out after %s: %w", ent.job.Timeout, err)
		rec.Status, rec.Message = Failed, withOutcome(rec.cause.Error())
	default:
		rec.Status, rec.Message = Failed, withOutcome(err.Error())
	}
	if errors.As(err, &panicked) {
		log.Error("job panicked", "panic", fmt.Sprint(panicked.Value), "stack", string(panicked.Stack))
	}
	// The warehouse may be held by another writer for a while (an
	// operator's long ingest): keep trying while the record context lasts,
	// since a run left 'running' would hide it from catch-up.
	hctx, cancelEnd := recordContext(ctx)
	defer cancelEnd()
	for try := 1; ; try++ {
		err := e.history.End(hctx, rec)
		if err == nil {
			break
		}
		if errors.Is(err, ErrNotPublished) {
			log.Warn("the run is recorded, but readers will see it only after the next publish", "error", err)
			break
		}
		if try == 3 || hctx.Err() != nil {
			log.Error("could not record the run's end", "error", err)
			break
		}
		log.Warn("could not record the run's end; trying again", "error", err)
	}
	attrs := []any{"status", rec.Status, "seconds", rec.Finished.Sub(rec.Started).Seconds()}
	for k, v := range out.Counts {
		attrs = append(attrs, k, v)
	}
	switch rec.Status {
	case Succeeded:
		log.Info("run finished", append(attrs, "message", rec.Message)...)
	case Partial, Cancelled:
		log.Warn("run finished", append(attrs, "message", rec.Message)...)
	default:
		log.Error("run finished", append(attrs, "error", rec.Message)...)
	}
	return rec
}

// recordContext is for writing a run record: it outlives the run's
// cancellation, so a run cut short by SIGTERM is still recorded, but not a
// warehouse that stays busy for minutes. Each record gets its own, since a
// run may take hours between its start and its end.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
}

// PanicError is a panic inside a task, recovered so the service keeps
// running and the run is recorded as failed.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// call runs the task and turns a panic into an error. A panic in a
// goroutine the task starts cannot be caught here; tasks keep their work on
// the calling goroutine or recover in their own.
func call(ctx context.Context, task Task, run Run) (out Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return task(ctx, run)
}

func (e *Engine) wait(ctx context.Context, stop <-chan struct{}, d time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return e.sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CatchUp runs once, concurrently, every job configured to catch up whose
// spec was due after its last recorded run, and waits for them. A job that
// has never run has nothing to catch up: the service cannot tell when it
// was meant to start.
func (e *Engine) CatchUp(ctx context.Context, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for _, ent := range e.entries {
		if !ent.job.CatchUp {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.catchUp(ctx, stop, ent)
		}()
	}
	wg.Wait()
}

func (e *Engine) catchUp(ctx context.Context, stop <-chan struct{}, ent *entry) {
	log := e.log.With("job", ent.job.Name)
	last, ok, err := e.history.LastScheduled(ctx, ent.job.Name)
	if err != nil {
		log.Error("catch-up: could not read the last run", "error", err)
		return
	}
	if !ok {
		log.Info("catch-up: no earlier run recorded; waiting for the schedule")
		return
	}
	due, ok := ent.job.LastDue(last, e.now())
	if !ok {
		return
	}
	log.Info("catch-up: a run was due while the service was down", "last_run_due", e.shown(ent.job, last),
		"missed_due", e.shown(ent.job, due))
	_, _ = e.fire(ctx, stop, ent, TriggerCatchUp, due, ent.job.Retries)
}

// Serve runs the jobs on their specs until ctx ends, after marking runs of
// dead processes abandoned and catching up missed runs. On stop no new run
// starts; runs in progress get grace to finish, then their context is
// cancelled, and Serve returns when they have ended and been recorded.
func (e *Engine) Serve(ctx context.Context, grace time.Duration) error {
	// A warehouse busy for long at start must not keep the service from
	// starting; the next start marks what this one could not.
	if n, err := e.history.Abandon(ctx); err != nil {
		e.log.Warn("could not check for runs left by a process that died", "error", err)
	} else if n > 0 {
		e.log.Warn("runs left running by a process that died were marked abandoned", "runs", n)
	}
	// Runs get their own context so a stop can give them grace before
	// cancelling them; retry waits end at once on stop.
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	stopping := make(chan struct{})

	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cronLog{e.log}))
	for _, ent := range e.entries {
		c.Schedule(ent.job.schedule, cron.FuncJob(func() {
			now := e.now()
			due, ok := ent.job.LastDue(now.Add(-24*time.Hour), now)
			if !ok {
				due = now.Truncate(time.Second)
			}
			_, _ = e.fire(jobsCtx, stopping, ent, TriggerSchedule, due, ent.job.Retries)
		}))
	}
	var catchUps sync.WaitGroup
	catchUps.Add(1)
	go func() {
		defer catchUps.Done()
		e.CatchUp(jobsCtx, stopping)
	}()
	c.Start()
	for _, ent := range e.entries {
		e.log.Info("job scheduled", "job", ent.job.Name, "type", ent.job.Type, "cron", ent.job.Spec,
			"zone", ent.job.Zone.String(), "next", e.shown(ent.job, ent.job.Next(e.now())))
	}
	<-ctx.Done()
	cronDone := c.Stop() // returns once the scheduler has stopped starting runs
	close(stopping)
	e.log.Info("stopping: no new runs will start", "grace", grace.String())
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		catchUps.Wait()
		close(done)
	}()
	// The whole stop fits in grace: runs get the first part of it to
	// finish, then are cancelled and get the rest to roll back and record
	// it. A task that does not honour its cancellation is left behind, not
	// waited for: the process ends, and the next start marks its run
	// abandoned (its uncommitted work is rolled back, as after a kill).
	finish, windDown := splitGrace(grace)
	if finish > 0 {
		select {
		case <-done:
			e.log.Info("stopped")
			return nil
		case <-time.After(finish):
			e.log.Warn("runs still going; cancelling them", "wind_down", windDown.String())
		}
	}
	cancelJobs()
	select {
	case <-done:
		e.log.Info("stopped")
		return nil
	case <-time.After(windDown):
		e.log.Error("runs did not stop when cancelled; stopping without them (the next start marks them abandoned)")
		return ErrRunsLeft
	}
}

// ErrRunsLeft means the service stopped while a cancelled run had not yet
// ended.
var ErrRunsLeft = errors.New("stopped with runs still going after their cancellation")

// minWindDown is the least time a cancelled run gets to roll back and
// record its end, even with no grace.
const minWindDown = 5 * time.Second

// splitGrace divides the grace period between finishing and winding down
// after cancellation: a quarter, at least minWindDown and at most 15s, to
// wind down, the rest to finish.
func splitGrace(grace time.Duration) (finish, windDown time.Duration) {
	windDown = min(max(grace/4, minWindDown), 15*time.Second)
	if windDown >= grace {
		return 0, max(grace, minWindDown)
	}
	return grace - windDown, windDown
}

// shown formats t for the log, in the configured zone with its offset.
func (e *Engine) shown(j Job, t time.Time) string {
	zone := e.zone
	if zone == nil {
		zone = j.Zone
	}
	return t.In(zone).Format(time.RFC3339)
}

// cronLog sends the cron library's own messages to slog at debug level;
// runs log themselves.
type cronLog struct{ log *slog.Logger }

func (c cronLog) Info(msg string, kv ...any) { c.log.Debug("cron: "+msg, kv...) }
func (c cronLog) Error(err error, msg string, kv ...any) {
	c.log.Error("cron: "+msg, append(kv, "error", err)...)
}

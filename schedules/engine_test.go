package schedules

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enlist/internal/warehouse"
)

// fixture is a real warehouse file for the run history and a set of
// test-only tasks by job name.
type fixture struct {
	t       *testing.T
	db      string
	history *WarehouseHistory
	tasks   map[string]Task
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := filepath.Join(t.TempDir(), "w.duckdb")
	open := func(ctx context.Context) (*warehouse.Warehouse, error) {
		return warehouse.Open(ctx, db, warehouse.Options{Threads: 1})
	}
	return &fixture{t: t, db: db, history: NewWarehouseHistory(open, nil), tasks: map[string]Task{}}
}

func (f *fixture) engine(text string, opt Options) *Engine {
	f.t.Helper()
	jobs, err := Parse("test.yaml", []byte(text))
	if err != nil {
		f.t.Fatal(err)
	}
	opt.History = f.history
	e, err := New(jobs, func(j Job) (Task, error) {
		task, ok := f.tasks[j.Name]
		if !ok {
			return nil, errors.New("no test task for " + j.Name)
		}
		return task, nil
	}, opt)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// runs reads every recorded run, oldest first.
func (f *fixture) runs() []Record {
	f.t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, f.db, warehouse.Options{Threads: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	defer wh.Close()
	by, err := RecentRuns(ctx, wh.DB(), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []Record
	for _, rs := range by {
		out = append(out, rs...)
	}
	// oldest first
	for i := 0; i < len(out); i++ {
		for j := i + 1; j < len(out); j++ {
			if out[j].ID < out[i].ID {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestJobFiresOnItsSchedule(t *testing.T) {
	f := newFixture(t)
	fired := make(chan struct{}, 100)
	var mu sync.Mutex
	var seen []Run
	f.tasks["tick"] = func(ctx context.Context, run Run) (Outcome, error) {
		mu.Lock()
		seen = append(seen, run)
		mu.Unlock()
		fired <- struct{}{}
		return Outcome{Message: "ticked", Counts: map[string]int64{"ticks": 1}}, nil
	}
	e := f.engine("jobs:\n  - name: tick\n    cron: '* * * * * *'\n    type: sql\n    zone: UTC\n", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { e.Serve(ctx, time.Minute); close(served) }()
	within(t, fired, "the every-second job to fire")
	cancel()
	within(t, served, "Serve to return")

	mu.Lock()
	first := seen[0]
	mu.Unlock()
	if first.Trigger != TriggerSchedule || first.Attempt != 1 || first.Scheduled.Nanosecond() != 0 {
		t.Errorf("run %+v: want trigger schedule, attempt 1, a whole-second due time", first)
	}
	runs := f.runs()
	if len(runs) == 0 {
		t.Fatal("no run recorded")
	}
	r := runs[0]
	if r.Job != "tick" || r.Type != SQL || r.Status != Succeeded || r.Message != "ticked" || r.Counts["ticks"] != 1 ||
		!r.Scheduled.Equal(first.Scheduled) || r.Started.Before(r.Scheduled) || r.Finished.Before(r.Started) {
		t.Errorf("recorded %+v", r)
	}
}

func TestJobNeverOverlapsItself(t *testing.T) {
	f := newFixture(t)
	started, release := make(chan struct{}), make(chan struct{})
	f.tasks["slow"] = func(ctx context.Context, run Run) (Outcome, error) {
		close(started)
		<-release
		return Outcome{}, nil
	}
	e := f.engine("jobs:\n  - name: slow\n    cron: '0 1 * * *'\n    type: ingest\n", Options{})
	ent := e.byName["slow"]
	firstDone := make(chan struct{})
	var firstErr error
	go func() {
		_, firstErr = e.fire(context.Background(), nil, ent, TriggerSchedule, time.Now(), 0)
		close(firstDone)
	}()
	within(t, started, "the first run to start")
	// The next trigger, while the first run goes on, is skipped at once.
	if _, err := e.fire(context.Background(), nil, ent, TriggerSchedule, time.Now(), 0); !errors.Is(err, ErrRunning) {
		t.Errorf("second trigger: %v, want ErrRunning", err)
	}
	if _, err := e.RunNow(context.Background(), "slow", false); !errors.Is(err, ErrRunning) {
		t.Errorf("manual run during a run: %v, want ErrRunning", err)
	}
	close(release)
	within(t, firstDone, "the first run to end")
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	if runs := f.runs(); len(runs) != 1 || runs[0].Status != Succeeded {
		t.Errorf("runs %+v, want exactly one", runs)
	}
}

func TestCatchUpAfterDowntime(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cst, _ := time.LoadLocation("Asia/Shanghai")
	var mu sync.Mutex
	ran := map[string][]Run{}
	task := func(ctx context.Context, run Run) (Outcome, error) {
		mu.Lock()
		ran[run.Job.Name] = append(ran[run.Job.Name], run)
		mu.Unlock()
		return Outcome{}, nil
	}
	for _, n := range []string{"bulletin", "no-catch-up", "never-ran", "up-to-date"} {
		f.tasks[n] = task
	}
	// The service last ran the Monday bulletin on 2 March 2026, then was
	// down until Friday 20 March: the Mondays 9 and 16 March were missed.
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, cst)
	e := f.engine(`jobs:
  - name: bulletin
    cron: "0 7 * * 1"
    type: report
    catch_up: true
  - name: no-catch-up
    cron: "0 7 * * 1"
    type: report
  - name: never-ran
    cron: "0 7 * * 1"
    type: report
    catch_up: true
  - name: up-to-date
    cron: "0 7 * * 1"
    type: report
    catch_up: true
`, Options{Now: func() time.Time { return now }})
	seed := func(job string, due time.Time, status string) {
		id, err := f.history.Begin(ctx, Record{Job: job, Type: Report, Trigger: TriggerSchedule, Scheduled: due, Attempt: 1, Started: due})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.history.End(ctx, Record{ID: id, Job: job, Finished: due.Add(time.Minute), Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	seed("bulletin", time.Date(2026, 3, 2, 7, 0, 0, 0, cst), Succeeded)
	// A run cut short by a stop does not count as done.
	seed("bulletin", time.Date(2026, 3, 9, 7, 0, 0, 0, cst), Cancelled)
	seed("no-catch-up", time.Date(2026, 3, 2, 7, 0, 0, 0, cst), Succeeded)
	seed("up-to-date", time.Date(2026, 3, 16, 7, 0, 0, 0, cst), Failed)

	e.CatchUp(ctx, nil)
	if len(ran) != 1 || len(ran["bulletin"]) != 1 {
		t.Fatalf("catch-up ran %v, want the bulletin once", ran)
	}
	r := ran["bulletin"][0]
	if want := time.Date(2026, 3, 16, 7, 0, 0, 0, cst); !r.Scheduled.Equal(want) || r.Trigger != TriggerCatchUp {
		t.Errorf("caught up %s %v, want catch_up for %v", r.Trigger, r.Scheduled, want)
	}
	// Started again the same day: nothing more is due.
	e.CatchUp(ctx, nil)
	if len(ran["bulletin"]) != 1 {
		t.Errorf("second start caught up again: %v", ran["bulletin"])
	}
	runs := f.runs()
	last := runs[len(runs)-1]
	if last.Job != "bulletin" || last.Trigger != TriggerCatchUp || last.Status != Succeeded {
		t.Errorf("recorded %+v", last)
	}
}

func TestPanicIsRecordedAsFailedRun(t *testing.T) {
	f := newFixture(t)
	f.tasks["crashy"] = func(ctx context.Context, run Run) (Outcome, error) {
		var m map[string]int
		m["boom"]++ // a nil map write: a runtime panic
		return Outcome{}, nil
	}
	e := f.engine("jobs:\n  - name: crashy\n    cron: '0 1 * * *'\n    type: sql\n", Options{})
	rec, err := e.RunNow(context.Background(), "crashy", true)
	if err == nil || rec.Status != Failed {
		t.Fatalf("run: %+v %v", rec, err)
	}
	runs := f.runs()
	if len(runs) != 1 || runs[0].Status != Failed || !strings.Contains(runs[0].Message, "panic: assignment to entry in nil map") ||
		runs[0].Finished.IsZero() || runs[0].Trigger != TriggerManual {
		t.Errorf("recorded %+v", runs)
	}
	// The engine survives and runs the job again.
	if _, err := e.RunNow(context.Background(), "crashy", true); err == nil {
		t.Error("second run did not fail")
	}
	// A job the schedules do not name is told apart (enlist run's usage error).
	if _, err := e.RunNow(context.Background(), "crashy2", true); !errors.Is(err, ErrNoJob) || err.Error() != `no job named "crashy2"` {
		t.Errorf("unknown job: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	f := newFixture(t)
	f.tasks["stuck"] = func(ctx context.Context, run Run) (Outcome, error) {
		<-ctx.Done()
		return Outcome{}, ctx.Err()
	}
	e := f.engine("jobs:\n  - name: stuck\n    cron: '0 1 * * *'\n    type: sql\n    timeout: 50ms\n", Options{})
	rec, err := e.RunNow(context.Background(), "stuck", true)
	if err == nil || rec.Status != Failed || !strings.Contains(rec.Message, "timed out after 50ms") {
		t.Errorf("timed-out run: %+v %v", rec, err)
	}
}

func TestRetryWithBackoff(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.tasks["flaky"] = func(ctx context.Context, run Run) (Outcome, error) {
		calls++
		if run.Attempt != calls {
			t.Errorf("attempt %d on call %d", run.Attempt, calls)
		}
		if calls < 3 {
			return Outcome{}, errors.New("warehouse busy")
		}
		return Outcome{Message: "done"}, nil
	}
	f.tasks["broken"] = func(ctx context.Context, run Run) (Outcome, error) { return Outcome{}, errors.New("always") }
	var waits []time.Duration
	e := f.engine(`jobs:
  - name: flaky
    cron: "0 1 * * *"
    type: ingest
    retries: 3
    backoff: 10s
  - name: broken
    cron: "0 1 * * *"
    type: ingest
    retries: 2
    backoff: 1m
`, Options{Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }})

	rec, err := e.RunNow(context.Background(), "flaky", true)
	if err != nil || rec.Attempt != 3 || rec.Status != Succeeded {
		t.Fatalf("flaky: %+v %v", rec, err)
	}
	if len(waits) != 2 || waits[0] != 10*time.Second || waits[1] != 20*time.Second {
		t.Errorf("waits %v, want [10s 20s]", waits)
	}
	waits = nil
	if rec, err := e.RunNow(context.Background(), "broken", true); err == nil || rec.Attempt != 3 || !strings.Contains(err.Error(), "always") {
		t.Errorf("broken: %+v %v", rec, err)
	}
	if len(waits) != 2 || waits[0] != time.Minute || waits[1] != 2*time.Minute {
		t.Errorf("waits %v, want [1m 2m]", waits)
	}
	var got []string
	for _, r := range f.runs() {
		got = append(got, r.Job+"#"+string(rune('0'+r.Attempt))+":"+r.Status)
	}
	want := "flaky#1:failed flaky#2:failed flaky#3:succeeded broken#1:failed broken#2:failed broken#3:failed"
	if strings.Join(got, " ") != want {
		t.Errorf("runs\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestStopCancelsTheRunningJob(t *testing.T) {
	f := newFixture(t)
	started := make(chan struct{})
	var once sync.Once
	f.tasks["long"] = func(ctx context.Context, run Run) (Outcome, error) {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return Outcome{Counts: map[string]int64{"files_loaded": 0}}, ctx.Err()
	}
	e := f.engine("jobs:\n  - name: long\n    cron: '* * * * * *'\n    type: ingest\n    retries: 5\n", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { e.Serve(ctx, 0); close(served) }()
	within(t, started, "the job to start")
	cancel()
	within(t, served, "Serve to return")
	runs := f.runs()
	if len(runs) != 1 || runs[0].Status != Cancelled || runs[0].Finished.IsZero() || !strings.Contains(runs[0].Message, "stopped before it finished") || strings.Contains(runs[0].Message, "context canceled") {
		t.Errorf("runs %+v, want one cancelled run and no retry", runs)
	}
}

// signalOn is a log handler that closes ch when a record with msg is
// logged, so a test can wait for the engine to reach a point.
type signalOn struct {
	slog.Handler
	msg  string
	ch   chan struct{}
	once *sync.Once
}

func (s signalOn) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == s.msg {
		s.once.Do(func() { close(s.ch) })
	}
	return nil
}
func (s signalOn) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s signalOn) WithGroup(string) slog.Handler      { return s }

func TestStopGivesGraceToTheRunningJob(t *testing.T) {
	f := newFixture(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.tasks["long"] = func(ctx context.Context, run Run) (Outcome, error) {
		once.Do(func() { close(started) })
		<-release
		return Outcome{}, ctx.Err() // nil unless the stop cancelled it
	}
	stopping := make(chan struct{})
	log := slog.New(signalOn{Handler: slog.NewTextHandler(io.Discard, nil), msg: "stopping: no new runs will start", ch: stopping, once: &sync.Once{}})
	e := f.engine("jobs:\n  - name: long\n    cron: '* * * * * *'\n    type: ingest\n", Options{Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { e.Serve(ctx, time.Minute); close(served) }()
	within(t, started, "the job to start")
	cancel()
	within(t, stopping, "the engine to begin stopping")
	close(release) // the job finishes within its grace
	within(t, served, "Serve to return")
	runs := f.runs()
	if len(runs) != 1 || runs[0].Status != Succeeded {
		t.Errorf("runs %+v, want one run that finished within the grace period", runs)
	}
}

func TestAbandonedRuns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A pid above the kernel's highest possible (2^22) belongs to no
	// process; an exited child's pid could be reused on a busy machine.
	dead := &WarehouseHistory{Open: f.history.Open, Host: f.history.Host, PID: 1<<22 + 1}
	if _, err := dead.Begin(ctx, Record{Job: "x", Type: Ingest, Trigger: TriggerSchedule, Scheduled: time.Now(), Attempt: 1, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	other := &WarehouseHistory{Open: f.history.Open, Host: "another-host", PID: 1}
	if _, err := other.Begin(ctx, Record{Job: "y", Type: Ingest, Trigger: TriggerSchedule, Scheduled: time.Now(), Attempt: 1, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	n, err := f.history.Abandon(ctx)
	if err != nil || n != 1 {
		t.Fatalf("abandoned %d %v, want 1", n, err)
	}
	for _, r := range f.runs() {
		want := map[string]string{"x": Abandoned, "y": Running}[r.Job]
		if r.Status != want {
			t.Errorf("%s: %s, want %s", r.Job, r.Status, want)
		}
	}
}

// TestServeExitsWithinGraceWhateverTheJobDoes: a task that ignores its
// cancellation (a loop that never looks at ctx) does not keep the service
// from stopping within its grace period.
func TestServeExitsWithinGraceWhateverTheJobDoes(t *testing.T) {
	f := newFixture(t)
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	f.tasks["stuck"] = func(ctx context.Context, run Run) (Outcome, error) {
		once.Do(func() { close(started) })
		<-release // deaf to ctx
		return Outcome{}, nil
	}
	e := f.engine("jobs:\n  - name: stuck\n    cron: '* * * * * *'\n    type: ingest\n", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.Serve(ctx, 8*time.Second) }()
	within(t, started, "the job to start")
	cancel()
	stopped := time.Now()
	select {
	case err := <-served:
		if took := time.Since(stopped); took > 8*time.Second+500*time.Millisecond {
			t.Errorf("Serve took %s to return, grace 8s", took)
		}
		if !errors.Is(err, ErrRunsLeft) {
			t.Errorf("Serve returned %v, want ErrRunsLeft", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return with a job deaf to cancellation")
	}
	// Let the task end, and its run be recorded, before the warehouse's
	// folder is removed.
	close(release)
	deadline := time.Now().Add(30 * time.Second)
	for {
		runs := f.runs()
		if len(runs) == 1 && runs[0].Status != Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs %+v, want the stuck run recorded once it ended", runs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPartialRun(t *testing.T) {
	f := newFixture(t)
	f.tasks["inbox"] = func(ctx context.Context, run Run) (Outcome, error) {
		return Outcome{Message: "2 files loaded, 1 failed, 1 refused", Counts: map[string]int64{"files_failed": 1, "files_refused": 1}, Problems: 2}, nil
	}
	e := f.engine("jobs:\n  - name: inbox\n    cron: '0 1 * * *'\n    type: ingest\n    retries: 3\n", Options{})
	rec, err := e.RunNow(context.Background(), "inbox", true)
	if rec.Status != Partial || err == nil || !strings.Contains(err.Error(), "1 failed") {
		t.Errorf("run: %+v %v, want partial with its message", rec, err)
	}
	runs := f.runs()
	if len(runs) != 1 || runs[0].Status != Partial || runs[0].Counts["files_failed"] != 1 {
		t.Errorf("runs %+v, want one partial run, not retried", runs)
	}
	// A partial run counts as the job's last run for catch-up.
	if last, ok, err := f.history.LastScheduled(context.Background(), "inbox"); err != nil || !ok || !last.Equal(runs[0].Scheduled) {
		t.Errorf("last scheduled %v %v %v", last, ok, err)
	}
}

// The error of a run that failed after its retries keeps what the task
// returned: a caller can still tell a missing warehouse from a busy one.
// The text stays the record's.
func TestRunErrorKeepsTheChain(t *testing.T) {
	f := newFixture(t)
	errBusy := errors.New("warehouse busy")
	f.tasks["broken"] = func(ctx context.Context, run Run) (Outcome, error) {
		return Outcome{}, fmt.Errorf("load q.csv: %w", errBusy)
	}
	f.tasks["stuck"] = func(ctx context.Context, run Run) (Outcome, error) {
		<-ctx.Done()
		return Outcome{}, ctx.Err()
	}
	e := f.engine(`jobs:
  - name: broken
    cron: "0 1 * * *"
    type: ingest
    retries: 1
  - name: stuck
    cron: "0 1 * * *"
    type: sql
    timeout: 50ms
`, Options{Sleep: func(ctx context.Context, d time.Duration) error { return nil }})
	rec, err := e.RunNow(context.Background(), "broken", true)
	if rec.Attempt != 2 || !errors.Is(err, errBusy) || err.Error() != "job broken failed: load q.csv: warehouse busy" {
		t.Errorf("after the retry: %+v %v (is busy: %v)", rec, err, errors.Is(err, errBusy))
	}
	var re *RunError
	if !errors.As(err, &re) || re.Job != "broken" || re.Status != Failed {
		t.Errorf("RunError %+v", re)
	}
	_, err = e.RunNow(context.Background(), "stuck", false)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 50ms: context deadline exceeded") {
		t.Errorf("timed out: %v", err)
	}
}

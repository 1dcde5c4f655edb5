package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/internal/site"
	"enlist/pipelines/load"
	"enlist/schedules"
)

// Every type a schedule may name has a task, so a valid schedule never
// fails for want of one.
func TestEveryJobTypeHasATask(t *testing.T) {
	kinds := Kinds()
	for _, typ := range schedules.Types() {
		if kinds[typ] == nil {
			t.Errorf("job type %s has no task", typ)
		}
	}
}

func parseJobs(t *testing.T, text string) []schedules.Job {
	t.Helper()
	jobs, err := schedules.Parse("jobs.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// A job's bad params are refused when the service starts, each naming the
// schedule file, the line of the param and what to write instead, in the
// words the command line uses for the same flag.
func TestParamsRefusedAtTheirLine(t *testing.T) {
	s := &site.Site{DB: filepath.Join(t.TempDir(), "w.duckdb")}
	for _, c := range []struct {
		text string
		want []string
	}{
		{`jobs:
  - name: in
    cron: "0 1 * * *"
    type: ingest
    params:
      inbox: inbox
      mode: replace
      kind: pizza
      season: 3
      settle: -1m
`, []string{`jobs.yaml:7: job in: mode: "replace": use snapshot or incremental`,
			`jobs.yaml:8: job in: kind: "pizza": use one of`,
			`jobs.yaml:9: job in: season: must be 1 or 2`,
			`jobs.yaml:10: job in: settle: must not be negative`}},
		{`jobs:
  - name: in
    cron: "0 1 * * *"
    type: ingest
`, []string{`jobs.yaml:2: job in: inbox: give the inbox folder`}},
		{`jobs:
  - name: rep
    cron: "0 7 * * 1"
    type: report
    params:
      report: monthly
      scopes: ["41"]
      season: 5
      as_of: last week
      lang: fr
`, []string{`jobs.yaml:6: job rep: report: "monthly": use weekly or quality`,
			`jobs.yaml:8: job rep: season: must be 1 or 2`,
			`jobs.yaml:9: job rep: as_of: "last week": use due, previous_day or YYYY-MM-DD`,
			`jobs.yaml:10: job rep: lang: `}},
		{`jobs:
  - name: up
    cron: "0 7 * * 1"
    type: rollup
`, []string{`job up: sources: give at least one source`}},
		{`jobs:
  - name: pq
    cron: "0 7 * * 1"
    type: export
    params:
      out: parquet
      kinds: [people]
`, []string{`jobs.yaml:7: job pq: kinds: "people": use one of quotas, `}},
		{`jobs:
  - name: q
    cron: "0 7 * * 1"
    type: sql
    params:
      query: SELECT 1
      out: out.pdf
      format: pdf
      vars: {as_of: "2025-03-05", colour: red}
`, []string{`job q: vars: unknown variable "colour"`}},
		{`jobs:
  - name: q
    cron: "0 7 * * 1"
    type: sql
    params:
      query: SELECT 1
      file: q.sql
      out: out.csv
`, []string{`job q: query: give the query, or file naming a .sql file (one of them)`}},
		{`jobs:
  - name: q
    cron: "0 7 * * 1"
    type: sql
    params:
      query: SELECT 1
      out: out.pdf
      format: pdf
`, []string{`jobs.yaml:8: job q: format: use table, csv, json or xlsx`}},
	} {
		job := parseJobs(t, c.text)[0]
		_, err := Kinds()[job.Type](s, job)
		if err == nil {
			t.Errorf("%s job accepted:\n%s", job.Type, c.text)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s job: error lacks %q:\n%v", job.Type, w, err)
			}
		}
		var se *schedules.Error
		if !errors.As(err, &se) {
			t.Errorf("%s job: %T is not a *schedules.Error", job.Type, err)
		}
	}
}

// The ingest command's flags are checked by the same rule as the job's
// params.
func TestCheckLoadOptions(t *testing.T) {
	if p := CheckLoadOptions(load.Options{Mode: load.Incremental, Season: 2, Kind: "exams"}); len(p) != 0 {
		t.Errorf("good options refused: %+v", p)
	}
	p := CheckLoadOptions(load.Options{Mode: "append", Season: -1, Kind: "people"})
	if len(p) != 3 || p[0] != (Problem{"mode", `"append": use snapshot or incremental`}) ||
		p[1] != (Problem{"season", "must be 1 or 2"}) || p[2].Param != "kind" || !strings.HasPrefix(p[2].Message, `"people": use one of `) {
		t.Errorf("problems %+v", p)
	}
}

// A report's as-of date is the day it was due in the job's zone: Monday
// 07:00 in Beijing is still Sunday in UTC, and the bulletin is Monday's.
func TestAsOfPolicy(t *testing.T) {
	bj, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2025, 3, 2, 23, 0, 0, 0, time.UTC).In(bj) // Monday 3 March, 07:00 in Beijing
	monday := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	if got := AsOf("", time.Time{}, due); !got.Equal(monday) {
		t.Errorf("due: %v, want %v", got, monday)
	}
	if got := AsOf("due", time.Time{}, due); !got.Equal(monday) {
		t.Errorf("due: %v, want %v", got, monday)
	}
	if got := AsOf("previous_day", time.Time{}, due); !got.Equal(monday.AddDate(0, 0, -1)) {
		t.Errorf("previous_day: %v, want 2 March", got)
	}
	fixed := time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)
	if got := AsOf("2025-08-31", fixed, due); !got.Equal(fixed) {
		t.Errorf("fixed: %v", got)
	}
}

// Writers take turns: a second writer waits for the first, and gives up
// when its context ends while waiting.
func TestOneWriterTakesTurns(t *testing.T) {
	turn := make(chan struct{}, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	release := make(chan struct{})
	started := make(chan struct{})
	first := oneWriter(turn, log, func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		close(started)
		<-release
		return schedules.Outcome{Message: "first"}, nil
	})
	ran := false
	second := oneWriter(turn, log, func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		ran = true
		return schedules.Outcome{Message: "second"}, nil
	})
	done := make(chan error, 1)
	go func() {
		_, err := first(context.Background(), schedules.Run{})
		done <- err
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := second(ctx, schedules.Run{}); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("second writer while the first held the turn: ran %v, %v", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out, err := second(context.Background(), schedules.Run{}); err != nil || out.Message != "second" {
		t.Fatalf("second writer after the first: %+v %v", out, err)
	}
}

// The engine runs the real jobs on a real site, as enlist run does: an
// ingest from the inbox, then an SQL job reading the published copy and
// writing its dated CSV, each recorded in job_runs.
func TestEngineRunsJobsOnASite(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	t.Setenv("ENLIST_SECRET_FILE", "")
	ctx := context.Background()
	dir := t.TempDir()
	s := &site.Site{DB: filepath.Join(dir, "w.duckdb"), Limits: config.Resources{Threads: 1}}
	if _, err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	quotas := filepath.Join(dir, "inbox", "q.csv")
	if err := os.MkdirAll(filepath.Dir(quotas), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(quotas, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(quotas, old, old); err != nil {
		t.Fatal(err)
	}
	sch := filepath.Join(dir, "schedules")
	if err := os.MkdirAll(sch, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sch, "jobs.yaml"), []byte(`jobs:
  - name: nightly
    cron: "30 1 * * *"
    zone: UTC
    type: ingest
    params:
      inbox: inbox
      settle: 1m
  - name: counts
    cron: "0 8 * * 1"
    zone: UTC
    type: sql
    params:
      query: "SELECT kind, sum(rows_accepted) AS rows, sum(rows_read) AS read FROM load_ledger GROUP BY kind"
      out: out/counts-{date}.csv
`), 0o640); err != nil {
		t.Fatal(err)
	}
	eng, err := Engine(s, sch)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := eng.RunNow(ctx, "nightly", false)
	if err != nil || rec.Status != schedules.Succeeded || !strings.Contains(rec.Message, "1 files loaded (2 rows read") {
		t.Fatalf("nightly: %+v %v", rec, err)
	}
	rec, err = eng.RunNow(ctx, "counts", false)
	if err != nil || rec.Status != schedules.Succeeded || rec.Counts["rows"] != 1 {
		t.Fatalf("counts: %+v %v", rec, err)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	got, err := os.ReadFile(filepath.Join(dir, "out", "counts-"+day+".csv"))
	if err != nil || string(got) != "kind,rows,read\nquotas,2,2\n" {
		t.Fatalf("sql job output %q %v", got, err)
	}
	runs, err := s.RecentRuns(ctx, 3)
	if err != nil || len(runs["nightly"]) != 1 || len(runs["counts"]) != 1 || runs["counts"][0].Trigger != schedules.TriggerManual {
		t.Fatalf("recorded runs %+v %v", runs, err)
	}
}

// enlist export --kind and the export job's kinds read kinds the same way.
func TestExportKinds(t *testing.T) {
	got, err := ExportKinds([]string{"quotas, approvals", "", "registrations"})
	if err != nil || strings.Join(got, "|") != "quotas|approvals|registrations" {
		t.Errorf("kinds %q %v", got, err)
	}
	if got, err := ExportKinds(nil); err != nil || got != nil {
		t.Errorf("no kinds: %q %v", got, err)
	}
	if _, err := ExportKinds([]string{"quotas,people"}); err == nil || !strings.HasPrefix(err.Error(), `"people": use one of quotas, `) {
		t.Errorf("unknown kind: %v", err)
	}
}

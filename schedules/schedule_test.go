package schedules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodFile = `# two jobs
jobs:
  - name: nightly-ingest
    description: extracts the offices dropped during the day
    cron: "30 1 * * *"
    type: ingest
    params:
      inbox: inbox
      settle: 2m
    retries: 2
    backoff: 30s
    catch_up: true
  - name: weekly
    cron: "0 7 * * 1"
    zone: UTC
    type: report
    timeout: 1h
  - name: tick
    cron: "*/5 * * * * *"
    type: sql
`

func TestParseGoodFile(t *testing.T) {
	jobs, err := Parse("default.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("%d jobs", len(jobs))
	}
	in := jobs[0]
	if in.Name != "nightly-ingest" || in.Type != Ingest || in.Retries != 2 || in.Backoff != 30*time.Second ||
		!in.CatchUp || in.Zone.String() != "Asia/Shanghai" || in.Line != 3 || in.File != "default.yaml" {
		t.Errorf("ingest job: %+v", in)
	}
	var p struct {
		Inbox  string        `yaml:"inbox"`
		Settle time.Duration `yaml:"settle"`
	}
	if err := in.DecodeParams(&p); err != nil || p.Inbox != "inbox" || p.Settle != 2*time.Minute {
		t.Errorf("params %+v %v", p, err)
	}
	// 01:30 Beijing time is 17:30 UTC the day before.
	next := in.Next(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC); !next.Equal(want) || next.Location().String() != "Asia/Shanghai" {
		t.Errorf("next %v, want %v in Asia/Shanghai", next, want)
	}
	weekly := jobs[1]
	if weekly.Zone != time.UTC || weekly.Timeout != time.Hour || weekly.Retries != 0 || weekly.CatchUp {
		t.Errorf("weekly: %+v", weekly)
	}
	// 2026-03-02 is a Monday.
	if next := weekly.Next(time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("weekly next %v", next)
	}
	tick := jobs[2]
	if next := tick.Next(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)); !next.Equal(time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC)) {
		t.Errorf("seconds spec next %v", next)
	}
}

func TestParseBadFiles(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string // each must appear in the message
	}{
		{"unknown key", "jobs:\n  - name: a\n    cron: '* * * * *'\n    type: ingest\n    retry: 3\n",
			[]string{"bad.yaml:5:", `unknown key "retry"`}},
		{"bad cron", "jobs:\n  - name: a\n    cron: '61 * * * *'\n    type: ingest\n",
			[]string{"bad.yaml:3:", "cron spec", "61"}},
		{"too many fields", "jobs:\n  - name: a\n    cron: '* * * * * * *'\n    type: ingest\n",
			[]string{"bad.yaml:3:", "cron spec"}},
		{"zone in spec", "jobs:\n  - name: a\n    cron: 'CRON_TZ=UTC 0 1 * * *'\n    type: ingest\n",
			[]string{"bad.yaml:3:", "zone key"}},
		{"unknown type", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: pizza\n",
			[]string{"bad.yaml:4:", `unknown job type "pizza"`, "ingest, report, rollup, export, sql"}},
		{"unknown zone", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n    zone: Mars/Olympus\n",
			[]string{"bad.yaml:5:", `unknown time zone "Mars/Olympus"`}},
		{"duplicate name", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n  - name: a\n    cron: '0 2 * * *'\n    type: sql\n",
			[]string{"bad.yaml:5:", `duplicate job name "a"`, "first at bad.yaml:2"}},
		{"missing type", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n",
			[]string{"bad.yaml:2:", "no type"}},
		{"bad retries", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n    retries: many\n",
			[]string{"bad.yaml:5:", "retries"}},
		{"bad backoff", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n    retries: 1\n    backoff: soon\n",
			[]string{"bad.yaml:6:", "backoff"}},
		{"bad catch_up", "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n    catch_up: sometimes\n",
			[]string{"bad.yaml:5:", "catch_up"}},
		{"name with space", "jobs:\n  - name: my job\n    cron: '0 1 * * *'\n    type: ingest\n",
			[]string{"bad.yaml:2:", "job name"}},
		{"syntax", "jobs:\n  - name: a\n   cron: [\n",
			[]string{"bad.yaml:"}},
		{"unknown top key", "job:\n  - name: a\n",
			[]string{"bad.yaml:1:", `unknown key "job"`}},
		{"not a list", "jobs:\n  name: a\n",
			[]string{"bad.yaml:2:", "must be a list"}},
		{"empty", "", []string{"bad.yaml", "empty"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			jobs, err := Parse("bad.yaml", []byte(c.text))
			if err == nil {
				t.Fatalf("accepted: %+v", jobs)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestBadParams(t *testing.T) {
	text := "jobs:\n  - name: a\n    cron: '0 1 * * *'\n    type: ingest\n    params:\n      inbox: x\n      setle: 1m\n" +
		"  - name: b\n    cron: '0 1 * * *'\n    type: ingest\n    params:\n      settle: [1, 2]\n"
	jobs, err := Parse("p.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	type params struct {
		Inbox  string        `yaml:"inbox"`
		Settle time.Duration `yaml:"settle"`
	}
	var p params
	err = jobs[0].DecodeParams(&p)
	if err == nil || !strings.Contains(err.Error(), "p.yaml:7:") || !strings.Contains(err.Error(), `unknown parameter "setle"`) {
		t.Errorf("unknown param: %v", err)
	}
	err = jobs[1].DecodeParams(&p)
	if err == nil || !strings.Contains(err.Error(), "p.yaml:12:") {
		t.Errorf("wrong kind of value: %v", err)
	}
	if err := jobs[0].ParamError("inbox", "no such folder"); !strings.Contains(err.Error(), "p.yaml:6: job a: inbox: no such folder") {
		t.Errorf("param error: %v", err)
	}
}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "jobs:\n  - name: one\n    cron: '0 1 * * *'\n    type: ingest\n")
	write("b.yml", "jobs:\n  - name: two\n    cron: '0 2 * * *'\n    type: sql\n")
	write("notes.txt", "not a schedule")
	jobs, err := Load(dir)
	if err != nil || len(jobs) != 2 || jobs[0].Name != "one" || jobs[1].Name != "two" {
		t.Fatalf("load: %v %+v", err, jobs)
	}
	// The same name in two files is refused, naming both.
	write("c.yaml", "jobs:\n  - name: extra\n    cron: '0 3 * * *'\n    type: sql\n  - name: one\n    cron: '0 3 * * *'\n    type: sql\n")
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "c.yaml")+":5:") || !strings.Contains(err.Error(), filepath.Join(dir, "a.yaml")+":2") {
		t.Errorf("duplicate across files: %v", err)
	}
	// A duplicate within one file is reported once, not again by the
	// folder's check.
	write("d.yaml", "jobs:\n  - name: twice\n    cron: '0 4 * * *'\n    type: sql\n  - name: twice\n    cron: '0 5 * * *'\n    type: sql\n")
	jobs, err = Load(dir)
	if n := strings.Count(fmt.Sprint(err), `duplicate job name "twice"`); n != 1 {
		t.Errorf("duplicate within a file reported %d times: %v", n, err)
	}
	for _, j := range jobs {
		if j.Name == "twice" && j.Line != 2 {
			t.Errorf("kept the second job named twice (line %d), want the first", j.Line)
		}
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .yaml files") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestLastDue(t *testing.T) {
	jobs, err := Parse("x.yaml", []byte("jobs:\n  - name: weekly\n    cron: '0 7 * * 1'\n    type: report\n"+
		"  - name: every-second\n    cron: '* * * * * *'\n    type: sql\n    zone: UTC\n"))
	if err != nil {
		t.Fatal(err)
	}
	cst := jobs[0].Zone
	weekly := jobs[0]
	last := time.Date(2026, 3, 2, 7, 0, 0, 0, cst) // a Monday
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, cst)
	// Mondays 9 and 16 March were missed; the latest is the one to run.
	due, ok := weekly.LastDue(last, now)
	if !ok || !due.Equal(time.Date(2026, 3, 16, 7, 0, 0, 0, cst)) {
		t.Errorf("weekly last due %v %v", due, ok)
	}
	if _, ok := weekly.LastDue(time.Date(2026, 3, 16, 7, 0, 0, 0, cst), now); ok {
		t.Error("nothing is due after the last run")
	}
	// A seconds spec after a long downtime answers at once.
	sec := jobs[1]
	now = time.Date(2026, 3, 20, 12, 0, 0, 500, time.UTC)
	due, ok = sec.LastDue(now.AddDate(-1, 0, 0), now)
	if !ok || !due.Equal(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("seconds last due %v %v", due, ok)
	}
}

func TestRunDated(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// Due 17:30 UTC on 1 March is 01:30 on 2 March in Beijing: the date
	// is the job's zone's.
	run := Run{Job: Job{Zone: shanghai}, Scheduled: time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC)}
	for in, want := range map[string]string{
		"bulletins/{date}":        "bulletins/2026-03-02",
		"out/counts-{date}.csv":   "out/counts-2026-03-02.csv",
		"{date}..{date}":          "2026-03-02..2026-03-02",
		"no placeholder, no date": "no placeholder, no date",
	} {
		if got := run.Dated(in); got != want {
			t.Errorf("Dated(%q) = %q, want %q", in, got, want)
		}
	}
}

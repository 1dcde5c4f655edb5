package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/inbox"
)

func writeSchedule(t *testing.T, dir, text string) string {
	t.Helper()
	sch := filepath.Join(dir, "schedules")
	if err := os.MkdirAll(sch, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sch, "jobs.yaml"), []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	return sch
}

// settled writes a file an hour old, so the inbox takes it at once.
func settled(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func queryInt(t *testing.T, db, q string) int {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), db, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var n int
	if err := wh.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestShippedScheduleIsValid(t *testing.T) {
	code, out, errs := enlist(t, "--db", filepath.Join(t.TempDir(), "w.duckdb"), "jobs", "--schedules", "../../schedules")
	if code != exitOK {
		t.Fatalf("enlist jobs on schedules/: %d %s", code, errs)
	}
	for _, want := range []string{"nightly-ingest", "weekly-bulletin", "provincial-rollup", "30 1 * * *", "0 7 * * 1", "0 23 * * 0", "Asia/Shanghai", "(none recorded yet)"} {
		if !strings.Contains(out, want) {
			t.Errorf("enlist jobs lacks %q:\n%s", want, out)
		}
	}
	// Monday 07:00 in Beijing: the next bulletin falls on a Monday.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "weekly-bulletin") && !strings.Contains(line, "07:00:00 Mon") {
			t.Errorf("bulletin's next run: %s", line)
		}
	}
}

func TestServiceCommands(t *testing.T) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if code, _, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	sch := writeSchedule(t, dir, `jobs:
  - name: nightly
    cron: "30 1 * * *"
    type: ingest
    params:
      inbox: inbox
      settle: 1m
  - name: bulletin
    cron: "0 7 * * 1"
    type: report
    params:
      scopes: ["11"]
  - name: city-bulletin
    cron: "0 7 * * 1"
    type: report
    params:
      scopes: ["4101"]
      as_of: 2025-03-31
  - name: parquet
    cron: "0 3 * * *"
    type: export
    params:
      out: parquet/{date}
      kinds: [quotas]
  - name: counts
    cron: "0 8 * * 1"
    type: sql
    params:
      query: "SELECT kind, sum(rows_accepted) AS rows FROM load_ledger GROUP BY kind"
      out: out/counts-{date}.csv
`)
	settled(t, filepath.Join(dir, "inbox", "q.csv"), "年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n")
	settled(t, filepath.Join(dir, "inbox", "bad.csv"), "甲,乙\n1,2\n")

	code, out, errs := enlist(t, "--db", db, "run", "--schedules", sch, "nightly")
	// One file loaded, one refused: the run is partial, with its counts,
	// and enlist run says so with exit status 1.
	if code != exitFailure || !strings.Contains(out, "nightly: partial") || !strings.Contains(out, "1 files loaded (2 rows read") || !strings.Contains(out, "1 failed") {
		t.Fatalf("run nightly: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "run started") || !strings.Contains(errs, "inbox: loading") {
		t.Errorf("no structured log of the run:\n%s", errs)
	}
	day := time.Now().In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02")
	for _, p := range []string{"inbox/processed/" + day + "/q.csv", "inbox/failed/" + day + "/bad.csv", "inbox/failed/" + day + "/bad.csv.why.txt"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// The bulletin finds no registrations yet: the run fails saying why,
	// and is recorded like any failure.
	code, out, errs = enlist(t, "--db", db, "run", "--schedules", sch, "bulletin")
	if code != exitFailure || !strings.Contains(out, "bulletin: failed") || !strings.Contains(out, "no data") {
		t.Errorf("run bulletin: %d\n%s\n%s", code, out, errs)
	}
	// The bulletin and the export write what `enlist report` and `enlist
	// export` write.
	code, out, errs = enlist(t, "--db", db, "run", "--schedules", sch, "city-bulletin")
	if code != exitOK || !strings.Contains(out, "weekly report as of 2025-03-31") {
		t.Errorf("run city-bulletin: %d\n%s\n%s", code, out, errs)
	}
	for _, ext := range []string{".xlsx", ".html"} {
		if _, err := os.Stat(filepath.Join(dir, "bulletins", "bulletin_4101_20250331"+ext)); err != nil {
			t.Errorf("bulletin %s: %v", ext, err)
		}
	}
	code, out, errs = enlist(t, "--db", db, "run", "--schedules", sch, "parquet")
	if code != exitOK {
		t.Errorf("run parquet: %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "parquet", day, "_export.json")); err != nil {
		t.Errorf("export note: %v", err)
	}
	// The SQL job reads the published copy, which the ingest run published.
	code, out, errs = enlist(t, "--db", db, "run", "--schedules", sch, "counts")
	if code != exitOK {
		t.Fatalf("run counts: %d\n%s\n%s", code, out, errs)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "out", "counts-"+time.Now().In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02")+".csv"))
	if err != nil || !strings.Contains(string(csv), "quotas,2") {
		t.Errorf("sql job output %q %v", csv, err)
	}

	code, out, errs = enlist(t, "--db", db, "jobs", "--schedules", sch)
	if code != exitOK || !strings.Contains(out, "Last runs:") {
		t.Fatalf("jobs: %d\n%s\n%s", code, out, errs)
	}
	last := map[string]string{}
	for _, line := range strings.Split(out[strings.Index(out, "Last runs:"):], "\n") {
		if f := strings.Fields(line); len(f) >= 7 {
			last[f[0]] = strings.Join(f[1:2], "") + " " + f[4] + " " + f[6]
		}
	}
	for job, want := range map[string]string{"nightly": "1 manual partial", "bulletin": "2 manual failed",
		"city-bulletin": "3 manual succeeded", "parquet": "4 manual succeeded", "counts": "5 manual succeeded"} {
		if last[job] != want {
			t.Errorf("jobs: last run of %s %q, want %q:\n%s", job, last[job], want, out)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM job_runs WHERE finished_at IS NOT NULL AND host IS NOT NULL AND pid > 0`); n != 5 {
		t.Errorf("%d complete run records, want 5", n)
	}

	if code, _, _ := enlist(t, "--db", db, "run", "--schedules", sch, "nosuchjob"); code != exitUsage {
		t.Errorf("unknown job: exit %d", code)
	}
	if code, _, _ := enlist(t, "--db", db, "run", "--schedules", sch); code != exitUsage {
		t.Errorf("no job named: exit %d", code)
	}
	// A bad schedule stops every command that reads it, naming file and line.
	bad := writeSchedule(t, filepath.Join(dir, "bad"), "jobs:\n  - name: x\n    cron: '0 25 * * *'\n    type: ingest\n"+
		"  - name: y\n    cron: '0 1 * * *'\n    type: ingest\n    params:\n      inbox: in\n      settel: 1m\n")
	for _, cmd := range []string{"serve", "jobs"} {
		code, _, errs := enlist(t, "--db", db, cmd, "--schedules", bad)
		if code != exitFailure || !strings.Contains(errs, "jobs.yaml:3:") || !strings.Contains(errs, "jobs.yaml:10:") || !strings.Contains(errs, `"settel"`) {
			t.Errorf("%s with a bad schedule: %d %s", cmd, code, errs)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// buildEnlist compiles the binary for tests that need a real process.
func buildEnlist(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "enlist")
	cmd := exec.Command(goTool, "build", "-tags", "duckdb_arrow", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build enlist: %v\n%s", err, out)
	}
	return bin
}

// writeRegistrations writes n valid registrations of one county, enough
// for a load to take a few seconds.
func writeInboxRegistrations(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "身份证号,区划代码,登记日期,年度,季度")
	start := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "%s,410102001,2025-03-01,2025,上半年\n", idnum.Make("410102", start.AddDate(0, 0, i/1000), i%1000))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
}

// TestSIGTERMDuringIngest stops `enlist serve` while its scheduled ingest
// is in the middle of a file: the file must be loaded whole or not at all,
// stay in the inbox when not loaded, the ledger must agree with the rows,
// and the run must be recorded.
func TestSIGTERMDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads 400,000 rows")
	}
	t.Setenv(secret.EnvVar, "")
	bin := buildEnlist(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if out, err := exec.Command(bin, "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	const rows = 400_000
	inboxFile := filepath.Join(dir, "inbox", "登记.csv")
	os.MkdirAll(filepath.Dir(inboxFile), 0o750)
	writeInboxRegistrations(t, inboxFile, rows)
	// Every second, so the test does not wait for a real schedule.
	sch := writeSchedule(t, dir, "jobs:\n  - name: ingest\n    cron: '* * * * * *'\n    type: ingest\n    params:\n      inbox: inbox\n      settle: 1s\n")

	serve := exec.Command(bin, "--db", db, "--threads", "2", "serve", "--schedules", sch, "--grace", "0s")
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	midLoad := make(chan struct{})
	logDone := make(chan string)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			// The loader reports every 50,000 rows read inside the file's
			// transaction: the file is half loaded now.
			if !signalled && strings.Contains(line, "msg=loading") && strings.Contains(line, "rows_read=") {
				signalled = true
				close(midLoad)
			}
		}
		logDone <- log.String()
	}()
	select {
	case <-midLoad:
	case <-time.After(90 * time.Second):
		serve.Process.Kill()
		t.Fatalf("the ingest never got under way:\n%s", <-logDone)
	}
	// A second service on the same warehouse is refused at once.
	out, err := exec.Command(bin, "--db", db, "serve", "--schedules", sch).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another enlist serve is running") || !strings.Contains(string(out), fmt.Sprintf("pid %d", serve.Process.Pid)) {
		t.Errorf("second serve: %v\n%s", err, out)
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(60 * time.Second):
		serve.Process.Kill()
		t.Fatalf("serve did not stop after SIGTERM:\n%s", <-logDone)
	}
	t.Logf("serve exited %.2fs after SIGTERM", time.Since(signalled).Seconds())
	log := <-logDone
	if waitErr != nil {
		t.Errorf("serve exited with %v after SIGTERM, want a clean stop:\n%s", waitErr, log)
	}
	if !strings.Contains(log, "stopping: no new runs") || !strings.Contains(log, "msg=stopped") {
		t.Errorf("no stop in the log:\n%s", log)
	}

	// The warehouse opens (nothing half written) and agrees with itself.
	loaded := queryInt(t, db, `SELECT count(*) FROM load_ledger`)
	regs := queryInt(t, db, `SELECT count(*) FROM registrations`)
	if mismatch := queryInt(t, db, `SELECT count(*) FROM load_ledger l
		WHERE rows_accepted <> (SELECT count(*) FROM registrations r WHERE r.load_id = l.load_id)`); mismatch != 0 {
		t.Errorf("%d ledger rows disagree with the rows stored", mismatch)
	}
	status := ""
	wh, err := warehouse.Open(context.Background(), db, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var runs int
	err = wh.DB().QueryRow(`SELECT count(*), coalesce(arg_max(status, run_id), '') FROM job_runs WHERE finished_at IS NOT NULL`).Scan(&runs, &status)
	wh.Close()
	if err != nil {
		t.Fatal(err)
	}
	if queryInt(t, db, `SELECT count(*) FROM job_runs WHERE status = 'running'`) != 0 {
		t.Error("a run is left recorded as running")
	}
	_, stillInInbox := os.Stat(inboxFile)
	switch {
	case loaded == 0 && regs == 0:
		// Not at all: the transaction rolled back, the file waits in the inbox.
		t.Logf("stopped mid-load: nothing of the file stored, run %s, file still in the inbox", status)
		if status != "cancelled" || stillInInbox != nil {
			t.Errorf("interrupted load: last run %q (want cancelled), file in inbox: %v\n%s", status, stillInInbox == nil, log)
		}
	case loaded == 1 && regs == rows:
		t.Logf("the load finished before the stop reached it; run %s", status)
	default:
		t.Fatalf("half a load: %d ledger rows, %d registrations of %d", loaded, regs, rows)
	}
	if runs == 0 {
		t.Fatalf("no run recorded:\n%s", log)
	}

	// The next run loads the file whole and moves it out of the inbox.
	out, err = exec.Command(bin, "--db", db, "run", "--schedules", sch, "ingest").CombinedOutput()
	if err != nil {
		t.Fatalf("run after the stop: %v\n%s", err, out)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM registrations`); n != rows {
		t.Errorf("%d registrations after the next run, want %d", n, rows)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM load_ledger WHERE rows_read = 400000 AND rows_accepted = 400000`); n != 1 {
		t.Errorf("%d ledger rows for the whole file, want 1", n)
	}
	if _, err := os.Stat(inboxFile); err == nil {
		t.Error("the file is still in the inbox after it loaded")
	}
}

// TestLongNameUnderServe drops a 253-byte Chinese file name into the inbox
// of a running service (one to load, one to refuse), lets the job run,
// then stops the service with SIGTERM: the files end in processed/ and
// failed/ under shortened names, later runs are not skipped as "still
// going", and the service exits within its grace period.
func TestLongNameUnderServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the service")
	}
	t.Setenv(secret.EnvVar, "")
	bin := buildEnlist(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if out, err := exec.Command(bin, "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	long := func(prefix string) string {
		name := prefix
		for len(name)+len(".csv")+3 <= 253 {
			name += "征"
		}
		for len(name)+len(".csv") < 253 {
			name += "x"
		}
		return name + ".csv"
	}
	good, bad := long("q"), long("b")
	settled(t, filepath.Join(dir, "inbox", "a.csv"), "年度,批次,区划代码,征集任务数\n2025,上半年,410103,80\n")
	settled(t, filepath.Join(dir, "inbox", good), "年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n")
	settled(t, filepath.Join(dir, "inbox", bad), "甲,乙\n1,2\n")
	sch := writeSchedule(t, dir, "jobs:\n  - name: inbox\n    cron: '*/5 * * * * *'\n    type: ingest\n    params:\n      inbox: inbox\n      settle: 1s\n")

	const grace = 4 * time.Second
	serve := exec.Command(bin, "--db", db, "--threads", "2", "serve", "--schedules", sch, "--grace", grace.String())
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan struct{})
	logDone := make(chan string)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		runs := 0
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			// The run that took the files, then one more run after it.
			if strings.Contains(line, "msg=\"run finished\"") {
				if runs++; runs == 2 {
					close(finished)
				}
			}
		}
		logDone <- log.String()
	}()
	select {
	case <-finished:
	case <-time.After(90 * time.Second):
		serve.Process.Signal(syscall.SIGTERM)
		time.Sleep(grace + 2*time.Second)
		serve.Process.Kill()
		t.Fatalf("the inbox runs did not finish:\n%s", <-logDone)
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	select {
	case <-exited:
	case <-time.After(grace + 3*time.Second):
		serve.Process.Kill()
		t.Fatalf("serve still running %s after SIGTERM (grace %s):\n%s", time.Since(signalled), grace, <-logDone)
	}
	log := <-logDone
	// Later runs ran (the test waited for a second run to finish): the
	// hang left every later run "skipped: still going". A slow run on a
	// busy machine may still overlap a tick now and then; that is not it.
	if strings.Count(log, `msg="run finished"`) < 2 {
		t.Errorf("fewer than two runs finished:\n%s", log)
	}
	day := time.Now().In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02")
	// The first run may fall just before midnight in Beijing; the files are
	// looked for under either day.
	found := func(sub, name string) bool {
		for _, d := range []string{day, time.Now().Add(-time.Minute).In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02")} {
			if _, err := os.Stat(filepath.Join(dir, "inbox", sub, d, name)); err == nil {
				return true
			}
		}
		return false
	}
	for _, c := range []struct{ sub, name string }{
		{"processed", "a.csv"},
		{"processed", inbox.StoredName(good, 255)},
		{"failed", inbox.StoredName(bad, 255)},
		{"failed", inbox.StoredName(bad, 255) + ".why.txt"},
	} {
		if !found(c.sub, c.name) {
			t.Errorf("%s/%s missing:\n%s", c.sub, c.name, log)
		}
	}
	for _, name := range []string{good, bad, "a.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "inbox", name)); err == nil {
			t.Errorf("%s is still in the inbox", name)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM load_ledger`); n != 2 {
		t.Errorf("%d ledger rows, want 2", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM load_ledger WHERE file = '`+filepath.Join(dir, "inbox", good)+`'`); n != 1 {
		t.Errorf("the ledger does not keep the long file's original name")
	}
}

// TestTwoJobsInOneMinutePublish runs an ingest and a query job on the same
// second under `enlist serve`: while the ingest holds the warehouse, the
// other job's end publishes too. Neither may fail to publish (DuckDB's
// "different configuration" when one job's read-only hold met the other's
// write), the loaded rows must reach the published copy, runs that change
// nothing readers use must not copy the warehouse again, and no more than
// keep_versions copies may stay on disk.
func TestTwoJobsInOneMinutePublish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the service")
	}
	t.Setenv(secret.EnvVar, "")
	bin := buildEnlist(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if out, err := exec.Command(bin, "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "enlist.yaml"), []byte("publish:\n  keep_versions: 2\n"), 0o640)
	const rows = 30_000
	os.MkdirAll(filepath.Join(dir, "inbox"), 0o750)
	writeInboxRegistrations(t, filepath.Join(dir, "inbox", "登记.csv"), rows)
	sch := writeSchedule(t, dir, `jobs:
  - name: inbox
    cron: "*/5 * * * * *"
    type: ingest
    params:
      inbox: inbox
      settle: 1s
  - name: count
    cron: "*/5 * * * * *"
    type: sql
    params:
      query: "SELECT count(*) AS n FROM registrations"
      out: out/n.csv
`)
	serve := exec.Command(bin, "--db", db, "--threads", "2", "serve", "--schedules", sch, "--grace", "5s")
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	enough := make(chan struct{})
	logDone := make(chan string)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		ingests, counts, closed := 0, 0, false
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if strings.Contains(line, `msg="run finished"`) {
				switch {
				case strings.Contains(line, "job=inbox"):
					ingests++
				case strings.Contains(line, "job=count") && ingests > 0:
					counts++
				}
			}
			// The loading run, then two rounds of both jobs after it.
			if !closed && ingests >= 3 && counts >= 2 {
				closed = true
				close(enough)
			}
		}
		logDone <- log.String()
	}()
	select {
	case <-enough:
	case <-time.After(3 * time.Minute):
		serve.Process.Signal(syscall.SIGTERM)
		t.Fatalf("the jobs did not run:\n%s", <-logDone)
	}
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()
	log := <-logDone
	for _, bad := range []string{"not published", "different configuration", "level=ERROR"} {
		if strings.Contains(log, bad) {
			t.Errorf("the log has %q:\n%s", bad, log)
		}
	}
	if !strings.Contains(log, "published copy already current") {
		t.Errorf("no run was spared a copy of an unchanged warehouse:\n%s", log)
	}
	// The published copy has the load, as the query job saw it.
	out, err := exec.Command(bin, "--db", db, "sql", "--format", "csv", "SELECT count(*) AS n FROM registrations").Output()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("n\n%d", rows) {
		t.Errorf("published copy: %q %v", out, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "n.csv")); err != nil || strings.TrimSpace(string(b)) != fmt.Sprintf("n\n%d", rows) {
		t.Errorf("the query job's last result: %q %v", b, err)
	}
	vs, _ := filepath.Glob(filepath.Join(warehouse.PublishedDir(db), "v*.duckdb"))
	if len(vs) > 2 {
		t.Errorf("%d published versions on disk, keep_versions is 2: %v", len(vs), vs)
	}
	// enlist jobs shows every run, though runs that changed nothing were
	// not published.
	out, _ = exec.Command(bin, "--db", db, "jobs", "--schedules", sch, "--runs", "100").Output()
	if got := strings.Count(string(out), "  count  "); got < 2 {
		t.Errorf("enlist jobs shows %d runs of count, want every one:\n%s", got, out)
	}
}

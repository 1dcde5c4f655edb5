// Package loadtest runs the service under load: extracts arriving in the
// inbox while analysts query the published warehouse from other processes.
package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"enlist/internal/reliability/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.Cleanup()
	os.Exit(code)
}

// The arrivals: goodFiles registrations extracts of distinct towns (so no
// snapshot replaces another), with rowsPerFile(i) rows each, and two files
// the loader must refuse.
const goodFiles = 18

func rowsPerFile(i int) int { return 8000 + 500*i }

// consistentQuery asks, in one statement, for the rows stored and the rows
// the ledger says were accepted: equal in any committed state, different
// in a half-loaded one.
const consistentQuery = `SELECT (SELECT count(*) FROM registrations) AS stored,
	(SELECT coalesce(sum(rows_accepted), 0) FROM load_ledger WHERE kind = 'registrations' AND status = 'loaded') AS ledger`

// analyst is one analyst's record of the queries it ran.
type analyst struct {
	queries  int
	errs     []string
	retried  int
	slowest  time.Duration
	last     int // the latest count seen; a later query must not see fewer
	backward int
}

// TestServiceUnderLoad starts enlist serve with an inbox job firing every
// second, drops 20 files into the inbox one after another (written under a
// .part name and renamed, as a careful copy does), while 4 analysts run
// enlist sql in a loop. Every file must end in processed/ or in failed/
// with a reason, every answer must be a committed state and no query may
// fail, and the final count must be the sum of the good files.
func TestServiceUnderLoad(t *testing.T) {
	dir := t.TempDir()
	testkit.MustRun(t, dir, "--db", "w.duckdb", "init")
	schedules := filepath.Join(dir, "schedules")
	if err := os.MkdirAll(schedules, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schedules, "load.yaml"), []byte(`jobs:
  - name: inbox
    cron: "* * * * * *"
    type: ingest
    params: {inbox: inbox, settle: 1s}
    retries: 3
    backoff: 2s
`), 0o600); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, "inbox")
	staging := filepath.Join(dir, "staging")
	for _, d := range []string{inbox, staging} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	// The files, made before the clock starts.
	type arrival struct {
		name string
		data []byte
		good bool
	}
	var arrivals []arrival
	wantRows := 0
	for i := 0; i < goodFiles; i++ {
		n := rowsPerFile(i)
		wantRows += n
		town := fmt.Sprintf("4101%05d", 2001+i) // 410102001, 410102002, …
		arrivals = append(arrivals, arrival{fmt.Sprintf("reg-%02d.csv", i), []byte(testkit.RegCSV(n, i*20000, town, "\r\n")), true})
	}
	arrivals = append(arrivals[:6], append([]arrival{{"garbage.csv", bytes.Repeat([]byte{0, 0xff, 7}, 4096), false}}, arrivals[6:]...)...)
	arrivals = append(arrivals[:13], append([]arrival{{"no-region.csv", []byte("身份证号,登记日期\n" + testkit.Person(999999) + ",2025-01-10\n"), false}}, arrivals[13:]...)...)
	if len(arrivals) != 20 {
		t.Fatalf("%d arrivals", len(arrivals))
	}

	serve := testkit.Command(t, dir, "--db", "w.duckdb", "serve", "--schedules", schedules, "--grace", "60s")
	var serveOut, serveErr bytes.Buffer
	serve.Stdout, serve.Stderr = &serveOut, &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- serve.Wait() }()
	defer func() {
		if serve.ProcessState == nil {
			serve.Process.Kill()
		}
	}()

	// Analysts: each runs the query as its own process, again and again,
	// until told to stop.
	bin := testkit.Binary(t)
	stop := make(chan struct{})
	analysts := make([]*analyst, 4)
	var wg sync.WaitGroup
	for a := range analysts {
		an := &analyst{}
		analysts[a] = an
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				code, out, errs, err := query(bin, dir, consistentQuery)
				an.slowest = max(an.slowest, time.Since(start))
				an.queries++
				if err != nil {
					an.errs = append(an.errs, err.Error())
					continue
				}
				if code != 0 {
					an.errs = append(an.errs, strings.TrimSpace(errs))
					continue
				}
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if len(lines) != 2 {
					an.errs = append(an.errs, "unexpected output: "+out)
					continue
				}
				f := strings.Split(lines[1], ",")
				stored, err1 := strconv.Atoi(f[0])
				ledger, err2 := strconv.Atoi(f[len(f)-1])
				if err1 != nil || err2 != nil || stored != ledger {
					an.errs = append(an.errs, fmt.Sprintf("half a load: stored %q, ledger says %q", f[0], f[len(f)-1]))
					continue
				}
				if stored < an.last {
					an.backward++
				}
				an.last = stored
			}
		}()
	}

	// Arrivals, one every 400 ms.
	start := time.Now()
	for _, a := range arrivals {
		part := filepath.Join(inbox, a.name+".part")
		if err := os.WriteFile(part, a.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(part, filepath.Join(inbox, a.name)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond) // paces the arrivals; nothing waits on it
	}
	// Wait (bounded) for the inbox to empty: every file moved on.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		left, _ := filepath.Glob(filepath.Join(inbox, "*.csv"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("files still in the inbox after 3 minutes: %v\n%s", left, serveErr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("enlist serve stopped with %v\n%s", err, serveErr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("enlist serve did not stop after SIGTERM\n%s", serveErr.String())
	}

	// Every file ended processed or failed with a reason.
	processed := filesUnder(t, filepath.Join(inbox, "processed"))
	failed := filesUnder(t, filepath.Join(inbox, "failed"))
	var goodNames, badNames []string
	for _, a := range arrivals {
		if a.good {
			goodNames = append(goodNames, a.name)
		} else {
			badNames = append(badNames, a.name)
		}
	}
	if got := baseNames(processed, ".csv"); strings.Join(got, " ") != strings.Join(goodNames, " ") {
		t.Errorf("processed: %v, want %v", got, goodNames)
	}
	if got := baseNames(failed, ".csv"); strings.Join(got, " ") != strings.Join(sorted(badNames), " ") {
		t.Errorf("failed: %v, want %v", got, badNames)
	}
	for _, p := range failed {
		if !strings.HasSuffix(p, ".csv") {
			continue
		}
		why, err := os.ReadFile(p + ".why.txt")
		if err != nil || len(bytes.TrimSpace(why)) == 0 {
			t.Errorf("%s has no reason beside it: %v", p, err)
		}
	}

	// The final state: the sum of the good files, loaded once each.
	code, out, errs := testkit.Run(t, dir, "--db", "w.duckdb", "sql", "--format", "csv",
		`SELECT (SELECT count(*) FROM registrations), (SELECT count(*) FROM load_ledger WHERE status = 'loaded'),
		        (SELECT count(*) FROM job_runs), (SELECT count(*) FROM job_runs WHERE status = 'succeeded'),
		        (SELECT count(*) FROM job_runs WHERE status = 'failed' AND coalesce(message, '') = '')`)
	if code != 0 {
		t.Fatalf("final query: %s", errs)
	}
	f := strings.Split(strings.Split(strings.TrimSpace(out), "\n")[1], ",")
	if f[0] != strconv.Itoa(wantRows) || f[1] != strconv.Itoa(goodFiles) {
		t.Errorf("final: %s rows in %s loads; want %d rows in %d loads (the sum of the files)", f[0], f[1], wantRows, goodFiles)
	}
	if f[4] != "0" {
		t.Errorf("%s failed runs without a message", f[4])
	}

	// The service's own outputs name no one: its log, the notes beside
	// refused files, the run records, the warehouse and its copy.
	ids := map[string]bool{}
	for i := 0; i < goodFiles; i++ {
		for k := 0; k < rowsPerFile(i); k++ {
			ids[testkit.Person(i*20000+k)] = true
		}
	}
	ids[testkit.Person(999999)] = true
	find := testkit.Finder{People: testkit.People{IDs: ids, Names: map[string]bool{"某人": true}}}
	if hits := find.Find(serveErr.Bytes()); len(hits) > 0 {
		t.Errorf("the service log names people: %v", hits[:1])
	}
	outputs := append([]string{filepath.Join(dir, "w.duckdb")}, failed...)
	if cur, err := os.Readlink(filepath.Join(dir, "w.duckdb.published", "current")); err == nil {
		outputs = append(outputs, filepath.Join(dir, "w.duckdb.published", cur))
	}
	for _, p := range outputs {
		if strings.HasSuffix(p, ".csv") {
			continue // the refused extracts themselves
		}
		if hits := find.ScanFile(t, p); len(hits) > 0 {
			t.Errorf("%s names people: %v", filepath.Base(p), hits[:1])
		}
	}

	queries, failures, backward := 0, 0, 0
	var slowest time.Duration
	for i, an := range analysts {
		queries += an.queries
		failures += len(an.errs)
		backward += an.backward
		slowest = max(slowest, an.slowest)
		for _, e := range an.errs {
			t.Errorf("analyst %d: %s", i+1, e)
		}
		if an.queries < 3 {
			t.Errorf("analyst %d ran only %d queries", i+1, an.queries)
		}
	}
	if backward > 0 {
		t.Errorf("%d answers went back to an older state", backward)
	}
	t.Logf("figures: load: %d files (%d loaded, %d refused with a reason) in %.1f s; %d rows; %s job runs (%s succeeded); "+
		"4 analysts, %d queries, slowest %.2f s, failures %d, answers older than the one before %d",
		len(arrivals), len(goodNames), len(badNames), elapsed.Seconds(), wantRows, f[2], f[3], queries, slowest.Seconds(), failures, backward)
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !info.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func baseNames(paths []string, ext string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasSuffix(p, ext) {
			out = append(out, filepath.Base(p))
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// query runs enlist sql once. It is called from the analysts' goroutines,
// so it reports instead of failing the test.
func query(bin, dir, q string) (int, string, string, error) {
	cmd := exec.Command(bin, "--threads", "1", "--db", "w.duckdb", "sql", "--format", "csv", "--timeout", "30s", q)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ENLIST_SECRET="+testkit.Secret, "ENLIST_DB=")
	return testkit.Exec(cmd)
}

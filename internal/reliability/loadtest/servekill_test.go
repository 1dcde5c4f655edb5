package loadtest

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"enlist/internal/reliability/testkit"
	"enlist/internal/warehouse"
)

// runRecords is the service's own table: a killed run leaves its row
// there, so states are compared without it and it is checked on its own.
var runRecords = map[string]bool{"job_runs": true}

// startServe starts enlist serve in dir and waits (bounded) until its log
// says want: "service starting" at least, since a SIGTERM before the
// process has set up its signal handling would end it like a kill.
func startServe(t *testing.T, dir, want string) *exec.Cmd {
	t.Helper()
	cmd := testkit.Command(t, dir, "--db", "w.duckdb", "serve", "--schedules", "schedules", "--grace", "60s")
	log := &watchedLog{want: []byte(want), seen: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.Discard, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-log.seen:
	case <-time.After(time.Minute):
		t.Fatalf("enlist serve did not log %q within a minute: %s", want, log)
	}
	return cmd
}

// watchedLog keeps a process's output and closes seen when want appears.
type watchedLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want []byte
	seen chan struct{}
	once sync.Once
}

func (w *watchedLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.Contains(w.buf.Bytes(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchedLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// inboxEmpty waits, polling, until no extract is left directly in the
// inbox or the deadline passes.
func inboxEmpty(dir string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if left, _ := filepath.Glob(filepath.Join(dir, "inbox", "*.csv")); len(left) == 0 {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestServeSurvivesSIGKILL kills enlist serve at random moments while its
// scheduled job loads an inbox file. After each kill the warehouse and its
// published copy hold the state before or after the file; the file is
// never lost (not loaded means still in the inbox) and never in failed/;
// a restarted service marks the killed run abandoned, moves the file to
// processed/ exactly once and leaves the state after it, loaded once.
func TestServeSurvivesSIGKILL(t *testing.T) {
	trials := 8
	if testing.Short() {
		trials = 2
	}
	pristine := filepath.Join(t.TempDir(), "pristine")
	for _, d := range []string{"schedules", "inbox"} {
		if err := os.MkdirAll(filepath.Join(pristine, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	testkit.MustRun(t, pristine, "--db", "w.duckdb", "init")
	if err := os.WriteFile(filepath.Join(pristine, "schedules", "inbox.yaml"), []byte(`jobs:
  - name: inbox
    cron: "* * * * * *"
    type: ingest
    params: {inbox: inbox, settle: 10ms}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	testkit.WriteBytes([]byte(testkit.RegCSV(90000, 0, "410102001", "\r\n")))(t, filepath.Join(pristine, "inbox", "reg.csv"))

	work := filepath.Join(t.TempDir(), "work")
	live := filepath.Join(work, "w.duckdb")
	prepare := func() {
		if err := os.RemoveAll(work); err != nil {
			t.Fatal(err)
		}
		testkit.CopyTree(t, pristine, work)
	}
	stop := func(cmd *exec.Cmd) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("enlist serve after SIGTERM: %v\n%s", err, cmd.Stderr)
		}
	}

	prepare()
	before := testkit.StateWithout(t, live, false, runRecords)
	beforePub := testkit.PublishedStateWithout(t, live, runRecords)
	prepare()
	start := time.Now()
	ref := startServe(t, work, "service starting")
	if !inboxEmpty(work, 2*time.Minute) {
		t.Fatalf("the reference run did not empty the inbox\n%s", ref.Stderr)
	}
	full := time.Since(start)
	stop(ref)
	after := testkit.StateWithout(t, live, false, runRecords)
	if after == before {
		t.Fatal("the file changed nothing; the trials would prove nothing")
	}
	t.Logf("enlist serve takes %v from start to the file processed", full.Round(time.Millisecond))

	seed := testkit.Seed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5e7e))
	var sawBefore, sawAfter, loadedNotMoved, abandoned, pubBehind int
	for i := 0; i < trials; i++ {
		prepare()
		delay := time.Duration(rng.Int64N(int64(full) * 11 / 10))
		cmd := startServe(t, work, "service starting")
		time.Sleep(delay) // the moment of the kill; nothing waits on it
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		inInbox := exists(filepath.Join(work, "inbox", "reg.csv"))
		processed, _ := filepath.Glob(filepath.Join(work, "inbox", "processed", "*", "reg*.csv"))
		failed, _ := filepath.Glob(filepath.Join(work, "inbox", "failed", "*", "*"))
		if len(failed) > 0 {
			t.Fatalf("trial %d (killed after %v): a kill put the file in failed/: %v", i, delay, failed)
		}
		if pub := testkit.PublishedStateWithout(t, live, runRecords); pub != beforePub && pub != after {
			t.Fatalf("trial %d (killed after %v): the published copy is neither before nor after", i, delay)
		}
		switch testkit.StateWithout(t, live, false, runRecords) {
		case before:
			sawBefore++
			if !inInbox {
				t.Fatalf("trial %d (killed after %v): the file is not loaded and not in the inbox: lost", i, delay)
			}
		case after:
			sawAfter++
			if inInbox {
				loadedNotMoved++
			} else if len(processed) != 1 {
				t.Fatalf("trial %d (killed after %v): loaded, but processed/ holds %v", i, delay, processed)
			}
		default:
			t.Fatalf("trial %d (killed after %v): the warehouse holds a state that is neither before nor after", i, delay)
		}

		// The restart: the killed run is marked abandoned (before the
		// first run starts) and the file ends in processed/, loaded once.
		again := startServe(t, work, "run finished")
		if !inboxEmpty(work, 2*time.Minute) {
			t.Fatalf("trial %d: the restarted service did not empty the inbox\n%s", i, again.Stderr)
		}
		stop(again)
		if got := testkit.StateWithout(t, live, false, runRecords); got != after {
			t.Fatalf("trial %d: after the restart the warehouse is not the state after the file", i)
		}
		processed, _ = filepath.Glob(filepath.Join(work, "inbox", "processed", "*", "reg*.csv"))
		if len(processed) != 1 {
			t.Fatalf("trial %d: processed/ holds %v, want the one file", i, processed)
		}
		// The live file, not the published copy: a kill after the commit
		// and the move but before the publish leaves the copy behind
		// (counted below).
		wh, err := warehouse.Open(context.Background(), live, warehouse.Options{ReadOnly: true, LockWait: -1})
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		var loads, running, marked int
		err = wh.DB().QueryRow(`SELECT (SELECT count(*) FROM load_ledger WHERE status = 'loaded'),
			        (SELECT count(*) FROM job_runs WHERE status = 'running'),
			        (SELECT count(*) FROM job_runs WHERE status = 'abandoned')`).Scan(&loads, &running, &marked)
		wh.Close()
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		if loads != 1 || running != 0 {
			t.Fatalf("trial %d: %d loads, %d runs still marked running; want 1 and 0", i, loads, running)
		}
		if testkit.PublishedStateWithout(t, live, runRecords) != after {
			pubBehind++
		}
		if marked > 0 {
			abandoned++
		}
	}
	t.Logf("figures: enlist serve: %d trials killed with SIGKILL; warehouse before %d, after %d (loaded but not yet moved %d); "+
		"killed runs marked abandoned on restart %d; published copy behind after the restart %d; files lost 0, loaded twice 0, failures 0",
		trials, sawBefore, sawAfter, loadedNotMoved, abandoned, pubBehind)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

package crash

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"enlist/internal/reliability/testkit"
	"enlist/internal/warehouse"
)

// killTrials is the crash test shared by the write commands. pristine is
// a folder holding the warehouse (db, relative) in its state before the
// command; args is the command. It runs the command once to the end to
// learn the state after it and how long it takes, then trials times: a
// fresh copy of pristine, the command killed with SIGKILL after a random
// delay, the warehouse and its published copy checked to hold exactly the
// state before or after, and the command run again to the end.
//
// A kill between the commit and the publish leaves the warehouse "after"
// and the published copy "before"; the re-run must publish it even when it
// has nothing new of its own to write.
func killTrials(t *testing.T, name, pristine, db string, trials int, args ...string) {
	work := filepath.Join(t.TempDir(), "work") // the same paths in every trial
	live := filepath.Join(work, db)
	prepare := func() {
		if err := os.RemoveAll(work); err != nil {
			t.Fatal(err)
		}
		testkit.CopyTree(t, pristine, work)
	}
	prepare()
	before := testkit.State(t, live, false)
	prepare()
	beforePub := testkit.PublishedState(t, live)
	start := time.Now()
	testkit.MustRun(t, work, args...)
	full := time.Since(start)
	after := testkit.State(t, live, false)
	afterPub := testkit.PublishedState(t, live)
	if before == after {
		t.Fatalf("%s changed nothing; the trials would prove nothing", name)
	}
	if afterPub != after {
		t.Fatalf("after %s the published copy is %s, the warehouse %s", name, afterPub, after)
	}
	t.Logf("%s takes %v to the end; before %s, after %s", name, full.Round(time.Millisecond), before, after)

	seed := testkit.Seed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var killed, finished, sawBefore, sawAfter, pubBefore, pubAfter int
	for i := 0; i < trials; i++ {
		prepare()
		// Delays cover start-up, the load, the commit, the publish and
		// now and then the time after the process has already ended.
		delay := time.Duration(rng.Int64N(int64(full) * 11 / 10))
		cmd := testkit.Command(t, work, args...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL) // fails only if it already exited
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
			killed++
		} else {
			finished++
			if err != nil {
				t.Fatalf("trial %d: %s ended with %v before the kill: %s", i, name, err, errb.String())
			}
		}

		// Readers first, as they would be: the published copy must be a
		// committed state, and after a kill it is the one before or after.
		pub := testkit.PublishedState(t, live)
		switch pub {
		case beforePub:
			pubBefore++
		case afterPub:
			pubAfter++
		default:
			t.Fatalf("trial %d (killed after %v): the published copy holds a state that is neither before nor after (%s)", i, delay, pub)
		}
		got := testkit.State(t, live, false)
		switch got {
		case before:
			sawBefore++
		case after:
			sawAfter++
		default:
			t.Fatalf("trial %d (killed after %v): the warehouse holds a state that is neither before nor after (%s)", i, delay, got)
		}
		testkit.MustRun(t, work, args...)
		// The re-run closed the file cleanly: a reader's open suffices.
		if again := testkit.State(t, live, true); again != after {
			t.Fatalf("trial %d: re-run after the kill left %s, want %s", i, again, after)
		}
		if pub := testkit.PublishedState(t, live); pub != after {
			t.Fatalf("trial %d (killed after %v): after the re-run the published copy is %s, want %s", i, delay, pub, after)
		}
		// A kill between the loads' commit and the keeping of their
		// warnings between files left those behind; the re-run keeps them.
		testkit.KeptWarningsCurrent(t, live)
		if p, err := warehouse.PublishedPath(live); err != nil {
			t.Fatal(err)
		} else {
			testkit.KeptWarningsCurrent(t, p)
		}
	}
	t.Logf("figures: %s: %d trials, %d killed, %d finished before the kill; warehouse before %d, after %d; "+
		"published copy before %d, after %d; failures 0",
		name, trials, killed, finished, sawBefore, sawAfter, pubBefore, pubAfter)
}

// crashTrials is 20 (the minimum) unless -short asks for a quick
// run.
func crashTrials() int {
	if testing.Short() {
		return 3
	}
	return 20
}

// TestIngestSurvivesSIGKILL kills enlist ingest at random moments while it
// loads a snapshot that replaces an earlier one.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	inputs := t.TempDir()
	older := filepath.Join(inputs, "registrations-week1.csv")
	newer := filepath.Join(inputs, "registrations-week2.csv")
	testkit.WriteBytes([]byte(testkit.RegCSV(30000, 0, "410102001", "\r\n")))(t, older)
	// The next week's list: everyone again and more, a snapshot of the
	// same scope, so committing it deletes the older rows too.
	testkit.WriteBytes([]byte(testkit.RegCSV(90000, 0, "410102001", "\r\n")))(t, newer)

	pristine := filepath.Join(t.TempDir(), "pristine")
	if err := os.MkdirAll(pristine, 0o750); err != nil {
		t.Fatal(err)
	}
	testkit.MustRun(t, pristine, "--db", "w.duckdb", "init")
	testkit.MustRun(t, pristine, "--db", "w.duckdb", "ingest", older)
	killTrials(t, "enlist ingest", pristine, "w.duckdb", crashTrials(), "--db", "w.duckdb", "ingest", newer)
}

// TestRollupSurvivesSIGKILL kills enlist rollup at random moments while it
// takes a county's new delivery into the province's warehouse.
func TestRollupSurvivesSIGKILL(t *testing.T) {
	inputs := t.TempDir()
	county := func(name, town string, n, first int) string {
		dir := filepath.Join(inputs, name)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		csv := filepath.Join(dir, "reg.csv")
		testkit.WriteBytes([]byte(testkit.RegCSV(n, first, town, "\n")))(t, csv)
		testkit.MustRun(t, dir, "--db", "county.duckdb", "init")
		testkit.MustRun(t, dir, "--db", "county.duckdb", "ingest", csv)
		return filepath.Join(dir, "county.duckdb")
	}
	a := county("410102", "410102001", 20000, 0)
	b := county("410103", "410103001", 100000, 100000)

	pristine := filepath.Join(t.TempDir(), "pristine")
	if err := os.MkdirAll(pristine, 0o750); err != nil {
		t.Fatal(err)
	}
	testkit.MustRun(t, pristine, "--db", "province.duckdb", "init")
	testkit.MustRun(t, pristine, "rollup", "--into", "province.duckdb", a)
	killTrials(t, "enlist rollup", pristine, "province.duckdb", crashTrials(), "rollup", "--into", "province.duckdb", a, b)
}

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.Cleanup()
	os.Exit(code)
}
